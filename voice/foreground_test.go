package voice_test

import (
	"math"
	"slices"
	"testing"

	"github.com/voicepay/voicepay/voice"
)

// TestForeground trims utterances of real fixture speech in babble 10 dB
// under it, which runs a second before and a second and a half after, as
// the endpointer gives them in a café: every trim keeps all of the speech
// and drops most of the talk around it. Speech in a quiet room comes back
// with only the margins around it.
func TestForeground(t *testing.T) {
	clips := loadNoiseClips(t)
	before, after := voice.SampleRate, voice.SampleRate*3/2
	kept, around := 0, 0
	for i := range clips {
		for _, tr := range []noiseTrial{{clip: i, kind: babbleNoiseKind, snrDB: 10}, {clip: i, kind: pinkNoiseKind, snrDB: 10}} {
			x, from, to := noiseScene(1, tr, clips)
			from, to = from+loudFrom(clips[i].speech), from+loudTo(clips[i].speech)
			start := max(0, from-before)
			utt := x[start:min(len(x), to+after)]
			got := voice.Foreground(utt)
			off := foregroundOffset(utt, got) + start
			if off > from || off+len(got) < to {
				t.Errorf("%s in %v: kept %d..%d of speech at %d..%d", clips[i].file, tr.kind, off, off+len(got), from, to)
			}
			kept += len(got) - (to - from)
			around += len(utt) - (to - from)
		}
	}
	if kept*2 > around {
		t.Errorf("kept %d of %d samples around the speech, want under half", kept, around)
	}
	t.Logf("kept %d of %d samples around the speech (%.0f%%)", kept, around, 100*float64(kept)/float64(around))

	quiet := make([]int16, 2*voice.SampleRate+len(clips[0].speech))
	speech := clips[0].speech
	copy(quiet[voice.SampleRate:], speech)
	got := voice.Foreground(quiet)
	from, to := voice.SampleRate+loudFrom(speech), voice.SampleRate+loudTo(speech)
	if off := foregroundOffset(quiet, got); off > from || off+len(got) < to || len(got) > len(speech)+voice.SampleRate*3/4 {
		t.Errorf("speech in quiet: kept %d..%d, speech at %d..%d", off, off+len(got), from, to)
	}
	// As the endpointer cuts it in a quiet room: its pre-roll and tail.
	captured := make([]int16, voice.SampleRate*3/10+len(speech)+voice.SampleRate*24/100)
	copy(captured[voice.SampleRate*3/10:], speech)
	if got := voice.Foreground(captured); len(got) != len(captured) {
		t.Errorf("speech with the endpointer's pre-roll and tail: kept %d of %d samples, want all", len(got), len(captured))
	}
	if short := speech[:voice.SampleRate/4]; len(voice.Foreground(short)) != len(short) {
		t.Error("a short utterance was trimmed")
	}
}

// foregroundOffset is where got, a part of utt, starts in it.
func foregroundOffset(utt, got []int16) int {
	if len(got) == 0 {
		return 0
	}
	for i := range utt {
		if &utt[i] == &got[0] {
			return i
		}
	}
	return -1
}

// loudFrom and loudTo bound the speech of a clip within 20 dB of its
// loudest 10 ms frame: what a trim must keep, faint tails aside.
func loudFrom(x []int16) int {
	lv := frameDB(x)
	top := slices.Max(lv)
	return slices.IndexFunc(lv, func(l float64) bool { return l >= top-20 }) * 160
}

func loudTo(x []int16) int {
	lv := frameDB(x)
	top := slices.Max(lv)
	i := len(lv) - 1
	for lv[i] < top-20 {
		i--
	}
	return (i + 1) * 160
}

func frameDB(x []int16) []float64 {
	out := make([]float64, len(x)/160)
	for i := range out {
		var s float64
		for _, v := range x[i*160 : (i+1)*160] {
			s += float64(v) * float64(v)
		}
		out[i] = 10 * math.Log10(s/160+1)
	}
	return out
}

package voice

import (
	"math"
	"slices"
	"time"
)

// Foreground trims an utterance to the speech of the person nearest the
// microphone, and returns a part of samples. In a café the endpointer
// starts on the talk around before the person speaks, and waits through it
// after they stop, so an utterance holds a second or more of other voices
// at each end; the recognizer, which must account for every frame, then
// hears those voices as words or rejects the whole utterance. The person's
// own speech is louder: Foreground finds the first and the last 10 ms
// frame within foregroundSpan of the utterance's loud level (its 95th
// percentile), or foregroundAbove over its quiet level, whichever is
// lower, and keeps from foregroundBefore before the first to
// foregroundAfter after the last, which keeps soft onsets and fading ends. It trims an end only when that
// takes foregroundLeast or more: speech in a quiet room, or with no talk
// before or after it, comes back as it is, as does an utterance shorter
// than foregroundMin.
//
// BenchmarkForeground (voice/sphinx) measures it on the broad fixture set,
// each clip between a second and more of its own noise, through the real
// endpointer and the recognizer as the daemon runs them: commands in
// babble went from 8 to 17 of 69 heard right, commands in other noise and
// clean ones did not change, and out-of-domain clips heard as nothing went
// from 266 to 265 of 371, none more heard as moving money. An 8 dB span
// lost no clean command where 6 dB lost 8; trimming ends shorter than
// foregroundLeast, too, made out-of-domain speech in a quiet room pass as
// money three times more.
func Foreground(samples []int16) []int16 {
	const frame = SampleRate / 100
	if len(samples) < SampleCount(foregroundMin) {
		return samples
	}
	levels := make([]float64, len(samples)/frame)
	for i := range levels {
		var sum float64
		for _, v := range samples[i*frame : (i+1)*frame] {
			sum += float64(v) * float64(v)
		}
		levels[i] = 10 * math.Log10(sum/frame+1)
	}
	sorted := slices.Clone(levels)
	slices.Sort(sorted)
	loud, floor := sorted[(len(sorted)-1)*95/100], sorted[(len(sorted)-1)/5]
	cut := min(loud-foregroundSpan, floor+foregroundAbove)
	first := slices.IndexFunc(levels, func(l float64) bool { return l >= cut })
	last := len(levels) - 1
	for last > first && levels[last] < cut {
		last--
	}
	from := max(0, first*frame-SampleCount(foregroundBefore))
	to := min(len(samples), (last+1)*frame+SampleCount(foregroundAfter))
	if from < SampleCount(foregroundLeast) {
		from = 0
	}
	if len(samples)-to < SampleCount(foregroundLeast) {
		to = len(samples)
	}
	return samples[from:to]
}

const (
	// foregroundSpan is how far below the loud level, in dB, a frame still
	// counts as the person's speech.
	foregroundSpan = 8
	// foregroundAbove: a frame this many dB above the utterance's quiet
	// level (its 20th percentile) counts as the person's speech however far
	// below the loud level, so that in a quiet room a soft last word stays.
	foregroundAbove = 15
	// foregroundBefore and foregroundAfter are kept around the person's
	// speech: a soft onset, a word's fading end.
	foregroundBefore = 200 * time.Millisecond
	foregroundAfter  = 250 * time.Millisecond
	// foregroundLeast is the least Foreground trims from either end: less
	// is the endpointer's own pre-roll and tail, which it leaves alone, so
	// that speech in a quiet room is decoded exactly as it was captured.
	foregroundLeast = 300 * time.Millisecond
	// foregroundMin is the shortest utterance Foreground trims.
	foregroundMin = 500 * time.Millisecond
)

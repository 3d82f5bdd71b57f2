package speech_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/internal/agenttest"
	"github.com/voicepay/voicepay/agent/speech"
	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/voice"
	"github.com/voicepay/voicepay/voice/voicetest"
)

// wholeGrammar hears every utterance with the whole grammar, whatever the
// dialog's state narrows it to, so that each clip is decoded as in the
// acceptance benchmark, and counts the decodes.
type wholeGrammar struct {
	r       *speech.Recognizer
	decodes atomic.Int64
}

func (w *wholeGrammar) Recognize(ctx context.Context, samples []int16, _ *intent.Graph) (agent.Heard, error) {
	w.decodes.Add(1)
	text, err := w.r.Transcribe(ctx, samples)
	return agent.Heard{Text: text}, err
}

// cleanCommands are the clean in-domain clips of the espeak-ng fixture set.
func cleanCommands(tb testing.TB) []string {
	rows, err := voicetest.ReadManifest(filepath.Join("..", "..", "testdata", "audio"))
	if err != nil {
		tb.Fatal(err)
	}
	var files []string
	for _, r := range rows {
		if !r.Noisy && !r.OutDomain {
			files = append(files, r.File)
		}
	}
	if len(files) == 0 {
		tb.Fatal("no clean commands in the manifest")
	}
	return files
}

// BenchmarkSpeechToTurn measures the daemon's own path from the end of
// speech to the dialog's turn: the endpointer, the session's Ear, the
// recognizer with its verification pass, the parser and the dialog over a
// real wallet. Each clean in-domain clip, between stretches of faint
// noise, is written to the endpointer in 30 ms frames: at once up to the
// endpointer's pause, then in real time, as a microphone gives it, while
// the hangover runs and the Ear recognizes. The clock runs from the
// SpeechStopped event to the turn. It reports the median and the 95th
// percentile, and the decodes per utterance (1 when every guess made at
// the pause was used).
//
// streams=1 is one person; streams=4 is four devices, each with its own
// session and endpointer, decoding at once through the daemon's one pool
// of decoders (one per core). b.N counts the utterances of each stream.
func BenchmarkSpeechToTurn(b *testing.B) {
	for _, streams := range []int{1, 4} {
		b.Run(fmt.Sprintf("streams=%d", streams), func(b *testing.B) { benchmarkSpeechToTurn(b, streams) })
	}
}

func benchmarkSpeechToTurn(b *testing.B, streams int) {
	h := agenttest.MustOpenHub(b)
	r, err := speech.New(h.Parser, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	rec := &wholeGrammar{r: r}
	files := cleanCommands(b)
	clips := make([][]int16, len(files))
	for i, f := range files {
		clips[i] = slices.Concat(quiet(500*time.Millisecond), mustClip(b, f), quiet(time.Second))
	}
	ears := make([]*agent.Ear, streams)
	for i := range ears {
		d, _ := h.MustPair(fmt.Sprintf("glasses-%d", i), "user")
		ears[i] = h.MustSession(d).Ear(rec)
	}
	lats := make([][]time.Duration, streams)
	errs := make([]error, streams)
	b.ResetTimer()
	var wg sync.WaitGroup
	for s := range streams {
		// Each stream starts on another clip.
		wg.Go(func() { lats[s], errs[s] = speakInto(ears[s], clips, s*len(clips)/streams, b.N) })
	}
	wg.Wait()
	b.StopTimer()
	if err := errors.Join(errs...); err != nil {
		b.Fatal(err)
	}
	lat := slices.Concat(lats...)
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64(rec.decodes.Load())/float64(len(lat)), "decodes/utt")
}

// speakInto writes n clips, from clips[first] on, to a new endpointer as
// a microphone would, hands what it finds to ear, and returns the time
// from each SpeechStopped to its turn.
func speakInto(ear *agent.Ear, clips [][]int16, first, n int) ([]time.Duration, error) {
	cfg := voice.DefaultVADConfig()
	ep, err := voice.NewEndpointer(cfg)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	frame := voice.SampleCount(cfg.Frame)
	var lat []time.Duration
	for i := range n {
		samples := clips[(first+i)%len(clips)]
		turns := len(lat)
		var pausedAt time.Time // when the last pause came; zero before
		for off := 0; off < len(samples); off += frame {
			if !pausedAt.IsZero() {
				// After the pause, audio arrives in real time.
				time.Sleep(time.Until(pausedAt.Add(time.Duration(off/frame) * cfg.Frame)))
			}
			for _, ev := range ep.Write(samples[off:min(off+frame, len(samples))]) {
				switch ev.(type) {
				case voice.SpeechPaused:
					pausedAt = time.Now().Add(-time.Duration(off/frame) * cfg.Frame)
				case voice.SpeechAudio, voice.SpeechStopped:
					pausedAt = time.Time{} // the person went on, or it is over
				}
				stopped := time.Now()
				t, _, err := ear.Hear(ctx, ev)
				if err != nil {
					return nil, err
				}
				if t != nil {
					lat = append(lat, time.Since(stopped))
				}
			}
		}
		got := len(lat) - turns
		if got == 0 {
			// The clip ended before the endpointer closed the utterance:
			// close it, and leave its time out.
			for _, ev := range ep.Flush() {
				if t, _, err := ear.Hear(ctx, ev); err != nil {
					return nil, err
				} else if t != nil {
					got++
				}
			}
		}
		if got != 1 {
			return nil, fmt.Errorf("clip %d gave %d turns, want 1", (first+i)%len(clips), got)
		}
	}
	return lat, nil
}

package speech_test

import (
	"context"
	"path/filepath"
	"slices"
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
func BenchmarkSpeechToTurn(b *testing.B) {
	h := agenttest.MustOpenHub(b)
	d, _ := h.MustPair("glasses", "user")
	sess := h.MustSession(d)
	r, err := speech.New(h.Parser)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	rec := &wholeGrammar{r: r}
	ear := sess.Ear(rec)
	cfg := voice.DefaultVADConfig()
	ep, err := voice.NewEndpointer(cfg)
	if err != nil {
		b.Fatal(err)
	}
	files := cleanCommands(b)
	clips := make([][]int16, len(files))
	for i, f := range files {
		clips[i] = slices.Concat(quiet(500*time.Millisecond), mustClip(b, f), quiet(time.Second))
	}
	ctx := context.Background()
	frame := voice.SampleCount(cfg.Frame)
	var lat []time.Duration
	turns := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		samples := clips[i%len(clips)]
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
					b.Fatal(err)
				}
				if t != nil {
					lat = append(lat, time.Since(stopped))
					turns++
				}
			}
		}
		for _, ev := range ep.Flush() {
			if t, _, err := ear.Hear(ctx, ev); err != nil {
				b.Fatal(err)
			} else if t != nil {
				turns++
			}
		}
	}
	b.StopTimer()
	if turns != b.N {
		b.Fatalf("%d clips gave %d turns", b.N, turns)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64(rec.decodes.Load())/float64(turns), "decodes/utt")
}

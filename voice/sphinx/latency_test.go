package sphinx_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/voicepay/voicepay/voice/sphinx"
)

// BenchmarkSpeechToIntent measures what a person waits for once they stop
// speaking: the recognizer has decoded the utterance while it was spoken
// (Stream.Process, untimed), and the clock runs from the end of speech
// through Stream.End and the parse to the intent. It reports the median and
// the 95th percentile over the clean in-domain fixtures, and the real-time
// factor of decoding that way (rtf). The recognizer verifies money-moving hypotheses, as
// voicepay runs it, so End includes that second pass for them. It also
// times each utterance decoded whole (whole-p50-ms and whole-p95-ms),
// which is how the daemon hears the microphone and the websocket: it
// starts when the endpointer pauses and must end within the rest of the
// hangover (see agent.Ear and BenchmarkSpeechToTurn in agent/speech). Its
// real-time factor is whole-rtf.
func BenchmarkSpeechToIntent(b *testing.B) {
	p := MustParser(b)
	cfg := MoneyConfig(b)
	cfg.Grammar = p.Grammar()
	rec := MustRecognizer(b, cfg)
	var utterances [][]int16
	for _, c := range MustFixtures(b) {
		if c.noisy || c.outDomain {
			continue
		}
		s, err := readWAV(filepath.Join(fixtureDir, c.file))
		if err != nil {
			b.Fatal(err)
		}
		utterances = append(utterances, s)
	}
	ctx := context.Background()
	var lat, whole []time.Duration
	var audio, decoding, wholeDecoding time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := utterances[i%len(utterances)]
		start := time.Now()
		st, err := rec.Start(ctx)
		if err != nil {
			b.Fatal(err)
		}
		// 100 ms chunks, as the endpointer hands them on.
		for off := 0; off < len(s); off += sphinx.SampleRate / 10 {
			if _, err := st.Process(s[off:min(off+sphinx.SampleRate/10, len(s))]); err != nil {
				b.Fatal(err)
			}
		}
		end := time.Now()
		res, err := st.End()
		if err != nil {
			b.Fatal(err)
		}
		p.Parse(res.Text)
		done := time.Now()
		lat = append(lat, done.Sub(end))
		decoding += done.Sub(start)
		audio += time.Duration(len(s)) * time.Second / sphinx.SampleRate

		// The same utterance decoded whole once it has ended, as the
		// daemon's microphone and websocket paths hear it.
		start = time.Now()
		res, err = rec.Decode(ctx, s)
		if err != nil {
			b.Fatal(err)
		}
		p.Parse(res.Text)
		whole = append(whole, time.Since(start))
		wholeDecoding += res.Elapsed
	}
	b.StopTimer()
	slices.Sort(lat)
	slices.Sort(whole)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64(whole[len(whole)/2].Microseconds())/1000, "whole-p50-ms")
	b.ReportMetric(float64(whole[len(whole)*95/100].Microseconds())/1000, "whole-p95-ms")
	b.ReportMetric(decoding.Seconds()/audio.Seconds(), "rtf")
	b.ReportMetric(wholeDecoding.Seconds()/audio.Seconds(), "whole-rtf")
}

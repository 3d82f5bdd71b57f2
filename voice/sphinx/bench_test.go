package sphinx_test

import (
	"context"
	"testing"
	"time"

	"github.com/voicepay/voicepay/voice/sphinx"
)

// BenchmarkDecode decodes whole clean in-domain utterances with the full
// grammar, one after another on one recognizer, and reports the real-time
// factor: decoding time over audio time. "first-pass" is the grammar and
// its phone loop alone; "verified" adds the verification pass for the
// hypotheses that would move money, as voicepay runs it.
func BenchmarkDecode(b *testing.B) {
	b.Run("first-pass", func(b *testing.B) { benchmarkDecode(b, sphinx.Config{}) })
	b.Run("verified", func(b *testing.B) { benchmarkDecode(b, MoneyConfig(b)) })
}

func benchmarkDecode(b *testing.B, cfg sphinx.Config) {
	rec := MustRecognizer(b, cfg)
	var clips [][]int16
	for _, c := range MustFixtures(b) {
		if !c.noisy && !c.outDomain {
			clips = append(clips, MustClip(b, c.file))
		}
	}
	ctx := context.Background()
	var audio, spent time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := rec.Decode(ctx, clips[i%len(clips)])
		if err != nil {
			b.Fatal(err)
		}
		audio += res.Audio
		spent += res.Elapsed
	}
	b.ReportMetric(spent.Seconds()/audio.Seconds(), "rtf")
}

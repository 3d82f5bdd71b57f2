package sphinx_test

import (
	"context"
	"testing"

	"github.com/voicepay/voicepay/voice/sphinx"
)

// TestNoCarryOver checks that an utterance decodes exactly the same
// whatever the recognizer heard before: no noise estimate or cepstral mean
// of one audio stream carries over into the next utterance, which may come
// from another stream. The path score, not only the words, must repeat.
func TestNoCarryOver(t *testing.T) {
	r := MustRecognizer(t, sphinx.Config{})
	ctx := context.Background()
	clip := MustClip(t, "in07-us140-clean.wav")
	decode := func(samples []int16) sphinx.Result {
		t.Helper()
		res, err := r.Decode(ctx, samples)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	fresh := decode(clip)
	if fresh.Text == "" {
		t.Fatalf("clean clip not heard: %q", fresh.Heard)
	}
	// Other streams: loud noisy speech, and a stream that was nearly silent.
	for _, other := range [][]int16{MustClip(t, "in04-gb140-noisy.wav"), MustClip(t, "in13-m7175-noisy.wav"), make([]int16, 16000)} {
		decode(other)
		again := decode(clip)
		if again.Heard != fresh.Heard || sphinx.Score(again) != sphinx.Score(fresh) {
			t.Errorf("after another stream: heard %q score %d; fresh: %q score %d", again.Heard, sphinx.Score(again), fresh.Heard, sphinx.Score(fresh))
		}
	}
}

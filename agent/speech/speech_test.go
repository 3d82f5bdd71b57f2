package speech_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/voicepay/voicepay/agent/speech"
	"github.com/voicepay/voicepay/config"
	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/voice"
	"github.com/voicepay/voicepay/voice/sphinx"
)

func mustClip(t testing.TB, file string) []int16 {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "testdata", "audio", file))
	if err != nil {
		t.Fatalf("%v (run make fixtures)", err)
	}
	defer f.Close()
	samples, _, err := voice.ReadWAV(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	return samples
}

// TestVerifiesMoney checks that the recognizer the daemon hears with runs
// the verification pass on what would move money, and only on that.
func TestVerifiesMoney(t *testing.T) {
	parser, err := intent.Compile(intent.DefaultTemplates(), config.DefaultCatalog().Vocabulary())
	if err != nil {
		t.Fatal(err)
	}
	r, err := speech.New(parser)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx := context.Background()
	all := parser.Grammar()
	for _, c := range []struct {
		file       string
		text       string
		confidence float64
	}{
		{"in12-us140-clean.wav", "authorize payment", sphinx.Verified},
		{"in13-us140-clean.wav", "what is my balance", sphinx.Heard},
	} {
		samples := mustClip(t, c.file)
		whole, err := r.Recognize(ctx, samples, all)
		if err != nil {
			t.Fatal(err)
		}
		if whole.Text != c.text || whole.Confidence != c.confidence {
			t.Errorf("%s: heard %q at %v, want %q at %v", c.file, whole.Text, whole.Confidence, c.text, c.confidence)
		}
	}
}

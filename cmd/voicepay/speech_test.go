package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/config"
	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/voice"
	"github.com/voicepay/voicepay/voice/sphinx"
)

// TestSpeechVerifiesMoney checks that the daemon's recognizer runs the
// verification pass on what would move money, and only on that.
func TestSpeechVerifiesMoney(t *testing.T) {
	parser, err := intent.Compile(intent.DefaultTemplates(), agent.Vocabulary(config.DefaultCatalog()))
	if err != nil {
		t.Fatal(err)
	}
	sp, err := newSpeech(parser)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	for _, c := range []struct {
		file       string
		text       string
		confidence float64
	}{
		{"in12-us140-clean.wav", "authorize payment", sphinx.Verified},
		{"in13-us140-clean.wav", "what is my balance", sphinx.Heard},
	} {
		f, err := os.Open(filepath.Join("..", "..", "testdata", "audio", c.file))
		if err != nil {
			t.Fatalf("%v (run make fixtures)", err)
		}
		samples, _, err := voice.ReadWAV(f, nil)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		h, err := sp.Recognize(context.Background(), samples, sp.all)
		if err != nil {
			t.Fatal(err)
		}
		if h.Text != c.text || h.Confidence != c.confidence {
			t.Errorf("%s: heard %q at %v, want %q at %v", c.file, h.Text, h.Confidence, c.text, c.confidence)
		}
	}
}

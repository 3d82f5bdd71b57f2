package speech_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/voicepay/voicepay/agent"
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

// mustParser compiles the default templates and catalog.
func mustParser(t *testing.T) *intent.Parser {
	t.Helper()
	parser, err := intent.Compile(intent.DefaultTemplates(), config.DefaultCatalog().Vocabulary())
	if err != nil {
		t.Fatal(err)
	}
	return parser
}

// TestVerifiesMoney checks that the recognizer the daemon hears with runs
// the verification pass on what would move money, and only on that.
func TestVerifiesMoney(t *testing.T) {
	parser := mustParser(t)
	r, err := speech.New(parser, 0)
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
		{"in13-us140-clean.wav", "what's my balance", sphinx.Heard},
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

// TestPool checks that the decoders of the pool hear utterances decoded at
// the same time exactly as they hear them one at a time, and that a closed
// pool refuses work.
func TestPool(t *testing.T) {
	parser := mustParser(t)
	r, err := speech.New(parser, 2)
	if err != nil {
		t.Fatal(err)
	}
	if r.Size() != 2 {
		t.Fatalf("size %d, want 2", r.Size())
	}
	ctx := context.Background()
	files := []string{"in04-us140-clean.wav", "in07-f3175-noisy.wav", "in11-gb140-clean.wav", "in13-m7175-noisy.wav", "out05-us140-clean.wav", "in22-f3175-clean.wav"}
	clips := make([][]int16, len(files))
	want := make([]agent.Heard, len(files))
	for i, f := range files {
		clips[i] = mustClip(t, f)
		if want[i], err = r.Recognize(ctx, clips[i], parser.Grammar()); err != nil {
			t.Fatal(err)
		}
	}
	got := make([]agent.Heard, 3*len(files))
	// All wait their turn, however long: none is refused as busy.
	r.MaxWaiting, r.QueueWait = len(got), time.Minute
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() {
			var err error
			if got[i], err = r.Recognize(ctx, clips[i%len(clips)], parser.Grammar()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for i, h := range got {
		if w := want[i%len(files)]; h != w {
			t.Errorf("%s decoded with others: %+v; alone: %+v", files[i%len(files)], h, w)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Transcribe(ctx, clips[0]); !errors.Is(err, sphinx.ErrClosed) {
		t.Errorf("after Close: %v, want ErrClosed", err)
	}
}

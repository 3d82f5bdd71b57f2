package sphinx_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/voice/sphinx"
)

// MustClip reads a fixture clip, rendering the fixtures first if needed.
func MustClip(tb testing.TB, name string) []int16 {
	tb.Helper()
	MustFixtures(tb)
	s, err := readWAV(filepath.Join(fixtureDir, name))
	if err != nil {
		tb.Fatalf("read %s: %v", name, err)
	}
	return s
}

func TestDecode(t *testing.T) {
	r := MustRecognizer(t, sphinx.Config{})
	res, err := r.Decode(context.Background(), MustClip(t, "in04-us140-clean.wav"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "buy two lattes from luckin coffee"; res.Text != want {
		t.Fatalf("heard %q, want %q", res.Text, want)
	}
	if res.Confidence != sphinx.Heard || res.Rejected {
		t.Errorf("confidence %v, rejected %v", res.Confidence, res.Rejected)
	}
	var words []string
	var last time.Duration
	for _, w := range res.Words {
		words = append(words, w.Text)
		if w.Start < last || w.End <= w.Start || w.End > res.Audio {
			t.Errorf("word %+v out of order in %v of audio", w, res.Audio)
		}
		last = w.End
	}
	if strings.Join(words, " ") != res.Text {
		t.Errorf("words %v, text %q", words, res.Text)
	}
	if res.Audio < 2*time.Second || res.Elapsed <= 0 {
		t.Errorf("audio %v, elapsed %v", res.Audio, res.Elapsed)
	}
}

// Silence, noise and empty input give no text, and no error.
func TestDecodeNothing(t *testing.T) {
	r := MustRecognizer(t, sphinx.Config{})
	rng := rand.New(rand.NewPCG(1, 2))
	noise := make([]int16, 60*sphinx.SampleRate)
	for i := range noise {
		noise[i] = int16(rng.NormFloat64() * 3000)
	}
	for name, samples := range map[string][]int16{
		"empty":            nil,
		"two seconds zero": make([]int16, 2*sphinx.SampleRate),
		"60 s white noise": noise,
	} {
		t.Run(name, func(t *testing.T) {
			res, err := r.Decode(context.Background(), samples)
			if err != nil {
				t.Fatal(err)
			}
			if got := MustParser(t).Parse(res.Text).Intent; got != intent.None {
				t.Errorf("heard %q (%s), want nothing", res.Text, got)
			}
		})
	}
}

// Streaming gives partial hypotheses and then the same result as decoding
// the whole utterance.
func TestStream(t *testing.T) {
	r := MustRecognizer(t, sphinx.Config{})
	samples := MustClip(t, "in15-us140-clean.wav")
	whole, err := r.Decode(context.Background(), samples)
	if err != nil {
		t.Fatal(err)
	}
	s, err := r.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var partials []string
	for i := 0; i < len(samples); i += 1600 { // 100 ms at a time
		p, err := s.Process(samples[i:min(i+1600, len(samples))])
		if err != nil {
			t.Fatal(err)
		}
		if p != "" && (len(partials) == 0 || partials[len(partials)-1] != p) {
			partials = append(partials, p)
		}
	}
	res, err := s.End()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("partials %q, final %q", partials, res.Text)
	if len(partials) < 2 {
		t.Errorf("partials %q: want the hypothesis to grow while audio arrives", partials)
	}
	if res.Text != whole.Text {
		t.Errorf("stream heard %q, whole utterance %q", res.Text, whole.Text)
	}
	if _, err := s.End(); err == nil {
		t.Error("second End succeeded")
	}
	if _, err := s.Process(samples[:160]); err == nil {
		t.Error("Process after End succeeded")
	}
}

// A stream holds the recognizer: other calls wait, and give up with their
// context.
func TestStreamHoldsRecognizer(t *testing.T) {
	r := MustRecognizer(t, sphinx.Config{})
	s, err := r.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := r.Decode(ctx, make([]int16, 1600)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Decode during a stream: got %v, want the context's deadline", err)
	}
	if _, err := s.End(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Decode(context.Background(), make([]int16, 1600)); err != nil {
		t.Errorf("Decode after End: %v", err)
	}
}

// Narrowing the grammar to what the dialog accepts changes what can be
// heard, and switching back reuses the compiled grammar.
func TestSetGrammar(t *testing.T) {
	p := MustParser(t)
	r := MustRecognizer(t, sphinx.Config{})
	ctx := context.Background()
	clip := MustClip(t, "in09-us140-clean.wav") // "cancel order"
	narrow := p.Grammar(intent.OrderConfirm, intent.OrderCancel, intent.OrderModify)
	if err := r.SetGrammar(ctx, narrow); err != nil {
		t.Fatal(err)
	}
	res, err := r.Decode(ctx, clip)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Parse(res.Text).Intent; got != intent.OrderCancel {
		t.Errorf("narrow grammar heard %q (%s), want order.cancel", res.Text, got)
	}
	if err := r.SetGrammar(ctx, p.Grammar(intent.Help)); err != nil {
		t.Fatal(err)
	}
	res, err = r.Decode(ctx, clip)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Parse(res.Text).Intent; got == intent.OrderCancel {
		t.Errorf("the help grammar heard %q", res.Text)
	}
	start := time.Now()
	if err := r.SetGrammar(ctx, narrow); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 20*time.Millisecond {
		t.Errorf("switching back to a compiled grammar took %v", d)
	}
	if err := r.SetGrammar(ctx, &graph{key: "silent", final: []bool{false, false}, edges: [][]edge{{{"b", 1}}, nil}}); err == nil {
		t.Error("a grammar with no sentence was accepted")
	}
	res, err = r.Decode(ctx, clip)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Parse(res.Text).Intent; got != intent.OrderCancel {
		t.Errorf("after a refused grammar, heard %q (%s), want the narrow grammar's order.cancel", res.Text, got)
	}
}

func TestNewErrors(t *testing.T) {
	good := MustParser(t).Grammar(intent.Help)
	tests := []struct {
		name string
		cfg  sphinx.Config
		want string
	}{
		{"no grammar", sphinx.Config{}, "no grammar"},
		{"bad grammar", sphinx.Config{Grammar: &graph{key: "x", final: []bool{true}, edges: [][]edge{{{"a", 1}}}}}, "an edge from state 0 to state 1"},
		{"no model", sphinx.Config{Grammar: good, ModelDir: t.TempDir()}, "install the pocketsphinx-en-us package"},
		{"bad phones", sphinx.Config{Grammar: good, Pronunciations: map[string][]string{"help": {"HH EH L PP"}}}, `unknown phone "PP"`},
		// The library says why it failed, in the error of the call that failed.
		{"library's complaint", sphinx.Config{Grammar: good, Options: map[string]string{"-hmm": t.TempDir()}},
			"does not contain acoustic model definition 'mdef'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := sphinx.New(tt.cfg)
			if err == nil {
				r.Close()
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want %q in it", err, tt.want)
			}
		})
	}
}

// Configured pronunciations add words and ways to say known words.
func TestPronunciations(t *testing.T) {
	r := MustRecognizer(t, sphinx.Config{
		Grammar:        sentences("buy a latte", "buy a zorblat"),
		Pronunciations: map[string][]string{"zorblat": {"Z AO R B L AE T"}, "latte": {"L AE T EY"}},
	})
	res, err := r.Decode(context.Background(), MustClip(t, "in30-us140-clean.wav")) // "buy a latte"
	if err != nil {
		t.Fatal(err)
	}
	if res.Text != "buy a latte" {
		t.Errorf("heard %q", res.Text)
	}
}

// Close is idempotent, and everything after it is refused.
func TestCloseTwice(t *testing.T) {
	r, err := sphinx.New(sphinx.Config{Grammar: MustParser(t).Grammar(intent.Help)})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	ctx := context.Background()
	if _, err := r.Decode(ctx, nil); !errors.Is(err, sphinx.ErrClosed) {
		t.Errorf("Decode: %v", err)
	}
	if _, err := r.Start(ctx); !errors.Is(err, sphinx.ErrClosed) {
		t.Errorf("Start: %v", err)
	}
	if err := r.SetGrammar(ctx, MustParser(t).Grammar()); !errors.Is(err, sphinx.ErrClosed) {
		t.Errorf("SetGrammar: %v", err)
	}
}

// The model files are where the Debian package puts them.
func TestDefaultModel(t *testing.T) {
	for _, f := range []string{"en-us/mdef", "en-us/means", "cmudict-en-us.dict"} {
		if _, err := os.Stat(filepath.Join(sphinx.DefaultModelDir, f)); err != nil {
			t.Errorf("%v (install pocketsphinx-en-us)", err)
		}
	}
}

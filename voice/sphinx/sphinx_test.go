package sphinx_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/voice/sphinx"
)

// TestPronouncesEveryWord checks that every word the grammar can emit has a
// pronunciation: the model's dictionary's, or one voicepay makes, such as
// for alipay, luckin, hema or kfc.
func TestPronouncesEveryWord(t *testing.T) {
	d, err := sphinx.LoadDictionary(filepath.Join(sphinx.DefaultModelDir, "cmudict-en-us.dict"))
	if err != nil {
		t.Fatalf("dictionary (make deps installs pocketsphinx-en-us): %v", err)
	}
	made := map[sphinx.Method]int{}
	for _, w := range MustParser(t).Words() {
		prons := d.Pronounce(w)
		if len(prons) == 0 || len(prons[0].Phones) == 0 {
			t.Errorf("no pronunciation for %q", w)
			continue
		}
		made[prons[0].Method]++
	}
	for _, w := range []string{"alipay", "luckin", "hema", "kfc", "freshippo"} {
		prons := d.Pronounce(w)
		if len(prons) == 0 || prons[0].Method == sphinx.FromDictionary {
			t.Errorf("%q: got %+v, want a made pronunciation", w, prons)
		}
	}
	t.Logf("pronunciations by method: %v", made)
}

// TestDecodeAndNarrow decodes fixtures with the whole grammar, where nearly
// all must come out right (make bench measures the rate over every
// fixture), then with a grammar narrowed to other intents, which must never
// hear the command.
func TestDecodeAndNarrow(t *testing.T) {
	p := MustParser(t)
	rec := MustRecognizer(t, sphinx.Config{Grammar: p.Grammar()})
	ctx := context.Background()
	var tried, right int
	for _, c := range MustFixtures(t) {
		if c.noisy || c.outDomain || !strings.HasSuffix(c.file, "-us140-clean.wav") ||
			(c.intent != intent.OrderCreate && c.intent != intent.BalanceQuery) {
			continue
		}
		tried++
		samples, err := readWAV(filepath.Join(fixtureDir, c.file))
		if err != nil {
			t.Fatal(err)
		}
		if err := rec.SetGrammar(ctx, p.Grammar()); err != nil {
			t.Fatal(err)
		}
		res, err := rec.Decode(ctx, samples)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Parse(res.Text); got.Intent != c.intent || !reflect.DeepEqual(got.Slots, c.slots) {
			t.Logf("%s %q: heard %q → %s %+v", c.file, c.text, res.Text, got.Intent, got.Slots)
		} else {
			right++
		}
		if err := rec.SetGrammar(ctx, p.Grammar(intent.Help, intent.WalletFreeze)); err != nil {
			t.Fatal(err)
		}
		res, err = rec.Decode(ctx, samples)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Parse(res.Text).Intent; got == c.intent {
			t.Errorf("%s: the narrowed grammar still heard %s in %q", c.file, got, res.Text)
		}
	}
	if tried == 0 || right*10 < tried*8 {
		t.Fatalf("%d of %d commands heard right with the whole grammar, want at least 80%%", right, tried)
	}
}

// TestStreamPartials decodes a fixture in 100 ms chunks: partial sentences
// come while the audio arrives, and End gives what Decode gives.
func TestStreamPartials(t *testing.T) {
	p := MustParser(t)
	rec := MustRecognizer(t, sphinx.Config{Grammar: p.Grammar()})
	ctx := context.Background()
	samples, err := readWAV(filepath.Join(fixtureDir, "in04-us140-clean.wav"))
	if err != nil {
		t.Fatal(err)
	}
	whole, err := rec.Decode(ctx, samples)
	if err != nil {
		t.Fatal(err)
	}
	st, err := rec.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var partials int
	for off := 0; off < len(samples); off += sphinx.SampleRate / 10 {
		partial, err := st.Process(samples[off:min(off+sphinx.SampleRate/10, len(samples))])
		if err != nil {
			t.Fatal(err)
		}
		if partial != "" {
			partials++
		}
	}
	res, err := st.End()
	if err != nil {
		t.Fatal(err)
	}
	if res.Text != whole.Text || res.Text == "" {
		t.Errorf("stream heard %q, Decode %q", res.Text, whole.Text)
	}
	if partials == 0 {
		t.Error("no partial sentence while the audio arrived")
	}
}

// TestClosed checks a closed recognizer refuses work instead of crashing.
func TestClosed(t *testing.T) {
	p := MustParser(t)
	rec, err := sphinx.New(sphinx.Config{Grammar: p.Grammar()})
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := rec.Decode(context.Background(), make([]int16, 1600)); !errors.Is(err, sphinx.ErrClosed) {
		t.Errorf("decode after close: %v, want ErrClosed", err)
	}
}

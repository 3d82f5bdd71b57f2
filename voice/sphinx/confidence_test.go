package sphinx_test

import (
	"context"
	"testing"

	"github.com/voicepay/voicepay/voice/sphinx"
)

// The verification pass's loop beats each of these sentences. The speech
// margin then accepts the commands heard right that move no money, and
// still refuses out-of-domain speech and a money command.
func TestSpeechMargin(t *testing.T) {
	margin := MustRecognizer(t, MoneyConfig(t))
	strictCfg := MoneyConfig(t)
	strictCfg.Margin = -1
	strict := MustRecognizer(t, strictCfg)
	for _, c := range []struct {
		file, heard string
		accept      bool
		wide        bool // its margin would pass a sentence that moves no money
		why         string
	}{
		// Commands heard right: espeak-ng, and festival (a voice the
		// margin was not chosen on).
		{"broad/in24-sc155-clean.wav", "order three colas from k f c", true, true, "a command heard right"},
		{"broad/in03-ked-clean.wav", "disable alipay payment function", true, true, "a command heard right"},
		// "let's go to the park tomorrow", heard as a change of the order.
		{"broad/out25-rp130-clean.wav", "", false, false, "out of domain"},
		// "approve the budget", heard as "approve the tip".
		{"broad/out115-us140-clean.wav", "", false, false, "out of domain, money"},
		// "yes, approve the subscription", heard as the command with a
		// margin that would pass it, but it moves money.
		{"broad/in86-gb140-noisy.wav", "", false, true, "a money command: must win outright"},
	} {
		samples := MustClip(t, c.file)
		got, err := margin.Decode(context.Background(), samples)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s (%s): heard %q, margin %.2f nats per frame, why %q", c.file, c.why, got.Text, got.Margin, got.Why)
		if c.accept {
			if got.Text != c.heard || !got.Verified || got.Confidence != sphinx.Verified {
				t.Errorf("%s: heard %q (verified %v, confidence %v), want %q passed by its margin",
					c.file, got.Text, got.Verified, got.Confidence, c.heard)
			}
		} else if got.Text != "" || got.Why != "verification" {
			t.Errorf("%s: heard %q (why %q), want it rejected by verification", c.file, got.Text, got.Why)
		}
		if wide := got.Margin >= sphinx.DefaultMargin; wide != c.wide {
			t.Errorf("%s: margin %.2f nats per frame; at least the default %v: %v, want %v", c.file, got.Margin, sphinx.DefaultMargin, wide, c.wide)
		}
		// Without the margin, the verification pass rejects every one.
		old, err := strict.Decode(context.Background(), samples)
		if err != nil {
			t.Fatal(err)
		}
		if old.Text != "" || old.Why != "verification" || old.Margin != got.Margin {
			t.Errorf("%s without the margin: heard %q (why %q, margin %.2f), want it rejected by verification with margin %.2f",
				c.file, old.Text, old.Why, old.Margin, got.Margin)
		}
	}
}

package intent_test

import (
	"testing"

	"github.com/voicepay/voicepay/intent"
)

// TestParseLoose reads typed sentences whose command has talk around and
// inside it, by a loose reading at the lowest confidence; and keeps out
// of the domain what the loose reading must not take: money, a count
// alone, an end without its object, and any sentence with a word of its
// own topic.
func TestParseLoose(t *testing.T) {
	p := MustDefaultParser(t)
	for _, tc := range []struct {
		text, intent, item string
	}{
		{"kindly remind me what is in my basket", intent.OrderQuery, ""},
		{"please freeze my wallet quite quickly", intent.WalletFreeze, ""},
		{"so well you know like buy a latte", intent.OrderCreate, "latte"},
		{"i would very much like a latte", intent.OrderCreate, "latte"},
		{"please cancel the whole order entirely", intent.OrderCancel, ""},
		// money moves only on a complete match
		{"please take the payment from my wallet very quickly", intent.None, ""},
		{"honestly just pay for it already right now", intent.None, ""},
		// a count alone is no change
		{"one more time", intent.None, ""},
		{"make it a large", intent.None, ""},
		{"triple check everything", intent.None, ""},
		// an end needs its object
		{"let's not go there", intent.None, ""},
		// a word nothing knows is the sentence's own topic
		{"cancel my dentist appointment", intent.None, ""},
		{"how do i lock my screen on android", intent.None, ""},
		{"did amazon confirm my order yet", intent.None, ""},
		{"I don't buy that excuse", intent.None, ""},
		{"yes the meeting is at three", intent.None, ""},
	} {
		got := p.Parse(tc.text)
		if got.Intent != tc.intent || got.Slots.Item != tc.item {
			t.Errorf("Parse(%q) = %s item %q, want %s item %q", tc.text, got.Intent, got.Slots.Item, tc.intent, tc.item)
		}
		if got.Intent != intent.None && got.Confidence >= intent.FullMatch {
			t.Errorf("Parse(%q) has confidence %v: a loose reading is no complete match", tc.text, got.Confidence)
		}
		if sp := p.ParseSpeech(tc.text); sp.Intent != intent.None {
			t.Errorf("ParseSpeech(%q) = %s: speech is never read loosely", tc.text, sp.Intent)
		}
	}
}

// TestParseShorthand reads typed shorthand that leaves out the words of
// grammar ("unfreeze wallet"), loosely, and a yes said twice over as a
// yes; a yes with talk is no yes.
func TestParseShorthand(t *testing.T) {
	p := MustDefaultParser(t)
	for _, tc := range []struct {
		text, intent string
	}{
		{"unfreeze wallet", intent.WalletUnfreeze},
		{"freeze wallet", intent.WalletFreeze},
		{"kfc menu", intent.CatalogQuery},
		{"looks good, go ahead", intent.AnswerYes},
		{"yes, I love that song", intent.None},
		{"go on then, I'll have a coconut latte", intent.OrderCreate},
		{"just a moment", intent.None},
	} {
		if got := p.Parse(tc.text); got.Intent != tc.intent {
			t.Errorf("Parse(%q) = %s, want %s", tc.text, got.Intent, tc.intent)
		}
	}
}

package intent_test

import (
	"testing"

	"github.com/voicepay/voicepay/intent"
)

// TestParseFragment reads hurried typed fragments as the sentences they
// stand for: a shop named bare before or after the order, a thing with its
// price or list asked after it.
func TestParseFragment(t *testing.T) {
	p := MustDefaultParser(t)
	for _, tc := range []struct {
		text, intent, merchant, item string
	}{
		{"2 lattes luckin", intent.OrderCreate, "luckin_coffee", "latte"},
		{"kfc 3 cokes", intent.OrderCreate, "kfc", "cola"},
		{"fries how much", intent.CatalogQuery, "kfc", "fries"},
		{"coconut latte price?", intent.CatalogQuery, "luckin_coffee", "coconut_latte"},
		{"kfc sucks", intent.None, "", ""},
		{"luckin", intent.None, "", ""},
		{"luckin coffee", intent.None, "", ""}, // a name, not "coffee" from luckin
		{"my car price", intent.None, "", ""},
	} {
		got := p.Parse(tc.text)
		if got.Intent != tc.intent || got.Slots.Merchant != tc.merchant || got.Slots.Item != tc.item {
			t.Errorf("Parse(%q) = %s %+v, want %s %s %s", tc.text, got.Intent, got.Slots, tc.intent, tc.merchant, tc.item)
		}
		if tc.intent != intent.None && got.Confidence >= intent.FullMatch {
			t.Errorf("Parse(%q) has confidence %v: a fragment is no complete match", tc.text, got.Confidence)
		}
	}
}

// TestParseAsides reads a report of a payment that names its amount, and
// turning payments off or freezing with how long said after it, as the
// report and the command; and reads nothing else that way.
func TestParseAsides(t *testing.T) {
	p := MustDefaultParser(t)
	for _, tc := range []struct{ text, intent string }{
		{"I see a 60 yuan payment I never made", intent.ClaimFile},
		{"there is a payment of fifty yuan that I never made", intent.ClaimFile},
		{"pay the 36 yuan payment", intent.None},
		{"a 60 yuan payment", intent.None},
		{"freeze my wallet until this is resolved", intent.WalletFreeze},
		{"disable paying by voice while the in-laws are staying", intent.PaymentDisable},
		{"pay while you can", intent.None},
		{"the shop is open until nine", intent.None},
	} {
		if got := p.Parse(tc.text); got.Intent != tc.intent {
			t.Errorf("Parse(%q) = %s, want %s", tc.text, got.Intent, tc.intent)
		}
	}
}

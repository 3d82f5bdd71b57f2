package intent_test

import (
	"testing"

	"github.com/voicepay/voicepay/intent"
)

// TestParseSlips reads typed words with a slip of the keys as the words
// the templates know, and never lets a slip move money or make an
// everyday word into a command.
func TestParseSlips(t *testing.T) {
	p := MustDefaultParser(t)
	for _, tc := range []struct{ text, intent, item string }{
		{"one capuccino thx", intent.OrderCreate, "cappuccino"},
		{"i want an americcano", intent.OrderCreate, "americano"},
		{"a zebra please", intent.OrderCreate, ""}, // a thing not sold, not a zinger
		{"sorry I'm late, the subway was packed", intent.None, ""},
		{"bannanas from freshippo", intent.OrderCreate, "bananas"},
		{"cancle the order", intent.OrderCancel, ""},
		{"show my payment histroy pls", intent.HistoryQuery, ""},
		{"freez my wallet asap", intent.WalletFreeze, ""},
		// money moves only on words spelled right
		{"confim the order", intent.None, ""},
		{"authroize the payment", intent.None, ""},
		// real words that are a slip away from a known one stay themselves
		{"the latter is better", intent.None, ""},
		{"the freezer is broken", intent.None, ""},
		// two known words a slip away: no guess
		{"teh order", intent.None, ""},
	} {
		got := p.Parse(tc.text)
		if got.Intent != tc.intent || got.Slots.Item != tc.item {
			t.Errorf("Parse(%q) = %s item %q, want %s item %q", tc.text, got.Intent, got.Slots.Item, tc.intent, tc.item)
		}
	}
	if sp := p.ParseSpeech("cancle the order"); sp.Intent != intent.None {
		t.Errorf("ParseSpeech read a slip as %s: a recognizer spells the words it knows", sp.Intent)
	}
}

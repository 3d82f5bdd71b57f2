package intent_test

import (
	"testing"

	"github.com/voicepay/voicepay/intent"
)

// TestParseSecondLanguage reads typed English as a second language: a
// measure word with no "of", a count of the measure alone, "want" with no
// "to", "help me" before a command, and a question word left in place.
func TestParseSecondLanguage(t *testing.T) {
	p := MustDefaultParser(t)
	for _, tc := range []struct {
		text, intent, item string
		quantity           int
	}{
		{"help me buy one cup latte", intent.OrderCreate, "latte", 1},
		{"I want order three cup cappuccino in Luckin", intent.OrderCreate, "cappuccino", 3},
		{"please buy one carton milk for me", intent.OrderCreate, "milk", 1},
		{"make it four cup", intent.OrderModify, "", 4},
		{"the coconut latte is how much", intent.CatalogQuery, "coconut_latte", 0},
		{"Luckin have what coffee?", intent.CatalogQuery, "", 0},
		{"I want tip the agent, two yuan", intent.TipSend, "", 0},
		{"please help me cancel", intent.OrderCancel, "", 0},
		// the count said after the order
		{"milk from hema, two cartons", intent.OrderCreate, "milk", 2},
		{"order zinger burger, two piece", intent.OrderCreate, "zinger_burger", 2},
		{"one latte, one for my wife", intent.OrderCreate, "latte", 2},
		{"two lattes, three of them", intent.OrderCreate, "latte", 5},
		// the plain forms read as they did
		{"a cup of latte", intent.OrderCreate, "latte", 1},
		{"two boxes of eggs", intent.OrderCreate, "eggs", 2},
		{"please help me please", intent.Help, "", 0},
	} {
		got := p.Parse(tc.text)
		if got.Intent != tc.intent || got.Slots.Item != tc.item || tc.quantity > 0 && got.Slots.Quantity != tc.quantity {
			t.Errorf("Parse(%q) = %s %q×%d, want %s %q×%d", tc.text, got.Intent, got.Slots.Item, got.Slots.Quantity,
				tc.intent, tc.item, tc.quantity)
		}
	}
	if sp := p.ParseSpeech("help me buy one cup latte"); sp.Intent != intent.None {
		t.Errorf("ParseSpeech read typed English as a second language as %s", sp.Intent)
	}
}

package intent_test

import (
	"testing"

	"github.com/voicepay/voicepay/intent"
)

// TestParseCorrection reads typed text that takes back what it said by
// what comes after its last correction, and never moves money that way.
func TestParseCorrection(t *testing.T) {
	p := MustDefaultParser(t)
	for _, tc := range []struct {
		text, intent, item string
		quantity           int
	}{
		{"A latte, no wait, a cappuccino please", intent.OrderCreate, "cappuccino", 1},
		{"can I get three colas, no actually make that two", intent.OrderCreate, "cola", 2},
		{"I'll take a latte from Luckin, no sorry, make it an americano", intent.OrderCreate, "americano", 1},
		{"add a cappuccino, no actually make it an americano", intent.OrderAdd, "americano", 1},
		{"two lattes sorry three lattes", intent.OrderCreate, "latte", 3},
		// a no standing alone between clauses
		{"lattes, two. no, three.", intent.OrderCreate, "latte", 3},
		{"a latte. no, a cappuccino", intent.OrderCreate, "cappuccino", 1},
		{"three. no, four.", intent.OrderModify, "", 4},
		{"a latte. no, pay for it", intent.None, "", 0},
		// money moves only on a clear command
		{"cancel it, no wait, pay", intent.None, "", 0},
		{"a latte, no wait, confirm the order", intent.None, "", 0},
	} {
		got := p.Parse(tc.text)
		if got.Intent != tc.intent || got.Slots.Item != tc.item || got.Slots.Quantity != tc.quantity {
			t.Errorf("Parse(%q) = %s %q×%d, want %s %q×%d", tc.text, got.Intent, got.Slots.Item, got.Slots.Quantity,
				tc.intent, tc.item, tc.quantity)
		}
		if got.Intent != intent.None && got.Confidence >= intent.FullMatch {
			t.Errorf("Parse(%q) has confidence %v: a correction is no complete match", tc.text, got.Confidence)
		}
	}
}

// TestParseTail reads a typed order or question by the words before what
// it is for or by when, and nothing else that way.
func TestParseTail(t *testing.T) {
	p := MustDefaultParser(t)
	for _, tc := range []struct {
		text, intent string
	}{
		{"order three americanos for the team meeting", intent.OrderCreate},
		{"two cokes from KFC before 3pm", intent.OrderCreate},
		{"what's my balance before I confirm", intent.BalanceQuery},
		{"pay for it before the meeting", intent.None},
		{"buy a house for my family", intent.None},
		{"enable alipay payment function for my neighbor", intent.None},
		{"the coffee at my office is terrible lol", intent.None},
		{"the one for thirty six yuan", intent.None},
		{"a latte for when my boss is here", intent.None},
		{"add milk to my shopping list for tomorrow", intent.None},
	} {
		got := p.Parse(tc.text)
		if got.Intent != tc.intent {
			t.Errorf("Parse(%q) = %s, want %s", tc.text, got.Intent, tc.intent)
		}
	}
}

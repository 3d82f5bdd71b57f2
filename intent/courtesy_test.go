package intent_test

import (
	"testing"

	"github.com/voicepay/voicepay/intent"
)

// TestParseCourtesyInside reads a request after a word that leads in
// ("actually, could you …"), a form of address at the end ("… mate"), and
// a command said twice in two clauses, as the command they wrap.
func TestParseCourtesyInside(t *testing.T) {
	p := MustDefaultParser(t)
	for _, tc := range []struct {
		text, intent, item string
	}{
		{"actually, could you make that an americano", intent.OrderModify, "americano"},
		{"and can you add a coke", intent.OrderAdd, "cola"},
		{"yes, would you place the order", intent.OrderConfirm, ""},
		{"two lattes please mate", intent.OrderCreate, "latte"},
		{"cheers buddy, what's my balance", intent.BalanceQuery, ""},
		{"help, how do i pay", intent.Help, ""},
		{"help me, what can i say", intent.Help, ""},
		// the lead-in and the request leave no command
		{"no, can you pay attention", intent.None, ""},
		{"ok could you", intent.None, ""},
		// two commands are still none
		{"help, cancel the order", intent.None, ""},
	} {
		res := p.Parse(tc.text)
		if res.Intent != tc.intent || res.Slots.Item != tc.item {
			t.Errorf("Parse(%q) = %s item %q, want %s item %q", tc.text, res.Intent, res.Slots.Item, tc.intent, tc.item)
		}
	}
}

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

// TestParseHedged reads requests asked as a question or with leave to say
// no ("would it be ok to", "any chance of", "if that's alright") as the
// request.
func TestParseHedged(t *testing.T) {
	p := MustDefaultParser(t)
	for _, tc := range []struct{ text, intent string }{
		{"mind checking my balance?", intent.BalanceQuery},
		{"any chance of one more latte?", intent.OrderAdd},
		{"any chance of adding an americano to that?", intent.OrderAdd},
		{"do you reckon you could sort me out with a zinger burger?", intent.OrderCreate},
		{"I think I'd like a couple of cappuccinos, if that's alright", intent.OrderCreate},
		{"would it be ok to pay for that now?", intent.PaymentAuthorize},
		{"is it alright if I settle up now?", intent.PaymentAuthorize},
		{"just pay", intent.PaymentAuthorize},
		{"just a latte", intent.OrderModify},
		{"would it be ok to pay the rent tomorrow?", intent.None},
		{"I think so, yes", intent.AnswerYes},
		{"yea thats right", intent.AnswerYes},
		{"never mind the lattes", intent.OrderRemove},
		{"approve the subscription as well", intent.SubscriptionApprove},
		{"Approve the subscription the agent suggested.", intent.SubscriptionApprove},
		{"you can unlock the wallet again", intent.WalletUnfreeze},
		{"just charge me", intent.PaymentAuthorize},
		{"send 2 yuan to the developer as a thank you", intent.TipSend},
		{"you can keep the change", intent.None},
	} {
		if got := p.Parse(tc.text); got.Intent != tc.intent {
			t.Errorf("Parse(%q) = %s, want %s", tc.text, got.Intent, tc.intent)
		}
	}
}

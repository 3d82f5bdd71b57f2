package intent_test

import (
	"testing"

	"github.com/voicepay/voicepay/intent"
)

// TestParseClause reads a typed sentence by the one clause of it that is a
// command, when the others are talk around it: one that moves money only
// when said in full among a few words of talk, one that cancels or
// freezes only when it names what, and never from speech.
func TestParseClause(t *testing.T) {
	p := MustDefaultParser(t)
	for _, tc := range []struct {
		text   string
		intent string
	}{
		{"I'm thirsty, get me something to drink", intent.OrderCreate},
		{"I'm at the office, can you order two lattes from luckin", intent.OrderCreate},
		{"pay attention, what's my balance", intent.BalanceQuery},
		{"the meeting is cancelled, cancel it", intent.None},
		// a command that moves money, said in full, with a yes or a few
		// words of talk, and nothing that holds it back
		{"they earned it, tip the developer five yuan", intent.TipSend},
		{"pay now please, I'm in a rush", intent.PaymentAuthorize},
		{"yep, that's the one, confirm it", intent.OrderConfirm},
		{"I'm not sure, pay for it", intent.None},
		{"confirm, the meeting is at three", intent.None},
		{"great, confirm the meeting", intent.None},
		{"she said, pay for it", intent.None},
		{"if it's cheap, pay for it", intent.None},
		{"pay for it, then cancel the order", intent.None},
		{"the weather is lovely today and the birds are singing, pay for it", intent.None},
		{"the lights are on, freeze my wallet", intent.WalletFreeze},
		{"I no longer want the lattes; cancel the order, please", intent.OrderCancel},
		{"I don't need that subscription, please cancel it.", intent.SubscriptionCancel},
		{"Cancel that subscription, I don't want it", intent.SubscriptionCancel},
		{"the bill is too high, cancel it", intent.None},
		// what ends, said first and in full, with a reason after it
		{"cancel that please, my bus is here", intent.OrderCancel},
		{"stop the payments please, my son has the phone", intent.PaymentDisable},
		{"my bus is here, cancel it", intent.None},
		// a bare command word, said after a yes or said again in full
		{"scrap that, cancel", intent.OrderCancel},
		{"all good mate, confirm", intent.OrderConfirm},
		{"pay, pay", intent.None},
		// talk of the app is no talk of a thing; talk of a shop's is
		{"tip the developer 2 yuan, app works well", intent.TipSend},
		{"tip the developer 2 yuan, luckin was great", intent.None},
		// an order of several things over several clauses, with talk after it
		{"I need milk, eggs and bananas from Hema, it's for the weekend", intent.OrderCreate},
		{"a zinger, fries and a coke, if it's still open", intent.None},
		{"set an alarm for 6:30", intent.None},
		{"I lost my phone on the subway, lock my wallet right now", intent.WalletFreeze},
		{"I have changed my mind; I would like a coconut latte instead of the plain latte", intent.None},
		{"if I had money, I'd buy a latte", intent.None},
		{"yesterday, I ordered two lattes", intent.None},
		{"buy a latte, cancel it", intent.None},
	} {
		got := p.Parse(tc.text)
		if got.Intent != tc.intent {
			t.Errorf("Parse(%q) = %s, want %s", tc.text, got.Intent, tc.intent)
		}
		if got.Intent != intent.None && got.Confidence >= intent.FullMatch && !intent.MovesMoney(got.Intent) {
			t.Errorf("Parse(%q) has confidence %v: a clause is no complete match", tc.text, got.Confidence)
		}
		if tc.intent != intent.None {
			if sp := p.ParseSpeech(tc.text); sp.Intent != intent.None {
				t.Errorf("ParseSpeech(%q) = %s, want none", tc.text, sp.Intent)
			}
		}
	}
}

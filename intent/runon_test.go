package intent_test

import (
	"testing"

	"github.com/voicepay/voicepay/intent"
)

// TestParseRunOn reads typed commands that run on into talk with no comma
// between, and keeps out what only looks like one: the talk may not be the
// command's object, name a thing or a number, or hold money back.
func TestParseRunOn(t *testing.T) {
	p := MustDefaultParser(t)
	for _, tc := range []struct{ text, intent string }{
		{"lock my wallet pls somethings not right", intent.WalletFreeze},
		{"freeze my wallet i lost my phone", intent.WalletFreeze},
		{"pay now thx running late", intent.PaymentAuthorize},
		{"so hungry lol zinger pls", intent.OrderCreate},
		{"disable payments for now im done spending", intent.PaymentDisable},
		{"what is my balance i am broke", intent.BalanceQuery},
		// the talk is what the command acts on
		{"check out this song", intent.None},
		{"cancel my dentist appointment", intent.None},
		// the talk holds money back, or asks for something else
		{"approve the subscription i never asked for it", intent.None},
		{"pay for it i said wait", intent.None},
		{"confirm the order he told me to", intent.None},
		// a thing and then who had it is no order
		{"the latte i had yesterday was stone cold", intent.None},
		// a count in the talk is talk of something else
		{"pay now i owe him 20 yuan", intent.None},
	} {
		if got := p.Parse(tc.text); got.Intent != tc.intent {
			t.Errorf("Parse(%q) = %s, want %s", tc.text, got.Intent, tc.intent)
		}
	}
	for _, text := range []string{"pay now thx running late", "lock my wallet pls somethings not right"} {
		if sp := p.ParseSpeech(text); sp.Intent != intent.None {
			t.Errorf("ParseSpeech(%q) = %s: a run-on is read from typed text only", text, sp.Intent)
		}
	}
}

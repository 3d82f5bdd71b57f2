package intent_test

import (
	"testing"

	"github.com/voicepay/voicepay/intent"
)

// TestParseMended reads typed text with words said twice, split by the
// keyboard or dictated as their sound-alikes, as meant; and never from
// speech, whose grammar knows what was said.
func TestParseMended(t *testing.T) {
	p := MustDefaultParser(t)
	for _, tc := range []struct {
		text   string
		intent string
	}{
		{"un freeze my account", intent.WalletUnfreeze},
		{"can you can you show my balance", intent.BalanceQuery},
		{"I want a a latte", intent.OrderCreate},
		{"yep yep that's it", intent.AnswerYes},
		{"by me a latte from luckin", intent.OrderCreate},
		{"what did I by yesterday", intent.HistoryQuery},
		// what says what to do, said twice, is not said plainly enough
		{"pay pay", intent.None},
		{"please please please pay", intent.None},
		{"by the way", intent.None},
	} {
		if got := p.Parse(tc.text); got.Intent != tc.intent {
			t.Errorf("Parse(%q) = %s, want %s", tc.text, got.Intent, tc.intent)
		}
		if tc.intent != intent.None {
			if sp := p.ParseSpeech(tc.text); sp.Intent == tc.intent {
				t.Errorf("ParseSpeech(%q) = %s, which only typed text reads", tc.text, sp.Intent)
			}
		}
	}
}

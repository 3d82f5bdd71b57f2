package intent_test

import (
	"testing"

	"github.com/voicepay/voicepay/intent"
)

// TestParseUnclean never moves money on text with invalid bytes, control or
// format characters, or a replacement character between its words: the
// normalizer would skip them and read "confirm \xff the order" as
// "confirm the order". What only asks still reads through them.
func TestParseUnclean(t *testing.T) {
	p := MustDefaultParser(t)
	tests := []struct {
		text, want string
	}{
		{"confirm the order", intent.OrderConfirm},
		{"Confirm, the order!\n", intent.OrderConfirm},
		{"confirm\tthe\u00a0order", intent.OrderConfirm},
		{"confirm \xff the order", intent.None},
		{"confirm the order\xc3", intent.None},
		{"confirm \ufffd the order", intent.None},
		{"confirm\x00 the order", intent.None},
		{"confirm \x1b[2J the order", intent.None},
		{"confirm\u200b the order", intent.None},
		{"\u202econfirm the order", intent.None},
		{"yes\x7f", intent.None},
		{"pay \x85now", intent.None},
		{"what's my balance \xff", intent.BalanceQuery},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			for name, parse := range map[string]func(string) intent.Result{"Parse": p.Parse, "ParseSpeech": p.ParseSpeech} {
				if got := parse(tc.text); got.Intent != tc.want {
					t.Errorf("%s(%q) = %s, want %s", name, tc.text, got.Intent, tc.want)
				}
			}
		})
	}
}

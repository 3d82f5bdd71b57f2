package intent_test

import (
	"testing"

	"github.com/voicepay/voicepay/intent"
)

// TestParseIndirect reads questions asked inside another sentence as the
// direct question, and nothing that acts.
func TestParseIndirect(t *testing.T) {
	p := MustDefaultParser(t)
	for _, tc := range []struct{ text, intent string }{
		{"could you tell me what my balance is", intent.BalanceQuery},
		{"I was wondering what my balance is at the moment", intent.BalanceQuery},
		{"I was wondering what Luckin has on the menu", intent.CatalogQuery},
		{"do you happen to know what drinks KFC sells?", intent.CatalogQuery},
		{"would you mind telling me how much a cappuccino costs?", intent.CatalogQuery},
		{"any idea how much the coffees are?", intent.CatalogQuery},
		{"could you remind me what I've got in the cart?", intent.OrderQuery},
		{"could I maybe see how much I've spent this month?", intent.HistoryQuery},
		// only questions are read this way
		{"tell me what you can pay for", intent.None},
		{"do you know what my boss said", intent.None},
	} {
		if got := p.Parse(tc.text); got.Intent != tc.intent {
			t.Errorf("Parse(%q) = %s, want %s", tc.text, got.Intent, tc.intent)
		}
	}
}

package intent_test

import (
	"testing"

	"github.com/voicepay/voicepay/intent"
)

// TestParseCountsRunTogether reads typed things listed with no "and"
// between them, each with its count, and leaves alone what does not
// split into orders.
func TestParseCountsRunTogether(t *testing.T) {
	p := MustDefaultParser(t)
	for _, tc := range []struct {
		text  string
		lines int
	}{
		{"one latte one cappuccino", 2},
		{"two lattes 3 americanos", 2},
		{"get a bunch of bananas n a box of eggs", 2},
		{"zinger + coke", 2},
		{"latte two kfc", 0},
		{"zinger 2 kfc", 0},
	} {
		got := p.Parse(tc.text)
		if len(got.Slots.Items) != tc.lines {
			t.Errorf("Parse(%q) = %s with %d lines, want %d", tc.text, got.Intent, len(got.Slots.Items), tc.lines)
		}
		if tc.lines > 0 && got.Intent != intent.OrderCreate {
			t.Errorf("Parse(%q) = %s, want %s", tc.text, got.Intent, intent.OrderCreate)
		}
	}
}

package intent_test

import (
	"reflect"
	"slices"
	"testing"

	"github.com/voicepay/voicepay/intent"
)

// FuzzParse checks that Parse never panics, names a known intent, moves
// money only on a complete match, and gives the same answer twice.
func FuzzParse(f *testing.F) {
	for _, tc := range inDomain {
		f.Add(tc.text)
	}
	for _, text := range outOfDomain {
		f.Add(text)
	}
	for _, text := range []string{"um pay", "tip the developer ¥.5", "12,000.5", "k'f'c", "what’s", "\xff\xfe pay",
		"latte two kfc", "one cup latte one cup latte", "three. no, four.", "cancle teh ordr pls lol",
		"a latte i reckon", "oh and i reckon"} {
		f.Add(text)
	}
	p := MustDefaultParser(f)
	names := intent.Intents()
	f.Fuzz(func(t *testing.T, text string) {
		got := p.Parse(text)
		if got.Text != text {
			t.Errorf("Parse(%q).Text = %q", text, got.Text)
		}
		if !slices.Contains(names, got.Intent) {
			t.Fatalf("Parse(%q).Intent = %q, not a known intent", text, got.Intent)
		}
		if intent.MovesMoney(got.Intent) && got.Confidence != intent.FullMatch {
			t.Errorf("Parse(%q) = %s with confidence %v: money moves only on a complete match", text, got.Intent, got.Confidence)
		}
		if got.Intent == intent.None && (!reflect.DeepEqual(got.Slots, intent.Slots{}) || got.Confidence != 0) {
			t.Errorf("Parse(%q) = none with %+v, confidence %v", text, got.Slots, got.Confidence)
		}
		if got.Intent != intent.None && (got.Confidence <= 0 || got.Confidence > intent.FullMatch) {
			t.Errorf("Parse(%q) confidence %v out of range", text, got.Confidence)
		}
		// a count is read up to 999, so that the dialog can say the limit
		// of 99 ("Up to 99 of one item") rather than not understand
		if got.Slots.Amount < 0 || got.Slots.Quantity < 0 || got.Slots.Quantity > 999 {
			t.Errorf("Parse(%q) slots %+v out of range", text, got.Slots)
		}
		if sp := p.ParseSpeech(text); intent.MovesMoney(sp.Intent) && sp.Confidence != intent.FullMatch {
			t.Errorf("ParseSpeech(%q) = %s with confidence %v: money moves only on a complete match", text, sp.Intent, sp.Confidence)
		}
		if again := p.Parse(text); !reflect.DeepEqual(again, got) {
			t.Errorf("Parse(%q) is not deterministic: %+v then %+v", text, got, again)
		}
	})
}

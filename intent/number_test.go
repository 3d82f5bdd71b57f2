package intent_test

import (
	"strconv"
	"testing"

	"github.com/voicepay/voicepay/intent"
)

// spell writes 1 ≤ n ≤ 99 in words, with a space or a hyphen between tens
// and units.
func spell(n int, hyphen bool) string {
	units := []string{"", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
		"ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"}
	tens := []string{"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}
	if n < 20 {
		return units[n]
	}
	if n%10 == 0 {
		return tens[n/10]
	}
	sep := " "
	if hyphen {
		sep = "-"
	}
	return tens[n/10] + sep + units[n%10]
}

// TestParseQuantity reads every quantity from one to ninety-nine in words,
// hyphenated words and digits.
func TestParseQuantity(t *testing.T) {
	p := MustDefaultParser(t)
	for n := 1; n <= 99; n++ {
		for _, said := range []string{spell(n, false), spell(n, true), strconv.Itoa(n)} {
			text := "make it " + said
			got := p.Parse(text)
			if got.Intent != intent.OrderModify || got.Slots.Quantity != n {
				t.Errorf("Parse(%q) = %s quantity %d, want %s quantity %d", text, got.Intent, got.Slots.Quantity, intent.OrderModify, n)
			}
		}
	}
}

func TestParseQuantityOutOfRange(t *testing.T) {
	p := MustDefaultParser(t)
	for _, text := range []string{
		"make it zero", "make it 0", "make it 1000", "make it a thousand", "make it twenty twenty",
		"make it one one", "make it nineteen five", "make it -2", "make it 2.0",
	} {
		if got := p.Parse(text); got.Intent != intent.None {
			t.Errorf("Parse(%q) = %s %+v, want none", text, got.Intent, got.Slots)
		}
	}
}

// TestParseLargeQuantity reads quantities past what an order takes, so
// that the dialog can say so, and dozens.
func TestParseLargeQuantity(t *testing.T) {
	p := MustDefaultParser(t)
	for text, want := range map[string]int{
		"make it 100": 100, "make it a hundred": 100, "make it nine hundred and ninety nine": 999,
		"make it a dozen": 12, "make it two dozen": 24, "make it dozen": 12, "make it 250": 250,
	} {
		if got := p.Parse(text); got.Intent != intent.OrderModify || got.Slots.Quantity != want {
			t.Errorf("Parse(%q) = %s %+v, want quantity %d", text, got.Intent, got.Slots, want)
		}
	}
}

// TestParseLooseQuantity reads the loose ways people count: a couple, a
// few, and what a quantity counts in.
func TestParseLooseQuantity(t *testing.T) {
	p := MustDefaultParser(t)
	for text, want := range map[string]int{
		"buy a couple of lattes": 2, "buy a couple lattes": 2, "buy a few lattes": 3,
		"buy a cup of latte": 1, "buy two cups of americano": 2, "buy three bottles of cola": 3,
		"buy two of the coconut lattes": 2, "buy an order of fries": 1,
	} {
		if got := p.Parse(text); got.Intent != intent.OrderCreate || got.Slots.Quantity != want || got.Slots.Item == "" {
			t.Errorf("Parse(%q) = %s %+v, want an item, quantity %d", text, got.Intent, got.Slots, want)
		}
	}
}

func TestNumberWords(t *testing.T) {
	for n, want := range map[int]string{1: "one", 9: "nine", 10: "ten", 13: "thirteen", 20: "twenty", 21: "twenty one",
		40: "forty", 99: "ninety nine", 100: "100", 0: "0", -3: "-3"} {
		if got := intent.NumberWords(n); got != want {
			t.Errorf("NumberWords(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestSpokenCode(t *testing.T) {
	tests := []struct {
		text string
		want string
		ok   bool
	}{
		{"one two three four", "1234", true},
		{"1 2 3 4", "1234", true},
		{"my pin is 2468", "2468", true},
		{"It's one oh four, five.", "1045", true},
		{"zero o nine", "009", true},
		{"one for to too", "1422", true},
		{"12-34", "1234", true},
		{"buy a latte", "", false},
		{"one two three eleven", "", false},
		{"my pin is", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := intent.SpokenCode(tt.text)
		if got != tt.want || ok != tt.ok {
			t.Errorf("SpokenCode(%q) = %q, %v, want %q, %v", tt.text, got, ok, tt.want, tt.ok)
		}
	}
}

package intent_test

import (
	"testing"

	"github.com/voicepay/voicepay/intent"
)

func TestPlural(t *testing.T) {
	tests := []struct {
		name, plural string
		isPlural     bool
	}{
		{"latte", "lattes", false},
		{"glass of milk", "glasses of milk", false},
		{"box of eggs", "boxes of eggs", false},
		{"bunch of bananas", "bunches of bananas", false},
		{"zinger burger", "zinger burgers", false},
		{"cherry", "cherries", false},
		{"fries", "fries", true},
		{"eggs", "eggs", true},
		{"Espresso", "Espressos", false},
		{"sushi", "sushi", false},
		{"use", "uses", false},
		{"", "", false},
	}
	for _, tt := range tests {
		if got := intent.Plural(tt.name); got != tt.plural {
			t.Errorf("Plural(%q) = %q, want %q", tt.name, got, tt.plural)
		}
		if got := intent.IsPlural(tt.name); got != tt.isPlural {
			t.Errorf("IsPlural(%q) = %v, want %v", tt.name, got, tt.isPlural)
		}
	}
}

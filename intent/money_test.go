package intent_test

import (
	"testing"

	"github.com/voicepay/voicepay/intent"
)

func TestParseAmount(t *testing.T) {
	p := MustDefaultParser(t)
	tests := []struct {
		said string
		want int64
	}{
		{"five yuan", 500},
		{"5 yuan", 500},
		{"12.50", 1250},
		{"12.50 yuan", 1250},
		{"twelve yuan fifty", 1250},
		{"one kuai", 100},
		{"ten bucks", 1000},
		{"10 RMB", 1000},
		{"fifty fen", 50},
		{"fifty cents", 50},
		{"five", 500},
		{"12.5", 1250},
		{"0.05", 5},
		{".5 yuan", 50},
		{"one cent", 1},
		{"twelve yuan and fifty fen", 1250},
		{"12 yuan 50", 1250},
		{"12 yuan 05", 1205},
		{"five kuai five", 550},
		{"five yuan five jiao", 550},
		{"five yuan five jiao two fen", 552},
		{"five jiao", 50},
		{"three mao", 30},
		{"a hundred yuan", 10000},
		{"one hundred and five yuan", 10500},
		{"two hundred fifty rmb", 25000},
		{"a thousand yuan", 100000},
		{"one thousand two hundred yuan", 120000},
		{"twenty five thousand yuan", 2500000},
		{"ninety nine thousand nine hundred and ninety nine yuan", 9999900},
		{"1,000 yuan", 100000},
		{"¥12.50", 1250},
		{"￥3", 300},
		{"999999999.99", 99999999999},
		{"twenty-one yuan", 2100},
	}
	for _, tc := range tests {
		t.Run(tc.said, func(t *testing.T) {
			text := "tip the developer " + tc.said
			got := p.Parse(text)
			if got.Intent != intent.TipSend || got.Slots.Amount != tc.want {
				t.Errorf("Parse(%q) = %s amount %d, want %s amount %d", text, got.Intent, got.Slots.Amount, intent.TipSend, tc.want)
			}
		})
	}
}

func TestParseAmountInvalid(t *testing.T) {
	p := MustDefaultParser(t)
	for _, said := range []string{
		"12.505 yuan", "1.2.3", "zero yuan", "0", "0.00", "1234567890 yuan",
		"12.5 fen", "fifty yuan fifty yuan", "five jiao fifty", "12.50 yuan fifty",
		"yuan", "a yuan", "hundred", "one point five", "five dollars", "5 5",
	} {
		text := "tip the developer " + said
		if got := p.Parse(text); got.Intent != intent.None {
			t.Errorf("Parse(%q) = %s %+v, want none", text, got.Intent, got.Slots)
		}
	}
}

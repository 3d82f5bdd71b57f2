package config_test

import (
	"math"
	"math/big"
	"regexp"
	"strings"
	"testing"

	"github.com/voicepay/voicepay/config"
)

var moneyTests = []struct {
	in   string
	want config.Money
	err  string // a part of the error; "" means none
}{
	{"0", 0, ""},
	{"2000", 200000, ""},
	{"2000.5", 200050, ""},
	{"2000.50", 200050, ""},
	{"2000.05", 200005, ""},
	{"0.01", 1, ""},
	{"007", 700, ""},
	{"92233720368547758.07", math.MaxInt64, ""},
	{"", 0, "not an amount"},
	{"-1", 0, "negative"},
	{"-0", 0, "negative"},
	{"+1", 0, "not an amount"},
	{"1.", 0, "after the point"},
	{".5", 0, "not an amount"},
	{"1.234", 0, "more than two decimals"},
	{"0.001", 0, "more than two decimals"},
	{"1e3", 0, "not an amount"},
	{"1,000", 0, "not an amount"},
	{"1_000", 0, "not an amount"},
	{" 1", 0, "not an amount"},
	{"1 ", 0, "not an amount"},
	{"¥5", 0, "not an amount"},
	{"5 CNY", 0, "not an amount"},
	{"1.2.3", 0, "not an amount"},
	{"NaN", 0, "not an amount"},
	{"Inf", 0, "not an amount"},
	{"0x10", 0, "not an amount"},
	{"١٢", 0, "not an amount"},
	{"92233720368547758.08", 0, "too large"},
	{"99999999999999999999", 0, "too large"},
}

func TestParseMoney(t *testing.T) {
	for _, tt := range moneyTests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := config.ParseMoney(tt.in)
			switch {
			case tt.err == "" && err != nil:
				t.Fatalf("got error %v, want %d", err, tt.want)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Fatalf("got %d, %v; want an error containing %q", got, err, tt.err)
			case got != tt.want:
				t.Fatalf("got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestMoneyString(t *testing.T) {
	tests := []struct {
		in   config.Money
		want string
	}{
		{0, "0.00"},
		{5, "0.05"},
		{200050, "2000.50"},
		{-150, "-1.50"},
		{math.MaxInt64, "92233720368547758.07"},
		{math.MinInt64, "-92233720368547758.08"},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("%d: got %q, want %q", int64(tt.in), got, tt.want)
		}
	}
}

func TestMoneyText(t *testing.T) {
	var m config.Money
	if err := m.UnmarshalText([]byte("12.3")); err != nil || m != 1230 {
		t.Fatalf("got %d, %v; want 1230", m, err)
	}
	if b, _ := m.MarshalText(); string(b) != "12.30" {
		t.Errorf("got %q, want 12.30", b)
	}
	if err := m.UnmarshalText([]byte("x")); err == nil || m != 1230 {
		t.Errorf("bad text: got %d, %v; want an error and no change", m, err)
	}
}

// amountSyntax is what ParseMoney accepts, written independently.
var amountSyntax = regexp.MustCompile(`^[0-9]+(\.[0-9]{1,2})?$`)

func FuzzParseMoney(f *testing.F) {
	for _, tt := range moneyTests {
		f.Add(tt.in)
	}
	max := new(big.Rat).SetInt64(math.MaxInt64)
	f.Fuzz(func(t *testing.T, s string) {
		m, err := config.ParseMoney(s)
		var exact *big.Rat
		if amountSyntax.MatchString(s) {
			exact, _ = new(big.Rat).SetString(s)
			exact.Mul(exact, big.NewRat(100, 1))
		}
		if err != nil {
			if exact != nil && exact.Cmp(max) <= 0 {
				t.Fatalf("%q: rejected a valid amount: %v", s, err)
			}
			return
		}
		if exact == nil || exact.Cmp(max) > 0 {
			t.Fatalf("%q: accepted as %d", s, m)
		}
		if exact.Cmp(new(big.Rat).SetInt64(int64(m))) != 0 {
			t.Fatalf("%q: got %d, want %s", s, m, exact.FloatString(0))
		}
		if back, err := config.ParseMoney(m.String()); err != nil || back != m {
			t.Fatalf("%q: %d formats as %q, which parses as %d, %v", s, m, m.String(), back, err)
		}
	})
}

package risk_test

import (
	"testing"

	"github.com/voicepay/voicepay/risk"
)

func BenchmarkDecide(b *testing.B) {
	e := risk.New(limits())
	cases := []struct {
		name   string
		change func(*risk.Txn)
	}{
		{"allow", func(*risk.Txn) {}},
		{"step_up", func(t *risk.Txn) { t.Amount = 60000 }},
		{"block", func(t *risk.Txn) { t.Amount, t.Repeats = 300000, 9 }},
		{"trusted", func(t *risk.Txn) { t.Payee = "merchant:kfc" }},
	}
	for _, c := range cases {
		txn := base()
		c.change(&txn)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				e.Decide(txn)
			}
		})
	}
}

package risk_test

import (
	"fmt"
	"time"

	"github.com/voicepay/voicepay/risk"
)

func ExampleEngine_Decide() {
	e := risk.New(risk.DefaultLimits())
	d := e.Decide(risk.Txn{
		Amount:    250000, // 2500.00 CNY
		Currency:  "CNY",
		Payee:     "merchant:luckin_coffee",
		Channel:   risk.ChannelVoice,
		Time:      time.Date(2026, 4, 15, 12, 0, 0, 0, time.Local),
		PayeeSeen: true,
	})
	fmt.Println(d.Action)
	for _, r := range d.Reasons {
		fmt.Println(r)
	}
	// Output:
	// block
	// max_per_transaction: amount 2500.00 over the per-transaction maximum 2000.00
}

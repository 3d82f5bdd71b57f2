package agent_test

import (
	"testing"
	"time"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/wallet"
)

// TestViewMandate reports what is spent under both of its names, and what is
// left only while the mandate may be charged.
func TestViewMandate(t *testing.T) {
	expires := time.Date(2026, 12, 4, 18, 30, 0, 0, time.FixedZone("CST", 8*3600))
	for _, tt := range []struct {
		state     wallet.MandateState
		remaining int64
	}{
		{wallet.MandateProposed, 0},
		{wallet.MandateActive, 200},
		{wallet.MandateExhausted, 0},
		{wallet.MandateRevoked, 0},
	} {
		t.Run(string(tt.state), func(t *testing.T) {
			m := &wallet.Mandate{ID: 3, Kind: wallet.MandateSubscription, State: tt.state, Agent: "claude",
				Payee: "payee:acme_cloud", PayeeName: "acme_cloud", Unit: "use", UnitPrice: 50, Cap: 300,
				Period: 24 * time.Hour, Expires: expires, Currency: "CNY", PeriodSpent: 100, TotalSpent: 400, Charges: 5}
			got := *agent.ViewMandate(m)
			want := agent.Mandate{ID: 3, Kind: "subscription", State: string(tt.state), Agent: "claude",
				Payee: "payee:acme_cloud", PayeeName: "acme_cloud", Unit: "use", UnitPrice: 50, Cap: 300,
				PeriodSeconds: 86400, Spent: 100, PeriodSpent: 100, Remaining: tt.remaining, TotalSpent: 400, Charges: 5,
				Currency: "CNY", Expires: "2026-12-04T10:30:00Z"}
			if got != want {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
	if v := agent.ViewMandate(nil); v != nil {
		t.Errorf("a nil mandate viewed as %+v", v)
	}
}

package agent_test

import (
	"testing"
	"time"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/wallet"
)

// TestViewOrder reports orders at a given time: an open order is expired
// from its deadline on, and a confirmed order's deadline is the earlier of
// its own expiry and its hold's.
func TestViewOrder(t *testing.T) {
	noon := time.Date(2026, 4, 15, 12, 0, 0, 0, time.UTC)
	lines := []wallet.Line{{Item: "latte", Name: "latte", Quantity: 2, UnitPrice: 1800, Amount: 3600}}
	order := func(state wallet.OrderState, expires, hold time.Duration) *wallet.Order {
		o := &wallet.Order{ID: 7, State: state, Payee: "merchant:luckin_coffee", PayeeName: "Luckin Coffee",
			Lines: lines, Total: 3600, Currency: "CNY", Expires: noon.Add(expires)}
		if hold != 0 {
			o.HoldExpires = noon.Add(hold)
		}
		return o
	}
	blocked := order(wallet.Drafted, 10*time.Minute, 0)
	blocked.Decision = &wallet.Decision{Action: wallet.ActionBlock, Reasons: []string{"max_per_transaction: too much", "daily_limit: too much today"}}
	silent := order(wallet.Drafted, 10*time.Minute, 0)
	silent.Decision = &wallet.Decision{Action: wallet.ActionBlock}
	tests := []struct {
		name    string
		order   *wallet.Order
		at      time.Duration // after noon
		state   string
		expires string
		blocked string
	}{
		{"drafted", order(wallet.Drafted, 10*time.Minute, 0), 9 * time.Minute, "drafted", "2026-04-15T12:10:00Z", ""},
		{"drafted at its expiry", order(wallet.Drafted, 10*time.Minute, 0), 10 * time.Minute, "expired", "2026-04-15T12:10:00Z", ""},
		{"confirmed", order(wallet.Confirmed, 10*time.Minute, 5*time.Minute), time.Minute, "confirmed", "2026-04-15T12:05:00Z", ""},
		{"hold lapsed", order(wallet.Confirmed, 10*time.Minute, 5*time.Minute), 5 * time.Minute, "expired", "2026-04-15T12:05:00Z", ""},
		{"order lapses before its hold", order(wallet.Confirmed, 10*time.Minute, 13*time.Minute), 11 * time.Minute, "expired", "2026-04-15T12:10:00Z", ""},
		{"paid, long after", order(wallet.Paid, 10*time.Minute, 0), time.Hour, "paid", "2026-04-15T12:10:00Z", ""},
		{"cancelled", order(wallet.Cancelled, 10*time.Minute, 0), time.Minute, "cancelled", "2026-04-15T12:10:00Z", ""},
		{"blocked", blocked, time.Minute, "drafted", "2026-04-15T12:10:00Z", "max_per_transaction: too much; daily_limit: too much today"},
		{"blocked without reasons", silent, time.Minute, "drafted", "2026-04-15T12:10:00Z", "blocked by risk control"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := agent.ViewOrder(tt.order, noon.Add(tt.at))
			if v.State != tt.state || v.Expires != tt.expires || v.Blocked != tt.blocked {
				t.Errorf("got state %s, expires %s, blocked %q; want %s, %s, %q", v.State, v.Expires, v.Blocked,
					tt.state, tt.expires, tt.blocked)
			}
			if v.Amount != "36 yuan" || v.Total != 3600 || len(v.Lines) != 1 {
				t.Errorf("got %+v, want 36 yuan in one line", v)
			}
		})
	}
	if v := agent.ViewOrder(nil, noon); v != nil {
		t.Errorf("a nil order viewed as %+v", v)
	}
	local := order(wallet.Drafted, 10*time.Minute, 0)
	local.Expires = local.Expires.In(time.FixedZone("CST", 8*3600))
	if v := agent.ViewOrder(local, noon); v.Expires != "2026-04-15T12:10:00Z" {
		t.Errorf("a local expiry written %s, want it in UTC", v.Expires)
	}
}

package mcp_test

import (
	"strings"
	"testing"
	"time"

	"github.com/voicepay/voicepay/agent/mcp"
	"github.com/voicepay/voicepay/wallet"
)

// TestSubscriptionLifecycle proposes a subscription over MCP, has the person
// approve it by voice, and charges usage: a retry charges once, the charge
// past the cap is refused, and so is every charge once the person revoked
// it, or once it expired.
func TestSubscriptionLifecycle(t *testing.T) {
	d := MustOpenDaemon(t)
	cs := d.MustConnect(t, d.AgentToken)
	expires := d.Clock.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	propose := map[string]any{"payee": "claude_dev", "note": "code review, per use", "unit": "use",
		"unit_price": 200, "cap": 1000, "period_seconds": 86400, "expires": expires, "idempotency_key": "sub-1"}
	var m mcp.Mandate
	MustCall(t, cs, "propose_subscription", propose, &m)
	if m.State != "proposed" || m.Kind != "subscription" || m.Cap != 1000 || m.UnitPrice != 200 || m.PeriodSeconds != 86400 {
		t.Fatalf("proposed %+v", m)
	}
	var again mcp.Mandate
	MustCall(t, cs, "propose_subscription", propose, &again)
	if again.ID != m.ID {
		t.Fatalf("a retry proposed %d, want %d", again.ID, m.ID)
	}
	usage := func(key string, units int) map[string]any {
		return map[string]any{"subscription_id": m.ID, "units": units, "idempotency_key": key}
	}
	MustFail(t, cs, "record_usage", usage("u0", 1), wallet.EMANDATENOTACTIVE)

	if tr := d.Say(t, "approve the subscription"); tr.Err != nil {
		t.Fatalf("approve: %q %v", tr.Reply, tr.Err)
	}
	MustCall(t, cs, "get_subscription", map[string]any{"subscription_id": m.ID}, &m)
	if m.State != "active" || m.Remaining != 1000 {
		t.Fatalf("after approval %+v", m)
	}
	if got := d.Money(t); got.Paid != 0 {
		t.Fatalf("approval charged: %v", got)
	}

	var u mcp.UsageOut
	MustCall(t, cs, "record_usage", usage("u1", 3), &u)
	if u.Charge.Amount != 600 || u.Subscription.PeriodSpent != 600 || u.Subscription.Remaining != 400 {
		t.Fatalf("charge %+v, subscription %+v", u.Charge, u.Subscription)
	}
	first := u.Charge.ID
	MustCall(t, cs, "record_usage", usage("u1", 3), &u)
	if u.Charge.ID != first || d.Money(t).Paid != 600 {
		t.Fatalf("a retry charged again: %+v, %v", u.Charge, d.Money(t))
	}
	MustFail(t, cs, "record_usage", usage("u1", 2), wallet.ECONFLICT)
	MustFail(t, cs, "record_usage", usage("u2", 3), wallet.EMANDATECAP) // 600 + 600 > 1000
	MustCall(t, cs, "record_usage", usage("u3", 2), &u)                 // 1000: exactly the cap
	if d.Money(t).Paid != 1000 {
		t.Fatalf("paid %v, want the cap", d.Money(t))
	}
	MustFail(t, cs, "record_usage", usage("u4", 1), wallet.EMANDATECAP)

	// Another agent cannot charge it.
	_, token := d.MustPair("mallory", "agent")
	other := d.MustConnect(t, token)
	MustFail(t, other, "record_usage", usage("m1", 1), wallet.ENOTFOUND)
	MustFail(t, other, "get_subscription", map[string]any{"subscription_id": m.ID}, wallet.ENOTFOUND)

	// The next period has room again; then the person revokes it.
	d.Clock.Advance(25 * time.Hour)
	MustCall(t, cs, "record_usage", usage("u5", 1), &u)
	if tr := d.Say(t, "cancel my subscription"); tr.Err != nil {
		t.Fatalf("revoke: %q %v", tr.Reply, tr.Err)
	}
	MustFail(t, cs, "record_usage", usage("u6", 1), wallet.EMANDATEREVOKED)
	MustCall(t, cs, "get_subscription", map[string]any{"subscription_id": m.ID}, &m)
	if m.State != "revoked" {
		t.Errorf("after revocation: %+v", m)
	}

	// An approved subscription that runs out of time is refused too.
	propose["idempotency_key"], propose["expires"] = "sub-2", d.Clock.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	MustCall(t, cs, "propose_subscription", propose, &m)
	if tr := d.Say(t, "approve the subscription"); tr.Err != nil {
		t.Fatalf("approve: %q %v", tr.Reply, tr.Err)
	}
	MustCall(t, cs, "record_usage", map[string]any{"subscription_id": m.ID, "units": 1, "idempotency_key": "e1"}, &u)
	d.Clock.Advance(2 * time.Hour)
	e := MustFail(t, cs, "record_usage", map[string]any{"subscription_id": m.ID, "units": 1, "idempotency_key": "e2"},
		wallet.EMANDATEEXPIRED)
	if !strings.Contains(strings.ToLower(e.Message), "expired") {
		t.Errorf("message %q", e.Message)
	}
	if got := d.Money(t); got.Paid != 1000+200+200 || got.Held != 0 {
		t.Errorf("paid %v, want 1400", got)
	}
}

// TestTip asks for a tip with an allowance: the person approves it, which
// pays it, and a later tip within the allowance is paid at once.
func TestTip(t *testing.T) {
	d := MustOpenDaemon(t)
	cs := d.MustConnect(t, d.AgentToken)
	tip := map[string]any{"payee": "claude_dev", "amount": 500, "note": "thanks for the refactor", "cap": 1500,
		"period_seconds": 86400, "idempotency_key": "tip-1"}
	var out mcp.TipOut
	MustCall(t, cs, "request_tip", tip, &out)
	if out.Charge != nil || out.Tip.State != "proposed" || d.Money(t).Paid != 0 {
		t.Fatalf("tip asked: %+v %+v", out.Tip, out.Charge)
	}
	if tr := d.Say(t, "approve the tip"); tr.Err != nil {
		t.Fatalf("approve: %q %v", tr.Reply, tr.Err)
	}
	if got := d.Money(t); got.Paid != 500 {
		t.Fatalf("after approval: %v, want the tip paid", got)
	}
	MustCall(t, cs, "request_tip", tip, &out) // a retry pays nothing more
	if d.Money(t).Paid != 500 {
		t.Fatalf("a retry tipped again: %v", d.Money(t))
	}
	tip["idempotency_key"], tip["amount"] = "tip-2", 700
	MustCall(t, cs, "request_tip", tip, &out)
	if out.Charge == nil || out.Charge.Amount != 700 || d.Money(t).Paid != 1200 {
		t.Fatalf("a tip within the allowance: %+v, %v", out.Charge, d.Money(t))
	}
	tip["idempotency_key"] = "tip-3" // 1200 + 700 > 1500: asks the person again
	out = mcp.TipOut{}
	MustCall(t, cs, "request_tip", tip, &out)
	if out.Charge != nil || out.Tip.State != "proposed" || d.Money(t).Paid != 1200 {
		t.Fatalf("a tip past the allowance: %+v %+v, %v", out.Tip, out.Charge, d.Money(t))
	}
}

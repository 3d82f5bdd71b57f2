package agent_test

import (
	"context"
	"testing"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/wallet"
)

// TestAgentRefundTold: an agent's refund of a payment the person made, and
// its ending of a subscription, are told to the person at once; the
// agent's reason is shown, quoted, and kept out of speech.
func TestAgentRefundTold(t *testing.T) {
	ctx := context.Background()
	h, s := MustOpenAgent(t)
	events, cancel := h.Subscribe()
	defer cancel()
	o := mustPropose(t, h, "k1", Lattes)
	Next(t, events)
	Run(t, h, s, []Step{
		{Say: "confirm the order", State: agent.StateConfirmed, Held: 3600},
		{Say: "pay", State: agent.StateConfirmed, Held: 3600},
		{Say: "two four six eight", State: agent.StateIdle},
	})
	f, err := h.RefundPayment(ctx, "claude", "r1", wallet.RefundRequest{OrderID: o.ID, Amount: 1800, Reason: "one latte was cold"})
	if err != nil {
		t.Fatal(err)
	}
	e := Next(t, events)
	want := `Your agent claude refunded 18 yuan of your payment to Luckin Coffee. It says: "one latte was cold".`
	if e.Type != agent.EventRefunded || e.Refund == nil || e.Refund.ID != f.ID || e.Text != want {
		t.Errorf("refund event %s %q, want %s %q", e.Type, e.Text, agent.EventRefunded, want)
	}
	if got := e.Speech(); got != "Your agent claude refunded 18 yuan of your payment to Luckin Coffee." {
		t.Errorf("refund speech %q", got)
	}
	if _, err := h.RefundPayment(ctx, "claude", "r1", wallet.RefundRequest{OrderID: o.ID, Amount: 1800, Reason: "one latte was cold"}); err != nil {
		t.Fatal(err)
	}
	Quiet(t, events) // a retry is told once
	if got := h.Balance(); got != Opening-1800 {
		t.Errorf("balance %d, want %d", got, Opening-1800)
	}

	m, err := h.ProposeSubscription(ctx, "claude", "s1", agent.SubscriptionProposal{Payee: "acme_cloud", Unit: "use", UnitPrice: 50, Cap: 500})
	if err != nil {
		t.Fatal(err)
	}
	Next(t, events)
	if _, err := h.EndAgentMandate(ctx, "claude", "e1", m.ID); err != nil {
		t.Fatal(err)
	}
	e = Next(t, events)
	if e.Type != agent.EventMandateUpdated || e.Mandate == nil || e.Mandate.State != string(wallet.MandateDeclined) ||
		e.Text != `Your agent claude withdrew its subscription to "acme_cloud".` {
		t.Errorf("end event %s %q", e.Type, e.Text)
	}
	if _, err := h.EndAgentMandate(ctx, "claude", "e2", m.ID); err != nil {
		t.Fatal(err)
	}
	Quiet(t, events) // ended already: nothing new
}

// TestRevokeAgentTold: revoking an agent through the hub tells every open
// session what that ended, and updates each card.
func TestRevokeAgentTold(t *testing.T) {
	ctx := context.Background()
	h, _ := MustOpenAgent(t)
	events, cancel := h.Subscribe()
	defer cancel()
	o := mustPropose(t, h, "k1", Lattes)
	Next(t, events)
	m, err := h.ProposeSubscription(ctx, "claude", "s1", Metered)
	if err != nil {
		t.Fatal(err)
	}
	Next(t, events)
	if err := h.RevokeAgent(ctx, "claude"); err != nil {
		t.Fatal(err)
	}
	e := Next(t, events)
	if e.Type != agent.EventOrderUpdated || e.Order == nil || e.Order.ID != o.ID || e.Order.State != string(wallet.Cancelled) {
		t.Errorf("first event %+v, want the order cancelled", e)
	}
	e = Next(t, events)
	if e.Type != agent.EventMandateUpdated || e.Mandate == nil || e.Mandate.ID != m.ID || e.Mandate.State != string(wallet.MandateDeclined) {
		t.Errorf("second event %+v, want the subscription declined", e)
	}
	e = Next(t, events)
	want := `Your agent claude was revoked: its order from Luckin Coffee and its subscription to "acme_cloud" ended, and nothing more can be charged by it.`
	if e.Type != agent.EventAgentRevoked || e.Text != want {
		t.Errorf("revoked event %s %q, want %q", e.Type, e.Text, want)
	}
	if err := h.RevokeAgent(ctx, "claude"); wallet.AsError(err).Code != wallet.ENOTFOUND {
		t.Errorf("revoke again: %v, want not_found", err)
	}
}

package agent_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/wallet"
)

// TestHistoryFromLedger: "show my recent payments" reads the ledger. A paid
// order, then 60 proposals an agent withdrew, a tip and a charge under a
// subscription: all three payments are listed, newest first, and the
// withdrawn proposals hide nothing.
func TestHistoryFromLedger(t *testing.T) {
	h, s := MustOpenAgent(t)
	h.ProposalsPerMinute, h.MaxWaiting = 1000, 1000
	ctx := context.Background()
	Run(t, h, s, []Step{
		{Say: "buy a latte", State: agent.StateDrafted},
		{Say: "confirm the order", State: agent.StateConfirmed, Held: 1800},
		{Say: "pay", State: agent.StateIdle},
	})
	for i := range 60 {
		o := mustPropose(t, h, fmt.Sprintf("p%d", i), Lattes)
		if _, err := h.CancelAgentOrder(ctx, "claude", fmt.Sprintf("c%d", i), o.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := h.RequestTip(ctx, "claude", "tip", agent.TipRequest{Payee: "claude_dev", Amount: 500}); err != nil {
		t.Fatal(err)
	}
	mustSubscribe(t, h, "sub", Metered)
	Run(t, h, s, []Step{
		{Say: "approve the tip", State: agent.StateIdle},
		{Say: "approve the subscription", State: agent.StateIdle},
	})
	sub, err := h.DB.FindMandates(ctx, wallet.MandateFilter{Kind: wallet.MandateSubscription})
	if err != nil || len(sub) != 1 {
		t.Fatalf("subscriptions %v, %v", sub, err)
	}
	usage(t, h, "u1", sub[0].ID, 2, "")
	Run(t, h, s, []Step{{Say: "show my recent payments", State: agent.StateIdle,
		Reply: `Your recent payments: 1 yuan, a charge of your subscription to "acme_cloud" from your agent claude; ` +
			`5 yuan, a tip to "claude_dev" from your agent claude; 18 yuan to Luckin Coffee.`}})
}

// TestHistoryEmpty: holds and their release are no payments.
func TestHistoryEmpty(t *testing.T) {
	h, s := MustOpenAgent(t)
	Run(t, h, s, []Step{
		{Say: "buy a latte", State: agent.StateDrafted},
		{Say: "confirm the order", State: agent.StateConfirmed, Held: 1800},
		{Say: "cancel order", State: agent.StateIdle},
		{Say: "show my recent payments", State: agent.StateIdle, Reply: "You have no payments yet."},
	})
}

package agent_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/wallet"
)

// TestAgentNamesAreData: names an agent chooses may hold no sentence end
// and none of the words voicepay asks the person to say, and those it may
// choose are read out in quotation marks, as data.
func TestAgentNamesAreData(t *testing.T) {
	h, _ := MustOpenAgent(t)
	h.ProposalsPerMinute, h.MaxWaiting = 1000, 1000
	ctx := context.Background()
	free := func(merchant, line string) agent.OrderProposal {
		return agent.OrderProposal{Merchant: merchant, Lines: []agent.ProposedLine{{Name: line, Quantity: 1, UnitPrice: 100}}}
	}
	for _, tt := range []struct{ merchant, line string }{
		{"Acme", "Say confirm to go ahead and pay"},
		{"confirm the order and pay", "GPU hour"},
		{"Acme", "hour. Then"},
		{"Acme!", "GPU hour"},
		{"Acme", "GPU hour?"},
		{"Acme; yes", "GPU hour"},
		{"Acme", "Approve the tip"},
		{"Acme", "AUTHORIZE payment"},
		{"Acme", "go ahead"},
		{"Acme (EU)", "GPU hour"},
		{"Acme", "GPU hour."},
		{"Acme", "one two three four"},
		{"Shop 1234", "GPU hour"},
		{"Acme", "Room 12 34"},
	} {
		if _, err := h.ProposeOrder(ctx, "claude", tt.merchant+"/"+tt.line, free(tt.merchant, tt.line)); Code(err) != wallet.EINVALID {
			t.Errorf("merchant %q, line %q: %v, want %s", tt.merchant, tt.line, err, wallet.EINVALID)
		}
	}
	for _, payee := range []string{"pay_now", "confirm-it", "approve"} {
		if _, _, err := h.RequestTip(ctx, "claude", "tip-"+payee, agent.TipRequest{Payee: payee, Amount: 100}); Code(err) != wallet.EINVALID {
			t.Errorf("tip payee %q: %v, want %s", payee, err, wallet.EINVALID)
		}
		s := Metered
		s.Payee = payee
		if _, err := h.ProposeSubscription(ctx, "claude", "sub-"+payee, s); Code(err) != wallet.EINVALID {
			t.Errorf("subscription payee %q: %v, want %s", payee, err, wallet.EINVALID)
		}
	}
	events, cancel := h.Subscribe()
	defer cancel()
	mustPropose(t, h, "digits", free("Seven Eleven", "Route 66 map, 2 of 3"))
	Next(t, events)
	mustPropose(t, h, "ok", free("Acme.io, Ltd & Sons", "O'Brien's GPU-hour"))
	e := Next(t, events)
	want := `Your agent claude wants to buy an "O'Brien's GPU-hour" from "Acme.io, Ltd & Sons" for 1 yuan. Say confirm to go ahead.`
	if e.Speech() != want {
		t.Errorf("proposal\n got %q\nwant %q", e.Speech(), want)
	}
}

// TestWordingOfCharges: one use is "a use", and an agent hears about the
// person's frozen wallet in words addressed to it.
func TestWordingOfCharges(t *testing.T) {
	h, s := MustOpenAgent(t)
	events, cancel := h.Subscribe()
	defer cancel()
	m := mustSubscribe(t, h, "sub", Metered)
	Next(t, events)
	Run(t, h, s, []Step{{Say: "approve the subscription", State: agent.StateIdle}})
	usage(t, h, "u1", m.ID, 1, "")
	if e := Next(t, events); !strings.Contains(e.Text, "charged 0.50 yuan for a use of") {
		t.Errorf("charge of one use: %q", e.Text)
	}
	Run(t, h, s, []Step{{Say: "freeze my wallet", State: agent.StateIdle}})
	_, _, err := h.RecordUsage(context.Background(), "claude", "u2", m.ID, 1)
	var e *wallet.Error
	if !errors.As(err, &e) || e.Code != wallet.EFROZEN || !errors.Is(err, wallet.ErrFrozen) ||
		e.Message != "The person's wallet is frozen; nothing can be charged until they unfreeze it." {
		t.Errorf("charge on a frozen wallet: %#v", err)
	}
}

// TestCancelByDisplayName: the person names a subscription by its payee's
// display name, as the agent gave it; and "what subscriptions do I have"
// never lists a revoked or declined one as live.
func TestCancelByDisplayName(t *testing.T) {
	h, s := MustOpenAgent(t)
	ctx := context.Background()
	mustSubscribe(t, h, "sub", Metered)
	tip, _, err := h.RequestTip(ctx, "claude", "tip", agent.TipRequest{Payee: "claude_dev", Amount: 500, Cap: 1000})
	if err != nil {
		t.Fatal(err)
	}
	Run(t, h, s, []Step{
		{Say: "approve the subscription", State: agent.StateIdle},
		{Say: "cancel my subscription to acme cloud", Typed: true, State: agent.StateIdle,
			Reply: `Cancelled your subscription to "acme_cloud"; your agent claude can charge nothing more under it.`},
		{Say: "decline the tip", State: agent.StateIdle},
		{Say: "what subscriptions do I have", State: agent.StateIdle, Reply: "You have no subscriptions or tip allowances."},
		{Say: "cancel my subscription to acme cloud", Typed: true, State: agent.StateIdle, Code: wallet.ENOTFOUND,
			Reply: `You have no subscription or tip allowance for "acme_cloud".`},
	})
	if m, err := h.DB.Mandate(ctx, tip.ID); err != nil || m.State != wallet.MandateDeclined {
		t.Errorf("tip %+v, %v", m, err)
	}
}

// TestCancelByPartOfName: "cancel the acme subscription" names the payee
// "acme_cloud" by the first word of its name, when no other payee's name
// starts with it; when two do, it names neither.
func TestCancelByPartOfName(t *testing.T) {
	h, s := MustOpenAgent(t)
	ctx := context.Background()
	acme := mustSubscribe(t, h, "acme", Metered)
	Run(t, h, s, []Step{
		{Say: "approve the subscription", State: agent.StateIdle},
		{Say: "cancel the acme subscription", Typed: true, State: agent.StateIdle,
			Reply: `Cancelled your subscription to "acme_cloud"; your agent claude can charge nothing more under it.`},
	})
	if m, _ := h.DB.Mandate(ctx, acme.ID); m.State != wallet.MandateRevoked {
		t.Fatalf("acme_cloud's subscription is %s, want revoked", m.State)
	}
	one, two := Metered, Metered
	one.Payee, two.Payee = "bright_data", "bright_sky"
	mustSubscribe(t, h, "one", one)
	mustSubscribe(t, h, "two", two)
	turn := s.Say(ctx, agent.Input{Text: "cancel the bright subscription"})
	for _, id := range []string{"bright_data", "bright_sky"} {
		ms, err := h.DB.FindMandates(ctx, wallet.MandateFilter{Payee: wallet.PayeeAccount(id)})
		if err != nil || len(ms) != 1 || ms[0].State != wallet.MandateProposed {
			t.Errorf("%q: %q; %s's subscription %+v %v, want still proposed", "cancel the bright subscription", turn.Reply, id, ms, err)
		}
	}
}

package agent_test

import (
	"context"
	"testing"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/internal/agenttest"
	"github.com/voicepay/voicepay/wallet"
)

// Burgers and Latte are two agents' proposals: claude's 450 yuan of
// burgers, then other's 18-yuan latte.
var (
	Burgers = agent.OrderProposal{Merchant: "kfc", Items: []agent.ProposedItem{{Item: "zinger_burger", Quantity: 20}}}
	Latte   = agent.OrderProposal{Merchant: "luckin_coffee", Items: []agent.ProposedItem{{Item: "latte", Quantity: 1}}}
)

// mustProposeTwo has claude propose the burgers and other the latte, and
// returns them in that order.
func mustProposeTwo(t *testing.T, h *agenttest.Hub) (burgers, latte *wallet.Order) {
	t.Helper()
	h.MustPair("other", wallet.ScopeAgent)
	burgers = mustPropose(t, h, agenttest.Key("burgers"), Burgers)
	latte, err := h.ProposeOrder(context.Background(), "other", agenttest.Key("latte"), Latte)
	if err != nil {
		t.Fatal(err)
	}
	return burgers, latte
}

const askTwo = "Two orders wait: 1, KFC, 450 yuan, from claude; 2, Luckin Coffee, 18 yuan, from other. " +
	"Which one? Say confirm number 1, for example, or the shop or the agent."

// TestConfirmAsksWhich: with two agents' orders waiting, "confirm the
// order" holds nothing and asks which; each way of naming one confirms that
// one only, and "pay" is still needed after.
func TestConfirmAsksWhich(t *testing.T) {
	latteHeld := "Confirmed your agent other's order of a latte from Luckin Coffee; 18 yuan is on hold. Risk control will ask for your PIN. Say pay to authorize."
	tests := []struct {
		name   string
		answer []Step
		burger bool // the burgers are confirmed, not the latte
	}{
		{"number typed", []Step{{Say: "two", Typed: true}}, false},
		{"number said", []Step{{Say: "confirm number two"}}, false},
		{"ordinal", []Step{{Say: "the first one", Typed: true}}, true},
		{"number one", []Step{{Say: "number one", Typed: true}}, true},
		{"shop", []Step{{Say: "the luckin coffee one", Typed: true}}, false},
		{"shop with confirm", []Step{{Say: "confirm the kfc order", Typed: true}}, true},
		{"agent", []Step{{Say: "the one from claude", Typed: true}}, true},
		{"agent with confirm", []Step{{Say: "confirm other's order", Typed: true}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, s := MustOpenAgent(t)
			burgers, latte := mustProposeTwo(t, h)
			Run(t, h, s, []Step{{Say: "confirm the order", State: agent.StateIdle, Reply: askTwo}})
			want, held := latte, int64(1800)
			if tt.burger {
				want, held = burgers, 45000
			}
			step := tt.answer[0]
			step.State, step.Held = agent.StateConfirmed, held
			if !tt.burger {
				step.Reply = latteHeld
			}
			Run(t, h, s, []Step{step})
			checkStates(t, h, want.ID, burgers.ID, latte.ID)
			// Still only held: "pay" pays.
			if got := h.Balance(); got != Opening {
				t.Errorf("balance %d after a confirmation, want %d", got, Opening)
			}
		})
	}
}

// checkStates checks that of the orders ids, confirmed is confirmed and the
// others still wait, drafted.
func checkStates(t *testing.T, h *agenttest.Hub, confirmed uint64, ids ...uint64) {
	t.Helper()
	for _, id := range ids {
		o, err := h.DB.Order(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		want := wallet.Drafted
		if id == confirmed {
			want = wallet.Confirmed
		}
		if o.State != want {
			t.Errorf("order %d (%s) is %s, want %s", id, o.Agent, o.State, want)
		}
	}
}

// TestConfirmNamedInOneTurn: a confirmation that names the order, by shop or
// agent, confirms it in one turn; one waiting is confirmed as it always was;
// and an answer that names nothing asks again and holds nothing.
func TestConfirmNamedInOneTurn(t *testing.T) {
	h, s := MustOpenAgent(t)
	burgers, latte := mustProposeTwo(t, h)
	Run(t, h, s, []Step{
		{Say: "confirm the luckin coffee order", Typed: true, State: agent.StateConfirmed, Held: 1800},
		{Say: "pay", State: agent.StateConfirmed, Held: 1800},
		{Say: "two four six eight", State: agent.StateIdle},
	})
	checkStates(t, h, 0, burgers.ID)
	Run(t, h, s, []Step{{Say: "confirm the order", State: agent.StateConfirmed, Held: 45000,
		Reply: "Confirmed your agent claude's order of twenty zinger burgers from KFC; 450 yuan is on hold. Risk control will ask for your PIN. Say pay to authorize."}})
	if got := h.Balance(); got != Opening-1800 {
		t.Errorf("balance %d, want %d", got, Opening-1800)
	}
	_ = latte

	h, s = MustOpenAgent(t)
	burgers, latte = mustProposeTwo(t, h)
	Run(t, h, s, []Step{
		{Say: "confirm claude's order", Typed: true, State: agent.StateConfirmed, Held: 45000},
		{Say: "cancel order", State: agent.StateIdle},
		{Say: "confirm the order", State: agent.StateConfirmed, Held: 1800, Reply: "Confirmed your agent other's order of a latte from Luckin Coffee; 18 yuan is on hold. Risk control will ask for your PIN. Say pay to authorize."},
		{Say: "cancel order", State: agent.StateIdle},
	})

	h, s = MustOpenAgent(t)
	burgers, latte = mustProposeTwo(t, h)
	Run(t, h, s, []Step{
		{Say: "confirm the order", State: agent.StateIdle, Reply: askTwo},
		{Say: "the hema one", Typed: true, State: agent.StateIdle, Reply: "I didn't catch which one. " + askTwo},
		{Say: "no", Typed: true, State: agent.StateIdle, Reply: "Okay, nothing is confirmed; the orders still wait."},
		{Say: "confirm the hema order", Typed: true, State: agent.StateIdle, Reply: "None of the waiting orders is that one. " + askTwo},
	})
	checkStates(t, h, 0, burgers.ID, latte.ID)
}

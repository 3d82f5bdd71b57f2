package agent_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/internal/agenttest"
	"github.com/voicepay/voicepay/wallet"
)

// burst proposes n orders as claude under new keys and returns how many
// were accepted, and the codes of the refusals with how often each came.
func burst(t *testing.T, h *agenttest.Hub, n int, prefix string) (accepted int, refused map[string]int) {
	t.Helper()
	refused = map[string]int{}
	for i := range n {
		_, err := h.ProposeOrder(context.Background(), "claude", fmt.Sprintf("%s-%d", prefix, i), Lattes)
		if err == nil {
			accepted++
			continue
		}
		e := wallet.AsError(err)
		refused[e.Code]++
		if want := e.Code == wallet.ERATELIMITED; e.Retryable != want {
			t.Errorf("%s is retryable %v, want %v", e.Code, e.Retryable, want)
		}
	}
	return accepted, refused
}

// TestProposalCap: of a burst of 50 proposals at most the cap of waiting
// ones is accepted, the rest refused with a clear code; a retry of an
// accepted one is answered as before and not counted; once the person
// answers some, more are accepted, and a wait lets the rate through again.
func TestProposalCap(t *testing.T) {
	h, s := MustOpenAgent(t)
	events, cancel := h.Subscribe()
	defer cancel()
	accepted, refused := burst(t, h, 50, "a")
	if accepted != agent.DefaultMaxWaiting || refused[wallet.ETOOMANY] == 0 ||
		accepted+refused[wallet.ETOOMANY]+refused[wallet.ERATELIMITED] != 50 {
		t.Fatalf("burst of 50: %d accepted, refused %v; want %d accepted, the rest too_many_waiting or rate_limited",
			accepted, refused, agent.DefaultMaxWaiting)
	}
	for range accepted {
		Next(t, events) // announced
	}
	Quiet(t, events) // the refused ones are not
	// A retry of an accepted proposal is answered, not refused.
	if o, err := h.ProposeOrder(context.Background(), "claude", "a-0", Lattes); err != nil || o.State != wallet.Drafted {
		t.Errorf("retry of an accepted proposal: %v, %v", o, err)
	}
	// So is a retry after a restart, when only the wallet remembers the key.
	restarted := agent.NewHub(h.DB, h.Parser, h.Catalog)
	if o, err := restarted.ProposeOrder(context.Background(), "claude", "a-1", Lattes); err != nil || o.State != wallet.Drafted {
		t.Errorf("retry of an accepted proposal after a restart: %v, %v", o, err)
	}
	// A minute on, the rate lets more through, but the cap holds until the
	// person answers.
	h.Clock.Advance(time.Minute)
	if _, err := h.ProposeOrder(context.Background(), "claude", "b-0", Lattes); Code(err) != wallet.ETOOMANY {
		t.Errorf("at the cap: %v, want %s", err, wallet.ETOOMANY)
	}
	Run(t, h, s, []Step{{Say: "cancel order", State: agent.StateIdle}, {Say: "cancel order", State: agent.StateIdle}})
	if accepted, refused := burst(t, h, 5, "c"); accepted != 2 || refused[wallet.ETOOMANY] != 3 {
		t.Errorf("after two were cancelled: %d accepted, refused %v; want 2, and 3 too_many_waiting", accepted, refused)
	}
	// Another agent has its own limits.
	h.MustPair("other", wallet.ScopeAgent)
	if _, err := h.ProposeOrder(context.Background(), "other", "o", Lattes); err != nil {
		t.Errorf("another agent: %v", err)
	}
}

// TestProposalRate: with room for many waiting proposals, a burst is cut at
// the rate; proposals of tips and subscriptions count too; after a wait on
// the wallet's clock, as many as the time refilled are accepted.
func TestProposalRate(t *testing.T) {
	h, _ := MustOpenAgent(t)
	h.MaxWaiting = 100
	accepted, refused := burst(t, h, 50, "a")
	if accepted != agent.DefaultProposalsPerMinute || refused[wallet.ERATELIMITED] != 50-accepted {
		t.Fatalf("burst of 50: %d accepted, refused %v; want %d accepted, the rest rate_limited",
			accepted, refused, agent.DefaultProposalsPerMinute)
	}
	if _, err := h.ProposeSubscription(context.Background(), "claude", "sub", Metered); Code(err) != wallet.ERATELIMITED {
		t.Errorf("a subscription past the rate: %v, want %s", err, wallet.ERATELIMITED)
	}
	h.Clock.Advance(30 * time.Second)
	if accepted, _ := burst(t, h, 50, "b"); accepted != agent.DefaultProposalsPerMinute/2 {
		t.Errorf("after 30 s: %d accepted, want %d", accepted, agent.DefaultProposalsPerMinute/2)
	}
	h.Clock.Advance(time.Hour)
	if _, err := h.ProposeSubscription(context.Background(), "claude", "sub", Metered); err != nil {
		t.Errorf("a subscription after an hour: %v", err)
	}
}

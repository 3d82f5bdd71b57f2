package agent_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/internal/agenttest"
	"github.com/voicepay/voicepay/wallet"
)

// startSandboxPerson runs the sandbox's fake person on h, answering after
// delay, until the test ends; it is stopped before the wallet closes.
func startSandboxPerson(t *testing.T, h *agenttest.Hub, delay time.Duration) {
	t.Helper()
	h.Sandbox = true
	p := agent.NewSandboxPerson(h.Hub, agenttest.PIN)
	p.Delay = delay
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("the sandbox person: %v", err)
		}
	})
}

// eventually polls cond every 10 ms for at most 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s: not within 10 s", what)
}

func orderState(t *testing.T, h *agenttest.Hub, id uint64) wallet.OrderState {
	t.Helper()
	o, err := h.DB.Order(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return o.State
}

func mandateState(t *testing.T, h *agenttest.Hub, id uint64) wallet.MandateState {
	t.Helper()
	m, err := h.DB.Mandate(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m.State
}

// TestSandboxPersonApprovesEverything: the fake person enables payments on
// its own device, then pays an order proposed before it started and one
// proposed after, with the PIN risk control asks for; it approves a tip,
// which is paid, and a subscription, which the agent then charges. An order
// the agent withdrew before the person answered is left alone. Every reply
// of the sandbox hub, to the person and to any other device, is marked.
func TestSandboxPersonApprovesEverything(t *testing.T) {
	h := agenttest.MustOpenHub(t)
	h.MustTopup(Opening)
	h.MustPair("claude", wallet.ScopeAgent)
	ctx := context.Background()
	early := mustPropose(t, h, "early", Lattes)
	startSandboxPerson(t, h, 300*time.Millisecond)

	withdrawn := mustPropose(t, h, "withdrawn", agent.OrderProposal{Merchant: "kfc",
		Items: []agent.ProposedItem{{Item: "fries", Quantity: 1}}})
	if _, err := h.CancelAgentOrder(ctx, "claude", "withdraw", withdrawn.ID); err != nil {
		t.Fatal(err)
	}
	// A payee the wallet has never paid, above what it trusts: risk control
	// asks for the PIN.
	late := mustPropose(t, h, "late", agent.OrderProposal{Merchant: "Acme Cloud",
		Lines: []agent.ProposedLine{{Name: "GPU hour", Quantity: 3, UnitPrice: 10000}}})
	if got := orderState(t, h, late.ID); got != wallet.Drafted {
		t.Fatalf("the order is %s at once, want drafted until the person answers", got)
	}
	eventually(t, "both orders paid", func() bool {
		return orderState(t, h, early.ID) == wallet.Paid && orderState(t, h, late.ID) == wallet.Paid
	})
	o, err := h.DB.Order(ctx, late.ID)
	if err != nil || o.Receipt == nil || o.Receipt.Device != agent.SandboxPersonDevice {
		t.Errorf("paid order %+v (%v), want a receipt of %s", o, err, agent.SandboxPersonDevice)
	}
	if got := orderState(t, h, withdrawn.ID); got != wallet.Cancelled {
		t.Errorf("the withdrawn order is %s", got)
	}

	tip, _, err := h.RequestTip(ctx, "claude", "tip", agent.TipRequest{Payee: "claude_dev", Amount: 500})
	if err != nil {
		t.Fatal(err)
	}
	sub := mustSubscribe(t, h, "sub", Metered)
	eventually(t, "the subscription approved", func() bool { return mandateState(t, h, sub.ID) == wallet.MandateActive })
	if got := mandateState(t, h, tip.ID); got == wallet.MandateProposed || got == wallet.MandateDeclined {
		t.Errorf("the tip is %s, want approved", got)
	}
	usage(t, h, "u1", sub.ID, 2, "")
	if got, want := h.Balance(), int64(Opening-3600-30000-500-100); got != want {
		t.Errorf("balance %d, want %d", got, want)
	}
	for _, w := range h.Logs.Warnings() {
		t.Errorf("warning: %s", w)
	}

	// Any device's replies say that this is the sandbox.
	glasses, _ := h.MustPair("glasses", wallet.ScopeUser)
	turn := h.MustSession(glasses).Say(ctx, agent.Input{Text: "what's my balance", Channel: "text"})
	last := turn.Events[len(turn.Events)-1]
	if !strings.HasPrefix(turn.Reply, agent.SandboxMark) || last.Text != turn.Reply {
		t.Errorf("reply %q, event %q: want both to begin with %q", turn.Reply, last.Text, agent.SandboxMark)
	}
}

// TestSandboxPersonDeclinesWhatItCannotPay: an order the wallet cannot
// hold is declined, so that the agent's wait ends, and the next proposal is
// paid as usual.
func TestSandboxPersonDeclinesWhatItCannotPay(t *testing.T) {
	h := agenttest.MustOpenHub(t)
	h.MustTopup(Opening)
	h.MustPair("claude", wallet.ScopeAgent)
	startSandboxPerson(t, h, 0)
	big := mustPropose(t, h, "big", agent.OrderProposal{Merchant: "Acme Cloud",
		Lines: []agent.ProposedLine{{Name: "GPU cluster", Quantity: 1, UnitPrice: Opening + 1}}})
	next := mustPropose(t, h, "next", Lattes)
	eventually(t, "the first declined and the next paid", func() bool {
		return orderState(t, h, big.ID) == wallet.Cancelled && orderState(t, h, next.ID) == wallet.Paid
	})
	if got := h.Held(); got != 0 {
		t.Errorf("held %d, want nothing", got)
	}
	if len(h.Logs.Warnings()) == 0 {
		t.Error("the refusal was not logged")
	}
}

// TestSandboxPersonRestarts: the person enables payments on its device,
// and after a restart it loads the same device and pays again.
func TestSandboxPersonRestarts(t *testing.T) {
	h := agenttest.MustOpenHub(t)
	h.MustTopup(Opening)
	h.MustPair("claude", wallet.ScopeAgent)
	ctx, cancel := context.WithCancel(context.Background())
	p := agent.NewSandboxPerson(h.Hub, agenttest.PIN)
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	eventually(t, "the person enabled payments", func() bool {
		d, err := h.DB.Device(context.Background(), agent.SandboxPersonDevice)
		return err == nil && d.Active
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	h = h.MustReopen()
	startSandboxPerson(t, h, 0)
	o := mustPropose(t, h, "after", Lattes)
	eventually(t, "paid after the restart", func() bool { return orderState(t, h, o.ID) == wallet.Paid })
}

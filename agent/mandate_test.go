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

// Metered is the subscription most tests propose: 0.50 yuan a use, at most
// 3 yuan a day, for a week.
var Metered = agent.SubscriptionProposal{Payee: "acme_cloud", Note: "GPU time for your builds", Unit: "use",
	UnitPrice: 50, Cap: 300, Period: 24 * time.Hour, Expires: agenttest.Noon.Add(7 * 24 * time.Hour)}

func mustSubscribe(t *testing.T, h *agenttest.Hub, key string, s agent.SubscriptionProposal) *wallet.Mandate {
	t.Helper()
	m, err := h.ProposeSubscription(context.Background(), "claude", key, s)
	if err != nil {
		t.Fatalf("propose subscription: %v", err)
	}
	return m
}

// usage records units and checks the error code ("" for success).
func usage(t *testing.T, h *agenttest.Hub, key string, id uint64, units int64, code string) *wallet.Charge {
	t.Helper()
	c, _, err := h.RecordUsage(context.Background(), "claude", key, id, units)
	if got := Code(err); got != code {
		t.Fatalf("record usage %s of %d: code %q (%v), want %q", key, units, got, err, code)
	}
	return c
}

// TestSubscriptionLifecycle: proposed, heard, approved by voice, charged
// once per key, refused past the cap and after revocation, then expiry.
func TestSubscriptionLifecycle(t *testing.T) {
	h, s := MustOpenAgent(t)
	ctx := context.Background()
	events, cancel := h.Subscribe()
	defer cancel()
	m := mustSubscribe(t, h, "sub", Metered)
	if m.State != wallet.MandateProposed || m.Payee != wallet.PayeeAccount("acme_cloud") {
		t.Errorf("proposed %+v", m)
	}
	e := Next(t, events)
	want := `Your agent claude proposes a subscription to "acme_cloud": 0.50 yuan per use, up to 3 yuan a day, until April 22 at 12:00. It says: "GPU time for your builds". Say approve the subscription to go ahead, or cancel the subscription.`
	if e.Type != agent.EventProposal || e.Mandate == nil || e.Mandate.ID != m.ID || e.Text != want {
		t.Errorf("proposal event %+v\nwant text %q", e, want)
	}
	if strings.Contains(e.Speech(), "GPU time") {
		t.Errorf("the note is spoken: %q", e.Speech())
	}
	usage(t, h, "early", m.ID, 1, wallet.EMANDATENOTACTIVE)

	Run(t, h, s, []Step{
		{Say: "approve the tip", State: agent.StateIdle, Code: wallet.ENOORDER, Reply: "There is no tip waiting for your approval."},
		{Say: "what subscriptions do I have", State: agent.StateIdle,
			Reply: "You have no subscriptions or tip allowances yet. Waiting for your approval: a subscription to \"acme_cloud\" from your agent claude, 0.50 yuan per use, up to 3 yuan a day."},
		{Say: "approve the subscription", State: agent.StateIdle,
			Reply: "Approved: your agent claude may charge 0.50 yuan per use for \"acme_cloud\", up to 3 yuan a day, until April 22 at 12:00."},
	})
	if got := h.Balance(); got != Opening {
		t.Errorf("approving a subscription moved money: balance %d", got)
	}

	c1 := usage(t, h, "u1", m.ID, 2, "")
	if again := usage(t, h, "u1", m.ID, 2, ""); again.ID != c1.ID {
		t.Errorf("retry charged %d, want the first charge %d", again.ID, c1.ID)
	}
	usage(t, h, "u1", m.ID, 3, wallet.ECONFLICT)
	e = Next(t, events)
	if e.Type != agent.EventMandateCharged || e.Charge == nil || e.Charge.ID != c1.ID ||
		e.Text != "Your agent claude charged 1 yuan for two uses of \"acme_cloud\"; 2 yuan of 3 yuan a day is left." {
		t.Errorf("charge event %+v", e)
	}
	Quiet(t, events) // the retry is not announced again
	usage(t, h, "u2", m.ID, 5, wallet.EMANDATECAP)
	usage(t, h, "u3", m.ID, 4, "")
	usage(t, h, "u4", m.ID, 1, wallet.EMANDATECAP)
	if got, want := h.Balance(), int64(Opening-300); got != want {
		t.Errorf("balance %d, want %d", got, want)
	}
	h.Clock.Advance(24 * time.Hour) // a new day, a new cap
	usage(t, h, "u5", m.ID, 1, "")
	if _, _, err := h.RecordUsage(ctx, "gpt", "u6", m.ID, 1); Code(err) != wallet.EUNAUTHORIZED {
		t.Errorf("an unknown agent charges: %v", err)
	}
	h.MustPair("gpt", wallet.ScopeAgent)
	if _, _, err := h.RecordUsage(ctx, "gpt", "u6", m.ID, 1); Code(err) != wallet.ENOTFOUND {
		t.Errorf("another agent charges: %v", err)
	}
	if _, _, err := h.RecordUsage(ctx, "claude", "u7", 999, 1); Code(err) != wallet.ENOTFOUND {
		t.Errorf("an unknown mandate: %v", err)
	}
	if _, _, err := h.RecordUsage(ctx, "claude", "u8", m.ID, 0); Code(err) != wallet.EINVALID {
		t.Errorf("no units: %v", err)
	}

	Run(t, h, s, []Step{
		{Say: "what subscriptions do I have", State: agent.StateIdle,
			Reply: "Your subscriptions and tip allowances: number 1, \"acme_cloud\" from your agent claude, 0.50 yuan per use, up to 3 yuan a day, 0.50 yuan used, until April 22 at 12:00."},
		{Say: "cancel my subscription", State: agent.StateIdle,
			Reply: "Cancelled your subscription to \"acme_cloud\"; your agent claude can charge nothing more under it."},
		{Say: "cancel my subscription", State: agent.StateIdle, Code: wallet.ENOORDER,
			Reply: "You have no subscription to cancel."},
	})
	usage(t, h, "u9", m.ID, 1, wallet.EMANDATEREVOKED)

	// Expiry.
	short := Metered
	short.Expires = h.Clock.Now().Add(time.Hour)
	m2 := mustSubscribe(t, h, "short", short)
	Run(t, h, s, []Step{{Say: "approve the subscription", State: agent.StateIdle}})
	usage(t, h, "v1", m2.ID, 1, "")
	h.Clock.Advance(time.Hour)
	usage(t, h, "v2", m2.ID, 1, wallet.EMANDATEEXPIRED)
	if got, want := h.Balance(), int64(Opening-300-50-50); got != want {
		t.Errorf("balance %d, want %d", got, want)
	}
	if got := h.MustAccount(wallet.PayeeAccount("acme_cloud")).Balance(); got != 400 {
		t.Errorf("acme_cloud has %d, want 400", got)
	}
}

// TestSubscriptionRefusals checks what an agent may not propose.
func TestSubscriptionRefusals(t *testing.T) {
	h, _ := MustOpenAgent(t)
	ctx := context.Background()
	with := func(f func(*agent.SubscriptionProposal)) agent.SubscriptionProposal {
		s := Metered
		f(&s)
		return s
	}
	tests := []struct {
		name string
		s    agent.SubscriptionProposal
	}{
		{"payee with spaces", with(func(s *agent.SubscriptionProposal) { s.Payee = "acme cloud" })},
		{"unit", with(func(s *agent.SubscriptionProposal) { s.Unit = "hour" })},
		{"no price", with(func(s *agent.SubscriptionProposal) { s.UnitPrice = 0 })},
		{"cap below the price", with(func(s *agent.SubscriptionProposal) { s.Cap = 10 })},
		{"negative period", with(func(s *agent.SubscriptionProposal) { s.Period = -time.Hour })},
		{"expired", with(func(s *agent.SubscriptionProposal) { s.Expires = agenttest.Noon.Add(-time.Hour) })},
		{"too long", with(func(s *agent.SubscriptionProposal) { s.Expires = agenttest.Noon.Add(400 * 24 * time.Hour) })},
		{"note too long", with(func(s *agent.SubscriptionProposal) { s.Note = strings.Repeat("好", wallet.MaxNote+1) })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := h.ProposeSubscription(ctx, "claude", "k", tt.s); Code(err) != wallet.EINVALID {
				t.Errorf("code %q (%v), want %q", Code(err), err, wallet.EINVALID)
			}
		})
	}
	// Without an expiry it lasts the default, and a retry finds the same
	// proposal though the clock moved.
	open := with(func(s *agent.SubscriptionProposal) { s.Expires = time.Time{} })
	m := mustSubscribe(t, h, "open", open)
	if want := agenttest.Noon.Add(agent.DefaultSubscriptionExpiry); !m.Expires.Equal(want) {
		t.Errorf("expires %s, want %s", m.Expires, want)
	}
	h.Clock.Advance(time.Minute)
	if again := mustSubscribe(t, h, "open", open); again.ID != m.ID {
		t.Errorf("retry proposed %d, want %d", again.ID, m.ID)
	}
}

// TestTipRequest: a tip is asked for, approved by voice, which pays it; a retry of
// the request after that tips nothing more.
func TestTipRequest(t *testing.T) {
	h, s := MustOpenAgent(t)
	ctx := context.Background()
	events, cancel := h.Subscribe()
	defer cancel()
	tip := agent.TipRequest{Payee: "claude_dev", Amount: 500, Note: "Thanks for the refactor!"}
	m, c, err := h.RequestTip(ctx, "claude", "t1", tip)
	if err != nil || c != nil || m.State != wallet.MandateProposed || m.First != 500 || m.Cap != 500 {
		t.Fatalf("request tip: %+v %+v %v", m, c, err)
	}
	if want := agenttest.Noon.Add(agent.DefaultTipExpiry); !m.Expires.Equal(want) {
		t.Errorf("expires %s, want %s", m.Expires, want)
	}
	e := Next(t, events)
	if want := `Your agent claude asks for a tip of 5 yuan for "claude_dev". It says: "Thanks for the refactor". Say approve the tip to go ahead, or decline the tip.`; e.Text != want {
		t.Errorf("tip proposal\n got %q\nwant %q", e.Text, want)
	}
	Run(t, h, s, []Step{
		{Say: "approve the subscription", State: agent.StateIdle, Code: wallet.ENOORDER,
			Reply: "There is no subscription waiting for your approval."},
		{Say: "pay", State: agent.StateIdle, Code: wallet.ENOORDER,
			Reply: "There is no order to pay. Your agent claude asks you to approve a tip for \"claude_dev\": say approve the tip."},
		{Say: "approve the tip", State: agent.StateIdle, Reply: "Tipped 5 yuan to \"claude_dev\". Your balance is 995 yuan."},
		{Say: "approve the tip", State: agent.StateIdle, Code: wallet.ENOORDER},
	})
	h.Clock.Advance(time.Minute)
	again, c, err := h.RequestTip(ctx, "claude", "t1", tip)
	if err != nil || c != nil || again.ID != m.ID {
		t.Errorf("retried request: %+v %+v %v, want mandate %d and no charge", again, c, err, m.ID)
	}
	if got, want := h.Balance(), int64(Opening-500); got != want {
		t.Errorf("balance %d, want %d", got, want)
	}
	if got := h.MustAccount(wallet.PayeeAccount("claude_dev")).Balance(); got != 500 {
		t.Errorf("claude_dev has %d, want 500", got)
	}

	// Declined: nothing moves.
	if _, _, err := h.RequestTip(ctx, "claude", "t2", tip); err != nil {
		t.Fatal(err)
	}
	Run(t, h, s, []Step{
		{Say: "decline the tip", State: agent.StateIdle, Reply: "Declined the tip for \"claude_dev\"; nothing was charged."},
		{Say: "approve the tip", State: agent.StateIdle, Code: wallet.ENOORDER},
	})
	if got, want := h.Balance(), int64(Opening-500); got != want {
		t.Errorf("balance %d, want %d", got, want)
	}
}

// TestTipAllowance: an approved allowance lets later tips through without
// asking, once per key, until its cap; past it, the agent has to ask.
func TestTipAllowance(t *testing.T) {
	h, s := MustOpenAgent(t)
	ctx := context.Background()
	allowance := agent.TipRequest{Payee: "claude_dev", Amount: 300, Cap: 1000, Period: 24 * time.Hour}
	m, _, err := h.RequestTip(ctx, "claude", "a1", allowance)
	if err != nil {
		t.Fatal(err)
	}
	Run(t, h, s, []Step{{Say: "approve the tip", State: agent.StateIdle,
		Reply: "Tipped 3 yuan to \"claude_dev\". Your balance is 997 yuan. Your agent claude may tip up to 10 yuan a day without asking, until April 16 at 12:00."}})
	events, cancel := h.Subscribe()
	defer cancel()
	later := agent.TipRequest{Payee: "claude_dev", Amount: 400}
	got, c, err := h.RequestTip(ctx, "claude", "a2", later)
	if err != nil || c == nil || got.ID != m.ID || c.Amount != 400 {
		t.Fatalf("a tip under the allowance: %+v %+v %v", got, c, err)
	}
	if e := Next(t, events); e.Type != agent.EventMandateCharged ||
		e.Text != "Your agent claude tipped \"claude_dev\" 4 yuan under your tip allowance; 3 yuan of 10 yuan a day is left." {
		t.Errorf("charge event %+v", e)
	}
	again, c2, err := h.RequestTip(ctx, "claude", "a2", later)
	if err != nil || c2 == nil || c2.ID != c.ID || again.ID != m.ID {
		t.Errorf("retry: %+v %+v %v, want charge %d again", again, c2, err, c.ID)
	}
	// 3 yuan are left: 4 more must be asked for.
	p, c3, err := h.RequestTip(ctx, "claude", "a3", later)
	if err != nil || c3 != nil || p.ID == m.ID || p.State != wallet.MandateProposed {
		t.Errorf("over the allowance: %+v %+v %v, want a new proposal", p, c3, err)
	}
	// Another payee is never charged under it.
	other, c4, err := h.RequestTip(ctx, "claude", "a4", agent.TipRequest{Payee: "someone_else", Amount: 100})
	if err != nil || c4 != nil || other.State != wallet.MandateProposed {
		t.Errorf("another payee: %+v %+v %v, want a proposal", other, c4, err)
	}
	if got, want := h.Balance(), int64(Opening-700); got != want {
		t.Errorf("balance %d, want %d", got, want)
	}
	if _, _, err := h.RequestTip(ctx, "claude", "a5", agent.TipRequest{Payee: "claude_dev", Amount: 500, Cap: 100}); Code(err) != wallet.EINVALID {
		t.Errorf("a cap below the tip: %v", err)
	}
	if _, _, err := h.RequestTip(ctx, "claude", "a6", agent.TipRequest{Payee: "Claude Dev", Amount: 500}); Code(err) != wallet.EINVALID {
		t.Errorf("a payee that is not an id: %v", err)
	}
}

// TestCancelSubscriptions names subscriptions by payee and number, and asks
// which one when the person does not say.
func TestCancelSubscriptions(t *testing.T) {
	h, s := MustOpenAgent(t)
	luckin := Metered
	luckin.Payee = "luckin_coffee"
	mustSubscribe(t, h, "s1", Metered)
	mustSubscribe(t, h, "s2", luckin)
	dev := Metered
	dev.Payee = "developer"
	mustSubscribe(t, h, "s3", dev)
	Run(t, h, s, []Step{
		{Say: "approve the subscription", State: agent.StateIdle,
			Reply: "Approved: your agent claude may charge 0.50 yuan per use for \"acme_cloud\", up to 3 yuan a day, until April 22 at 12:00. 2 more subscriptions are waiting."},
		{Say: "approve the subscription", State: agent.StateIdle},
		{Say: "approve the subscription", State: agent.StateIdle},
		{Say: "cancel my subscription", State: agent.StateIdle, Code: wallet.EINVALID,
			Reply: "Which one? Number 1, \"acme_cloud\" from your agent claude, 0.50 yuan per use, up to 3 yuan a day, 0 yuan used, until April 22 at 12:00; " +
				"number 2, Luckin Coffee from your agent claude, 0.50 yuan per use, up to 3 yuan a day, 0 yuan used, until April 22 at 12:00; " +
				"number 3, \"developer\" from your agent claude, 0.50 yuan per use, up to 3 yuan a day, 0 yuan used, until April 22 at 12:00. Say cancel subscription number one, for example."},
		{Say: "cancel my subscription to luckin coffee", State: agent.StateIdle,
			Reply: "Cancelled your subscription to Luckin Coffee; your agent claude can charge nothing more under it."},
		{Say: "cancel my subscription to KFC", State: agent.StateIdle, Code: wallet.ENOTFOUND,
			Reply: "You have no subscription or tip allowance for KFC."},
		{Say: "cancel subscription number four", State: agent.StateIdle, Code: wallet.ENOTFOUND},
		{Say: "cancel subscription number two", State: agent.StateIdle,
			Reply: "Cancelled your subscription to \"developer\"; your agent claude can charge nothing more under it."},
		{Say: "cancel my subscription to the developer", State: agent.StateIdle, Code: wallet.ENOTFOUND},
		{Say: "what subscriptions do I have", State: agent.StateIdle,
			Reply: "Your subscriptions and tip allowances: number 1, \"acme_cloud\" from your agent claude, 0.50 yuan per use, up to 3 yuan a day, 0 yuan used, until April 22 at 12:00."},
	})
}

// TestSubscribe delivers each kind of event, never blocks an agent on a slow
// subscriber, and ends on cancel.
func TestSubscribe(t *testing.T) {
	h, _ := MustOpenAgent(t)
	h.ProposalsPerMinute, h.MaxWaiting = 1000, 1000 // no limit on proposals here
	ctx := context.Background()
	fast, cancelFast := h.Subscribe()
	slow, cancelSlow := h.Subscribe() // never read until the end
	o := mustPropose(t, h, "o", Lattes)
	tip, _, err := h.RequestTip(ctx, "claude", "t", agent.TipRequest{Payee: "claude_dev", Amount: 100})
	if err != nil {
		t.Fatal(err)
	}
	sub := mustSubscribe(t, h, "s", Metered)
	for _, want := range []struct {
		kind string
		id   uint64
	}{{"order", o.ID}, {"tip", tip.ID}, {"subscription", sub.ID}} {
		e := Next(t, fast)
		switch {
		case e.Type != agent.EventProposal:
			t.Errorf("event %s, want a proposal", e.Type)
		case want.kind == "order" && (e.Order == nil || e.Order.ID != want.id):
			t.Errorf("order proposal %+v", e)
		case want.kind != "order" && (e.Mandate == nil || e.Mandate.ID != want.id || e.Mandate.Kind != want.kind):
			t.Errorf("%s proposal %+v", want.kind, e.Mandate)
		}
	}
	for i := range 100 { // more than a subscriber buffers
		mustPropose(t, h, "more-"+string(rune('a'+i%26))+string(rune('a'+i/26)), Lattes)
	}
	n := 0
	for len(slow) > 0 {
		<-slow
		n++
	}
	if n == 0 || n >= 103 {
		t.Errorf("the slow subscriber got %d events, want some but not all", n)
	}
	if len(h.Logs.Warnings()) == 0 {
		t.Error("no warning about the slow subscriber")
	}
	cancelSlow()
	cancelSlow()
	cancelFast()
	if _, ok := <-slow; ok {
		t.Error("the channel is open after cancel")
	}
}

// TestGrammarHearsAnswers: the grammar a recognizer listens with takes the
// person's answers to proposals once payments are on, and not before; with
// no order proposed out of a draft it does not listen for "confirm the
// order", nor for "approve" with no tip or subscription asked for.
func TestGrammarHearsAnswers(t *testing.T) {
	h, s := MustOpenSession(t)
	h.MustPair("claude", wallet.ScopeAgent)
	answers := []string{"confirm the order", "approve the subscription", "decline the tip",
		"what subscriptions do i have"}
	for _, a := range answers {
		if s.Grammar().Accepts(a) {
			t.Errorf("inactive: the grammar has %q", a)
		}
	}
	Run(t, h, s, Enable)
	hears := func(when string, want map[string]bool) {
		t.Helper()
		for _, a := range answers {
			if got := s.Grammar().Accepts(a); got != want[a] {
				t.Errorf("%s: the grammar accepts %q: %v, want %v", when, a, got, want[a])
			}
		}
	}
	hears("idle, nothing proposed", map[string]bool{"decline the tip": true, "what subscriptions do i have": true})
	ctx := context.Background()
	if _, err := h.ProposeOrder(ctx, "claude", "k1", Lattes); err != nil {
		t.Fatal(err)
	}
	// The grammar is the one of the last turn's end.
	Run(t, h, s, []Step{{Say: "what's my balance", State: agent.StateIdle}})
	hears("idle, an order proposed", map[string]bool{"confirm the order": true, "decline the tip": true, "what subscriptions do i have": true})
	sub := agent.SubscriptionProposal{Payee: "acme_cloud", Unit: "use", UnitPrice: 50, Cap: 1000, Period: 24 * time.Hour}
	if _, err := h.ProposeSubscription(ctx, "claude", "k2", sub); err != nil {
		t.Fatal(err)
	}
	hears("idle, an order and a subscription proposed", map[string]bool{"confirm the order": true, "approve the subscription": true,
		"decline the tip": true, "what subscriptions do i have": true})
}

// TestCancelOwnTip: "cancel the tip" cancels the tip the person just asked
// for before an agent's proposal.
func TestCancelOwnTip(t *testing.T) {
	h, s := MustOpenAgent(t)
	if _, _, err := h.RequestTip(context.Background(), "claude", "t", agent.TipRequest{Payee: "claude_dev", Amount: 500}); err != nil {
		t.Fatal(err)
	}
	Run(t, h, s, []Step{
		{Say: "tip the developer five yuan", State: agent.StateDrafted},
		{Say: "cancel the tip", State: agent.StateIdle, Reply: "Order cancelled. Nothing was charged."},
		{Say: "cancel the tip", State: agent.StateIdle, Reply: "Declined the tip for \"claude_dev\"; nothing was charged."},
		{Say: "cancel the tip", State: agent.StateIdle, Code: wallet.ENOORDER, Reply: "You have no tip to cancel."},
	})
	if got := h.Balance(); got != Opening {
		t.Errorf("balance %d, want %d", got, Opening)
	}
}

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

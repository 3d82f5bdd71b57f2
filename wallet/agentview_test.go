package wallet_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/voicepay/voicepay/wallet"
)

// agentOrder is an order Claude proposes: two lattes.
func agentOrder(agent string) wallet.OrderDraft {
	d := Lattes(2)
	d.Agent, d.Channel = agent, "text"
	return d
}

// mustDevice returns a paired device.
func (db *DB) mustDevice(t *testing.T, id string) *wallet.Device {
	t.Helper()
	d, err := db.Device(context.Background(), id)
	if err != nil {
		t.Fatalf("device %s: %v", id, err)
	}
	return d
}

// wantCodeErr fails unless err carries code.
func wantCodeErr(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := wallet.ErrorCode(err); err == nil || got != code {
		t.Fatalf("%s: error %v, want code %s", what, err, code)
	}
}

// TestRevokeAgentEndsWhatItLeft revokes an agent with an active
// subscription, a proposed tip, a confirmed order (money on hold) and a
// drafted one, then pairs the name again. The revoke ends all of it in one
// write: the subscription is revoked, the proposal declined, the orders
// cancelled and the hold released. The new pairing's charge on the old
// subscription is refused as revoked, and everything it lists is empty.
func TestRevokeAgentEndsWhatItLeft(t *testing.T) {
	ctx := context.Background()
	db := openMandates(t)
	sub := db.MustPropose(t, Metered(100, 10000))
	db.MustApprove(t, sub.ID)
	c, _ := db.MustCharge(t, sub.ID, 2)
	tip := db.MustPropose(t, Tip(100, 1000))
	confirmed := db.MustConfirm(t, db.MustCreate(t, agentOrder(Claude)).ID)
	drafted := db.MustCreate(t, agentOrder(Claude))
	mine := db.MustCreate(t, Lattes(1)) // the person's own order stays
	if db.Held(t) != confirmed.Total {
		t.Fatalf("held %d, want %d", db.Held(t), confirmed.Total)
	}
	since := db.mustDevice(t, Claude).Created
	ts, err := db.AgentTransfers(ctx, Claude, since, 0)
	if err != nil || len(ts) != 2 || ts[0].Ref != fmt.Sprintf("order:%d", confirmed.ID) || ts[1].ID != c.Transfer {
		t.Fatalf("before the revoke, the agent's transfers are %+v (%v): want the hold, then the charge", ts, err)
	}
	entries := len(db.MustAudit(t))

	if err := db.RevokeDevice(ctx, Claude); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	wantState(t, db.MustMandate(t, sub.ID), wallet.MandateRevoked)
	wantState(t, db.MustMandate(t, tip.ID), wallet.MandateDeclined)
	for _, id := range []uint64{confirmed.ID, drafted.ID} {
		if o := db.MustOrder(t, id); o.State != wallet.Cancelled || o.HoldID != 0 {
			t.Errorf("order %d after the revoke: %s, hold %d", id, o.State, o.HoldID)
		}
	}
	if o := db.MustOrder(t, mine.ID); o.State != wallet.Drafted {
		t.Errorf("the person's own order is %s", o.State)
	}
	if held := db.Held(t); held != 0 {
		t.Errorf("held %d after the revoke, want 0", held)
	}
	// One write: the device, two mandates, two orders and the void, each
	// with its entry.
	var events []string
	for _, e := range db.MustAudit(t)[entries:] {
		events = append(events, e.Kind)
	}
	want := []string{"device", "mandate", "mandate", "transfer", "order", "order"}
	if !slices.Equal(events, want) {
		t.Errorf("audit entries of the revoke %q, want %q", events, want)
	}
	for _, e := range db.MustAudit(t)[entries:] {
		if !e.Time.Equal(db.MustAudit(t)[entries].Time) {
			t.Errorf("entry %d was written at %v, apart from the revoke", e.Seq, e.Time)
		}
	}

	db.Clock.Advance(time.Second)
	db.MustPairAgent(t, Claude)
	since = db.mustDevice(t, Claude).Created
	_, _, err = db.ChargeMandate(ctx, Key("charge"), sub.ID, Claude, 1)
	WantErr(t, err, wallet.ErrMandateRevoked)
	wantCodeErr(t, "charge the old subscription", err, wallet.EMANDATEREVOKED)
	if got := db.MustMandate(t, sub.ID); got.TotalSpent != 200 {
		t.Errorf("spent %d under the old subscription, want 200", got.TotalSpent)
	}

	orders, err := db.FindOrders(ctx, wallet.OrderFilter{Agent: Claude, Since: since, Newest: true})
	if err != nil || len(orders) != 0 {
		t.Errorf("the new pairing's orders: %d (%v), want none", len(orders), err)
	}
	ms, err := db.FindMandates(ctx, wallet.MandateFilter{Agent: Claude, Since: since})
	if err != nil || len(ms) != 0 {
		t.Errorf("the new pairing's mandates: %d (%v), want none", len(ms), err)
	}
	if ts, err := db.AgentTransfers(ctx, Claude, since, 0); err != nil || len(ts) != 0 {
		t.Errorf("the new pairing's transfers: %+v (%v), want none", ts, err)
	}
	if _, err := db.AgentOrder(ctx, Claude, since, confirmed.ID); !errors.Is(err, wallet.ErrNotFound) {
		t.Errorf("the old order to the new pairing: %v, want not found", err)
	}
	// The same name's old listings, asked without the pairing, are still there.
	if old, _ := db.FindOrders(ctx, wallet.OrderFilter{Agent: Claude}); len(old) != 2 {
		t.Errorf("all of claude's orders: %d, want 2", len(old))
	}
}

// TestAgentViews has two agents each make an order, a subscription and a
// charge: each sees its own, newest first, and not the other's.
func TestAgentViews(t *testing.T) {
	ctx := context.Background()
	db := openMandates(t)
	db.MustPairAgent(t, "gemini")
	since := map[string]time.Time{Claude: db.mustDevice(t, Claude).Created, "gemini": db.mustDevice(t, "gemini").Created}
	made := map[string][]uint64{}
	for i, ag := range []string{Claude, "gemini", Claude} {
		db.Clock.Advance(time.Second)
		o := db.MustConfirm(t, db.MustCreate(t, agentOrder(ag)).ID)
		d := Metered(int64(10+i), 10000)
		d.Agent = ag
		m := db.MustPropose(t, d)
		db.MustApprove(t, m.ID)
		c, _, err := db.ChargeMandate(ctx, Key("charge"), m.ID, ag, 1)
		if err != nil {
			t.Fatal(err)
		}
		made[ag] = append(made[ag], o.ID, m.ID, c.ID)
	}
	for _, ag := range []string{Claude, "gemini"} {
		orders, err := db.FindOrders(ctx, wallet.OrderFilter{Agent: ag, Since: since[ag], Newest: true})
		if err != nil {
			t.Fatal(err)
		}
		var ids []uint64
		for _, o := range orders {
			ids = append(ids, o.ID)
		}
		want := []uint64{made[ag][0]}
		if ag == Claude {
			want = []uint64{made[ag][3], made[ag][0]}
		}
		if !slices.Equal(ids, want) {
			t.Errorf("%s's orders %v, want %v", ag, ids, want)
		}
		ms, err := db.FindMandates(ctx, wallet.MandateFilter{Agent: ag, Since: since[ag], Newest: true, Limit: 1})
		if err != nil || len(ms) != 1 || ms[0].ID != made[ag][len(made[ag])-2] {
			t.Errorf("%s's newest mandate %+v (%v), want %d", ag, ms, err, made[ag][len(made[ag])-2])
		}
		ts, err := db.AgentTransfers(ctx, ag, since[ag], 0)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(made[ag]) / 3 * 2; len(ts) != n { // a hold and a charge each
			t.Errorf("%s has %d transfers, want %d", ag, len(ts), n)
		}
		for i := 1; i < len(ts); i++ {
			if ts[i].ID > ts[i-1].ID {
				t.Errorf("%s's transfers are not newest first", ag)
			}
		}
		if ts, _ := db.AgentTransfers(ctx, ag, since[ag], 1); len(ts) != 1 {
			t.Errorf("a limit of 1 gave %d transfers", len(ts))
		}
		other := map[string]string{Claude: "gemini", "gemini": Claude}[ag]
		if _, err := db.AgentOrder(ctx, ag, since[ag], made[other][0]); !errors.Is(err, wallet.ErrNotFound) {
			t.Errorf("%s reads %s's order: %v", ag, other, err)
		}
		if _, err := db.AgentMandate(ctx, ag, since[ag], made[other][1]); !errors.Is(err, wallet.ErrNotFound) {
			t.Errorf("%s reads %s's mandate: %v", ag, other, err)
		}
		if _, _, err := db.AgentCharge(ctx, ag, since[ag], made[other][2]); !errors.Is(err, wallet.ErrNotFound) {
			t.Errorf("%s reads %s's charge: %v", ag, other, err)
		}
		if c, m, err := db.AgentCharge(ctx, ag, since[ag], made[ag][2]); err != nil || c.Mandate != m.ID || m.Agent != ag {
			t.Errorf("%s reads its own charge: %+v %+v %v", ag, c, m, err)
		}
		_, _, err = db.ChargeMandate(ctx, Key("charge"), made[other][1], ag, 1)
		wantCodeErr(t, ag+" charges "+other+"'s mandate", err, wallet.ENOTFOUND)
	}
}

// TestFindAgentKey finds what an agent made by its own idempotency key:
// an order, a mandate, a charge; not another agent's, not after the key's
// window, and not a key it never used.
func TestFindAgentKey(t *testing.T) {
	ctx := context.Background()
	db := openMandates(t)
	db.MustPairAgent(t, "gemini")
	since := db.mustDevice(t, Claude).Created
	o, err := db.CreateOrder(ctx, wallet.AgentRequestKey(Claude, "o1"), agentOrder(Claude))
	if err != nil {
		t.Fatal(err)
	}
	m, err := db.ProposeMandate(ctx, wallet.AgentRequestKey(Claude, "m1"), Metered(100, 1000))
	if err != nil {
		t.Fatal(err)
	}
	db.MustApprove(t, m.ID)
	c, _, err := db.ChargeMandate(ctx, wallet.AgentRequestKey(Claude, "c1"), m.ID, Claude, 3)
	if err != nil {
		t.Fatal(err)
	}
	db.MustConfirm(t, o.ID)

	r, err := db.FindAgentKey(ctx, Claude, since, "o1")
	if err != nil || r.Op != "create_order" || r.Order.ID != o.ID || r.Order.State != wallet.Confirmed {
		t.Errorf("o1: %+v %v, want order %d as it is now, confirmed", r, err, o.ID)
	}
	r, err = db.FindAgentKey(ctx, Claude, since, "m1")
	if err != nil || r.Mandate == nil || r.Mandate.ID != m.ID || r.Mandate.State != wallet.MandateActive {
		t.Errorf("m1: %+v %v, want mandate %d, active", r, err, m.ID)
	}
	r, err = db.FindAgentKey(ctx, Claude, since, "c1")
	if err != nil || r.Op != "charge_mandate" || r.Charge.ID != c.ID || r.Mandate.TotalSpent != 300 {
		t.Errorf("c1: %+v %v, want charge %d", r, err, c.ID)
	}
	for _, tt := range []struct{ agent, key string }{{"gemini", "o1"}, {Claude, "never"}} {
		if _, err := db.FindAgentKey(ctx, tt.agent, since, tt.key); !errors.Is(err, wallet.ErrNotFound) {
			t.Errorf("%s finds %q: %v, want not found", tt.agent, tt.key, err)
		}
	}
	db.Clock.Advance(db.IdempotencyWindow + time.Hour)
	if _, err := db.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindAgentKey(ctx, Claude, since, "o1"); !errors.Is(err, wallet.ErrNotFound) {
		t.Errorf("o1 after the window: %v, want not found", err)
	}
}

// TestGrants pairs agents with grants, changes them, and refuses unknown
// names; the grants are part of the device record, which the audit chain
// binds.
func TestGrants(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	tests := []struct {
		name        string
		allow, deny []string
		want        []string
		code        string
	}{
		{"defaults", nil, nil, []string{"orders", "tips", "subscriptions"}, ""},
		{"balance", []string{"balance"}, nil, []string{"orders", "tips", "subscriptions", "balance"}, ""},
		{"lists", []string{"balance"}, []string{"tips, subscriptions"}, []string{"orders", "balance"}, ""},
		{"none", nil, []string{"orders,tips,subscriptions"}, []string{}, ""},
		{"unknown", []string{"money"}, nil, nil, wallet.EINVALID},
		{"both", []string{"tips"}, []string{"tips"}, nil, wallet.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := "agent-" + tt.name
			token, d, err := db.PairAgent(ctx, id, tt.allow, tt.deny)
			if tt.code != "" {
				wantCodeErr(t, "pair", err, tt.code)
				if _, err := db.Device(ctx, id); !errors.Is(err, wallet.ErrNotFound) {
					t.Errorf("a refused pairing paired %s", id)
				}
				return
			}
			if err != nil || token == "" {
				t.Fatalf("pair %s: %q %v", id, token, err)
			}
			got := db.mustDevice(t, id)
			if !slices.Equal(got.AgentGrants(), tt.want) || !slices.Equal(d.AgentGrants(), tt.want) {
				t.Errorf("grants %q, want %q", got.AgentGrants(), tt.want)
			}
			if got.Granted(wallet.GrantBalance) != slices.Contains(tt.want, "balance") {
				t.Errorf("Granted(balance) = %v", got.Granted(wallet.GrantBalance))
			}
		})
	}
	// Allow and deny on a paired agent change its grants and keep its token.
	token, err := db.AddDevice(ctx, "legacy", wallet.ScopeAgent)
	if err != nil {
		t.Fatal(err)
	}
	again, d, err := db.PairAgent(ctx, "legacy", []string{"balance"}, []string{"tips"})
	if err != nil || again != "" || !slices.Equal(d.AgentGrants(), []string{"orders", "subscriptions", "balance"}) {
		t.Fatalf("change grants: %q %+v %v", again, d, err)
	}
	if a, err := db.Authenticate(ctx, token); err != nil || !a.Granted(wallet.GrantBalance) || a.Granted(wallet.GrantTips) {
		t.Errorf("the old token after the change: %+v %v", a, err)
	}
	_, _, err = db.PairAgent(ctx, "legacy", nil, nil)
	WantErr(t, err, wallet.ErrDevicePaired)
	_, _, err = db.PairAgent(ctx, "cli", []string{"balance"}, nil) // a person's device
	WantErr(t, err, wallet.ErrDevicePaired)
	if u := db.mustDevice(t, "cli"); len(u.AgentGrants()) != 0 {
		t.Errorf("a user device has grants %q", u.AgentGrants())
	}
	// An agent paired before grants were stored has the defaults.
	if g := (&wallet.Device{Scope: wallet.ScopeAgent}).AgentGrants(); !slices.Equal(g, wallet.DefaultGrants) {
		t.Errorf("an agent without stored grants has %q", g)
	}
}

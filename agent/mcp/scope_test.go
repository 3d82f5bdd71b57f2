package mcp_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/mcp"
	"github.com/voicepay/voicepay/wallet"
)

// made is what an agent made through MCP: a paid order, a drafted one, an
// approved subscription and a charge under it.
type made struct {
	paid, drafted mcp.Order
	sub           mcp.Mandate
	charge        *mcp.Charge
}

// makeAll has the agent on cs propose an order the person pays, a
// subscription the person approves and a charge under it, and leave one
// order drafted. Keys start with prefix.
func makeAll(t *testing.T, d *Daemon, cs *sdk.ClientSession, prefix string) made {
	t.Helper()
	var m made
	MustCall(t, cs, "create_order", map[string]any{"merchant": "luckin_coffee",
		"items": []any{map[string]any{"item": "latte", "quantity": 2}}, "idempotency_key": prefix + "-o1"}, &m.paid)
	d.PersonPays(t)
	MustCall(t, cs, "propose_subscription", map[string]any{"payee": prefix + "_dev", "unit": "use", "unit_price": 100,
		"cap": 1000, "expires": d.Clock.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339),
		"idempotency_key": prefix + "-s1"}, &m.sub)
	if tr := d.Say(t, "approve the subscription"); tr.Err != nil {
		t.Fatalf("approve: %q %v", tr.Reply, tr.Err)
	}
	var u mcp.UsageOut
	MustCall(t, cs, "record_usage", map[string]any{"subscription_id": m.sub.ID, "units": 2,
		"idempotency_key": prefix + "-u1"}, &u)
	m.charge = u.Charge
	MustCall(t, cs, "create_order", map[string]any{"merchant": "luckin_coffee",
		"items": []any{map[string]any{"item": "latte"}}, "idempotency_key": prefix + "-o2"}, &m.drafted)
	return m
}

// TestScopeTwoAgents: agent B cannot read, wait for, cancel, charge or
// refund anything of agent A's by any tool: each answers not_found for A's
// ids, exactly as for ids that do not exist, and changes nothing. Each
// agent's lists hold only its own. get_balance needs the balance grant,
// which B does not have until the person grants it; a change of grants
// takes effect at the next call.
func TestScopeTwoAgents(t *testing.T) {
	ctx := context.Background()
	d := MustOpenDaemon(t)
	a := d.MustConnect(t, d.AgentToken) // claude, granted the balance
	mine := makeAll(t, d, a, "a")
	tokenB, _, err := d.DB.PairAgent(ctx, "other", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := d.MustConnect(t, tokenB)
	before := d.Money(t)

	for _, tc := range []struct {
		tool string
		args map[string]any
	}{
		{"get_order", map[string]any{"order_id": mine.paid.ID}},
		{"wait_order", map[string]any{"order_id": mine.drafted.ID, "timeout_seconds": 0.1}},
		{"cancel_order", map[string]any{"order_id": mine.drafted.ID}},
		{"get_subscription", map[string]any{"subscription_id": mine.sub.ID}},
		{"record_usage", map[string]any{"subscription_id": mine.sub.ID, "units": 1, "idempotency_key": "b-u"}},
		{"cancel_subscription", map[string]any{"mandate_id": mine.sub.ID, "idempotency_key": "b-c"}},
		{"refund_payment", map[string]any{"order_id": mine.paid.ID, "idempotency_key": "b-r1"}},
		{"refund_payment", map[string]any{"charge_id": mine.charge.ID, "idempotency_key": "b-r2"}},
		{"find_by_key", map[string]any{"idempotency_key": "a-o1"}},
	} {
		t.Run(tc.tool, func(t *testing.T) {
			e := MustFail(t, b, tc.tool, tc.args, wallet.ENOTFOUND)
			if strings.Contains(e.Message, "claude") {
				t.Errorf("the refusal names the other agent: %q", e.Message)
			}
		})
	}
	if after := d.Money(t); after != before {
		t.Errorf("B's calls moved money: %v, then %v", before, after)
	}
	var o mcp.Order
	MustCall(t, a, "get_order", map[string]any{"order_id": mine.drafted.ID}, &o)
	var m mcp.Mandate
	MustCall(t, a, "get_subscription", map[string]any{"subscription_id": mine.sub.ID}, &m)
	if o.State != "drafted" || m.State != "active" || m.TotalSpent != 200 {
		t.Errorf("after B's calls, A's order is %s and subscription %s with %d spent", o.State, m.State, m.TotalSpent)
	}

	// The lists: B's are empty, A's hold its own, newest first.
	var ordersB mcp.OrderList
	MustCall(t, b, "list_orders", nil, &ordersB)
	var mandatesB mcp.MandateList
	MustCall(t, b, "list_mandates", nil, &mandatesB)
	var txB mcp.Transactions
	MustCall(t, b, "list_transactions", nil, &txB)
	if len(ordersB.Orders)+len(mandatesB.Mandates)+len(txB.Transactions) != 0 {
		t.Errorf("B lists %d orders, %d mandates and %d transactions, want none", len(ordersB.Orders),
			len(mandatesB.Mandates), len(txB.Transactions))
	}
	var ordersA mcp.OrderList
	MustCall(t, a, "list_orders", map[string]any{"limit": 10}, &ordersA)
	if len(ordersA.Orders) != 2 || ordersA.Orders[0].ID != mine.drafted.ID || ordersA.Orders[1].ID != mine.paid.ID {
		t.Errorf("A's orders %+v, want the drafted, then the paid", ordersA.Orders)
	}
	MustCall(t, a, "list_orders", map[string]any{"state": "paid"}, &ordersA)
	if len(ordersA.Orders) != 1 || ordersA.Orders[0].ID != mine.paid.ID {
		t.Errorf("A's paid orders %+v", ordersA.Orders)
	}
	MustFail(t, a, "list_orders", map[string]any{"state": "lost"}, wallet.EINVALID)
	MustFail(t, a, "list_orders", map[string]any{"limit": 101}, wallet.EINVALID)
	var mandatesA mcp.MandateList
	MustCall(t, a, "list_mandates", map[string]any{"kind": "subscription", "state": "active"}, &mandatesA)
	if len(mandatesA.Mandates) != 1 || mandatesA.Mandates[0].ID != mine.sub.ID {
		t.Errorf("A's active subscriptions %+v", mandatesA.Mandates)
	}
	var txA mcp.Transactions
	MustCall(t, a, "list_transactions", nil, &txA)
	var kinds []string
	for _, x := range txA.Transactions {
		kinds = append(kinds, x.Kind+" "+x.Ref)
	}
	want := []string{"paid mandate:" + fmt.Sprint(mine.sub.ID), "paid order:" + fmt.Sprint(mine.paid.ID),
		"held order:" + fmt.Sprint(mine.paid.ID)}
	if strings.Join(kinds, ", ") != strings.Join(want, ", ") {
		t.Errorf("A's transactions %q, want %q (its own, newest first, no top-up)", kinds, want)
	}

	// The balance is B's only once the person grants it.
	e := MustFail(t, b, "get_balance", nil, wallet.EUNAUTHORIZED)
	wantMsg := "This agent was not granted balance; the person can grant it with voicepay agent add other --allow balance."
	if e.Message != wantMsg {
		t.Errorf("refusal %q, want %q", e.Message, wantMsg)
	}
	if _, token, err := agent.AddAgent(ctx, d.DB, "other", []string{"balance"}, nil); err != nil || token != "" {
		t.Fatalf("grant the balance: %q %v", token, err)
	}
	var bal mcp.Balance
	MustCall(t, b, "get_balance", nil, &bal)
	if bal.Balance != before.Balance {
		t.Errorf("B reads a balance of %d, want %d", bal.Balance, before.Balance)
	}
	if _, _, err := agent.AddAgent(ctx, d.DB, "other", nil, []string{"orders"}); err != nil {
		t.Fatal(err)
	}
	e = MustFail(t, b, "create_order", map[string]any{"merchant": "luckin_coffee",
		"items": []any{map[string]any{"item": "latte"}}, "idempotency_key": "b-o"}, wallet.EUNAUTHORIZED)
	if !strings.Contains(e.Message, "--allow orders") {
		t.Errorf("refusal %q does not say how to grant orders", e.Message)
	}
	MustCall(t, b, "list_mandates", nil, nil) // subscriptions are still granted
}

// TestEveryToolHasAGrant: every tool the daemon lists is covered by the
// grants, so that none is refused for want of one.
func TestEveryToolHasAGrant(t *testing.T) {
	d := MustOpenDaemon(t)
	cs := d.MustConnect(t, d.AgentToken)
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range res.Tools {
		if _, ok := mcp.GrantsFor(tool.Name); !ok {
			t.Errorf("no grant covers %s", tool.Name)
		}
	}
	if g, _ := mcp.GrantsFor("get_balance"); len(g) != 1 || g[0] != wallet.GrantBalance {
		t.Errorf("get_balance needs %q", g)
	}
}

// TestRefundAndCancelTools: an agent refunds a payment it received in two
// parts, never past what was paid, with a receipt and idempotently by key;
// it ends its own subscription, which then refuses charges; and
// find_by_key finds each thing it made by the key it gave.
func TestRefundAndCancelTools(t *testing.T) {
	d := MustOpenDaemon(t)
	cs := d.MustConnect(t, d.AgentToken)
	mine := makeAll(t, d, cs, "k")
	before := d.Money(t)

	refund := map[string]any{"order_id": mine.paid.ID, "amount": 1000, "reason": "one latte was cold", "idempotency_key": "r1"}
	var r mcp.Refund
	MustCall(t, cs, "refund_payment", refund, &r)
	if r.Amount != 1000 || r.Paid != 3600 || r.Refunded != 1000 || r.Receipt == "" {
		t.Errorf("refund %+v", r)
	}
	var again mcp.Refund
	MustCall(t, cs, "refund_payment", refund, &again)
	if again.ID != r.ID || d.Money(t).Balance != before.Balance+1000 {
		t.Errorf("a retry refunded again: %+v, %v", again, d.Money(t))
	}
	MustFail(t, cs, "refund_payment", map[string]any{"order_id": mine.paid.ID, "amount": 2601, "idempotency_key": "r2"}, wallet.EINVALID)
	MustCall(t, cs, "refund_payment", map[string]any{"order_id": mine.paid.ID, "idempotency_key": "r3"}, &r)
	if r.Amount != 2600 || r.Refunded != 3600 {
		t.Errorf("the rest: %+v", r)
	}
	MustFail(t, cs, "refund_payment", map[string]any{"order_id": mine.paid.ID, "idempotency_key": "r4"}, wallet.ESTATE)
	MustFail(t, cs, "refund_payment", map[string]any{"order_id": mine.drafted.ID, "idempotency_key": "r5"}, wallet.ESTATE)
	MustCall(t, cs, "refund_payment", map[string]any{"charge_id": mine.charge.ID, "amount": 50, "idempotency_key": "r6"}, &r)
	if got := d.Money(t).Balance; got != before.Balance+3650 {
		t.Errorf("balance %d after the refunds, want %d", got, before.Balance+3650)
	}
	ts, err := d.DB.Transfers(context.Background(), wallet.UserAccount, 1)
	if err != nil || ts[0].Effect(wallet.UserAccount) != "received" || ts[0].Amount != 50 {
		t.Errorf("the person's newest transfer %+v (%v), want the refund of 50 received", ts, err)
	}

	var m mcp.Mandate
	MustCall(t, cs, "cancel_subscription", map[string]any{"mandate_id": mine.sub.ID, "idempotency_key": "c1"}, &m)
	if m.State != "revoked" {
		t.Errorf("after cancel_subscription: %s", m.State)
	}
	MustFail(t, cs, "record_usage", map[string]any{"subscription_id": mine.sub.ID, "units": 1, "idempotency_key": "k-u2"},
		wallet.EMANDATEREVOKED)

	for _, tc := range []struct{ key, kind string }{
		{"k-o1", "order"}, {"k-s1", "subscription"}, {"k-u1", "charge"}, {"r1", "refund"}, {"c1", "subscription"},
	} {
		var f mcp.Found
		MustCall(t, cs, "find_by_key", map[string]any{"idempotency_key": tc.key}, &f)
		if f.Kind != tc.kind {
			t.Errorf("find_by_key %s: %+v, want a %s", tc.key, f, tc.kind)
		}
		switch tc.key {
		case "k-o1":
			if f.Order == nil || f.Order.ID != mine.paid.ID || f.Order.State != "paid" {
				t.Errorf("k-o1: %+v", f.Order)
			}
		case "k-u1":
			if f.Charge == nil || f.Charge.ID != mine.charge.ID || f.Subscription.State != "revoked" {
				t.Errorf("k-u1: %+v, %+v", f.Charge, f.Subscription)
			}
		}
	}
	MustFail(t, cs, "find_by_key", map[string]any{"idempotency_key": "never"}, wallet.ENOTFOUND)
}

// TestRevokeAndPairAgain revokes an agent with an approved subscription
// and a confirmed order (money on hold), and pairs the name again: the
// hold is released, the old subscription refuses the name's charges
// (mandate_revoked) and the new token sees none of it: not by id, not by
// key, not in any list.
func TestRevokeAndPairAgain(t *testing.T) {
	ctx := context.Background()
	d := MustOpenDaemon(t)
	_, token, err := agent.AddAgent(ctx, d.DB, "temp", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	old := d.MustConnect(t, token)
	var sub mcp.Mandate
	MustCall(t, old, "propose_subscription", map[string]any{"payee": "temp_dev", "unit": "use", "unit_price": 100,
		"cap": 1000, "expires": d.Clock.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339), "idempotency_key": "s"}, &sub)
	if tr := d.Say(t, "approve the subscription"); tr.Err != nil {
		t.Fatalf("approve: %q %v", tr.Reply, tr.Err)
	}
	var o mcp.Order
	MustCall(t, old, "create_order", map[string]any{"merchant": "luckin_coffee",
		"items": []any{map[string]any{"item": "latte"}}, "idempotency_key": "o"}, &o)
	if tr := d.Say(t, "confirm the order"); tr.Err != nil || tr.State != agent.StateConfirmed {
		t.Fatalf("confirm: %q %v", tr.Reply, tr.Err)
	}
	if held := d.Money(t).Held; held != 1800 {
		t.Fatalf("held %d, want 1800", held)
	}

	if err := agent.RevokeAgent(ctx, d.DB, "temp"); err != nil {
		t.Fatal(err)
	}
	if held := d.Money(t).Held; held != 0 {
		t.Errorf("held %d after the revoke, want the hold released", held)
	}
	d.Clock.Advance(time.Second)
	_, token, err = agent.AddAgent(ctx, d.DB, "temp", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = d.Hub.RecordUsage(ctx, "temp", "u", sub.ID, 1)
	if wallet.ErrorCode(err) != wallet.EMANDATEREVOKED {
		t.Errorf("the name's charge on the old subscription: %v, want mandate_revoked", err)
	}
	cs := d.MustConnect(t, token)
	MustFail(t, cs, "record_usage", map[string]any{"subscription_id": sub.ID, "units": 1, "idempotency_key": "u2"}, wallet.ENOTFOUND)
	MustFail(t, cs, "get_subscription", map[string]any{"subscription_id": sub.ID}, wallet.ENOTFOUND)
	MustFail(t, cs, "get_order", map[string]any{"order_id": o.ID}, wallet.ENOTFOUND)
	MustFail(t, cs, "find_by_key", map[string]any{"idempotency_key": "o"}, wallet.ENOTFOUND)
	var orders mcp.OrderList
	MustCall(t, cs, "list_orders", nil, &orders)
	var mandates mcp.MandateList
	MustCall(t, cs, "list_mandates", nil, &mandates)
	var txs mcp.Transactions
	MustCall(t, cs, "list_transactions", nil, &txs)
	if len(orders.Orders)+len(mandates.Mandates)+len(txs.Transactions) != 0 {
		t.Errorf("the new pairing lists %+v, %+v, %+v; want nothing", orders, mandates, txs)
	}
	if paid := d.Money(t).Paid; paid != 0 {
		t.Errorf("paid %d, want nothing", paid)
	}
	// The same key makes a new order for the new pairing.
	var fresh mcp.Order
	MustCall(t, cs, "create_order", map[string]any{"merchant": "luckin_coffee",
		"items": []any{map[string]any{"item": "latte"}}, "idempotency_key": "o"}, &fresh)
	if fresh.ID == o.ID || fresh.State != "drafted" {
		t.Errorf("create_order with the old key: %+v, want a new order", fresh)
	}
}

package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/wallet"
)

// What an agent may see and do. Every tool call passes the scope
// middleware first, which reads the calling agent's device anew (so that a
// revoke, or a change of its grants, takes effect at the next call) and
// refuses the call when the agent lacks the grant the tool needs, or when
// it names an order, mandate or charge that the agent did not make under
// its current pairing: that is not_found, whatever the tool, exactly as an
// id that does not exist.

// toolGrants are the grants each tool needs, any one of them; an empty list
// needs none. A tool missing here is refused.
var toolGrants = map[string][]string{
	toolCreateOrder:         {wallet.GrantOrders},
	toolGetOrder:            {wallet.GrantOrders},
	toolWaitOrder:           {wallet.GrantOrders},
	toolCancelOrder:         {wallet.GrantOrders},
	toolListOrders:          {wallet.GrantOrders},
	toolRefundPayment:       {wallet.GrantOrders},
	toolRequestTip:          {wallet.GrantTips},
	toolProposeSubscription: {wallet.GrantSubscriptions, wallet.GrantTips},
	toolRecordUsage:         {wallet.GrantSubscriptions, wallet.GrantTips},
	toolGetSubscription:     {wallet.GrantSubscriptions, wallet.GrantTips},
	toolCancelSubscription:  {wallet.GrantSubscriptions, wallet.GrantTips},
	toolListMandates:        {wallet.GrantSubscriptions, wallet.GrantTips},
	"wait_mandate":          {wallet.GrantSubscriptions, wallet.GrantTips},
	toolGetBalance:          {wallet.GrantBalance},
	toolListTransactions:    {},
	toolFindByKey:           {},
	"list_catalog":          {},
	"search_catalog":        {},
}

// GrantsFor returns the grants a tool needs, any one of them (none for a
// tool every agent may call), and false for a tool no grant covers.
func GrantsFor(tool string) ([]string, bool) {
	g, ok := toolGrants[tool]
	return g, ok
}

// The tools of this file.
const (
	toolListOrders         = "list_orders"
	toolListMandates       = "list_mandates"
	toolFindByKey          = "find_by_key"
	toolCancelSubscription = "cancel_subscription"
	toolRefundPayment      = "refund_payment"
)

// scope is the receiving middleware that checks every tool call's grants
// and the ids it names.
func (s *Server) scope(next sdk.MethodHandler) sdk.MethodHandler {
	return func(ctx context.Context, method string, req sdk.Request) (sdk.Result, error) {
		call, ok := req.(*sdk.CallToolRequest)
		if method != "tools/call" || !ok || call.Params == nil {
			return next(ctx, method, req)
		}
		if err := s.allowed(ctx, call); err != nil {
			e := wallet.AsError(err)
			if e.Code == wallet.EINTERNAL {
				s.Logger.Error("scope a tool call", "tool", call.Params.Name, "err", err)
			}
			r := &sdk.CallToolResult{StructuredContent: map[string]any{"code": e.Code, "message": e.Message,
				"retryable": e.Retryable}}
			r.SetError(e)
			return r, nil
		}
		return next(ctx, method, req)
	}
}

// allowed checks that the calling agent holds a grant the tool needs and
// made every order, mandate and charge the call names.
func (s *Server) allowed(ctx context.Context, call *sdk.CallToolRequest) error {
	extra := call.GetExtra()
	if extra == nil || extra.TokenInfo == nil || extra.TokenInfo.UserID == "" {
		return wallet.Errorf(wallet.EUNAUTHORIZED, "An agent token is required.")
	}
	ag := extra.TokenInfo.UserID
	d, err := s.Hub.DB.Device(ctx, ag)
	if err != nil || d.Scope != wallet.ScopeAgent {
		if err == nil || wallet.ErrorCode(err) == wallet.ENOTFOUND {
			return wallet.Errorf(wallet.EUNAUTHORIZED, "Agent %s is not paired, or was revoked.", ag)
		}
		return err
	}
	name := call.Params.Name
	need, ok := toolGrants[name]
	if !ok {
		return wallet.Errorf(wallet.EUNAUTHORIZED, "No grant covers the tool %q.", name)
	}
	if granted(d, need) {
		return s.owns(ctx, ag, d.Created, call.Params.Arguments)
	}
	return wallet.Errorf(wallet.EUNAUTHORIZED, "This agent was not granted %s; the person can grant it with "+
		"voicepay agent add %s --allow %s.", need[0], ag, need[0])
}

func granted(d *wallet.Device, need []string) bool {
	if len(need) == 0 {
		return true
	}
	for _, g := range need {
		if d.Granted(g) {
			return true
		}
	}
	return false
}

// owns checks the ids a call's arguments name: an order or mandate that
// exists must be the agent's, made since its pairing, else the call is
// not_found. An id of nothing is left to the tool, which says not_found
// too, after it has checked the rest of the arguments; so are arguments
// that are not ids.
func (s *Server) owns(ctx context.Context, ag string, since time.Time, args json.RawMessage) error {
	var named map[string]json.RawMessage
	if len(args) == 0 || json.Unmarshal(args, &named) != nil {
		return nil
	}
	id := func(key string) uint64 {
		n, _ := strconv.ParseUint(string(bytes.TrimSpace(named[key])), 10, 64)
		return n
	}
	if n := id("order_id"); n > 0 {
		o, err := s.Hub.DB.Order(ctx, n)
		switch {
		case err == nil && (o.Agent != ag || o.Created.Before(since)):
			return wallet.Errorf(wallet.ENOTFOUND, "There is no order %d of this agent.", n)
		case err != nil && wallet.ErrorCode(err) != wallet.ENOTFOUND:
			return err
		}
	}
	for _, key := range []string{"subscription_id", "mandate_id"} {
		n := id(key)
		if n == 0 {
			continue
		}
		m, err := s.Hub.DB.Mandate(ctx, n)
		switch {
		case err == nil && (m.Agent != ag || m.Created.Before(since)):
			return wallet.Errorf(wallet.ENOTFOUND, "There is no subscription or tip allowance %d of this agent.", n)
		case err != nil && wallet.ErrorCode(err) != wallet.ENOTFOUND:
			return err
		}
	}
	if n := id("charge_id"); n > 0 {
		if _, _, err := s.Hub.DB.AgentCharge(ctx, ag, since, n); err != nil {
			return err
		}
	}
	return nil
}

// pairing returns the calling agent and when it was paired: what it sees
// begins then.
func (s *Server) pairing(ctx context.Context, req *sdk.CallToolRequest) (string, time.Time, error) {
	ag, err := agentOf(req)
	if err != nil {
		return "", time.Time{}, err
	}
	d, err := s.Hub.DB.Device(ctx, ag)
	if err != nil {
		return ag, time.Time{}, s.fail("pairing", ag, err)
	}
	return ag, d.Created, nil
}

// ListOrdersIn is what list_orders takes.
type ListOrdersIn struct {
	State string `json:"state,omitempty" jsonschema:"only orders in this state: drafted, confirmed, paid, cancelled or expired"`
	Limit int    `json:"limit,omitempty" jsonschema:"how many, newest first; default 20, at most 100"`
}

// OrderList is what list_orders returns.
type OrderList struct {
	Orders []*Order `json:"orders"`
}

// ListMandatesIn is what list_mandates takes.
type ListMandatesIn struct {
	Kind  string `json:"kind,omitempty" jsonschema:"only of this kind: tip or subscription"`
	State string `json:"state,omitempty" jsonschema:"only in this state: proposed, active, exhausted, expired, revoked or declined"`
	Limit int    `json:"limit,omitempty" jsonschema:"how many, newest first; default 20, at most 100"`
}

// MandateList is what list_mandates returns.
type MandateList struct {
	Mandates []*Mandate `json:"mandates"`
}

// FindByKeyIn is what find_by_key takes.
type FindByKeyIn struct {
	IdempotencyKey string `json:"idempotency_key" jsonschema:"the idempotency_key this agent gave the call it wants the outcome of"`
}

// Found is what find_by_key returns: one of order, subscription (a
// mandate), charge (with its mandate) or refund.
type Found struct {
	Kind         string   `json:"kind" jsonschema:"order, subscription (a subscription or tip allowance), charge or refund"`
	Order        *Order   `json:"order,omitempty" jsonschema:"the order, as it stands now"`
	Subscription *Mandate `json:"subscription,omitempty" jsonschema:"the subscription or tip allowance, as it stands now"`
	Charge       *Charge  `json:"charge,omitempty" jsonschema:"the charge the key made"`
	Blocked      string   `json:"blocked,omitempty" jsonschema:"why risk control refused the charge the key asked for, when it did"`
	Refund       *Refund  `json:"refund,omitempty"`
}

// CancelSubscriptionIn is what cancel_subscription takes.
type CancelSubscriptionIn struct {
	MandateID      uint64 `json:"mandate_id" jsonschema:"the id of the subscription or tip allowance, as propose_subscription or request_tip returned it"`
	IdempotencyKey string `json:"idempotency_key" jsonschema:"unique per cancellation; a retry with the same key cancels once"`
}

// RefundIn is what refund_payment takes.
type RefundIn struct {
	OrderID        uint64 `json:"order_id,omitempty" jsonschema:"a paid order this agent proposed; give order_id or charge_id"`
	ChargeID       uint64 `json:"charge_id,omitempty" jsonschema:"a charge under a subscription or tip allowance of this agent; give order_id or charge_id"`
	Amount         int64  `json:"amount,omitempty" jsonschema:"minor units to give back; default all that is left of the payment"`
	Reason         string `json:"reason,omitempty" jsonschema:"why, shown to the person"`
	IdempotencyKey string `json:"idempotency_key" jsonschema:"unique per refund; a retry with the same key refunds once"`
}

// Refund is money given back to the person.
type Refund struct {
	ID       uint64    `json:"id"`
	Payment  string    `json:"payment" jsonschema:"what was refunded: order:ID or charge:ID"`
	Amount   int64     `json:"amount" jsonschema:"minor units given back by this refund"`
	Paid     int64     `json:"paid" jsonschema:"what the payment paid, minor units"`
	Refunded int64     `json:"refunded" jsonschema:"of it refunded so far, this refund included, minor units"`
	Currency string    `json:"currency"`
	Reason   string    `json:"reason,omitempty"`
	Transfer uint64    `json:"transfer" jsonschema:"the ledger transfer from the payee back to the person"`
	To       string    `json:"to,omitempty" jsonschema:"the account paid back when not the person's: the compensation fund, which had already paid the person back on a claim"`
	Time     time.Time `json:"time"`
	Receipt  string    `json:"receipt" jsonschema:"the wallet's Ed25519 signature over the refund, base64"`
}

func viewRefund(r *wallet.Refund) *Refund {
	return &Refund{ID: r.ID, Payment: r.Payment, Amount: r.Amount, Paid: r.Paid, Refunded: r.Refunded,
		Currency: r.Currency, Reason: r.Reason, Transfer: r.Transfer, To: r.To, Time: r.Time, Receipt: r.Signature}
}

// defaultList is how many a list tool returns when the agent does not
// say; maxListLimit the most.
const defaultList = 20

func listLimit(n int) (int, error) {
	switch {
	case n == 0:
		return defaultList, nil
	case n < 0 || n > maxListLimit:
		return 0, wallet.Errorf(wallet.EINVALID, "limit is from 1 to %d, not %d.", maxListLimit, n)
	}
	return n, nil
}

// orderStates and mandateStates are the states the list tools filter by.
var (
	orderStates   = []string{string(wallet.Drafted), string(wallet.Confirmed), string(wallet.Paid), string(wallet.Cancelled), string(wallet.Expired)}
	mandateStates = []string{string(wallet.MandateProposed), string(wallet.MandateActive), string(wallet.MandateExhausted),
		string(wallet.MandateExpired), string(wallet.MandateRevoked), string(wallet.MandateDeclined)}
	mandateKinds = []string{string(wallet.MandateTip), string(wallet.MandateSubscription)}
)

func oneOf(what, v string, allowed []string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return wallet.Errorf(wallet.EINVALID, "%s is one of %s, not %q.", what, strings.Join(allowed, ", "), v)
}

// addAgentTools adds the tools of this file, and the scope middleware that
// every tool call passes.
func (s *Server) addAgentTools() {
	sdk.AddTool(s.mcp, &sdk.Tool{Name: toolListOrders, Title: "List this agent's orders",
		Description: "List the orders this agent proposed, newest first, optionally only those in one state " +
			"(drafted, confirmed, paid, cancelled or expired); limit 1 to 100, default 20. Orders of other " +
			"agents, the person's own, and those of an earlier pairing of this agent's name are never listed." +
			personConfirms,
		InputSchema: listOrdersSchema(),
		Annotations: hints(true, false, true)}, s.listOrders)
	sdk.AddTool(s.mcp, &sdk.Tool{Name: toolListMandates, Title: "List this agent's subscriptions and tip allowances",
		Description: "List the subscriptions and tip allowances this agent proposed, newest first, optionally " +
			"only of one kind (tip or subscription) or in one state (proposed, active, exhausted, expired, " +
			"revoked or declined); limit 1 to 100, default 20." + personConfirms,
		InputSchema: listMandatesSchema(),
		Annotations: hints(true, false, true)}, s.listMandates)
	sdk.AddTool(s.mcp, &sdk.Tool{Name: toolFindByKey, Title: "Find a request by its idempotency key",
		Description: "Find what this agent made with one of its idempotency keys, as a merchant queries by its " +
			"own order number: the order (create_order), the subscription or tip allowance (propose_subscription, " +
			"request_tip, cancel_subscription), the charge (record_usage, or a tip paid under an allowance) or " +
			"the refund (refund_payment), as it stands now. Use it to recover after a lost answer instead of " +
			"calling again with a new key. Keys are remembered for 24 hours; after that, or for a key never " +
			"used, the answer is not_found." + personConfirms,
		InputSchema: findByKeySchema(),
		Annotations: hints(true, false, true)}, s.findByKey)
	sdk.AddTool(s.mcp, &sdk.Tool{Name: toolCancelSubscription, Title: "End this agent's subscription",
		Description: "End a subscription or tip allowance this agent proposed: a proposal is withdrawn " +
			"(declined), an approved one revoked, and nothing more can be charged under it. The person is " +
			"not asked; they can always end it themselves. One already ended is returned as it is." + personConfirms,
		InputSchema: cancelSubscriptionSchema(),
		Annotations: hints(false, true, true)}, s.cancelSubscription)
	sdk.AddTool(s.mcp, &sdk.Tool{Name: toolRefundPayment, Title: "Refund a payment",
		Description: "Give money back to the person, all or part of one payment this agent was paid: a paid " +
			"order it proposed (order_id) or a charge under one of its subscriptions or tip allowances " +
			"(charge_id). The payee returns the amount (default: all that is left) to the person's wallet " +
			"through the ledger, with a signed receipt, and the person's history shows it. Refunds of one " +
			"payment never add up to more than it paid. Money only moves toward the person." + personConfirms,
		InputSchema: refundSchema(),
		Annotations: hints(false, false, true)}, s.refundPayment)
	s.mcp.AddReceivingMiddleware(s.scope)
}

func (s *Server) listOrders(ctx context.Context, req *sdk.CallToolRequest, in ListOrdersIn) (*sdk.CallToolResult, *OrderList, error) {
	ag, since, err := s.pairing(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	limit, err := listLimit(in.Limit)
	if err != nil {
		return nil, nil, err
	}
	if in.State != "" {
		if err := oneOf("state", in.State, orderStates); err != nil {
			return nil, nil, err
		}
	}
	os, err := s.Hub.DB.FindOrders(ctx, wallet.OrderFilter{Agent: ag, Since: since, State: wallet.OrderState(in.State),
		Newest: true, Limit: limit})
	if err != nil {
		return nil, nil, s.fail(toolListOrders, ag, err)
	}
	out := &OrderList{Orders: make([]*Order, 0, len(os))}
	var b strings.Builder
	fmt.Fprintf(&b, "%s, newest first.", counted(len(os), "order", "orders"))
	now := s.now()
	for _, o := range os {
		v := viewOrder(o, now)
		out.Orders = append(out.Orders, v)
		b.WriteString("\n" + v.summary())
	}
	return text(b.String()), out, nil
}

func (s *Server) listMandates(ctx context.Context, req *sdk.CallToolRequest, in ListMandatesIn) (*sdk.CallToolResult, *MandateList, error) {
	ag, since, err := s.pairing(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	limit, err := listLimit(in.Limit)
	if err != nil {
		return nil, nil, err
	}
	f := wallet.MandateFilter{Agent: ag, Since: since, Kind: wallet.MandateKind(in.Kind), Newest: true, Limit: limit}
	if in.Kind != "" {
		if err := oneOf("kind", in.Kind, mandateKinds); err != nil {
			return nil, nil, err
		}
	}
	if in.State != "" {
		if err := oneOf("state", in.State, mandateStates); err != nil {
			return nil, nil, err
		}
		f.States = []wallet.MandateState{wallet.MandateState(in.State)}
	}
	ms, err := s.Hub.DB.FindMandates(ctx, f)
	if err != nil {
		return nil, nil, s.fail(toolListMandates, ag, err)
	}
	out := &MandateList{Mandates: make([]*Mandate, 0, len(ms))}
	var b strings.Builder
	fmt.Fprintf(&b, "%s, newest first.", counted(len(ms), "subscription or tip allowance", "subscriptions and tip allowances"))
	for _, m := range ms {
		v := viewMandate(m)
		out.Mandates = append(out.Mandates, v)
		b.WriteString("\n" + v.summary())
	}
	return text(b.String()), out, nil
}

func (s *Server) findByKey(ctx context.Context, req *sdk.CallToolRequest, in FindByKeyIn) (*sdk.CallToolResult, *Found, error) {
	ag, since, err := s.pairing(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	if err := needKey(in.IdempotencyKey); err != nil {
		return nil, nil, err
	}
	r, err := s.Hub.DB.FindAgentKey(ctx, ag, since, in.IdempotencyKey)
	if err != nil {
		return nil, nil, s.fail(toolFindByKey, ag, err)
	}
	out := &Found{}
	switch {
	case r.Order != nil:
		out.Kind, out.Order = "order", viewOrder(r.Order, s.now())
		return text(out.Order.summary()), out, nil
	case r.Refund != nil:
		out.Kind, out.Refund = "refund", viewRefund(r.Refund)
		return text(fmt.Sprintf("Refund %d of %s: %s.", r.Refund.ID, r.Refund.Payment,
			agent.Money(r.Refund.Amount, r.Refund.Currency))), out, nil
	case r.Charge != nil:
		out.Kind, out.Charge, out.Subscription = "charge", viewCharge(r.Charge), viewMandate(r.Mandate)
		if r.Charge.Decision.Action == wallet.ActionBlock {
			out.Blocked = "risk control refused it: " + strings.Join(r.Charge.Decision.Reasons, "; ")
			return text("Risk control refused that charge; nothing was charged. " + out.Subscription.summary()), out, nil
		}
		return text(fmt.Sprintf("Charge %d: %s. %s", r.Charge.ID, agent.Money(r.Charge.Amount, r.Mandate.Currency),
			out.Subscription.summary())), out, nil
	}
	out.Kind, out.Subscription = "subscription", viewMandate(r.Mandate)
	return text(out.Subscription.summary()), out, nil
}

func (s *Server) cancelSubscription(ctx context.Context, req *sdk.CallToolRequest, in CancelSubscriptionIn) (*sdk.CallToolResult, *Mandate, error) {
	ag, err := agentOf(req)
	if err != nil {
		return nil, nil, err
	}
	if err := needKey(in.IdempotencyKey); err != nil {
		return nil, nil, err
	}
	m, err := s.Hub.EndAgentMandate(ctx, ag, in.IdempotencyKey, in.MandateID)
	if err != nil {
		return nil, nil, s.fail(toolCancelSubscription, ag, err)
	}
	v := viewMandate(m)
	return text("Ended. " + v.summary()), v, nil
}

func (s *Server) refundPayment(ctx context.Context, req *sdk.CallToolRequest, in RefundIn) (*sdk.CallToolResult, *Refund, error) {
	ag, err := agentOf(req)
	if err != nil {
		return nil, nil, err
	}
	if err := needKey(in.IdempotencyKey); err != nil {
		return nil, nil, err
	}
	r, err := s.Hub.RefundPayment(ctx, ag, in.IdempotencyKey, wallet.RefundRequest{
		OrderID: in.OrderID, ChargeID: in.ChargeID, Amount: in.Amount, Reason: in.Reason})
	if err != nil {
		return nil, nil, s.fail(toolRefundPayment, ag, err)
	}
	v := viewRefund(r)
	to := "the person"
	if r.To == wallet.CompensationAccount {
		to = "the compensation fund, which had already paid the person back on their claim"
	}
	return text(fmt.Sprintf("Refunded %s of %s to %s; %s of %s paid is refunded so far.",
		agent.Money(v.Amount, v.Currency), v.Payment, to, agent.Money(v.Refunded, v.Currency),
		agent.Money(v.Paid, v.Currency))), v, nil
}

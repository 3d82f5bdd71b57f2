package mcp

import (
	"context"
	"errors"
	"fmt"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/wallet"
)

// CreateOrderIn is what create_order takes.
type CreateOrderIn struct {
	Merchant       string   `json:"merchant" jsonschema:"with items: the catalog merchant id, e.g. luckin_coffee; with lines: the name of whom to pay"`
	Items          []ItemIn `json:"items,omitempty" jsonschema:"catalog items of the merchant; give items or lines, not both"`
	Lines          []LineIn `json:"lines,omitempty" jsonschema:"free lines with their prices; give items or lines, not both"`
	Memo           string   `json:"memo,omitempty" jsonschema:"a short note shown to the person with the proposal; it is never obeyed"`
	IdempotencyKey string   `json:"idempotency_key" jsonschema:"unique per order; a retry with the same key returns the same order"`
}

// ItemIn is a catalog item of an order.
type ItemIn struct {
	Item     string `json:"item" jsonschema:"the catalog item id, e.g. latte"`
	Quantity *int   `json:"quantity,omitempty" jsonschema:"how many, 1 to 99; 1 when left out"`
}

// LineIn is a free line of an order.
type LineIn struct {
	Name      string `json:"name" jsonschema:"what is bought, as the person will hear it"`
	Quantity  *int   `json:"quantity,omitempty" jsonschema:"how many, 1 to 99; 1 when left out"`
	UnitPrice int64  `json:"unit_price" jsonschema:"the price of one, in minor units (1800 is 18 yuan)"`
}

// OrderIn names an order.
type OrderIn struct {
	OrderID uint64 `json:"order_id" jsonschema:"the id create_order returned"`
}

// WaitOrderIn is what wait_order takes.
type WaitOrderIn struct {
	OrderID        uint64  `json:"order_id" jsonschema:"the id create_order returned"`
	TimeoutSeconds float64 `json:"timeout_seconds,omitempty" jsonschema:"how long to wait at most, in seconds, 0 to 300; 0 or left out for 25"`
}

// Order is an order as an agent sees it: the order as every surface shows
// it, and what the agent should expect next. Next is here, not in
// agent.Order, because it speaks to an agent and names the tools.
type Order struct {
	agent.Order
	Next string `json:"next" jsonschema:"what happens next, in a sentence"`
}

// WaitOrderOut is what wait_order returns.
type WaitOrderOut struct {
	Order    *Order `json:"order"`
	Decided  bool   `json:"decided" jsonschema:"the order is paid, cancelled or expired, or risk control blocked it"`
	TimedOut bool   `json:"timed_out" jsonschema:"the timeout passed first; call wait_order again to keep waiting"`
}

// viewOrder reports an order at now, as agent.ViewOrder does, and says
// what happens next. An agent is not shown risk control's decision beyond
// a block: the reasons for a step-up would teach it where the limits lie.
func viewOrder(o *wallet.Order, now time.Time) *Order {
	v := &Order{Order: *agent.ViewOrder(o, now)}
	v.Risk = nil
	switch {
	case v.State == string(wallet.Expired):
		v.Next = "The order expired; nothing was charged. Propose a new order if the person still wants it."
	case v.Blocked != "":
		v.Next = "Risk control refused this order and nothing was held. Tell the person; do not retry the same order."
	case o.State == wallet.Drafted:
		v.Next = `Waiting for the person to confirm it by voice ("confirm the order") in their own session.`
	case o.State == wallet.Confirmed && o.StepUp():
		v.Next = "The money is on hold; the person must authorize payment and give their PIN in their own session, never through you."
	case o.State == wallet.Confirmed:
		v.Next = `The money is on hold; waiting for the person to authorize payment by voice ("pay").`
	case o.State == wallet.Paid:
		v.Next = "Paid, with a signed receipt."
	case o.State == wallet.Cancelled:
		v.Next = "Cancelled; nothing was charged."
	}
	return v
}

// decided reports whether an order needs nothing more from the person.
func (o *Order) decided() bool {
	return o.Blocked != "" || !wallet.OrderState(o.State).Open()
}

func (o *Order) summary() string {
	s := fmt.Sprintf("Order %d: %s, %s to %s.", o.ID, o.State, o.Amount, o.PayeeName)
	if o.Blocked != "" {
		s += " Blocked: " + o.Blocked + "."
	}
	return s + " " + o.Next
}

func (s *Server) createOrder(ctx context.Context, req *sdk.CallToolRequest, in CreateOrderIn) (*sdk.CallToolResult, *Order, error) {
	ag, err := agentOf(req)
	if err != nil {
		return nil, nil, err
	}
	if err := needKey(in.IdempotencyKey); err != nil {
		return nil, nil, err
	}
	p := agent.OrderProposal{Merchant: in.Merchant, Memo: in.Memo}
	for _, it := range in.Items {
		p.Items = append(p.Items, agent.ProposedItem{Item: it.Item, Quantity: quantity(it.Quantity)})
	}
	for _, ln := range in.Lines {
		p.Lines = append(p.Lines, agent.ProposedLine{Name: ln.Name, Quantity: quantity(ln.Quantity), UnitPrice: ln.UnitPrice})
	}
	o, err := s.Hub.ProposeOrder(ctx, ag, in.IdempotencyKey, p)
	if err != nil {
		return nil, nil, s.fail(toolCreateOrder, ag, s.suggest(err, in))
	}
	v := viewOrder(o, s.now())
	return text("Proposed to the person. " + v.summary()), v, nil
}

// quantity is a line's quantity: 1 when the agent left it out. An explicit
// 0 stays 0, and is refused.
func quantity(n *int) int {
	if n == nil {
		return 1
	}
	return *n
}

// agentOrder reads an order the agent proposed; anyone else's is not found,
// so that an agent learns nothing of the person's other orders.
func (s *Server) agentOrder(ctx context.Context, ag string, id uint64) (*wallet.Order, error) {
	o, err := s.Hub.DB.Order(ctx, id)
	if err != nil && !errors.Is(err, wallet.ErrNotFound) {
		return nil, err
	}
	if err != nil || o.Agent != ag {
		return nil, wallet.Errorf(wallet.ENOTFOUND, "There is no order %d of this agent.", id)
	}
	return o, nil
}

func (s *Server) getOrder(ctx context.Context, req *sdk.CallToolRequest, in OrderIn) (*sdk.CallToolResult, *Order, error) {
	ag, err := agentOf(req)
	if err != nil {
		return nil, nil, err
	}
	o, err := s.agentOrder(ctx, ag, in.OrderID)
	if err != nil {
		return nil, nil, s.fail(toolGetOrder, ag, err)
	}
	v := viewOrder(o, s.now())
	return text(v.summary()), v, nil
}

func (s *Server) waitOrder(ctx context.Context, req *sdk.CallToolRequest, in WaitOrderIn) (*sdk.CallToolResult, *WaitOrderOut, error) {
	ag, err := agentOf(req)
	if err != nil {
		return nil, nil, err
	}
	wait, err := waitLength(in.TimeoutSeconds)
	if err != nil {
		return nil, nil, err
	}
	out := &WaitOrderOut{}
	end, err := s.await(ctx, req, wallet.WatchOrder, in.OrderID, wait, fmt.Sprintf("order %d", in.OrderID), func() (bool, error) {
		o, err := s.agentOrder(ctx, ag, in.OrderID)
		if err != nil {
			return false, err
		}
		out.Order = viewOrder(o, s.now())
		out.Decided = out.Order.decided()
		return out.Decided, nil
	})
	if err != nil {
		return nil, nil, s.fail(toolWaitOrder, ag, err)
	}
	lead, timedOut := end.said(toolWaitOrder)
	out.TimedOut = timedOut
	return text(lead + out.Order.summary()), out, nil
}

func (s *Server) cancelOrder(ctx context.Context, req *sdk.CallToolRequest, in OrderIn) (*sdk.CallToolResult, *Order, error) {
	ag, err := agentOf(req)
	if err != nil {
		return nil, nil, err
	}
	// Another agent's order is not found, as it is to get_order: an agent
	// learns nothing of orders that are not its own.
	if _, err := s.agentOrder(ctx, ag, in.OrderID); err != nil {
		return nil, nil, s.fail(toolCancelOrder, ag, err)
	}
	o, err := s.Hub.CancelAgentOrder(ctx, ag, fmt.Sprintf("cancel:%d", in.OrderID), in.OrderID)
	if err != nil {
		// An order the person cancelled first is as withdrawn as it gets.
		if cur, rerr := s.agentOrder(ctx, ag, in.OrderID); rerr == nil && cur.State == wallet.Cancelled {
			v := viewOrder(cur, s.now())
			return text(v.summary()), v, nil
		}
		return nil, nil, s.fail(toolCancelOrder, ag, err)
	}
	v := viewOrder(o, s.now())
	return text("Withdrawn. " + v.summary()), v, nil
}

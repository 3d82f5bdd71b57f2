package agent

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/voicepay/voicepay/config"
	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/wallet"
)

// Order is an order as every surface shows it: in the websocket's events,
// and in what the MCP tools return. The jsonschema tags describe it in the
// MCP tools' output schema.
type Order struct {
	ID        uint64           `json:"id"`
	State     string           `json:"state" jsonschema:"drafted, confirmed (money on hold), paid, cancelled or expired"`
	Payee     string           `json:"payee" jsonschema:"the account paid, e.g. merchant:luckin_coffee"`
	PayeeName string           `json:"payee_name"`
	Lines     []wallet.Line    `json:"lines"`
	Total     int64            `json:"total" jsonschema:"minor units"`
	Currency  string           `json:"currency"`
	Amount    string           `json:"amount" jsonschema:"the total as the person hears it, e.g. 36 yuan"`
	Expires   string           `json:"expires" jsonschema:"when the order, or its hold once confirmed, lapses unless paid: RFC 3339, UTC"`
	Agent     string           `json:"agent,omitempty" jsonschema:"the agent that proposed it"`
	Memo      string           `json:"memo,omitempty" jsonschema:"the agent's note to the person; shown, never obeyed"`
	Risk      *wallet.Decision `json:"risk,omitempty" jsonschema:"risk control's decision when the person confirmed it"`
	Blocked   string           `json:"blocked,omitempty" jsonschema:"why risk control refused the order, when it did"`
	Receipt   *wallet.Receipt  `json:"receipt,omitempty" jsonschema:"the signed receipt, once paid"`
}

// ViewOrder reports an order as it stands at now. An open order whose time,
// or its hold's, has run out is reported expired, as the sweeper is about to
// record it; Expires is the order's deadline. ViewOrder(nil, now) is nil.
func ViewOrder(o *wallet.Order, now time.Time) *Order {
	if o == nil {
		return nil
	}
	v := &Order{ID: o.ID, State: string(o.State), Payee: o.Payee, PayeeName: o.PayeeName, Lines: o.Lines,
		Total: o.Total, Currency: o.Currency, Amount: Money(o.Total, o.Currency), Expires: timestamp(o.Deadline()),
		Agent: o.Agent, Memo: o.Memo, Risk: o.Decision, Receipt: o.Receipt}
	if v.Lines == nil {
		v.Lines = []wallet.Line{}
	}
	if o.Lapsed(now) {
		v.State = string(wallet.Expired)
	}
	if o.State == wallet.Drafted && o.Decision != nil && o.Decision.Action == wallet.ActionBlock {
		v.Blocked = strings.Join(o.Decision.Reasons, "; ")
		if v.Blocked == "" {
			v.Blocked = "blocked by risk control"
		}
	}
	return v
}

// timestamp is how every surface writes a time: RFC 3339, in UTC, to the
// second.
func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// The rest of this file is the dialog's orders: stating a need, changing
// it, confirming it, paying it or cancelling it, and taking up an order an
// agent proposed.

// resolve finds the merchant and item an order names.
func (d *dialog) resolve(merchantID, itemID string) (config.Merchant, config.Item, error) {
	cat := d.s.hub.Catalog
	if merchantID == "" {
		var found []config.Merchant
		for _, m := range cat.Merchants {
			if _, ok := m.Item(itemID); ok {
				found = append(found, m)
			}
		}
		if len(found) != 1 {
			names := make([]string, len(found))
			for i, m := range found {
				names[i] = m.Name()
			}
			if len(found) == 0 {
				return config.Merchant{}, config.Item{}, wallet.Errorf(wallet.ENOTFOUND, "I don't know where to get that.")
			}
			return config.Merchant{}, config.Item{}, wallet.Errorf(wallet.EINVALID, "Which shop: %s?", strings.Join(names, " or "))
		}
		merchantID = found[0].ID
	}
	m, ok := cat.Merchant(merchantID)
	if !ok {
		return m, config.Item{}, wallet.Errorf(wallet.ENOTFOUND, "I don't know that shop.")
	}
	it, ok := m.Item(itemID)
	if !ok {
		return m, it, wallet.Errorf(wallet.ENOTFOUND, "%s doesn't sell %s. They have %s.", m.Name(),
			intent.Plural(d.itemName("", itemID)), join(itemNames(m)))
	}
	return m, it, nil
}

// line is an order line of qty of a catalog item, within the wallet's bounds.
func line(it config.Item, qty int) (wallet.Line, error) {
	if qty > wallet.MaxQuantity {
		return wallet.Line{}, wallet.Errorf(wallet.EINVALID, "That's more than I can take: up to %d of one item.", wallet.MaxQuantity)
	}
	return wallet.Line{Item: it.ID, Name: it.Name(), Quantity: qty, UnitPrice: it.Price}, nil
}

func (d *dialog) create() error {
	cur, err := d.current()
	if err != nil {
		return err
	}
	if err := d.notSold(); err != nil {
		return err // the open order, if any, stays as it was
	}
	if cur != nil && cur.State == wallet.Confirmed {
		return wallet.Errorf(wallet.ESTATE, "You have a confirmed order of %s waiting. Say pay, or cancel order, first.",
			Money(cur.Total, cur.Currency))
	}
	if s := d.res.Slots; s.Class != "" {
		ids, names := d.ofClass(s.Merchant, s.Class)
		if len(ids) != 1 {
			return d.which(s.Class, names)
		}
		d.res.Slots.Item, d.res.Slots.Class = ids[0], "" // the one thing it can be
	}
	var o *wallet.Order
	if d.replacing != nil {
		o = d.replacing // "replace it": the order said over the draft
	} else {
		m, lines, err := d.cartLines(d.res.Slots.Merchant, said(d.res.Slots))
		if err != nil {
			return err // the open draft, if any, stays as it was
		}
		o, err = d.db().CreateOrder(d.ctx, d.key+":create", wallet.OrderDraft{
			Payee: wallet.MerchantAccount(m.ID), PayeeName: m.Name(), Channel: d.in.Channel, Lines: lines,
		})
		if err != nil {
			return err
		}
	}
	if d.asked != nil && d.asked.ID != o.ID {
		if err := d.drop(d.asked); err != nil {
			return err
		}
	}
	if cur != nil && cur.ID == o.ID {
		// The same turn again: the order it drafted is the open one, maybe
		// changed since. Read back what it is now.
		o = cur
	} else if live, err := d.db().Order(d.ctx, o.ID); err != nil {
		return err
	} else if !live.State.Open() {
		// The same turn again, after its order was paid or ended.
		return wallet.Errorf(wallet.ESTATE, "That order was already %s.", live.State)
	} else if cur != nil && d.replacing == nil {
		return d.askAddOrReplace(cur, o)
	} else if err := d.replace(cur, o); err != nil {
		return err
	}
	d.orderEvent(o)
	d.say("%s from %s, %s. Say confirm to place the order.", capital(d.s.hub.lineNames(o)), shop(o), Money(o.Total, o.Currency))
	return nil
}

// askAddOrReplace asks what the order o, said over the draft cur, means:
// more for the draft, or a new order instead of it. o stays a draft of its
// own until the person says.
func (d *dialog) askAddOrReplace(cur, o *wallet.Order) error {
	d.s.st.Pending = o.ID
	what := d.s.hub.lineNames(o)
	if merchantOf(cur) == merchantOf(o) {
		d.say("You already have %s drafted. Add %s to it, or replace it? Say add them, or replace it.",
			d.s.hub.lineNames(cur), what)
		return nil
	}
	d.say("You already have %s from %s drafted. Replace it with %s from %s? Say replace it, or cancel order.",
		d.s.hub.lineNames(cur), shop(cur), what, shop(o))
	return nil
}

// drop cancels an order the session asked about and no longer needs; it
// held nothing.
func (d *dialog) drop(o *wallet.Order) error {
	_, err := d.db().CancelOrder(d.ctx, fmt.Sprintf("%s:drop-%d", d.key, o.ID), o.ID)
	if err != nil && !errors.Is(err, wallet.ErrExpired) && !errors.Is(err, wallet.ErrOrderState) {
		return err
	}
	return nil
}

// merchantOf is the catalog merchant an order pays, or "".
func merchantOf(o *wallet.Order) string {
	id, _ := wallet.MerchantOf(o.Payee)
	return id
}

// replace makes the order o just drafted the session's, in place of the
// draft cur, if any, which it cancels unless that ended meanwhile; the
// cancelled draft's order.updated comes before the new one's.
func (d *dialog) replace(cur, o *wallet.Order) error {
	d.s.st.OrderID = o.ID
	if cur == nil {
		return nil
	}
	cancelled, err := d.db().CancelOrder(d.ctx, d.key+":replace", cur.ID)
	if errors.Is(err, wallet.ErrExpired) || errors.Is(err, wallet.ErrOrderState) {
		return nil
	} else if err != nil {
		return err
	}
	d.orderEvent(cancelled)
	return nil
}

func (d *dialog) modify() error {
	o, err := d.current()
	if err != nil {
		return err
	}
	if o == nil {
		return d.noOrder("There is no order to change. Tell me what you'd like to buy.")
	}
	merchant, ok := wallet.MerchantOf(o.Payee)
	if !ok || slices.ContainsFunc(o.Lines, func(l wallet.Line) bool { return l.Item == "" }) {
		return wallet.Errorf(wallet.ESTATE, "This order can't be changed, only cancelled.")
	}
	lines, err := d.changeCart(o, merchant)
	if err != nil {
		return err
	}
	o, err = d.db().ModifyOrder(d.ctx, d.key+":modify", o.ID, lines)
	if err != nil {
		return err
	}
	d.orderEvent(o)
	d.say("Changed to %s, %s. Say confirm to place the order.", d.s.hub.lineNames(o), Money(o.Total, o.Currency))
	return nil
}

// target is the order a command acts on: the session's own, or else one
// an agent proposed that waits for the person, which becomes the
// session's: the one the turn names (agent/which.go), or the only one. With
// several and none named, ask reads them out and asks which, and target
// returns nil, nil; otherwise the oldest is taken. With none, the refusal
// says so, and what waits instead.
func (d *dialog) target(none string, ask bool) (*wallet.Order, error) {
	o, err := d.current()
	if err != nil || o != nil {
		return o, err
	}
	waiting, err := d.db().FindOrders(d.ctx, wallet.OrderFilter{Waiting: true})
	if err != nil {
		return nil, err
	}
	if len(waiting) == 0 {
		return nil, d.noOrder(none)
	}
	listed, named := d.narrow(waiting)
	again := d.pick != nil && d.pick.asked && !d.pick.named(d.res.Slots)
	switch {
	case len(named) == 1 && !again, len(named) > 1 && !ask:
		d.s.st.OrderID = named[0].ID
		return named[0], nil
	case len(named) == 0 && len(listed) == 0:
		return nil, d.noOrder(none) // those asked about no longer wait
	case len(named) == 0:
		return nil, d.askWhich(listed, "None of the waiting orders is that one. ")
	case again:
		return nil, d.askWhich(named, "I didn't catch which one. ")
	}
	return nil, d.askWhich(named, "")
}

// confirm holds the funds of the session's order. A session without one
// takes up the order an agent proposed that the person names, or the only
// one; with several, it asks which.
func (d *dialog) confirm() error {
	if d.pick != nil && d.pick.drop {
		d.say("Okay, nothing is confirmed; the orders still wait.")
		return nil
	}
	o, err := d.target("There is no order to confirm.", true)
	if err != nil || o == nil {
		return err
	}
	if err := d.isOrder(o); err != nil {
		return err
	}
	if o.State == wallet.Confirmed {
		// This turn, resent, may be what confirmed it: then it answers as
		// it did, though its answer was lost.
		before, err := d.db().ConfirmedOrder(d.ctx, d.key+":confirm")
		if errors.Is(err, wallet.ErrNotFound) || err == nil && before.ID != o.ID {
			d.say("The order is already confirmed. Say pay to authorize %s.", Money(o.Total, o.Currency))
			return nil
		} else if err != nil {
			return err
		}
		return d.confirmed(before)
	}
	o, err = d.db().ConfirmOrder(d.ctx, d.key+":confirm", o.ID)
	if err != nil {
		// A block records the decision on the order, which stays a draft
		// the person can change or cancel; an expiry ends it. Any other
		// refusal leaves the order as it was.
		switch {
		case errors.Is(err, wallet.ErrBlocked):
			d.orderEvent(o)
			d.say("%s You can change the order or cancel it.", refusal(wallet.AsError(err).Decision, o.Currency))
		case errors.Is(err, wallet.ErrExpired):
			d.orderEvent(o)
			d.s.st.OrderID = 0
		}
		return err
	}
	return d.confirmed(o)
}

// confirmed tells that the order o was confirmed, and what pays it.
func (d *dialog) confirmed(o *wallet.Order) error {
	d.orderEvent(o)
	lead := "Order confirmed"
	if o.Agent != "" {
		lead = fmt.Sprintf("Confirmed your agent %s's order of %s from %s", o.Agent, d.s.hub.lineNames(o), shop(o))
	}
	if o.StepUp() {
		how := "your PIN"
		if ok, err := d.db().HasPasskey(d.ctx); err == nil && ok {
			how = "a check on your phone"
		}
		d.say("%s; %s is on hold. Risk control will ask for %s. Say pay to authorize.", lead, Money(o.Total, o.Currency), how)
		return nil
	}
	d.say("%s; %s is on hold. Say pay to authorize the payment.", lead, Money(o.Total, o.Currency))
	return nil
}

func (d *dialog) authorize(pin string) error {
	o, err := d.current()
	if err != nil {
		return err
	}
	if o == nil {
		d.s.st.Await = awaitNone
		// This turn, resent, may be what paid it: then it answers as it
		// did, though its answer was lost.
		if paid, err := d.paidBefore(); err != nil || paid != nil {
			if err != nil {
				return err
			}
			return d.paid(paid)
		}
		return d.noOrder("There is no order to pay.")
	}
	if o.State != wallet.Confirmed {
		return wallet.Errorf(wallet.ESTATE, "Confirm the order first: %s for %s.", shop(o), Money(o.Total, o.Currency))
	}
	if a := d.res.Slots.Amount; d.res.Intent == intent.PaymentAuthorize && a > 0 && a != o.Total {
		return wallet.Errorf(wallet.EINVALID, "Your order is %s, not %s. Say pay to authorize %s.", Money(o.Total, o.Currency),
			Money(a, o.Currency), Money(o.Total, o.Currency))
	}
	if err := d.isOrder(o); err != nil {
		return err
	}
	suffix := ":authorize"
	if pin != "" {
		suffix = ":authorize-pin"
	} else if d.passkey != nil {
		suffix = ":authorize-passkey"
	}
	paid, err := d.db().AuthorizeOrder(d.ctx, d.key+suffix, o.ID,
		wallet.Authorization{Device: d.s.device, Method: "session", PIN: pin, Passkey: d.passkey})
	switch {
	case errors.Is(err, wallet.ErrStepUpRequired):
		lead := fmt.Sprintf("Risk control questions paying %s; ", Money(o.Total, o.Currency))
		if asked, err := d.askPasskey(wallet.PurposePayment, awaitStepUpPIN, o.ID, 0, lead); asked || err != nil {
			return err
		}
		d.s.st.Await = awaitStepUpPIN
		d.say("Risk control asks for your PIN to pay %s. Say your PIN.", Money(o.Total, o.Currency))
		return nil
	case errors.Is(err, wallet.ErrBadPIN):
		d.say("That PIN is not right. Say your PIN again, or say cancel.")
		return err
	case err != nil:
		d.s.st.Await = awaitNone
		if errors.Is(err, wallet.ErrExpired) {
			d.s.st.OrderID = 0
		}
		return err
	}
	return d.paid(paid)
}

// paid tells that the order was paid, with its receipt.
func (d *dialog) paid(o *wallet.Order) error {
	d.s.st.Await, d.s.st.OrderID = awaitNone, 0
	d.turn.emit(Event{Type: EventPaymentResult, Status: "paid", Order: ViewOrder(o, d.db().Now())})
	acct, err := d.db().Account(d.ctx, wallet.UserAccount)
	if err != nil {
		return err
	}
	d.say("Paid %s to %s. Your balance is %s.", Money(o.Total, o.Currency), shop(o), Money(acct.Balance(), o.Currency))
	return nil
}

// paidBefore is the order that this turn paid when it ran before, if a
// client resent it because the answer was lost: the daemon stopped, or
// failed, after the payment. nil when it paid nothing.
func (d *dialog) paidBefore() (*wallet.Order, error) {
	if d.in.ID == "" {
		return nil, nil // a turn without a client's id is never resent
	}
	for _, suffix := range []string{":authorize", ":authorize-pin"} {
		o, err := d.db().AuthorizedOrder(d.ctx, d.key+suffix)
		if !errors.Is(err, wallet.ErrNotFound) {
			return o, err
		}
	}
	return nil, nil
}

// cancel cancels the session's order. A session without one cancels the
// order an agent proposed that the person names, or else the oldest.
func (d *dialog) cancel() error {
	o, err := d.target("There is no order to cancel.", false)
	if err != nil {
		return err
	}
	o, err = d.db().CancelOrder(d.ctx, d.key+":cancel", o.ID)
	if err != nil {
		return err
	}
	d.s.st.OrderID = 0
	d.orderEvent(o)
	if o.Agent != "" {
		d.say("Cancelled your agent %s's order from %s. Nothing was charged.", o.Agent, shop(o))
		return nil
	}
	d.say("Order cancelled. Nothing was charged.")
	return nil
}

// isOrder refuses a confirmation or a payment that names what it is for
// ("confirm two lattes", "pay for the lattes") unless that is the whole
// order o: money is held and paid only for what the person said.
func (d *dialog) isOrder(o *wallet.Order) error {
	s := d.res.Slots
	if d.res.Intent != intent.OrderConfirm && d.res.Intent != intent.PaymentAuthorize || s.Item == "" && s.Merchant == "" {
		return nil
	}
	merchant := merchantOf(o)
	same := s.Merchant == "" || s.Merchant == merchant
	if s.Item != "" {
		same = same && len(o.Lines) == 1 && o.Lines[0].Item == s.Item && (s.Quantity == 0 || o.Lines[0].Quantity == s.Quantity)
	}
	if same {
		return nil
	}
	next := "Say confirm to place it as it is, or change it first."
	if o.State == wallet.Confirmed {
		next = "Say pay to authorize it as it is, or cancel order."
	}
	return wallet.Errorf(wallet.EINVALID, "Your order is %s from %s, %s. %s", d.s.hub.lineNames(o), shop(o),
		Money(o.Total, o.Currency), next)
}

// tip drafts a tip as an order to the payee; the person confirms and pays it
// like any other order.
func (d *dialog) tip() error {
	if o, err := d.current(); err != nil {
		return err
	} else if o != nil {
		return wallet.Errorf(wallet.ESTATE, "Finish or cancel the open order first.")
	}
	payee := d.res.Slots.Payee
	if payee == "" {
		payee = "developer"
	}
	if d.res.Slots.Amount <= 0 {
		d.s.st.Asked = &question{Payee: payee} // "five yuan" answers it
		d.say("How much would you like to tip the %s? Say an amount, for example: five yuan.", payee)
		return nil
	}
	o, err := d.db().CreateOrder(d.ctx, d.key+":tip", wallet.OrderDraft{
		Payee: wallet.PayeeAccount(payee), PayeeName: "the " + payee, Channel: d.in.Channel,
		Lines: []wallet.Line{{Item: "tip", Name: "tip", Quantity: 1, UnitPrice: d.res.Slots.Amount}},
	})
	if err != nil {
		return err
	}
	d.s.st.OrderID = o.ID
	d.orderEvent(o)
	d.say("A tip of %s to the %s. Say confirm to place it.", Money(o.Total, o.Currency), payee)
	return nil
}

// noOrder is the refusal for a command that needs an order, with what an
// agent proposed that waits for the person, if anything.
func (d *dialog) noOrder(sentence string) error {
	if o := d.lapsed; o != nil {
		d.lapsed = nil // told here
		v := *o
		v.State = wallet.Expired // as the sweeper is about to record it
		d.orderEvent(&v)
		return wallet.Errorf(wallet.EEXPIRED, "%s", expiredSentence(o))
	}
	o, m, err := d.s.hub.proposed(d.ctx)
	switch {
	case err != nil:
		return err
	case o != nil:
		return wallet.Errorf(wallet.ENOORDER, "%s Your agent %s proposed %s from %s for %s: say confirm to go ahead.",
			sentence, o.Agent, d.s.hub.lineNames(o), shop(o), Money(o.Total, o.Currency))
	case m != nil:
		return wallet.Errorf(wallet.ENOORDER, "%s Your agent %s asks you to approve a %s for %s: say approve the %s.",
			sentence, m.Agent, m.Kind, payee(m), m.Kind)
	}
	return wallet.Errorf(wallet.ENOORDER, "%s", sentence)
}

// proposed returns the first order and the first tip or subscription that
// agents proposed and that wait for the person, nil for none.
func (h *Hub) proposed(ctx context.Context) (*wallet.Order, *wallet.Mandate, error) {
	orders, err := h.DB.FindOrders(ctx, wallet.OrderFilter{Waiting: true, Limit: 1})
	if err != nil {
		return nil, nil, err
	}
	ms, err := h.DB.FindMandates(ctx, wallet.MandateFilter{States: proposedStates})
	if err != nil {
		return nil, nil, err
	}
	var o *wallet.Order
	var m *wallet.Mandate
	if len(orders) > 0 {
		o = orders[0]
	}
	if len(ms) > 0 {
		m = ms[0]
	}
	return o, m, nil
}

// readOrder says what the open order holds and what it waits for.
func (d *dialog) readOrder() error {
	o, err := d.current()
	if err != nil {
		return err
	}
	if o == nil {
		return d.noOrder("You have no order open.")
	}
	what := fmt.Sprintf("%s from %s, %s", d.s.hub.lineNames(o), shop(o), Money(o.Total, o.Currency))
	if o.State == wallet.Confirmed {
		d.say("Your order: %s, on hold. Say pay to authorize it.", what)
		return nil
	}
	d.say("Your order: %s. Say confirm to place it.", what)
	return nil
}

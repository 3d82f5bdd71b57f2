package agent

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/voicepay/voicepay/config"
	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/wallet"
)

// dialog is one turn in progress.
type dialog struct {
	s    *Session
	ctx  context.Context
	in   Input
	turn *Turn
	res  intent.Result
	key  string // the turn's idempotency key; each wallet call adds its own suffix
}

func (d *dialog) db() *wallet.DB { return d.s.hub.DB }

func (d *dialog) say(format string, args ...any) { d.turn.Reply = fmt.Sprintf(format, args...) }

func (d *dialog) orderEvent(o *wallet.Order) {
	d.turn.emit(Event{Type: EventOrderUpdated, Order: ViewOrder(o, d.db().Now())})
}

// state derives the dialog state from the device and the current order, so
// that it is right after a restart or an expiry.
func (d *dialog) state() string {
	dev, err := d.db().Device(d.ctx, d.s.device)
	if err != nil || !dev.Active {
		return StateInactive
	}
	o := d.current()
	switch {
	case o == nil:
		return StateIdle
	case o.State == wallet.Confirmed:
		return StateConfirmed
	default:
		return StateDrafted
	}
}

// current returns the open order of the session, or nil. An order that was
// paid, cancelled or expired meanwhile is forgotten.
func (d *dialog) current() *wallet.Order {
	if d.s.st.OrderID == 0 {
		return nil
	}
	o, err := d.db().Order(d.ctx, d.s.st.OrderID)
	if err != nil || !o.State.Open() || !d.db().Now().Before(o.Expires) ||
		(o.State == wallet.Confirmed && !d.db().Now().Before(o.HoldExpires)) {
		d.s.st.OrderID = 0
		if d.s.st.Await == awaitStepUpPIN {
			d.s.st.Await = awaitNone
		}
		return nil
	}
	return o
}

func (d *dialog) run() error {
	d.turn.emit(Event{Type: EventIntent, Intent: &d.res})
	if d.s.st.Await != awaitNone {
		return d.awaited()
	}
	switch d.res.Intent {
	case intent.Help:
		return d.help()
	case intent.PaymentEnable:
		return d.enable()
	case intent.None:
		d.say("Sorry, that isn't something I can do. Say \"what can I say\" to hear the commands.")
		return nil
	}
	if d.state() == StateInactive {
		return Errorf(ENOTACTIVE, "Payments are not enabled on this device. Say \"enable alipay payment function\" first.")
	}
	if err := d.confident(); err != nil {
		return err
	}
	switch d.res.Intent {
	case intent.PaymentDisable:
		return d.disable()
	case intent.OrderCreate:
		return d.create()
	case intent.OrderModify:
		return d.modify()
	case intent.OrderConfirm:
		return d.confirm()
	case intent.PaymentAuthorize:
		return d.authorize("")
	case intent.OrderCancel:
		return d.cancel()
	case intent.BalanceQuery:
		return d.balance()
	case intent.HistoryQuery:
		return d.history()
	case intent.TipSend:
		return d.tip()
	case intent.WalletFreeze:
		return d.freeze()
	case intent.SubscriptionApprove:
		return d.approveMandate()
	case intent.SubscriptionCancel:
		return d.cancelMandate()
	case intent.SubscriptionQuery:
		return d.listMandates()
	case intent.ClaimFile:
		return Errorf(EUNSUPPORTED, "Reporting an unauthorized payment by voice is not available yet. Freeze your wallet if you suspect misuse.")
	}
	return Errorf(EUNSUPPORTED, "I can't do %q yet.", d.res.Intent)
}

func (d *dialog) help() error {
	d.say("You can say: enable alipay payment function; buy two lattes from Luckin Coffee; make it three; " +
		"confirm the order; pay; cancel order; what's my balance; show my recent payments; tip the developer five yuan; " +
		"approve the subscription; cancel my subscription; what subscriptions do I have; freeze my wallet.")
	return nil
}

func (d *dialog) enable() error {
	if d.state() != StateInactive {
		d.say("Payments are already enabled on this device.")
		return nil
	}
	ok, err := d.db().HasPIN(d.ctx)
	if err != nil {
		return err
	}
	if !ok {
		return Errorf(ENOPIN, "No PIN is set yet. Run voicepay init to set one, then try again.")
	}
	d.s.st.Await = awaitEnablePIN
	d.say("To enable payments, say your PIN.")
	return nil
}

func (d *dialog) disable() error {
	if o := d.current(); o != nil {
		if _, err := d.db().CancelOrder(d.ctx, d.key+":cancel", o.ID); err != nil {
			return err
		}
	}
	d.s.st.OrderID = 0
	if err := d.db().DeactivateDevice(d.ctx, d.s.device); err != nil {
		return err
	}
	d.say("Payments are disabled on this device.")
	return nil
}

// awaited handles the turn that should carry a PIN or an authenticator
// code. "cancel" gives up; "freeze my wallet" always works.
func (d *dialog) awaited() error {
	d.res.Text = "[redacted]" // the utterance is a secret; don't echo it back
	switch d.res.Intent {
	case intent.WalletFreeze:
		if d.s.st.Await == awaitStepUpPIN {
			if err := d.cancel(); err != nil {
				return err
			}
		}
		d.s.st.Await = awaitNone
		return d.freeze()
	case intent.OrderCancel:
		if d.s.st.Await == awaitStepUpPIN {
			d.s.st.Await = awaitNone
			return d.cancel()
		}
		d.s.st.Await = awaitNone
		d.say("Okay, payments stay off.")
		return nil
	}
	pin, ok := spokenPIN(d.in.Text)
	if !ok {
		if d.s.st.Await == awaitEnableTOTP {
			d.say("Please say the 6-digit code from your authenticator app, or say cancel.")
			return nil
		}
		d.say("Please say your PIN, digit by digit, or say cancel.")
		return nil
	}
	var err error
	switch d.s.st.Await {
	case awaitStepUpPIN:
		return d.authorize(pin)
	case awaitEnablePIN:
		err = d.db().ActivateDevice(d.ctx, d.s.device, pin)
		if errors.Is(err, wallet.ErrTOTPRequired) {
			d.s.st.Await = awaitEnableTOTP
			d.say("Now say the 6-digit code from your authenticator app.")
			return nil
		}
	case awaitEnableTOTP:
		err = d.db().ActivateDeviceTOTP(d.ctx, d.s.device, pin)
	}
	// A wrong PIN or code may be said again; a lockout, or a code that came
	// too late after the PIN, ends the wait.
	if err == nil || errors.Is(err, wallet.ErrPINLocked) || errors.Is(err, wallet.ErrInvalid) {
		d.s.st.Await = awaitNone
	}
	if err != nil {
		return err
	}
	d.say("Payments are enabled. What would you like to buy?")
	return nil
}

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
				return config.Merchant{}, config.Item{}, Errorf(ENOTFOUND, "I don't know where to get that.")
			}
			return config.Merchant{}, config.Item{}, Errorf(EINVALID, "Which shop: %s?", strings.Join(names, " or "))
		}
		merchantID = found[0].ID
	}
	m, ok := cat.Merchant(merchantID)
	if !ok {
		return m, config.Item{}, Errorf(ENOTFOUND, "I don't know that shop.")
	}
	it, ok := m.Item(itemID)
	if !ok {
		return m, it, Errorf(ENOTFOUND, "%s doesn't sell that.", m.Name())
	}
	return m, it, nil
}

func (d *dialog) create() error {
	cur := d.current()
	if cur != nil && cur.State == wallet.Confirmed {
		return Errorf(ESTATE, "You have a confirmed order of %s waiting. Say pay, or cancel order, first.",
			Money(cur.Total, cur.Currency))
	}
	slots := d.res.Slots
	m, it, err := d.resolve(slots.Merchant, slots.Item)
	if err != nil {
		return err // the open draft, if any, stays as it was
	}
	qty := max(slots.Quantity, 1)
	o, err := d.db().CreateOrder(d.ctx, d.key+":create", wallet.OrderDraft{
		Payee: wallet.MerchantAccount(m.ID), PayeeName: m.Name(), Channel: d.in.Channel,
		Lines: []wallet.Line{{Item: it.ID, Name: it.Name(), Quantity: qty, UnitPrice: it.Price}},
	})
	if err != nil {
		return err
	}
	if cur != nil && cur.ID == o.ID {
		// The same turn again: the order it drafted is the open one, maybe
		// changed since. Read back what it is now.
		o = cur
		if ln := o.Lines[0]; ln.Item != it.ID || ln.Quantity != qty {
			if i, ok := m.Item(ln.Item); ok {
				it, qty = i, ln.Quantity
			}
		}
	} else {
		if live, err := d.db().Order(d.ctx, o.ID); err != nil {
			return err
		} else if !live.State.Open() {
			// The same turn again, after its order was paid or ended.
			return Errorf(ESTATE, "That order was already %s.", live.State)
		}
		d.s.st.OrderID = o.ID
		if cur != nil {
			// The new order replaces the draft, unless that ended meanwhile.
			_, err := d.db().CancelOrder(d.ctx, d.key+":replace", cur.ID)
			if err != nil && !errors.Is(err, wallet.ErrExpired) && !errors.Is(err, wallet.ErrOrderState) {
				return err
			}
		}
	}
	d.orderEvent(o)
	d.say("%s from %s, %s. Say confirm to place the order.", capital(count(qty, unitName(it))), m.Name(), Money(o.Total, o.Currency))
	return nil
}

func (d *dialog) modify() error {
	o := d.current()
	if o == nil {
		return Errorf(ENOORDER, "There is no order to change. Tell me what you'd like to buy.")
	}
	if len(o.Lines) != 1 || o.Lines[0].Item == "" {
		return Errorf(ESTATE, "This order can't be changed, only cancelled.")
	}
	ln := o.Lines[0]
	itemID, qty := ln.Item, ln.Quantity
	if d.res.Slots.Item != "" {
		itemID = d.res.Slots.Item
	}
	if d.res.Slots.Quantity > 0 {
		qty = d.res.Slots.Quantity
	}
	merchant := strings.TrimPrefix(o.Payee, "merchant:")
	if merchant == o.Payee {
		return Errorf(ESTATE, "This order can't be changed, only cancelled.")
	}
	_, it, err := d.resolve(merchant, itemID)
	if err != nil {
		return err
	}
	o, err = d.db().ModifyOrder(d.ctx, d.key+":modify", o.ID,
		[]wallet.Line{{Item: it.ID, Name: it.Name(), Quantity: qty, UnitPrice: it.Price}})
	if err != nil {
		return err
	}
	d.orderEvent(o)
	d.say("Changed to %s, %s. Say confirm to place the order.", count(qty, unitName(it)), Money(o.Total, o.Currency))
	return nil
}

// confirm holds the funds of the session's order. A session without one
// takes up the oldest order an agent proposed.
func (d *dialog) confirm() error {
	o := d.current()
	if o == nil {
		var err error
		if o, err = d.adopt(); err != nil {
			return err
		}
		if o == nil {
			return d.noOrder("There is no order to confirm.")
		}
	}
	if o.State == wallet.Confirmed {
		d.say("The order is already confirmed. Say pay to authorize %s.", Money(o.Total, o.Currency))
		return nil
	}
	o, err := d.db().ConfirmOrder(d.ctx, d.key+":confirm", o.ID)
	if err != nil {
		// A block records the decision on the order, which stays a draft
		// the person can change or cancel; an expiry ends it. Any other
		// refusal leaves the order as it was.
		switch {
		case errors.Is(err, wallet.ErrBlocked):
			d.orderEvent(o)
			e := AsError(err)
			d.say("%s You can change the order or cancel it.", e.Message)
		case errors.Is(err, wallet.ErrExpired):
			d.orderEvent(o)
			d.s.st.OrderID = 0
		}
		return err
	}
	d.orderEvent(o)
	lead := "Order confirmed"
	if o.Agent != "" {
		lead = fmt.Sprintf("Confirmed your agent %s's order of %s from %s", o.Agent, d.s.hub.lineNames(o), o.PayeeName)
	}
	if o.StepUp() {
		d.say("%s; %s is on hold. Risk control will ask for your PIN. Say pay to authorize.", lead, Money(o.Total, o.Currency))
		return nil
	}
	d.say("%s; %s is on hold. Say pay to authorize the payment.", lead, Money(o.Total, o.Currency))
	return nil
}

func (d *dialog) authorize(pin string) error {
	o := d.current()
	if o == nil {
		d.s.st.Await = awaitNone
		return d.noOrder("There is no order to pay.")
	}
	if o.State != wallet.Confirmed {
		return Errorf(ESTATE, "Confirm the order first: %s for %s.", o.PayeeName, Money(o.Total, o.Currency))
	}
	suffix := ":authorize"
	if pin != "" {
		suffix = fmt.Sprintf(":authorize-pin-%d", d.s.st.Turn)
	}
	paid, err := d.db().AuthorizeOrder(d.ctx, d.key+suffix, o.ID,
		wallet.Authorization{Device: d.s.device, Method: "session", PIN: pin})
	switch {
	case errors.Is(err, wallet.ErrStepUpRequired):
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
	d.s.st.Await, d.s.st.OrderID = awaitNone, 0
	d.turn.emit(Event{Type: EventPaymentResult, Status: "paid", Order: ViewOrder(paid, d.db().Now())})
	acct, err := d.db().Account(d.ctx, wallet.UserAccount)
	if err != nil {
		return err
	}
	d.say("Paid %s to %s. Your balance is %s.", Money(paid.Total, paid.Currency), paid.PayeeName, Money(acct.Balance(), paid.Currency))
	return nil
}

// cancel cancels the session's order. A session without one cancels the
// oldest order an agent proposed.
func (d *dialog) cancel() error {
	o := d.current()
	if o == nil {
		var err error
		if o, err = d.adopt(); err != nil {
			return err
		}
		if o == nil {
			return d.noOrder("There is no order to cancel.")
		}
	}
	o, err := d.db().CancelOrder(d.ctx, d.key+":cancel", o.ID)
	if err != nil {
		return err
	}
	d.s.st.OrderID = 0
	d.orderEvent(o)
	if o.Agent != "" {
		d.say("Cancelled your agent %s's order from %s. Nothing was charged.", o.Agent, o.PayeeName)
		return nil
	}
	d.say("Order cancelled. Nothing was charged.")
	return nil
}

func (d *dialog) balance() error {
	a, err := d.db().Account(d.ctx, wallet.UserAccount)
	if err != nil {
		return err
	}
	cur := d.s.hub.Catalog.Currency
	if a.DebitsPending > 0 {
		d.say("Your balance is %s, with %s on hold.", Money(a.Balance(), cur), Money(a.DebitsPending, cur))
		return nil
	}
	d.say("Your balance is %s.", Money(a.Balance(), cur))
	return nil
}

func (d *dialog) history() error {
	orders, err := d.db().Orders(d.ctx, 50)
	if err != nil {
		return err
	}
	var parts []string
	for _, o := range orders {
		if o.State == wallet.Paid {
			parts = append(parts, fmt.Sprintf("%s to %s", Money(o.Total, o.Currency), o.PayeeName))
			if len(parts) == 3 {
				break
			}
		}
	}
	if len(parts) == 0 {
		d.say("You have no payments yet.")
		return nil
	}
	d.say("Your recent payments: %s.", strings.Join(parts, "; "))
	return nil
}

// tip drafts a tip as an order to the payee; the person confirms and pays it
// like any other order.
func (d *dialog) tip() error {
	if o := d.current(); o != nil {
		return Errorf(ESTATE, "Finish or cancel the open order first.")
	}
	payee := d.res.Slots.Payee
	if payee == "" {
		payee = "developer"
	}
	if d.res.Slots.Amount <= 0 {
		return Errorf(EINVALID, "How much would you like to tip?")
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

func (d *dialog) freeze() error {
	if err := d.db().Freeze(d.ctx); err != nil {
		return err
	}
	d.say("Your wallet is frozen: no payment can leave it until you run voicepay wallet unfreeze.")
	return nil
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

var digitWords = map[string]byte{"zero": '0', "oh": '0', "o": '0', "one": '1', "two": '2', "three": '3',
	"four": '4', "for": '4', "five": '5', "six": '6', "seven": '7', "eight": '8', "nine": '9', "to": '2', "too": '2'}

var pinFillers = map[string]bool{"my": true, "pin": true, "is": true, "it's": true, "its": true, "the": true, "code": true}

// spokenPIN reads a PIN said digit by digit ("one two three four", "1 2 3 4",
// "my pin is 1234"). Anything else in the utterance means it is not a PIN.
func spokenPIN(text string) (string, bool) {
	var pin []byte
	for _, w := range strings.Fields(strings.ToLower(text)) {
		w = strings.Trim(w, ".,!?;:\"")
		switch {
		case w == "":
		case strings.Trim(w, "0123456789-") == "":
			pin = append(pin, strings.ReplaceAll(w, "-", "")...)
		case digitWords[w] != 0:
			pin = append(pin, digitWords[w])
		case pinFillers[w]:
		default:
			return "", false
		}
	}
	return string(pin), wallet.ValidPIN(string(pin))
}

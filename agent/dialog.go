package agent

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

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
	// lapsed is the session's order when this turn found that it had run
	// out of time, so that the reply can say so.
	lapsed *wallet.Order
	// replacing is the order said over the draft, when the person said to
	// replace the draft with it.
	replacing *wallet.Order
	// asked is the order said over the draft at the last turn, when this
	// turn says a new order instead: unless it is the same turn again, the
	// one asked about is dropped.
	asked *wallet.Order
	// passkey is the passkey verification this turn completes, if any.
	passkey *wallet.PasskeyProof
	// claimed is what this turn answered to a claim question (agent/claim.go).
	claimed *claimStep
	// pick is which of the orders agents proposed this turn names, and
	// payeeNamed the display name of a payee it names, whose account is
	// then the payee slot (agent/which.go).
	pick       *orderPick
	payeeNamed string
}

// A command is what the dialog does with one intent, and the states in
// which a recognizer listens for it. Typed text may carry any intent in any
// state, and the command says why it can't be done; speech is heard only
// as what the state listens for, so that the recognizer's grammar is as
// narrow as it can be.
type command struct {
	run    func(*dialog) error
	listen []string // the states that listen for it
	// anyState commands run with payments off too; every other command
	// needs them enabled on the device.
	anyState bool
}

// Groups of states a command is listened for in.
var (
	enabled  = []string{StateIdle, StateDrafted, StateConfirmed}
	ordering = []string{StateDrafted, StateConfirmed}
	always   = []string{StateInactive, StateIdle, StateDrafted, StateConfirmed}
)

// commands is the dialog, intent by intent: the one place that says what
// each intent does and where it is heard. Idle listens for order.confirm
// and order.cancel for an order an agent proposed.
var commands = map[string]command{
	intent.Help:                {run: (*dialog).help, listen: always, anyState: true},
	intent.PaymentEnable:       {run: (*dialog).enable, listen: []string{StateInactive, StateIdle}, anyState: true},
	intent.WalletFreeze:        {run: (*dialog).freeze, listen: always, anyState: true},
	intent.PaymentDisable:      {run: (*dialog).disable, listen: []string{StateIdle}},
	intent.OrderCreate:         {run: (*dialog).create, listen: []string{StateIdle, StateDrafted}},
	intent.OrderModify:         {run: (*dialog).modify, listen: ordering},
	intent.OrderConfirm:        {run: (*dialog).confirm, listen: enabled},
	intent.PaymentAuthorize:    {run: func(d *dialog) error { return d.authorize("") }, listen: ordering},
	intent.OrderCancel:         {run: (*dialog).cancel, listen: enabled},
	intent.BalanceQuery:        {run: (*dialog).balance, listen: enabled},
	intent.HistoryQuery:        {run: (*dialog).history, listen: []string{StateIdle}},
	intent.TipSend:             {run: (*dialog).tip, listen: []string{StateIdle}},
	intent.SubscriptionApprove: {run: (*dialog).approveMandate, listen: enabled},
	intent.SubscriptionCancel:  {run: (*dialog).cancelMandate, listen: enabled},
	intent.SubscriptionQuery:   {run: (*dialog).listMandates, listen: enabled},
	intent.ClaimFile:           {run: (*dialog).claim, listen: []string{StateIdle}},
	intent.OrderQuery:          {run: (*dialog).readOrder, listen: enabled},
	intent.OrderRecall:         {run: (*dialog).readOrder, listen: enabled}, // read as OrderQuery or HistoryQuery
	intent.CatalogQuery:        {run: (*dialog).menu, listen: always, anyState: true},
	intent.WalletUnfreeze:      {run: (*dialog).unfreeze, listen: always, anyState: true},
	// A bare yes or no answers what the state asks. A spoken yes is
	// listened for only to confirm a draft; no is read from text only.
	intent.AnswerYes: {run: (*dialog).answer, listen: []string{StateDrafted}},
	intent.AnswerNo:  {run: (*dialog).answer},
	// What readCart could not read as a cart: there is no order to change.
	intent.OrderAdd:     {run: (*dialog).noCart},
	intent.OrderRemove:  {run: (*dialog).noCart},
	intent.OrderReplace: {run: (*dialog).noCart},
}

// Accepts lists the intents a state listens for, in a stable order.
func Accepts(state string) []string {
	var out []string
	for name, c := range commands {
		if slices.Contains(c.listen, state) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

func (d *dialog) db() *wallet.DB { return d.s.hub.DB }

func (d *dialog) say(format string, args ...any) { d.turn.Reply = fmt.Sprintf(format, args...) }

func (d *dialog) orderEvent(o *wallet.Order) {
	d.turn.emit(Event{Type: EventOrderUpdated, Order: ViewOrder(o, d.db().Now())})
}

// state derives the dialog state from the device and the current order, so
// that it is right after a restart or an expiry. A failed read is an error:
// it never decides a state.
func (d *dialog) state() (string, error) {
	st, _, err := d.standing()
	return st, err
}

// standing is the dialog state and, when payments are on, the open order
// it stands on.
func (d *dialog) standing() (string, *wallet.Order, error) {
	dev, err := d.db().Device(d.ctx, d.s.device)
	if errors.Is(err, wallet.ErrNotFound) {
		return StateInactive, nil, nil // unpaired meanwhile
	} else if err != nil {
		return "", nil, err
	}
	if !dev.Active {
		return StateInactive, nil, nil
	}
	o, err := d.current()
	switch {
	case err != nil:
		return "", nil, err
	case o == nil:
		return StateIdle, nil, nil
	case o.State == wallet.Confirmed:
		return StateConfirmed, o, nil
	}
	return StateDrafted, o, nil
}

// current returns the open order of the session, or nil. In a turn, an
// order that was paid, cancelled or has lapsed meanwhile is forgotten, and
// one that lapsed is told (tellLapsed). Outside a turn, as when a restarted
// daemon loads the session, nothing is forgotten, so that the next turn
// still tells the lapse. A failed read is an error, and forgets nothing.
func (d *dialog) current() (*wallet.Order, error) {
	if d.s.st.OrderID == 0 {
		return nil, nil
	}
	o, err := d.db().Order(d.ctx, d.s.st.OrderID)
	if err != nil && !errors.Is(err, wallet.ErrNotFound) {
		return nil, err
	}
	if err != nil || !o.Live(d.db().Now()) {
		if d.turn == nil {
			return nil, nil
		}
		if err == nil && (o.State == wallet.Expired || o.Lapsed(d.db().Now())) {
			d.lapsed = o
		}
		d.s.st.OrderID = 0
		if d.s.st.Await == awaitStepUpPIN {
			d.s.st.Await = awaitNone
		}
		return nil, nil
	}
	return o, nil
}

// run runs the turn's command. An order of the session found to have run
// out of time is told, whatever the command was.
func (d *dialog) run() error {
	err := d.command()
	d.tellLapsed(err)
	return err
}

func (d *dialog) command() error {
	d.answered()
	d.readNames()
	if d.s.st.Await == awaitNone {
		if err := d.inContext(); err != nil {
			d.turn.emit(Event{Type: EventIntent, Intent: &d.res})
			return err
		}
	}
	d.turn.emit(Event{Type: EventIntent, Intent: &d.res})
	if d.s.st.Await != awaitNone {
		return d.awaited()
	}
	c, ok := commands[d.res.Intent]
	if !ok {
		if d.res.Intent != intent.None {
			return wallet.Errorf(wallet.EUNSUPPORTED, "I can't do %q yet.", d.res.Intent)
		}
		d.say("Sorry, that isn't something I can do. Say \"what can I say\" to hear the commands.")
		d.turn.NotUnderstood = true
		return nil
	}
	if !c.anyState {
		st, err := d.state()
		if err != nil {
			return err
		}
		if st == StateInactive {
			return wallet.Errorf(wallet.ENOTACTIVE, "Payments are not enabled on this device. Say \"enable alipay payment function\" first.")
		}
	}
	if err := d.confident(); err != nil {
		return err
	}
	return c.run(d)
}

// inContext reads a bare yes or no as the answer to what the state asks:
// a drafted order asks to be confirmed, and any open order may be dropped.
// Where nothing is asked, a bare yes or no is not a command. A confirmed
// order is paid only on "pay": a yes there is answered with what to say.
// A yes or no to an order that ran out of time meanwhile hears that it did.
func (d *dialog) inContext() error {
	pending, err := d.pending()
	if err != nil {
		return err
	}
	switch d.res.Intent {
	case intent.OrderAdd:
		if pending != nil && d.res.Slots.Item == "" && len(d.res.Slots.Items) == 0 {
			// "add them": what was said over the draft goes into it.
			d.res.Slots = intent.Slots{Merchant: merchantOf(pending), Items: cartOf(pending)}
		}
		return d.readCart()
	case intent.OrderReplace:
		if pending == nil {
			d.res.Intent = intent.None
			return nil
		}
		d.res.Intent, d.res.Slots, d.replacing = intent.OrderCreate, slotsOf(merchantOf(pending), cartOf(pending)), pending
		return nil
	case intent.OrderRemove:
		return d.readCart()
	case intent.OrderModify:
		return d.readChange()
	case intent.OrderRecall:
		// "what did I order": the open order, or else the history
		o, err := d.current()
		if err != nil {
			return err
		}
		d.res.Intent = intent.HistoryQuery
		if o != nil {
			d.res.Intent = intent.OrderQuery
		}
		return nil
	case intent.OrderCreate:
		d.asked = pending
		return nil
	case intent.AnswerYes, intent.AnswerNo:
	default:
		return nil
	}
	st, err := d.state()
	if err != nil {
		return err
	}
	switch {
	case d.res.Intent == intent.AnswerYes && st == StateDrafted:
		d.res.Intent = intent.OrderConfirm
	case d.res.Intent == intent.AnswerYes && st == StateConfirmed:
	case d.res.Intent == intent.AnswerNo && (st == StateDrafted || st == StateConfirmed):
		d.res.Intent = intent.OrderCancel
	case d.lapsed != nil: // what was asked ran out of time: answer says so
	default:
		d.res.Intent = intent.None
	}
	return nil
}

// pending takes up the order said over the draft at the last turn, if any:
// the question is answered by this turn or dropped. Unless this turn
// replaces the draft with it, or says a new order (which may be the same
// turn again), that order is cancelled; it held nothing.
func (d *dialog) pending() (*wallet.Order, error) {
	id := d.s.st.Pending
	if id == 0 {
		return nil, nil
	}
	d.s.st.Pending = 0
	o, err := d.db().Order(d.ctx, id)
	if err != nil {
		return nil, err
	}
	if d.res.Intent != intent.OrderReplace && d.res.Intent != intent.OrderCreate {
		if err := d.drop(o); err != nil {
			return nil, err
		}
	}
	if !o.Live(d.db().Now()) {
		return nil, nil
	}
	return o, nil
}

// confident refuses a money-moving intent that did not come from a complete
// match of a template: money moves on nothing less.
func (d *dialog) confident() error {
	if intent.MovesMoney(d.res.Intent) && d.res.Confidence < intent.FullMatch {
		return wallet.Errorf(wallet.EINVALID, "Please say that again in full: money moves only on a clear command.")
	}
	return nil
}

func (d *dialog) help() error {
	d.say("You can say: enable alipay payment function; buy two lattes from Luckin Coffee; make it three; " +
		"confirm the order; pay; cancel order; what's my order; what's on the menu; what's my balance; " +
		"show my recent payments; tip the developer five yuan; approve the subscription; cancel my subscription; " +
		"what subscriptions do I have; freeze my wallet; unfreeze my wallet.")
	return nil
}

func (d *dialog) enable() error {
	st, err := d.state()
	if err != nil {
		return err
	}
	if st != StateInactive {
		d.say("Payments are already enabled on this device.")
		return nil
	}
	if asked, err := d.askPasskey(wallet.PurposeActivation, awaitEnablePIN, 0, 0, "To enable payments, "); asked || err != nil {
		return err
	}
	ok, err := d.db().HasPIN(d.ctx)
	if err != nil {
		return err
	}
	if !ok {
		return wallet.Errorf(wallet.ENOPIN, "No PIN is set yet. Run voicepay init to set one, then try again.")
	}
	d.s.st.Await = awaitEnablePIN
	d.say("To enable payments, say your PIN.")
	return nil
}

func (d *dialog) disable() error {
	o, err := d.current()
	if err != nil {
		return err
	}
	if o != nil {
		if _, err := d.db().CancelOrder(d.ctx, d.key+":cancel", o.ID); err != nil {
			return err
		}
	}
	d.s.st.OrderID = 0
	if err := d.db().DeactivateDevice(d.ctx, d.s.device); err != nil {
		return err
	}
	switch {
	case o != nil && o.State == wallet.Confirmed:
		d.say("Payments are off, and your confirmed order from %s is cancelled; %s is released.", shop(o),
			Money(o.Total, o.Currency))
	case o != nil:
		d.say("Payments are off, and your order from %s is cancelled.", shop(o))
	default:
		d.say("Payments are disabled on this device.")
	}
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
	case intent.OrderCancel, intent.AnswerNo:
		switch d.s.st.Await {
		case awaitStepUpPIN:
			d.s.st.Await = awaitNone
			return d.cancel()
		case awaitUnfreezePIN:
			d.s.st.Await = awaitNone
			d.say("Okay, your wallet stays frozen.")
			return nil
		case awaitApprovePIN:
			d.s.st.Await = awaitNone
			d.say("Okay, the subscription still waits for your approval.")
			return nil
		}
		d.s.st.Await = awaitNone
		d.say("Okay, payments stay off.")
		return nil
	}
	if done, err := d.verifyPending(); done || err != nil {
		return err
	}
	pin, ok := intent.SpokenCode(d.in.Text)
	if !ok || !wallet.ValidPIN(pin) {
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
	case awaitUnfreezePIN:
		return d.unfrozen(pin)
	case awaitApprovePIN:
		return d.approvePending(pin)
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

// unfrozen unfreezes the wallet with the PIN said. A wrong PIN may be said
// again; a lockout ends the wait.
func (d *dialog) unfrozen(pin string) error {
	err := d.db().Unfreeze(d.ctx, pin)
	if err == nil || !errors.Is(err, wallet.ErrBadPIN) {
		d.s.st.Await = awaitNone
	}
	if err != nil {
		return err
	}
	d.say("Your wallet is unfrozen: payments can leave it again.")
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
	} else {
		d.say("Your balance is %s.", Money(a.Balance(), cur))
	}
	if s := d.res.Slots; s.Item != "" { // "can I afford a latte"
		if _, it, err := d.resolve(s.Merchant, s.Item); err == nil {
			n, name, verb := max(s.Quantity, 1), unitName(it), "is"
			if n > 1 || intent.IsPlural(name) {
				verb = "are"
			}
			d.turn.Reply += fmt.Sprintf(" %s %s %s.", capital(count(n, name)), verb, Money(it.Price*int64(n), cur))
		}
	}
	return nil
}

func (d *dialog) freeze() error {
	if err := d.db().Freeze(d.ctx); err != nil {
		return err
	}
	d.say("Your wallet is frozen: no payment can leave it until you say unfreeze my wallet and your PIN, " +
		"or run voicepay wallet unfreeze.")
	return nil
}

// unfreeze asks for the PIN that lets payments leave the wallet again.
func (d *dialog) unfreeze() error {
	a, err := d.db().Account(d.ctx, wallet.UserAccount)
	if err != nil {
		return err
	}
	if !a.Frozen {
		d.say("Your wallet is not frozen.")
		return nil
	}
	if asked, err := d.askPasskey(wallet.PurposeUnfreeze, awaitUnfreezePIN, 0, 0, "To unfreeze your wallet, "); asked || err != nil {
		return err
	}
	d.s.st.Await = awaitUnfreezePIN
	d.say("To unfreeze your wallet, say your PIN.")
	return nil
}

// noCart refuses an addition or a removal with no order to make it to.
func (d *dialog) noCart() error {
	return d.noOrder("There is no order to change. Tell me what you'd like to buy.")
}

// tellLapsed says that the session's order ran out of time, when this turn
// found so and said nothing of it: "buy a latte" after an order expired
// drafts the latte, and says first that the order expired. err is the
// turn's refusal, if it was refused.
func (d *dialog) tellLapsed(err error) {
	o := d.lapsed
	if o == nil {
		return
	}
	d.lapsed = nil
	v := *o
	v.State = wallet.Expired // as the sweeper is about to record it
	d.orderEvent(&v)
	said := d.turn.Reply
	if said == "" && err != nil {
		said = wallet.AsError(err).Message
	}
	d.turn.Reply = strings.TrimSpace(expiredSentence(o) + " " + said)
}

// expiredSentence says that an order ran out of time.
func expiredSentence(o *wallet.Order) string {
	return fmt.Sprintf("Your order from %s expired; nothing was charged.", shop(o))
}

// answer is a bare yes or no that inContext left as said: a yes to a
// confirmed order, which says what pays, or either to an order that ran
// out of time, which says so.
func (d *dialog) answer() error {
	o, err := d.current()
	if err != nil {
		return err
	}
	if o == nil {
		return d.noOrder("There is no order to confirm.")
	}
	d.say("Your order of %s is on hold. Say pay to authorize it, or cancel order.", Money(o.Total, o.Currency))
	return nil
}

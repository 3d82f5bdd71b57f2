package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/voicepay/voicepay/wallet"
)

// voicepay's sandbox (voicepay serve --sandbox) is a wallet of test money
// with a fake person, SandboxPerson, who approves whatever agents propose,
// so that an agent developer can run every flow end to end alone. The
// person speaks through the same dialog as a real one, so every flow is the
// real one; only who speaks differs.

// SandboxMark begins every reply of a sandbox hub, and every result of the
// sandbox's MCP server: nothing said there is a real payment.
const SandboxMark = "[sandbox] "

// SandboxPersonDevice is the user device the sandbox's fake person speaks
// as.
const SandboxPersonDevice = "sandbox-person"

// DefaultSandboxDelay is how long the fake person takes to answer a
// proposal: long enough for an agent to see the order wait.
const DefaultSandboxDelay = time.Second

// marked is reply as a surface of the hub gives it: in the sandbox, with
// SandboxMark before it.
func (h *Hub) marked(reply string) string {
	if !h.Sandbox || strings.HasPrefix(reply, SandboxMark) {
		return reply
	}
	return SandboxMark + reply
}

// SandboxPerson is the sandbox's fake person. For every proposal an agent
// makes, it waits Delay, then answers in its own dialog session as a
// person would: "confirm the order" and "pay" (with its PIN when risk
// control asks), "approve the tip", "approve the subscription". An order it
// cannot pay, because risk control blocked it or the money ran out, it
// cancels, so that the agent's wait ends and the next proposal is not held
// up. Build it with NewSandboxPerson.
type SandboxPerson struct {
	Hub    *Hub
	PIN    string        // the wallet's PIN, which it says when asked
	Delay  time.Duration // between a proposal and the answer
	Logger *slog.Logger

	sess *Session
}

// NewSandboxPerson returns the fake person of hub's wallet, whose PIN is
// pin, answering after DefaultSandboxDelay.
func NewSandboxPerson(hub *Hub, pin string) *SandboxPerson {
	return &SandboxPerson{Hub: hub, PIN: pin, Delay: DefaultSandboxDelay, Logger: hub.Logger}
}

// waitingProposal is a proposal the person answers at a given time.
type waitingProposal struct {
	e  Event
	at time.Time
}

// proposals is what waits for the fake person, oldest first. Its reader
// takes every event from the subscription at once, so that the
// subscription never falls behind while the person speaks.
type proposals struct {
	mu    sync.Mutex
	queue []waitingProposal
	seen  map[string]bool
	wake  chan struct{} // signalled when the queue grows
}

// add queues the proposal e announces, once, due after delay.
func (q *proposals) add(e Event, delay time.Duration) {
	k := proposalKey(e)
	if k == "" {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.seen[k] {
		return
	}
	q.seen[k] = true
	q.queue = append(q.queue, waitingProposal{e: e, at: time.Now().Add(delay)})
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// first is the oldest proposal that waits, if any.
func (q *proposals) first() (waitingProposal, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.queue) == 0 {
		return waitingProposal{}, false
	}
	return q.queue[0], true
}

// drop removes the oldest proposal.
func (q *proposals) drop() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.queue = q.queue[1:]
}

// Run pairs the person's device on first use and enables payments on it
// through the dialog, then answers every proposal until ctx is done. It
// answers those that waited before it started too. It returns nil once ctx
// is done, or why it could not start.
func (p *SandboxPerson) Run(ctx context.Context) error {
	events, cancel := p.Hub.Subscribe() // first, so that no proposal is missed
	defer cancel()                      // which also ends the reader below
	if err := p.start(ctx); err != nil {
		return err
	}
	q := &proposals{seen: map[string]bool{}, wake: make(chan struct{}, 1)}
	if err := p.backlog(ctx, q); err != nil {
		return err
	}
	go func() {
		for e := range events {
			q.add(e, p.Delay)
		}
	}()
	for {
		var due <-chan time.Time // a timer no longer referenced is collected, stopped or not
		w, ok := q.first()
		if ok {
			due = time.After(time.Until(w.at))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-q.wake:
		case <-due:
			q.drop()
			p.answer(ctx, w.e)
		}
	}
}

// proposalKey names the proposal an event announces, or is "" for any
// other event.
func proposalKey(e Event) string {
	switch {
	case e.Type != EventProposal:
		return ""
	case e.Order != nil:
		return fmt.Sprintf("order:%d", e.Order.ID)
	case e.Mandate != nil:
		return fmt.Sprintf("mandate:%d", e.Mandate.ID)
	}
	return ""
}

// start opens the person's session, pairing its device on first use, and
// enables payments on it by voice with the PIN.
func (p *SandboxPerson) start(ctx context.Context) error {
	db := p.Hub.DB
	dev, err := db.Device(ctx, SandboxPersonDevice)
	if errors.Is(err, wallet.ErrNotFound) {
		if _, err = db.AddDevice(ctx, SandboxPersonDevice, wallet.ScopeUser); err == nil {
			dev, err = db.Device(ctx, SandboxPersonDevice)
		}
	}
	if err != nil {
		return fmt.Errorf("the sandbox person's device: %w", err)
	}
	if p.sess, err = p.Hub.Session(ctx, dev); err != nil {
		return err
	}
	if p.sess.State() == StateInactive {
		t := p.sayWithPIN(ctx, "enable alipay payment function")
		if t.State != StateIdle {
			return fmt.Errorf("the sandbox person could not enable payments: %s", t.Reply)
		}
	}
	p.settle(ctx) // an order it had confirmed when the daemon stopped
	return nil
}

// backlog queues what waited for the person before it started: the
// orders agents proposed, then the tips and subscriptions, each oldest
// first.
func (p *SandboxPerson) backlog(ctx context.Context, q *proposals) error {
	db := p.Hub.DB
	orders, err := db.FindOrders(ctx, wallet.OrderFilter{Waiting: true})
	if err != nil {
		return err
	}
	mandates, err := db.FindMandates(ctx, wallet.MandateFilter{States: proposedStates})
	if err != nil {
		return err
	}
	for _, o := range orders {
		q.add(Event{Type: EventProposal, Order: ViewOrder(o, db.Now())}, p.Delay)
	}
	for _, m := range mandates {
		q.add(Event{Type: EventProposal, Mandate: ViewMandate(m)}, p.Delay)
	}
	return nil
}

// answer approves what e proposed, if it still waits for the person.
func (p *SandboxPerson) answer(ctx context.Context, e Event) {
	db := p.Hub.DB
	switch {
	case e.Order != nil:
		o, err := db.Order(ctx, e.Order.ID)
		if err != nil || o.State != wallet.Drafted || !o.Live(db.Now()) {
			return // withdrawn, lapsed or decided meanwhile
		}
		p.payOrder(ctx, o)
	case e.Mandate != nil:
		m, err := db.Mandate(ctx, e.Mandate.ID)
		if err != nil || m.State != wallet.MandateProposed {
			return
		}
		p.sayWithPIN(ctx, "approve the "+string(m.Kind))
	}
}

// payOrder confirms the oldest order that waits, which is o unless an
// older one still waits, and pays it.
func (p *SandboxPerson) payOrder(ctx context.Context, o *wallet.Order) {
	t := p.say(ctx, "confirm the order")
	if t.Err == nil && t.State != StateConfirmed {
		// The dialog asked which order: name the shop.
		t = p.say(ctx, o.PayeeName)
	}
	if t.State == StateIdle {
		// What it could not confirm it declines, so that the agent's wait
		// ends and the next proposal is not held up behind it.
		p.say(ctx, "cancel order")
	}
	p.settle(ctx)
}

// settle pays the order the session has confirmed, if any, and cancels it
// if that fails, releasing its hold; a drafted order it cancels too.
func (p *SandboxPerson) settle(ctx context.Context) {
	if p.awaitsPIN() { // left waiting by a daemon that stopped
		p.say(ctx, spelled(p.PIN))
	}
	if p.sess.State() == StateConfirmed {
		p.sayWithPIN(ctx, "pay")
	}
	if st := p.sess.State(); st == StateConfirmed || st == StateDrafted {
		p.say(ctx, "cancel order")
	}
}

// sayWithPIN says text, and the PIN if the dialog asks for it then.
func (p *SandboxPerson) sayWithPIN(ctx context.Context, text string) *Turn {
	t := p.say(ctx, text)
	if t.Err == nil && p.awaitsPIN() {
		t = p.say(ctx, spelled(p.PIN))
	}
	return t
}

// awaitsPIN reports whether the person's dialog waits for the PIN.
func (p *SandboxPerson) awaitsPIN() bool {
	switch p.sess.snap.Load().await {
	case awaitEnablePIN, awaitStepUpPIN, awaitUnfreezePIN, awaitApprovePIN:
		return true
	}
	return false
}

// say runs one typed turn of the person's dialog and logs it.
func (p *SandboxPerson) say(ctx context.Context, text string) *Turn {
	t := p.sess.Say(ctx, Input{Text: text, Channel: "text"})
	said := text
	if t.Secret {
		said = SecretText
	}
	if t.Err != nil {
		p.Logger.Warn("the sandbox person was refused", "said", said, "reply", t.Reply, "code", t.Err.Code)
	} else {
		p.Logger.Info("the sandbox person", "said", said, "reply", t.Reply, "state", t.State)
	}
	return t
}

// spelled is a PIN said digit by digit.
func spelled(pin string) string {
	return strings.Join(strings.Split(pin, ""), " ")
}

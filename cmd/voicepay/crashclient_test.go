package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/ws"
	"github.com/voicepay/voicepay/wallet"
)

// The clients of TestCrash. Each sends one request at a time. A request
// the kill caught in flight is resent, with the same id or key, once the
// daemon is back, until it is answered; after each restart the last
// request answered is resent too, and must be answered as it was.

// maxResends bounds the resends of one request; each waits for a daemon.
const maxResends = 200

// dialogClient is one device ordering, confirming and paying by typed
// turns, each with an id of its own.
type dialogClient struct {
	d        *crashDaemon
	rec      *crashRecord
	device   string
	token    string
	stopping *atomic.Bool

	ws        *ws.Client // nil until connected, and after a drop
	gen       int        // the daemon ws is connected to
	restarted bool       // connected to a new daemon since the last turn
	seq       int
	state     string // the dialog's state, as the last reply left it
	order     uint64 // the open order, as the last turn that named one left it
	last      *sentTurn
}

// sentTurn is a turn that was answered.
type sentTurn struct {
	id, text string
	answer   turnAnswer
}

// turnAnswer is what a turn's events came to.
type turnAnswer struct {
	events     int
	replayed   bool   // every event was marked replayed
	order      uint64 // the order the last order event named
	orderState string
	paid       uint64 // the order a payment.result paid
	total      int64
	code       string // the error's code
	state      string // the reply's
	reply      string
}

func answerOf(evs []ws.ServerEvent) turnAnswer {
	a := turnAnswer{events: len(evs), replayed: len(evs) > 0}
	for _, e := range evs {
		a.replayed = a.replayed && e.Replayed
		if e.Order != nil {
			a.order, a.orderState = e.Order.ID, e.Order.State
		}
		switch e.Type {
		case agent.EventPaymentResult:
			if e.Status == "paid" && e.Order != nil {
				a.paid, a.total = e.Order.ID, e.Order.Total
			}
		case agent.EventError:
			a.code = string(e.Error.Code)
		case agent.EventReply:
			a.state, a.reply = e.State, e.Text
		}
	}
	return a
}

// same reports whether two answers say the same, replayed or not.
func (a turnAnswer) same(b turnAnswer) bool {
	a.replayed, b.replayed = false, false
	return a == b
}

func newDialogClient(d *crashDaemon, rec *crashRecord, i int, stopping *atomic.Bool) *dialogClient {
	return &dialogClient{d: d, rec: rec, device: fmt.Sprintf("bench-%d", i+1), token: d.tokens[i],
		stopping: stopping, state: agent.StateInactive}
}

// enable turns payments on for the device: the sentence, then the PIN.
func (c *dialogClient) enable(ctx context.Context) error {
	for _, text := range []string{"enable alipay payment function", spokenCrashPIN} {
		if _, err := c.turn(ctx, text); err != nil {
			return err
		}
	}
	if c.state != agent.StateIdle {
		return fmt.Errorf("enable payments: %q, in %s", c.last.answer.reply, c.state)
	}
	return nil
}

// spokenCrashPIN is the PIN as a person says it, digit by digit.
var spokenCrashPIN = strings.Join(strings.Split(crashPIN, ""), " ")

// run orders, confirms and pays, again and again, until the run stops.
func (c *dialogClient) run(ctx context.Context) {
	for !c.stopping.Load() && ctx.Err() == nil {
		if c.restarted && c.last != nil {
			c.restarted = false
			if err := c.resendLast(ctx); err != nil {
				c.rec.fail("%s: %v", c.device, err)
				return
			}
		}
		var text string
		switch c.state {
		case agent.StateIdle:
			text = "buy a latte from luckin coffee"
		case agent.StateDrafted:
			text = "confirm the order"
		case agent.StateConfirmed:
			text = "pay"
		default:
			c.rec.fail("%s: the dialog is %s after %q: %q", c.device, c.state, c.last.text, c.last.answer.reply)
			return
		}
		if _, err := c.turn(ctx, text); err != nil {
			if ctx.Err() == nil {
				c.rec.fail("%s: %v", c.device, err)
			}
			return
		}
	}
}

// turn runs one turn under a new id, resending it until it is answered,
// and checks and records the answer.
func (c *dialogClient) turn(ctx context.Context, text string) (turnAnswer, error) {
	c.seq++
	id := fmt.Sprintf("%s-t%d", c.device, c.seq)
	want := c.order
	a, resent, err := c.say(ctx, id, text)
	if err != nil {
		return a, err
	}
	if err := c.check(text, want, a); err != nil {
		return a, fmt.Errorf("turn %s %q (resent %v): %w; the ledger has of order %d: %s", id, text, resent, err,
			want, c.d.orderTransfers(ctx, want))
	}
	c.rec.turn(resent)
	if a.paid != 0 {
		c.rec.paid(a.paid, a.total)
	}
	c.state, c.last = a.state, &sentTurn{id: id, text: text, answer: a}
	if a.order != 0 {
		c.order = a.order
	}
	return a, nil
}

// check says what is wrong with a's answer to text, said with want the
// open order: a payment or confirmation must be of that order, and may
// find it lapsed, but never missing.
func (c *dialogClient) check(text string, want uint64, a turnAnswer) error {
	if a.state == "" {
		return fmt.Errorf("no reply in %d events", a.events)
	}
	ok := true
	switch text {
	case "pay":
		ok = a.paid == want && a.paid != 0 || a.code == string(wallet.EEXPIRED)
	case "confirm the order":
		ok = a.order == want && a.orderState == agent.StateConfirmed || a.code == string(wallet.EEXPIRED)
	case "buy a latte from luckin coffee":
		ok = a.orderState == agent.StateDrafted && a.code == ""
	}
	if !ok {
		return fmt.Errorf("answered %+v, with order %d open", a, want)
	}
	return nil
}

// say sends a turn and reads its answer, reconnecting and resending it
// under the same id while the daemon is down or restarting.
func (c *dialogClient) say(ctx context.Context, id, text string) (turnAnswer, bool, error) {
	for try := 0; try < maxResends; try++ {
		if err := c.connect(ctx); err != nil {
			return turnAnswer{}, false, err
		}
		evs, err := c.ws.SayID(ctx, id, text)
		if err == nil {
			return answerOf(evs), try > 0, nil
		}
		if ctx.Err() != nil {
			return turnAnswer{}, false, err
		}
		c.ws.Close()
		c.ws = nil
		time.Sleep(10 * time.Millisecond)
	}
	return turnAnswer{}, false, fmt.Errorf("turn %s %q: no answer after %d resends", id, text, maxResends)
}

// connect opens a websocket to the daemon that is up, waiting for one.
func (c *dialogClient) connect(ctx context.Context) error {
	for c.ws == nil {
		base, gen, err := c.d.current(ctx)
		if err != nil {
			return err
		}
		cl := ws.NewClient(base, c.token)
		dctx, cancel := context.WithTimeout(ctx, turnWait)
		err = cl.Dial(dctx)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		c.ws, c.restarted = cl, c.restarted || c.gen != 0 && gen != c.gen
		c.gen = gen
	}
	return nil
}

// resendLast resends the last turn that was answered, under its id, and
// checks that the daemon answers it as it did, replayed.
func (c *dialogClient) resendLast(ctx context.Context) error {
	a, _, err := c.say(ctx, c.last.id, c.last.text)
	if err != nil {
		return err
	}
	ok := a.replayed && a.same(c.last.answer)
	c.rec.retry(ok)
	if !ok {
		return fmt.Errorf("turn %s %q resent after a restart: answered %+v, first %+v", c.last.id, c.last.text, a, c.last.answer)
	}
	return nil
}

// topupClient tops the wallet up over the JSON API, each top-up with a
// key of its own.
type topupClient struct {
	d        *crashDaemon
	rec      *crashRecord
	rng      *rand.Rand
	stopping *atomic.Bool
	api      *ws.Client
	gen      int
	seq      int
	last     *topupAnswer // the last top-up answered, resent after a restart
}

// topupAnswer is a top-up request and what it was answered.
type topupAnswer struct {
	key      string
	amount   int64
	transfer wallet.Transfer
}

func newTopupClient(d *crashDaemon, rec *crashRecord, seed uint64, stopping *atomic.Bool) *topupClient {
	return &topupClient{d: d, rec: rec, rng: rand.New(rand.NewPCG(seed, 0x746f70)), stopping: stopping}
}

func (c *topupClient) run(ctx context.Context) {
	for !c.stopping.Load() && ctx.Err() == nil {
		c.seq++
		req := topupAnswer{key: fmt.Sprintf("topup-%d", c.seq), amount: 100 * (1 + c.rng.Int64N(50))}
		gen := c.gen
		t, resent, err := c.send(ctx, req.key, req.amount)
		if err != nil {
			if ctx.Err() == nil {
				c.rec.fail("top-up %s: %v", req.key, err)
			}
			return
		}
		if t.Amount != req.amount || t.Kind != wallet.Single || t.Credit != wallet.UserAccount {
			c.rec.fail("top-up %s of %d: answered %+v", req.key, req.amount, t)
			return
		}
		c.rec.topup(t, resent)
		req.transfer = *t
		if gen != 0 && c.gen != gen && c.last != nil {
			c.resendLast(ctx)
		}
		c.last = &req
		time.Sleep(time.Duration(c.rng.Int64N(int64(20 * time.Millisecond))))
	}
}

// send posts a top-up, resending it under the same key while the daemon
// is down or restarting.
func (c *topupClient) send(ctx context.Context, key string, amount int64) (*wallet.Transfer, bool, error) {
	for try := 0; try < maxResends; try++ {
		if c.api == nil || c.gen == 0 {
			base, gen, err := c.d.current(ctx)
			if err != nil {
				return nil, false, err
			}
			c.api, c.gen = ws.NewClient(base, c.d.cliToken()), gen
		}
		var out struct {
			Transfer wallet.Transfer `json:"transfer"`
		}
		err := c.api.Post(ctx, "/v1/wallet/topup", ws.TopupRequest{Amount: amount, Key: key}, &out)
		if err == nil {
			return &out.Transfer, try > 0, nil
		}
		if _, answered := errors.AsType[*wallet.Error](err); answered || ctx.Err() != nil {
			return nil, false, err
		}
		c.api = nil
		time.Sleep(10 * time.Millisecond)
	}
	return nil, false, fmt.Errorf("no answer after %d resends", maxResends)
}

// resendLast resends the top-up answered before the last, which the
// daemon before this one answered, and checks it is answered with the
// same transfer.
func (c *topupClient) resendLast(ctx context.Context) {
	t, _, err := c.send(ctx, c.last.key, c.last.amount)
	ok := err == nil && t.ID == c.last.transfer.ID && t.Amount == c.last.amount && t.Time.Equal(c.last.transfer.Time)
	c.rec.retry(ok)
	if !ok && ctx.Err() == nil {
		c.rec.fail("top-up %s resent after a restart: %+v, %v; first %+v", c.last.key, t, err, c.last.transfer)
	}
}

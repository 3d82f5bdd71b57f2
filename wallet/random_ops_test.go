package wallet_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/voicepay/voicepay/wallet"
)

// worker makes random calls. In the sequential run it also keeps the model.
type worker struct {
	*run
	id    int
	rng   *rand.Rand
	n     int
	model *model
}

func (w *worker) key(op string) string {
	w.n++
	return fmt.Sprintf("%s-w%d-%d", op, w.id, w.n)
}

// outcome checks err against the sentinels a call may return and counts it.
func (w *worker) outcome(op string, err error, allowed ...error) bool {
	if err == nil {
		w.count(op + ":ok")
		return true
	}
	for _, s := range allowed {
		if errors.Is(err, s) {
			w.count(op + ":" + s.Error())
			return false
		}
	}
	w.failf("%s: unexpected error %v", op, err)
	return false
}

var payees = []string{"luckin_coffee", "kfc", "meituan", "didi", "apple", "taobao"}

func (w *worker) draft() wallet.OrderDraft {
	d := wallet.OrderDraft{
		Payee:   wallet.MerchantAccount(payees[w.rng.IntN(len(payees))]),
		Channel: []string{"voice", "text"}[w.rng.IntN(2)],
	}
	if w.rng.IntN(10) == 0 {
		d.Channel, d.Agent = "text", "claude-code"
	}
	for range 1 + w.rng.IntN(2) {
		var price int64
		switch p := w.rng.IntN(100); {
		case p < 90:
			price = 100 + w.rng.Int64N(2900)
		case p < 99:
			price = 3000 + w.rng.Int64N(27000)
		default:
			price = 100000 + w.rng.Int64N(150000)
		}
		d.Lines = append(d.Lines, wallet.Line{Item: "item", Quantity: 1 + w.rng.IntN(3), UnitPrice: price})
	}
	return d
}

func (w *worker) step() {
	w.db.Clock.Advance(time.Duration(w.rng.Int64N(int64(2 * time.Second))))
	switch p := w.rng.IntN(1100); {
	case p < 100:
		w.topup()
	case p < 250:
		w.create()
	case p < 320:
		w.modify()
	case p < 550:
		w.confirm()
	case p < 790:
		w.authorize()
	case p < 860:
		w.cancel()
	case p < 880:
		w.sweep()
	case p < 940:
		w.retry()
	case p < 960:
		w.conflict()
	case p < 961:
		w.freeze()
	case p < 975:
		w.unfreeze()
	case p < 1000:
		w.bad()
	default:
		w.mandateStep()
	}
}

func (w *worker) topup() {
	amount := 1 + w.rng.Int64N(60000)
	call := func(key string, other bool) (any, error) {
		a := amount
		if other {
			a++
		}
		return w.db.Topup(context.Background(), key, a)
	}
	key := w.key("topup")
	t, err := call(key, false)
	if !w.outcome("topup", err) {
		return
	}
	w.topups.Add(amount)
	if m := w.model; m != nil {
		m.topped += amount
	}
	w.remember("topup", key, t, call)
}

func (w *worker) remember(op, key string, result any, call func(string, bool) (any, error)) {
	if o, ok := result.(*wallet.Order); ok {
		w.seen(o)
	}
	b, err := json.Marshal(result)
	if err != nil {
		w.failf("%s: encode result: %v", op, err)
		return
	}
	w.addRecord(&record{op: op, key: key, result: string(b), call: call})
}

func (w *worker) create() {
	var d wallet.OrderDraft
	if w.rng.IntN(30) == 0 {
		// A runaway agent asks for the same thing again.
		if id, ok := w.pickOrder(w.rng); ok {
			o, err := w.db.Order(context.Background(), id)
			if err != nil {
				w.failf("order %d: %v", id, err)
				return
			}
			d = wallet.OrderDraft{Payee: o.Payee, Lines: o.Lines, Channel: o.Channel, Agent: o.Agent}
		}
	}
	if d.Payee == "" {
		d = w.draft()
	}
	call := func(key string, other bool) (any, error) {
		d := d
		if other {
			d.Memo = "another"
		}
		return w.db.CreateOrder(context.Background(), key, d)
	}
	key := w.key("create")
	res, err := call(key, false)
	if !w.outcome("create", err) {
		return
	}
	o := res.(*wallet.Order)
	if o.State != wallet.Drafted || o.HoldID != 0 {
		w.failf("created order %d is %s with hold %d", o.ID, o.State, o.HoldID)
	}
	w.addOrder(o.ID)
	if m := w.model; m != nil {
		m.orders[o.ID] = o
	}
	w.remember("create", key, o, call)
}

// expect is what the model says an order call must return, before the
// call-specific rules: ErrOrderState for an ended order, ErrExpired for a
// lapsed one. It applies the expiry to the model.
func (w *worker) expect(id uint64) (o *wallet.Order, want error) {
	m := w.model
	if m == nil {
		return nil, nil
	}
	o = m.orders[id]
	switch {
	case !o.State.Open():
		return o, wallet.ErrOrderState
	case lapsed(o, w.db.Clock.Now()):
		m.end(o, wallet.Expired)
		return o, wallet.ErrExpired
	}
	return o, nil
}

// checkExpect compares err with the model's expectation. It reports whether
// the call-specific checks should go on.
func (w *worker) checkExpect(op string, id uint64, want, err error) bool {
	if w.model == nil {
		return true
	}
	if want != nil {
		if !errors.Is(err, want) {
			w.failf("%s order %d: got %v, the model says %v", op, id, err, want)
		}
		return false
	}
	if errors.Is(err, wallet.ErrOrderState) || errors.Is(err, wallet.ErrExpired) {
		w.failf("%s order %d: got %v, the model says it is open: %+v", op, id, err, w.model.orders[id])
		return false
	}
	return true
}

func (w *worker) modify() {
	id, ok := w.pickOrder(w.rng, wallet.Drafted, wallet.Confirmed)
	if !ok {
		return
	}
	lines := w.draft().Lines
	call := func(key string, other bool) (any, error) {
		l := slices.Clone(lines)
		if other {
			l[0].Quantity++
		}
		return w.db.ModifyOrder(context.Background(), key, id, l)
	}
	mo, want := w.expect(id)
	key := w.key("modify")
	res, err := call(key, false)
	ok = w.outcome("modify", err, wallet.ErrOrderState, wallet.ErrExpired)
	if !w.checkExpect("modify", id, want, err) || !ok {
		return
	}
	o := res.(*wallet.Order)
	if o.State != wallet.Drafted || o.HoldID != 0 || o.Decision != nil {
		w.failf("modified order %d is %s with hold %d", o.ID, o.State, o.HoldID)
	}
	if m := w.model; m != nil {
		if mo.State == wallet.Confirmed {
			m.held -= mo.Total
		}
		m.orders[id] = o
	}
	w.remember("modify", key, o, call)
}

func (w *worker) confirm() {
	id, ok := w.pickOrder(w.rng, wallet.Drafted)
	if !ok {
		return
	}
	call := func(key string, other bool) (any, error) {
		i := id
		if other {
			i++
		}
		return w.db.ConfirmOrder(context.Background(), key, i)
	}
	mo, want := w.expect(id)
	if mo != nil && want == nil && mo.State != wallet.Drafted {
		want = wallet.ErrOrderState
	}
	key := w.key("confirm")
	res, err := call(key, false)
	ok = w.outcome("confirm", err, wallet.ErrOrderState, wallet.ErrExpired, wallet.ErrBlocked,
		wallet.ErrInsufficientFunds, wallet.ErrFrozen)
	if !w.checkExpect("confirm", id, want, err) {
		return
	}
	if m := w.model; m != nil {
		switch {
		case errors.Is(err, wallet.ErrInsufficientFunds) && m.available() >= mo.Total:
			w.failf("confirm order %d of %d: insufficient funds with %d available", id, mo.Total, m.available())
		case errors.Is(err, wallet.ErrFrozen) && !m.frozen:
			w.failf("confirm order %d: frozen, the model says not", id)
		case err == nil && (m.frozen || m.available() < mo.Total):
			w.failf("confirm order %d of %d went through with %d available, frozen %v", id, mo.Total, m.available(), m.frozen)
		case errors.Is(err, wallet.ErrBlocked):
			m.orders[id] = res.(*wallet.Order)
		}
	}
	if !ok {
		return
	}
	o := res.(*wallet.Order)
	if o.State != wallet.Confirmed || o.HoldID == 0 || o.Decision == nil || o.Decision.Action == wallet.ActionBlock {
		w.failf("confirmed order %d is %s with hold %d and decision %+v", o.ID, o.State, o.HoldID, o.Decision)
	}
	if m := w.model; m != nil {
		m.held += o.Total
		m.orders[id] = o
	}
	w.remember("confirm", key, o, call)
}

func (w *worker) authorize() {
	id, ok := w.pickOrder(w.rng, wallet.Confirmed)
	if !ok {
		return
	}
	callWith := func(pin string) func(string, bool) (any, error) {
		return func(key string, other bool) (any, error) {
			a := wallet.Authorization{Device: "glasses", Method: "session", PIN: pin}
			if other {
				a.Device = "cli"
			}
			return w.db.AuthorizeOrder(context.Background(), key, id, a)
		}
	}
	allowed := []error{wallet.ErrOrderState, wallet.ErrExpired, wallet.ErrStepUpRequired, wallet.ErrFrozen}
	mo, want := w.expect(id)
	if mo != nil && want == nil && mo.State != wallet.Confirmed {
		want = wallet.ErrOrderState
	}
	key := w.key("authorize")
	res, err := callWith("")(key, false)
	pin := ""
	if errors.Is(err, wallet.ErrStepUpRequired) && w.rng.IntN(3) == 0 && w.pins.Add(1) <= maxPINs {
		// The person says the PIN, mostly right.
		pin = randomPIN
		if w.rng.IntN(4) == 0 {
			pin = "00000"
		}
		allowed = append(allowed, wallet.ErrBadPIN, wallet.ErrPINLocked)
		res, err = callWith(pin)(key, false)
	}
	ok = w.outcome("authorize", err, allowed...)
	if m := w.model; m != nil {
		switch {
		case want != nil:
			if !errors.Is(err, want) {
				w.failf("authorize order %d: got %v, the model says %v", id, err, want)
			}
			return
		case !mo.StepUp():
			if m.frozen != errors.Is(err, wallet.ErrFrozen) || (!m.frozen && err != nil) {
				w.failf("authorize order %d: got %v, frozen %v", id, err, m.frozen)
			}
		case pin == "":
			if !errors.Is(err, wallet.ErrStepUpRequired) {
				w.failf("authorize order %d without the PIN it needs: got %v", id, err)
			}
		case pin != randomPIN:
			if !errors.Is(err, wallet.ErrBadPIN) && !errors.Is(err, wallet.ErrPINLocked) {
				w.failf("authorize order %d with a wrong PIN: got %v", id, err)
			}
		case m.frozen:
			if !errors.Is(err, wallet.ErrFrozen) && !errors.Is(err, wallet.ErrPINLocked) {
				w.failf("authorize order %d while frozen: got %v", id, err)
			}
		}
	}
	if !ok {
		return
	}
	o := res.(*wallet.Order)
	if o.State != wallet.Paid || o.Receipt == nil {
		w.failf("authorized order %d is %s", o.ID, o.State)
	} else if err := wallet.VerifyReceipt(w.db.PublicKey(), o, o.Receipt); err != nil {
		w.failf("authorized order %d: receipt: %v", o.ID, err)
	} else if want := map[bool]string{true: "pin", false: "session"}[pin != ""]; o.Receipt.Method != want {
		w.failf("authorized order %d: method %q, want %q", o.ID, o.Receipt.Method, want)
	}
	if m := w.model; m != nil {
		m.held -= o.Total
		m.paid += o.Total
		m.orders[id] = o
	}
	// Retries need no PIN: the key stands for the authorization given.
	w.remember("authorize", key, o, callWith(""))
}

func (w *worker) cancel() {
	id, ok := w.pickOrder(w.rng, wallet.Drafted, wallet.Confirmed)
	if !ok {
		return
	}
	call := func(key string, other bool) (any, error) {
		i := id
		if other {
			i++
		}
		return w.db.CancelOrder(context.Background(), key, i)
	}
	_, want := w.expect(id)
	key := w.key("cancel")
	res, err := call(key, false)
	ok = w.outcome("cancel", err, wallet.ErrOrderState, wallet.ErrExpired)
	if !w.checkExpect("cancel", id, want, err) || !ok {
		return
	}
	o := res.(*wallet.Order)
	if o.State != wallet.Cancelled || o.HoldID != 0 {
		w.failf("cancelled order %d is %s with hold %d", o.ID, o.State, o.HoldID)
	}
	if m := w.model; m != nil {
		m.end(m.orders[id], wallet.Cancelled)
		m.orders[id] = o
	}
	w.remember("cancel", key, o, call)
}

func (w *worker) sweep() {
	// Time jumps: sometimes past a hold, sometimes past whole orders.
	w.db.Clock.Advance(time.Duration(w.rng.Int64N(int64(12 * time.Minute))))
	expired, err := w.db.Sweep(context.Background())
	if !w.outcome("sweep", err) {
		return
	}
	for _, o := range expired {
		w.seen(o)
		if o.State != wallet.Expired || o.HoldID != 0 {
			w.failf("swept order %d is %s with hold %d", o.ID, o.State, o.HoldID)
		}
	}
	w.count(fmt.Sprintf("sweep:expired>0=%v", len(expired) > 0))
	if m := w.model; m != nil {
		now := w.db.Clock.Now()
		var want []uint64
		for id, o := range m.orders {
			if o.State.Open() && lapsed(o, now) {
				want = append(want, id)
				m.end(o, wallet.Expired)
			}
		}
		slices.Sort(want)
		var got []uint64
		for _, o := range expired {
			got = append(got, o.ID)
		}
		if !slices.Equal(got, want) {
			w.failf("sweep expired %v, the model says %v", got, want)
		}
	}
}

// retry repeats a successful call with its key: it must return the very
// same result and change nothing.
func (w *worker) retry() {
	rec := w.pickRecord(w.rng)
	if rec == nil {
		return
	}
	res, err := rec.call(rec.key, false)
	if !w.outcome("retry", err) {
		return
	}
	b, _ := json.Marshal(res)
	if string(b) != rec.result {
		w.failf("retry of %s %s returned\n%s\nfirst\n%s", rec.op, rec.key, b, rec.result)
	}
}

// conflict reuses a key with other parameters.
func (w *worker) conflict() {
	rec := w.pickRecord(w.rng)
	if rec == nil {
		return
	}
	_, err := rec.call(rec.key, true)
	if err == nil || !errors.Is(err, wallet.ErrIdempotencyConflict) {
		w.failf("reuse of %s key %s with other parameters: got %v, want %v", rec.op, rec.key, err, wallet.ErrIdempotencyConflict)
		return
	}
	w.count("conflict")
}

func (w *worker) freeze() {
	if w.outcome("freeze", w.db.Freeze(context.Background())) && w.model != nil {
		w.model.frozen = true
	}
}

func (w *worker) unfreeze() {
	acct, err := w.db.Account(context.Background(), wallet.UserAccount)
	if err != nil {
		w.failf("account: %v", err)
		return
	}
	if !acct.Frozen {
		return
	}
	if w.outcome("unfreeze", w.db.Unfreeze(context.Background(), randomPIN), wallet.ErrPINLocked) && w.model != nil {
		w.model.frozen = false
	}
}

// bad makes calls that must be refused as invalid or unknown.
func (w *worker) bad() {
	ctx := context.Background()
	d := w.draft()
	d.Lines[0].Quantity = -1
	_, err := w.db.CreateOrder(ctx, w.key("bad"), d)
	if !errors.Is(err, wallet.ErrInvalid) {
		w.failf("create with a negative quantity: got %v, want %v", err, wallet.ErrInvalid)
	}
	_, err = w.db.ConfirmOrder(ctx, w.key("bad"), 1<<40)
	if !errors.Is(err, wallet.ErrNotFound) {
		w.failf("confirm an unknown order: got %v, want %v", err, wallet.ErrNotFound)
	}
	_, err = w.db.Topup(ctx, w.key("bad"), -w.rng.Int64N(100))
	if !errors.Is(err, wallet.ErrInvalid) {
		w.failf("top up a negative amount: got %v, want %v", err, wallet.ErrInvalid)
	}
	w.count("bad")
}

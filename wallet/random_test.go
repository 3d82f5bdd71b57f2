package wallet_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/voicepay/voicepay/risk"
	"github.com/voicepay/voicepay/wallet"
)

var seedFlag = flag.Int64("seed", 0, "seed of TestRandomOps; 0 takes $VOICEPAY_SEED, else the time")

// randomSeed is the seed from -seed, then $VOICEPAY_SEED, then the clock.
func randomSeed(t *testing.T) int64 {
	if *seedFlag != 0 {
		return *seedFlag
	}
	if s := os.Getenv("VOICEPAY_SEED"); s != "" {
		seed, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("VOICEPAY_SEED=%q: %v", s, err)
		}
		return seed
	}
	return time.Now().UnixNano()
}

// TestRandomOps runs seeded random mixes of every ledger operation, one
// goroutine at a time and then from several at once, and checks the
// ledger's invariants as it goes. A failure names its seed; replay it with
// go test -run TestRandomOps ./wallet/ -args -seed N (or VOICEPAY_SEED=N).
func TestRandomOps(t *testing.T) {
	seed := randomSeed(t)
	t.Logf("seed %d: replay with -args -seed %d or VOICEPAY_SEED=%d", seed, seed, seed)
	// One goroutine waits out every commit's fsync alone, so the
	// sequential run is the shorter; the concurrent one shares commits.
	sequential, concurrent := 5000, 10000
	if testing.Short() {
		sequential, concurrent = 1000, 2000
	}
	t.Run("sequential", func(t *testing.T) {
		runRandom(t, seed, 1, sequential, 500)
	})
	t.Run("concurrent", func(t *testing.T) {
		runRandom(t, seed, 8, concurrent, 250)
	})
}

// The PIN the random runs set.
const randomPIN = "31415"

// randomLimits are the engine's defaults with the daily limit lifted, so
// that a long simulated day still has payments to make. Every other rule
// stays: big amounts step up or block, agents and new payees step up, odd
// hours step up, repeats block, busy hours go to review.
func randomLimits() risk.Limits {
	l := risk.DefaultLimits()
	l.DailyLimit = 1 << 40
	return l
}

// runRandom runs ops operations from workers goroutines, stopping every
// checkEvery operations per worker to check the ledger while nothing moves.
func runRandom(t *testing.T, seed int64, workers, ops, checkEvery int) {
	db := MustOpenDB(t, WithScreen(RiskScreen{Engine: risk.New(randomLimits())}))
	db.MustSetPIN(t, randomPIN)
	r := &run{t: t, db: db, seed: seed, states: map[uint64]wallet.OrderState{}}
	ws := make([]*worker, workers)
	for i := range ws {
		ws[i] = &worker{run: r, id: i, rng: rand.New(rand.NewPCG(uint64(seed), uint64(i)))}
		if workers == 1 {
			ws[i].model = &model{orders: map[uint64]*wallet.Order{}}
		}
	}
	perWorker := ops / workers
	start := time.Now()
	for done := 0; done < perWorker && !r.stopped(); done += checkEvery {
		n := min(checkEvery, perWorker-done)
		var wg sync.WaitGroup
		stop := make(chan struct{})
		if workers > 1 {
			// Verification reads a consistent snapshot while writes go on.
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					case <-time.After(100 * time.Millisecond):
						CheckLedger(t, db.DB)
					}
				}
			})
		}
		var ww sync.WaitGroup
		for _, w := range ws {
			ww.Go(func() {
				for range n {
					if r.stopped() {
						return
					}
					w.step()
				}
			})
		}
		ww.Wait()
		close(stop)
		wg.Wait()
		r.reconcile()
		for _, w := range ws {
			if w.model != nil {
				w.model.check(r)
			}
		}
	}
	var counts []string
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		r.counts.Range(func(k, _ any) bool { return yield(k.(string)) })
	}) {
		v, _ := r.counts.Load(name)
		counts = append(counts, fmt.Sprintf("%s=%d", name, v.(*atomic.Int64).Load()))
	}
	t.Logf("%d ops from %d goroutines in %s: %v", perWorker*workers, workers, time.Since(start).Round(time.Millisecond), counts)
}

// run is what the workers of one random run share.
type run struct {
	t    *testing.T
	db   *DB
	seed int64

	mu      sync.Mutex
	orders  []uint64 // every order created
	states  map[uint64]wallet.OrderState
	records []*record // successful keyed calls, for retries
	pins    atomic.Int64
	topups  atomic.Int64 // money really topped up
	fails   atomic.Int64
	counts  sync.Map // outcome -> *atomic.Int64
}

// maxPINs bounds the PIN checks of a run: argon2id is slow on purpose.
const maxPINs = 24

func (r *run) stopped() bool { return r.fails.Load() >= 10 }

func (r *run) failf(format string, args ...any) {
	r.fails.Add(1)
	r.t.Errorf("seed %d: "+format, append([]any{r.seed}, args...)...)
}

func (r *run) count(name string) {
	v, _ := r.counts.LoadOrStore(name, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
}

func (r *run) addOrder(id uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.orders = append(r.orders, id)
}

// seen remembers the state an order was last seen in.
func (r *run) seen(o *wallet.Order) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.states[o.ID] = o.State
}

// pickOrder mostly picks a recent order last seen in one of states, where
// the call has something to do, and sometimes any order at all.
func (r *run) pickOrder(rng *rand.Rand, states ...wallet.OrderState) (uint64, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.orders) == 0 {
		return 0, false
	}
	if rng.IntN(10) == 0 {
		return r.orders[rng.IntN(len(r.orders))], true
	}
	recent := r.orders[max(0, len(r.orders)-64):]
	var fit []uint64
	for _, id := range recent {
		if slices.Contains(states, r.states[id]) {
			fit = append(fit, id)
		}
	}
	if len(fit) > 0 {
		return fit[rng.IntN(len(fit))], true
	}
	return recent[rng.IntN(len(recent))], true
}

func (r *run) addRecord(rec *record) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records = append(r.records, rec)
}

func (r *run) pickRecord(rng *rand.Rand) *record {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.records) == 0 {
		return nil
	}
	return r.records[rng.IntN(len(r.records))]
}

// record is one successful keyed call: calling it again with the same key
// must give back the same result, and with other parameters a conflict.
type record struct {
	op     string
	key    string
	result string // JSON
	call   func(key string, other bool) (any, error)
}

// reconcile checks, while nothing moves, that the accounts agree with the
// orders: the user paid exactly the paid orders and holds exactly the
// confirmed ones, each payee got what was paid to it, and the user got
// exactly what was topped up.
func (r *run) reconcile() {
	r.t.Helper()
	ctx := context.Background()
	CheckLedger(r.t, r.db.DB)
	orders, err := r.db.Orders(ctx, 0)
	if err != nil {
		r.failf("orders: %v", err)
		return
	}
	accts, err := r.db.Accounts(ctx)
	if err != nil {
		r.failf("accounts: %v", err)
		return
	}
	byID := map[string]*wallet.Account{}
	for _, a := range accts {
		byID[a.ID] = a
	}
	paid, held := map[string]int64{}, map[string]int64{}
	var paidAll, heldAll int64
	for _, o := range orders {
		switch o.State {
		case wallet.Paid:
			paid[o.Payee] += o.Total
			paidAll += o.Total
			if err := wallet.VerifyReceipt(r.db.PublicKey(), o, o.Receipt); err != nil {
				r.failf("order %d: receipt: %v", o.ID, err)
			}
		case wallet.Confirmed:
			held[o.Payee] += o.Total
			heldAll += o.Total
			if o.HoldID == 0 {
				r.failf("confirmed order %d has no hold", o.ID)
			}
		default:
			if o.HoldID != 0 {
				r.failf("%s order %d keeps hold %d", o.State, o.ID, o.HoldID)
			}
		}
	}
	user := byID[wallet.UserAccount]
	if user.DebitsPosted != paidAll || user.DebitsPending != heldAll {
		r.failf("user paid %d and holds %d; the orders say %d and %d", user.DebitsPosted, user.DebitsPending, paidAll, heldAll)
	}
	if got, want := user.CreditsPosted, r.topups.Load(); got != want {
		r.failf("user was credited %d, topped up %d", got, want)
	}
	for id, a := range byID {
		if id == wallet.UserAccount || id == wallet.ExternalAccount || id == wallet.CompensationAccount {
			continue
		}
		if a.CreditsPosted != paid[id] || a.CreditsPending != held[id] {
			r.failf("payee %s got %d with %d pending; the orders say %d and %d",
				id, a.CreditsPosted, a.CreditsPending, paid[id], held[id])
		}
	}
}

// model is what the sequential run expects of each order, so that it can
// say exactly which outcome each call must have.
type model struct {
	orders map[uint64]*wallet.Order // as last returned
	frozen bool
	topped int64
	paid   int64
	held   int64
}

func (m *model) available() int64 { return m.topped - m.paid - m.held }

// lapsed is the wallet's rule for when an open order has run out.
func lapsed(o *wallet.Order, now time.Time) bool {
	if o.State == wallet.Confirmed && !now.Before(o.HoldExpires) {
		return true
	}
	return !now.Before(o.Expires)
}

func (m *model) end(o *wallet.Order, state wallet.OrderState) {
	if o.State == wallet.Confirmed {
		m.held -= o.Total
	}
	o.State, o.HoldID = state, 0
}

func (m *model) check(r *run) {
	for id, want := range m.orders {
		got := r.db.MustOrder(r.t, id)
		if got.State != want.State || got.Total != want.Total || got.HoldID != want.HoldID {
			r.failf("order %d is %s of %d with hold %d, the model says %s of %d with hold %d",
				id, got.State, got.Total, got.HoldID, want.State, want.Total, want.HoldID)
		}
	}
	user := r.db.MustAccount(r.t, wallet.UserAccount)
	if user.Balance() != m.topped-m.paid || user.DebitsPending != m.held || user.Frozen != m.frozen {
		r.failf("user %+v, the model says balance %d, held %d, frozen %v", user, m.topped-m.paid, m.held, m.frozen)
	}
}

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
	switch p := w.rng.IntN(1000); {
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
	default:
		w.bad()
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

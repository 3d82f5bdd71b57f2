package wallet_test

import (
	"context"
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
	db.MustPairAgent(t, randomAgent)
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

	mu       sync.Mutex
	orders   []uint64 // every order created
	mandates []uint64 // every mandate proposed
	states   map[uint64]wallet.OrderState
	records  []*record // successful keyed calls, for retries
	pins     atomic.Int64
	topups   atomic.Int64 // money really topped up
	fails    atomic.Int64
	counts   sync.Map // outcome -> *atomic.Int64
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
// orders and mandates: the user paid exactly the paid orders and the charges
// under mandates and holds exactly the confirmed orders, each payee got what
// was paid to it, and the user got exactly what was topped up.
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
	charged, chargedTo := r.reconcileMandates()
	paidAll += charged
	for id, v := range chargedTo {
		paid[id] += v
	}
	user := byID[wallet.UserAccount]
	if user.DebitsPosted != paidAll || user.DebitsPending != heldAll {
		r.failf("user paid %d and holds %d; the orders and mandates say %d and %d", user.DebitsPosted, user.DebitsPending, paidAll, heldAll)
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

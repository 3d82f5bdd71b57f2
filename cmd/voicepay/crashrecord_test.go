package main

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/voicepay/voicepay/agent/ws"
	"github.com/voicepay/voicepay/wallet"
)

// crashRecord is what the clients of TestCrash had acknowledged, and how
// their resends were answered.
type crashRecord struct {
	t     *testing.T
	abort func() // ends the run at the first failure

	mu       sync.Mutex
	turns    int
	payments map[uint64]int64 // acknowledged paid: order id to total
	topups   map[uint64]int64 // acknowledged: transfer id to amount
	charges  map[uint64]int64 // acknowledged: transfer id to amount
	inflight int              // requests a kill caught, resent
	retried  int              // resends, of those and of requests answered before a restart
	original int              // resends answered as the request was first
	checks   int              // ledger checks after a restart
	lost     int              // acknowledged, and not in the ledger
	doubled  int              // in the ledger twice, or not acknowledged
}

func newCrashRecord(t *testing.T) *crashRecord {
	return &crashRecord{t: t, payments: map[uint64]int64{}, topups: map[uint64]int64{}, charges: map[uint64]int64{}}
}

// fail fails the test and ends the run.
func (r *crashRecord) fail(format string, args ...any) {
	r.t.Errorf(format, args...)
	r.abort()
}

// turn counts a dialog turn; resent, a kill caught it in flight.
func (r *crashRecord) turn(resent bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.turns++
	r.resent(resent)
}

// resent counts a request a kill caught in flight and resent, which its
// client found answered as it should be.
func (r *crashRecord) resent(resent bool) {
	if resent {
		r.inflight++
		r.retried++
		r.original++
	}
}

// retry counts a request answered before a restart and resent after it.
func (r *crashRecord) retry(ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.retried++
	if ok {
		r.original++
	}
}

func (r *crashRecord) paid(order uint64, total int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.payments[order]; ok {
		r.doubled++
		r.t.Errorf("order %d acknowledged paid twice", order)
	}
	r.payments[order] = total
}

func (r *crashRecord) topup(t *wallet.Transfer, resent bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.resent(resent)
	if _, ok := r.topups[t.ID]; ok {
		r.doubled++
		r.t.Errorf("two top-ups acknowledged with transfer %d", t.ID)
	}
	r.topups[t.ID] = t.Amount
}

func (r *crashRecord) charge(c *crashCharge, resent bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.resent(resent)
	if _, ok := r.charges[c.Transfer]; ok {
		r.doubled++
		r.t.Errorf("two charges acknowledged with transfer %d", c.Transfer)
	}
	r.charges[c.Transfer] = c.Amount
}

// acknowledged is a copy of what was acknowledged so far.
func (r *crashRecord) acknowledged() (payments, topups, charges map[uint64]int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.payments), maps.Clone(r.topups), maps.Clone(r.charges)
}

// crashLedger is the user's history, as the checks read it.
type crashLedger struct {
	posts   map[uint64][]*wallet.Transfer // by order
	topups  map[uint64]*wallet.Transfer   // by transfer id, the first (from init) too
	charges map[uint64]*wallet.Transfer
	holds   map[uint64]*wallet.Transfer // open: neither posted nor voided
	balance int64                       // re-derived from the history
}

func readLedger(ts []*wallet.Transfer) (*crashLedger, error) {
	l := &crashLedger{posts: map[uint64][]*wallet.Transfer{}, topups: map[uint64]*wallet.Transfer{},
		charges: map[uint64]*wallet.Transfer{}, holds: map[uint64]*wallet.Transfer{}}
	for _, t := range ts {
		switch {
		case t.Kind == wallet.Pending:
			l.holds[t.ID] = t
		case t.Kind == wallet.Post && strings.HasPrefix(t.Ref, "order:"):
			order, err := strconv.ParseUint(strings.TrimPrefix(t.Ref, "order:"), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("transfer %d: ref %q", t.ID, t.Ref)
			}
			l.posts[order] = append(l.posts[order], t)
			l.balance -= t.Amount
		case t.Kind == wallet.Single && t.Ref == "topup" && t.Credit == wallet.UserAccount:
			l.topups[t.ID] = t
			l.balance += t.Amount
		case t.Kind == wallet.Single && strings.HasPrefix(t.Ref, "mandate:") && t.Debit == wallet.UserAccount:
			l.charges[t.ID] = t
			l.balance -= t.Amount
		case t.Kind == wallet.Void:
		default:
			return nil, fmt.Errorf("transfer %d: %+v is none of the run's", t.ID, t)
		}
	}
	for _, t := range ts {
		if t.Kind == wallet.Post || t.Kind == wallet.Void {
			delete(l.holds, t.PendingID)
		}
	}
	return l, nil
}

// checkLedger checks the ledger of the daemon that is up: the audit chain
// verifies, and every payment, top-up and charge acknowledged so far is in
// it once. At the end of the run (final), when nothing is in flight, the
// ledger holds nothing else: every payment, top-up and charge in it was
// acknowledged.
func (r *crashRecord) checkLedger(ctx context.Context, d *crashDaemon, final bool) {
	r.t.Helper()
	payments, topups, charges := r.acknowledged()
	rep, err := d.verify(ctx)
	if err != nil {
		r.fail("after %d kills: audit verify: %v", d.kills, err)
		return
	}
	if !rep.OK() {
		r.fail("after %d kills: audit verify: %s", d.kills, strings.Join(rep.Problems, "; "))
	}
	ts, err := d.history(ctx)
	if err != nil {
		r.fail("after %d kills: %v", d.kills, err)
		return
	}
	l, err := readLedger(ts)
	if err != nil {
		r.fail("after %d kills: %v", d.kills, err)
		return
	}
	lost, doubled := l.compare(payments, topups, charges, final)
	r.mu.Lock()
	r.checks++
	if final {
		r.lost, r.doubled = r.lost+len(lost), r.doubled+len(doubled)
	}
	r.mu.Unlock()
	for _, p := range append(lost, doubled...) {
		r.fail("after %d kills: %s", d.kills, p)
	}
}

// compare finds what was acknowledged and is not in the ledger, and what
// is in it more than once; with all, also what is in it and was not
// acknowledged.
func (l *crashLedger) compare(payments, topups, charges map[uint64]int64, all bool) (lost, doubled []string) {
	for order, total := range payments {
		switch ps := l.posts[order]; {
		case len(ps) == 0:
			lost = append(lost, fmt.Sprintf("order %d was acknowledged paid, and is not", order))
		case len(ps) > 1 || ps[0].Amount != total:
			doubled = append(doubled, fmt.Sprintf("order %d of %d was paid by %d posts", order, total, len(ps)))
		}
	}
	for _, m := range []struct {
		what   string
		acked  map[uint64]int64
		ledger map[uint64]*wallet.Transfer
	}{{"top-up", topups, l.topups}, {"charge", charges, l.charges}} {
		for id, amount := range m.acked {
			if t, ok := m.ledger[id]; !ok || t.Amount != amount {
				lost = append(lost, fmt.Sprintf("%s %d of %d was acknowledged, and the ledger has %+v", m.what, id, amount, t))
			}
		}
	}
	if !all {
		return lost, doubled
	}
	for order, ps := range l.posts {
		if _, ok := payments[order]; !ok {
			doubled = append(doubled, fmt.Sprintf("order %d was paid, and never acknowledged (%d posts)", order, len(ps)))
		}
	}
	// The first top-up is init's, before the run.
	if n := len(l.topups) - 1; n != len(topups) {
		doubled = append(doubled, fmt.Sprintf("%d top-ups in the ledger, %d acknowledged", n, len(topups)))
	}
	for id, t := range l.charges {
		if _, ok := charges[id]; !ok {
			doubled = append(doubled, fmt.Sprintf("charge transfer %d of %d was never acknowledged", id, t.Amount))
		}
	}
	return lost, doubled
}

// checkHolds checks, once the holds the kills left have lapsed, that none
// is open, nothing is held, and the balance is what the history adds up to.
func (r *crashRecord) checkHolds(ctx context.Context, d *crashDaemon) {
	r.t.Helper()
	ts, err := d.history(ctx)
	if err != nil {
		r.fail("%v", err)
		return
	}
	l, err := readLedger(ts)
	if err != nil {
		r.fail("%v", err)
		return
	}
	for id, h := range l.holds {
		r.t.Errorf("hold %d (%s) is still open %s after it expired", id, h.Ref, time.Since(h.Expires).Round(time.Millisecond))
	}
	c, err := d.api(ctx)
	if err != nil {
		r.fail("%v", err)
		return
	}
	var b ws.Balance
	if err := c.Get(ctx, "/v1/wallet/balance", &b); err != nil {
		r.fail("balance: %v", err)
		return
	}
	if b.Held != 0 || b.Balance != b.Available || b.Balance != l.balance {
		r.t.Errorf("balance %+v, want nothing held and %d, as the history adds up", b, l.balance)
	}
}

// summary is the run in one line.
func (r *crashRecord) summary(kills int, took time.Duration) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return fmt.Sprintf("crash: %d kills, %d turns; acknowledged %d payments, %d top-ups, %d charges; "+
		"%d requests caught in flight; %d retried requests, %d got their original answer; lost %d, doubled %d; "+
		"%d ledger checks; %s",
		kills, r.turns, len(r.payments), len(r.topups), len(r.charges), r.inflight, r.retried, r.original,
		r.lost, r.doubled, r.checks, took.Round(time.Second))
}

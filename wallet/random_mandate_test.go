package wallet_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/voicepay/voicepay/wallet"
)

// randomAgent is the agent of the random runs' mandates.
const randomAgent = "claude-code"

// mandateStep makes one random mandate call.
func (w *worker) mandateStep() {
	switch p := w.rng.IntN(10); {
	case p < 2:
		w.proposeMandate()
	case p < 4:
		w.answerMandate()
	default:
		w.chargeMandate()
	}
}

func (w *worker) proposeMandate() {
	payee := payees[w.rng.IntN(len(payees))]
	d := wallet.MandateDraft{Kind: wallet.MandateSubscription, Agent: randomAgent, Payee: wallet.PayeeAccount(payee),
		PayeeName: payee, Unit: []string{"use", "minute"}[w.rng.IntN(2)], UnitPrice: 10 + w.rng.Int64N(500),
		Period:  []time.Duration{0, time.Hour, 24 * time.Hour}[w.rng.IntN(3)],
		Expires: w.db.Clock.Now().Add(10*time.Minute + time.Duration(w.rng.Int64N(int64(48*time.Hour))))}
	d.Cap = d.UnitPrice * (1 + w.rng.Int64N(20))
	if w.rng.IntN(3) == 0 {
		d.Kind, d.Unit, d.UnitPrice = wallet.MandateTip, "tip", 0
		d.Cap = 100 + w.rng.Int64N(20000)
		d.First = 1 + w.rng.Int64N(d.Cap)
	}
	call := func(key string, other bool) (any, error) {
		d := d
		if other {
			d.Cap++
		}
		return w.db.ProposeMandate(context.Background(), key, d)
	}
	key := w.key("propose_mandate")
	res, err := call(key, false)
	if !w.outcome("propose_mandate", err) {
		return
	}
	w.addMandate(res.(*wallet.Mandate).ID)
	w.remember("propose_mandate", key, res, call)
}

// answerMandate is the person approving, declining or revoking a mandate.
func (w *worker) answerMandate() {
	id, ok := w.pickMandate(w.rng)
	if !ok {
		return
	}
	ctx := context.Background()
	var before *wallet.Mandate
	if w.model != nil {
		before = w.db.MustMandate(w.t, id)
	}
	allowed := []error{wallet.ErrMandateNotActive, wallet.ErrMandateApproved, wallet.ErrMandateExpired,
		wallet.ErrMandateRevoked, wallet.ErrMandateCap}
	switch p := w.rng.IntN(10); {
	case p < 7:
		call := func(key string, other bool) (any, error) {
			a := wallet.Authorization{Device: "cli", Method: "session"}
			if other {
				a.Device = "glasses"
			}
			m, c, err := w.db.ApproveMandate(ctx, key, id, a)
			return [2]any{m, c}, err
		}
		key := w.key("approve_mandate")
		res, err := call(key, false)
		ok := w.outcome("approve_mandate", err, append(allowed, wallet.ErrBlocked, wallet.ErrInsufficientFunds, wallet.ErrFrozen)...)
		first := int64(0)
		if before != nil && before.Kind == wallet.MandateTip {
			first = before.First
		}
		if before != nil && before.State == wallet.MandateProposed {
			w.checkFunds("approve mandate", id, first, err)
		}
		if ok {
			m := res.([2]any)[0].(*wallet.Mandate)
			if m.State == wallet.MandateProposed || m.TotalSpent != m.First {
				w.failf("approved mandate %d: %+v", id, m)
			}
			w.remember("approve_mandate", key, res, call)
		}
	case p < 8:
		m, err := w.db.DeclineMandate(ctx, w.key("decline_mandate"), id)
		if w.outcome("decline_mandate", err, allowed...) && m.State != wallet.MandateDeclined {
			w.failf("declined mandate %d is %s", id, m.State)
		}
	default:
		m, err := w.db.RevokeMandate(ctx, w.key("revoke_mandate"), id)
		if w.outcome("revoke_mandate", err, allowed...) && m.State != wallet.MandateRevoked {
			w.failf("revoked mandate %d is %s", id, m.State)
		}
	}
}

// chargeMandate is the agent recording usage, or tipping under its allowance.
func (w *worker) chargeMandate() {
	id, ok := w.pickMandate(w.rng)
	if !ok {
		return
	}
	units := 1 + w.rng.Int64N(5)
	var before *wallet.Mandate
	if w.model != nil {
		before = w.db.MustMandate(w.t, id)
		if before.Kind == wallet.MandateTip {
			units = 1 + w.rng.Int64N(before.Cap)
		}
	}
	call := func(key string, other bool) (any, error) {
		u := units
		if other {
			u++
		}
		c, m, err := w.db.ChargeMandate(context.Background(), key, id, randomAgent, u)
		return [2]any{c, m}, err
	}
	key := w.key("charge_mandate")
	res, err := call(key, false)
	ok = w.outcome("charge_mandate", err, wallet.ErrMandateCap, wallet.ErrMandateExpired, wallet.ErrMandateRevoked,
		wallet.ErrMandateNotActive, wallet.ErrBlocked, wallet.ErrInsufficientFunds, wallet.ErrFrozen)
	if before != nil {
		amount := units
		if before.Kind == wallet.MandateSubscription {
			amount *= before.UnitPrice
		}
		var want error
		switch before.State {
		case wallet.MandateProposed, wallet.MandateDeclined:
			want = wallet.ErrMandateNotActive
		case wallet.MandateExpired:
			want = wallet.ErrMandateExpired
		case wallet.MandateRevoked:
			want = wallet.ErrMandateRevoked
		default:
			if amount > before.Remaining() {
				want = wallet.ErrMandateCap
			}
		}
		if want != nil && !errors.Is(err, want) {
			w.failf("charge %d under mandate %d %+v: got %v, the model says %v", amount, id, before, err, want)
		} else if want == nil {
			w.checkFunds("charge mandate", id, amount, err)
		}
	}
	if !ok {
		return
	}
	m := res.([2]any)[1].(*wallet.Mandate)
	if m.PeriodSpent > m.Cap || (before != nil && m.TotalSpent != before.TotalSpent+res.([2]any)[0].(*wallet.Charge).Amount) {
		w.failf("charged mandate %d: %+v, before %+v", id, m, before)
	}
	w.remember("charge_mandate", key, res, call)
}

// checkFunds checks a call that debits amount (0: nothing) against the
// model's money, and counts what it paid.
func (w *worker) checkFunds(op string, id uint64, amount int64, err error) {
	m := w.model
	switch {
	case amount == 0 || errors.Is(err, wallet.ErrBlocked):
	case errors.Is(err, wallet.ErrFrozen) != m.frozen:
		w.failf("%s %d: got %v, frozen %v", op, id, err, m.frozen)
	case errors.Is(err, wallet.ErrInsufficientFunds) && m.available() >= amount:
		w.failf("%s %d of %d: insufficient funds with %d available", op, id, amount, m.available())
	case err == nil && m.available() < amount:
		w.failf("%s %d of %d went through with %d available", op, id, amount, m.available())
	case err == nil:
		m.paid += amount
	}
}

func (r *run) addMandate(id uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mandates = append(r.mandates, id)
}

// pickMandate mostly picks a recent mandate.
func (r *run) pickMandate(rng *rand.Rand) (uint64, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.mandates) == 0 {
		return 0, false
	}
	if rng.IntN(10) == 0 {
		return r.mandates[rng.IntN(len(r.mandates))], true
	}
	recent := r.mandates[max(0, len(r.mandates)-16):]
	return recent[rng.IntN(len(recent))], true
}

// reconcileMandates checks each mandate against its charges, and returns
// what was paid under mandates, in all and by payee.
func (r *run) reconcileMandates() (int64, map[string]int64) {
	ctx := context.Background()
	byPayee := map[string]int64{}
	var all int64
	ms, err := r.db.FindMandates(ctx, wallet.MandateFilter{})
	if err != nil {
		r.failf("mandates: %v", err)
		return 0, nil
	}
	for _, m := range ms {
		cs, err := r.db.MandateCharges(ctx, m.ID)
		if err != nil {
			r.failf("charges of mandate %d: %v", m.ID, err)
			continue
		}
		var sum int64
		for _, c := range cs {
			sum += c.Amount
		}
		if sum != m.TotalSpent || len(cs) != m.Charges || m.PeriodSpent > m.Cap {
			r.failf("mandate %d %+v has %d charges of %d", m.ID, m, len(cs), sum)
		}
		byPayee[m.Payee] += m.TotalSpent
		all += m.TotalSpent
	}
	return all, byPayee
}

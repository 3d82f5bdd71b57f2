package wallet

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A refund gives money back to the person: the payee an agent was paid
// through returns part or all of one payment, an order the agent proposed
// and the person paid, or a charge under one of its mandates. It is a
// single ledger transfer from the payee's account to the user's, with a
// receipt signed by the wallet's key, and the refunds of one payment never
// add up to more than it paid. Only the agent that was paid can refund,
// and only within its current pairing; it moves money toward the person
// only, so it needs no approval and no risk screen.

// bucketRefunds holds refunds by id, and by payment ("paid:order:12",
// "paid:charge:7") the total refunded of it.
var bucketRefunds = []byte("refunds")

// RefundRequest is what an agent asks to refund: one of OrderID or
// ChargeID, Amount minor units of it (0: all that is left), and why.
type RefundRequest struct {
	Agent    string `json:"agent"`
	OrderID  uint64 `json:"order_id,omitempty"`
	ChargeID uint64 `json:"charge_id,omitempty"`
	Amount   int64  `json:"amount,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// Refund is money given back of one payment.
type Refund struct {
	ID       uint64 `json:"id"`
	Agent    string `json:"agent"`
	Payment  string `json:"payment"` // what was paid: "order:12" or "charge:7"
	Payee    string `json:"payee"`   // the account the money came back from
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	Reason   string `json:"reason,omitempty"`
	Transfer uint64 `json:"transfer"`
	Paid     int64  `json:"paid"`     // what the payment paid
	Refunded int64  `json:"refunded"` // of it refunded so far, this refund included
	// To is the account paid back when not the person's: the compensation
	// fund, when it had already paid the person back on a claim.
	To   string    `json:"to,omitempty"`
	Time time.Time `json:"time"`
	// Signature is the wallet's Ed25519 signature over the refund's
	// fields (VerifyRefund): the person's receipt for it.
	Signature string `json:"signature"`
}

// signed is what a refund's signature covers.
func (r *Refund) signed() []byte {
	b, _ := json.Marshal(struct {
		ID       uint64 `json:"id"`
		Agent    string `json:"agent"`
		Payment  string `json:"payment"`
		Payee    string `json:"payee"`
		Amount   int64  `json:"amount"`
		Currency string `json:"currency"`
		Transfer uint64 `json:"transfer"`
		Time     string `json:"time"`
		To       string `json:"to,omitempty"`
	}{r.ID, r.Agent, r.Payment, r.Payee, r.Amount, r.Currency, r.Transfer, r.Time.UTC().Format(time.RFC3339Nano), r.To})
	return append([]byte("voicepay refund v1\x00"), b...)
}

// VerifyRefund checks that r carries a valid signature by pub.
func VerifyRefund(pub ed25519.PublicKey, r *Refund) error {
	sig, err := base64.StdEncoding.DecodeString(r.Signature)
	if err != nil || !ed25519.Verify(pub, r.signed(), sig) {
		return ErrBadReceipt
	}
	return nil
}

// payment is what a refund may give back of: what was paid, to whom.
type payment struct {
	ref   string // "order:12", "charge:7"
	payee string
	paid  int64
}

// RefundPayment refunds what r asks, idempotently by key, and returns the
// refund with its receipt. A payment of another agent, or of an earlier
// pairing, is not_found; one not paid is wrong_state; an amount past what
// is left to refund is invalid.
func (db *DB) RefundPayment(ctx context.Context, key string, r RefundRequest) (*Refund, error) {
	var out *Refund
	err := db.write(ctx, func(l *ltx) (err error) {
		out, err = idempotent(l, "refund", key, r, func() (*Refund, error) { return l.refund(r) })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("refund: %w", err)
	}
	return out, nil
}

func (l *ltx) refund(r RefundRequest) (*Refund, error) {
	if err := checkNote("reason", r.Reason); err != nil {
		return nil, err
	}
	since, err := pairedSince(l.Tx, r.Agent)
	if err != nil {
		return nil, err
	}
	p, err := l.payment(r, since)
	if err != nil {
		return nil, err
	}
	b := l.Bucket(bucketRefunds)
	var done int64
	if v := b.Get([]byte("paid:" + p.ref)); v != nil {
		if done, err = strconv.ParseInt(string(v), 10, 64); err != nil {
			return nil, fmt.Errorf("decode the refunds of %s: %w", p.ref, err)
		}
	}
	left := p.paid - done
	amount := r.Amount
	switch {
	case left <= 0:
		return nil, &Error{Code: ESTATE, Message: fmt.Sprintf("Payment %s was already refunded in full.", p.ref), cause: ErrOrderState}
	case amount == 0:
		amount = left
	case amount < 0 || amount > left:
		return nil, invalid("A refund of %s is more than 0 and at most the %d minor units left of %d paid, not %d.",
			p.ref, left, p.paid, amount)
	}
	id, err := b.NextSequence()
	if err != nil {
		return nil, err
	}
	// A payment the compensation fund already paid back is refunded to the
	// fund: the person was made whole once.
	to := UserAccount
	if c, err := l.claimOf(p.ref); err != nil {
		return nil, err
	} else if c != nil && c.State.Paid() && c.Amount > 0 {
		to = CompensationAccount
	}
	t := &Transfer{Kind: Single, Debit: p.payee, Credit: to, Amount: amount, Ref: fmt.Sprintf("refund:%d", id)}
	if err := l.transfer(t); err != nil {
		return nil, err
	}
	f := &Refund{ID: id, Agent: r.Agent, Payment: p.ref, Payee: p.payee, Amount: amount, Currency: l.db.Currency,
		Reason: r.Reason, Transfer: t.ID, Paid: p.paid, Refunded: done + amount, Time: l.now}
	if to != UserAccount {
		f.To = to
	}
	f.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(l.db.key, f.signed()))
	v, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	if err := l.put(bucketRefunds, itob(id), v); err != nil {
		return nil, err
	}
	if err := l.put(bucketRefunds, []byte("paid:"+p.ref), strconv.AppendInt(nil, f.Refunded, 10)); err != nil {
		return nil, err
	}
	return f, l.audit("refund", json.RawMessage(v))
}

// payment finds what r refunds: a paid order, or a charge, of agent's
// pairing that began at since.
func (l *ltx) payment(r RefundRequest, since time.Time) (*payment, error) {
	switch {
	case (r.OrderID == 0) == (r.ChargeID == 0):
		return nil, invalid("A refund names one payment: an order_id or a charge_id.")
	case r.ChargeID != 0:
		c, m, err := agentCharge(l.Tx, r.Agent, since, r.ChargeID)
		if err != nil {
			return nil, err
		}
		return &payment{ref: fmt.Sprintf("charge:%d", c.ID), payee: m.Payee, paid: c.Amount}, nil
	}
	o, err := getOrder(l.Tx, r.OrderID)
	if err != nil || !owned(o.Agent, o.Created, r.Agent, since) {
		return nil, notFound("There is no order %d of this agent.", r.OrderID)
	}
	if o.State != Paid || o.Receipt == nil {
		return nil, &Error{Code: ESTATE, Message: fmt.Sprintf("Order %d is %s, not paid: there is nothing to refund.", o.ID, o.State),
			cause: ErrOrderState}
	}
	return &payment{ref: fmt.Sprintf("order:%d", o.ID), payee: o.Payee, paid: o.Receipt.Amount}, nil
}

func getRefund(tx *bolt.Tx, id uint64) (*Refund, error) {
	v := tx.Bucket(bucketRefunds).Get(itob(id))
	if v == nil {
		return nil, fmt.Errorf("refund %d: %w", id, ErrNotFound)
	}
	var r Refund
	return &r, jsonUnmarshal(v, &r, "refund")
}

// Refunds returns the refunds of one payment ("order:12", "charge:7"),
// oldest first.
func (db *DB) Refunds(ctx context.Context, payment string) ([]*Refund, error) {
	out := []*Refund{}
	err := db.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRefunds).ForEach(func(k, v []byte) error {
			if len(k) != 8 {
				return nil
			}
			var r Refund
			if err := jsonUnmarshal(v, &r, "refund"); err != nil {
				return err
			}
			if r.Payment == payment {
				out = append(out, &r)
			}
			return nil
		})
	})
	return out, err
}

// checkRefunds checks every refund's signature, and that the refunds of
// each payment add up to the total kept for it.
func (v *auditVerifier) checkRefunds(tx *bolt.Tx, pub ed25519.PublicKey) {
	sums := map[string]int64{}
	b := tx.Bucket(bucketRefunds)
	if b == nil {
		return
	}
	b.ForEach(func(k, val []byte) error {
		if len(k) != 8 {
			return nil
		}
		var r Refund
		if err := json.Unmarshal(val, &r); err != nil {
			v.problem("refund %d: undecodable: %v", binaryID(k), err)
			return nil
		}
		if VerifyRefund(pub, &r) != nil {
			v.problem("refund %d: its receipt does not match the refund or its signature", r.ID)
		}
		sums[r.Payment] += r.Amount
		return nil
	})
	for p, sum := range sums {
		if got := string(b.Get([]byte("paid:" + p))); got != strconv.FormatInt(sum, 10) {
			v.problem("the refunds of %s add up to %d, but %q is kept as their total", p, sum, got)
		}
	}
}

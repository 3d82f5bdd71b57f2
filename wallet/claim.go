package wallet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A claim is the person's report that a payment from their wallet was not
// theirs: full compensation. voicepay looks at the evidence the ledger
// holds for the payment (see evidence): when it shows the payment was not
// authorized, the claim is reimbursed at once, from the compensation fund;
// otherwise it waits for review, and is approved (and reimbursed) or
// rejected. A payment has at most one claim, and a claim is reimbursed at
// most once: every check and its payment happen in one write.
//
// The compensation fund is a system account that starts empty and runs
// negative: its balance is what voicepay has paid back, which the operator
// owes the fund. Nothing has to be put in it first, so a reimbursement is
// never refused for want of money.

// ClaimState is where a claim is.
type ClaimState string

const (
	ClaimReview     ClaimState = "review"     // waiting for a person to decide
	ClaimReimbursed ClaimState = "reimbursed" // paid back at once, on the evidence
	ClaimApproved   ClaimState = "approved"   // paid back after review
	ClaimRejected   ClaimState = "rejected"   // refused after review
)

// Paid reports whether the claim has been paid back.
func (s ClaimState) Paid() bool { return s == ClaimReimbursed || s == ClaimApproved }

// Claim is a report of an unauthorized payment and what came of it.
type Claim struct {
	ID        uint64     `json:"id"`
	Transfer  uint64     `json:"transfer"` // the payment claimed
	Amount    int64      `json:"amount"`
	Currency  string     `json:"currency"`
	Payee     string     `json:"payee"`
	PayeeName string     `json:"payee_name,omitempty"`
	Paid      time.Time  `json:"paid"` // when the payment was made
	Reason    string     `json:"reason,omitempty"`
	Device    string     `json:"device,omitempty"` // who filed it
	State     ClaimState `json:"state"`
	// Evidence names what showed the payment unauthorized (see the
	// Evidence constants); empty when nothing did.
	Evidence []string  `json:"evidence,omitempty"`
	Filed    time.Time `json:"filed"`
	Decided  time.Time `json:"decided,omitzero"`
	// Note is the reviewer's, DecidedBy the device that decided.
	Note      string `json:"note,omitempty"`
	DecidedBy string `json:"decided_by,omitempty"`
	// Reimbursement is the transfer from the compensation fund that paid
	// the claim back.
	Reimbursement uint64 `json:"reimbursement,omitempty"`
}

// ClaimRequest is what a person files.
type ClaimRequest struct {
	Transfer uint64 `json:"transfer"`
	Reason   string `json:"reason,omitempty"`
	Device   string `json:"device,omitempty"`
}

// claimIndex is the key of the claim filed against transfer id, beside the
// claims themselves (which have 8-byte keys).
func claimIndex(id uint64) []byte { return append([]byte("t"), itob(id)...) }

// FileClaim files a claim against a payment from the user's account. It is
// reimbursed at once when the evidence shows the payment unauthorized, and
// waits for review otherwise. A second claim on the same payment is a
// conflict naming the first.
func (db *DB) FileClaim(ctx context.Context, key string, r ClaimRequest) (*Claim, error) {
	var c *Claim
	err := db.write(ctx, func(l *ltx) (err error) {
		c, err = idempotent(l, "file_claim", key, r, func() (*Claim, error) {
			return l.fileClaim(r)
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("file claim on transfer %d: %w", r.Transfer, err)
	}
	return c, nil
}

func (l *ltx) fileClaim(r ClaimRequest) (*Claim, error) {
	if err := checkNote("reason", r.Reason); err != nil {
		return nil, err
	}
	t, err := getTransfer(l.Tx, r.Transfer)
	if errors.Is(err, ErrNotFound) {
		return nil, &Error{Code: ENOTFOUND, cause: ErrNotFound, Message: fmt.Sprintf("There is no payment %d.", r.Transfer)}
	} else if err != nil {
		return nil, err
	}
	if t.Debit != UserAccount || (t.Kind != Single && t.Kind != Post) {
		return nil, Errorf(EINVALID, "Transfer %d is not a payment from your wallet.", t.ID)
	}
	if v := l.Bucket(bucketClaims).Get(claimIndex(t.ID)); v != nil {
		first := binaryID(v)
		return nil, &Error{Code: ECONFLICT, cause: ErrClaimExists,
			Message: fmt.Sprintf("Payment %d already has claim %d.", t.ID, first)}
	}
	left, err := l.unrefunded(t)
	if err != nil {
		return nil, err
	} else if left <= 0 {
		return nil, Errorf(ESTATE, "Payment %d was refunded in full by its payee; there is nothing to claim.", t.ID)
	}
	ev, err := evidence(l.Tx, l.db.PublicKey(), t)
	if err != nil {
		return nil, fmt.Errorf("gather evidence: %w", err)
	}
	id, err := l.Bucket(bucketClaims).NextSequence()
	if err != nil {
		return nil, err
	}
	c := &Claim{ID: id, Transfer: t.ID, Amount: left, Currency: t.Currency, Payee: t.Credit,
		PayeeName: ev.payeeName, Paid: t.Time, Reason: r.Reason, Device: r.Device, State: ClaimReview,
		Evidence: ev.reasons, Filed: l.now}
	if err := l.put(bucketClaims, claimIndex(t.ID), itob(c.ID)); err != nil {
		return nil, err
	}
	if err := l.putClaim(c, "filed"); err != nil {
		return nil, err
	}
	if len(c.Evidence) == 0 {
		return c, nil
	}
	return c, l.reimburse(c, ClaimReimbursed)
}

// ErrClaimExists is the conflict of a second claim on one payment.
var ErrClaimExists = &Error{Code: ECONFLICT, Message: "That payment already has a claim."}

// reimburse pays c back from the compensation fund and records it as to:
// what of the payment its payee has not refunded meanwhile, and nothing
// when the payee refunded all of it.
func (l *ltx) reimburse(c *Claim, to ClaimState) error {
	paid, err := getTransfer(l.Tx, c.Transfer)
	if err != nil {
		return err
	}
	left, err := l.unrefunded(paid)
	if err != nil {
		return err
	}
	if c.Amount = min(c.Amount, max(left, 0)); c.Amount == 0 {
		c.State, c.Decided = to, l.now
		return l.putClaim(c, string(to))
	}
	t := &Transfer{Kind: Single, Debit: CompensationAccount, Credit: UserAccount, Amount: c.Amount,
		Ref: fmt.Sprintf("claim:%d", c.ID)}
	if err := l.transfer(t); err != nil {
		return fmt.Errorf("reimburse claim %d: %w", c.ID, err)
	}
	c.State, c.Reimbursement, c.Decided = to, t.ID, l.now
	l.log(slog.LevelInfo, "claim reimbursed", "claim", c.ID, "transfer", c.Transfer, "amount", c.Amount,
		"state", string(to), "evidence", c.Evidence)
	return l.putClaim(c, string(to))
}

// ApproveClaim pays back a claim waiting for review. Approving a claim
// already paid back changes nothing and pays nothing again.
func (db *DB) ApproveClaim(ctx context.Context, id uint64, note, by string) (*Claim, error) {
	return db.decideClaim(ctx, id, note, by, ClaimApproved)
}

// RejectClaim refuses a claim waiting for review. Rejecting a rejected
// claim changes nothing; a claim already paid back cannot be rejected.
func (db *DB) RejectClaim(ctx context.Context, id uint64, note, by string) (*Claim, error) {
	return db.decideClaim(ctx, id, note, by, ClaimRejected)
}

func (db *DB) decideClaim(ctx context.Context, id uint64, note, by string, to ClaimState) (*Claim, error) {
	var c *Claim
	err := db.write(ctx, func(l *ltx) (err error) {
		if err := checkNote("note", note); err != nil {
			return err
		}
		if c, err = getClaim(l.Tx, id); err != nil {
			return err
		}
		switch {
		case c.State == to || (to == ClaimApproved && c.State.Paid()):
			return nil // decided already: a retry, or a second reviewer
		case c.State != ClaimReview:
			return Errorf(ESTATE, "Claim %d is already %s.", c.ID, c.State)
		}
		c.Note, c.DecidedBy = note, by
		if to == ClaimApproved {
			return l.reimburse(c, ClaimApproved)
		}
		c.State, c.Decided = ClaimRejected, l.now
		return l.putClaim(c, string(ClaimRejected))
	})
	if err != nil {
		return nil, fmt.Errorf("%s claim %d: %w", map[ClaimState]string{ClaimApproved: "approve",
			ClaimRejected: "reject"}[to], id, err)
	}
	return c, nil
}

// putClaim stores c and records event on the audit chain, with the claim.
func (l *ltx) putClaim(c *Claim, event string) error {
	v, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if err := l.put(bucketClaims, itob(c.ID), v); err != nil {
		return err
	}
	entry := make([]byte, 0, len(v)+40)
	entry = append(entry, `{"event":"`+event+`","claim":`...)
	entry = append(append(entry, v...), '}')
	return l.audit("claim", json.RawMessage(entry))
}

// Claim returns one claim.
func (db *DB) Claim(ctx context.Context, id uint64) (*Claim, error) {
	var c *Claim
	err := db.view(func(tx *bolt.Tx) (err error) {
		c, err = getClaim(tx, id)
		return err
	})
	return c, err
}

// Claims returns every claim, newest first.
func (db *DB) Claims(ctx context.Context) ([]*Claim, error) {
	out := []*Claim{}
	err := db.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketClaims).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			if len(k) != 8 {
				continue // an index entry
			}
			var cl Claim
			if err := json.Unmarshal(v, &cl); err != nil {
				return fmt.Errorf("decode claim %x: %w", k, err)
			}
			out = append(out, &cl)
		}
		return nil
	})
	return out, err
}

func getClaim(tx *bolt.Tx, id uint64) (*Claim, error) {
	v := tx.Bucket(bucketClaims).Get(itob(id))
	if v == nil {
		return nil, &Error{Code: ENOTFOUND, cause: ErrNotFound, Message: fmt.Sprintf("There is no claim %d.", id)}
	}
	var c Claim
	if err := json.Unmarshal(v, &c); err != nil {
		return nil, fmt.Errorf("decode claim %d: %w", id, err)
	}
	return &c, nil
}

// Payment is a payment from the user's account, as a person names it when
// reporting one: the amount, the payee and when.
type Payment struct {
	Transfer  uint64    `json:"transfer"`
	Amount    int64     `json:"amount"`
	Currency  string    `json:"currency"`
	Payee     string    `json:"payee"`
	PayeeName string    `json:"payee_name"`
	Time      time.Time `json:"time"`
	Claim     uint64    `json:"claim,omitempty"` // the claim filed on it, if any
}

// Payments returns the latest payments from the user's account (posted
// order payments and charges), newest first, at most limit.
func (db *DB) Payments(ctx context.Context, limit int) ([]Payment, error) {
	out := []Payment{}
	err := db.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketTransfer).Cursor()
		for k, v := c.Last(); k != nil && len(out) < limit; k, v = c.Prev() {
			t, err := readTransfer(tx, k, v)
			if err != nil {
				return err
			}
			if t.Debit != UserAccount || (t.Kind != Single && t.Kind != Post) {
				continue
			}
			p := Payment{Transfer: t.ID, Amount: t.Amount, Currency: t.Currency, Payee: t.Credit,
				PayeeName: payeeName(tx, t), Time: t.Time}
			if id := tx.Bucket(bucketClaims).Get(claimIndex(t.ID)); id != nil {
				p.Claim = binaryID(id)
			}
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

// payeeName is the name of t's payee as its order or mandate gives it, or
// the payee's id.
func payeeName(tx *bolt.Tx, t *Transfer) string {
	kind, id, _ := strings.Cut(t.Ref, ":")
	n, _ := strconv.ParseUint(id, 10, 64)
	var named struct {
		PayeeName string `json:"payee_name"`
	}
	switch kind {
	case "order":
		decodeStored(tx.Bucket(bucketOrders).Get(itob(n)), &named)
	case "mandate":
		json.Unmarshal(tx.Bucket(bucketMandates).Get(itob(n)), &named)
	}
	if named.PayeeName != "" {
		return named.PayeeName
	}
	_, name, _ := strings.Cut(t.Credit, ":")
	return name
}

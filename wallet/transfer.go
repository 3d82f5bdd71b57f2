package wallet

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TransferKind says what a transfer does. Pending transfers hold funds; post
// and void transfers resolve a pending one. Nothing is ever rewritten.
type TransferKind string

const (
	Single  TransferKind = "single"
	Pending TransferKind = "pending"
	Post    TransferKind = "post"
	Void    TransferKind = "void"
)

// Transfer moves Amount from the Debit account to the Credit account.
type Transfer struct {
	ID        uint64       `json:"id"`
	Kind      TransferKind `json:"kind"`
	Debit     string       `json:"debit"`
	Credit    string       `json:"credit"`
	Amount    int64        `json:"amount"`
	Currency  string       `json:"currency"`
	PendingID uint64       `json:"pending_id,omitempty"` // the hold a post or void resolves
	Expires   time.Time    `json:"expires,omitzero"`     // when a pending hold lapses
	Time      time.Time    `json:"time"`
	Ref       string       `json:"ref,omitempty"` // what it is for, e.g. "order:12", "topup"
}

// Effect says what the transfer did to account, in the words a person's
// history uses: "held" (a hold was placed), "released" (a hold was voided),
// "received" (money came in) or "paid" (money went out). It is "" for a
// transfer that does not touch account.
func (t *Transfer) Effect(account string) string {
	switch {
	case t.Debit != account && t.Credit != account:
		return ""
	case t.Kind == Pending:
		return "held"
	case t.Kind == Void:
		return "released"
	case t.Credit == account:
		return "received"
	}
	return "paid"
}

// itob encodes an id as a big-endian key, so keys sort by id.
func itob(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

func getTransfer(tx *bolt.Tx, id uint64) (*Transfer, error) {
	v := tx.Bucket(bucketTransfer).Get(itob(id))
	if v == nil {
		return nil, fmt.Errorf("transfer %d: %w", id, ErrNotFound)
	}
	return readTransfer(tx, itob(id), v)
}

// A transfer is stored once, whole, in its entry on the audit chain. The
// transfers bucket keeps, under the transfer's id, where that entry is: a
// mark and the entry's sequence (entryRef). It is an index, so it is not
// bound to the chain: verification checks each one against the entry it
// names (checkTransfers). Ledgers written before store each transfer whole
// in the bucket too, bound like any record, and are read the same.
const entryRefMark = 0x02

// entryRef is how the transfers bucket refers to the audit entry seq.
func entryRef(seq uint64) []byte { return binary.BigEndian.AppendUint64([]byte{entryRefMark}, seq) }

// refEntry is the sequence of the audit entry v refers to, false when v is
// a transfer stored whole.
func refEntry(v []byte) (uint64, bool) {
	if len(v) != 9 || v[0] != entryRefMark {
		return 0, false
	}
	return btoi(v[1:]), true
}

// readTransfer reads the transfer stored under key k as v: from the entry
// v refers to, or from v itself.
func readTransfer(tx *bolt.Tx, k, v []byte) (*Transfer, error) {
	var t Transfer
	seq, ok := refEntry(v)
	if !ok {
		if err := decodeStored(v, &t); err != nil {
			return nil, fmt.Errorf("decode transfer %x: %w", k, err)
		}
		return &t, nil
	}
	var e struct {
		Kind string          `json:"kind"`
		Data json.RawMessage `json:"data"`
	}
	stored := tx.Bucket(bucketAudit).Get(itob(seq))
	if stored == nil {
		return nil, fmt.Errorf("transfer %x: its audit entry %d is missing", k, seq)
	}
	if err := decodeStored(stored, &e); err != nil || e.Kind != "transfer" {
		return nil, fmt.Errorf("transfer %x: audit entry %d is not its transfer: %v", k, seq, err)
	}
	if err := json.Unmarshal(e.Data, &t); err != nil {
		return nil, fmt.Errorf("decode transfer %x: %w", k, err)
	}
	return &t, nil
}

// transfer records t, applies it to both accounts and appends it to the
// audit chain. It checks everything before it writes anything.
func (l *ltx) transfer(t *Transfer) error {
	t.Currency = l.db.Currency
	t.Time = l.now
	held, err := l.resolveHold(t)
	if err != nil {
		return err
	}
	dr, err := getOrCreateAccount(l.Tx, t.Debit, l.db.Currency)
	if err != nil {
		return err
	}
	cr, err := getOrCreateAccount(l.Tx, t.Credit, l.db.Currency)
	if err != nil {
		return err
	}
	if err := applyTransfer(dr, cr, t, held); err != nil {
		return err
	}
	if err := checkApplied(dr, cr, t); err != nil {
		return err
	}
	if err := l.putTransfer(t); err != nil {
		return err
	}
	if err := putAccount(l.Tx, dr); err != nil {
		return err
	}
	return putAccount(l.Tx, cr)
}

// resolveHold checks t's kind, amount and accounts. A post or void takes its
// accounts, and a void its amount, from the open hold it resolves, which
// resolveHold returns.
func (l *ltx) resolveHold(t *Transfer) (*Transfer, error) {
	switch t.Kind {
	case Single, Pending:
		if t.Amount <= 0 {
			return nil, fmt.Errorf("transfer amount %d: %w", t.Amount, ErrInvalid)
		}
		if t.Debit == t.Credit {
			return nil, fmt.Errorf("transfer to itself: %w", ErrInvalid)
		}
		return nil, nil
	case Post, Void:
		if tx := l.Bucket(bucketHolds).Get(itob(t.PendingID)); tx == nil {
			return nil, fmt.Errorf("hold %d is not open: %w", t.PendingID, ErrOrderState)
		}
		held, err := getTransfer(l.Tx, t.PendingID)
		if err != nil {
			return nil, err
		}
		t.Debit, t.Credit = held.Debit, held.Credit
		if t.Kind == Void {
			t.Amount = held.Amount
		} else if t.Amount <= 0 || t.Amount > held.Amount {
			return nil, fmt.Errorf("post %d of hold %d for %d: %w", t.Amount, held.ID, held.Amount, ErrInvalid)
		}
		return held, nil
	default:
		return nil, fmt.Errorf("transfer kind %q: %w", t.Kind, ErrInvalid)
	}
}

// checkApplied checks the two accounts once t has been applied to them: no
// total has overflowed, no balance has passed MaxBalance, a frozen limited account only sees holds voided, and
// a new debit does not overdraw a limited account.
func checkApplied(dr, cr *Account, t *Transfer) error {
	if overflowed(dr) || overflowed(cr) {
		return fmt.Errorf("transfer of %d overflows the totals of %s or %s: %w", t.Amount, dr.ID, cr.ID, ErrInvalid)
	}
	if t.Kind == Single || t.Kind == Post {
		if cr.Balance() > MaxBalance || dr.Balance() < -MaxBalance {
			return invalid("A transfer of %d would take the balance of %s or %s past %d minor units, the most an account holds.",
				t.Amount, dr.ID, cr.ID, int64(MaxBalance))
		}
	}
	if dr.limited() && dr.Frozen && t.Kind != Void {
		return ErrFrozen
	}
	if t.Kind == Single || t.Kind == Pending {
		if dr.limited() && overdrawn(dr) {
			return fmt.Errorf("debit %d from %s with %d available: %w",
				t.Amount, dr.ID, dr.Available()+t.Amount, ErrInsufficientFunds)
		}
	}
	return nil
}

// putTransfer gives t a new id, appends it to the audit chain, stores
// where, and opens the hold a pending transfer places or closes the one a
// post or void resolves.
func (l *ltx) putTransfer(t *Transfer) error {
	id, err := l.Bucket(bucketTransfer).NextSequence()
	if err != nil {
		return err
	}
	t.ID = id
	v, err := json.Marshal(t)
	if err != nil {
		return err
	}
	if err := l.audit("transfer", json.RawMessage(v)); err != nil {
		return err
	}
	if err := l.Bucket(bucketTransfer).Put(itob(t.ID), entryRef(l.last.Seq)); err != nil {
		return err
	}
	switch t.Kind {
	case Pending:
		return l.Bucket(bucketHolds).Put(itob(t.ID), []byte(t.Expires.UTC().Format(time.RFC3339Nano)))
	case Post, Void:
		return l.Bucket(bucketHolds).Delete(itob(t.PendingID))
	}
	return nil
}

// applyTransfer changes the two accounts' totals for t. held is the pending
// transfer that a post or void resolves. Audit verification replays the
// ledger through this same function.
func applyTransfer(dr, cr *Account, t, held *Transfer) error {
	switch t.Kind {
	case Single:
		dr.DebitsPosted += t.Amount
		cr.CreditsPosted += t.Amount
	case Pending:
		dr.DebitsPending += t.Amount
		cr.CreditsPending += t.Amount
	case Post:
		dr.DebitsPending -= held.Amount
		cr.CreditsPending -= held.Amount
		dr.DebitsPosted += t.Amount
		cr.CreditsPosted += t.Amount
	case Void:
		dr.DebitsPending -= held.Amount
		cr.CreditsPending -= held.Amount
	default:
		return fmt.Errorf("transfer kind %q: %w", t.Kind, ErrInvalid)
	}
	return nil
}

// overflowed reports whether one of a's totals wrapped around. Totals only
// ever grow by positive amounts, so a negative one has overflowed.
func overflowed(a *Account) bool {
	return a.DebitsPosted < 0 || a.CreditsPosted < 0 || a.DebitsPending < 0 || a.CreditsPending < 0
}

// overdrawn reports whether posted and pending debits exceed posted credits,
// written so that it cannot overflow for totals that have not.
func overdrawn(a *Account) bool { return a.DebitsPending > a.CreditsPosted-a.DebitsPosted }

// Transfers returns the most recent transfers that touch account, newest
// first, at most limit of them (all when limit <= 0).
func (db *DB) Transfers(ctx context.Context, account string, limit int) ([]*Transfer, error) {
	ts, _, err := db.transferPage(account, 0, limit)
	return ts, err
}

// TransferPage returns a page of the transfers that touch account, newest
// first: at most limit (1 or more) of those with ids below before, or of
// all of them when before is 0. next is the before of the following page,
// the id of the last transfer given, or 0 when no transfer is left.
func (db *DB) TransferPage(ctx context.Context, account string, before uint64, limit int) (ts []*Transfer, next uint64, err error) {
	if limit <= 0 {
		return nil, 0, fmt.Errorf("transfer page: limit %d: %w", limit, ErrInvalid)
	}
	return db.transferPage(account, before, limit)
}

// transferPage walks the transfers bucket down from before (0: the newest);
// limit <= 0 takes every transfer.
func (db *DB) transferPage(account string, before uint64, limit int) ([]*Transfer, uint64, error) {
	out := []*Transfer{}
	var next uint64
	err := db.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketTransfer).Cursor()
		k, v := c.Last()
		if before > 0 {
			if k, v = c.Seek(itob(before)); k == nil {
				k, v = c.Last() // every id is below before
			} else {
				k, v = c.Prev()
			}
		}
		for ; k != nil; k, v = c.Prev() {
			t, err := readTransfer(tx, k, v)
			if err != nil {
				return err
			}
			if account != "" && t.Debit != account && t.Credit != account {
				continue
			}
			if limit > 0 && len(out) == limit {
				next = out[len(out)-1].ID // one more is left
				break
			}
			out = append(out, t)
		}
		return nil
	})
	return out, next, err
}

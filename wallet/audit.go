package wallet

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// AuditEntry is one link of the append-only audit chain. Hash covers the
// previous entry's hash and everything in this one, so no entry can be
// changed, dropped or reordered without breaking every hash after it.
type AuditEntry struct {
	Seq  uint64          `json:"seq"`
	Time time.Time       `json:"time"`
	Kind string          `json:"kind"`
	Data json.RawMessage `json:"data"`
	Prev string          `json:"prev"`
	Hash string          `json:"hash"`
}

var auditHead = []byte("audit_head")

func (e *AuditEntry) sum() string {
	h := sha256.New()
	prev, _ := hex.DecodeString(e.Prev)
	h.Write(prev)
	var seq [8]byte
	binary.BigEndian.PutUint64(seq[:], e.Seq)
	h.Write(seq[:])
	h.Write([]byte(e.Time.UTC().Format(time.RFC3339Nano)))
	h.Write([]byte{0})
	h.Write([]byte(e.Kind))
	h.Write([]byte{0})
	h.Write(e.Data)
	return hex.EncodeToString(h.Sum(nil))
}

// encode writes the entry as JSON by hand: Data is already valid compact
// JSON, and re-encoding it on the ledger's write path is measurable.
func (e *AuditEntry) encode() []byte {
	b := make([]byte, 0, len(e.Data)+256)
	b = append(b, `{"seq":`...)
	b = strconv.AppendUint(b, e.Seq, 10)
	b = append(b, `,"time":"`...)
	b = e.Time.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","kind":`...)
	b = strconv.AppendQuote(b, e.Kind)
	b = append(b, `,"data":`...)
	b = append(b, e.Data...)
	b = append(b, `,"prev":"`...)
	b = append(b, e.Prev...)
	b = append(b, `","hash":"`...)
	b = append(b, e.Hash...)
	return append(b, `"}`...)
}

// audit appends one entry to the chain in the current transaction.
func (l *ltx) audit(kind string, v any) error {
	data, ok := v.(json.RawMessage) // already encoded by the caller
	if !ok {
		var err error
		if data, err = json.Marshal(v); err != nil {
			return fmt.Errorf("audit %s: %w", kind, err)
		}
	}
	b := l.Bucket(bucketAudit)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	e := AuditEntry{Seq: seq, Time: l.now, Kind: kind, Data: data,
		Prev: string(l.Bucket(bucketMeta).Get(auditHead))}
	e.Hash = e.sum()
	if err := b.Put(itob(seq), e.encode()); err != nil {
		return err
	}
	return l.Bucket(bucketMeta).Put(auditHead, []byte(e.Hash))
}

// AuditLog returns entries after seq, oldest first, at most limit (all when
// limit <= 0).
func (db *DB) AuditLog(ctx context.Context, after uint64, limit int) ([]AuditEntry, error) {
	var out []AuditEntry
	err := db.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAudit).Cursor()
		for k, v := c.Seek(itob(after + 1)); k != nil; k, v = c.Next() {
			var e AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("decode audit entry %x: %w", k, err)
			}
			out = append(out, e)
			if limit > 0 && len(out) >= limit {
				break
			}
		}
		return nil
	})
	return out, err
}

// AuditReport is what verification found.
type AuditReport struct {
	Entries   int              `json:"entries"`
	Transfers int              `json:"transfers"`
	Head      string           `json:"head"`
	Balances  map[string]int64 `json:"balances"` // re-derived from the chain
	Problems  []string         `json:"problems,omitempty"`
}

// OK reports whether verification found nothing wrong.
func (r *AuditReport) OK() bool { return len(r.Problems) == 0 }

// ErrAudit is returned by VerifyAudit when the chain or the balances do not check out.
var ErrAudit = errors.New("audit verification failed")

// VerifyAudit walks the chain, checks every link and hash, replays every
// transfer on it to re-derive all account totals, and compares them with the
// stored accounts. It also checks the ledger invariants: balances sum to zero
// and the user never spends more than they hold, counting holds.
func (db *DB) VerifyAudit(ctx context.Context) (*AuditReport, error) {
	r := &AuditReport{Balances: map[string]int64{}}
	err := db.view(func(tx *bolt.Tx) error {
		return verify(tx, r)
	})
	if err != nil {
		return nil, err
	}
	if !r.OK() {
		return r, fmt.Errorf("%w: %d problems, first: %s", ErrAudit, len(r.Problems), r.Problems[0])
	}
	return r, nil
}

func verify(tx *bolt.Tx, r *AuditReport) error {
	problem := func(format string, args ...any) { r.Problems = append(r.Problems, fmt.Sprintf(format, args...)) }
	derived := map[string]*Account{}
	acct := func(id string) *Account {
		if a, ok := derived[id]; ok {
			return a
		}
		a := &Account{ID: id}
		derived[id] = a
		return a
	}
	holds := map[uint64]*Transfer{}
	prev := ""
	var want uint64 = 1
	c := tx.Bucket(bucketAudit).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var e AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			problem("entry %x: undecodable: %v", k, err)
			return nil
		}
		r.Entries++
		if e.Seq != want || !bytes.Equal(k, itob(e.Seq)) {
			problem("entry %d: expected sequence %d", e.Seq, want)
		}
		want = e.Seq + 1
		if e.Prev != prev {
			problem("entry %d: link to previous entry is broken", e.Seq)
		}
		if e.sum() != e.Hash {
			problem("entry %d: hash does not match its contents", e.Seq)
		}
		prev = e.Hash
		if e.Kind != "transfer" {
			continue
		}
		var t Transfer
		if err := json.Unmarshal(e.Data, &t); err != nil {
			problem("entry %d: undecodable transfer: %v", e.Seq, err)
			continue
		}
		r.Transfers++
		var held *Transfer
		if t.Kind == Post || t.Kind == Void {
			if held = holds[t.PendingID]; held == nil {
				problem("transfer %d: resolves hold %d that is not open", t.ID, t.PendingID)
				continue
			}
			delete(holds, t.PendingID)
		}
		if err := applyTransfer(acct(t.Debit), acct(t.Credit), &t, held); err != nil {
			problem("transfer %d: %v", t.ID, err)
		}
		if t.Kind == Pending {
			holds[t.ID] = &t
		}
		if u := derived[UserAccount]; u != nil && (overflowed(u) || overdrawn(u)) {
			problem("transfer %d: user spends more than it holds", t.ID)
		}
	}
	if head := string(tx.Bucket(bucketMeta).Get(auditHead)); head != prev {
		problem("chain head %.12s does not match the last entry %.12s", head, prev)
	}
	r.Head = prev
	if n := tx.Bucket(bucketTransfer).Stats().KeyN; n != r.Transfers {
		problem("ledger has %d transfers, the audit chain %d", n, r.Transfers)
	}
	for id := range holds {
		if tx.Bucket(bucketHolds).Get(itob(id)) == nil {
			problem("hold %d is open on the chain but not in the ledger", id)
		}
	}
	if n := tx.Bucket(bucketHolds).Stats().KeyN; n != len(holds) {
		problem("ledger has %d open holds, the audit chain %d", n, len(holds))
	}
	var sum, pending int64
	stored := map[string]bool{}
	err := tx.Bucket(bucketAccounts).ForEach(func(k, v []byte) error {
		a, err := decodeAccount(string(k), v)
		if err != nil {
			return err
		}
		stored[a.ID] = true
		d := acct(a.ID)
		if d.DebitsPosted != a.DebitsPosted || d.CreditsPosted != a.CreditsPosted ||
			d.DebitsPending != a.DebitsPending || d.CreditsPending != a.CreditsPending {
			problem("account %s: stored totals differ from the chain", a.ID)
		}
		sum += a.Balance()
		pending += a.DebitsPending - a.CreditsPending
		return nil
	})
	if err != nil {
		return err
	}
	for id, d := range derived {
		if !stored[id] {
			problem("account %s is on the chain but not in the ledger", id)
		}
		r.Balances[id] = d.Balance()
	}
	if sum != 0 || pending != 0 {
		problem("balances sum to %d and holds to %d, not zero", sum, pending)
	}
	return nil
}

package wallet

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
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
	// Records are the records the entry's write put or deleted, with the
	// hash of what it stored (see RecordHash).
	Records []RecordHash `json:"records,omitempty"`
	Prev    string       `json:"prev"`
	Hash    string       `json:"hash"`
	// stored is the hash as the entry stores it: all of it, or its check
	// (see encode).
	stored string
}

// An entry stores its whole hash only when its sequence is a multiple of
// hashEvery, and otherwise only its check: the first 64 bits of it, in
// unpadded base64. The hash is the link the next entry's hash covers, so
// readers recompute it from the entry and the one before (decodeEntry).
// The check still names an entry edited on its own, and the whole hashes
// at every hashEvery-th entry and at the head let a reader who starts part
// way along the chain (hashAt) find any entry's hash from at most
// hashEvery of them. Storing every hash whole cost a payment 690 bytes.
const hashEvery = 64

// check is the part of hash (in hex) that an entry stores when it does
// not store all of it.
func check(hash string) string {
	b, _ := hex.DecodeString(hash[:min(len(hash), 16)])
	return base64.RawStdEncoding.EncodeToString(b)
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
	for _, r := range e.Records {
		h.Write([]byte{0})
		h.Write([]byte(r.Bucket))
		h.Write([]byte{0})
		h.Write([]byte(r.Key))
		h.Write([]byte{0})
		h.Write([]byte(r.Hash))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// encode writes the entry as JSON by hand: Data is already valid compact
// JSON, and re-encoding it on the ledger's write path is measurable. Prev
// is left out: it is the hash of the entry before, which Hash covers, so
// readers fill it in (decodeEntry) and storing it cost every entry 75
// bytes. So is Seq, which is the entry's key. Entries written before that
// carry them, and are read the same.
func (e *AuditEntry) encode() []byte {
	b := make([]byte, 0, len(e.Data)+256)
	b = append(b, `{"time":"`...)
	b = e.Time.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","kind":`...)
	b = strconv.AppendQuote(b, e.Kind)
	b = append(b, `,"data":`...)
	b = append(b, e.Data...)
	if len(e.Records) > 0 {
		b = append(b, `,"records":[`...)
		for i, r := range e.Records {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendRecord(b, r)
		}
		b = append(b, ']')
	}
	b = append(b, `,"hash":"`...)
	if e.Seq%hashEvery == 0 {
		b = append(b, e.Hash...)
	} else {
		b = append(b, check(e.Hash)...)
	}
	return append(b, `"}`...)
}

// decodeEntry decodes the entry stored as v under key k; prev is the hash
// of the entry before it. Entries store neither their sequence, which is
// their key, nor prev, and one that stores only its check gets its whole
// hash recomputed.
func decodeEntry(k, v []byte, prev string) (AuditEntry, error) {
	var e AuditEntry
	if err := decodeStored(v, &e); err != nil {
		return e, err
	}
	if e.Seq == 0 && len(k) == 8 {
		e.Seq = btoi(k)
	}
	if e.Prev == "" {
		e.Prev = prev
	}
	e.stored = e.Hash
	if len(e.Hash) != hashLen {
		e.Hash = e.sum()
	}
	return e, nil
}

// hashLen is the length of a whole entry hash, in hex.
const hashLen = 2 * sha256.Size

// intact reports whether e holds what its stored hash, or check, says.
func (e *AuditEntry) intact() bool {
	sum := e.sum()
	if len(e.stored) == hashLen {
		return e.stored == sum
	}
	return e.stored == check(sum)
}

// hashAt returns the hash of entry seq of the chain in b: the hash it
// stores, or, for an entry that stores its check, the hash recomputed
// from the last entry before it that stores its whole hash (or from the
// first entry).
func hashAt(b *bolt.Bucket, seq uint64) (string, error) {
	c := b.Cursor()
	k, v := c.Seek(itob(seq))
	if k == nil || btoi(k) != seq {
		return "", fmt.Errorf("entry %d is not on the chain", seq)
	}
	var back [][2][]byte // the keys and entries to recompute, newest first
	prev := ""
	for ; k != nil; k, v = c.Prev() {
		e, err := decodeEntry(k, v, "-")
		if err != nil {
			return "", fmt.Errorf("decode audit entry %x: %w", k, err)
		}
		if len(e.stored) == hashLen {
			prev = e.stored
			break
		}
		back = append(back, [2][]byte{k, v})
	}
	for i := len(back) - 1; i >= 0; i-- {
		e, err := decodeEntry(back[i][0], back[i][1], prev)
		if err != nil {
			return "", err
		}
		prev = e.Hash
	}
	return prev, nil
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
	return l.appendEntry(kind, data, nil)
}

// appendEntry appends an entry to the chain. The entry stays the write's
// last, unwritten, until the write appends another or ends: flushRecords
// adds the records the write bound to it and writes it. Each entry is then
// stored once, whole, which keeps the pages of the chain full.
func (l *ltx) appendEntry(kind string, data json.RawMessage, recs []RecordHash) error {
	prev, err := l.writeLast()
	if err != nil {
		return err
	}
	seq, err := l.Bucket(bucketAudit).NextSequence()
	if err != nil {
		return err
	}
	l.last = &AuditEntry{Seq: seq, Time: l.now, Kind: kind, Data: data, Records: recs, Prev: prev}
	return nil
}

// writeLast stores the write's last entry, if it has one not yet stored,
// and moves the chain's head to it. It returns the head.
func (l *ltx) writeLast() (string, error) {
	meta := l.Bucket(bucketMeta)
	e := l.last
	if e == nil || e.Hash != "" {
		return string(meta.Get(auditHead)), nil
	}
	e.Hash = e.sum()
	if err := l.Bucket(bucketAudit).Put(itob(e.Seq), pack(e.encode())); err != nil {
		return "", err
	}
	return e.Hash, meta.Put(auditHead, []byte(e.Hash))
}

// AuditLog returns entries after seq, oldest first, at most limit (all when
// limit <= 0).
func (db *DB) AuditLog(ctx context.Context, after uint64, limit int) ([]AuditEntry, error) {
	var out []AuditEntry
	err := db.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAudit).Cursor()
		var prev string
		if k, _ := c.Seek(itob(after)); after > 0 && k != nil && btoi(k) == after {
			var err error
			if prev, err = hashAt(tx.Bucket(bucketAudit), after); err != nil {
				return err
			}
		}
		for k, v := c.Seek(itob(after + 1)); k != nil; k, v = c.Next() {
			e, err := decodeEntry(k, v, prev)
			if err != nil {
				return fmt.Errorf("decode audit entry %x: %w", k, err)
			}
			prev = e.Hash
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

// VerifyAudit runs bbolt's consistency check on the file, then walks the
// chain, checks every link and hash, replays every
// transfer on it to re-derive all account totals, and compares them with the
// stored accounts. It also checks the ledger invariants: balances sum to zero
// and the user never spends more than they hold, counting holds.
func (db *DB) VerifyAudit(ctx context.Context) (*AuditReport, error) {
	if err := db.checkPages(ctx); err != nil {
		return nil, err
	}
	r := &AuditReport{Balances: map[string]int64{}}
	var a *anchor
	var aerr error
	if db.anchorKey != nil {
		a, aerr = db.readAnchor()
	}
	err := db.view(func(tx *bolt.Tx) error {
		if err := safely("audit verification", func() error { return verify(tx, r) }); err != nil {
			return err
		}
		if db.anchorKey != nil {
			if p := checkAnchor(tx, a, aerr); p != "" {
				r.Problems = append(r.Problems, p)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !r.OK() {
		shown := r.Problems
		if len(shown) > 5 {
			shown = append(shown[:5:5], fmt.Sprintf("and %d more", len(r.Problems)-5))
		}
		return r, fmt.Errorf("%w: %d problems: %s", ErrAudit, len(r.Problems), strings.Join(shown, "; "))
	}
	return r, nil
}

// verify checks the audit chain in tx against the ledger, adding what it
// finds to r. It returns an error only when a stored account cannot be read.
func verify(tx *bolt.Tx, r *AuditReport) error {
	v := &auditVerifier{r: r, derived: map[string]*Account{}, holds: map[uint64]*Transfer{},
		bound: map[string]RecordHash{}, want: 1}
	if !v.walk(tx) {
		return nil
	}
	v.checkHead(tx)
	v.checkTransfers(tx)
	v.checkHolds(tx)
	v.checkRecords(tx)
	return v.checkAccounts(tx)
}

// auditVerifier is the ledger as the audit chain re-derives it, while
// verify walks the chain.
type auditVerifier struct {
	r       *AuditReport
	derived map[string]*Account  // account totals replayed from the chain
	holds   map[uint64]*Transfer // pending transfers not yet posted or voided
	// transfers is the entry of each transfer on the chain, by id.
	transfers map[uint64]uint64
	bound     map[string]RecordHash // the latest binding of each record, by bucket/key
	pruned    prunable              // the records pruned
	prev      string                // hash of the last entry read
	lost      bool                  // prev is unknown: an entry did not match its check
	want      uint64                // sequence the next entry should have
}

func (v *auditVerifier) problem(format string, args ...any) {
	v.r.Problems = append(v.r.Problems, fmt.Sprintf(format, args...))
}

// account returns the derived account id, starting it empty.
func (v *auditVerifier) account(id string) *Account {
	if a, ok := v.derived[id]; ok {
		return a
	}
	a := &Account{ID: id}
	v.derived[id] = a
	return a
}

// walk reads the chain from its first entry, checking each link and
// replaying each transfer. It reports false when an entry cannot be decoded,
// since nothing after it can be checked.
func (v *auditVerifier) walk(tx *bolt.Tx) bool {
	c := tx.Bucket(bucketAudit).Cursor()
	for k, b := c.First(); k != nil; k, b = c.Next() {
		e, err := decodeEntry(k, b, v.prev)
		if err != nil {
			v.problem("entry %x: undecodable: %v", k, err)
			return false
		}
		v.r.Entries++
		v.checkLink(k, &e)
		for _, rec := range e.Records {
			v.bound[rec.Bucket+"/"+rec.Key] = rec
			v.pruned.bind(rec.Bucket+"/"+rec.Key, rec.Bucket, rec.Key, &e)
		}
		switch e.Kind {
		case "transfer":
			v.replay(&e)
		case "prune":
			if err := v.pruned.prune(&e); err != nil {
				v.problem("%v", err)
			}
		}
	}
	return true
}

// checkLink checks e's sequence, stored under key k, its link to the entry
// before it and its hash.
func (v *auditVerifier) checkLink(k []byte, e *AuditEntry) {
	if e.Seq != v.want || !bytes.Equal(k, itob(e.Seq)) {
		v.problem("entry %d: expected sequence %d", e.Seq, v.want)
	}
	v.want = e.Seq + 1
	if e.Prev != v.prev {
		v.problem("entry %d: link to previous entry is broken", e.Seq)
	}
	whole := len(e.stored) == hashLen
	switch {
	case v.lost && !whole:
		// After an entry that does not match its check, the hashes that
		// link the next ones are unknown until one stores its whole hash.
		return
	case v.lost:
		v.lost = false
	case !e.intact():
		// The hash covers the previous entry's hash, which newer entries
		// do not store: it is the link.
		v.problem("entry %d: hash does not match its contents, or its link to previous entry is broken", e.Seq)
		v.lost = !whole
	}
	v.prev = e.Hash
}

// replay applies the transfer that e records to the derived accounts and
// holds, and checks that the user still holds what they spend.
func (v *auditVerifier) replay(e *AuditEntry) {
	var t Transfer
	if err := json.Unmarshal(e.Data, &t); err != nil {
		v.problem("entry %d: undecodable transfer: %v", e.Seq, err)
		return
	}
	v.r.Transfers++
	if v.transfers == nil {
		v.transfers = map[uint64]uint64{}
	}
	v.transfers[t.ID] = e.Seq
	var held *Transfer
	if t.Kind == Post || t.Kind == Void {
		if held = v.holds[t.PendingID]; held == nil {
			v.problem("transfer %d: resolves hold %d that is not open", t.ID, t.PendingID)
			return
		}
		delete(v.holds, t.PendingID)
	}
	if err := applyTransfer(v.account(t.Debit), v.account(t.Credit), &t, held); err != nil {
		v.problem("transfer %d: %v", t.ID, err)
	}
	if t.Kind == Pending {
		v.holds[t.ID] = &t
	}
	if u := v.derived[UserAccount]; u != nil && (overflowed(u) || overdrawn(u)) {
		v.problem("transfer %d: user spends more than it holds", t.ID)
	}
}

// checkHead checks that the stored chain head is the last entry's hash.
func (v *auditVerifier) checkHead(tx *bolt.Tx) {
	if head := string(tx.Bucket(bucketMeta).Get(auditHead)); head != v.prev {
		v.problem("chain head %.12s does not match the last entry %.12s", head, v.prev)
	}
	v.r.Head = v.prev
}

// checkTransfers checks that the ledger holds as many transfers as the
// chain, and that each one the transfers bucket keeps as a reference
// (entryRef) refers to its own entry on the chain. Transfers stored whole
// are bound to the chain, and checkRecords checks them.
func (v *auditVerifier) checkTransfers(tx *bolt.Tx) {
	b := tx.Bucket(bucketTransfer)
	if n := b.Stats().KeyN; n != v.r.Transfers {
		v.problem("ledger has %d transfers, the audit chain %d", n, v.r.Transfers)
	}
	b.ForEach(func(k, val []byte) error {
		seq, ok := refEntry(val)
		if !ok {
			return nil
		}
		switch at, on := v.transfers[btoi(k)]; {
		case !on:
			v.problem("%s was added outside voicepay: no audit entry wrote it", recordName(string(bucketTransfer), k))
		case at != seq:
			v.problem("%s was edited: it refers to audit entry %d, not to its own entry %d",
				recordName(string(bucketTransfer), k), seq, at)
		}
		return nil
	})
	for id := range v.transfers {
		_, bound := v.bound[string(bucketTransfer)+"/"+hex.EncodeToString(itob(id))]
		if !bound && b.Get(itob(id)) == nil {
			v.problem("%s was deleted", recordName(string(bucketTransfer), itob(id)))
		}
	}
}

// checkHolds checks that the ledger's open holds are those left open on the
// chain.
func (v *auditVerifier) checkHolds(tx *bolt.Tx) {
	for id := range v.holds {
		if tx.Bucket(bucketHolds).Get(itob(id)) == nil {
			v.problem("hold %d is open on the chain but not in the ledger", id)
		}
	}
	if n := tx.Bucket(bucketHolds).Stats().KeyN; n != len(v.holds) {
		v.problem("ledger has %d open holds, the audit chain %d", n, len(v.holds))
	}
}

// checkAccounts compares the stored accounts with the derived ones, fills
// in the report's balances, and checks that balances and holds sum to zero.
func (v *auditVerifier) checkAccounts(tx *bolt.Tx) error {
	var sum, pending int64
	stored := map[string]bool{}
	err := tx.Bucket(bucketAccounts).ForEach(func(k, b []byte) error {
		a, err := decodeAccount(string(k), b)
		if err != nil {
			return err
		}
		stored[a.ID] = true
		d := v.account(a.ID)
		if d.DebitsPosted != a.DebitsPosted || d.CreditsPosted != a.CreditsPosted ||
			d.DebitsPending != a.DebitsPending || d.CreditsPending != a.CreditsPending {
			v.problem("account %s: stored totals differ from the chain", a.ID)
		}
		sum += a.Balance()
		pending += a.DebitsPending - a.CreditsPending
		return nil
	})
	if err != nil {
		return err
	}
	for id, d := range v.derived {
		if !stored[id] {
			v.problem("account %s is on the chain but not in the ledger", id)
		}
		v.r.Balances[id] = d.Balance()
	}
	if sum != 0 || pending != 0 {
		v.problem("balances sum to %d and holds to %d, not zero", sum, pending)
	}
	return nil
}

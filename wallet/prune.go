package wallet

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The ledger prunes what it no longer needs, once an hour (Prune):
//   - idempotency records older than DB.IdempotencyWindow: a retry after that
//     long is a new request. Without pruning they were most of what the
//     ledger grew by, three for every payment, each with the result it
//     returned;
//   - the risk counters whose time has passed: the repeats of a payee and
//     amount none of which is still in the repeat window, the total of a
//     day more than two days gone, and, in ledgers written before the day's
//     counter counted its hour, the count of an hour more than two hours
//     gone. Payments to many payees and amounts left one counter each for
//     good. Whether a payee was ever paid is kept.
//
// A prune is one "prune" entry on the audit chain for each kind of record
// it deletes, saying which went (those of a bucket, and of a key prefix,
// last written before a time) rather than a binding for each, and
// verification accepts the absence of exactly those: a record still
// needed that goes missing is still found. Records written before they
// carried their time are kept.

const (
	// pruneEvery is how often the sweeper prunes.
	pruneEvery = time.Hour
	// pruneBatch bounds the records one prune deletes of each kind.
	pruneBatch = 5000
)

// pruneEntry is the data of a "prune" entry.
type pruneEntry struct {
	Bucket  string    `json:"bucket"`
	Prefix  string    `json:"prefix,omitempty"`
	Before  time.Time `json:"before"`
	Records int       `json:"records"`
}

// pruneKind is one kind of record a prune deletes: those of bucket whose
// key starts with prefix, written before a time.
type pruneKind struct {
	bucket []byte
	prefix string
	// keep is how long after it was last written a record is kept.
	keep func(db *DB) time.Duration
	// written is when the stored record v was last written, false when it
	// does not say.
	written func(v []byte) (time.Time, bool)
}

// pruneKinds are the kinds of record that are pruned. Verification accepts
// a prune of these only.
var pruneKinds = []pruneKind{
	{bucketIdem, "", func(db *DB) time.Duration { return db.IdempotencyWindow }, idemWritten},
	{bucketStats, "repeat:", func(db *DB) time.Duration { return db.RepeatWindow }, repeatsWritten},
	{bucketStats, "hour:", func(*DB) time.Duration { return 2 * time.Hour }, statsWritten},
	{bucketStats, "day:", func(*DB) time.Duration { return 48 * time.Hour }, statsWritten},
}

// Prune deletes the records the ledger no longer needs, at most pruneBatch
// of each kind, and reports how many it deleted. Kinds whose keep time is
// zero or less are kept for good.
func (db *DB) Prune(ctx context.Context) (int, error) {
	now := db.Now()
	due := make([][][]byte, len(pruneKinds))
	before := make([]time.Time, len(pruneKinds))
	err := db.view(func(tx *bolt.Tx) error {
		for i, k := range pruneKinds {
			if keep := k.keep(db); keep > 0 {
				before[i] = now.Add(-keep)
				due[i] = dueRecords(tx.Bucket(k.bucket), k, before[i])
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if !slices.ContainsFunc(due, func(keys [][]byte) bool { return len(keys) > 0 }) {
		return 0, nil
	}
	var n int
	err = db.write(ctx, func(l *ltx) error {
		n = 0
		for i, k := range pruneKinds {
			m, err := l.prune(k, due[i], before[i])
			if err != nil {
				return err
			}
			n += m
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("prune: %w", err)
	}
	return n, nil
}

// dueRecords lists the keys of the records of kind k in b written before
// t, at most pruneBatch of them.
func dueRecords(b *bolt.Bucket, k pruneKind, t time.Time) [][]byte {
	var due [][]byte
	c := b.Cursor()
	for key, v := c.Seek([]byte(k.prefix)); key != nil && bytes.HasPrefix(key, []byte(k.prefix)); key, v = c.Next() {
		if len(due) == pruneBatch {
			break
		}
		if at, ok := k.written(v); ok && at.Before(t) {
			due = append(due, bytes.Clone(key))
		}
	}
	return due
}

// prune deletes the records of kind k among keys that are still written
// before t, and puts one prune entry for them on the chain.
func (l *ltx) prune(k pruneKind, keys [][]byte, t time.Time) (int, error) {
	b := l.Bucket(k.bucket)
	n := 0
	for _, key := range keys {
		if at, ok := k.written(b.Get(key)); ok && at.Before(t) {
			if err := b.Delete(key); err != nil {
				return n, err
			}
			n++
		}
	}
	if n == 0 {
		return 0, nil
	}
	return n, l.audit("prune", pruneEntry{Bucket: string(k.bucket), Prefix: k.prefix, Before: t.UTC(), Records: n})
}

// idemWritten is when the idempotency record v was made.
func idemWritten(v []byte) (time.Time, bool) {
	var rec struct {
		At int64 `json:"at"`
	}
	return lastInstant(rec.At, decodeStored(v, &rec) == nil)
}

// statsWritten is when the day or hour counter v was last written.
func statsWritten(v []byte) (time.Time, bool) {
	var s debitStats
	return lastInstant(s.At, json.Unmarshal(v, &s) == nil)
}

// lastInstant is the last instant of the second at, in Unix time: a record
// that says it was written in that second may have been written as late
// as that. ok is false when the record did not decode or says no time.
func lastInstant(at int64, decoded bool) (time.Time, bool) {
	if !decoded || at == 0 {
		return time.Time{}, false
	}
	return time.Unix(at+1, 0).Add(-time.Nanosecond), true
}

// repeatsWritten is when the repeat counter v was last written: the time
// of the debit it counted last.
func repeatsWritten(v []byte) (time.Time, bool) {
	var times []time.Time
	if json.Unmarshal(v, &times) != nil || len(times) == 0 {
		return time.Time{}, false
	}
	return times[len(times)-1], true
}

// prunable is what verification needs to know of pruned records: for each
// kind, the records in the order the chain bound them, and those a prune
// entry let go.
type prunable struct {
	kinds map[string]*boundQueue // by bucket/prefix
	gone  map[string]bool        // records a prune let go
}

// boundQueue is when each record of one kind was last bound, and the same
// oldest first, rebinds included.
type boundQueue struct {
	at    map[string]time.Time
	queue []boundAt
}

type boundAt struct {
	id string
	at time.Time
}

// kindOf is the kind of pruned record key of bucket is, or "".
func kindOf(bucket string, key []byte) string {
	for _, k := range pruneKinds {
		if bucket == string(k.bucket) && bytes.HasPrefix(key, []byte(k.prefix)) {
			return bucket + "/" + k.prefix
		}
	}
	return ""
}

// bind notes that e bound the record id, of bucket and hex key.
func (p *prunable) bind(id, bucket, key string, e *AuditEntry) {
	k, _ := hex.DecodeString(key)
	kind := kindOf(bucket, k)
	if kind == "" {
		return
	}
	if p.kinds == nil {
		p.kinds, p.gone = map[string]*boundQueue{}, map[string]bool{}
	}
	q := p.kinds[kind]
	if q == nil {
		q = &boundQueue{at: map[string]time.Time{}}
		p.kinds[kind] = q
	}
	q.at[id] = e.Time
	q.queue = append(q.queue, boundAt{id, e.Time})
	delete(p.gone, id)
}

// prune applies a prune entry: every record of its kind last bound before
// its time may be gone.
func (p *prunable) prune(e *AuditEntry) error {
	var d pruneEntry
	if err := json.Unmarshal(e.Data, &d); err != nil || kindOf(d.Bucket, []byte(d.Prefix)) != d.Bucket+"/"+d.Prefix {
		return fmt.Errorf("entry %d: a prune of %q records %q: %v", e.Seq, d.Bucket, d.Prefix, err)
	}
	if d.Before.After(e.Time) {
		return fmt.Errorf("entry %d: prunes records made after it", e.Seq)
	}
	q := p.kinds[d.Bucket+"/"+d.Prefix]
	if q == nil {
		return nil
	}
	for len(q.queue) > 0 && q.queue[0].at.Before(d.Before) {
		b := q.queue[0]
		q.queue = q.queue[1:]
		if q.at[b.id].Equal(b.at) {
			p.gone[b.id] = true
			delete(q.at, b.id)
		}
	}
	return nil
}

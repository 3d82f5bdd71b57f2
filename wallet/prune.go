package wallet

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Idempotency records are kept for DB.IdempotencyWindow, then pruned: a
// retry after that long is a new request. Without pruning they were most of
// what the ledger grew by, three for every payment, each with the result it
// returned. The prune is one "prune" entry on the audit chain that says
// which records went (those made before a time), rather than a binding for
// each, and verification accepts the absence of exactly those: an
// idempotency record still inside its window that goes missing is still
// found. Records written before they carried their time are kept.

const (
	// pruneEvery is how often the sweeper prunes.
	pruneEvery = time.Hour
	// pruneBatch bounds the records one prune deletes.
	pruneBatch = 5000
)

// pruneEntry is the data of a "prune" entry.
type pruneEntry struct {
	Bucket  string    `json:"bucket"`
	Before  time.Time `json:"before"`
	Records int       `json:"records"`
}

// PruneIdempotency deletes the idempotency records made more than
// IdempotencyWindow ago, at most pruneBatch of them, and reports how many it
// deleted. It does nothing when the window is zero or less.
func (db *DB) PruneIdempotency(ctx context.Context) (int, error) {
	if db.IdempotencyWindow <= 0 {
		return 0, nil
	}
	before := db.Now().Add(-db.IdempotencyWindow)
	var due [][]byte
	err := db.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketIdem).ForEach(func(k, v []byte) error {
			if len(due) < pruneBatch && idemBefore(v, before) {
				due = append(due, append([]byte(nil), k...))
			}
			return nil
		})
	})
	if err != nil || len(due) == 0 {
		return 0, err
	}
	var n int
	err = db.write(ctx, func(l *ltx) error {
		b := l.Bucket(bucketIdem)
		n = 0
		for _, k := range due {
			if v := b.Get(k); v != nil && idemBefore(v, before) {
				if err := b.Delete(k); err != nil {
					return err
				}
				n++
			}
		}
		if n == 0 {
			return nil
		}
		return l.audit("prune", pruneEntry{Bucket: string(bucketIdem), Before: before.UTC(), Records: n})
	})
	if err != nil {
		return 0, fmt.Errorf("prune idempotency records: %w", err)
	}
	return n, nil
}

// idemBefore reports whether the idempotency record v was made before t.
// A record that does not say when it was made is kept.
func idemBefore(v []byte, t time.Time) bool {
	var rec struct {
		At int64 `json:"at"`
	}
	return decodeStored(v, &rec) == nil && rec.At != 0 && rec.At < t.Unix()
}

// prunable is what verification needs to know of pruned records: the
// idempotency records in the order the chain bound them, and those a
// prune entry let go.
type prunable struct {
	at    map[string]time.Time // when each idempotency record was last bound
	queue []boundAt            // the same, oldest first, rebinds included
	gone  map[string]bool      // records a prune let go
}

type boundAt struct {
	id string
	at time.Time
}

// bind notes that e bound the record id.
func (p *prunable) bind(id, bucket string, e *AuditEntry) {
	if bucket != string(bucketIdem) {
		return
	}
	if p.at == nil {
		p.at, p.gone = map[string]time.Time{}, map[string]bool{}
	}
	p.at[id] = e.Time
	p.queue = append(p.queue, boundAt{id, e.Time})
	delete(p.gone, id)
}

// prune applies a prune entry: every idempotency record last bound before
// its time may be gone.
func (p *prunable) prune(e *AuditEntry) error {
	var d pruneEntry
	if err := json.Unmarshal(e.Data, &d); err != nil || d.Bucket != string(bucketIdem) {
		return fmt.Errorf("entry %d: a prune of %q: %v", e.Seq, d.Bucket, err)
	}
	if d.Before.After(e.Time) {
		return fmt.Errorf("entry %d: prunes records made after it", e.Seq)
	}
	for len(p.queue) > 0 && p.queue[0].at.Before(d.Before) {
		b := p.queue[0]
		p.queue = p.queue[1:]
		if p.at[b.id].Equal(b.at) {
			p.gone[b.id] = true
			delete(p.at, b.id)
		}
	}
	return nil
}

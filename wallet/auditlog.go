package wallet

import (
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// AuditSince returns the entries of the audit chain made at or after
// since, oldest first; a zero since returns them all.
func (db *DB) AuditSince(ctx context.Context, since time.Time) ([]AuditEntry, error) {
	var out []AuditEntry
	err := db.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAudit).Cursor()
		var prev string
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			e, err := decodeEntry(k, v, prev)
			if err != nil {
				return fmt.Errorf("decode audit entry %x: %w", k, err)
			}
			prev = e.Hash
			if !e.Time.Before(since) {
				out = append(out, e)
			}
		}
		return nil
	})
	return out, err
}

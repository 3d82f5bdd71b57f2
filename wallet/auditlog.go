package wallet

import (
	"context"
	"encoding/json"
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
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			var e AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("decode audit entry %x: %w", k, err)
			}
			if !e.Time.Before(since) {
				out = append(out, e)
			}
		}
		return nil
	})
	return out, err
}

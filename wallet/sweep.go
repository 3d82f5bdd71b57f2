package wallet

import (
	"context"
	"time"
)

// sweeper sweeps every interval until ctx is done, then closes db.swept. A
// sweep runs in the background, so its failure can only be logged; the
// next tick tries again.
func (db *DB) sweeper(ctx context.Context, interval time.Duration) {
	defer close(db.swept)
	t := time.NewTicker(interval)
	defer t.Stop()
	var pruned time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := db.Sweep(ctx); err != nil && ctx.Err() == nil {
				db.Logger.Error("sweep expired orders", "err", err)
			}
			if time.Since(pruned) < pruneEvery {
				continue
			}
			pruned = time.Now()
			if _, err := db.Prune(ctx); err != nil && ctx.Err() == nil {
				db.Logger.Error("prune", "err", err)
			}
		}
	}
}

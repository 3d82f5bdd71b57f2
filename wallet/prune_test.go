package wallet_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/voicepay/voicepay/wallet"
)

// TestPruneIdempotency prunes the idempotency records older than the
// window: their keys make new requests, the newer ones still replay, and
// the ledger still verifies, while a record inside its window that goes
// missing is still found.
func TestPruneIdempotency(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	db.MustTopup(t, 100000)
	old, err := db.CreateOrder(ctx, "old", Lattes(1))
	if err != nil {
		t.Fatal(err)
	}
	db.Clock.Advance(db.IdempotencyWindow + time.Minute)
	recent, err := db.CreateOrder(ctx, "recent", Lattes(2))
	if err != nil {
		t.Fatal(err)
	}
	n, err := db.Prune(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The top-up, the PIN, the devices' pairing and activation, and the
	// old order: everything but the recent order was made before the window.
	if n == 0 {
		t.Fatalf("pruned nothing")
	}
	if again, _ := db.Prune(ctx); again != 0 {
		t.Errorf("a second prune deleted %d records, want 0", again)
	}
	t.Run("recent key replays", func(t *testing.T) {
		o, err := db.CreateOrder(ctx, "recent", Lattes(2))
		if err != nil || o.ID != recent.ID {
			t.Errorf("got order %v, %v; want order %d again", o, err, recent.ID)
		}
	})
	t.Run("pruned key is a new request", func(t *testing.T) {
		o, err := db.CreateOrder(ctx, "old", Lattes(1))
		if err != nil || o.ID == old.ID {
			t.Errorf("got order %v, %v; want a new order, not %d", o, err, old.ID)
		}
	})
	log := db.MustAudit(t)
	if e := log[len(log)-2]; e.Kind != "prune" {
		t.Errorf("entry before last is %s, want prune", e.Kind)
	}
	CheckLedger(t, db.DB)
	db.MustClose()

	editBolt(t, db.Path, func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("idempotency")).Delete([]byte("create_order\x00recent"))
	})
	digest := sha256.Sum256([]byte("create_order\x00recent"))
	wantTampered(t, db.Path, fmt.Sprintf("idempotency record of key digest %x was deleted", digest[:6]))
}

// TestPruneIdempotencyOff keeps every record when the window is zero.
func TestPruneIdempotencyOff(t *testing.T) {
	db := MustOpenDB(t, WithSetup(func(w *wallet.DB) { w.IdempotencyWindow = 0 }))
	db.MustTopup(t, 100)
	db.Clock.Advance(365 * 24 * time.Hour)
	if n, err := db.Prune(context.Background()); n != 0 || err != nil {
		t.Errorf("pruned %d, %v; want nothing", n, err)
	}
}

// TestPruneRiskCounters prunes the risk counters whose time has passed:
// the repeats of a payment two days old and its day. It keeps
// the counters still in use and whether a payee was ever paid; the ledger
// still verifies, and a counter still in use that goes missing is found.
func TestPruneRiskCounters(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	db.MustTopup(t, 100000)
	db.MustAuthorize(t, db.MustConfirm(t, db.MustCreate(t, Lattes(1)).ID).ID)
	old := statsKeys(t, db)
	db.Clock.Advance(49 * time.Hour)
	db.MustAuthorize(t, db.MustConfirm(t, db.MustCreate(t, Lattes(2)).ID).ID)
	if _, err := db.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	if again, err := db.Prune(ctx); again != 0 || err != nil {
		t.Errorf("a second prune deleted %d records, %v; want 0", again, err)
	}
	kept := statsKeys(t, db)
	var recent string
	for k := range kept {
		if strings.HasPrefix(k, "repeat:") {
			recent = k
		}
	}
	for k := range old {
		switch {
		case strings.HasPrefix(k, "payee:") && !kept[k]:
			t.Errorf("pruned %q: whether a payee was paid is kept for good", k)
		case !strings.HasPrefix(k, "payee:") && kept[k]:
			t.Errorf("kept %q, two days old", k)
		}
	}
	if len(kept) != 3 || recent == "" {
		t.Errorf("kept %v, want the payee, and the repeats and day of the recent payment", kept)
	}
	CheckLedger(t, db.DB)
	db.MustClose()

	editBolt(t, db.Path, func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("stats")).Delete([]byte(recent))
	})
	wantTampered(t, db.Path, fmt.Sprintf("risk counter %q was deleted", recent))
}

// statsKeys are the keys of db's risk counters.
func statsKeys(t *testing.T, db *DB) map[string]bool {
	keys := map[string]bool{}
	err := db.View(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("stats")).ForEach(func(k, _ []byte) error {
			keys[string(k)] = true
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

package wallet_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/voicepay/voicepay/wallet"
)

func TestCompact(t *testing.T) {
	db := MustOpenDB(t)
	db.MustTopup(t, 1000000)
	for i := range 50 {
		o := db.MustCreate(t, Lattes(1+i%4))
		db.Clock.Advance(3 * time.Minute) // under the repeat and hourly limits
		db.MustConfirm(t, o.ID)
		db.MustAuthorize(t, o.ID)
	}
	ctx := context.Background()
	open := wallet.NewDB(db.Path, NewRiskScreen())
	t.Run("locked", func(t *testing.T) {
		open.Logger = db.Logger
		_, err := open.Compact(ctx)
		WantErr(t, err, wallet.ErrLocked)
		if _, err := os.Stat(db.Path + ".bak"); !os.IsNotExist(err) {
			t.Errorf("a refused compaction left a backup: %v", err)
		}
	})
	want := db.MustAccount(t, wallet.UserAccount).Balance()
	db.MustClose()

	c, err := wallet.NewDB(db.Path, NewRiskScreen()).Compact(ctx)
	if err != nil {
		t.Fatalf("compact: %v", err)
	}
	if c.After > c.Before {
		t.Errorf("compacted from %d bytes to %d, want no larger", c.Before, c.After)
	}
	if _, err := os.Stat(c.Backup); err != nil {
		t.Errorf("old ledger not kept: %v", err)
	}
	if _, err := os.Stat(db.Path + ".compact"); !os.IsNotExist(err) {
		t.Errorf("the copy was left behind: %v", err)
	}
	re := MustOpenDB(t, WithPath(db.Path), WithClock(db.Clock))
	if got := re.MustAccount(t, wallet.UserAccount).Balance(); got != want {
		t.Errorf("balance after compaction: got %d, want %d", got, want)
	}
	re.MustCreate(t, Lattes(2)) // and it takes writes
}

// TestCompactPageSize rewrites a ledger made with 4 KiB pages, as ledgers
// were made before, with the 16 KiB pages of a new one.
func TestCompactPageSize(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wallet.db")
	b, err := bolt.Open(path, 0o600, &bolt.Options{PageSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	db := MustOpenDB(t, WithPath(path))
	db.MustTopup(t, 1000)
	db.MustClose()
	if got := pageSizeOf(t, path); got != 4096 {
		t.Fatalf("the older ledger has pages of %d bytes, want 4096", got)
	}
	if _, err := wallet.NewDB(path, NewRiskScreen()).Compact(context.Background()); err != nil {
		t.Fatalf("compact: %v", err)
	}
	if got := pageSizeOf(t, path); got != 16384 {
		t.Errorf("the compacted ledger has pages of %d bytes, want 16384", got)
	}
	MustOpenDB(t, WithPath(path)).MustTopup(t, 1000)
}

// pageSizeOf is the page size of the bbolt file at path.
func pageSizeOf(t *testing.T, path string) int {
	b, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	return b.Info().PageSize
}

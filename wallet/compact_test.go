package wallet_test

import (
	"context"
	"os"
	"testing"
	"time"

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

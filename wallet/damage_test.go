package wallet_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/voicepay/voicepay/wallet"
)

// mustSmallWallet makes a small real wallet, with top-ups, paid, open and
// cancelled orders, an agent and an approved, charged mandate, closes it and
// returns its path and the file's page size.
func mustSmallWallet(t *testing.T) (string, int) {
	t.Helper()
	db := openMandates(t)
	db.MustTopup(t, 5000)
	db.MustAuthorize(t, db.MustConfirm(t, db.MustCreate(t, Lattes(1)).ID).ID)
	db.MustConfirm(t, db.MustCreate(t, Lattes(2)).ID)
	if _, err := db.CancelOrder(context.Background(), Key("cancel"), db.MustCreate(t, Lattes(1)).ID); err != nil {
		t.Fatal(err)
	}
	m := db.MustPropose(t, Metered(100, 1000))
	db.MustApprove(t, m.ID)
	db.MustCharge(t, m.ID, 2)
	db.MustClose()
	b, err := bolt.Open(db.Path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	return db.Path, b.Info().PageSize
}

// copyWallet copies the wallet file at src into a new directory, changed by
// edit, and returns the copy's path.
func copyWallet(t *testing.T, src string, edit func([]byte) []byte) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "wallet.db")
	if err := os.WriteFile(dst, edit(b), 0o600); err != nil {
		t.Fatal(err)
	}
	return dst
}

// tryWallet opens the wallet at path, verifies its audit chain and tops it
// up, as the daemon would on start and first use. It fails the test on a
// panic, and returns the first error, which must be a clear one.
func tryWallet(t *testing.T, path string) (err error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("panic: %v", r)
		}
	}()
	ctx := context.Background()
	w := wallet.NewDB(path, NewRiskScreen())
	w.Now, w.SweepInterval = NewClock().Now, 0
	if err := w.Open(); err != nil {
		return err
	}
	defer w.Close()
	if _, err := w.VerifyAudit(ctx); err != nil {
		return err
	}
	_, err = w.Topup(ctx, Key("topup"), 100)
	return err
}

// wantClear fails unless err is nil or says plainly what is wrong.
func wantClear(t *testing.T, err error) {
	t.Helper()
	if err != nil && !errors.Is(err, wallet.ErrDamaged) && !errors.Is(err, wallet.ErrAudit) {
		t.Errorf("error %v, want one that the ledger is damaged or fails verification", err)
	}
}

// TestDamagedFile zeroes each page of a real wallet in turn, and truncates
// it to several lengths: opening, verifying and using it never panics or
// faults, and either works or fails with a clear error.
func TestDamagedFile(t *testing.T) {
	src, pageSize := mustSmallWallet(t)
	info, err := os.Stat(src)
	if err != nil {
		t.Fatal(err)
	}
	size := int(info.Size())
	var refused int
	for page := 0; page*pageSize < size; page++ {
		t.Run(fmt.Sprintf("page %d zeroed", page), func(t *testing.T) {
			path := copyWallet(t, src, func(b []byte) []byte {
				clear(b[page*pageSize : min((page+1)*pageSize, len(b))])
				return b
			})
			err := tryWallet(t, path)
			wantClear(t, err)
			if err != nil {
				refused++
				t.Log(err)
			}
		})
	}
	t.Logf("%d of %d pages zeroed were refused", refused, size/pageSize)
	for _, n := range []int{1, 100, pageSize, 2 * pageSize, 3*pageSize + 7, size / 2, size - pageSize, size - 1} {
		t.Run(fmt.Sprintf("truncated to %d", n), func(t *testing.T) {
			wantClear(t, tryWallet(t, copyWallet(t, src, func(b []byte) []byte { return b[:n] })))
		})
	}
	t.Run("empty", func(t *testing.T) {
		path := copyWallet(t, src, func([]byte) []byte { return nil })
		err := tryWallet(t, path)
		WantErr(t, err, wallet.ErrDamaged)
		if !strings.Contains(err.Error(), "empty or not a voicepay ledger") {
			t.Errorf("error %q, want it to say the file is empty or not a ledger", err)
		}
		if info, _ := os.Stat(path); info.Size() != 0 {
			t.Errorf("the refused empty file now has %d bytes", info.Size())
		}
	})
	t.Run("foreign", func(t *testing.T) {
		path := copyWallet(t, src, func([]byte) []byte { return []byte(strings.Repeat("not a ledger\n", 1000)) })
		WantErr(t, tryWallet(t, path), wallet.ErrDamaged)
	})
}

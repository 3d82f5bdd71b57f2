package wallet

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestReadTransferForms reads a transfer in each form the transfers bucket
// holds one: stored whole, plain or packed, as ledgers written before hold
// them, and as a reference to its audit entry. A reference to an entry that
// is missing or is not a transfer is an error.
func TestReadTransferForms(t *testing.T) {
	b, err := bolt.Open(filepath.Join(t.TempDir(), "t.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	want := Transfer{ID: 7, Kind: Single, Debit: "external", Credit: UserAccount, Amount: 1200, Currency: "CNY",
		Time: time.Date(2026, 4, 15, 12, 0, 0, 5, time.UTC), Ref: "topup"}
	v, _ := json.Marshal(want)
	entry := func(kind string) []byte {
		e := AuditEntry{Seq: 3, Time: want.Time, Kind: kind, Data: v}
		e.Hash = e.sum()
		return pack(e.encode())
	}
	err = b.Update(func(tx *bolt.Tx) error {
		audit, _ := tx.CreateBucket(bucketAudit)
		audit.Put(itob(3), entry("transfer"))
		audit.Put(itob(4), entry("order"))
		_, err := tx.CreateBucket(bucketTransfer)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	b.View(func(tx *bolt.Tx) error {
		for name, stored := range map[string][]byte{"plain": v, "packed": pack(v), "reference": entryRef(3)} {
			got, err := readTransfer(tx, itob(7), stored)
			if err != nil || *got != want {
				t.Errorf("%s: got %+v, %v; want %+v", name, got, err, want)
			}
		}
		for name, stored := range map[string][]byte{"a missing entry": entryRef(5), "an order's entry": entryRef(4)} {
			if got, err := readTransfer(tx, itob(7), stored); err == nil {
				t.Errorf("a reference to %s read as %+v", name, got)
			}
		}
		return nil
	})
}

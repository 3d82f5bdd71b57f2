package wallet_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/voicepay/voicepay/wallet"
)

// tamperWallet is a wallet with one of every record: top-ups, a paid and
// an open order, a device, credentials with a failed PIN counted, and an
// approved mandate with a charge. It is closed, ready for editing.
func tamperWallet(t *testing.T) *DB {
	t.Helper()
	db := openMandates(t)
	db.MustTopup(t, 100000) // 1000 yuan
	db.MustAuthorize(t, db.MustConfirm(t, db.MustCreate(t, Lattes(1)).ID).ID)
	db.MustConfirm(t, db.MustCreate(t, Lattes(2)).ID)
	m := db.MustPropose(t, Metered(100, 1000))
	db.MustApprove(t, m.ID)
	db.MustCharge(t, m.ID, 2)
	if err := db.VerifyPIN(context.Background(), "0000"); err == nil {
		t.Fatal("a wrong PIN verified")
	}
	db.MustClose()
	return db
}

// editBolt opens the wallet's file with bbolt directly and runs edit.
func editBolt(t *testing.T, path string, edit func(tx *bolt.Tx) error) {
	t.Helper()
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Update(edit); err != nil {
		t.Fatalf("tamper: %v", err)
	}
}

// unpacked is the JSON of a value as the ledger stores it, as a person
// editing the file by hand would first unpack it. Written back plain, it
// reads the same.
func unpacked(v []byte) []byte {
	if b, err := wallet.Unpack(v); err == nil {
		return b
	}
	return v
}

// editJSON rewrites the JSON record at key in bucket with edit.
func editJSON(tx *bolt.Tx, bucket string, key []byte, edit func(map[string]any)) error {
	b := tx.Bucket([]byte(bucket))
	v := b.Get(key)
	if v == nil {
		return fmt.Errorf("no %s record %q", bucket, key)
	}
	var m map[string]any
	if err := json.Unmarshal(unpacked(v), &m); err != nil {
		return err
	}
	edit(m)
	w, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return b.Put(key, w)
}

func u64(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

// TestTamperRecords edits each kind of record directly in the file:
// verification names each edit, and the wallet refuses to open for
// serving on it.
func TestTamperRecords(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(tx *bolt.Tx) error
		want   []string // each in the problems
	}{
		{"a transfer made to read as another", func(tx *bolt.Tx) error {
			// A transfer is stored in its audit entry, which the chain's
			// hashes cover; the bucket keeps where. Point transfer 2 at the
			// entry of transfer 1, and add a transfer 99 pointing there too.
			b := tx.Bucket([]byte("transfers"))
			if err := b.Put(u64(2), bytes.Clone(b.Get(u64(1)))); err != nil {
				return err
			}
			return b.Put(u64(99), bytes.Clone(b.Get(u64(1))))
		}, []string{"transfer 2 was edited: it refers to audit entry", "transfer 99 was added outside voicepay"}},
		{"a paid order's total", func(tx *bolt.Tx) error {
			return editJSON(tx, "orders", u64(1), func(m map[string]any) { m["total"] = 1 })
		}, []string{"order 1: its amount or fields were edited", "order 1: its receipt does not match"}},
		{"a deleted transfer", func(tx *bolt.Tx) error {
			return tx.Bucket([]byte("transfers")).Delete(u64(1))
		}, []string{"transfer 1 was deleted"}},
		{"the lockout counters reset", func(tx *bolt.Tx) error {
			return editJSON(tx, "credentials", []byte("person"), func(m map[string]any) { m["failures"] = 0 })
		}, []string{`credentials "person" (PIN, authenticator and lockout state): its amount or fields were edited`}},
		{"an added device", func(tx *bolt.Tx) error {
			d, _ := json.Marshal(wallet.Device{ID: "evil", Scope: wallet.ScopeUser, TokenHash: "ab", Active: true})
			b := tx.Bucket([]byte("devices"))
			if err := b.Put([]byte("id:evil"), d); err != nil {
				return err
			}
			return b.Put([]byte("tok:ab"), []byte("evil"))
		}, []string{"device evil was added outside voicepay", "device token ab was added outside voicepay"}},
		{"a mandate's cap", func(tx *bolt.Tx) error {
			return editJSON(tx, "mandates", u64(1), func(m map[string]any) { m["cap"] = 1e9 })
		}, []string{"mandate 1: its amount or fields were edited"}},
		{"the last audit entry dropped, the head moved back", func(tx *bolt.Tx) error {
			b := tx.Bucket([]byte("audit"))
			k, _ := b.Cursor().Last()
			if err := b.Delete(k); err != nil {
				return err
			}
			var e wallet.AuditEntry
			_, v := b.Cursor().Last()
			if err := json.Unmarshal(unpacked(v), &e); err != nil {
				return err
			}
			if err := b.SetSequence(e.Seq); err != nil {
				return err
			}
			return tx.Bucket([]byte("meta")).Put([]byte("audit_head"), []byte(e.Hash))
		}, []string{"credentials \"person\" (PIN, authenticator and lockout state): its amount or fields were edited"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := tamperWallet(t)
			editBolt(t, db.Path, tt.tamper)
			wantTampered(t, db.Path, tt.want...)
		})
	}
}

// wantTampered checks that verification of the wallet at path fails naming
// each of want, and that the wallet refuses to open for serving.
func wantTampered(t *testing.T, path string, want ...string) {
	t.Helper()
	db := MustOpenDB(t, WithPath(path), ExpectCorrupt())
	r, err := db.VerifyAudit(context.Background())
	WantErr(t, err, wallet.ErrAudit)
	got := strings.Join(r.Problems, "\n")
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("problems\n%s\nwant one naming %q", got, w)
		}
	}
	db.MustClose()
	serve := wallet.NewDB(path, NewRiskScreen())
	serve.VerifyOnOpen, serve.SweepInterval = true, 0
	if err := serve.Open(); err == nil {
		serve.Close()
		t.Error("the wallet opened for serving on a tampered file")
	} else if !strings.Contains(err.Error(), want[0]) {
		t.Errorf("open for serving: %v, want it to name %q", err, want[0])
	}
}

// TestBindExisting opens a ledger written before records were bound: the
// first open binds them all in one logged step, verification passes, and
// edits after that are found.
func TestBindExisting(t *testing.T) {
	db := tamperWallet(t)
	// Undo the binding, as an older voicepay would have written the file.
	editBolt(t, db.Path, func(tx *bolt.Tx) error {
		if err := tx.Bucket([]byte("meta")).Delete([]byte("records_bound")); err != nil {
			return err
		}
		return rechain(tx, func(e *wallet.AuditEntry) { e.Records = nil })
	})
	for _, name := range []string{"wallet.anchor", "anchor.key"} {
		if err := os.Remove(filepath.Join(filepath.Dir(db.Path), name)); err != nil {
			t.Fatal(err)
		}
	}
	db = MustOpenDB(t, WithPath(db.Path))
	log := db.MustAudit(t)
	if last := log[len(log)-1]; last.Kind != "bind" || len(last.Records) == 0 {
		t.Fatalf("last entry %+v, want a bind entry", last)
	}
	if _, err := db.VerifyAudit(context.Background()); err != nil {
		t.Fatal(err)
	}
	db.MustClose()
	editBolt(t, db.Path, func(tx *bolt.Tx) error {
		return editJSON(tx, "mandates", u64(1), func(m map[string]any) { m["cap"] = 1e9 })
	})
	wantTampered(t, db.Path, "mandate 1: its amount or fields were edited")
}

// rechain edits every audit entry with edit and recomputes every hash and
// link after it, and the head, the way a forger who read the source would.
func rechain(tx *bolt.Tx, edit func(*wallet.AuditEntry)) error {
	b := tx.Bucket([]byte("audit"))
	prev := ""
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var e wallet.AuditEntry
		if err := json.Unmarshal(unpacked(v), &e); err != nil {
			return err
		}
		e.Seq = binary.BigEndian.Uint64(k)
		edit(&e)
		e.Prev = prev
		e.Hash = resum(e)
		prev = e.Hash
		w, err := json.Marshal(e)
		if err != nil {
			return err
		}
		if err := b.Put(bytes.Clone(k), w); err != nil {
			return err
		}
	}
	return tx.Bucket([]byte("meta")).Put([]byte("audit_head"), []byte(prev))
}

// resum is rehash with the entry's records.
func resum(e wallet.AuditEntry) string {
	if len(e.Records) == 0 {
		return rehash(e)
	}
	h := sha256.New()
	prev, _ := hex.DecodeString(e.Prev)
	h.Write(prev)
	h.Write(binary.BigEndian.AppendUint64(nil, e.Seq))
	h.Write([]byte(e.Time.UTC().Format("2006-01-02T15:04:05.999999999Z07:00")))
	h.Write([]byte{0})
	h.Write([]byte(e.Kind))
	h.Write([]byte{0})
	h.Write(e.Data)
	for _, r := range e.Records {
		for _, s := range []string{r.Bucket, r.Key, r.Hash} {
			h.Write([]byte{0})
			h.Write([]byte(s))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// recordHash is what the wallet binds a record's stored bytes by.
func recordHash(v []byte) string {
	s := sha256.Sum256(v)
	return hex.EncodeToString(s[:])
}

// TestAnchor re-chains a file, rolls one back, and leaves its anchor one
// commit behind, as a crash between the commit and the anchor would.
func TestAnchor(t *testing.T) {
	t.Run("re-chained", func(t *testing.T) {
		db := tamperWallet(t)
		// Turn the 1000-yuan top-up into 100,000 yuan everywhere: the
		// transfer in its audit entry, the account, every hash.
		editBolt(t, db.Path, func(tx *bolt.Tx) error {
			var id uint64
			err := rechain(tx, func(e *wallet.AuditEntry) {
				if e.Kind == "transfer" && bytes.Contains(e.Data, []byte(`"amount":100000,`)) && id == 0 {
					e.Data = bytes.Replace(e.Data, []byte(`"amount":100000,`), []byte(`"amount":10000000,`), 1)
					var tr wallet.Transfer
					json.Unmarshal(e.Data, &tr)
					id = tr.ID
				}
			})
			if err != nil || id == 0 {
				return fmt.Errorf("re-chain: %v, transfer %d", err, id)
			}
			return editAccount(tx, "user", 10000000-100000)
		})
		wantTampered(t, db.Path, "the ledger's audit chain does not match its anchor", "re-chained")
	})
	t.Run("rolled back", func(t *testing.T) {
		db := MustOpenDB(t)
		db.MustTopup(t, 100000)
		db.MustClose()
		old, err := os.ReadFile(db.Path)
		if err != nil {
			t.Fatal(err)
		}
		db = MustOpenDB(t, WithPath(db.Path))
		db.MustAuthorize(t, db.MustConfirm(t, db.MustCreate(t, Lattes(1)).ID).ID)
		db.MustClose()
		if err := os.WriteFile(db.Path, old, 0o600); err != nil {
			t.Fatal(err)
		}
		wantTampered(t, db.Path, "the ledger's audit chain does not match its anchor", "rolled back")
	})
	t.Run("anchor one commit behind", func(t *testing.T) {
		db := MustOpenDB(t)
		db.MustTopup(t, 100000)
		db.MustClose()
		anchorPath := filepath.Join(filepath.Dir(db.Path), "wallet.anchor")
		behind, err := os.ReadFile(anchorPath)
		if err != nil {
			t.Fatal(err)
		}
		db = MustOpenDB(t, WithPath(db.Path))
		db.MustTopup(t, 100)
		db.MustClose()
		if err := os.WriteFile(anchorPath, behind, 0o600); err != nil {
			t.Fatal(err)
		}
		serve := wallet.NewDB(db.Path, NewRiskScreen())
		serve.VerifyOnOpen, serve.SweepInterval = true, 0
		if err := serve.Open(); err != nil {
			t.Fatalf("open with the anchor one commit behind: %v", err)
		}
		serve.Close()
	})
	t.Run("forged anchor", func(t *testing.T) {
		db := tamperWallet(t)
		anchorPath := filepath.Join(filepath.Dir(db.Path), "wallet.anchor")
		if err := os.WriteFile(anchorPath, []byte(`{"seq":1,"hash":"00","mac":"00"}`), 0o600); err != nil {
			t.Fatal(err)
		}
		wantTampered(t, db.Path, "is not signed by the anchor key")
	})
}

// editAccount adds delta to an account's credits posted, as TestTamper does.
func editAccount(tx *bolt.Tx, id string, delta int64) error {
	b := tx.Bucket([]byte("accounts"))
	w := bytes.Clone(b.Get([]byte(id)))
	binary.BigEndian.PutUint64(w[9:17], binary.BigEndian.Uint64(w[9:17])+uint64(delta))
	return b.Put([]byte(id), w)
}

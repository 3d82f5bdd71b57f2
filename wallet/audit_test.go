package wallet_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/voicepay/voicepay/wallet"
)

// TestRestart closes the wallet with orders in every state and opens the
// same file again: balances, open orders and holds, receipts and keys are
// all still there, and the open orders carry on.
func TestRestart(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	db.MustTopup(t, 20000)
	paid := db.MustAuthorize(t, db.MustConfirm(t, db.MustCreate(t, Lattes(1)).ID).ID)
	confirmed := db.MustConfirm(t, db.MustCreate(t, Lattes(2)).ID)
	drafted := db.MustCreate(t, Lattes(3))
	cancelled, err := db.CancelOrder(ctx, Key("cancel"), db.MustCreate(t, Lattes(1)).ID)
	if err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, db)
	pub := db.PublicKey()
	topupKey := "restart-topup"
	first, err := db.Topup(ctx, topupKey, 1)
	if err != nil {
		t.Fatal(err)
	}
	before = snapshot(t, db)

	db = db.MustReopen()
	if got := snapshot(t, db); !reflect.DeepEqual(got, before) {
		t.Fatalf("after restart the ledger is\n%+v\nwant\n%+v", got, before)
	}
	if !db.PublicKey().Equal(pub) {
		t.Error("the signing key changed across the restart")
	}
	p := db.MustOrder(t, paid.ID)
	if err := wallet.VerifyReceipt(db.PublicKey(), p, p.Receipt); err != nil {
		t.Errorf("receipt after restart: %v", err)
	}
	again, err := db.Topup(ctx, topupKey, 1)
	if err != nil || again.ID != first.ID {
		t.Errorf("retried top-up after restart: %+v, %v, want transfer %d", again, err, first.ID)
	}
	wantStates := map[uint64]wallet.OrderState{paid.ID: wallet.Paid, confirmed.ID: wallet.Confirmed,
		drafted.ID: wallet.Drafted, cancelled.ID: wallet.Cancelled}
	for id, want := range wantStates {
		if got := db.MustOrder(t, id).State; got != want {
			t.Errorf("order %d: %s, want %s", id, got, want)
		}
	}
	user := db.MustAccount(t, wallet.UserAccount)
	if got, want := [2]int64{user.Balance(), user.DebitsPending}, [2]int64{20001 - 1800, 3600}; got != want {
		t.Errorf("user balance, held %v, want %v", got, want)
	}

	// The open orders carry on where they were.
	db.MustAuthorize(t, confirmed.ID)
	db.MustAuthorize(t, db.MustConfirm(t, drafted.ID).ID)
	if got, want := db.MustAccount(t, wallet.UserAccount).Balance(), int64(20001-1800-3600-5400); got != want {
		t.Errorf("balance %d, want %d", got, want)
	}
	// And they still expire after a restart.
	late := db.MustConfirm(t, db.MustCreate(t, Lattes(1)).ID)
	db = db.MustReopen()
	db.Clock.Advance(db.HoldTimeout)
	if expired, err := db.Sweep(ctx); err != nil || len(expired) != 1 || expired[0].ID != late.ID {
		t.Errorf("sweep after restart: %+v, %v, want order %d", expired, err, late.ID)
	}
}

func TestOpen(t *testing.T) {
	t.Run("no screen", func(t *testing.T) {
		db := wallet.NewDB(t.TempDir()+"/wallet.db", nil)
		if err := db.Open(); err == nil {
			db.Close()
			t.Fatal("opened a wallet that screens nothing")
		}
	})
	t.Run("in use", func(t *testing.T) {
		db := MustOpenDB(t)
		other := wallet.NewDB(db.Path, NewRiskScreen())
		start := time.Now()
		err := other.Open()
		if err == nil {
			other.Close()
		}
		WantErr(t, err, wallet.ErrLocked)
		if time.Since(start) > 10*time.Second {
			t.Errorf("took %s to give up", time.Since(start))
		}
	})
	t.Run("other currency", func(t *testing.T) {
		db := MustOpenDB(t)
		db.MustClose()
		other := wallet.NewDB(db.Path, NewRiskScreen())
		other.Currency = "USD"
		if err := other.Open(); err == nil || !strings.Contains(err.Error(), "currency") {
			if err == nil {
				other.Close()
			}
			t.Fatalf("open a CNY ledger as USD: %v, want a currency error", err)
		}
		if err := other.Close(); err != nil {
			t.Errorf("close after a failed open: %v", err)
		}
		// A failed open leaves the file free for the next.
		db = MustOpenDB(t, WithPath(db.Path))
	})
}

// TestTamper changes the file behind the wallet's back and checks that
// verification catches it and names the problem.
func TestTamper(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(tx *bolt.Tx) error
		want   string // in the problems
	}{
		{"one byte of an audit entry", func(tx *bolt.Tx) error {
			return editAudit(tx, "transfer", func(v []byte) []byte {
				// 10000 becomes 90000: still valid JSON, another amount.
				return bytes.Replace(v, []byte(`"amount":10000`), []byte(`"amount":90000`), 1)
			})
		}, "hash does not match its contents"},
		{"a rehashed audit entry", func(tx *bolt.Tx) error {
			// A forger who recomputes the entry's own hash still breaks the
			// link to the next entry.
			return editAudit(tx, "transfer", nil)
		}, "link to previous entry is broken"},
		{"an account total", func(tx *bolt.Tx) error {
			b := tx.Bucket([]byte("accounts"))
			v := b.Get([]byte("user"))
			// Credits posted are the second total, after the version byte.
			w := bytes.Clone(v)
			if got := binary.BigEndian.Uint64(w[9:17]); got != 10000 {
				return fmt.Errorf("user credits posted %d, want 10000", got)
			}
			binary.BigEndian.PutUint64(w[9:17], 90000)
			return b.Put([]byte("user"), w)
		}, "account user: stored totals differ from the chain"},
		{"a dropped last entry", func(tx *bolt.Tx) error {
			k, _ := tx.Bucket([]byte("audit")).Cursor().Last()
			return tx.Bucket([]byte("audit")).Delete(k)
		}, "chain head"},
		{"a dropped transfer", func(tx *bolt.Tx) error {
			k, _ := tx.Bucket([]byte("transfers")).Cursor().First()
			return tx.Bucket([]byte("transfers")).Delete(k)
		}, "ledger has 3 transfers, the audit chain 4"},
		{"a hold released behind its back", func(tx *bolt.Tx) error {
			k, _ := tx.Bucket([]byte("holds")).Cursor().First()
			return tx.Bucket([]byte("holds")).Delete(k)
		}, "is open on the chain but not in the ledger"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := MustOpenDB(t)
			db.MustTopup(t, 10000)
			db.MustAuthorize(t, db.MustConfirm(t, db.MustCreate(t, Lattes(1)).ID).ID)
			db.MustConfirm(t, db.MustCreate(t, Lattes(1)).ID)
			db.MustClose()

			b, err := bolt.Open(db.Path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := b.Update(tt.tamper); err != nil {
				t.Fatalf("tamper: %v", err)
			}
			if err := b.Close(); err != nil {
				t.Fatal(err)
			}

			db = MustOpenDB(t, WithPath(db.Path), ExpectCorrupt())
			r, err := db.VerifyAudit(context.Background())
			WantErr(t, err, wallet.ErrAudit)
			if r == nil || !strings.Contains(strings.Join(r.Problems, "\n"), tt.want) {
				t.Errorf("problems %q, want one naming %q", r.Problems, tt.want)
			}
		})
	}

	t.Run("untouched", func(t *testing.T) {
		db := MustOpenDB(t)
		db.MustTopup(t, 10000)
		db.MustAuthorize(t, db.MustConfirm(t, db.MustCreate(t, Lattes(1)).ID).ID)
		r, err := db.VerifyAudit(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if r.Transfers != 3 || r.Balances[wallet.UserAccount] != 8200 || r.Balances[Luckin] != 1800 {
			t.Errorf("report %+v, want 3 transfers, user 8200, merchant 1800", r)
		}
		log := db.MustAudit(t)
		if r.Entries != len(log) || r.Head != log[len(log)-1].Hash {
			t.Errorf("report of %d entries ending %s, want %d ending %s", r.Entries, r.Head, len(log), log[len(log)-1].Hash)
		}
	})
}

// editAudit changes the first audit entry of kind: with edit, its stored
// bytes; without, one amount in its data, recomputing the entry's own hash
// the way the wallet does.
func editAudit(tx *bolt.Tx, kind string, edit func([]byte) []byte) error {
	b := tx.Bucket([]byte("audit"))
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		v = unpacked(v)
		var e wallet.AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return err
		}
		e.Seq = binary.BigEndian.Uint64(k)
		if e.Kind != kind {
			continue
		}
		var w []byte
		if edit != nil {
			w = edit(append([]byte(nil), v...))
		} else {
			e.Data = bytes.Replace(e.Data, []byte(`"amount":10000`), []byte(`"amount":90000`), 1)
			e.Hash = rehash(e)
			var err error
			if w, err = json.Marshal(e); err != nil {
				return err
			}
		}
		if bytes.Equal(v, w) {
			return errors.New("the edit changed nothing in " + string(v))
		}
		return b.Put(k, w)
	}
	return errors.New("no " + kind + " entry")
}

// rehash recomputes an entry's hash the way a forger who read the source
// would: sha256 over the previous hash, the sequence, the time, the kind and
// the data.
func rehash(e wallet.AuditEntry) string {
	h := sha256.New()
	prev, _ := hex.DecodeString(e.Prev)
	h.Write(prev)
	h.Write(binary.BigEndian.AppendUint64(nil, e.Seq))
	h.Write([]byte(e.Time.UTC().Format(time.RFC3339Nano)))
	h.Write([]byte{0})
	h.Write([]byte(e.Kind))
	h.Write([]byte{0})
	h.Write(e.Data)
	return hex.EncodeToString(h.Sum(nil))
}

// TestRecordHashEncodings checks that a record binding is read in both the
// hex of older entries and the base64 of new ones.
func TestRecordHashEncodings(t *testing.T) {
	v := []byte(`{"id":1}`)
	sum := sha256.Sum256(v)
	for _, tc := range []struct {
		name, hash string
		want       bool
	}{
		{"hex", hex.EncodeToString(sum[:]), true},
		{"base64", base64.RawStdEncoding.EncodeToString(sum[:]), true},
		{"other bytes", base64.RawStdEncoding.EncodeToString(make([]byte, 32)), false},
		{"empty", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := wallet.HashOf(tc.hash, v); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestRecordBindingForms checks that a binding reads the same from the
// object older entries store and from the arrays newer ones store, and
// that entries store a key of text as text, in the entry the ledger writes.
func TestRecordBindingForms(t *testing.T) {
	want := wallet.RecordHash{Bucket: "transfers", Key: "0000000000000001", Hash: "abc"}
	text := wallet.RecordHash{Bucket: "idempotency", Key: hex.EncodeToString([]byte("create_order\x00a\"b")), Hash: "abc"}
	for _, tc := range []struct {
		name, stored string
		want         wallet.RecordHash
	}{
		{"object, key in hex", `{"b":"transfers","k":"0000000000000001","h":"abc"}`, want},
		{"array, key in base64", `["transfers","AAAAAAAAAAE","abc"]`, want},
		{"array, key of text", `["idempotency","=create_order\u0000a\"b","abc"]`, text},
		{"array, key of text in base64", `["idempotency","Y3JlYXRlX29yZGVyAGEiYg","abc"]`, text},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got wallet.RecordHash
			if err := json.Unmarshal([]byte(tc.stored), &got); err != nil || got != tc.want {
				t.Errorf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
	// The devices' keys are stored as text; an idempotency record's key
	// by its digest, which starts with 0xff, "/" in base64.
	db := MustOpenDB(t)
	db.MustTopup(t, 100)
	db.MustClose()
	var stored []byte
	editBolt(t, db.Path, func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("audit")).ForEach(func(_, v []byte) error {
			stored = append(stored, unpacked(v)...)
			return nil
		})
	})
	for _, want := range []string{`["devices","=id:glasses",`, `["idempotency","/`} {
		if !bytes.Contains(stored, []byte(want)) {
			t.Errorf("no entry binds a record as %s: %s", want, stored)
		}
	}
	if bytes.Contains(stored, []byte(`"=topup`)) {
		t.Error("an entry names an idempotency record by its key")
	}
	var bad wallet.RecordHash
	if err := json.Unmarshal([]byte(`["transfers","AAAAAAAAAAE"]`), &bad); err == nil {
		t.Errorf("a binding of two fields was read as %+v", bad)
	}
}

package wallet_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
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

// TestEntryHashes checks the chain's hashes where entries store only their
// check: every reader gets every entry's whole hash and its link, from the
// first entry or from any entry part way along; the file holds the whole
// hash only at every 64th entry, and its first 64 bits at the others; and
// an entry edited on its own is named,
// once, while the entries after it are checked again from the next one
// that stores its whole hash.
func TestEntryHashes(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	for range 150 {
		db.MustTopup(t, 100)
	}
	all, err := db.AuditLog(ctx, 0, 0)
	if err != nil || len(all) < 140 {
		t.Fatalf("audit log: %d entries, %v", len(all), err)
	}
	for i, e := range all {
		if e.Seq != uint64(i+1) || len(e.Hash) != 64 {
			t.Fatalf("entry %d: seq %d, hash %q", i+1, e.Seq, e.Hash)
		}
		if i > 0 && e.Prev != all[i-1].Hash {
			t.Fatalf("entry %d: prev %.12s, want entry %d's hash %.12s", e.Seq, e.Prev, i, all[i-1].Hash)
		}
	}
	for _, after := range []uint64{1, 2, 63, 64, 65, 127, 128, 129, uint64(len(all) - 1)} {
		got, err := db.AuditLog(ctx, after, 2)
		if err != nil || len(got) == 0 {
			t.Fatalf("audit log after %d: %v", after, err)
		}
		want := all[after]
		if got[0].Seq != want.Seq || got[0].Prev != want.Prev || got[0].Hash != want.Hash {
			t.Errorf("after %d: entry %d prev %.12s hash %.12s, want %d %.12s %.12s",
				after, got[0].Seq, got[0].Prev, got[0].Hash, want.Seq, want.Prev, want.Hash)
		}
	}
	db.MustClose()

	editBolt(t, db.Path, func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("audit")).ForEach(func(k, v []byte) error {
			var e struct {
				Seq  *uint64 `json:"seq"`
				Hash string  `json:"hash"`
			}
			if err := json.Unmarshal(unpacked(v), &e); err != nil {
				return err
			}
			seq := binary.BigEndian.Uint64(k)
			if e.Seq != nil {
				t.Errorf("entry %d stores its sequence, which is its key", seq)
			}
			want := all[seq-1].Hash
			if seq%64 != 0 {
				b, _ := hex.DecodeString(want[:16])
				want = base64.RawStdEncoding.EncodeToString(b)
			}
			if e.Hash != want {
				t.Errorf("entry %d stores hash %q, want %q", seq, e.Hash, want)
			}
			return nil
		})
	})

	// Entry 10 edited alone: a top-up's reference, which moves nothing.
	editBolt(t, db.Path, func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("audit"))
		v := unpacked(b.Get(u64(10)))
		w := bytes.Replace(v, []byte(`"ref":"topup"`), []byte(`"ref":"topuq"`), 1)
		if bytes.Equal(v, w) {
			return fmt.Errorf("entry 10 holds no top-up reference: %s", v)
		}
		return b.Put(u64(10), w)
	})
	db = MustOpenDB(t, WithPath(db.Path), ExpectCorrupt())
	r, err := db.VerifyAudit(ctx)
	WantErr(t, err, wallet.ErrAudit)
	if len(r.Problems) != 1 || !strings.HasPrefix(r.Problems[0], "entry 10: hash does not match its contents") {
		t.Errorf("problems %q, want one naming entry 10", r.Problems)
	}
}

// TestBindingsByKey reads a ledger whose entries name idempotency records
// by their keys, as ledgers written before name them, not by digests: it
// verifies, and an edit to one of those records is still named.
func TestBindingsByKey(t *testing.T) {
	db := tamperWallet(t)
	editBolt(t, db.Path, func(tx *bolt.Tx) error {
		keys := map[string]string{} // hex of a key's digest to hex of the key
		tx.Bucket([]byte("idempotency")).ForEach(func(k, _ []byte) error {
			sum := sha256.Sum256(k)
			keys[hex.EncodeToString(append([]byte{0xff}, sum[:16]...))] = hex.EncodeToString(k)
			return nil
		})
		return rechain(tx, func(e *wallet.AuditEntry) {
			for i, r := range e.Records {
				if r.Bucket == "idempotency" {
					if keys[r.Key] == "" {
						t.Errorf("entry %d binds idempotency record %s, not a digest of a key", e.Seq, r.Key)
					}
					e.Records[i].Key = keys[r.Key]
				}
			}
		})
	})
	for _, name := range []string{"wallet.anchor", "anchor.key"} {
		if err := os.Remove(filepath.Join(filepath.Dir(db.Path), name)); err != nil {
			t.Fatal(err)
		}
	}
	db = MustOpenDB(t, WithPath(db.Path))
	db.MustTopup(t, 100) // and a new record, named by its digest, beside them
	db.MustClose()
	var key []byte // the first top-up's, bound by its key
	editBolt(t, db.Path, func(tx *bolt.Tx) error {
		key, _ = tx.Bucket([]byte("idempotency")).Cursor().Seek([]byte("topup\x00"))
		key = bytes.Clone(key)
		return editJSON(tx, "idempotency", key, func(m map[string]any) { m["at"] = 1 })
	})
	wantTampered(t, db.Path, fmt.Sprintf("idempotency record %q: its amount or fields were edited", key))
}

package wallet_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
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

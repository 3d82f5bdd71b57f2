package wallet

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// A record is one value the ledger stores outside the audit chain: a
// transfer stored whole (as ledgers written before store them), an order
// and its receipt, a mandate or charge, a device, the
// credentials and lockout state, a pairing code, a passkey, a risk counter,
// an idempotency record, a claim or a ledger setting. Every write that puts or
// deletes one binds it to the chain: the audit entry the write makes (or a
// "records" entry, when it makes none) lists the record's bucket, key and
// the SHA-256 of its stored bytes. audit verify then finds every record
// edited, added or deleted behind voicepay's back.
//
// Not bound: the accounts, open holds and the open-order index, which
// verification re-derives from the chain and the records; the references
// to the transfers on the chain, which it checks against them; the audit bucket
// itself; the chain head; and dialog sessions, which are opaque,
// rewritten on every turn, and trusted for nothing: every step that moves
// money re-reads the order from the ledger.
var boundBuckets = [][]byte{bucketTransfer, bucketOrders, bucketMandates, bucketCharges, bucketDevices,
	bucketCreds, bucketPairing, bucketPasskeys, bucketStats, bucketIdem, bucketMeta, bucketClaims, bucketRefunds}

// RecordHash binds one record to the audit chain.
type RecordHash struct {
	Bucket string `json:"b"`
	Key    string `json:"k"` // hex
	// Hash is the first 128 bits of the SHA-256 of the stored bytes, in
	// unpadded base64 (see recordHash; entries written before hold all 256
	// bits, in base64 or hex, and all are read); empty once deleted.
	Hash string `json:"h"`
}

// appendRecord appends r as entries store it: ["bucket","key","hash"].
// A key of printable ASCII with at most one NUL (ids such as
// "day:2026-04-15" and "create_order\x00glasses/turn:…") is stored as its
// text after a "=",
// which packing finds again in the entry's own data and times; any other
// key (a big-endian number) in unpadded base64, which has no "=". Entries
// written before stored the object {"b":"bucket","k":"key in hex",
// "h":"hash"}, half as long again, or the key in base64 whatever it was;
// all are read (UnmarshalJSON), and all hash the same, since an entry's
// hash covers the key in hex whichever way it is stored.
func appendRecord(b []byte, r RecordHash) []byte {
	key, _ := hex.DecodeString(r.Key)
	b = append(b, '[')
	b = strconv.AppendQuote(b, r.Bucket)
	b = append(b, ',')
	if textKey(key) {
		b = appendJSONString(b, "="+string(key))
	} else {
		b = append(b, '"')
		b = base64.RawStdEncoding.AppendEncode(b, key)
		b = append(b, '"')
	}
	b = append(b, `,"`...)
	b = append(b, r.Hash...)
	return append(b, `"]`...)
}

// textKey reports whether a binding stores key as text: a key of printable
// ASCII with at most one NUL, and not empty. A number's key of eight bytes
// is mostly NULs, shorter in base64.
func textKey(key []byte) bool {
	for _, c := range key {
		if c != 0 && (c < 0x20 || c > 0x7e) {
			return false
		}
	}
	return len(key) > 0 && bytes.Count(key, []byte{0}) <= 1
}

// appendJSONString appends s, printable ASCII and NULs, as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := range len(s) {
		switch c := s[i]; c {
		case 0:
			b = append(b, `\u0000`...)
		case '"', '\\':
			b = append(b, '\\', c)
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// UnmarshalJSON reads a binding in either of the forms entries store.
func (r *RecordHash) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || b[0] != '[' {
		type object RecordHash
		return json.Unmarshal(b, (*object)(r))
	}
	var a []string
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	if len(a) != 3 {
		return fmt.Errorf("record binding of %d fields, not 3", len(a))
	}
	key, err := []byte(strings.TrimPrefix(a[1], "=")), error(nil)
	if !strings.HasPrefix(a[1], "=") {
		if key, err = base64.RawStdEncoding.DecodeString(a[1]); err != nil {
			return fmt.Errorf("record key %q: %w", a[1], err)
		}
	}
	*r = RecordHash{Bucket: a[0], Key: hex.EncodeToString(key), Hash: a[2]}
	return nil
}

// recordsBound marks a ledger whose records are all bound to the chain: a
// new one, or an older one once bindRecords has run.
var recordsBound = []byte("records_bound")

// indexed reports whether the value v of bucket refers to the audit entry
// that holds the record (see entryRef): it is checked against the chain
// itself, not bound to it.
func indexed(bucket, v []byte) bool {
	_, ok := refEntry(v)
	return ok && string(bucket) == string(bucketTransfer)
}

// boundKey reports whether key of bucket is bound to the chain.
func boundKey(bucket, key []byte) bool {
	return string(bucket) != string(bucketMeta) || string(key) != string(auditHead)
}

// recordHash is the hash that binds the stored bytes v: the first 128 bits
// of their SHA-256, in unpadded base64. Every write puts a few on the chain
// for good, and 128 bits leave no second value to find with the same hash;
// the chain's own links keep all 256.
func recordHash(v []byte) string {
	sum := sha256.Sum256(v)
	return base64.RawStdEncoding.EncodeToString(sum[:bindingSize])
}

// bindingSize is how many bytes of a record's SHA-256 its binding keeps.
const bindingSize = 16

// bindKey is the key a binding names the record key of bucket by: the key
// itself, or for an idempotency record its digest: keyDigest and the first
// 128 bits of the key's SHA-256. An idempotency key holds a client's ids,
// times and hashes, up to a hundred bytes that packing cannot shorten, and
// the chain keeps three of them for every payment for good. Bindings
// written before name idempotency records by their keys, and are read the
// same (boundID).
func bindKey(bucket, key []byte) []byte {
	if string(bucket) != string(bucketIdem) {
		return key
	}
	sum := sha256.Sum256(key)
	return append([]byte{keyDigest}, sum[:bindingSize]...)
}

// keyDigest starts the digest of an idempotency key; the keys themselves
// start with the name of an operation.
const keyDigest = 0xff

// boundID is how v.bound knows the record key of bucket: by bindKey, or,
// for a record bound before bindKey named it by a digest, by its key.
func (v *auditVerifier) boundID(bucket, key []byte) string {
	id := string(bucket) + "/" + hex.EncodeToString(bindKey(bucket, key))
	if _, ok := v.bound[id]; !ok {
		if old := string(bucket) + "/" + hex.EncodeToString(key); v.bound[old].Bucket != "" {
			return old
		}
	}
	return id
}

// hashOf reports whether hash binds v, in any form entries have held it:
// the whole SHA-256 in hex or in base64, or its first 128 bits in base64.
func hashOf(hash string, v []byte) bool {
	sum := sha256.Sum256(v)
	switch len(hash) {
	case hex.EncodedLen(sha256.Size):
		return hash == hex.EncodeToString(sum[:])
	case base64.RawStdEncoding.EncodedLen(sha256.Size):
		return hash == base64.RawStdEncoding.EncodeToString(sum[:])
	}
	return hash == base64.RawStdEncoding.EncodeToString(sum[:bindingSize])
}

// put stores a record and binds it to the chain. A record rewritten with
// the bytes it has is left as it is, and not bound again: its binding
// stands.
func (l *ltx) put(bucket, key, v []byte) error {
	if packed[string(bucket)] {
		v = pack(v)
	}
	b := l.Bucket(bucket)
	if old := b.Get(key); old != nil && bytes.Equal(old, v) {
		return nil
	}
	if err := b.Put(key, v); err != nil {
		return err
	}
	l.bind(bucket, key, recordHash(v))
	return nil
}

// del deletes a record and binds its deletion to the chain.
func (l *ltx) del(bucket, key []byte) error {
	if err := l.Bucket(bucket).Delete(key); err != nil {
		return err
	}
	l.bind(bucket, key, "")
	return nil
}

func (l *ltx) bind(bucket, key []byte, hash string) {
	if l.bound == nil {
		l.bound = map[string]RecordHash{}
	}
	r := RecordHash{Bucket: string(bucket), Key: hex.EncodeToString(bindKey(bucket, key)), Hash: hash}
	l.bound[r.Bucket+"/"+r.Key] = r
}

// flushRecords ends a write on the chain: it adds the records the write
// bound to its last audit entry, or to a new "records" entry when it made
// none, and stores that entry.
func (l *ltx) flushRecords() error {
	if len(l.bound) > 0 {
		recs := make([]RecordHash, 0, len(l.bound))
		for _, r := range l.bound {
			recs = append(recs, r)
		}
		sort.Slice(recs, func(i, j int) bool {
			return recs[i].Bucket+"/"+recs[i].Key < recs[j].Bucket+"/"+recs[j].Key
		})
		l.bound = nil
		if l.last == nil || l.last.Hash != "" {
			if err := l.appendEntry("records", json.RawMessage(`{}`), recs); err != nil {
				return err
			}
		} else {
			l.last.Records = append(l.last.Records, recs...)
		}
	}
	_, err := l.writeLast()
	return err
}

// bindChunk is how many records one binding entry lists.
const bindChunk = 1000

// bindRecords binds every record already in the ledger, in "bind" entries
// of bindChunk records: the one-time migration of a ledger written before
// records were bound. It reports how many it bound.
func (l *ltx) bindRecords() (int, error) {
	var recs []RecordHash
	flush := func() error {
		if len(recs) == 0 {
			return nil
		}
		err := l.appendEntry("bind", json.RawMessage(`{"reason":"records written before binding"}`), recs)
		recs = nil
		return err
	}
	n := 0
	for _, name := range boundBuckets {
		err := l.Bucket(name).ForEach(func(k, v []byte) error {
			if v == nil || !boundKey(name, k) || indexed(name, v) {
				return nil
			}
			n++
			recs = append(recs, RecordHash{Bucket: string(name), Key: hex.EncodeToString(bindKey(name, k)), Hash: recordHash(v)})
			if len(recs) == bindChunk {
				return flush()
			}
			return nil
		})
		if err != nil {
			return n, err
		}
	}
	if err := flush(); err != nil {
		return n, err
	}
	return n, l.put(bucketMeta, recordsBound, []byte("1"))
}

// recordName names a record for a person reading the audit report.
func recordName(bucket string, key []byte) string {
	id := func(k []byte) uint64 {
		if len(k) < 8 {
			return 0
		}
		return binary.BigEndian.Uint64(k)
	}
	switch bucket {
	case string(bucketTransfer):
		return fmt.Sprintf("transfer %d", id(key))
	case string(bucketOrders):
		return fmt.Sprintf("order %d", id(key))
	case string(bucketMandates):
		return fmt.Sprintf("mandate %d", id(key))
	case string(bucketCharges):
		if len(key) == 16 {
			return fmt.Sprintf("charge %d of mandate %d", id(key[8:]), id(key))
		}
	case string(bucketDevices):
		if k := string(key); len(k) > 3 && k[:3] == "id:" {
			return "device " + k[3:]
		} else if len(k) > 4 && k[:4] == "tok:" {
			return fmt.Sprintf("device token %.12s", k[4:])
		}
	case string(bucketCreds):
		return fmt.Sprintf("credentials %q (PIN, authenticator and lockout state)", key)
	case string(bucketPairing):
		return fmt.Sprintf("pairing code %.12x", key)
	case string(bucketPasskeys):
		return fmt.Sprintf("passkey record %q", key)
	case string(bucketStats):
		return fmt.Sprintf("risk counter %q", key)
	case string(bucketIdem):
		if len(key) == 1+bindingSize && key[0] == keyDigest {
			return fmt.Sprintf("idempotency record of key digest %x", key[1:7])
		}
		return fmt.Sprintf("idempotency record %q", key)
	case string(bucketMeta):
		return fmt.Sprintf("ledger setting %q", key)
	case string(bucketClaims):
		if len(key) == 9 {
			return fmt.Sprintf("claim index of transfer %d", id(key[1:]))
		}
		return fmt.Sprintf("claim %d", id(key))
	case string(bucketRefunds):
		if len(key) == 8 {
			return fmt.Sprintf("refund %d", id(key))
		}
		return fmt.Sprintf("refund total %q", key)
	}
	return fmt.Sprintf("%s record %x", bucket, key)
}

// checkRecords compares every bound record in tx with the hash the chain
// last bound it to, and names each record edited, added or deleted outside
// voicepay. It then re-checks every paid order's receipt.
func (v *auditVerifier) checkRecords(tx *bolt.Tx) {
	if tx.Bucket(bucketMeta).Get(recordsBound) == nil && v.r.Entries > 0 {
		v.problem("the ledger's records are not bound to the audit chain: open it with voicepay to bind them")
		return
	}
	seen := map[string]bool{}
	for _, name := range boundBuckets {
		tx.Bucket(name).ForEach(func(k, b []byte) error {
			if b == nil || !boundKey(name, k) || indexed(name, b) {
				return nil
			}
			id := v.boundID(name, k)
			seen[id] = true
			want, ok := v.bound[id]
			switch {
			case !ok || want.Hash == "":
				v.problem("%s was added outside voicepay: no audit entry wrote it", recordName(string(name), k))
			case !hashOf(want.Hash, b):
				v.problem("%s: its amount or fields were edited after they were written", recordName(string(name), k))
			}
			return nil
		})
	}
	for id, r := range v.bound {
		if r.Hash != "" && !seen[id] && !v.pruned.gone[id] {
			k, _ := hex.DecodeString(r.Key)
			v.problem("%s was deleted", recordName(r.Bucket, k))
		}
	}
	v.checkReceipts(tx)
}

// checkReceipts checks that every order with a receipt is exactly the order
// the receipt signed, with the ledger's key, and every refund's receipt.
func (v *auditVerifier) checkReceipts(tx *bolt.Tx) {
	seed := tx.Bucket(bucketMeta).Get([]byte("signing_seed"))
	if len(seed) != ed25519.SeedSize {
		v.problem("the ledger's signing key is missing or damaged")
		return
	}
	pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	v.checkRefunds(tx, pub)
	tx.Bucket(bucketOrders).ForEach(func(k, b []byte) error {
		var o Order
		if err := decodeOrder(b, &o); err != nil {
			v.problem("%s: undecodable: %v", recordName(string(bucketOrders), k), err)
			return nil
		}
		if o.Receipt != nil && VerifyReceipt(pub, &o, o.Receipt) != nil {
			v.problem("order %d: its receipt does not match the order or its signature", o.ID)
		}
		return nil
	})
}

package wallet

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	bolt "go.etcd.io/bbolt"
)

// The anchor keeps the audit chain's head outside the ledger file: its
// sequence number and hash, signed with HMAC-SHA256 under a key that is not
// in the file either. A file re-chained after an edit (every hash
// recomputed) or rolled back to an older copy has a chain that no longer
// passes through the anchored entry, and verification says so. Whoever
// holds both the file and the key can still forge both; keeping the key
// elsewhere (AnchorKeyPath) is what makes the anchor worth more.
//
// The anchor is written after each commit that moves the head: to a
// temporary file, fsynced, then renamed over the last. The directory is not
// fsynced: a crash that loses the rename, or that comes between the commit
// and the anchor, leaves the anchor behind the file, which verification
// accepts as long as the anchored entry is on the chain. A failed anchor
// write leaves it behind the same way, so it is logged, not returned to a
// caller whose write is already durable.
type anchor struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
	MAC  string `json:"mac"`
}

// anchorMAC is the anchor's signature over seq and hash under key.
func anchorMAC(key []byte, seq uint64, hash string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("voicepay anchor v1\x00" + strconv.FormatUint(seq, 10) + "\x00" + hash))
	return hex.EncodeToString(m.Sum(nil))
}

// ErrAnchor is returned when the ledger's audit chain does not pass through
// its anchor: the file was edited and re-chained, or rolled back.
var ErrAnchor = errors.New("the ledger's audit chain does not match its anchor: it was edited or rolled back; " +
	"restore wallet.db from a backup made after the anchor, or investigate with voicepay audit verify")

// anchorPaths fills in the default paths of the anchor and its key: beside
// the ledger file.
func (db *DB) anchorPaths() {
	dir := filepath.Dir(db.Path)
	if db.AnchorPath == "" {
		db.AnchorPath = filepath.Join(dir, "wallet.anchor")
	}
	if db.AnchorKeyPath == "" {
		db.AnchorKeyPath = filepath.Join(dir, "anchor.key")
	}
}

// openAnchor loads the anchor key and checks the anchor against the chain
// in b, or, for a ledger not yet anchored (new, or written before anchors),
// makes the key and the first anchor. A missing key or anchor where the
// other exists is refused: that is not how voicepay leaves them.
func (db *DB) openAnchor(b *bolt.DB) error {
	key, kerr := os.ReadFile(db.AnchorKeyPath)
	_, aerr := os.Stat(db.AnchorPath)
	switch {
	case errors.Is(kerr, os.ErrNotExist) && errors.Is(aerr, os.ErrNotExist):
		return db.newAnchor(b)
	case kerr != nil:
		return fmt.Errorf("anchor key: %w (restore %s from a backup)", kerr, db.AnchorKeyPath)
	case aerr != nil:
		return fmt.Errorf("anchor: %w (restore %s from a backup)", aerr, db.AnchorPath)
	}
	if db.anchorKey, kerr = hex.DecodeString(string(key)); kerr != nil || len(db.anchorKey) != 32 {
		return fmt.Errorf("anchor key %s is damaged", db.AnchorKeyPath)
	}
	a, err := db.readAnchor()
	return b.View(func(tx *bolt.Tx) error {
		db.anchorProblem = checkAnchor(tx, a, err)
		return nil
	})
}

// newAnchor makes the anchor key and anchors the chain's head.
func (db *DB) newAnchor(b *bolt.DB) error {
	db.anchorKey = make([]byte, 32)
	if _, err := rand.Read(db.anchorKey); err != nil {
		return err
	}
	if err := writeFileAtomic(db.AnchorKeyPath, []byte(hex.EncodeToString(db.anchorKey)), 0o600); err != nil {
		return fmt.Errorf("write anchor key: %w", err)
	}
	var seq uint64
	var hash string
	b.View(func(tx *bolt.Tx) error {
		seq, hash = chainHead(tx)
		return nil
	})
	if seq > 1 {
		db.Logger.Warn("anchored an existing ledger's audit chain for the first time", "seq", seq, "key", db.AnchorKeyPath)
	}
	return db.writeAnchor(seq, hash)
}

// chainHead is the last entry's sequence number and the chain head.
func chainHead(tx *bolt.Tx) (uint64, string) {
	k, _ := tx.Bucket(bucketAudit).Cursor().Last()
	if k == nil {
		return 0, ""
	}
	return btoi(k), string(tx.Bucket(bucketMeta).Get(auditHead))
}

// readAnchor reads and authenticates the anchor.
func (db *DB) readAnchor() (*anchor, error) {
	b, err := os.ReadFile(db.AnchorPath)
	if err != nil {
		return nil, err
	}
	var a anchor
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, fmt.Errorf("anchor %s is damaged: %w", db.AnchorPath, err)
	}
	if !hmac.Equal([]byte(a.MAC), []byte(anchorMAC(db.anchorKey, a.Seq, a.Hash))) {
		return nil, fmt.Errorf("anchor %s is not signed by the anchor key: forged or damaged", db.AnchorPath)
	}
	return &a, nil
}

// checkAnchor reports how the chain in tx fails its anchor, or "": the
// anchored entry must be on the chain, and the head at or after it.
// The anchor must be read before tx begins: it is written after each
// commit, so one read later may be ahead of tx.
func checkAnchor(tx *bolt.Tx, a *anchor, err error) string {
	if err != nil {
		return err.Error()
	}
	seq, _ := chainHead(tx)
	if seq < a.Seq {
		return fmt.Sprintf("%v (rolled back: the chain ends at entry %d, the anchor is at %d)", ErrAnchor, seq, a.Seq)
	}
	if a.Seq == 0 {
		return ""
	}
	if hash, err := hashAt(tx.Bucket(bucketAudit), a.Seq); err != nil || hash != a.Hash {
		return fmt.Sprintf("%v (entry %d is not the anchored one: the chain was edited and re-chained)", ErrAnchor, a.Seq)
	}
	return ""
}

// writeAnchor anchors the chain at seq and hash, unless the chain already
// fails its anchor: a broken chain must not be re-anchored by use.
func (db *DB) writeAnchor(seq uint64, hash string) error {
	if db.anchorProblem != "" || db.anchorKey == nil {
		return nil
	}
	b, err := json.Marshal(anchor{Seq: seq, Hash: hash, MAC: anchorMAC(db.anchorKey, seq, hash)})
	if err != nil {
		return err
	}
	if err := writeFileAtomic(db.AnchorPath, b, 0o600); err != nil {
		return err
	}
	db.anchored = seq
	return nil
}

// writeFileAtomic writes a temporary file beside path, fsyncs it and
// renames it over path.
func writeFileAtomic(path string, b []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

func btoi(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
}

// anchor anchors a head just committed, if it moved. A failure leaves the
// anchor behind, which verification accepts, so it is logged.
func (db *DB) anchor(seq uint64, hash string) {
	if seq <= db.anchored {
		return
	}
	if err := db.writeAnchor(seq, hash); err != nil {
		db.Logger.Error("anchor the audit chain: the anchor stays behind the ledger", "seq", seq, "err", err)
		return
	}
	db.anchored = seq
}

package wallet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// Compaction is what Compact did: the file's size before and after, and
// where the old file is kept.
type Compaction struct {
	Before, After int64
	Backup        string
}

// compactTxSize bounds how much one transaction of the copy writes.
const compactTxSize = 64 << 20

// Compact rewrites the ledger at db.Path into a new file with every page
// packed full and no free pages, as bbolt's Compact copies it; db must not
// be open. It holds the file's lock throughout, so it is refused with
// ErrLocked while the daemon (or any other process) has the ledger open. The
// copy is opened and verified in full (VerifyAudit), against the anchor the
// ledger already has, since its content is the same; only then does it take
// the ledger's place, by a rename, the old file kept as wallet.db.bak.
func (db *DB) Compact(ctx context.Context) (*Compaction, error) {
	if db.bolt != nil {
		return nil, errors.New("compact: the wallet is open")
	}
	db.anchorPaths()
	info, err := os.Stat(db.Path)
	if err != nil {
		return nil, fmt.Errorf("compact %s: %w", db.Path, err)
	}
	src, err := openBolt(db.Path)
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("compact %s: %w", db.Path, ErrLocked)
	} else if err != nil {
		return nil, fmt.Errorf("compact %s: %w", db.Path, err)
	}
	defer src.Close()
	if err := db.check(src); err != nil {
		return nil, fmt.Errorf("compact %s: %w", db.Path, err)
	}
	tmp := db.Path + ".compact"
	os.Remove(tmp) // what an interrupted compaction left
	if err := copyCompacted(tmp, src); err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("compact %s: %w", db.Path, err)
	}
	if err := db.verifyCopy(ctx, tmp); err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("compact %s: the copy failed verification, the ledger is left as it was: %w", db.Path, err)
	}
	c := &Compaction{Before: info.Size(), Backup: db.Path + ".bak"}
	if err := swapIn(db.Path, tmp, c.Backup); err != nil {
		return nil, fmt.Errorf("compact %s: %w", db.Path, err)
	}
	if info, err = os.Stat(db.Path); err != nil {
		return nil, fmt.Errorf("compact %s: %w", db.Path, err)
	}
	c.After = info.Size()
	return c, nil
}

// copyCompacted copies src into a new file at path with bbolt's Compact.
func copyCompacted(path string, src *bolt.DB) error {
	dst, err := bolt.Open(path, 0o600, &bolt.Options{PageSize: pageSize})
	if err != nil {
		return err
	}
	if err := bolt.Compact(dst, src, compactTxSize); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

// verifyCopy opens the copy at path with db's settings and anchor, and
// verifies it in full.
func (db *DB) verifyCopy(ctx context.Context, path string) error {
	cp := NewDB(path, db.screen)
	cp.Currency, cp.Logger, cp.Now = db.Currency, db.Logger, db.Now
	cp.AnchorPath, cp.AnchorKeyPath = db.AnchorPath, db.AnchorKeyPath
	cp.SweepInterval, cp.VerifyOnOpen = 0, true
	if err := cp.Open(); err != nil {
		return err
	}
	return cp.Close()
}

// swapIn puts the file at tmp in path's place, keeping the old one at
// backup: a hard link first, so that path never goes missing, then a
// rename, then a sync of the directory.
func swapIn(path, tmp, backup string) error {
	os.Remove(backup)
	if err := os.Link(path, backup); err != nil {
		return fmt.Errorf("keep the old ledger as %s: %w", backup, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(backup)
		return fmt.Errorf("swap in the compacted ledger: %w", err)
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

package wallet

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrDamaged is returned by Open and VerifyAudit when the wallet file is
// empty, truncated, damaged, or not a voicepay ledger at all.
var ErrDamaged = errors.New("the ledger file is damaged")

// restoreHint ends every ErrDamaged message: voicepay never repairs or
// re-creates a ledger by itself, since either could lose money.
const restoreHint = "restore it from a backup; voicepay will not repair it or start a new wallet over it"

// damaged wraps ErrDamaged with what was found.
func damaged(format string, args ...any) error {
	return fmt.Errorf("%w: %s; %s", ErrDamaged, fmt.Sprintf(format, args...), restoreHint)
}

// The parts of bbolt's on-disk format (file format version 2) that the
// pre-open check reads: a page header, then for the two meta pages the
// meta, and for the freelist its page ids.
const (
	boltMagic        = 0xED0CDAED
	boltVersion      = 2
	pageHeaderSize   = 16
	metaSize         = 56 // up to the checksum
	metaPageFlag     = 0x04
	freelistPageFlag = 0x10
	noFreelist       = ^uint64(0)
)

// boltMeta is one meta page of a bbolt file.
type boltMeta struct {
	pageSize uint32
	root     uint64 // the root bucket's page
	freelist uint64 // the freelist's page, or noFreelist
	pgid     uint64 // the high-water mark: pages in use
	txid     uint64
}

// parseMeta decodes the meta page in b, or reports why it is not one.
func parseMeta(b []byte) (*boltMeta, bool) {
	if len(b) < pageHeaderSize+metaSize+8 {
		return nil, false
	}
	m := b[pageHeaderSize:]
	le := binary.LittleEndian
	if le.Uint32(m[0:]) != boltMagic || le.Uint32(m[4:]) != boltVersion {
		return nil, false
	}
	h := fnv.New64a()
	h.Write(m[:metaSize])
	if h.Sum64() != le.Uint64(m[metaSize:]) {
		return nil, false
	}
	return &boltMeta{pageSize: le.Uint32(m[8:]), root: le.Uint64(m[16:]), freelist: le.Uint64(m[32:]),
		pgid: le.Uint64(m[40:]), txid: le.Uint64(m[48:])}, true
}

// checkFile checks the wallet file before bbolt maps it: bbolt trusts its
// file, and panics or faults (reading past the end of the mapping) on an
// empty, foreign, truncated or damaged one. It reads the meta pages as bbolt
// would, takes the newest valid one, and checks that the file holds every
// page it names and that its freelist page is one. It reports false when
// there is no file.
func checkFile(path string) (bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return true, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return true, err
	}
	size, name := info.Size(), filepath.Base(path)
	if size == 0 {
		return true, damaged("%s is empty or not a voicepay ledger", name)
	}
	m := newestMeta(f, size)
	if m == nil {
		return true, damaged("%s is empty or not a voicepay ledger: it has no valid bbolt meta page", name)
	}
	ps := uint64(m.pageSize)
	if ps < 1024 || m.pgid < 2 || m.root >= m.pgid || (m.freelist != noFreelist && m.freelist >= m.pgid) {
		return true, damaged("%s has an impossible meta page (page size %d, %d pages)", name, ps, m.pgid)
	}
	if need := m.pgid * ps; uint64(size) < need {
		return true, damaged("%s is truncated: it is %d bytes, its meta page needs %d", name, size, need)
	}
	if err := checkMetaHeaders(f, m); err != nil {
		return true, damaged("%s: %v", name, err)
	}
	if m.freelist != noFreelist {
		if err := checkFreelistPage(f, m); err != nil {
			return true, damaged("%s: %v", name, err)
		}
	}
	return true, nil
}

// newestMeta returns the valid meta page with the highest transaction id,
// finding the second one at every page size bbolt allows when the first is
// unreadable, as bbolt itself does.
func newestMeta(f io.ReaderAt, size int64) *boltMeta {
	buf := make([]byte, 4096)
	read := func(off int64) *boltMeta {
		n, _ := f.ReadAt(buf, off)
		m, _ := parseMeta(buf[:n])
		return m
	}
	m0 := read(0)
	var m1 *boltMeta
	if m0 != nil {
		m1 = read(int64(m0.pageSize))
	} else {
		for i := 0; i <= 14 && int64(1024<<i) < size; i++ {
			if m1 = read(int64(1024 << i)); m1 != nil {
				break
			}
		}
	}
	if m0 == nil || (m1 != nil && m1.txid > m0.txid) {
		return m1
	}
	return m0
}

// checkMetaHeaders checks that both meta pages say they are, even when one
// meta is unreadable and bbolt would use the other: its consistency check
// asserts this, and panics where it cannot be recovered.
func checkMetaHeaders(f io.ReaderAt, m *boltMeta) error {
	hdr := make([]byte, pageHeaderSize)
	for id := range uint64(2) {
		if _, err := f.ReadAt(hdr, int64(id*uint64(m.pageSize))); err != nil {
			return fmt.Errorf("read meta page %d: %w", id, err)
		}
		le := binary.LittleEndian
		if le.Uint64(hdr) != id || le.Uint16(hdr[8:]) != metaPageFlag {
			return fmt.Errorf("meta page %d is damaged", id)
		}
	}
	return nil
}

// checkFreelistPage checks that the freelist page is one and that its ids
// fit in it: bbolt reads it on open, and panics on anything else.
func checkFreelistPage(f io.ReaderAt, m *boltMeta) error {
	hdr := make([]byte, pageHeaderSize+8)
	if _, err := f.ReadAt(hdr, int64(m.freelist*uint64(m.pageSize))); err != nil {
		return fmt.Errorf("read freelist page %d: %w", m.freelist, err)
	}
	le := binary.LittleEndian
	flags, count, overflow := le.Uint16(hdr[8:]), uint64(le.Uint16(hdr[10:])), uint64(le.Uint32(hdr[12:]))
	if flags != freelistPageFlag {
		return fmt.Errorf("freelist page %d is not a freelist page", m.freelist)
	}
	if count == 0xFFFF {
		count = le.Uint64(hdr[16:]) + 1
	}
	if m.freelist+overflow >= m.pgid || pageHeaderSize+count*8 > (overflow+1)*uint64(m.pageSize) {
		return fmt.Errorf("freelist page %d overruns its pages", m.freelist)
	}
	return nil
}

// safely runs fn, turning a panic or a memory fault into ErrDamaged. bbolt
// documents that it trusts its file: reading a damaged page panics ("invalid
// page type") or faults, rather than returning an error. Only the calls that
// read a file not yet checked page by page (Open's check itself) and the
// full traversal of audit verification run under it; a panic anywhere else
// is a bug and still crashes.
func safely(what string, fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = damaged("the ledger is damaged at %s: %v", what, r)
		}
	}()
	return fn()
}

// checkTxPages reads every key and value of every bucket, under safely so that
// a damaged page is an error, then runs bbolt's own consistency check,
// which panics in a goroutine of its own (unrecoverable) on a page the walk
// has not read first.
func checkTxPages(tx *bolt.Tx) error {
	err := safely("a page of the file", func() error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			return walkBucket(b)
		})
	})
	if err != nil {
		return err
	}
	var problems []string
	for err := range tx.Check() {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		if len(problems) > 3 {
			problems = append(problems[:3], fmt.Sprintf("and %d more", len(problems)-3))
		}
		return damaged("bbolt's consistency check failed: %s", strings.Join(problems, "; "))
	}
	return nil
}

// walkBucket reads every key and value in b and in its nested buckets.
func walkBucket(b *bolt.Bucket) error {
	var sum byte
	return b.ForEach(func(k, v []byte) error {
		if v == nil {
			if nb := b.Bucket(k); nb != nil {
				return walkBucket(nb)
			}
			return nil
		}
		// Touch both ends of the key and value: a damaged element's
		// length points past its page, and this is where that faults.
		if len(k) > 0 {
			sum ^= k[0] ^ k[len(k)-1]
		}
		if len(v) > 0 {
			sum ^= v[0] ^ v[len(v)-1]
		}
		return nil
	})
}

// pageSize is the page size of a new ledger file, and of one that
// `voicepay wallet compact` rewrites; a file keeps the page size it was
// made with. bbolt splits a full leaf so as to leave at least two values
// on the new page, so a page of append-only records is left short by a
// value or two: a quarter of a 4 KiB page of audit entries and orders, a
// twentieth of a 16 KiB one. A payment's pages cost no more to commit.
const pageSize = 16 << 10

// openBolt opens the checked file. A panic in bbolt's open is a damaged
// file that checkFile did not catch.
func openBolt(path string) (*bolt.DB, error) {
	var b *bolt.DB
	err := safely("open", func() error {
		var err error
		b, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second, PageSize: pageSize})
		return err
	})
	return b, err
}

// check runs checkTxPages on a file just opened, before anything writes to
// it.
func (db *DB) check(b *bolt.DB) error {
	start := time.Now()
	err := b.View(checkTxPages)
	db.Logger.Debug("checked the ledger file", "took", time.Since(start), "err", err)
	return err
}

// errChecked ends the write transaction that checkPages runs in.
var errChecked = errors.New("checked")

// checkPages runs checkTxPages on the open file. bbolt's check is safe
// beside concurrent writes only in a write transaction, so it takes one,
// holding writes back for as long as it runs, and rolls it back.
func (db *DB) checkPages(ctx context.Context) error {
	err := db.update(ctx, func(tx *bolt.Tx) error {
		if err := checkTxPages(tx); err != nil {
			return err
		}
		return errChecked
	})
	if errors.Is(err, errChecked) {
		return nil
	}
	return err
}

// Package wallet is voicepay's ledger: double-entry accounts, two-phase
// transfers, orders, credentials, idempotency and a hash-chained audit log,
// all in one bbolt file.
//
// Every debit of the user's account is screened through a Screener before any
// money is held or moved; a DB cannot be built without one. Every mutating
// call carries an idempotency key, and the key and its effect are written in
// the same transaction.
package wallet

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Account ids of the ledger's fixed accounts. Merchants and payees get
// "merchant:<id>" and "payee:<id>".
const (
	UserAccount         = "user"
	ExternalAccount     = "external"     // the funding source of top-ups
	CompensationAccount = "compensation" // the fund that reimburses unauthorized payments
)

var (
	bucketMeta     = []byte("meta")
	bucketAccounts = []byte("accounts")
	bucketTransfer = []byte("transfers")
	bucketOrders   = []byte("orders")
	bucketIdem     = []byte("idempotency")
	bucketAudit    = []byte("audit")
	bucketStats    = []byte("stats")
	bucketCreds    = []byte("credentials")
	bucketDevices  = []byte("devices")
	bucketSessions = []byte("sessions")
	bucketHolds    = []byte("holds")    // open pending transfers, by id
	bucketOpen     = []byte("open")     // orders not yet paid, cancelled or expired, by id
	bucketMandates = []byte("mandates") // tip allowances and subscriptions, by id
	bucketCharges  = []byte("charges")  // charges under mandates, by mandate id and charge id
	bucketPairing  = []byte("pairing")  // pending and used pairing codes, by the code's hash
	bucketPasskeys = []byte("passkeys") // passkey credentials, the user handle, the spoken-PIN setting
	bucketClaims   = []byte("claims")   // claims of unauthorized payments, by id, and by transfer ("t"+id)
	allBuckets     = [][]byte{bucketMeta, bucketAccounts, bucketTransfer, bucketOrders, bucketIdem,
		bucketAudit, bucketStats, bucketCreds, bucketDevices, bucketSessions, bucketHolds, bucketOpen,
		bucketMandates, bucketCharges, bucketPairing, bucketPasskeys, bucketClaims, bucketRefunds}
)

// DB is the wallet ledger. Build it with NewDB, set the exported fields, then
// call Open.
type DB struct {
	Path     string
	Currency string // the ledger's one currency, ISO 4217

	// HoldTimeout is how long a confirmed order's funds stay held, and
	// OrderTimeout how long a drafted order lives.
	HoldTimeout  time.Duration
	OrderTimeout time.Duration
	// RepeatWindow is how far back the screen counts debits to the same payee
	// for the same amount.
	RepeatWindow time.Duration
	// PINAttempts failures in a row lock verification for LockoutBase, doubling
	// with every further lockout.
	PINAttempts int
	LockoutBase time.Duration
	// PINHashTime and PINHashMemory (KiB) are the argon2id cost of new PINs.
	PINHashTime   uint32
	PINHashMemory uint32
	// PINHashSlots bounds the argon2id hashes of candidate PINs in flight,
	// each PINHashMemory large; a check that waits PINHashWait for a place
	// is refused as busy. Open sizes the default to the cores.
	PINHashSlots int
	PINHashWait  time.Duration
	// SweepInterval is how often the sweeper that Open starts expires the
	// orders whose time has run out and voids their holds (see Sweep). Zero
	// or less starts no sweeper: lapsed orders then stay open until someone
	// calls Sweep, though every call that touches one still refuses it.
	SweepInterval time.Duration
	// IdempotencyWindow is how long an idempotency key is remembered: the
	// sweeper prunes older records hourly (Prune), and a retry
	// after that long is a new request. Zero or less keeps them for good.
	IdempotencyWindow time.Duration
	// VerifyOnOpen makes Open verify the whole ledger (VerifyAudit) and
	// refuse a file that fails, as the daemon does before it serves.
	// audit verify leaves it off, to report on such a file.
	VerifyOnOpen bool
	// AnchorPath and AnchorKeyPath are where the chain's head is anchored
	// outside the file, and the key that signs it (see anchor); by default
	// wallet.anchor and anchor.key beside the file.
	AnchorPath    string
	AnchorKeyPath string

	Now    func() time.Time
	Logger *slog.Logger
	// ReadFault, when set, is asked before each read of a device, an
	// order, an account or a list of them, with what is read ("device",
	// "order", "account", "orders", "mandates"); an error it returns fails
	// that read. Tests use it to check that a failed read changes nothing.
	ReadFault func(what string) error
	// OnPINHash, when set, is called for each argon2id hash of a candidate
	// PIN, while the hash holds its place; tests count hashes with it.
	OnPINHash func()

	screen Screener
	bolt   *bolt.DB
	key    ed25519.PrivateKey
	// anchorKey signs the anchor; anchorProblem is how the chain failed
	// its anchor at open, if it did (then the anchor is left as it is);
	// anchored is the sequence number last anchored.
	anchorKey     []byte
	anchorProblem string
	anchored      uint64
	// pinSlots holds a token for each PIN hash in flight (PINHashSlots).
	pinSlots chan struct{}
	calls    chan *call
	done     chan struct{}
	// stopSweep ends the sweeper, which closes swept once it has returned;
	// both are nil when no sweeper runs.
	stopSweep context.CancelFunc
	swept     chan struct{}
	// mu guards closing: calls hold it shared, Close exclusively.
	mu     sync.RWMutex
	closed bool
	// onExpire are told of the orders a sweep expires (OnExpire).
	expireMu sync.Mutex
	onExpire []func(*Order)
	// watches are told of the orders and mandates a write changed (Watch).
	watches watches
}

// NewDB returns a ledger at path that screens every debit through screen.
func NewDB(path string, screen Screener) *DB {
	return &DB{
		Path:              path,
		Currency:          "CNY",
		HoldTimeout:       5 * time.Minute,
		OrderTimeout:      10 * time.Minute,
		RepeatWindow:      10 * time.Minute,
		PINAttempts:       5,
		LockoutBase:       30 * time.Second,
		PINHashTime:       argonTime,
		PINHashMemory:     argonMemory,
		PINHashSlots:      runtime.GOMAXPROCS(0),
		PINHashWait:       5 * time.Second,
		SweepInterval:     time.Second,
		IdempotencyWindow: 24 * time.Hour,
		Now:               time.Now,
		Logger:            slog.New(slog.DiscardHandler),
		screen:            screen,
	}
}

// Open opens or creates the bolt file, creates every bucket and the fixed
// accounts, and starts the commit loop and the sweeper.
func (db *DB) Open() error {
	if db.screen == nil {
		return errors.New("open wallet: no risk screen: every debit must be screened")
	}
	db.anchorPaths()
	if exists, err := checkFile(db.Path); err != nil {
		return fmt.Errorf("open wallet %s: %w", db.Path, err)
	} else if _, err := os.Stat(db.AnchorPath); !exists && err == nil {
		return fmt.Errorf("open wallet %s: %w: the file is missing but %s shows a ledger was here; %s",
			db.Path, ErrDamaged, db.AnchorPath, restoreHint)
	}
	b, err := openBolt(db.Path)
	if errors.Is(err, bolt.ErrTimeout) {
		return fmt.Errorf("open wallet %s: %w", db.Path, ErrLocked)
	} else if err != nil {
		return fmt.Errorf("open wallet %s: %w", db.Path, err)
	}
	if err := db.check(b); err != nil {
		b.Close()
		return fmt.Errorf("open wallet %s: %w", db.Path, err)
	}
	if err := b.Update(func(tx *bolt.Tx) error {
		l := &ltx{Tx: tx, db: db, now: db.Now()}
		if err := db.setup(l); err != nil {
			return err
		}
		fillAppends(tx)
		return l.flushRecords()
	}); err != nil {
		b.Close()
		return fmt.Errorf("open wallet %s: %w", db.Path, err)
	}
	if err := db.openAnchor(b); err != nil {
		b.Close()
		return fmt.Errorf("open wallet %s: %w", db.Path, err)
	}
	db.bolt = b
	db.pinSlots = make(chan struct{}, max(db.PINHashSlots, 1))
	db.calls = make(chan *call, 1024)
	db.done = make(chan struct{})
	go db.commitLoop()
	if db.VerifyOnOpen {
		if _, err := db.VerifyAudit(context.Background()); err != nil {
			db.Close()
			return fmt.Errorf("open wallet %s: refusing to use a ledger that fails verification "+
				"(run voicepay audit verify; restore it from a backup): %w", db.Path, err)
		}
	}
	if db.SweepInterval > 0 {
		ctx, cancel := context.WithCancel(context.Background())
		db.stopSweep, db.swept = cancel, make(chan struct{})
		go db.sweeper(ctx, db.SweepInterval)
	}
	return nil
}

// setup creates what a ledger needs, and binds the records of a ledger
// written before records were bound to the chain (see bindRecords).
func (db *DB) setup(l *ltx) error {
	fresh := l.Bucket(bucketMeta) == nil
	for _, name := range allBuckets {
		if _, err := l.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	meta := l.Bucket(bucketMeta)
	if fresh {
		if err := l.put(bucketMeta, recordsBound, []byte("1")); err != nil {
			return err
		}
	} else if meta.Get(recordsBound) == nil {
		n, err := l.bindRecords()
		if err != nil {
			return fmt.Errorf("bind records to the audit chain: %w", err)
		}
		db.Logger.Warn("bound the ledger's existing records to the audit chain, once", "records", n)
	}
	if cur := meta.Get([]byte("currency")); cur != nil {
		if string(cur) != db.Currency {
			return fmt.Errorf("ledger currency is %s, not %s", cur, db.Currency)
		}
	} else if err := l.put(bucketMeta, []byte("currency"), []byte(db.Currency)); err != nil {
		return err
	}
	if seed := meta.Get([]byte("signing_seed")); seed != nil {
		db.key = ed25519.NewKeyFromSeed(seed)
	} else {
		seed := make([]byte, ed25519.SeedSize)
		if _, err := rand.Read(seed); err != nil {
			return err
		}
		if err := l.put(bucketMeta, []byte("signing_seed"), seed); err != nil {
			return err
		}
		db.key = ed25519.NewKeyFromSeed(seed)
	}
	for _, id := range []string{UserAccount, ExternalAccount, CompensationAccount} {
		if _, err := getAccount(l.Tx, id); errors.Is(err, ErrNotFound) {
			if err := putAccount(l.Tx, &Account{ID: id, Currency: db.Currency}); err != nil {
				return err
			}
		}
	}
	return nil
}

// Close stops the sweeper, waiting for a sweep in progress to finish, then
// stops the commit loop and closes the file. The sweeper goes first, and
// before Close takes its lock, because a sweep writes through the commit
// loop and reads under that lock.
func (db *DB) Close() error {
	if db.stopSweep != nil {
		db.stopSweep()
		<-db.swept
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.bolt == nil || db.closed {
		return nil
	}
	db.closed = true
	close(db.calls)
	<-db.done
	return db.bolt.Close()
}

// ErrClosed is returned by calls on a closed DB.
var ErrClosed = errors.New("wallet is closed")

// PublicKey is the key that verifies authorization receipts.
func (db *DB) PublicKey() ed25519.PublicKey { return db.key.Public().(ed25519.PublicKey) }

// call is one write waiting for the commit loop.
type call struct {
	fn   func(*bolt.Tx) error
	done chan error
}

// maxGroup bounds how many writes share one commit.
const maxGroup = 256

// update runs fn in a read-write transaction and returns once it is durable.
// Concurrent callers share commits (group commit): while one transaction
// syncs, the next callers queue up and go into the next one together. fn may
// run more than once, so it must only touch tx and its own results.
func (db *DB) update(ctx context.Context, fn func(*bolt.Tx) error) error {
	c := &call{fn: fn, done: make(chan error, 1)}
	db.mu.RLock()
	if db.closed || db.bolt == nil {
		db.mu.RUnlock()
		return ErrClosed
	}
	select {
	case db.calls <- c:
	case <-ctx.Done():
		db.mu.RUnlock()
		return ctx.Err()
	}
	db.mu.RUnlock()
	// Once queued the write goes through; wait for its outcome so that a
	// caller never mistakes a committed change for a failed one.
	return <-c.done
}

func (db *DB) commitLoop() {
	defer close(db.done)
	group := make([]*call, 0, maxGroup)
	for c := range db.calls {
		group = append(group[:0], c)
	drain:
		for len(group) < maxGroup {
			select {
			case c, ok := <-db.calls:
				if !ok {
					break drain
				}
				group = append(group, c)
			default:
				break drain
			}
		}
		db.commit(group)
	}
}

// commit runs a group of writes in one transaction. When one of them fails,
// the transaction is rolled back, that write gets its error, and the rest run
// again without it.
func (db *DB) commit(group []*call) {
	for len(group) > 0 {
		failed := -1
		var ferr error
		var seq uint64
		var head string
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			fillAppends(tx)
			for i, c := range group {
				if err := c.fn(tx); err != nil {
					failed, ferr = i, err
					return err
				}
			}
			seq, head = chainHead(tx)
			return nil
		})
		if failed < 0 {
			if err == nil {
				db.anchor(seq, head)
			}
			for _, c := range group {
				c.done <- err
			}
			return
		}
		group[failed].done <- ferr
		group = append(group[:failed], group[failed+1:]...)
	}
}

// appendFill is how full bbolt packs the pages of the buckets whose keys
// only grow (big-endian ids from NextSequence), by bucket. Its default of
// half full suits keys inserted anywhere; for appends it leaves every page
// split off the end half empty for good. Orders are rewritten while they
// are young, at the end, so theirs leaves a little room.
var appendFill = []struct {
	bucket []byte
	fill   float64
}{{bucketAudit, 1}, {bucketTransfer, 1}, {bucketCharges, 1}, {bucketOrders, 0.95}}

// fillAppends sets the fill of the append-only buckets for tx: bbolt
// keeps a bucket's FillPercent only for the transaction it was set in.
func fillAppends(tx *bolt.Tx) {
	for _, a := range appendFill {
		if b := tx.Bucket(a.bucket); b != nil {
			b.FillPercent = a.fill
		}
	}
}

// fault is the error ReadFault gives a read of what, if any.
func (db *DB) fault(what string) error {
	if db.ReadFault == nil {
		return nil
	}
	if err := db.ReadFault(what); err != nil {
		return fmt.Errorf("read %s: %w", what, err)
	}
	return nil
}

// view runs fn in a read-only transaction.
func (db *DB) view(fn func(*bolt.Tx) error) error {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if db.closed || db.bolt == nil {
		return ErrClosed
	}
	return db.bolt.View(fn)
}

// ltx is a write transaction with the ledger's settings and one clock
// reading, so that everything a write records carries the same time.
type ltx struct {
	*bolt.Tx
	db  *DB
	now time.Time
	// bound are the records the write put or deleted, by bucket/key, and
	// last its last audit entry, to which flushRecords adds them.
	bound map[string]RecordHash
	last  *AuditEntry
	logs  []logRecord // to log once the write commits
	// touched are the orders and mandates the write changed, whose
	// watchers are told once it commits.
	touched []watchKey
}

// write runs fn as one durable ledger write. fn may run more than once.
// When fn fails its writes are rolled back, unless the error is wrapped by
// keep: then what fn wrote is committed and the error returned after.
func (db *DB) write(ctx context.Context, fn func(*ltx) error) error {
	var kept error
	var logs []logRecord
	var touched []watchKey
	err := db.update(ctx, func(tx *bolt.Tx) error {
		kept = nil
		l := &ltx{Tx: tx, db: db, now: db.Now()}
		err := fn(l)
		logs, touched = l.logs, l.touched
		var k keptError
		if errors.As(err, &k) {
			kept, err = k.err, nil
		}
		if err != nil {
			return err
		}
		return l.flushRecords()
	})
	if err != nil {
		return err
	}
	db.watches.signal(touched)
	db.flush(ctx, logs)
	return kept
}

// keptError marks a refusal whose record must be committed: a risk block on
// the audit chain, a failed PIN attempt counted toward lockout.
type keptError struct{ err error }

func (k keptError) Error() string { return k.err.Error() }
func (k keptError) Unwrap() error { return k.err }

func keep(err error) error { return keptError{err} }

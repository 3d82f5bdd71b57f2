package wallet_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/voicepay/voicepay/risk"
	"github.com/voicepay/voicepay/risk/walletscreen"
	"github.com/voicepay/voicepay/wallet"
	"github.com/voicepay/voicepay/wallet/wallettest"
)

// The clock and the invariant check are shared with the packages built on
// the wallet; the risk screen is the daemon's own.
type (
	Clock      = wallettest.Clock
	RiskScreen = walletscreen.Screener
)

var (
	Noon        = wallettest.Noon
	NewClock    = wallettest.NewClock
	CheckLedger = wallettest.CheckLedger
)

// NewRiskScreen returns the daemon's screen over the risk engine with its
// default limits.
func NewRiskScreen() RiskScreen { return walletscreen.New(risk.DefaultLimits()) }

// FixedScreen gives every debit the same decision, so that a test can check
// how the wallet reacts to one exact verdict. It remembers what it screened.
type FixedScreen struct {
	mu     sync.Mutex
	dec    wallet.Decision
	debits []wallet.Debit
}

var _ wallet.Screener = (*FixedScreen)(nil)

// NewFixedScreen returns a screen that always decides action.
func NewFixedScreen(action string, reasons ...string) *FixedScreen {
	s := &FixedScreen{}
	s.Set(action, reasons...)
	return s
}

// Set changes the decision for the debits that follow.
func (s *FixedScreen) Set(action string, reasons ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dec = wallet.Decision{Action: action, Reasons: reasons}
}

// Screen implements wallet.Screener.
func (s *FixedScreen) Screen(d wallet.Debit) wallet.Decision {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.debits = append(s.debits, d)
	dec := s.dec
	dec.Reasons = append([]string(nil), dec.Reasons...)
	return dec
}

// Debits returns the debits screened so far.
func (s *FixedScreen) Debits() []wallet.Debit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]wallet.Debit(nil), s.debits...)
}

// DB is a wallet opened for a test, with its clock.
type DB struct {
	*wallet.DB
	Clock *Clock

	tb      testing.TB
	opts    options
	closed  bool
	corrupt bool
}

type options struct {
	path      string
	screen    wallet.Screener
	clock     *Clock
	setup     []func(*wallet.DB)
	corrupt   bool
	noDevices bool
}

// WithoutDevices leaves a new wallet as voicepay init finds it: no PIN and
// no paired device.
func WithoutDevices() Option { return func(o *options) { o.noDevices = true } }

// DevicePIN is the PIN a new test wallet gets to enable payments on its
// devices; tests may set another PIN afterwards.
const DevicePIN = "8642"

// Devices are the user devices a new test wallet pairs and activates, so
// that they may authorize payments.
var Devices = []string{"cli", "glasses"}

// Option changes how MustOpenDB opens the wallet.
type Option func(*options)

// WithScreen screens debits with s instead of the real risk engine.
func WithScreen(s wallet.Screener) Option { return func(o *options) { o.screen = s } }

// WithPath opens the wallet file at path instead of a new one.
func WithPath(path string) Option { return func(o *options) { o.path = path } }

// WithClock uses c instead of a new clock.
func WithClock(c *Clock) Option { return func(o *options) { o.clock = c } }

// WithSetup changes the DB's fields before it opens.
func WithSetup(fn func(*wallet.DB)) Option {
	return func(o *options) { o.setup = append(o.setup, fn) }
}

// ExpectCorrupt is for a file that was tampered with: cleanup then checks
// that verification fails instead of that it passes.
func ExpectCorrupt() Option { return func(o *options) { o.corrupt = true } }

// MustOpenDB opens a wallet in a fresh bbolt file in tb.TempDir(), screened by
// the real risk engine with its default limits and driven by a test clock.
// Cleanup checks the ledger's invariants and closes it.
func MustOpenDB(tb testing.TB, opt ...Option) *DB {
	tb.Helper()
	var o options
	for _, fn := range opt {
		fn(&o)
	}
	if o.path == "" {
		o.path = filepath.Join(tb.TempDir(), "wallet.db")
	}
	if o.screen == nil {
		o.screen = NewRiskScreen()
	}
	if o.clock == nil {
		o.clock = NewClock()
	}
	w := wallet.NewDB(o.path, o.screen)
	w.Now = o.clock.Now
	// Cheap PIN hashing: the tests check the logic, not argon2id's cost.
	w.PINHashTime, w.PINHashMemory = 1, 64
	// No sweeper: tests sweep by hand when they move the clock, so that
	// what lapses is expired when they say and by the call they make.
	w.SweepInterval = 0
	for _, fn := range o.setup {
		fn(w)
	}
	if err := w.Open(); err != nil {
		tb.Fatalf("open wallet: %v", err)
	}
	db := &DB{DB: w, Clock: o.clock, tb: tb, opts: o, corrupt: o.corrupt}
	tb.Cleanup(func() {
		if !db.closed {
			db.MustClose()
		}
	})
	if !o.noDevices {
		db.mustPairDevices(tb)
	}
	return db
}

// mustPairDevices pairs and activates Devices on a wallet that has none yet.
func (db *DB) mustPairDevices(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	if _, err := db.Device(ctx, Devices[0]); err == nil {
		return // reopened: already paired
	}
	db.MustSetPIN(tb, DevicePIN)
	for _, id := range Devices {
		if _, err := db.AddDevice(ctx, id, wallet.ScopeUser); err != nil {
			tb.Fatalf("pair %s: %v", id, err)
		}
		if err := db.ActivateDevice(ctx, id, DevicePIN); err != nil {
			tb.Fatalf("activate %s: %v", id, err)
		}
	}
}

// MustClose checks the ledger's invariants and closes the wallet.
func (db *DB) MustClose() {
	db.tb.Helper()
	if db.corrupt {
		if _, err := db.VerifyAudit(context.Background()); !errors.Is(err, wallet.ErrAudit) {
			db.tb.Errorf("verify tampered wallet: got %v, want %v", err, wallet.ErrAudit)
		}
	} else {
		CheckLedger(db.tb, db.DB)
	}
	db.closed = true
	if err := db.Close(); err != nil {
		db.tb.Fatalf("close wallet: %v", err)
	}
}

// MustReopen closes the wallet and opens the same file again, with the same
// clock and screen: a restart of the daemon.
func (db *DB) MustReopen() *DB {
	db.tb.Helper()
	db.MustClose()
	o := db.opts
	return MustOpenDB(db.tb, WithPath(o.path), WithScreen(o.screen), WithClock(o.clock),
		func(n *options) { n.setup, n.noDevices = o.setup, o.noDevices })
}

// keys hands out idempotency keys that are unique within a test binary.
var keys atomic.Int64

// Key returns a fresh idempotency key.
func Key(prefix string) string { return fmt.Sprintf("%s-%d", prefix, keys.Add(1)) }

// Luckin is the coffee merchant most tests buy from.
var Luckin = wallet.MerchantAccount("luckin_coffee")

// Lattes is a voice order of n lattes at 18 yuan from Luckin.
func Lattes(n int) wallet.OrderDraft {
	return wallet.OrderDraft{
		Payee:     Luckin,
		PayeeName: "Luckin Coffee",
		Lines:     []wallet.Line{{Item: "latte", Name: "Latte", Quantity: n, UnitPrice: 1800}},
		Channel:   "voice",
	}
}

// MustTopup adds amount to the user's account, in top-ups of at most
// wallet.MaxTopup, and returns the last.
func (db *DB) MustTopup(tb testing.TB, amount int64) *wallet.Transfer {
	tb.Helper()
	for {
		t, err := db.Topup(context.Background(), Key("topup"), min(amount, wallet.MaxTopup))
		if err != nil {
			tb.Fatalf("top up %d: %v", amount, err)
		}
		if amount -= t.Amount; amount <= 0 {
			return t
		}
	}
}

// MustCreate drafts an order.
func (db *DB) MustCreate(tb testing.TB, d wallet.OrderDraft) *wallet.Order {
	tb.Helper()
	o, err := db.CreateOrder(context.Background(), Key("create"), d)
	if err != nil {
		tb.Fatalf("create order: %v", err)
	}
	return o
}

// MustConfirm confirms an order.
func (db *DB) MustConfirm(tb testing.TB, id uint64) *wallet.Order {
	tb.Helper()
	o, err := db.ConfirmOrder(context.Background(), Key("confirm"), id)
	if err != nil {
		tb.Fatalf("confirm order %d: %v", id, err)
	}
	return o
}

// MustAuthorize authorizes an order from the CLI device.
func (db *DB) MustAuthorize(tb testing.TB, id uint64) *wallet.Order {
	tb.Helper()
	o, err := db.AuthorizeOrder(context.Background(), Key("authorize"), id, wallet.Authorization{Device: "cli", Method: "session"})
	if err != nil {
		tb.Fatalf("authorize order %d: %v", id, err)
	}
	return o
}

// MustSetPIN sets the PIN.
func (db *DB) MustSetPIN(tb testing.TB, pin string) {
	tb.Helper()
	if err := db.SetPIN(context.Background(), pin); err != nil {
		tb.Fatalf("set PIN: %v", err)
	}
}

// MustAccount returns one account; an account money never reached is all zero.
func (db *DB) MustAccount(tb testing.TB, id string) *wallet.Account {
	tb.Helper()
	a, err := db.Account(context.Background(), id)
	if errors.Is(err, wallet.ErrNotFound) {
		return &wallet.Account{ID: id, Currency: db.Currency}
	} else if err != nil {
		tb.Fatalf("account %s: %v", id, err)
	}
	return a
}

// MustOrder returns one order.
func (db *DB) MustOrder(tb testing.TB, id uint64) *wallet.Order {
	tb.Helper()
	o, err := db.Order(context.Background(), id)
	if err != nil {
		tb.Fatalf("order %d: %v", id, err)
	}
	return o
}

// Held is what the user has on hold.
func (db *DB) Held(tb testing.TB) int64 {
	tb.Helper()
	return db.MustAccount(tb, wallet.UserAccount).DebitsPending
}

// MustAudit returns the whole audit log.
func (db *DB) MustAudit(tb testing.TB) []wallet.AuditEntry {
	tb.Helper()
	log, err := db.AuditLog(context.Background(), 0, 0)
	if err != nil {
		tb.Fatalf("audit log: %v", err)
	}
	return log
}

// WantErr fails the test unless err is target.
func WantErr(tb testing.TB, err, target error) {
	tb.Helper()
	if !errors.Is(err, target) {
		tb.Fatalf("got error %v, want %v", err, target)
	}
}

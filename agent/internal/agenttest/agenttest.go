// Package agenttest opens real dialog hubs for the tests of agent and its
// surfaces: a bbolt wallet in a temporary directory, screened by the real
// risk engine, with the real intent parser over a catalog. Cleanup checks the
// ledger's invariants and the audit chain before the wallet closes.
package agenttest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/config"
	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/risk"
	"github.com/voicepay/voicepay/risk/walletscreen"
	"github.com/voicepay/voicepay/wallet"
	"github.com/voicepay/voicepay/wallet/wallettest"
)

// PIN is the wallet PIN every hub is set up with; WrongPIN is not it.
const (
	PIN      = "2468"
	WrongPIN = "1357"
)

// The clock and the invariant check are the wallet's own test helpers.
type Clock = wallettest.Clock

var (
	Noon        = wallettest.Noon
	NewClock    = wallettest.NewClock
	CheckLedger = wallettest.CheckLedger
)

// Limits are the risk engine's default limits without odd hours, so that no
// test depends on the time of day.
func Limits() risk.Limits {
	l := risk.DefaultLimits()
	l.OddHoursStart, l.OddHoursEnd = 0, 0
	return l
}

type options struct {
	path    string
	clock   *Clock
	limits  risk.Limits
	catalog *config.Catalog
	noPIN   bool
}

// Option changes how MustOpenHub opens the hub.
type Option func(*options)

// WithLimits screens debits with l instead of Limits().
func WithLimits(l risk.Limits) Option { return func(o *options) { o.limits = l } }

// WithCatalog uses c instead of the default catalog, for the parser and the dialog.
func WithCatalog(c *config.Catalog) Option { return func(o *options) { o.catalog = c } }

// WithoutPIN leaves the wallet without a PIN, as before voicepay init.
func WithoutPIN() Option { return func(o *options) { o.noPIN = true } }

// Hub is a dialog hub over a wallet opened for a test.
type Hub struct {
	*agent.Hub
	Clock *Clock
	Logs  *Logs

	tb     testing.TB
	opts   options
	closed bool
}

// MustOpenHub opens a hub over a new wallet in tb.TempDir(): the real risk
// engine with Limits(), the real parser over the default catalog, metrics,
// a clock stopped at Noon and the PIN set. Cleanup checks the ledger and
// the audit chain, fails the test on any error the hub logged, and closes
// the wallet.
func MustOpenHub(tb testing.TB, opt ...Option) *Hub {
	tb.Helper()
	o := options{limits: Limits()}
	for _, fn := range opt {
		fn(&o)
	}
	if o.path == "" {
		o.path = filepath.Join(tb.TempDir(), "wallet.db")
	}
	if o.clock == nil {
		o.clock = NewClock()
	}
	if o.catalog == nil {
		o.catalog = config.DefaultCatalog()
	}
	return open(tb, o)
}

func open(tb testing.TB, o options) *Hub {
	tb.Helper()
	parser, err := intent.Compile(intent.DefaultTemplates(), o.catalog.Vocabulary())
	if err != nil {
		tb.Fatalf("compile intents: %v", err)
	}
	db := wallet.NewDB(o.path, walletscreen.New(o.limits))
	db.Currency = o.catalog.Currency
	db.Now = o.clock.Now
	// Cheap PIN hashing: the tests check the dialog, not argon2id's cost.
	db.PINHashTime, db.PINHashMemory = 1, 64
	// No sweeper: tests sweep by hand when they move the clock.
	db.SweepInterval = 0
	logs := &Logs{}
	db.Logger = slog.New(logs)
	if err := db.Open(); err != nil {
		tb.Fatalf("open wallet: %v", err)
	}
	h := &Hub{Hub: agent.NewHub(db, parser, o.catalog), Clock: o.clock, Logs: logs, tb: tb, opts: o}
	h.Logger = slog.New(logs)
	h.Metrics = agent.NewMetrics()
	tb.Cleanup(func() {
		if !h.closed {
			h.MustClose()
		}
	})
	if has, err := db.HasPIN(context.Background()); err != nil {
		tb.Fatalf("has PIN: %v", err)
	} else if !has && !o.noPIN {
		if err := db.SetPIN(context.Background(), PIN); err != nil {
			tb.Fatalf("set PIN: %v", err)
		}
	}
	return h
}

// MustClose checks the ledger, the audit chain and the logs, and closes the
// wallet.
func (h *Hub) MustClose() {
	h.tb.Helper()
	CheckLedger(h.tb, h.DB)
	for _, r := range h.Logs.Errors() {
		h.tb.Errorf("the hub logged an error: %s", r)
	}
	h.closed = true
	if err := h.DB.Close(); err != nil {
		h.tb.Fatalf("close wallet: %v", err)
	}
}

// MustReopen closes the wallet and opens the same file again in a new hub,
// with the same clock, limits and catalog: a restart of the daemon.
func (h *Hub) MustReopen() *Hub {
	h.tb.Helper()
	h.MustClose()
	return open(h.tb, h.opts)
}

var keys atomic.Int64

// Key returns an idempotency key that is unique within the test binary.
func Key(prefix string) string { return fmt.Sprintf("%s-%d", prefix, keys.Add(1)) }

// MustPair pairs a device and returns it with its token.
func (h *Hub) MustPair(id, scope string) (*wallet.Device, string) {
	h.tb.Helper()
	ctx := context.Background()
	token, err := h.DB.AddDevice(ctx, id, scope)
	if err != nil {
		h.tb.Fatalf("pair %s: %v", id, err)
	}
	d, err := h.DB.Device(ctx, id)
	if err != nil {
		h.tb.Fatalf("device %s: %v", id, err)
	}
	return d, token
}

// MustSession returns the dialog of a paired device.
func (h *Hub) MustSession(d *wallet.Device) *agent.Session {
	h.tb.Helper()
	s, err := h.Session(context.Background(), d)
	if err != nil {
		h.tb.Fatalf("session %s: %v", d.ID, err)
	}
	return s
}

// MustTopup adds amount (minor units) to the user's account.
func (h *Hub) MustTopup(amount int64) {
	h.tb.Helper()
	if _, err := h.DB.Topup(context.Background(), Key("topup"), amount); err != nil {
		h.tb.Fatalf("top up %d: %v", amount, err)
	}
}

// MustAccount returns an account; one money never reached is all zero.
func (h *Hub) MustAccount(id string) *wallet.Account {
	h.tb.Helper()
	a, err := h.DB.Account(context.Background(), id)
	if errors.Is(err, wallet.ErrNotFound) {
		return &wallet.Account{ID: id, Currency: h.DB.Currency}
	} else if err != nil {
		h.tb.Fatalf("account %s: %v", id, err)
	}
	return a
}

// MustAccounts returns every account.
func (h *Hub) MustAccounts() []*wallet.Account {
	h.tb.Helper()
	a, err := h.DB.Accounts(context.Background())
	if err != nil {
		h.tb.Fatalf("accounts: %v", err)
	}
	return a
}

// MustAuditLen returns the length of the audit chain.
func (h *Hub) MustAuditLen() int {
	h.tb.Helper()
	r, err := h.DB.VerifyAudit(context.Background())
	if err != nil {
		h.tb.Fatalf("verify audit: %v", err)
	}
	return r.Entries
}

// MustOrders returns every order, newest first.
func (h *Hub) MustOrders() []*wallet.Order {
	h.tb.Helper()
	o, err := h.DB.Orders(context.Background(), 0)
	if err != nil {
		h.tb.Fatalf("orders: %v", err)
	}
	return o
}

// Held is what the user has on hold.
func (h *Hub) Held() int64 {
	h.tb.Helper()
	return h.MustAccount(wallet.UserAccount).DebitsPending
}

// Balance is the user's posted balance.
func (h *Hub) Balance() int64 {
	h.tb.Helper()
	return h.MustAccount(wallet.UserAccount).Balance()
}

// Logs is a slog handler that keeps the records at warning level and up, so
// that a test can fail on an internal error the code only logged, or look for
// a warning it expects.
type Logs struct {
	mu       sync.Mutex
	errors   []string
	warnings []string
}

var _ slog.Handler = (*Logs)(nil)

// Enabled implements slog.Handler.
func (l *Logs) Enabled(_ context.Context, level slog.Level) bool { return level >= slog.LevelWarn }

// Handle implements slog.Handler.
func (l *Logs) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s", a)
		return true
	})
	l.mu.Lock()
	defer l.mu.Unlock()
	if r.Level >= slog.LevelError {
		l.errors = append(l.errors, b.String())
	} else {
		l.warnings = append(l.warnings, b.String())
	}
	return nil
}

// WithAttrs implements slog.Handler. The records of the new handler land in
// the same lists.
func (l *Logs) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &sharedLogs{l, attrs}
}

// WithGroup implements slog.Handler; groups are flattened.
func (l *Logs) WithGroup(string) slog.Handler { return l }

// Errors returns the error records so far.
func (l *Logs) Errors() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.errors)
}

// TakeErrors returns the error records so far and forgets them, for a test
// that causes errors on purpose and checks they were logged.
func (l *Logs) TakeErrors() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	errs := l.errors
	l.errors = nil
	return errs
}

// Warnings returns the warning records so far.
func (l *Logs) Warnings() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.warnings)
}

// sharedLogs is a Logs with attributes added by Logger.With.
type sharedLogs struct {
	l     *Logs
	attrs []slog.Attr
}

var _ slog.Handler = (*sharedLogs)(nil)

func (s *sharedLogs) Enabled(ctx context.Context, level slog.Level) bool {
	return s.l.Enabled(ctx, level)
}

func (s *sharedLogs) Handle(ctx context.Context, r slog.Record) error {
	r = r.Clone()
	r.AddAttrs(s.attrs...)
	return s.l.Handle(ctx, r)
}

func (s *sharedLogs) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &sharedLogs{s.l, append(slices.Clone(s.attrs), attrs...)}
}

func (s *sharedLogs) WithGroup(string) slog.Handler { return s }

// Package wallettest holds what tests of the wallet, and of the packages
// built on it, share: a clock tests move by hand and the ledger invariant
// check. They screen debits with the daemon's own adapter of the real risk
// engine, risk/walletscreen.
package wallettest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/voicepay/voicepay/wallet"
)

// Noon is where every test clock starts: an ordinary hour, outside the risk
// engine's odd hours.
var Noon = time.Date(2026, 4, 15, 12, 0, 0, 0, time.UTC)

// Clock is a wallet clock that only moves when a test moves it. It is safe
// for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock stopped at Noon.
func NewClock() *Clock { return &Clock{t: Noon} }

// Now is the wallet's DB.Now.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set sets the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// CheckLedger checks the ledger's invariants: the audit chain verifies
// (links, hashes, re-derived totals, zero sum, the user never overdrawn),
// and, independently of it, the stored accounts sum to zero, pending debits
// match pending credits, no total is negative and the user can cover every
// hold. It is safe to call while other goroutines write.
func CheckLedger(tb testing.TB, db *wallet.DB) {
	tb.Helper()
	ctx := context.Background()
	r, err := db.VerifyAudit(ctx)
	if err != nil {
		var problems []string
		if r != nil {
			problems = r.Problems
		}
		tb.Errorf("verify audit: %v\nproblems: %q", err, problems)
		return
	}
	accts, err := db.Accounts(ctx)
	if err != nil {
		tb.Errorf("accounts: %v", err)
		return
	}
	var sum, debits, credits int64
	for _, a := range accts {
		sum += a.Balance()
		debits += a.DebitsPending
		credits += a.CreditsPending
		if a.DebitsPosted < 0 || a.CreditsPosted < 0 || a.DebitsPending < 0 || a.CreditsPending < 0 {
			tb.Errorf("account %s has a negative total: %+v", a.ID, a)
		}
		if a.ID == wallet.UserAccount && a.Available() < 0 {
			tb.Errorf("user available %d < 0: %+v", a.Available(), a)
		}
	}
	if sum != 0 {
		tb.Errorf("balances sum to %d, want 0", sum)
	}
	if debits != credits {
		tb.Errorf("pending debits %d != pending credits %d", debits, credits)
	}
}

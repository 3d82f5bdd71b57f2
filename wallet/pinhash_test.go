package wallet_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/voicepay/voicepay/wallet"
)

// TestPINHashesBounded checks many PINs at once: no more than PINHashSlots
// argon2id hashes run together, and a check that waits past PINHashWait is
// refused as busy rather than queued for ever.
func TestPINHashesBounded(t *testing.T) {
	ctx := context.Background()
	var inFlight, most atomic.Int64
	release := make(chan struct{})
	db := MustOpenDB(t, WithSetup(func(db *wallet.DB) {
		db.PINHashSlots, db.PINHashWait = 2, 200*time.Millisecond
	}))
	db.MustSetPIN(t, "2468")
	db.OnPINHash = func() {
		n := inFlight.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		<-release
		inFlight.Add(-1)
	}

	const n = 16
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- db.VerifyPIN(ctx, "2468")
		}()
	}
	time.Sleep(400 * time.Millisecond) // past PINHashWait for the waiters
	close(release)
	wg.Wait()
	close(errs)
	ok, busy := 0, 0
	for err := range errs {
		switch {
		case err == nil:
			ok++
		case wallet.ErrorCode(err) == wallet.ELOCKED && wallet.AsError(err) == wallet.ErrPINBusy:
			busy++
		default:
			t.Errorf("verify: %v", err)
		}
	}
	if got := most.Load(); got != 2 {
		t.Errorf("%d hashes at once, want 2", got)
	}
	if ok != 2 || busy != n-2 {
		t.Errorf("%d verified and %d busy, want 2 and %d", ok, busy, n-2)
	}
}

// TestMalformedPINNoGuess: a malformed or empty PIN is refused as invalid
// and never counts toward the lockout.
func TestMalformedPINNoGuess(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	db.MustSetPIN(t, "2468")
	for range 3 * db.PINAttempts {
		for _, pin := range []string{"", "12", "abcd", "1234567890123"} {
			WantErr(t, db.VerifyPIN(ctx, pin), wallet.ErrInvalid)
		}
	}
	if err := db.VerifyPIN(ctx, "2468"); err != nil {
		t.Errorf("right PIN after malformed ones: %v", err)
	}
}

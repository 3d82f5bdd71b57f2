package wallet_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/voicepay/voicepay/wallet"
)

// TestGroupCommit sends writes that succeed, writes that fail and roll back,
// and writes that fail but keep their record, all at once, so that they
// share commits. Each must get its own outcome, and only the successes and
// the kept records may be in the ledger, each once.
func TestGroupCommit(t *testing.T) {
	const n = 48 // orders of each kind
	ctx := context.Background()
	db := MustOpenDB(t, WithScreen(NewFixedScreen(wallet.ActionAllow)))
	db.MustTopup(t, n*1800)

	var fits, late, broke []uint64
	for range n {
		// These lapse before they are confirmed: the expiry is kept.
		late = append(late, db.MustCreate(t, Lattes(1)).ID)
	}
	db.Clock.Advance(db.OrderTimeout / 2)
	for range n {
		fits = append(fits, db.MustCreate(t, Lattes(1)).ID)
		broke = append(broke, db.MustCreate(t, Lattes(1)).ID)
	}
	db.Clock.Advance(db.OrderTimeout / 2)

	type result struct {
		id  uint64
		err error
	}
	results := make(chan result, 3*n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, ids := range [][]uint64{fits, late, broke} {
		for _, id := range ids {
			wg.Go(func() {
				<-start
				_, err := db.ConfirmOrder(ctx, Key("confirm"), id)
				results <- result{id, err}
			})
		}
	}
	close(start)
	wg.Wait()
	close(results)

	got := map[uint64]error{}
	for r := range results {
		got[r.id] = r.err
	}
	// The money covers exactly n orders, so which of fits and broke get
	// it depends on the order of commits; late never can.
	var confirmed int
	for _, id := range append(append([]uint64(nil), fits...), broke...) {
		switch err := got[id]; {
		case err == nil:
			confirmed++
		case !errors.Is(err, wallet.ErrInsufficientFunds):
			t.Errorf("confirm order %d: %v", id, err)
		}
	}
	if confirmed != n {
		t.Errorf("%d confirmed, want %d", confirmed, n)
	}
	for _, id := range late {
		WantErr(t, got[id], wallet.ErrExpired)
		if s := db.MustOrder(t, id).State; s != wallet.Expired {
			t.Errorf("order %d is %s, want expired", id, s)
		}
	}
	if got, want := db.Held(t), int64(n*1800); got != want {
		t.Errorf("held %d, want %d", got, want)
	}
	holds := 0
	for _, tr := range mustTransfers(t, db) {
		if tr.Kind == wallet.Pending {
			holds++
		}
	}
	if holds != n {
		t.Errorf("%d holds, want %d", holds, n)
	}
}

// TestCancelledContext checks that a write whose context is cancelled either
// fails and changes nothing or reports the change it made: never a
// committed change reported as a failure.
func TestCancelledContext(t *testing.T) {
	db := MustOpenDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var want int64
	for range 50 {
		_, err := db.Topup(ctx, Key("topup"), 100)
		switch {
		case err == nil:
			want += 100
		case !errors.Is(err, context.Canceled):
			t.Fatalf("top up: %v", err)
		}
	}
	if got := db.MustAccount(t, wallet.UserAccount).Balance(); got != want {
		t.Errorf("balance %d, want the %d reported", got, want)
	}
}

// TestClosed checks that a closed wallet refuses calls instead of failing
// inside bbolt, as the daemon's background sweep may still call it.
func TestClosed(t *testing.T) {
	db := MustOpenDB(t)
	db.MustClose()
	ctx := context.Background()
	_, err := db.Topup(ctx, Key("topup"), 100)
	WantErr(t, err, wallet.ErrClosed)
	_, err = db.Account(ctx, wallet.UserAccount)
	WantErr(t, err, wallet.ErrClosed)
	_, err = db.Sweep(ctx)
	WantErr(t, err, wallet.ErrClosed)
	if err := db.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
}

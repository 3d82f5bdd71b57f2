package wallet_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/voicepay/voicepay/wallet"
)

// closed reports whether ch is closed, waiting at most wait for it.
func closed(ch <-chan struct{}, wait time.Duration) bool {
	select {
	case <-ch:
		return true
	case <-time.After(wait):
		return false
	}
}

// TestWatch wakes the watchers of an order or a mandate after each
// committed write that changes it, the sweep's expiry too, and no one else:
// not the watchers of other records, and not on a write that was refused.
func TestWatch(t *testing.T) {
	db := MustOpenDB(t)
	db.MustTopup(t, 100000)
	db.MustPairAgent(t, Claude)
	ctx := context.Background()
	o := db.MustCreate(t, Lattes(1))
	other := db.MustCreate(t, Lattes(2))

	t.Run("order", func(t *testing.T) {
		ch, stop := db.Watch(wallet.WatchOrder, o.ID)
		defer stop()
		again, stop2 := db.Watch(wallet.WatchOrder, o.ID)
		defer stop2()
		elsewhere, stop3 := db.Watch(wallet.WatchOrder, other.ID)
		defer stop3()
		if closed(ch, 20*time.Millisecond) {
			t.Fatal("closed before any write")
		}
		db.MustConfirm(t, o.ID)
		if !closed(ch, time.Second) || !closed(again, time.Second) {
			t.Fatal("a confirmation did not wake the order's watchers")
		}
		if closed(elsewhere, 20*time.Millisecond) {
			t.Error("a write of one order woke the watcher of another")
		}
		// A refused write changes nothing and wakes nobody.
		next, stop4 := db.Watch(wallet.WatchOrder, o.ID)
		defer stop4()
		if _, err := db.ConfirmOrder(ctx, Key("confirm"), o.ID); err == nil {
			t.Fatal("confirmed a confirmed order")
		}
		if closed(next, 20*time.Millisecond) {
			t.Error("a refused write woke the watcher")
		}
		db.MustAuthorize(t, o.ID)
		if !closed(next, time.Second) {
			t.Error("the payment did not wake the watcher")
		}
	})

	t.Run("sweep", func(t *testing.T) {
		ch, stop := db.Watch(wallet.WatchOrder, other.ID)
		defer stop()
		db.Clock.Advance(db.OrderTimeout + time.Second)
		if _, err := db.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		if !closed(ch, time.Second) {
			t.Error("the sweep's expiry did not wake the watcher")
		}
	})

	t.Run("mandate", func(t *testing.T) {
		d := Metered(100, 1000)
		d.Expires = db.Clock.Now().Add(24 * time.Hour)
		m := db.MustPropose(t, d)
		ch, stop := db.Watch(wallet.WatchMandate, m.ID)
		defer stop()
		order, stopOrder := db.Watch(wallet.WatchOrder, m.ID) // the same id, another kind
		defer stopOrder()
		db.MustApprove(t, m.ID)
		if !closed(ch, time.Second) {
			t.Fatal("the approval did not wake the watcher")
		}
		if closed(order, 20*time.Millisecond) {
			t.Error("a mandate's write woke the watcher of the order with its id")
		}
		ch, stop = db.Watch(wallet.WatchMandate, m.ID)
		defer stop()
		db.MustCharge(t, m.ID, 1)
		if !closed(ch, time.Second) {
			t.Error("a charge did not wake the watcher")
		}
	})
}

// TestWatchStop forgets what nobody watches any more, and lets many watch
// and stop at once while writes go on.
func TestWatchStop(t *testing.T) {
	db := MustOpenDB(t)
	db.MustTopup(t, 100000)
	o := db.MustCreate(t, Lattes(1))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				ch, stop := db.Watch(wallet.WatchOrder, o.ID)
				select {
				case <-ch:
				default:
				}
				stop()
				stop() // twice is harmless
			}
		})
	}
	for range 5 {
		if _, err := db.ModifyOrder(context.Background(), Key("modify"), o.ID, Lattes(1+len(Key(""))%3).Lines); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	if n := wallet.Watched(db.DB); n != 0 {
		t.Errorf("%d records still watched after every watcher stopped", n)
	}
}

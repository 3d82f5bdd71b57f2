package wallet_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/voicepay/voicepay/wallet"
)

func TestIdempotency(t *testing.T) {
	// Each case prepares a wallet with two orders ready for the operation and
	// calls it with a key and one of two sets of parameters.
	type env struct {
		db   *DB
		a, b uint64 // two orders ready for the operation
	}
	auth := wallet.Authorization{Device: "cli", Method: "session"}
	tests := []struct {
		name  string
		ready func(db *DB, id uint64) // brings a drafted order to where op applies
		op    func(e env, key string, other bool) (any, error)
	}{
		{"topup", nil, func(e env, key string, other bool) (any, error) {
			amount := int64(500)
			if other {
				amount = 501
			}
			return e.db.Topup(context.Background(), key, amount)
		}},
		{"create", nil, func(e env, key string, other bool) (any, error) {
			d := Lattes(1)
			if other {
				d = Lattes(2)
			}
			return e.db.CreateOrder(context.Background(), key, d)
		}},
		{"modify", nil, func(e env, key string, other bool) (any, error) {
			lines := Lattes(3).Lines
			if other {
				lines = Lattes(4).Lines
			}
			return e.db.ModifyOrder(context.Background(), key, e.a, lines)
		}},
		{"confirm", nil, func(e env, key string, other bool) (any, error) {
			id := e.a
			if other {
				id = e.b
			}
			return e.db.ConfirmOrder(context.Background(), key, id)
		}},
		{"authorize", func(db *DB, id uint64) { db.MustConfirm(t, id) }, func(e env, key string, other bool) (any, error) {
			id := e.a
			if other {
				id = e.b
			}
			return e.db.AuthorizeOrder(context.Background(), key, id, auth)
		}},
		{"authorize from another device", func(db *DB, id uint64) { db.MustConfirm(t, id) }, func(e env, key string, other bool) (any, error) {
			a := auth
			if other {
				a.Device = "glasses"
			}
			return e.db.AuthorizeOrder(context.Background(), key, e.a, a)
		}},
		{"cancel", func(db *DB, id uint64) { db.MustConfirm(t, id) }, func(e env, key string, other bool) (any, error) {
			id := e.a
			if other {
				id = e.b
			}
			return e.db.CancelOrder(context.Background(), key, id)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			newEnv := func(t *testing.T) env {
				db := MustOpenDB(t)
				db.MustTopup(t, 100000)
				e := env{db: db, a: db.MustCreate(t, Lattes(2)).ID, b: db.MustCreate(t, Lattes(1)).ID}
				if tt.ready != nil {
					tt.ready(db, e.a)
					tt.ready(db, e.b)
				}
				return e
			}

			t.Run("same key same params", func(t *testing.T) {
				e := newEnv(t)
				first, err := tt.op(e, "k1", false)
				if err != nil {
					t.Fatalf("first call: %v", err)
				}
				ledger := snapshot(t, e.db)
				again, err := tt.op(e, "k1", false)
				if err != nil {
					t.Fatalf("retry: %v", err)
				}
				if got, want := jsonOf(t, again), jsonOf(t, first); got != want {
					t.Errorf("retry returned\n%s\nwant the original\n%s", got, want)
				}
				if got := snapshot(t, e.db); !reflect.DeepEqual(got, ledger) {
					t.Errorf("the retry changed the ledger:\n%+v\nwant\n%+v", got, ledger)
				}
				// The key survives a restart.
				e.db = e.db.MustReopen()
				again, err = tt.op(e, "k1", false)
				if err != nil {
					t.Fatalf("retry after restart: %v", err)
				}
				if got, want := jsonOf(t, again), jsonOf(t, first); got != want {
					t.Errorf("retry after restart returned\n%s\nwant the original\n%s", got, want)
				}
				if got := snapshot(t, e.db); !reflect.DeepEqual(got, ledger) {
					t.Errorf("the retry after restart changed the ledger")
				}
			})

			t.Run("same key other params", func(t *testing.T) {
				e := newEnv(t)
				if _, err := tt.op(e, "k1", false); err != nil {
					t.Fatalf("first call: %v", err)
				}
				ledger := snapshot(t, e.db)
				_, err := tt.op(e, "k1", true)
				WantErr(t, err, wallet.ErrIdempotencyConflict)
				if got := snapshot(t, e.db); !reflect.DeepEqual(got, ledger) {
					t.Errorf("the conflicting call changed the ledger")
				}
			})

			t.Run("empty key", func(t *testing.T) {
				e := newEnv(t)
				ledger := snapshot(t, e.db)
				_, err := tt.op(e, "", false)
				WantErr(t, err, wallet.ErrNoIdempotencyKey)
				if got := snapshot(t, e.db); !reflect.DeepEqual(got, ledger) {
					t.Errorf("the call without a key changed the ledger")
				}
			})

			t.Run("concurrent retries", func(t *testing.T) {
				// What one call does, to compare with many at once.
				once := newEnv(t)
				if _, err := tt.op(once, "k1", false); err != nil {
					t.Fatal(err)
				}
				e := newEnv(t)
				const n = 16
				results := make(chan string, n)
				errs := make(chan error, n)
				for range n {
					go func() {
						r, err := tt.op(e, "k1", false)
						errs <- err
						results <- jsonOf(t, r)
					}()
				}
				var first string
				for i := range n {
					if err := <-errs; err != nil {
						t.Fatalf("call %d: %v", i, err)
					}
					r := <-results
					if i == 0 {
						first = r
					} else if r != first {
						t.Errorf("call %d returned\n%s\nwant\n%s", i, r, first)
					}
				}
				got, want := snapshot(t, e.db), snapshot(t, once.db)
				if !reflect.DeepEqual(got.Accounts, want.Accounts) || got.Transfers != want.Transfers {
					t.Errorf("%d calls at once left\n%+v\none call\n%+v", n, got, want)
				}
				if got, want := len(e.db.MustAudit(t)), len(once.db.MustAudit(t)); got != want {
					t.Errorf("%d calls at once left %d audit entries, one call %d", n, got, want)
				}
			})
		})
	}

	t.Run("keys are per operation", func(t *testing.T) {
		db := MustOpenDB(t)
		ctx := context.Background()
		if _, err := db.Topup(ctx, "same", 10000); err != nil {
			t.Fatal(err)
		}
		o, err := db.CreateOrder(ctx, "same", Lattes(1))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ConfirmOrder(ctx, "same", o.ID); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("a failed call does not use up its key", func(t *testing.T) {
		db := MustOpenDB(t)
		ctx := context.Background()
		o := db.MustCreate(t, Lattes(1))
		_, err := db.ConfirmOrder(ctx, "k", o.ID)
		WantErr(t, err, wallet.ErrInsufficientFunds)
		db.MustTopup(t, o.Total)
		c, err := db.ConfirmOrder(ctx, "k", o.ID)
		if err != nil {
			t.Fatalf("retry with money: %v", err)
		}
		if c.State != wallet.Confirmed {
			t.Errorf("state %s, want %s", c.State, wallet.Confirmed)
		}
	})
}

// ledgerState is what an idempotent retry must leave alone.
type ledgerState struct {
	Accounts  []*wallet.Account
	Transfers int
	Orders    []*wallet.Order
}

func snapshot(t *testing.T, db *DB) ledgerState {
	t.Helper()
	ctx := context.Background()
	accts, err := db.Accounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	orders, err := db.Orders(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	return ledgerState{accts, len(mustTransfers(t, db)), orders}
}

func jsonOf(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Error(err)
	}
	return string(b)
}

// TestRecalledOrder: a caller that lost the answer to a confirmation or a
// payment asks for it by the key it used, and gets the order as the call
// returned it; a key that confirmed or paid nothing is not found, and a
// refused call records nothing.
func TestRecalledOrder(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	db.MustTopup(t, 10000)
	o := db.MustCreate(t, Lattes(1))
	if _, err := db.AuthorizeOrder(ctx, "pay-early", o.ID, wallet.Authorization{Device: "cli", Method: "session"}); err == nil {
		t.Fatal("paid a drafted order")
	}
	confirmed, err := db.ConfirmOrder(ctx, "confirm-1", o.ID)
	if err != nil {
		t.Fatal(err)
	}
	paid, err := db.AuthorizeOrder(ctx, "pay-1", o.ID, wallet.Authorization{Device: "cli", Method: "session"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		recall func(context.Context, string) (*wallet.Order, error)
		key    string
		want   *wallet.Order
	}{
		{"confirmed", db.ConfirmedOrder, "confirm-1", confirmed},
		{"paid", db.AuthorizedOrder, "pay-1", paid},
		{"refused payment", db.AuthorizedOrder, "pay-early", nil},
		{"another call's key", db.AuthorizedOrder, "confirm-1", nil},
		{"unknown key", db.ConfirmedOrder, "confirm-2", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.recall(ctx, tt.key)
			if tt.want == nil {
				WantErr(t, err, wallet.ErrNotFound)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(tt.want)
			if string(g) != string(w) {
				t.Errorf("got %s\nwant %s", g, w)
			}
		})
	}
	if paid.Receipt == nil {
		t.Errorf("the paid order has no receipt")
	}
}

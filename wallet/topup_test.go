package wallet_test

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/voicepay/voicepay/wallet"
)

func TestTopup(t *testing.T) {
	tests := []struct {
		name    string
		amounts []int64
		want    int64 // the balance after
		err     error // of the last top-up
	}{
		{"one", []int64{5000}, 5000, nil},
		{"several", []int64{5000, 1, 250}, 5251, nil},
		{"zero", []int64{0}, 0, wallet.ErrInvalid},
		{"negative", []int64{100, -100}, 100, wallet.ErrInvalid},
		{"largest", []int64{wallet.MaxTopup}, wallet.MaxTopup, nil},
		{"too large", []int64{wallet.MaxTopup + 1}, 0, wallet.ErrInvalid},
		{"far too large", []int64{5000, math.MaxInt64}, 5000, wallet.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := MustOpenDB(t)
			var err error
			for _, a := range tt.amounts {
				_, err = db.Topup(context.Background(), Key("topup"), a)
			}
			if tt.err != nil {
				WantErr(t, err, tt.err)
			} else if err != nil {
				t.Fatalf("top up: %v", err)
			}
			if got := db.MustAccount(t, wallet.UserAccount).Balance(); got != tt.want {
				t.Errorf("balance %d, want %d", got, tt.want)
			}
			if got := db.MustAccount(t, wallet.ExternalAccount).Balance(); got != -tt.want {
				t.Errorf("external balance %d, want %d", got, -tt.want)
			}
		})
	}
}

// TestBalanceBound tops up, and pays, up to the largest balance an account
// may hold, 2^53-1 minor units (exact as a JSON number), and refuses a
// minor unit more, either way, as invalid.
func TestBalanceBound(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	if _, err := db.ForceTransfer(ctx, wallet.CompensationAccount, wallet.UserAccount, wallet.MaxBalance-10); err != nil {
		t.Fatalf("bring the balance near the bound: %v", err)
	}
	_, err := db.Topup(ctx, Key("topup"), 11)
	WantErr(t, err, wallet.ErrInvalid)
	if e := wallet.AsError(err); !strings.Contains(e.Message, "9007199254740991") {
		t.Errorf("the refusal %q does not say the bound", e.Message)
	}
	if _, err := db.Topup(ctx, Key("topup"), 10); err != nil {
		t.Fatalf("top up to the bound: %v", err)
	}
	if got := db.MustAccount(t, wallet.UserAccount).Balance(); got != wallet.MaxBalance {
		t.Errorf("balance %d, want %d", got, int64(wallet.MaxBalance))
	}
	// A debit side is bound too: the compensation fund is at -(2^53-1)+10.
	_, err = db.ForceTransfer(ctx, wallet.CompensationAccount, "merchant:x", 11)
	WantErr(t, err, wallet.ErrInvalid)
	if _, err := db.ForceTransfer(ctx, wallet.CompensationAccount, "merchant:x", 10); err != nil {
		t.Fatalf("debit the fund to the bound: %v", err)
	}
}

func TestFreeze(t *testing.T) {
	ctx := context.Background()
	const pin = "8642"
	db := MustOpenDB(t)
	db.MustSetPIN(t, pin)
	db.MustTopup(t, 10000)
	held := db.MustConfirm(t, db.MustCreate(t, Lattes(1)).ID)
	drafted := db.MustCreate(t, Lattes(2))
	toCancel := db.MustConfirm(t, db.MustCreate(t, Lattes(1)).ID)

	if err := db.Freeze(ctx); err != nil {
		t.Fatalf("freeze: %v", err)
	}
	if !db.MustAccount(t, wallet.UserAccount).Frozen {
		t.Fatal("the user account is not frozen")
	}

	t.Run("confirm refused", func(t *testing.T) {
		_, err := db.ConfirmOrder(ctx, Key("confirm"), drafted.ID)
		WantErr(t, err, wallet.ErrFrozen)
		if got := db.MustOrder(t, drafted.ID); got.State != wallet.Drafted || got.HoldID != 0 {
			t.Errorf("order %s with hold %d, want drafted without a hold", got.State, got.HoldID)
		}
	})
	t.Run("authorize refused", func(t *testing.T) {
		_, err := db.AuthorizeOrder(ctx, Key("authorize"), held.ID, wallet.Authorization{Device: "cli"})
		WantErr(t, err, wallet.ErrFrozen)
		if got := db.MustOrder(t, held.ID).State; got != wallet.Confirmed {
			t.Errorf("state %s, want confirmed", got)
		}
	})
	t.Run("cancel works", func(t *testing.T) {
		c, err := db.CancelOrder(ctx, Key("cancel"), toCancel.ID)
		if err != nil {
			t.Fatalf("cancel: %v", err)
		}
		if c.State != wallet.Cancelled {
			t.Errorf("state %s, want cancelled", c.State)
		}
	})
	t.Run("modify works", func(t *testing.T) {
		if _, err := db.ModifyOrder(ctx, Key("modify"), drafted.ID, Lattes(3).Lines); err != nil {
			t.Fatalf("modify: %v", err)
		}
	})
	t.Run("top up works", func(t *testing.T) {
		db.MustTopup(t, 100)
	})
	t.Run("holds stay", func(t *testing.T) {
		if got, want := db.Held(t), held.Total; got != want {
			t.Errorf("held %d, want %d", got, want)
		}
	})
	t.Run("frozen after restart", func(t *testing.T) {
		db = db.MustReopen()
		_, err := db.AuthorizeOrder(ctx, Key("authorize"), held.ID, wallet.Authorization{Device: "cli"})
		WantErr(t, err, wallet.ErrFrozen)
	})
	t.Run("unfreeze needs the PIN", func(t *testing.T) {
		WantErr(t, db.Unfreeze(ctx, ""), wallet.ErrMalformedPIN)
		WantErr(t, db.Unfreeze(ctx, "1111"), wallet.ErrBadPIN)
		if !db.MustAccount(t, wallet.UserAccount).Frozen {
			t.Fatal("a wrong PIN unfroze the wallet")
		}
		if err := db.Unfreeze(ctx, pin); err != nil {
			t.Fatalf("unfreeze: %v", err)
		}
		if db.MustAccount(t, wallet.UserAccount).Frozen {
			t.Fatal("still frozen")
		}
		db.MustAuthorize(t, held.ID)
		db.MustConfirm(t, drafted.ID)
	})
	t.Run("expiry voids a hold while frozen", func(t *testing.T) {
		o := db.MustConfirm(t, db.MustCreate(t, Lattes(1)).ID)
		if err := db.Freeze(ctx); err != nil {
			t.Fatal(err)
		}
		db.Clock.Advance(db.HoldTimeout)
		expired, err := db.Sweep(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(expired, func(e *wallet.Order) bool { return e.ID == o.ID }) {
			t.Fatalf("sweep expired %d orders, not order %d", len(expired), o.ID)
		}
		if got := db.Held(t); got != 0 {
			t.Errorf("held %d, want nothing", got)
		}
		if err := db.Unfreeze(ctx, pin); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("on the audit chain", func(t *testing.T) {
		var events []string
		for _, e := range db.MustAudit(t) {
			if e.Kind == "account" {
				events = append(events, string(e.Data))
			}
		}
		frozen, unfrozen := `{"account":"user","event":"frozen"}`, `{"account":"user","event":"unfrozen"}`
		want := []string{frozen, unfrozen, frozen, unfrozen}
		if !slices.Equal(events, want) {
			t.Errorf("account events %q, want %q", events, want)
		}
	})
}

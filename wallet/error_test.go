package wallet_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/voicepay/voicepay/wallet"
)

// TestAsError maps the ledger's conditions, however wrapped, to what a
// person sees.
func TestAsError(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		code    string
		message string
	}{
		{"coded", wallet.Errorf(wallet.ENOORDER, "No %s.", "order"), wallet.ENOORDER, "No order."},
		{"wrapped coded", fmt.Errorf("turn: %w", wallet.Errorf(wallet.EINVALID, "Bad.")), wallet.EINVALID, "Bad."},
		{"funds", fmt.Errorf("confirm order 3: %w", wallet.ErrInsufficientFunds), wallet.EFUNDS,
			"You don't have enough money for this, counting what is on hold."},
		{"conflict", wallet.ErrIdempotencyConflict, wallet.ECONFLICT, "That request id was already used for a different request."},
		{"no key", wallet.ErrNoIdempotencyKey, wallet.EINVALID, "The request needs an idempotency key."},
		{"step up", wallet.ErrStepUpRequired, wallet.ESTEPUP, "This payment needs your PIN."},
		{"wrong PIN", wallet.ErrBadPIN, wallet.EWRONGPIN, "That PIN is not right."},
		{"wrong code", wallet.ErrBadTOTP, wallet.EWRONGPIN, "That authenticator code is not right."},
		{"no PIN", wallet.ErrNoPIN, wallet.ENOPIN, "No PIN is set. Run voicepay init to set one."},
		{"frozen", wallet.ErrFrozen, wallet.EFROZEN, "Your wallet is frozen. Say unfreeze my wallet and your PIN to let payments through again."},
		{"expired", fmt.Errorf("order 3: %w", wallet.ErrExpired), wallet.EEXPIRED, "The order expired and nothing was charged."},
		{"state", wallet.ErrOrderState, wallet.ESTATE, "The order can't do that now."},
		{"not found", wallet.ErrNotFound, wallet.ENOTFOUND, "Not found."},
		{"unauthorized", wallet.ErrUnauthorized, wallet.EUNAUTHORIZED, "Not allowed."},
		{"invalid", wallet.ErrInvalid, wallet.EINVALID, "That request is not valid."},
		{"mandate cap", fmt.Errorf("charge mandate 2: %w", wallet.ErrMandateCap), wallet.EMANDATECAP,
			"That charge would pass the mandate's cap for this period."},
		{"mandate expired", wallet.ErrMandateExpired, wallet.EMANDATEEXPIRED, "The mandate has expired."},
		{"mandate revoked", wallet.ErrMandateRevoked, wallet.EMANDATEREVOKED, "The mandate was revoked."},
		{"mandate not active", wallet.ErrMandateNotActive, wallet.EMANDATENOTACTIVE,
			"The mandate is not active: it was not approved, or was declined."},
		{"mandate approved", wallet.ErrMandateApproved, wallet.ESTATE, "The mandate is already approved."},
		{"cancelled", fmt.Errorf("save: %w", context.Canceled), wallet.EINTERNAL, "The request was cancelled."},
		{"internal", errors.New("disk on fire"), wallet.EINTERNAL, "Something went wrong inside voicepay."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := wallet.AsError(tt.err)
			if got.Code != tt.code || got.Message != tt.message {
				t.Errorf("AsError(%v) = %q %q, want %q %q", tt.err, got.Code, got.Message, tt.code, tt.message)
			}
			if got, want := wallet.ErrorCode(tt.err), tt.code; got != want {
				t.Errorf("ErrorCode(%v) = %q, want %q", tt.err, got, want)
			}
		})
	}
	if got, want := wallet.Errorf(wallet.EFROZEN, "Frozen.").Error(), "frozen: Frozen."; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// TestErrorData checks that the ledger's refusals carry what a reply needs
// (the risk decision, the lockout's end, the order that expired), and still
// match their conditions with errors.Is.
func TestErrorData(t *testing.T) {
	ctx := context.Background()
	t.Run("blocked", func(t *testing.T) {
		db := MustOpenDB(t, WithScreen(NewFixedScreen(wallet.ActionBlock, "daily_limit: over")))
		db.MustTopup(t, 10000)
		o := db.MustCreate(t, Lattes(1))
		_, err := db.ConfirmOrder(ctx, Key("confirm"), o.ID)
		WantErr(t, err, wallet.ErrBlocked)
		e := wallet.AsError(err)
		if e.Code != wallet.ERISKBLOCKED || e.Message != "Blocked by risk control: daily_limit: over." {
			t.Errorf("got %q %q, want risk_blocked with the reason", e.Code, e.Message)
		}
		if e.Decision == nil || e.Decision.Action != wallet.ActionBlock || len(e.Decision.Reasons) != 1 {
			t.Errorf("decision %+v, want the block with its reason", e.Decision)
		}
	})
	t.Run("locked", func(t *testing.T) {
		db := MustOpenDB(t)
		db.MustSetPIN(t, "2468")
		var err error
		for range db.PINAttempts {
			err = db.VerifyPIN(ctx, "1357")
		}
		WantErr(t, err, wallet.ErrPINLocked)
		e := wallet.AsError(err)
		want := db.Clock.Now().Add(db.LockoutBase)
		if e.Code != wallet.ELOCKED || !e.Until.Equal(want) {
			t.Errorf("got %q until %v, want locked until %v", e.Code, e.Until, want)
		}
		if e.Message != "PIN verification locked: too many wrong attempts, try again in 30s." {
			t.Errorf("message %q", e.Message)
		}
		db.Clock.Advance(10 * time.Second)
		e = wallet.AsError(db.VerifyPIN(ctx, "2468"))
		if e.Code != wallet.ELOCKED || !e.Until.Equal(want) || e.Message != "PIN verification locked: try again in 20s." {
			t.Errorf("while locked: %q %q until %v, want locked for 20s more until %v", e.Code, e.Message, e.Until, want)
		}
	})
	t.Run("expired", func(t *testing.T) {
		db := MustOpenDB(t)
		o := db.MustCreate(t, Lattes(2))
		db.Clock.Advance(db.OrderTimeout)
		_, err := db.ConfirmOrder(ctx, Key("confirm"), o.ID)
		WantErr(t, err, wallet.ErrExpired)
		e := wallet.AsError(err)
		if e.Code != wallet.EEXPIRED || e.Order == nil || e.Order.ID != o.ID || e.Order.State != wallet.Expired {
			t.Errorf("got %q with order %+v, want expired with order %d as expired", e.Code, e.Order, o.ID)
		}
	})
}

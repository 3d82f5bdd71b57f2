package wallet_test

import (
	"context"
	"testing"
	"time"

	"github.com/voicepay/voicepay/wallet"
)

func TestValidPIN(t *testing.T) {
	tests := []struct {
		pin  string
		want bool
	}{
		{"1234", true},
		{"123456789012", true},
		{"123", false},
		{"1234567890123", false},
		{"12a4", false},
		{"12 34", false},
		{"", false},
		{"١٢٣٤", false}, // Arabic-Indic digits
	}
	for _, tt := range tests {
		t.Run(tt.pin, func(t *testing.T) {
			if got := wallet.ValidPIN(tt.pin); got != tt.want {
				t.Errorf("ValidPIN(%q) = %v, want %v", tt.pin, got, tt.want)
			}
		})
	}
}

func TestPIN(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t, WithoutDevices())
	if ok, err := db.HasPIN(ctx); err != nil || ok {
		t.Fatalf("HasPIN before setting one: %v, %v, want false", ok, err)
	}
	WantErr(t, db.VerifyPIN(ctx, "1234"), wallet.ErrNoPIN)
	WantErr(t, db.SetPIN(ctx, "12"), wallet.ErrInvalid)
	db.MustSetPIN(t, "1234")
	if ok, err := db.HasPIN(ctx); err != nil || !ok {
		t.Fatalf("HasPIN: %v, %v, want true", ok, err)
	}
	if err := db.VerifyPIN(ctx, "1234"); err != nil {
		t.Errorf("right PIN: %v", err)
	}
	WantErr(t, db.VerifyPIN(ctx, "4321"), wallet.ErrBadPIN)
	WantErr(t, db.VerifyPIN(ctx, ""), wallet.ErrMalformedPIN) // no guess, so not counted
	db = db.MustReopen()
	if err := db.VerifyPIN(ctx, "1234"); err != nil {
		t.Errorf("right PIN after restart: %v", err)
	}
	db.MustSetPIN(t, "5678")
	WantErr(t, db.VerifyPIN(ctx, "1234"), wallet.ErrBadPIN)
	if err := db.VerifyPIN(ctx, "5678"); err != nil {
		t.Errorf("new PIN: %v", err)
	}
}

func TestPINLockout(t *testing.T) {
	ctx := context.Background()
	const pin, wrong = "2468", "1357"
	db := MustOpenDB(t)
	db.MustSetPIN(t, pin)
	base := db.LockoutBase

	// lockOut enters wrong PINs until verification locks.
	lockOut := func(t *testing.T) {
		t.Helper()
		for i := 1; i < db.PINAttempts; i++ {
			WantErr(t, db.VerifyPIN(ctx, wrong), wallet.ErrBadPIN)
		}
		WantErr(t, db.VerifyPIN(ctx, wrong), wallet.ErrPINLocked)
	}
	// wantLockedFor checks that verification stays locked for exactly d.
	wantLockedFor := func(t *testing.T, d time.Duration) {
		t.Helper()
		start := db.Clock.Now()
		WantErr(t, db.VerifyPIN(ctx, pin), wallet.ErrPINLocked)
		db.Clock.Set(start.Add(d - time.Second))
		WantErr(t, db.VerifyPIN(ctx, pin), wallet.ErrPINLocked)
		db.Clock.Set(start.Add(d))
	}

	t.Run("first lockout", func(t *testing.T) {
		lockOut(t)
		wantLockedFor(t, base)
	})
	t.Run("lockout doubles", func(t *testing.T) {
		// Wrong PINs after a lockout count toward the next, twice as long.
		lockOut(t)
		wantLockedFor(t, 2*base)
		lockOut(t)
		wantLockedFor(t, 4*base)
	})
	t.Run("lockout doubles again", func(t *testing.T) {
		lockOut(t)
		wantLockedFor(t, 8*base)
	})
	t.Run("right PIN resets", func(t *testing.T) {
		if err := db.VerifyPIN(ctx, pin); err != nil {
			t.Fatalf("right PIN after the lockout: %v", err)
		}
		// Failures short of a lockout are forgotten too.
		for i := 1; i < db.PINAttempts; i++ {
			WantErr(t, db.VerifyPIN(ctx, wrong), wallet.ErrBadPIN)
		}
		if err := db.VerifyPIN(ctx, pin); err != nil {
			t.Fatalf("right PIN: %v", err)
		}
		lockOut(t)
		wantLockedFor(t, base)
	})
	t.Run("lockout survives restart", func(t *testing.T) {
		lockOut(t)
		db = db.MustReopen()
		wantLockedFor(t, 2*base)
	})
}

// A locked PIN refuses the step-up of a payment, even the right PIN.
func TestPINLockoutStepUp(t *testing.T) {
	ctx := context.Background()
	const pin, wrong = "2468", "1357"
	db := MustOpenDB(t, WithScreen(NewFixedScreen(wallet.ActionStepUp, "odd_hours")))
	db.MustSetPIN(t, pin)
	db.MustTopup(t, 10000)
	o := db.MustConfirm(t, db.MustCreate(t, Lattes(1)).ID)
	for i := range db.PINAttempts {
		_, err := db.AuthorizeOrder(ctx, Key("a"), o.ID, wallet.Authorization{Device: "cli", PIN: wrong})
		want := wallet.ErrBadPIN
		if i == db.PINAttempts-1 {
			want = wallet.ErrPINLocked
		}
		WantErr(t, err, want)
	}
	_, err := db.AuthorizeOrder(ctx, Key("a"), o.ID, wallet.Authorization{Device: "cli", PIN: pin})
	WantErr(t, err, wallet.ErrPINLocked)
	if got := db.MustOrder(t, o.ID).State; got != wallet.Confirmed {
		t.Errorf("state %s, want confirmed", got)
	}
	if got := db.Held(t); got != o.Total {
		t.Errorf("held %d, want %d", got, o.Total)
	}
	db.Clock.Advance(db.LockoutBase)
	p, err := db.AuthorizeOrder(ctx, Key("a"), o.ID, wallet.Authorization{Device: "cli", PIN: pin})
	if err != nil {
		t.Fatalf("right PIN after the lockout: %v", err)
	}
	if p.State != wallet.Paid || p.Receipt.Method != "pin" {
		t.Errorf("order %s paid by %q, want paid by pin", p.State, p.Receipt.Method)
	}
}

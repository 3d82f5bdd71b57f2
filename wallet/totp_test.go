package wallet_test

import (
	"context"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/voicepay/voicepay/wallet"
)

func TestActivateWithTOTP(t *testing.T) {
	ctx := context.Background()
	const pin = "2580"
	db := MustOpenDB(t)
	db.MustSetPIN(t, pin)
	if _, err := db.AddDevice(ctx, "visor", wallet.ScopeUser); err != nil {
		t.Fatal(err)
	}
	if ok, err := db.HasTOTP(ctx); err != nil || ok {
		t.Fatalf("HasTOTP before enrolling: %v, %v", ok, err)
	}
	secret, url, err := db.EnrollTOTP(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if url == "" || secret == "" {
		t.Fatalf("enroll gave secret %q url %q", secret, url)
	}
	code := func(at time.Time) string {
		c, err := totp.GenerateCode(secret, at)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	active := func() bool {
		d, err := db.Device(ctx, "visor")
		if err != nil {
			t.Fatal(err)
		}
		return d.Active
	}

	t.Run("code before PIN", func(t *testing.T) {
		WantErr(t, db.ActivateDeviceTOTP(ctx, "visor", code(db.Clock.Now())), wallet.ErrInvalid)
	})
	t.Run("PIN then wrong code", func(t *testing.T) {
		WantErr(t, db.ActivateDevice(ctx, "visor", pin), wallet.ErrTOTPRequired)
		if active() {
			t.Fatal("active after the PIN alone")
		}
		WantErr(t, db.ActivateDeviceTOTP(ctx, "visor", "000000"), wallet.ErrBadTOTP)
	})
	t.Run("PIN then stale code", func(t *testing.T) {
		WantErr(t, db.ActivateDeviceTOTP(ctx, "visor", code(db.Clock.Now().Add(-5*time.Minute))), wallet.ErrBadTOTP)
	})
	t.Run("code too long after the PIN", func(t *testing.T) {
		db.Clock.Advance(3 * time.Minute)
		WantErr(t, db.ActivateDeviceTOTP(ctx, "visor", code(db.Clock.Now())), wallet.ErrInvalid)
	})
	t.Run("PIN then code", func(t *testing.T) {
		WantErr(t, db.ActivateDevice(ctx, "visor", pin), wallet.ErrTOTPRequired)
		now := code(db.Clock.Now())
		if err := db.ActivateDeviceTOTP(ctx, "visor", now); err != nil {
			t.Fatal(err)
		}
		if !active() {
			t.Fatal("not active after PIN and code")
		}
		// The same code does not work a second time.
		if err := db.DeactivateDevice(ctx, "visor"); err != nil {
			t.Fatal(err)
		}
		WantErr(t, db.ActivateDevice(ctx, "visor", pin), wallet.ErrTOTPRequired)
		WantErr(t, db.ActivateDeviceTOTP(ctx, "visor", now), wallet.ErrBadTOTP)
	})
	t.Run("wrong codes lock like wrong PINs", func(t *testing.T) {
		var err error
		for range 5 {
			err = db.ActivateDeviceTOTP(ctx, "visor", "999999")
		}
		WantErr(t, err, wallet.ErrPINLocked)
		WantErr(t, db.ActivateDeviceTOTP(ctx, "visor", code(db.Clock.Now())), wallet.ErrPINLocked)
	})
	t.Run("a new PIN keeps the authenticator", func(t *testing.T) {
		db.MustSetPIN(t, "1470")
		if ok, err := db.HasTOTP(ctx); err != nil || !ok {
			t.Fatalf("HasTOTP after a new PIN: %v, %v", ok, err)
		}
	})
}

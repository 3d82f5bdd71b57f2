package wallet

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"github.com/pquerna/otp/totp"
	bolt "go.etcd.io/bbolt"
)

// TOTP is the optional second factor for enabling payments on a device: with
// it enrolled, activation needs the PIN and then the current code from an
// authenticator app (RFC 6238: 6 digits, 30-second steps, SHA-1).
const (
	totpPeriod = 30 * time.Second
	// totpWindow is how long after the right PIN the code may follow.
	totpWindow = 2 * time.Minute
)

// ErrTOTPRequired means the PIN was right and the authenticator code must follow.
var ErrTOTPRequired = errors.New("authenticator code required")

// EnrollTOTP creates a new TOTP secret, replacing any earlier one, and
// returns it with the otpauth:// URL an authenticator app scans.
func (db *DB) EnrollTOTP(ctx context.Context) (secret, url string, err error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "voicepay", AccountName: "wallet"})
	if err != nil {
		return "", "", fmt.Errorf("enroll TOTP: %w", err)
	}
	err = db.write(ctx, func(l *ltx) error {
		c, err := getCredentials(l.Tx)
		if err != nil {
			return err
		}
		c.TOTPSecret, c.TOTPLastStep = key.Secret(), 0
		if err := l.putCredentials(c); err != nil {
			return err
		}
		return l.audit("credential", map[string]string{"event": "totp_enrolled"})
	})
	if err != nil {
		return "", "", fmt.Errorf("enroll TOTP: %w", err)
	}
	return key.Secret(), key.URL(), nil
}

// HasTOTP reports whether an authenticator is enrolled.
func (db *DB) HasTOTP(ctx context.Context) (bool, error) {
	var ok bool
	err := db.view(func(tx *bolt.Tx) error {
		c, err := getCredentials(tx)
		if errors.Is(err, ErrNoPIN) {
			return nil
		}
		ok = err == nil && c.TOTPSecret != ""
		return err
	})
	return ok, err
}

// checkTOTP checks an authenticator code. Wrong codes count toward the same
// lockout as wrong PINs, and a code is good for one use only.
func (l *ltx) checkTOTP(code string) error {
	c, err := getCredentials(l.Tx)
	if err != nil {
		return err
	}
	if c.TOTPSecret == "" {
		return fmt.Errorf("no authenticator is enrolled: %w", ErrInvalid)
	}
	if l.now.Before(c.LockedUntil) {
		return locked(l.now, c.LockedUntil, "")
	}
	step := l.now.Unix() / int64(totpPeriod/time.Second)
	for _, s := range []int64{step, step - 1, step + 1} {
		want, err := totp.GenerateCode(c.TOTPSecret, time.Unix(s*int64(totpPeriod/time.Second), 0))
		if err != nil {
			return err
		}
		if s > c.TOTPLastStep && subtle.ConstantTimeCompare([]byte(code), []byte(want)) == 1 {
			c.TOTPLastStep = s
			c.Failures, c.Lockouts, c.LockedUntil = 0, 0, time.Time{}
			if err := l.putCredentials(c); err != nil {
				return err
			}
			return l.audit("verification", map[string]any{"method": "totp", "ok": true})
		}
	}
	return l.fail(c, "totp", ErrBadTOTP)
}

// ErrBadTOTP means the authenticator code was wrong, stale or already used.
var ErrBadTOTP = &Error{Code: EWRONGPIN, Message: "That authenticator code is not right."}

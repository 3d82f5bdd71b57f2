package wallet

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/argon2"
)

// argon2id parameters for PINs: RFC 9106's second recommended option, with
// fewer passes, since a PIN check must answer within a spoken turn. A DB
// may set its own in PINHashTime and PINHashMemory; each hash is stored with
// the parameters that made it.
const (
	argonTime    = 2
	argonMemory  = 64 * 1024 // KiB
	argonThreads = 2
	argonKeyLen  = 32
)

// Credentials is how the person proves who they are. The PIN is stored only
// as an argon2id hash.
type Credentials struct {
	PINHash     []byte    `json:"pin_hash"`
	Salt        []byte    `json:"salt"`
	HashTime    uint32    `json:"hash_time"`    // argon2id passes
	HashMemory  uint32    `json:"hash_memory"`  // argon2id memory, KiB
	Failures    int       `json:"failures"`     // wrong PINs since the last right one or lockout
	Lockouts    int       `json:"lockouts"`     // lockouts since the last right PIN
	LockedUntil time.Time `json:"locked_until"` // no verification before then

	TOTPSecret   string `json:"totp_secret,omitempty"`    // base32; empty when no authenticator is enrolled
	TOTPLastStep int64  `json:"totp_last_step,omitempty"` // the last time step used, so no code works twice
}

var credKey = []byte("person")

// ValidPIN reports whether pin is acceptable: 4 to 12 digits.
func ValidPIN(pin string) bool {
	if len(pin) < 4 || len(pin) > 12 {
		return false
	}
	for _, r := range pin {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func pinHash(pin string, salt []byte, passes, memory uint32) []byte {
	return argon2.IDKey([]byte(pin), salt, passes, memory, argonThreads, argonKeyLen)
}

// SetPIN sets or replaces the PIN.
func (db *DB) SetPIN(ctx context.Context, pin string) error {
	if !ValidPIN(pin) {
		return fmt.Errorf("set PIN: a PIN is 4 to 12 digits: %w", ErrInvalid)
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return err
	}
	hash := pinHash(pin, salt, db.PINHashTime, db.PINHashMemory)
	return db.write(ctx, func(l *ltx) error {
		c := &Credentials{PINHash: hash, Salt: salt, HashTime: db.PINHashTime, HashMemory: db.PINHashMemory}
		if old, err := getCredentials(l.Tx); err == nil {
			c.TOTPSecret, c.TOTPLastStep = old.TOTPSecret, old.TOTPLastStep
		}
		if err := l.putCredentials(c); err != nil {
			return err
		}
		return l.audit("credential", map[string]string{"event": "pin_set"})
	})
}

// HasPIN reports whether a PIN has been set.
func (db *DB) HasPIN(ctx context.Context) (bool, error) {
	var ok bool
	err := db.view(func(tx *bolt.Tx) error {
		ok = tx.Bucket(bucketCreds).Get(credKey) != nil
		return nil
	})
	return ok, err
}

// pinDigestFor hashes a candidate PIN with the stored salt, outside any write
// transaction: argon2id is slow on purpose and must not stall the ledger.
//
// Each hash takes PINHashMemory, so it runs only when it could count: an
// empty pin (none given) gives a nil digest, a malformed one is refused as
// ErrMalformedPIN, and while verification is locked the lockout is refused
// before any hashing. At most PINHashSlots hashes run at once; a caller that
// waits longer than PINHashWait for a place is refused as busy.
func (db *DB) pinDigestFor(ctx context.Context, pin string) (digest, salt []byte, err error) {
	if pin == "" {
		return nil, nil, nil
	}
	if !ValidPIN(pin) {
		return nil, nil, ErrMalformedPIN
	}
	if _, err := db.unlockedCredentials(); err != nil {
		return nil, nil, err
	}
	if err := db.takePINSlot(ctx); err != nil {
		return nil, nil, err
	}
	defer func() { <-db.pinSlots }()
	// Again: the lockout may have begun while this call waited.
	c, err := db.unlockedCredentials()
	if err != nil {
		return nil, nil, err
	}
	passes, memory := c.HashTime, c.HashMemory
	if passes == 0 || memory == 0 {
		passes, memory = argonTime, argonMemory
	}
	if db.OnPINHash != nil {
		db.OnPINHash()
	}
	digest = pinHash(pin, c.Salt, passes, memory)
	if memory >= bigHash {
		// The hash leaves its memory as garbage, and the next ones took as
		// much again before the collector caught up: five wrong PINs at
		// once held 325 MiB. PINs are checked at a person's pace, and the
		// lockout stops a burst after five, so return it at once.
		debug.FreeOSMemory()
	}
	return digest, c.Salt, nil
}

// bigHash is the hash memory, in KiB, from which a PIN check gives its
// memory back as soon as it is done.
const bigHash = 8 << 10

// pinIfAsked passes on pinDigestFor's answer for a PIN that is checked only
// if risk asks for it: a lockout or a malformed PIN then refuses the call
// only when the PIN is checked, by checkPIN in the transaction, which sees
// the lockout itself and refuses a nil digest.
func pinIfAsked(digest, salt []byte, err error) ([]byte, []byte, error) {
	if errors.Is(err, ErrPINLocked) || errors.Is(err, ErrMalformedPIN) {
		return nil, nil, nil
	}
	return digest, salt, err
}

// unlockedCredentials reads the credentials, refusing while verification
// is locked.
func (db *DB) unlockedCredentials() (*Credentials, error) {
	var c *Credentials
	err := db.view(func(tx *bolt.Tx) (err error) {
		c, err = getCredentials(tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	if now := db.Now(); now.Before(c.LockedUntil) {
		return nil, locked(now, c.LockedUntil, "")
	}
	return c, nil
}

// takePINSlot waits for a place among the PIN hashes in flight, for at most
// PINHashWait or until ctx is done.
func (db *DB) takePINSlot(ctx context.Context) error {
	select {
	case db.pinSlots <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(db.PINHashWait)
	defer t.Stop()
	select {
	case db.pinSlots <- struct{}{}:
		return nil
	case <-t.C:
		return ErrPINBusy
	case <-ctx.Done():
		return ctx.Err()
	}
}

// VerifyPIN checks the PIN, counting failures toward lockout.
func (db *DB) VerifyPIN(ctx context.Context, pin string) error {
	digest, salt, err := db.pinDigestFor(ctx, pin)
	if err != nil {
		return fmt.Errorf("verify PIN: %w", err)
	}
	return db.write(ctx, func(l *ltx) error { return l.checkPIN(digest, salt) })
}

// checkPIN compares a PIN digest with the stored hash. A wrong PIN is counted
// and the count committed; PINAttempts wrong PINs in a row lock verification
// for LockoutBase, doubled for each lockout since the last right PIN. A nil
// digest, for no PIN at all, is refused without counting: it is no guess.
func (l *ltx) checkPIN(digest, salt []byte) error {
	c, err := getCredentials(l.Tx)
	if err != nil {
		return err
	}
	if l.now.Before(c.LockedUntil) {
		return locked(l.now, c.LockedUntil, "")
	}
	if digest == nil {
		return ErrMalformedPIN
	}
	if digest != nil && subtle.ConstantTimeCompare(salt, c.Salt) == 1 &&
		subtle.ConstantTimeCompare(digest, c.PINHash) == 1 {
		c.Failures, c.Lockouts, c.LockedUntil = 0, 0, time.Time{}
		if err := l.putCredentials(c); err != nil {
			return err
		}
		return l.audit("verification", map[string]any{"method": "pin", "ok": true})
	}
	return l.fail(c, "pin", ErrBadPIN)
}

// fail counts a failed verification, locking verification after
// PINAttempts failures in a row, and keeps the count committed.
func (l *ltx) fail(c *Credentials, method string, wrong error) error {
	c.Failures++
	event := map[string]any{"method": method, "ok": false, "failures": c.Failures}
	result := wrong
	l.logFailure(method, c, false)
	if c.Failures >= l.db.PINAttempts {
		c.Failures = 0
		c.Lockouts++
		c.LockedUntil = l.now.Add(lockout(l.db.LockoutBase, c.Lockouts))
		event["locked_until"] = c.LockedUntil
		result = locked(l.now, c.LockedUntil, "too many wrong attempts, ")
		l.logFailure(method, c, true)
	}
	if err := l.putCredentials(c); err != nil {
		return err
	}
	if err := l.audit("verification", event); err != nil {
		return err
	}
	return keep(result)
}

func getCredentials(tx *bolt.Tx) (*Credentials, error) {
	v := tx.Bucket(bucketCreds).Get(credKey)
	if v == nil {
		return nil, ErrNoPIN
	}
	var c Credentials
	if err := json.Unmarshal(v, &c); err != nil {
		return nil, fmt.Errorf("decode credentials: %w", err)
	}
	return &c, nil
}

func (l *ltx) putCredentials(c *Credentials) error {
	v, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return l.put(bucketCreds, credKey, v)
}

// maxLockout caps the doubling of lockouts.
const maxLockout = 24 * time.Hour

// lockout is how long the n-th lockout in a row lasts.
func lockout(base time.Duration, n int) time.Duration {
	d := base
	for i := 1; i < n && d < maxLockout; i++ {
		d *= 2
	}
	return min(d, maxLockout)
}

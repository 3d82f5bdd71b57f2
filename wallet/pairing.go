package wallet

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// PairingTTL is how long a pairing code works.
const PairingTTL = 10 * time.Minute

// pairingAlphabet is what a pairing code is written in: digits and capitals
// without 0, 1, I and O, which read alike. 32 symbols, so each is 5 bits.
const pairingAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// pairingLen is the number of symbols in a code: 40 bits.
const pairingLen = 8

// The refusals of a pairing code, which callers test for with errors.Is.
var (
	ErrPairingCodeExpired = &Error{Code: EEXPIRED, Message: "That pairing code has expired; run voicepay device pair NAME again."}
	ErrPairingCodeUsed    = &Error{Code: EUNAUTHORIZED, Message: "That pairing code was already used."}
	ErrPairingCodeUnknown = &Error{Code: EUNAUTHORIZED, Message: "That pairing code is not right."}
	ErrDevicePaired       = &Error{Code: ECONFLICT, Message: "That device is already paired; revoke it first to pair it again."}
)

// pairing is a pending pairing code as stored, under the code's hash.
type pairing struct {
	Device  string    `json:"device"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
	Used    time.Time `json:"used,omitzero"`
}

// NormalizePairingCode reads a code as a person types it: any case, with or
// without the dash or spaces. It returns the code's symbols in capitals.
func NormalizePairingCode(code string) (string, error) {
	code = strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToUpper(strings.TrimSpace(code)))
	if len(code) != pairingLen || strings.Trim(code, pairingAlphabet) != "" {
		return "", &Error{Code: EINVALID, Message: "A pairing code is 8 letters and digits, like K7QM-3XPD.", cause: ErrInvalid}
	}
	return code, nil
}

func newPairingCode() (string, error) {
	raw := make([]byte, pairingLen)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	b := make([]byte, 0, pairingLen+1)
	for i, v := range raw {
		if i == pairingLen/2 {
			b = append(b, '-')
		}
		b = append(b, pairingAlphabet[int(v)%len(pairingAlphabet)]) // 256 is a multiple of 32
	}
	return string(b), nil
}

func pairingKey(normalized string) []byte {
	sum := sha256.Sum256([]byte("pairing:" + normalized))
	return sum[:]
}

// NewPairingCode issues a one-time code that pairs a user device called
// name, for PairingTTL. Only the code's hash is stored. A name already
// paired is refused until that device is revoked, so that a code never
// silently replaces a device; a new code for a name replaces its pending
// one. Codes past their expiry are deleted.
func (db *DB) NewPairingCode(ctx context.Context, name string) (code string, expires time.Time, err error) {
	if !deviceID.MatchString(name) {
		return "", time.Time{}, &Error{Code: EINVALID, cause: ErrInvalid,
			Message: "A device name is 1-64 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit."}
	}
	if code, err = newPairingCode(); err != nil {
		return "", time.Time{}, err
	}
	norm, _ := NormalizePairingCode(code)
	err = db.write(ctx, func(l *ltx) error {
		if err := l.refusePaired(name); err != nil {
			return err
		}
		if err := l.sweepPairings(name); err != nil {
			return err
		}
		expires = l.now.Add(PairingTTL)
		v, err := json.Marshal(pairing{Device: name, Created: l.now, Expires: expires})
		if err != nil {
			return err
		}
		if err := l.put(bucketPairing, pairingKey(norm), v); err != nil {
			return err
		}
		return l.audit("device", map[string]string{"event": "pairing code issued", "device": name,
			"expires": expires.UTC().Format(time.RFC3339)})
	})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("pairing code for %s: %w", name, err)
	}
	return code, expires, nil
}

// refusePaired refuses a name a device already has.
func (l *ltx) refusePaired(name string) error {
	d, err := getDevice(l.Tx, name)
	if errors.Is(err, ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	what, cmd := "A device", "device"
	if d.Scope == ScopeAgent {
		what, cmd = "An agent", "agent"
	}
	return &Error{Code: ECONFLICT, cause: ErrDevicePaired, Message: fmt.Sprintf(
		"%s called %s is already paired; revoke it first with voicepay %s revoke %s.", what, name, cmd, name)}
}

// sweepPairings deletes the codes past their expiry, and the pending code
// of name, which a new one replaces.
func (l *ltx) sweepPairings(name string) error {
	b := l.Bucket(bucketPairing)
	var stale [][]byte
	err := b.ForEach(func(k, v []byte) error {
		var p pairing
		if err := json.Unmarshal(v, &p); err != nil {
			return fmt.Errorf("decode pairing code: %w", err)
		}
		if !l.now.Before(p.Expires) || (p.Device == name && p.Used.IsZero()) {
			stale = append(stale, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range stale {
		if err := l.del(bucketPairing, k); err != nil {
			return err
		}
	}
	return nil
}

// ExchangePairingCode pairs the device a code was issued for, once, and
// returns it with its token, which is shown once and stored only as a
// hash. The code is marked used in the same transaction, so of many
// concurrent exchanges of one code exactly one succeeds.
func (db *DB) ExchangePairingCode(ctx context.Context, code string) (*Device, string, error) {
	norm, err := NormalizePairingCode(code)
	if err != nil {
		return nil, "", err
	}
	token, err := newToken(ScopeUser)
	if err != nil {
		return nil, "", err
	}
	var d *Device
	err = db.write(ctx, func(l *ltx) error {
		b := l.Bucket(bucketPairing)
		key := pairingKey(norm)
		v := b.Get(key)
		if v == nil {
			return ErrPairingCodeUnknown
		}
		var p pairing
		if err := json.Unmarshal(v, &p); err != nil {
			return fmt.Errorf("decode pairing code: %w", err)
		}
		switch {
		case !p.Used.IsZero():
			return ErrPairingCodeUsed
		case !l.now.Before(p.Expires):
			return &Error{Code: EEXPIRED, cause: ErrPairingCodeExpired, Message: fmt.Sprintf(
				"That pairing code has expired; run voicepay device pair %s again.", p.Device)}
		}
		if err := l.refusePaired(p.Device); err != nil {
			return err
		}
		p.Used = l.now
		if v, err = json.Marshal(p); err != nil {
			return err
		}
		if err := l.put(bucketPairing, key, v); err != nil {
			return err
		}
		d = &Device{ID: p.Device, Scope: ScopeUser, TokenHash: tokenHash(token), Created: l.now}
		return l.pair(d, "pairing code")
	})
	if err != nil {
		return nil, "", fmt.Errorf("exchange pairing code: %w", err)
	}
	return d, token, nil
}

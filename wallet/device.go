package wallet

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Scopes a device token can carry. Only user scope may confirm, authorize or
// approve; agents propose.
const (
	ScopeUser  = "user"
	ScopeAgent = "agent"
)

// Device is a paired principal: the local CLI, a pair of glasses, a browser,
// or an agent. Payments are activated per device.
type Device struct {
	ID          string    `json:"id"`
	Scope       string    `json:"scope"`
	TokenHash   string    `json:"token_hash"`
	Active      bool      `json:"active"` // payments enabled after identity verification
	Created     time.Time `json:"created"`
	ActivatedAt time.Time `json:"activated_at,omitzero"`
	// PINVerifiedAt is when the PIN was last right for activation, while an
	// authenticator code has yet to follow.
	PINVerifiedAt time.Time `json:"pin_verified_at,omitzero"`
	// Grants are what an agent may do (GrantOrders, ...); see AgentGrants.
	// An empty list is stored as such: an agent denied everything.
	Grants []string `json:"grants,omitzero"`
}

var deviceID = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,63}$`)

func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// AddDevice pairs a new device and returns its secret token, which is shown
// once and stored only as a hash. An id that is already paired is refused
// with ErrDevicePaired, decided in the same transaction that would pair it,
// so that of any number of concurrent adds of one id exactly one succeeds.
func (db *DB) AddDevice(ctx context.Context, id, scope string) (string, error) {
	return db.addDevice(ctx, id, scope, false)
}

// ReplaceDevice pairs id anew: a device already paired under id loses its
// token and its activation, and the new token is returned. It is for the
// person's own recovery (voicepay init after the CLI token was lost), never
// for a request from the network.
func (db *DB) ReplaceDevice(ctx context.Context, id, scope string) (string, error) {
	return db.addDevice(ctx, id, scope, true)
}

func (db *DB) addDevice(ctx context.Context, id, scope string, replace bool) (string, error) {
	if !deviceID.MatchString(id) {
		return "", fmt.Errorf("add device %q: ids are 1-64 lowercase letters, digits, '.', '_' or '-': %w", id, ErrInvalid)
	}
	if scope != ScopeUser && scope != ScopeAgent {
		return "", fmt.Errorf("add device %s: scope %q: %w", id, scope, ErrInvalid)
	}
	token, err := newToken(scope)
	if err != nil {
		return "", err
	}
	err = db.write(ctx, func(l *ltx) error {
		if !replace {
			if err := l.refusePaired(id); err != nil {
				return err
			}
		} else if old, err := getDevice(l.Tx, id); err == nil {
			if err := l.del(bucketDevices, []byte("tok:"+old.TokenHash)); err != nil {
				return err
			}
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		d := &Device{ID: id, Scope: scope, TokenHash: tokenHash(token), Created: l.now}
		if scope == ScopeAgent {
			d.Grants = slices.Clone(DefaultGrants)
		}
		return l.pair(d, "")
	})
	if err != nil {
		return "", fmt.Errorf("add device %s: %w", id, err)
	}
	return token, nil
}

// newToken returns a new secret token of scope: "vp_", the scope's initial,
// "_" and 256 random bits in hex.
func newToken(scope string) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	return "vp_" + scope[:1] + "_" + hex.EncodeToString(raw), nil
}

// pair stores a new device and the index of its token hash, and audits
// the pairing and how it was made (via), if not by AddDevice.
func (l *ltx) pair(d *Device, via string) error {
	if err := l.putDevice(d); err != nil {
		return err
	}
	if err := l.put(bucketDevices, []byte("tok:"+d.TokenHash), []byte(d.ID)); err != nil {
		return err
	}
	ev := map[string]string{"event": "paired", "device": d.ID, "scope": d.Scope}
	if via != "" {
		ev["via"] = via
	}
	if d.Scope == ScopeAgent {
		ev["grants"] = strings.Join(d.AgentGrants(), ",")
	}
	l.log(slog.LevelInfo, "paired", "device", d.ID, "scope", d.Scope, "via", via)
	return l.audit("device", ev)
}

// Authenticate returns the device a token belongs to.
func (db *DB) Authenticate(ctx context.Context, token string) (*Device, error) {
	var d *Device
	err := db.view(func(tx *bolt.Tx) error {
		id := tx.Bucket(bucketDevices).Get([]byte("tok:" + tokenHash(token)))
		if id == nil {
			return ErrUnauthorized
		}
		var err error
		d, err = getDevice(tx, string(id))
		return err
	})
	return d, err
}

// Device returns one device.
func (db *DB) Device(ctx context.Context, id string) (*Device, error) {
	if err := db.fault("device"); err != nil {
		return nil, err
	}
	var d *Device
	err := db.view(func(tx *bolt.Tx) (err error) {
		d, err = getDevice(tx, id)
		return err
	})
	return d, err
}

// Devices lists every paired device.
func (db *DB) Devices(ctx context.Context) ([]*Device, error) {
	var out []*Device
	err := db.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketDevices).Cursor()
		prefix := []byte("id:")
		for k, v := c.Seek(prefix); k != nil && len(k) > 3 && string(k[:3]) == "id:"; k, v = c.Next() {
			var d Device
			if err := json.Unmarshal(v, &d); err != nil {
				return err
			}
			out = append(out, &d)
		}
		return nil
	})
	return out, err
}

// RevokeDevice removes a device and its token. Revoking an agent also ends,
// in the same transaction, what it leaves behind (see endAgent).
func (db *DB) RevokeDevice(ctx context.Context, id string) error {
	return db.write(ctx, func(l *ltx) error {
		d, err := getDevice(l.Tx, id)
		if err != nil {
			return err
		}
		return l.revoke(d)
	})
}

func (l *ltx) revoke(d *Device) error {
	if err := l.del(bucketDevices, []byte("tok:"+d.TokenHash)); err != nil {
		return err
	}
	if err := l.del(bucketDevices, []byte("id:"+d.ID)); err != nil {
		return err
	}
	if err := l.audit("device", map[string]string{"event": "revoked", "device": d.ID}); err != nil {
		return err
	}
	if d.Scope == ScopeAgent {
		return l.endAgent(d.ID)
	}
	return nil
}

// RevokeUserDevice revokes a person's device called name, asked from the
// device by. It refuses agents, which voicepay agent revoke handles, and
// the asking device itself, which would lock the person out.
func (db *DB) RevokeUserDevice(ctx context.Context, name, by string) error {
	if name == by {
		return Errorf(EINVALID, "%s is the device you are using; revoke it from another of your devices.", name)
	}
	return db.write(ctx, func(l *ltx) error {
		d, err := getDevice(l.Tx, name)
		if errors.Is(err, ErrNotFound) {
			return Errorf(ENOTFOUND, "There is no device called %s.", name)
		} else if err != nil {
			return err
		}
		if d.Scope != ScopeUser {
			return Errorf(ENOTFOUND, "There is no device called %s; %s is an agent: voicepay agent revoke %s.", name, name, name)
		}
		return l.revoke(d)
	})
}

// UserDevices lists the person's paired devices, without the agents.
func (db *DB) UserDevices(ctx context.Context) ([]*Device, error) {
	all, err := db.Devices(ctx)
	if err != nil {
		return nil, err
	}
	out := []*Device{}
	for _, d := range all {
		if d.Scope == ScopeUser {
			out = append(out, d)
		}
	}
	return out, nil
}

// ActivateDevice enables payments on a user device once the PIN checks out.
// With an authenticator enrolled, a right PIN gives ErrTOTPRequired, and
// ActivateDeviceTOTP must follow with the code.
func (db *DB) ActivateDevice(ctx context.Context, id, pin string) error {
	digest, salt, err := db.pinDigestFor(ctx, pin)
	if err != nil {
		return fmt.Errorf("activate %s: %w", id, err)
	}
	err = db.write(ctx, func(l *ltx) error {
		d, err := l.userDevice(id)
		if err != nil {
			return err
		}
		if err := l.checkPIN(digest, salt); err != nil {
			return err
		}
		if c, err := getCredentials(l.Tx); err != nil {
			return err
		} else if c.TOTPSecret != "" {
			d.PINVerifiedAt = l.now
			if err := l.putDevice(d); err != nil {
				return err
			}
			return keep(ErrTOTPRequired)
		}
		return l.activate(d, "pin")
	})
	if err != nil {
		return fmt.Errorf("activate %s: %w", id, err)
	}
	return nil
}

// ActivateDeviceTOTP finishes activation with the authenticator code, within
// two minutes of the right PIN.
func (db *DB) ActivateDeviceTOTP(ctx context.Context, id, code string) error {
	err := db.write(ctx, func(l *ltx) error {
		d, err := l.userDevice(id)
		if err != nil {
			return err
		}
		if d.PINVerifiedAt.IsZero() || l.now.Sub(d.PINVerifiedAt) > totpWindow {
			return fmt.Errorf("say the PIN first: %w", ErrInvalid)
		}
		if err := l.checkTOTP(code); err != nil {
			return err
		}
		return l.activate(d, "pin+totp")
	})
	if err != nil {
		return fmt.Errorf("activate %s: %w", id, err)
	}
	return nil
}

// ActivateDevicePasskey enables payments on a user device with a passkey
// verification made for its activation, in place of the PIN and any
// authenticator code.
func (db *DB) ActivateDevicePasskey(ctx context.Context, id string, p *PasskeyProof) error {
	err := db.write(ctx, func(l *ltx) error {
		d, err := l.userDevice(id)
		if err != nil {
			return err
		}
		if _, err := l.passkeyMethod(p, PurposeActivation, id, ""); err != nil {
			return err
		}
		return l.activate(d, "passkey")
	})
	if err != nil {
		return fmt.Errorf("activate %s: %w", id, err)
	}
	return nil
}

// userDevice loads a device that may hold payments: one of user scope.
func (l *ltx) userDevice(id string) (*Device, error) {
	d, err := getDevice(l.Tx, id)
	if err != nil {
		return nil, err
	}
	if d.Scope != ScopeUser {
		return nil, fmt.Errorf("an agent cannot enable payments: %w", ErrUnauthorized)
	}
	return d, nil
}

// authorizingDevice checks that a device may authorize payments: paired,
// of user scope, with payments enabled.
func (l *ltx) authorizingDevice(id string) error {
	d, err := l.userDevice(id)
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("device %q is not paired: %w", id, ErrUnauthorized)
	} else if err != nil {
		return err
	}
	if !d.Active {
		return fmt.Errorf("device %s has not enabled payments: %w", id, ErrUnauthorized)
	}
	return nil
}

func (l *ltx) activate(d *Device, method string) error {
	d.Active, d.ActivatedAt, d.PINVerifiedAt = true, l.now, time.Time{}
	if err := l.putDevice(d); err != nil {
		return err
	}
	return l.audit("device", map[string]string{"event": "activated", "device": d.ID, "method": method})
}

// DeactivateDevice disables payments on a device.
func (db *DB) DeactivateDevice(ctx context.Context, id string) error {
	return db.write(ctx, func(l *ltx) error {
		d, err := getDevice(l.Tx, id)
		if err != nil {
			return err
		}
		d.Active = false
		if err := l.putDevice(d); err != nil {
			return err
		}
		return l.audit("device", map[string]string{"event": "deactivated", "device": id})
	})
}

func getDevice(tx *bolt.Tx, id string) (*Device, error) {
	v := tx.Bucket(bucketDevices).Get([]byte("id:" + id))
	if v == nil {
		return nil, fmt.Errorf("device %s: %w", id, ErrNotFound)
	}
	var d Device
	if err := json.Unmarshal(v, &d); err != nil {
		return nil, fmt.Errorf("decode device %s: %w", id, err)
	}
	return &d, nil
}

func (l *ltx) putDevice(d *Device) error {
	v, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return l.put(bucketDevices, []byte("id:"+d.ID), v)
}

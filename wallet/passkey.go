package wallet

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"
	bolt "go.etcd.io/bbolt"
)

// Passkey is a WebAuthn credential the person registered on a companion
// device: with it, nothing secret is said aloud. The wallet keeps its public
// key and signature counter; the ceremonies themselves run in agent/ws.
type Passkey struct {
	ID         string              `json:"id"` // the credential id, base64url without padding
	Name       string              `json:"name"`
	Created    time.Time           `json:"created"`
	LastUsed   time.Time           `json:"last_used,omitzero"`
	Revoked    bool                `json:"revoked,omitempty"`
	Credential webauthn.Credential `json:"credential"` // public key, sign count, AAGUID, flags
}

// Purposes a passkey verification is for: each binds the assertion to what
// it approves.
const (
	PurposeActivation   = "activation"   // enabling payments on a device
	PurposePayment      = "payment"      // step-up before paying an order
	PurposeUnfreeze     = "unfreeze"     // letting payments leave a frozen wallet
	PurposeSubscription = "subscription" // approving a subscription mandate
)

// passkeyProofLife is how long a verified assertion may take to be used.
const passkeyProofLife = 2 * time.Minute

// PasskeyUse is a passkey assertion whose signature agent/ws has checked:
// the credential, the counter it carried, and what it was bound to.
type PasskeyUse struct {
	CredentialID []byte
	SignCount    uint32
	Purpose      string
	Device       string // the user device whose dialog waits for it
	Subject      string // the order's or mandate's hash, or the activation's binding
}

// PasskeyProof is the wallet's word that a passkey use was accepted: not
// revoked, its counter moving forward. Only UsePasskey makes one, so a
// method that takes a proof knows the person verified.
type PasskeyProof struct {
	Credential string    `json:"credential"`
	Purpose    string    `json:"purpose"`
	Device     string    `json:"device"`
	Subject    string    `json:"subject"`
	At         time.Time `json:"at"`
	issued     bool
}

// check reports whether p approves purpose for subject, from device, at now.
func (p *PasskeyProof) check(purpose, device, subject string, now time.Time) error {
	if p == nil || !p.issued || p.Purpose != purpose || p.Device != device ||
		(subject != "" && p.Subject != subject) || now.Sub(p.At) > passkeyProofLife {
		return fmt.Errorf("the passkey verification is not for this %s: %w", purpose, ErrUnauthorized)
	}
	return nil
}

// Passkey refusals.
var (
	ErrPasskeyRevoked = &Error{Code: EUNAUTHORIZED, Message: "That passkey was revoked."}
	ErrPasskeyClone   = &Error{Code: EUNAUTHORIZED, Message: "That passkey's counter went backwards, so it may have been copied; it was not accepted."}
	ErrNoPasskey      = &Error{Code: ESTATE, Message: "No passkey is registered. Register one on your phone first."}
)

var (
	passkeyUserKey   = []byte("user")       // the person's WebAuthn user handle
	spokenPINOffKey  = []byte("spoken_pin") // present when the PIN may not be said
	passkeyKeyPrefix = []byte("cred:")
)

// PasskeyID is how a credential id is written: base64url without padding.
func PasskeyID(raw []byte) string { return base64.RawURLEncoding.EncodeToString(raw) }

// PasskeyUser returns the user handle of the wallet's one person, making it
// on first use: 32 random bytes, never shown.
func (db *DB) PasskeyUser(ctx context.Context) ([]byte, error) {
	var handle []byte
	err := db.view(func(tx *bolt.Tx) error {
		handle = bytes.Clone(tx.Bucket(bucketPasskeys).Get(passkeyUserKey))
		return nil
	})
	if err != nil || handle != nil {
		return handle, err
	}
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	err = db.write(ctx, func(l *ltx) error {
		b := l.Bucket(bucketPasskeys)
		if v := b.Get(passkeyUserKey); v != nil { // made meanwhile
			handle = bytes.Clone(v)
			return nil
		}
		handle = fresh
		return l.put(bucketPasskeys, passkeyUserKey, fresh)
	})
	if err != nil {
		return nil, fmt.Errorf("passkey user: %w", err)
	}
	return handle, nil
}

// AddPasskey stores a credential the registration ceremony created.
func (db *DB) AddPasskey(ctx context.Context, name string, c webauthn.Credential) (*Passkey, error) {
	if len(c.ID) == 0 || len(c.PublicKey) == 0 {
		return nil, fmt.Errorf("add passkey: no credential: %w", ErrInvalid)
	}
	if name == "" {
		name = "passkey"
	}
	var p *Passkey
	err := db.write(ctx, func(l *ltx) error {
		id := PasskeyID(c.ID)
		if l.Bucket(bucketPasskeys).Get(append(bytes.Clone(passkeyKeyPrefix), id...)) != nil {
			return fmt.Errorf("passkey %s is registered already: %w", id, ErrInvalid)
		}
		p = &Passkey{ID: id, Name: name, Created: l.now, Credential: c}
		if err := l.putPasskey(p); err != nil {
			return err
		}
		return l.audit("credential", map[string]string{"event": "passkey_registered", "passkey": id, "name": name})
	})
	if err != nil {
		return nil, fmt.Errorf("add passkey: %w", err)
	}
	return p, nil
}

// Passkeys lists every registered passkey, revoked ones too.
func (db *DB) Passkeys(ctx context.Context) ([]*Passkey, error) {
	var out []*Passkey
	err := db.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketPasskeys).Cursor()
		for k, v := c.Seek(passkeyKeyPrefix); k != nil && bytes.HasPrefix(k, passkeyKeyPrefix); k, v = c.Next() {
			var p Passkey
			if err := json.Unmarshal(v, &p); err != nil {
				return fmt.Errorf("decode passkey %s: %w", k, err)
			}
			out = append(out, &p)
		}
		return nil
	})
	return out, err
}

// HasPasskey reports whether a passkey that is not revoked is registered.
func (db *DB) HasPasskey(ctx context.Context) (bool, error) {
	var ok bool
	err := db.view(func(tx *bolt.Tx) (err error) {
		ok, err = hasPasskey(tx)
		return err
	})
	return ok, err
}

func hasPasskey(tx *bolt.Tx) (bool, error) {
	c := tx.Bucket(bucketPasskeys).Cursor()
	for k, v := c.Seek(passkeyKeyPrefix); k != nil && bytes.HasPrefix(k, passkeyKeyPrefix); k, v = c.Next() {
		var p Passkey
		if err := json.Unmarshal(v, &p); err != nil {
			return false, fmt.Errorf("decode passkey %s: %w", k, err)
		}
		if !p.Revoked {
			return true, nil
		}
	}
	return false, nil
}

// RevokePasskey revokes a passkey: it verifies nothing from then on.
// Revoking the last one lets the PIN be said again, so that the person is
// never left without a way to verify by voice.
func (db *DB) RevokePasskey(ctx context.Context, id string) error {
	err := db.write(ctx, func(l *ltx) error {
		p, err := getPasskey(l.Tx, id)
		if err != nil {
			return err
		}
		if p.Revoked {
			return nil
		}
		p.Revoked = true
		if err := l.putPasskey(p); err != nil {
			return err
		}
		if err := l.audit("credential", map[string]string{"event": "passkey_revoked", "passkey": id}); err != nil {
			return err
		}
		if ok, err := hasPasskey(l.Tx); err != nil || ok {
			return err
		}
		return l.setSpokenPIN(true)
	})
	if err != nil {
		return fmt.Errorf("revoke passkey %s: %w", id, err)
	}
	return nil
}

// UsePasskey accepts a checked assertion: the credential must be registered
// and not revoked, and its signature counter must move forward (a counter
// that stays or goes back means the key may have been copied; the refusal
// is audited). The counter and flags are saved, and the proof returned is
// what the methods that need the person's verification take.
func (db *DB) UsePasskey(ctx context.Context, u PasskeyUse) (*PasskeyProof, error) {
	var proof *PasskeyProof
	id := PasskeyID(u.CredentialID)
	err := db.write(ctx, func(l *ltx) error {
		p, err := getPasskey(l.Tx, id)
		if err != nil {
			return err
		}
		if p.Revoked {
			return ErrPasskeyRevoked
		}
		stored := p.Credential.Authenticator.SignCount
		if u.SignCount <= stored && (u.SignCount != 0 || stored != 0) {
			if err := l.audit("verification", map[string]any{"method": "passkey", "ok": false, "passkey": id,
				"clone_warning": true, "sign_count": u.SignCount, "stored": stored}); err != nil {
				return err
			}
			return keep(ErrPasskeyClone)
		}
		p.Credential.Authenticator.SignCount, p.LastUsed = u.SignCount, l.now
		if err := l.putPasskey(p); err != nil {
			return err
		}
		proof = &PasskeyProof{Credential: id, Purpose: u.Purpose, Device: u.Device, Subject: u.Subject, At: l.now, issued: true}
		return l.audit("verification", map[string]any{"method": "passkey", "ok": true, "passkey": id,
			"purpose": u.Purpose, "device": u.Device, "subject": u.Subject})
	})
	if err != nil {
		return nil, fmt.Errorf("use passkey %s: %w", id, err)
	}
	return proof, nil
}

// SpokenPIN reports whether the PIN may be said in the dialog: it may,
// unless the person turned it off.
func (db *DB) SpokenPIN(ctx context.Context) (bool, error) {
	on := true
	err := db.view(func(tx *bolt.Tx) error {
		on = tx.Bucket(bucketPasskeys).Get(spokenPINOffKey) == nil
		return nil
	})
	return on, err
}

// SetSpokenPIN turns the spoken PIN on or off. Off is refused unless a
// passkey is registered: the person must have some way to verify.
func (db *DB) SetSpokenPIN(ctx context.Context, enabled bool) error {
	err := db.write(ctx, func(l *ltx) error {
		if !enabled {
			ok, err := hasPasskey(l.Tx)
			if err != nil {
				return err
			}
			if !ok {
				return ErrNoPasskey
			}
		}
		return l.setSpokenPIN(enabled)
	})
	if err != nil {
		return fmt.Errorf("set spoken PIN: %w", err)
	}
	return nil
}

func (l *ltx) setSpokenPIN(enabled bool) error {
	b := l.Bucket(bucketPasskeys)
	if (b.Get(spokenPINOffKey) == nil) == enabled {
		return nil
	}
	var err error
	if enabled {
		err = l.del(bucketPasskeys, spokenPINOffKey)
	} else {
		err = l.put(bucketPasskeys, spokenPINOffKey, []byte("off"))
	}
	if err != nil {
		return err
	}
	return l.audit("credential", map[string]any{"event": "spoken_pin", "enabled": enabled})
}

func getPasskey(tx *bolt.Tx, id string) (*Passkey, error) {
	v := tx.Bucket(bucketPasskeys).Get(append(bytes.Clone(passkeyKeyPrefix), id...))
	if v == nil {
		return nil, fmt.Errorf("passkey %s: %w", id, ErrNotFound)
	}
	var p Passkey
	if err := json.Unmarshal(v, &p); err != nil {
		return nil, fmt.Errorf("decode passkey %s: %w", id, err)
	}
	return &p, nil
}

func (l *ltx) putPasskey(p *Passkey) error {
	v, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return l.put(bucketPasskeys, append(bytes.Clone(passkeyKeyPrefix), p.ID...), v)
}

// passkeyMethod checks a passkey proof for purpose and subject, when one is
// given, and names the method a receipt records.
func (l *ltx) passkeyMethod(p *PasskeyProof, purpose, device, subject string) (string, error) {
	if err := p.check(purpose, device, subject, l.now); err != nil {
		return "", err
	}
	k, err := getPasskey(l.Tx, p.Credential)
	switch {
	case errors.Is(err, ErrNotFound):
		return "", fmt.Errorf("passkey %s: %w", p.Credential, ErrUnauthorized)
	case err != nil:
		return "", err
	case k.Revoked:
		return "", ErrPasskeyRevoked
	}
	return "passkey", nil
}

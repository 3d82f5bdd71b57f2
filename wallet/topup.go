package wallet

import (
	"context"
	"fmt"
)

// Topup moves amount from the external funding source into the user's
// account: at most MaxTopup at a time, and never past MaxBalance.
func (db *DB) Topup(ctx context.Context, key string, amount int64) (*Transfer, error) {
	var t *Transfer
	err := db.write(ctx, func(l *ltx) (err error) {
		t, err = idempotent(l, "topup", key, amount, func() (*Transfer, error) {
			if amount <= 0 || amount > MaxTopup {
				return nil, invalid("A top-up is more than 0 and at most %d minor units, not %d.", int64(MaxTopup), amount)
			}
			t := &Transfer{Kind: Single, Debit: ExternalAccount, Credit: UserAccount, Amount: amount, Ref: "topup"}
			return t, l.transfer(t)
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("top up %d: %w", amount, err)
	}
	return t, nil
}

// Freeze stops every debit of the user's account until Unfreeze. Open holds
// stay held; they can be voided but not posted.
func (db *DB) Freeze(ctx context.Context) error { return db.setFrozen(ctx, true, "") }

// Unfreeze lets the user's account pay again once the PIN checks out.
func (db *DB) Unfreeze(ctx context.Context, pin string) error { return db.setFrozen(ctx, false, pin) }

// UnfreezePasskey unfreezes the wallet with a passkey verification made
// for it on device, in place of the PIN.
func (db *DB) UnfreezePasskey(ctx context.Context, device string, p *PasskeyProof) error {
	return db.write(ctx, func(l *ltx) error {
		if _, err := l.passkeyMethod(p, PurposeUnfreeze, device, ""); err != nil {
			return err
		}
		return l.putFrozen(false)
	})
}

func (db *DB) setFrozen(ctx context.Context, frozen bool, pin string) error {
	var digest, salt []byte
	if !frozen {
		var err error
		if digest, salt, err = db.pinDigestFor(ctx, pin); err != nil {
			return fmt.Errorf("unfreeze: %w", err)
		}
	}
	return db.write(ctx, func(l *ltx) error {
		if !frozen {
			if err := l.checkPIN(digest, salt); err != nil {
				return err
			}
		}
		return l.putFrozen(frozen)
	})
}

func (l *ltx) putFrozen(frozen bool) error {
	a, err := getAccount(l.Tx, UserAccount)
	if err != nil {
		return err
	}
	a.Frozen = frozen
	if err := putAccount(l.Tx, a); err != nil {
		return err
	}
	event := map[bool]string{true: "frozen", false: "unfrozen"}[frozen]
	return l.audit("account", map[string]string{"event": event, "account": UserAccount})
}

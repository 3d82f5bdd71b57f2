package wallet

import (
	"context"

	bolt "go.etcd.io/bbolt"
)

// SetNoSync turns off fsync, for benchmarks that only need a large ledger
// to exist quickly.
func (db *DB) SetNoSync(v bool) { db.bolt.NoSync = v }

// The Force calls write, through the ledger and on the audit chain, what a
// defect or a compromised daemon would leave behind: a debit, a charge or a
// receipt that no defence let through. The ledger stays consistent, so that
// claim tests can show the evidence a claim finds in each case.

// ForceDebit moves amount from the user to payee with ref, frozen or not.
func (db *DB) ForceDebit(ctx context.Context, payee string, amount int64, ref string) (*Transfer, error) {
	var t *Transfer
	err := db.write(ctx, func(l *ltx) error {
		u, err := getAccount(l.Tx, UserAccount)
		if err != nil {
			return err
		}
		frozen := u.Frozen
		if err := l.setFrozenFlag(false); err != nil {
			return err
		}
		t = &Transfer{Kind: Single, Debit: UserAccount, Credit: payee, Amount: amount, Ref: ref}
		if err := l.transfer(t); err != nil {
			return err
		}
		return l.setFrozenFlag(frozen)
	})
	return t, err
}

func (l *ltx) setFrozenFlag(frozen bool) error {
	u, err := getAccount(l.Tx, UserAccount)
	if err != nil {
		return err
	}
	u.Frozen = frozen
	return putAccount(l.Tx, u)
}

// ForceCharge charges amount under mandate id for agent, past every check
// of the mandate.
func (db *DB) ForceCharge(ctx context.Context, id uint64, agent string, amount int64) (*Charge, error) {
	var c *Charge
	err := db.write(ctx, func(l *ltx) error {
		m, err := getMandate(l.Tx, id)
		if err != nil {
			return err
		}
		m = m.at(l.now)
		if c, err = l.charge(m, agent, amount, amount); err != nil {
			return err
		}
		return l.putMandate(m, "charged", c, "")
	})
	return c, err
}

// ForceReceipt signs order id's receipt again, as made on device.
func (db *DB) ForceReceipt(ctx context.Context, id uint64, device string) error {
	return db.write(ctx, func(l *ltx) error {
		o, err := getOrder(l.Tx, id)
		if err != nil {
			return err
		}
		o.Receipt = l.db.sign(o, device, o.Receipt.Method, o.Receipt.Time)
		return l.putOrder(o, "paid")
	})
}

// HashOf reports whether a record binding's hash, hex or base64, binds v.
func HashOf(hash string, v []byte) bool { return hashOf(hash, v) }

// ForceTransfer moves amount from debit to credit, through the ledger and
// on the audit chain, as no call of the wallet's does: tests bring
// balances near their bounds with it.
func (db *DB) ForceTransfer(ctx context.Context, debit, credit string, amount int64) (*Transfer, error) {
	t := &Transfer{Kind: Single, Debit: debit, Credit: credit, Amount: amount, Ref: "test"}
	err := db.write(ctx, func(l *ltx) error { return l.transfer(t) })
	return t, err
}

// Watched is how many orders and mandates have watchers.
func Watched(db *DB) int {
	db.watches.mu.Lock()
	defer db.watches.mu.Unlock()
	return len(db.watches.m)
}

// Unpack is the JSON of a value as the ledger stores it, packed or plain.
func Unpack(v []byte) ([]byte, error) { return unpack(v) }

// View reads the ledger's bbolt file in a read transaction.
func (db *DB) View(fn func(*bolt.Tx) error) error { return db.view(fn) }

package wallet

import (
	"context"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Account is one side of double-entry bookkeeping. Amounts are minor units.
// A user account never lets posted and pending debits exceed posted credits.
type Account struct {
	ID             string `json:"id"`
	Currency       string `json:"currency"`
	DebitsPosted   int64  `json:"debits_posted"`
	CreditsPosted  int64  `json:"credits_posted"`
	DebitsPending  int64  `json:"debits_pending"`
	CreditsPending int64  `json:"credits_pending"`
	Frozen         bool   `json:"frozen,omitempty"`
}

// Balance is posted credits less posted debits.
func (a *Account) Balance() int64 { return a.CreditsPosted - a.DebitsPosted }

// Available is what can still be spent: the balance less pending holds.
func (a *Account) Available() int64 { return a.Balance() - a.DebitsPending }

// limited reports whether debits must not exceed credits on this account.
// Only the user's money is limited; merchants, the funding source and the
// compensation fund may run negative.
func (a *Account) limited() bool { return a.ID == UserAccount }

// Account returns one account.
func (db *DB) Account(ctx context.Context, id string) (*Account, error) {
	if err := db.fault("account"); err != nil {
		return nil, err
	}
	var a *Account
	err := db.view(func(tx *bolt.Tx) (err error) {
		a, err = getAccount(tx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("account %s: %w", id, err)
	}
	return a, nil
}

// Accounts returns every account, in id order.
func (db *DB) Accounts(ctx context.Context) ([]*Account, error) {
	var out []*Account
	err := db.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketAccounts).ForEach(func(k, v []byte) error {
			a, err := decodeAccount(string(k), v)
			if err != nil {
				return err
			}
			out = append(out, a)
			return nil
		})
	})
	return out, err
}

func getAccount(tx *bolt.Tx, id string) (*Account, error) {
	v := tx.Bucket(bucketAccounts).Get([]byte(id))
	if v == nil {
		return nil, ErrNotFound
	}
	return decodeAccount(id, v)
}

// Accounts are stored in a fixed binary layout, since every transfer reads
// and writes two of them: a version byte, the four totals as big-endian
// int64s, a flags byte, then the currency.
const (
	accountVersion = 1
	accountSize    = 1 + 4*8 + 1
	accountFrozen  = 1 << 0
)

func (a *Account) encode() []byte {
	b := make([]byte, accountSize, accountSize+len(a.Currency))
	b[0] = accountVersion
	for i, v := range []int64{a.DebitsPosted, a.CreditsPosted, a.DebitsPending, a.CreditsPending} {
		binary.BigEndian.PutUint64(b[1+8*i:], uint64(v))
	}
	if a.Frozen {
		b[accountSize-1] |= accountFrozen
	}
	return append(b, a.Currency...)
}

func decodeAccount(id string, b []byte) (*Account, error) {
	if len(b) < accountSize || b[0] != accountVersion {
		return nil, fmt.Errorf("decode account %s: %d bytes, version %d", id, len(b), b[0])
	}
	total := func(i int) int64 { return int64(binary.BigEndian.Uint64(b[1+8*i:])) }
	return &Account{ID: id, Currency: string(b[accountSize:]),
		DebitsPosted: total(0), CreditsPosted: total(1), DebitsPending: total(2), CreditsPending: total(3),
		Frozen: b[accountSize-1]&accountFrozen != 0}, nil
}

// getOrCreateAccount returns an account, creating merchant and payee
// accounts the first time money reaches them.
func getOrCreateAccount(tx *bolt.Tx, id, currency string) (*Account, error) {
	a, err := getAccount(tx, id)
	if err == ErrNotFound {
		return &Account{ID: id, Currency: currency}, nil
	}
	return a, err
}

func putAccount(tx *bolt.Tx, a *Account) error {
	return tx.Bucket(bucketAccounts).Put([]byte(a.ID), a.encode())
}

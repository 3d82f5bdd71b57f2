package wallet

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// idemRecord is what an idempotency key remembers: a digest of the request
// and the result it produced.
type idemRecord struct {
	Params string          `json:"params"`
	Result json.RawMessage `json:"result"`
	At     int64           `json:"at,omitempty"` // when, in Unix seconds, for pruning
}

// idempotent runs fn once per key. The same key with the same parameters
// returns the first result without running fn again; the same key with other
// parameters is ErrIdempotencyConflict. The key is recorded in the same
// transaction as fn's writes. Keys are scoped by op.
func idempotent[T any](l *ltx, op, key string, params any, fn func() (T, error)) (T, error) {
	var zero T
	if key == "" {
		return zero, ErrNoIdempotencyKey
	}
	p, err := json.Marshal(params)
	if err != nil {
		return zero, fmt.Errorf("encode %s params: %w", op, err)
	}
	sum := sha256.Sum256(p)
	digest := hex.EncodeToString(sum[:])
	k := []byte(op + "\x00" + key)
	b := l.Bucket(bucketIdem)
	if v := b.Get(k); v != nil {
		var rec idemRecord
		if err := decodeStored(v, &rec); err != nil {
			return zero, fmt.Errorf("decode idempotency record: %w", err)
		}
		if rec.Params != digest {
			return zero, fmt.Errorf("%s key %q: %w", op, key, ErrIdempotencyConflict)
		}
		var out T
		if err := json.Unmarshal(rec.Result, &out); err != nil {
			return zero, fmt.Errorf("decode idempotent result: %w", err)
		}
		return out, nil
	}
	out, err := fn()
	if err != nil {
		return out, err
	}
	res, err := json.Marshal(out)
	if err != nil {
		return zero, err
	}
	v, err := json.Marshal(idemRecord{Params: digest, Result: res, At: l.now.Unix()})
	if err != nil {
		return zero, err
	}
	return out, l.put(bucketIdem, k, v)
}

// recall reads the result the call op made under key returned, which the
// key's record keeps. It reports false when no call under key succeeded.
func recall[T any](db *DB, op, key string) (T, bool, error) {
	var out T
	var v []byte
	err := db.view(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketIdem).Get([]byte(op + "\x00" + key)); b != nil {
			v = append([]byte(nil), b...)
		}
		return nil
	})
	if err != nil || v == nil {
		return out, false, err
	}
	var rec idemRecord
	if err := decodeStored(v, &rec); err != nil {
		return out, false, fmt.Errorf("decode idempotency record: %w", err)
	}
	if err := json.Unmarshal(rec.Result, &out); err != nil {
		return out, false, fmt.Errorf("decode idempotent result: %w", err)
	}
	return out, true, nil
}

// AuthorizedOrder returns the order that AuthorizeOrder paid under key, as
// it returned it then, with its receipt; ErrNotFound when nothing was paid
// under key. A caller that lost the answer to a payment asks it here
// rather than pay again.
func (db *DB) AuthorizedOrder(ctx context.Context, key string) (*Order, error) {
	return recalledOrder(db, "authorize_order", key)
}

// ConfirmedOrder returns the order that ConfirmOrder confirmed under key,
// as it returned it then; ErrNotFound when nothing was confirmed under key.
func (db *DB) ConfirmedOrder(ctx context.Context, key string) (*Order, error) {
	return recalledOrder(db, "confirm_order", key)
}

func recalledOrder(db *DB, op, key string) (*Order, error) {
	if err := db.fault("order"); err != nil {
		return nil, err
	}
	o, ok, err := recall[*Order](db, op, key)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%s key %q: %w", op, key, err)
	case !ok || o == nil:
		return nil, fmt.Errorf("%s key %q: %w", op, key, ErrNotFound)
	}
	return o, nil
}

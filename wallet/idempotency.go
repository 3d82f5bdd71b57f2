package wallet

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// idemRecord is what an idempotency key remembers: a digest of the request
// and the result it produced.
type idemRecord struct {
	Params string          `json:"params"`
	Result json.RawMessage `json:"result"`
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
		if err := json.Unmarshal(v, &rec); err != nil {
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
	v, err := json.Marshal(idemRecord{Params: digest, Result: res})
	if err != nil {
		return zero, err
	}
	return out, l.put(bucketIdem, k, v)
}

package wallet

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// SaveSession stores a device's dialog state, so that a dialog in progress
// survives a restart. The wallet keeps it opaque. A state the ledger already
// holds is not written again: the dialog saves on every turn, and most turns
// change nothing, and a write copies pages and syncs the file.
func (db *DB) SaveSession(ctx context.Context, device string, state any) error {
	v, err := json.Marshal(state)
	if err != nil {
		return fmt.Errorf("save session %s: %w", device, err)
	}
	var same bool
	err = db.view(func(tx *bolt.Tx) error {
		same = bytes.Equal(tx.Bucket(bucketSessions).Get([]byte(device)), v)
		return nil
	})
	if err != nil || same {
		return err
	}
	return db.write(ctx, func(l *ltx) error {
		return l.Bucket(bucketSessions).Put([]byte(device), v)
	})
}

// LoadSession reads a device's dialog state into state. It reports false
// when the device has none.
func (db *DB) LoadSession(ctx context.Context, device string, state any) (bool, error) {
	var v []byte
	err := db.view(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketSessions).Get([]byte(device)); b != nil {
			v = append([]byte(nil), b...)
		}
		return nil
	})
	if err != nil || v == nil {
		return false, err
	}
	if err := json.Unmarshal(v, state); err != nil {
		return false, fmt.Errorf("load session %s: %w", device, err)
	}
	return true, nil
}

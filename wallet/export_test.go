package wallet

// SetNoSync turns off fsync, for benchmarks that only need a large ledger
// to exist quickly.
func (db *DB) SetNoSync(v bool) { db.bolt.NoSync = v }

// HashOf reports whether a record binding's hash, hex or base64, binds v.
func HashOf(hash string, v []byte) bool { return hashOf(hash, v) }

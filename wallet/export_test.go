package wallet

// SetNoSync turns off fsync, for benchmarks that only need a large ledger
// to exist quickly.
func (db *DB) SetNoSync(v bool) { db.bolt.NoSync = v }

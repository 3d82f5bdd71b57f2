package wallet_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/voicepay/voicepay/wallet"
)

// bigTransfers is how many transfers the large ledger of the open and verify
// benchmarks holds.
const bigTransfers = 100_000

// bigWallet returns the path of a ledger of bigTransfers top-ups, built once
// and kept in the system's temporary directory, since building it takes
// longer than the benchmarks themselves.
func bigWallet(b *testing.B) string {
	b.Helper()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("voicepay-bench-%d-v3.db", bigTransfers))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	tmp := path + ".building"
	os.Remove(tmp)
	db := MustOpenDB(b, WithPath(tmp))
	db.SetNoSync(true)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range sessions {
		wg.Go(func() {
			for i := next.Add(1); i <= bigTransfers; i = next.Add(1) {
				if _, err := db.Topup(context.Background(), fmt.Sprintf("big-%d", i), 100+i%1000); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	db.SetNoSync(false)
	db.MustClose()
	if b.Failed() {
		b.FailNow()
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkOpen measures opening a large ledger, with the checks Open runs
// on its file.
func BenchmarkOpen(b *testing.B) {
	path := bigWallet(b)
	info, _ := os.Stat(path)
	b.ReportMetric(float64(info.Size())/(1<<20), "MiB")
	b.ResetTimer()
	for range b.N {
		db := wallet.NewDB(path, NewRiskScreen())
		db.SweepInterval = 0
		if err := db.Open(); err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
}

// BenchmarkVerifyAudit measures verifying a large ledger's audit chain.
func BenchmarkVerifyAudit(b *testing.B) {
	db := MustOpenDB(b, WithPath(bigWallet(b)))
	b.ResetTimer()
	for range b.N {
		if _, err := db.VerifyAudit(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

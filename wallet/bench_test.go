package wallet_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/voicepay/voicepay/risk"
	"github.com/voicepay/voicepay/wallet"
)

// sessions is how many people pay at once in the benchmarks.
const sessions = 64

// parallelism makes b.RunParallel start about sessions goroutines.
func parallelism() int {
	procs := runtime.GOMAXPROCS(0)
	return (sessions + procs - 1) / procs
}

// BenchmarkPayment measures durable payments: the confirmation and the
// authorization of an order already drafted, each its own fsynced write,
// from many sessions at once, screened by the real risk engine.
func BenchmarkPayment(b *testing.B) {
	// The daily limit would block a benchmark's worth of coffee.
	limits := risk.DefaultLimits()
	limits.DailyLimit = 1 << 50
	db := MustOpenDB(b, WithScreen(RiskScreen{Engine: risk.New(limits)}))
	ctx := context.Background()

	// Each order has its own amount, as real payments do, so that none
	// trips the repeat rule. All stay under the step-up thresholds.
	amount := func(i int) int64 { return 1000 + int64(i%15000) }
	var total int64
	for i := range b.N {
		total += amount(i)
	}
	db.MustTopup(b, total)
	ids := make([]uint64, b.N)
	var wg sync.WaitGroup
	var next atomic.Int64
	for range sessions {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < b.N; i = int(next.Add(1) - 1) {
				o, err := db.CreateOrder(ctx, fmt.Sprintf("create-%d", i), wallet.OrderDraft{
					Payee:   wallet.MerchantAccount(fmt.Sprintf("m%d", i%sessions)),
					Lines:   []wallet.Line{{Item: "coffee", Quantity: 1, UnitPrice: amount(i)}},
					Channel: "voice",
				})
				if err != nil {
					b.Error(err)
					return
				}
				ids[i] = o.ID
			}
		})
	}
	wg.Wait()
	if b.Failed() {
		return
	}

	auth := wallet.Authorization{Device: "glasses", Method: "session"}
	next.Store(0)
	b.SetParallelism(parallelism())
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := ids[next.Add(1)-1]
			if _, err := db.ConfirmOrder(ctx, fmt.Sprintf("confirm-%d", id), id); err != nil {
				b.Error(err)
				return
			}
			if _, err := db.AuthorizeOrder(ctx, fmt.Sprintf("authorize-%d", id), id, auth); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "payments/s")
}

// BenchmarkBoltUpdate is the baseline of raw bbolt: one put per fsynced
// Update, from as many goroutines as BenchmarkPayment, default options.
func BenchmarkBoltUpdate(b *testing.B) { benchmarkBolt(b, (*bolt.DB).Update) }

// BenchmarkBoltBatch is the same with Batch, which coalesces concurrent
// puts into shared commits.
func BenchmarkBoltBatch(b *testing.B) { benchmarkBolt(b, (*bolt.DB).Batch) }

func benchmarkBolt(b *testing.B, write func(*bolt.DB, func(*bolt.Tx) error) error) {
	db, err := bolt.Open(filepath.Join(b.TempDir(), "bolt.db"), 0o600, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	bucket := []byte("puts")
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucket(bucket)
		return err
	}); err != nil {
		b.Fatal(err)
	}
	value := make([]byte, 128)
	var seq atomic.Uint64
	b.SetParallelism(parallelism())
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			key := binary.BigEndian.AppendUint64(nil, seq.Add(1))
			if err := write(db, func(tx *bolt.Tx) error {
				return tx.Bucket(bucket).Put(key, value)
			}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "puts/s")
}

package wallet_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/voicepay/voicepay/risk"
	"github.com/voicepay/voicepay/wallet"
)

// The growth benchmarks run a day and a bit of operations before they start
// counting, so that what a ledger in use has anyway (its buckets, accounts
// and counters, and a window's worth of idempotency records, which the
// sweeper prunes hourly as new ones come) is not charged to the operations
// measured: a payment every 75 s, a charge every 30 s.
const (
	paymentWarmup = 1300
	chargeWarmup  = 3000
)

// BenchmarkLedgerGrowth measures what the ledger file grows by for each
// payment and each usage charge, one at a time as a person or an agent
// makes them, over a real file, closed and measured read-only: the extent
// of the file bbolt has written (B/op: its pages, free ones included, but
// not the room it grows the file by ahead of need, up to 16 MiB at a time),
// and bbolt's own count of the pages the buckets use times the page size
// (inuse-B/op), which leaves out the free pages the file keeps for reuse;
// and the same without the idempotency records (kept-B/op), whose pages
// the pruning of a day's window holds steady, so that what a run adds is
// what the ledger keeps for good.
func BenchmarkLedgerGrowth(b *testing.B) {
	b.Run("payment", func(b *testing.B) { benchGrowth(b, "payment", paymentWarmup, growPayments) })
	b.Run("charge", func(b *testing.B) { benchGrowth(b, "charge", chargeWarmup, growCharges) })
}

// grower makes n operations on db; it may set up what they need the first
// time, and must leave the ledger as it found it between calls.
type grower func(b *testing.B, db *DB, from, n int)

// benchGrowth runs warmup operations, then b.N more, and reports what the
// second run added to the file per operation.
func benchGrowth(b *testing.B, unit string, warmup int, grow grower) {
	limits := risk.DefaultLimits()
	limits.DailyLimit, limits.HourlyCount = math.MaxInt64/2, math.MaxInt32
	limits.RepeatLimit, limits.MandateRepeatLimit = math.MaxInt32, math.MaxInt32
	limits.OddHoursStart, limits.OddHoursEnd = 0, 0 // the clock runs through nights
	db := MustOpenDB(b, WithScreen(RiskScreen{Engine: risk.New(limits)}))
	db.MustTopup(b, wallet.MaxTopup)
	db.SetNoSync(true) // the same transactions, without waiting for the disk
	grow(b, db, 0, warmup)
	before, db := reopenMeasured(b, db)
	db.SetNoSync(true)
	b.ResetTimer()
	grow(b, db, warmup, b.N)
	b.StopTimer()
	after, _ := reopenMeasured(b, db)
	b.ReportMetric(float64(after.extent-before.extent)/float64(b.N), "B/"+unit)
	b.ReportMetric(float64(after.inuse-before.inuse)/float64(b.N), "inuse-B/"+unit)
	b.ReportMetric(float64(after.inuse-after.idem-before.inuse+before.idem)/float64(b.N), "kept-B/"+unit)
	b.ReportMetric(100*float64(after.data)/float64(max(after.inuse, 1)), "fill-%")
	b.Logf("%d %ss: file %d -> %d bytes, written %d -> %d, in use %d -> %d, free pages %d\n%s", b.N, unit,
		before.file, after.file, before.extent, after.extent, before.inuse, after.inuse, after.free, after.buckets)
}

// ledgerSize is what a ledger file holds.
type ledgerSize struct {
	file    int64  // the file's size
	extent  int64  // the pages bbolt has written, free ones included
	inuse   int64  // the buckets' pages, times the page size
	idem    int64  // the same of the idempotency bucket
	data    int64  // the bytes those pages hold
	free    int    // free and pending pages
	buckets string // per bucket: keys, pages in use and fill
}

// reopenMeasured closes db, measures its file as it stands on disk, and
// opens it again as MustReopen does.
func reopenMeasured(b *testing.B, db *DB) (ledgerSize, *DB) {
	b.Helper()
	db.MustClose()
	s := measureLedger(b, db.Path)
	o := db.opts
	return s, MustOpenDB(b, WithPath(o.path), WithScreen(o.screen), WithClock(o.clock),
		func(n *options) { n.setup, n.noDevices = o.setup, o.noDevices })
}

// measureLedger measures the ledger file at path, read-only.
func measureLedger(b *testing.B, path string) ledgerSize {
	b.Helper()
	info, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	s := ledgerSize{file: info.Size()}
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		b.Fatalf("open %s read-only: %v", path, err)
	}
	defer bdb.Close()
	st := bdb.Stats()
	s.free = st.FreePageN + st.PendingPageN
	var lines []string
	bdb.View(func(tx *bolt.Tx) error {
		s.extent = tx.Size()
		return tx.ForEach(func(name []byte, bk *bolt.Bucket) error {
			bs := bk.Stats()
			inuse := int64(bs.BranchAlloc + bs.LeafAlloc)
			s.inuse += inuse
			if string(name) == "idempotency" {
				s.idem = inuse
			}
			s.data += int64(bs.BranchInuse + bs.LeafInuse)
			if inuse > 0 {
				lines = append(lines, fmt.Sprintf("  %-12s %7d keys %9d B in pages, %3.0f%% full, %d leaves, %d overflow",
					name, bs.KeyN, inuse, 100*float64(bs.BranchInuse+bs.LeafInuse)/float64(inuse),
					bs.LeafPageN, bs.LeafOverflowN))
			}
			return nil
		})
	})
	sort.Strings(lines)
	s.buckets = strings.Join(lines, "\n")
	return s
}

// growPayments makes n payments as the dialog makes them: each turn saves
// the session, the first drafts the order, the second confirms it (the
// hold) and the third authorizes it (the post and the receipt), each under
// its own idempotency key, a few seconds apart. The keys are as long as
// the dialog's keys for a client's event ids: the device, the id, when it
// was first seen and a digest of what was said.
func growPayments(b *testing.B, db *DB, from, n int) {
	ctx := context.Background()
	auth := wallet.Authorization{Device: "glasses", Method: "session"}
	state := struct {
		OrderID uint64 `json:"order_id,omitempty"`
		Await   string `json:"await,omitempty"`
		Turn    uint64 `json:"turn"`
	}{}
	turn := func(key string) string {
		state.Turn++
		advance(db, 5*time.Second, int(state.Turn))
		at := strconv.FormatInt(db.Clock.Now().UnixNano(), 36)
		said := sha256.Sum256([]byte(key + at))
		return fmt.Sprintf("glasses/id:t%d-%s@%s.%x:%s", state.Turn, at, at, said[:12], key)
	}
	save := func() {
		if err := db.SaveSession(ctx, "glasses", &state); err != nil {
			b.Fatal(err)
		}
	}
	for i := from; i < from+n; i++ {
		o, err := db.CreateOrder(ctx, turn("create"), wallet.OrderDraft{
			Payee: wallet.MerchantAccount(fmt.Sprintf("shop%d", i%20)), PayeeName: "Luckin Coffee",
			Lines:   []wallet.Line{{Item: "latte", Name: "Latte", Quantity: 1, UnitPrice: 1000 + int64(i%5000)}},
			Channel: "voice",
		})
		if err != nil {
			b.Fatal(err)
		}
		state.OrderID, state.Await = o.ID, "confirm"
		save()
		if _, err := db.ConfirmOrder(ctx, turn("confirm"), o.ID); err != nil {
			b.Fatal(err)
		}
		state.Await = "authorize"
		save()
		if _, err := db.AuthorizeOrder(ctx, turn("authorize"), o.ID, auth); err != nil {
			b.Fatal(err)
		}
		state.OrderID, state.Await = 0, ""
		save()
		advance(db, time.Minute, i)
		if i%48 == 0 { // 48 payments of 75 s: an hour
			prune(b, db)
		}
	}
}

// advance moves the clock on by d and a fraction of a second, different
// for each n, as a real clock reads: times carry their nanoseconds into
// every entry and record, as the daemon's do.
func advance(db *DB, d time.Duration, n int) {
	db.Clock.Advance(d + time.Duration(n*104729%999_999_937))
}

// prune prunes the idempotency records past their window, as the daemon's
// sweeper does once an hour: the payments and charges call it every hour of
// their clock.
func prune(b *testing.B, db *DB) {
	if _, err := db.Prune(context.Background()); err != nil {
		b.Fatal(err)
	}
}

// growCharges makes n usage charges of one unit under one subscription, as
// the MCP record_usage tool makes them: each under a new idempotency key,
// half a minute apart.
func growCharges(b *testing.B, db *DB, from, n int) {
	ctx := context.Background()
	if from == 0 {
		db.MustPairAgent(b, Claude)
		d := Metered(1, 100_000_000)
		d.Expires = db.Clock.Now().Add(300 * 24 * time.Hour)
		m := db.MustPropose(b, d)
		db.MustApprove(b, m.ID)
	}
	ms, err := db.FindMandates(ctx, wallet.MandateFilter{})
	if err != nil || len(ms) == 0 {
		b.Fatalf("find the subscription: %v", err)
	}
	for i := from; i < from+n; i++ {
		advance(db, 30*time.Second, i)
		key := fmt.Sprintf("%s/mcp:%08x-4f1c-9a2e-%012x", Claude, i, i*7919)
		if _, _, err := db.ChargeMandate(ctx, key, ms[0].ID, Claude, 1); err != nil {
			b.Fatal(err)
		}
		if i%120 == 0 { // 120 charges of 30 s: an hour
			prune(b, db)
		}
	}
}

package mcp_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/voicepay/voicepay/agent/internal/agenttest"
	"github.com/voicepay/voicepay/agent/mcp"
)

// BenchmarkRecordUsage measures record_usage the way an agent meters usage:
// the SDK's client over streamable HTTP to the daemon's HTTP server, through
// the hub into a durable charge on the bbolt wallet, screened by risk. It
// runs on one connection and on 16 at once, each its own MCP session on its
// own TCP connection, and reports calls/s and the p50 and p99 latency of a
// call. Every call charges one unit under a subscription the person approved
// by voice; the risk limits are raised so that the benchmark, a runaway loop
// by design, is not blocked by the runaway-agent rule.
func BenchmarkRecordUsage(b *testing.B) {
	for _, conns := range []int{1, 16} {
		b.Run(fmt.Sprintf("conns=%d", conns), func(b *testing.B) { benchRecordUsage(b, conns) })
	}
}

func benchRecordUsage(b *testing.B, conns int) {
	l := agenttest.Limits()
	l.RepeatLimit, l.MandateRepeatLimit = math.MaxInt32, math.MaxInt32
	l.HourlyCount, l.DailyLimit = math.MaxInt32, math.MaxInt64/2
	// A window of 0 keeps no history of repeats, which with the limits
	// above would only ever grow.
	d := MustOpenDaemonWith(b, func(h *agenttest.Hub) { h.DB.RepeatWindow = 0 }, agenttest.WithLimits(l))
	d.MustTopup(100_000_000)
	sessions := make([]*sdk.ClientSession, conns)
	for i := range sessions {
		sessions[i] = d.MustConnect(b, d.AgentToken)
	}
	var sub mcp.Mandate
	MustCall(b, sessions[0], "propose_subscription", map[string]any{"payee": "claude_dev", "unit": "use",
		"unit_price": 1, "cap": 100_000_000, "expires": d.Clock.Now().Add(24 * time.Hour).Format(time.RFC3339),
		"idempotency_key": "bench"}, &sub)
	if t := d.Say(b, "approve the subscription"); t.Err != nil {
		b.Fatalf("approve: %v", t.Err)
	}

	var next atomic.Int64
	lat := make([][]time.Duration, conns)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for i := range conns {
		wg.Go(func() {
			ctx := context.Background()
			for {
				n := next.Add(1)
				if n > int64(b.N) {
					return
				}
				t0 := time.Now()
				err := Call(ctx, sessions[i], "record_usage", map[string]any{"subscription_id": sub.ID, "units": 1,
					"idempotency_key": fmt.Sprintf("use-%d", n)}, nil)
				lat[i] = append(lat[i], time.Since(t0))
				if err != nil {
					b.Errorf("record_usage %d: %v", n, err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()

	all := slices.Concat(lat...)
	slices.Sort(all)
	quantile := func(q float64) float64 {
		return float64(all[min(len(all)-1, int(q*float64(len(all))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "calls/s")
	b.ReportMetric(quantile(0.50), "p50-ms")
	b.ReportMetric(quantile(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op")
	if got := d.Money(b).Paid; got != int64(b.N) {
		b.Errorf("charged %d, want %d: one unit a call", got, b.N)
	}
}

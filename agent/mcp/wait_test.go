package mcp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/voicepay/voicepay/agent/mcp"
)

// progressLog keeps the progress notifications a client receives, by token.
type progressLog struct {
	mu   sync.Mutex
	got  map[string][]*sdk.ProgressNotificationParams
	tick chan string // the token of each notification, when someone listens
}

func newProgressLog() *progressLog {
	return &progressLog{got: map[string][]*sdk.ProgressNotificationParams{}, tick: make(chan string, 1024)}
}

func (p *progressLog) handle(_ context.Context, req *sdk.ProgressNotificationClientRequest) {
	k := fmt.Sprint(req.Params.ProgressToken)
	p.mu.Lock()
	p.got[k] = append(p.got[k], req.Params)
	p.mu.Unlock()
	select {
	case p.tick <- k:
	default:
	}
}

func (p *progressLog) of(token string) []*sdk.ProgressNotificationParams {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*sdk.ProgressNotificationParams(nil), p.got[token]...)
}

// waitFor waits until n notifications of token have arrived.
func (p *progressLog) waitFor(tb testing.TB, token string, n int) {
	tb.Helper()
	deadline := time.After(10 * time.Second)
	for len(p.of(token)) < n {
		select {
		case <-p.tick:
		case <-deadline:
			tb.Fatalf("%d progress notifications of %s in 10 s, want %d", len(p.of(token)), token, n)
		}
	}
}

// callResetting calls a tool as a client whose request timeout is idle but
// is reset by every progress notification of the call, as the TypeScript
// SDK's resetTimeoutOnProgress does. It fails if idle passes without one.
func callResetting(cs *sdk.ClientSession, p *progressLog, token string, idle time.Duration, tool string, args, out any) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	timedOut := make(chan struct{})
	go func() {
		t := time.NewTimer(idle)
		defer t.Stop()
		seen := 0
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if n := len(p.of(token)); n > seen {
					seen = n
					t.Reset(idle)
					continue
				}
				close(timedOut)
				cancel()
				return
			}
		}
	}()
	params := &sdk.CallToolParams{Name: tool, Arguments: args}
	params.SetProgressToken(token)
	res, err := cs.CallTool(ctx, params)
	select {
	case <-timedOut:
		return fmt.Errorf("the client timed out: no progress for %v", idle)
	default:
	}
	if err != nil {
		return err
	}
	if res.IsError {
		return ToolError(res)
	}
	b, _ := json.Marshal(res.StructuredContent)
	return json.Unmarshal(b, out)
}

// TestWaitProgress has wait_order and wait_mandate, at the SDK client's
// defaults, return paid, approved or timed out, never a client timeout:
// while they wait, progress notifications reach the client, which resets
// its short request timeout on each, and the wait lasts many times that
// timeout. The wallet's clock, not the wall clock, runs out the longer
// timeouts.
func TestWaitProgress(t *testing.T) {
	d := MustOpenDaemonTools(t, func(s *mcp.Server) { s.ProgressInterval = 20 * time.Millisecond })
	log := newProgressLog()
	cs := d.MustConnect(t, d.AgentToken, &sdk.ClientOptions{ProgressNotificationHandler: log.handle})
	propose := func(key string) mcp.Order {
		var o mcp.Order
		MustCall(t, cs, "create_order", map[string]any{"merchant": "luckin_coffee", "idempotency_key": key,
			"items": []any{map[string]any{"item": "latte", "quantity": 2}}}, &o)
		return o
	}
	type result struct {
		out mcp.WaitOrderOut
		err error
	}
	wait := func(token string, idle time.Duration, args map[string]any) <-chan result {
		ch := make(chan result, 1)
		go func() {
			var r result
			r.err = callResetting(cs, log, token, idle, "wait_order", args, &r.out)
			ch <- r
		}()
		return ch
	}
	get := func(ch <-chan result) result {
		t.Helper()
		select {
		case r := <-ch:
			return r
		case <-time.After(20 * time.Second):
			t.Fatal("wait_order did not return in 20 s")
		}
		return result{}
	}

	t.Run("default wait, paid", func(t *testing.T) {
		o := propose("paid")
		ch := wait("paid", time.Second, map[string]any{"order_id": o.ID})
		log.waitFor(t, "paid", 3)
		d.PersonPays(t)
		r := get(ch)
		if r.err != nil || !r.out.Decided || r.out.TimedOut || r.out.Order.State != "paid" {
			t.Fatalf("got %+v %v, want paid", r.out, r.err)
		}
		ps := log.of("paid")
		for i, p := range ps {
			if p.Total != mcp.DefaultWait.Seconds() || (i > 0 && p.Progress <= ps[i-1].Progress) ||
				!strings.Contains(p.Message, fmt.Sprintf("order %d", o.ID)) {
				t.Errorf("notification %d: %+v, want rising progress of 25 s on order %d", i, p, o.ID)
			}
		}
	})

	t.Run("120 s, timed out", func(t *testing.T) {
		o := propose("long")
		// A client that times out after 200 ms without progress waits
		// here far longer: until 25 notifications have come.
		idle := 200 * time.Millisecond
		start := time.Now()
		ch := wait("long", idle, map[string]any{"order_id": o.ID, "timeout_seconds": 120})
		log.waitFor(t, "long", 25)
		d.Clock.Advance(121 * time.Second)
		r := get(ch)
		if r.err != nil || !r.out.TimedOut || r.out.Decided || r.out.Order.State != "drafted" {
			t.Fatalf("got %+v %v, want a timeout on a drafted order", r.out, r.err)
		}
		if el := time.Since(start); el < 2*idle {
			t.Errorf("waited %v, less than twice the client's timeout of %v", el, idle)
		}
		if ps := log.of("long"); ps[0].Total != 120 {
			t.Errorf("progress total %v, want 120", ps[0].Total)
		}
		MustCall(t, cs, "cancel_order", map[string]any{"order_id": o.ID}, nil)
	})

	t.Run("default wait, timed out", func(t *testing.T) {
		o := propose("short")
		ch := wait("short", time.Second, map[string]any{"order_id": o.ID})
		log.waitFor(t, "short", 2)
		d.Clock.Advance(mcp.DefaultWait + time.Second)
		if r := get(ch); r.err != nil || !r.out.TimedOut || r.out.Order.State != "drafted" {
			t.Fatalf("got %+v %v, want a timeout", r.out, r.err)
		}
		MustCall(t, cs, "cancel_order", map[string]any{"order_id": o.ID}, nil)
	})

	t.Run("wait_mandate", func(t *testing.T) {
		expires := d.Clock.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
		var m mcp.Mandate
		MustCall(t, cs, "propose_subscription", map[string]any{"payee": "claude_dev", "unit": "use",
			"unit_price": 100, "cap": 1000, "expires": expires, "idempotency_key": "sub"}, &m)
		ch := make(chan error, 1)
		var out mcp.WaitMandateOut
		go func() {
			ch <- callResetting(cs, log, "mandate", time.Second, "wait_mandate", map[string]any{"mandate_id": m.ID}, &out)
		}()
		log.waitFor(t, "mandate", 3)
		if tr := d.Say(t, "approve the subscription"); tr.Err != nil {
			t.Fatalf("approve: %q %v", tr.Reply, tr.Err)
		}
		select {
		case err := <-ch:
			if err != nil || !out.Decided || out.TimedOut || out.Mandate.State != "active" {
				t.Fatalf("got %+v %v, want active", out, err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("wait_mandate did not return in 20 s")
		}

		MustCall(t, cs, "propose_subscription", map[string]any{"payee": "claude_dev", "unit": "minute",
			"unit_price": 100, "cap": 1000, "expires": expires, "idempotency_key": "sub2"}, &m)
		go func() {
			ch <- callResetting(cs, log, "mandate2", time.Second, "wait_mandate",
				map[string]any{"mandate_id": m.ID, "timeout_seconds": 300}, &out)
		}()
		log.waitFor(t, "mandate2", 2)
		d.Clock.Advance(301 * time.Second)
		if err := <-ch; err != nil || out.Decided || !out.TimedOut || out.Mandate.State != "proposed" {
			t.Fatalf("got %+v %v, want a timeout on a proposal", out, err)
		}
	})
}

// TestWaitWakes has a wait return at once when the person decides, with
// no progress token and a poll too slow to be what woke it: the wallet's
// write wakes it.
func TestWaitWakes(t *testing.T) {
	d := MustOpenDaemonTools(t, func(s *mcp.Server) { s.PollInterval = time.Hour })
	cs := d.MustConnect(t, d.AgentToken)
	var o mcp.Order
	MustCall(t, cs, "create_order", map[string]any{"merchant": "kfc", "idempotency_key": "k",
		"items": []any{map[string]any{"item": "cola"}}}, &o)
	waiting := d.Waiting(o.ID)
	done := make(chan mcp.WaitOrderOut, 1)
	go func() {
		var w mcp.WaitOrderOut
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := Call(ctx, cs, "wait_order", map[string]any{"order_id": o.ID, "timeout_seconds": 300}, &w); err != nil {
			t.Errorf("wait_order: %v", err)
		}
		done <- w
	}()
	MustWaitFor(t, waiting, "wait_order waiting")
	if tr := d.Say(t, "confirm the order"); tr.Err != nil {
		t.Fatalf("confirm: %v", tr.Err)
	}
	start := time.Now()
	if tr := d.Say(t, "cancel order"); tr.Err != nil {
		t.Fatalf("cancel: %v", tr.Err)
	}
	select {
	case w := <-done:
		if w.Order == nil || w.Order.State != "cancelled" || !w.Decided {
			t.Errorf("got %+v, want cancelled", w)
		}
		if el := time.Since(start); el > 3*time.Second {
			t.Errorf("returned %v after the change", el)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("wait_order did not wake on the person's cancellation")
	}
}

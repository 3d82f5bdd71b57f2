package main

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestMCPWaitDefaults waits on two orders on the wall clock, over HTTP,
// with the SDK's client at its defaults and a progress token on each call:
// one that nobody answers returns timed_out after the default wait, and
// one the person pays meanwhile (naming it, since two orders wait) returns
// paid. Neither times out on the client, and progress comes every few
// seconds while they wait.
func TestMCPWaitDefaults(t *testing.T) {
	d := startDaemon(t)
	var mu sync.Mutex
	progress := map[string]int{}
	client := sdk.NewClient(&sdk.Implementation{Name: "test-agent", Version: "1"}, &sdk.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, req *sdk.ProgressNotificationClientRequest) {
			mu.Lock()
			progress[req.Params.ProgressToken.(string)]++
			mu.Unlock()
		}})
	cs, err := client.Connect(context.Background(), httpTransport("http://"+d.addr+"/mcp",
		map[string]string{"Authorization": "Bearer " + d.AgentToken}), nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer cs.Close()

	type waited struct {
		Decided, TimedOut bool
		Order             struct{ State string }
		took              time.Duration
		err               error
	}
	wait := func(token string, id uint64) <-chan waited {
		ch := make(chan waited, 1)
		go func() {
			params := &sdk.CallToolParams{Name: "wait_order", Arguments: map[string]any{"order_id": id}}
			params.SetProgressToken(token)
			start := time.Now()
			res, err := cs.CallTool(context.Background(), params)
			var w waited
			w.took, w.err = time.Since(start), err
			if err == nil {
				var raw struct {
					Decided  bool `json:"decided"`
					TimedOut bool `json:"timed_out"`
					Order    struct{ State string }
				}
				b, _ := json.Marshal(res.StructuredContent)
				json.Unmarshal(b, &raw)
				w.Decided, w.TimedOut, w.Order = raw.Decided, raw.TimedOut, raw.Order
			}
			ch <- w
		}()
		return ch
	}
	var cola, lattes struct{ ID uint64 }
	mustCall(t, cs, "create_order", map[string]any{"merchant": "kfc", "idempotency_key": "cola",
		"items": []any{map[string]any{"item": "cola"}}}, &cola)
	mustCall(t, cs, "create_order", map[string]any{"merchant": "luckin_coffee", "idempotency_key": "lattes",
		"items": []any{map[string]any{"item": "latte", "quantity": 2}}}, &lattes)
	unanswered, answered := wait("cola", cola.ID), wait("lattes", lattes.ID)

	time.Sleep(6 * time.Second)
	if out := d.run("say", "confirm the order"); !strings.Contains(out, "Two orders wait") {
		t.Fatalf("confirm the order with two waiting: %s", out)
	}
	if out := d.run("say", "the luckin coffee one"); !strings.Contains(out, "36 yuan is on hold") {
		t.Fatalf("naming the order: %s", out)
	}
	out := d.run("say", "pay")
	if strings.Contains(out, "PIN") {
		out = d.run("say", "1 2 3 4")
	}
	if !strings.Contains(out, "Paid 36 yuan to Luckin Coffee") {
		t.Fatalf("pay: %s", out)
	}

	paid := <-answered
	if paid.err != nil || !paid.Decided || paid.Order.State != "paid" {
		t.Errorf("the paid order's wait: %+v, want paid", paid)
	}
	left := <-unanswered
	if left.err != nil || !left.TimedOut || left.Order.State != "drafted" {
		t.Errorf("the unanswered order's wait: %+v, want timed_out on a drafted order", left)
	}
	if left.took < 25*time.Second || left.took > 35*time.Second {
		t.Errorf("the default wait took %v, want 25 s", left.took)
	}
	mu.Lock()
	defer mu.Unlock()
	t.Logf("waits: %v unanswered, %v until paid; progress notifications %v", left.took, paid.took, progress)
	if progress["cola"] < 4 || progress["lattes"] < 1 {
		t.Errorf("progress notifications %v, want at least 4 on the 25 s wait and 1 on the other", progress)
	}
}

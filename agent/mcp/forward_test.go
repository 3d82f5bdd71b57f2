package mcp_test

import (
	"context"
	"io"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/voicepay/voicepay/agent/mcp"
)

// TestForwardProgress has the stdio forwarder pass a wait's progress
// notifications from the daemon on to the agent, with the agent's own
// progress token, and the wait's result after them.
func TestForwardProgress(t *testing.T) {
	d := MustOpenDaemonTools(t, func(s *mcp.Server) { s.ProgressInterval = 20 * time.Millisecond })
	f := mcp.NewForwarder(d.Endpoint(), d.AgentToken)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := f.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	toServer, fromClient := io.Pipe()
	toClient, fromServer := io.Pipe()
	served := make(chan error, 1)
	go func() { served <- f.Serve(ctx, toServer, fromServer) }()
	log := newProgressLog()
	client := sdk.NewClient(&sdk.Implementation{Name: "stdio-agent", Version: "1"},
		&sdk.ClientOptions{ProgressNotificationHandler: log.handle})
	cs, err := client.Connect(ctx, &sdk.IOTransport{Reader: toClient, Writer: fromClient}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()

	var o mcp.Order
	MustCall(t, cs, "create_order", map[string]any{"merchant": "kfc", "idempotency_key": "fwd",
		"items": []any{map[string]any{"item": "fries"}}}, &o)
	var w mcp.WaitOrderOut
	done := make(chan error, 1)
	go func() {
		done <- callResetting(cs, log, "stdio-wait", time.Second, "wait_order",
			map[string]any{"order_id": o.ID, "timeout_seconds": 120}, &w)
	}()
	log.waitFor(t, "stdio-wait", 5)
	d.Clock.Advance(121 * time.Second)
	select {
	case err := <-done:
		if err != nil || !w.TimedOut || w.Order.State != "drafted" {
			t.Fatalf("got %+v %v, want a timeout", w, err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("wait_order did not return through the forwarder")
	}
	if ps := log.of("stdio-wait"); ps[0].Total != 120 || ps[0].Message == "" {
		t.Errorf("first notification %+v, want one of the daemon's", ps[0])
	}
	cs.Close()
	cancel()
	<-served
}

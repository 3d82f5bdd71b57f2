package ws_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/internal/agenttest"
)

// syncBuffer is a buffer the daemon's goroutines write logs into.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLog runs a dialog through a real server and reads what the daemon
// logged: each turn, payment, risk decision, wrong PIN and lockout,
// refused token, pairing and proposal, as structured records, and never a
// PIN.
func TestLog(t *testing.T) {
	var buf syncBuffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	d := MustOpenDaemonWith(t, func(h *agenttest.Hub) {
		h.Logger = logger.With("component", "agent")
		h.DB.Logger = logger.With("component", "wallet")
	})
	c := d.MustDial(t, d.Token)
	c.Enable("e")
	c.Say("o1", "buy two lattes from luckin coffee", agent.StateDrafted, "")
	c.Say("o2", "confirm the order", agent.StateConfirmed, "")
	c.Say("o3", "pay", agent.StateIdle, "")
	if _, err := d.Hub.ProposeOrder(context.Background(), "claude", "k1", agent.OrderProposal{Merchant: "kfc",
		Items: []agent.ProposedItem{{Item: "fries", Quantity: 1}}}); err != nil {
		t.Fatal(err)
	}
	w := d.MustDial(t, d.MustPairUser("watch"))
	w.Say("w0", "enable alipay payment function", agent.StateInactive, "")
	for i := range 5 {
		code := "wrong_pin"
		if i == 4 {
			code = "locked"
		}
		w.Say("w"+string(rune('1'+i)), "one three five seven", agent.StateInactive, code)
		if i < 4 {
			w.Say("w"+string(rune('a'+i)), "enable alipay payment function", agent.StateInactive, "")
		}
	}
	_, resp, err := websocket.DefaultDialer.Dial(d.StreamURL(), Bearer("vp_u_notatoken"))
	if err == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("dial with a bad token: %v, %v", err, resp)
	}

	logs := buf.String()
	for _, secret := range []string{agenttest.PIN, "two four six eight", "one three five seven", "vp_u_notatoken", d.Token} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log has %q", secret)
		}
	}
	want := []map[string]any{
		{"msg": "turn", "device": "glasses", "channel": "text", "intent": "order.create", "state": "drafted"},
		{"msg": "turn text", "device": "glasses", "text": "buy two lattes from luckin coffee"},
		{"msg": "payment", "device": "glasses", "amount": 3600.0, "payee": "merchant:luckin_coffee", "method": "session"},
		{"msg": "risk decision", "action": "allow", "amount": 3600.0, "payee": "merchant:luckin_coffee"},
		{"msg": "wrong PIN", "method": "pin", "failures": 1.0},
		{"msg": "locked out", "method": "pin"},
		{"msg": "turn", "device": "watch", "code": "locked"},
		{"msg": "refused a token", "path": "/v1/stream"},
		{"msg": "paired", "device": "watch", "scope": "user"},
		{"msg": "proposal", "agent": "claude", "kind": "order", "amount": 1100.0},
	}
	var records []map[string]any
	for line := range strings.Lines(logs) {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		records = append(records, r)
	}
	for _, w := range want {
		if !hasRecord(records, w) {
			t.Errorf("no record like %v", w)
		}
	}
	if t.Failed() {
		t.Logf("log:\n%s", logs)
	}
}

// hasRecord reports whether a record has every field of want; a nil
// field must be missing.
func hasRecord(records []map[string]any, want map[string]any) bool {
next:
	for _, r := range records {
		for k, v := range want {
			if got, ok := r[k]; v == nil && ok || v != nil && got != v {
				continue next
			}
		}
		return true
	}
	return false
}

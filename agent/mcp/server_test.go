package mcp_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/mcp"
	"github.com/voicepay/voicepay/agent/ws"
	"github.com/voicepay/voicepay/wallet"
)

// The tools, as the daemon lists them.
var wantTools = []string{"create_order", "get_order", "wait_order", "cancel_order", "get_balance",
	"list_transactions", "request_tip", "propose_subscription", "record_usage", "get_subscription",
	"wait_mandate", "list_catalog", "search_catalog"}

// rawRPC posts one JSON-RPC request to /mcp and returns the HTTP status and
// the response message, read from JSON or from the event stream.
func rawRPC(tb testing.TB, d *Daemon, token, body string) (int, map[string]any) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, d.Endpoint(), strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, map[string]any{"body": string(b)}
	}
	data := b
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				data = []byte(rest)
			}
		}
	}
	var msg map[string]any
	if err := json.Unmarshal(data, &msg); err != nil {
		tb.Fatalf("response %s: %v", b, err)
	}
	return resp.StatusCode, msg
}

// TestTools checks the tool list on the wire: every tool, each stating
// readOnlyHint, destructiveHint and idempotentHint, none that confirms,
// authorizes or approves, and every description telling the agent that the
// person confirms by voice and that it must never ask for the PIN.
func TestTools(t *testing.T) {
	d := MustOpenDaemon(t)
	status, msg := rawRPC(t, d, d.AgentToken, `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`)
	if status != http.StatusOK {
		t.Fatalf("tools/list: %d %v", status, msg)
	}
	result, _ := msg["result"].(map[string]any)
	tools, _ := result["tools"].([]any)
	var names []string
	for _, raw := range tools {
		tool := raw.(map[string]any)
		name := tool["name"].(string)
		names = append(names, name)
		for _, verb := range []string{"confirm", "authoriz", "approv", "pay_order", "sign"} {
			if strings.Contains(name, verb) {
				t.Errorf("tool %s looks like it %ss", name, verb)
			}
		}
		ann, _ := tool["annotations"].(map[string]any)
		for _, hint := range []string{"readOnlyHint", "destructiveHint", "idempotentHint"} {
			if _, ok := ann[hint].(bool); !ok {
				t.Errorf("tool %s: %s is %v, want a boolean", name, hint, ann[hint])
			}
		}
		if ann["readOnlyHint"] == true && ann["destructiveHint"] == true {
			t.Errorf("tool %s is read-only and destructive", name)
		}
		desc, _ := tool["description"].(string)
		for _, must := range []string{"confirms or approves by voice", "Never ask the person for their PIN"} {
			if !strings.Contains(desc, must) {
				t.Errorf("tool %s: description does not say %q: %s", name, must, desc)
			}
		}
		if _, ok := tool["inputSchema"].(map[string]any); !ok {
			t.Errorf("tool %s has no input schema", name)
		}
		if _, ok := tool["outputSchema"].(map[string]any); !ok {
			t.Errorf("tool %s has no output schema", name)
		}
	}
	if !sameSet(names, wantTools) {
		t.Errorf("tools %v, want %v", names, wantTools)
	}
	readOnly := map[string]bool{"get_order": true, "wait_order": true, "get_balance": true,
		"list_transactions": true, "get_subscription": true, "wait_mandate": true, "list_catalog": true,
		"search_catalog": true}
	for _, raw := range tools {
		tool := raw.(map[string]any)
		ann := tool["annotations"].(map[string]any)
		name := tool["name"].(string)
		if got := ann["readOnlyHint"] == true; got != readOnly[name] {
			t.Errorf("tool %s: readOnlyHint %v, want %v", name, got, readOnly[name])
		}
		if ann["idempotentHint"] != true {
			t.Errorf("tool %s: idempotentHint false; every tool is idempotent (by its key)", name)
		}
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// TestAuth refuses everything but an agent token on /mcp: no token, a made
// up one, a person's user token, and an agent token once revoked, also in
// the middle of a session.
func TestAuth(t *testing.T) {
	d := MustOpenDaemon(t)
	ctx := context.Background()
	_, revoked := d.MustPair("old_agent", wallet.ScopeAgent)
	if err := agent.RevokeAgent(ctx, d.DB, "old_agent"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, token, says string }{
		{"none", "", "no bearer token"},
		{"made up", "vp_a_0123456789", "not valid"},
		{"user", d.UserToken, "user token"},
		{"revoked agent", revoked, "not valid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, msg := rawRPC(t, d, tc.token, `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`)
			if status != http.StatusUnauthorized {
				t.Errorf("status %d, want 401", status)
			}
			if body, _ := msg["body"].(string); !strings.Contains(body, tc.says) {
				t.Errorf("body %q does not say %q", body, tc.says)
			}
			cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			if cs, err := Connect(cctx, d.Endpoint(), tc.token); err == nil {
				cs.Close()
				t.Errorf("the SDK client connected with a %s token", tc.name)
			}
		})
	}

	t.Run("revoked mid-session", func(t *testing.T) {
		_, token := d.MustPair("brief_agent", wallet.ScopeAgent)
		cs := d.MustConnect(t, token)
		var b mcp.Balance
		MustCall(t, cs, "get_balance", nil, &b)
		if b.Balance != Opening {
			t.Errorf("balance %d, want %d", b.Balance, Opening)
		}
		if err := agent.RevokeAgent(ctx, d.DB, "brief_agent"); err != nil {
			t.Fatal(err)
		}
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := Call(cctx, cs, "get_balance", nil, &b); err == nil {
			t.Error("a revoked agent still reads the balance")
		}
	})

	t.Run("agent token on the user API", func(t *testing.T) {
		for _, path := range []string{"/v1/wallet/balance", "/v1/agents"} {
			req, _ := http.NewRequest(http.MethodGet, d.Base+path, nil)
			req.Header.Set("Authorization", "Bearer "+d.AgentToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("GET %s with an agent token: %d, want 401", path, resp.StatusCode)
			}
		}
	})
}

// TestReadTools reads the balance and the transactions as the person's own
// API reports them.
func TestReadTools(t *testing.T) {
	d := MustOpenDaemon(t)
	cs := d.MustConnect(t, d.AgentToken)
	var b mcp.Balance
	MustCall(t, cs, "get_balance", map[string]any{}, &b)
	if b.Balance != Opening || b.Available != Opening || b.Held != 0 || b.Currency != "CNY" {
		t.Errorf("balance %+v, want %d CNY, nothing held", b, Opening)
	}
	if b.Text != "The balance is 1000 yuan." {
		t.Errorf("text %q", b.Text)
	}
	var txs mcp.Transactions
	MustCall(t, cs, "list_transactions", map[string]any{"limit": 5}, &txs)
	if len(txs.Transactions) != 1 || txs.Transactions[0].Kind != "received" || txs.Transactions[0].Amount != Opening {
		t.Errorf("transactions %+v, want the opening top-up", txs.Transactions)
	}
}

// TestToolErrors gives every malformed call a coded error.
func TestToolErrors(t *testing.T) {
	d := MustOpenDaemon(t)
	cs := d.MustConnect(t, d.AgentToken)
	for _, tc := range []struct {
		name, tool string
		args       map[string]any
		code       string
	}{
		{"missing key", "create_order", map[string]any{"merchant": "luckin_coffee",
			"items": []any{map[string]any{"item": "latte"}}}, wallet.EINVALID},
		{"empty key", "create_order", map[string]any{"merchant": "luckin_coffee", "idempotency_key": " ",
			"items": []any{map[string]any{"item": "latte"}}}, wallet.EINVALID},
		{"unknown field", "create_order", map[string]any{"merchant": "luckin_coffee", "idempotency_key": "k",
			"approved": true, "items": []any{map[string]any{"item": "latte"}}}, wallet.EINVALID},
		{"a pin", "record_usage", map[string]any{"subscription_id": 1, "units": 1, "idempotency_key": "k",
			"pin": "2468"}, wallet.EINVALID},
		{"wrong type", "get_order", map[string]any{"order_id": "one"}, wallet.EINVALID},
		{"unknown order", "get_order", map[string]any{"order_id": 999}, wallet.ENOTFOUND},
		{"unknown subscription", "get_subscription", map[string]any{"subscription_id": 999}, wallet.ENOTFOUND},
		{"negative wait", "wait_order", map[string]any{"order_id": 1, "timeout_seconds": -1}, wallet.EINVALID},
		{"bad expiry", "propose_subscription", map[string]any{"payee": "claude_dev", "unit": "use",
			"unit_price": 100, "cap": 1000, "expires": "tomorrow", "idempotency_key": "k"}, wallet.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := MustFail(t, cs, tc.tool, tc.args, tc.code)
			if e.Message == "" {
				t.Error("the error has no message")
			}
		})
	}
	if m := d.Money(t); m.Paid != 0 || m.Held != 0 {
		t.Errorf("money moved: %v", m)
	}
}

// TestAgentsEndpoints pairs, lists and revokes agents with the person's token.
func TestAgentsEndpoints(t *testing.T) {
	d := MustOpenDaemon(t)
	do := func(method, path, token, body string) (int, string) {
		req, _ := http.NewRequest(method, d.Base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, body := do("POST", "/v1/agents", d.UserToken, `{"name":"cursor"}`)
	var added ws.AddAgentResponse
	if status != 200 || json.Unmarshal([]byte(body), &added) != nil || !strings.HasPrefix(added.Token, "vp_a_") {
		t.Fatalf("add: %d %s", status, body)
	}
	cs := d.MustConnect(t, added.Token)
	MustCall(t, cs, "get_balance", nil, nil)
	for _, tc := range []struct{ body, code string }{
		{`{"name":"cursor"}`, `"conflict"`},
		{`{"name":"glasses"}`, `"conflict"`},
		{`{"name":"Not A Name"}`, `"invalid"`},
	} {
		if status, body := do("POST", "/v1/agents", d.UserToken, tc.body); status == 200 || !strings.Contains(body, tc.code) {
			t.Errorf("add %s: %d %s, want %s", tc.body, status, body, tc.code)
		}
	}
	if status, body := do("GET", "/v1/agents", d.UserToken, ""); status != 200 ||
		!strings.Contains(body, `"name":"claude"`) || !strings.Contains(body, `"name":"cursor"`) || strings.Contains(body, "glasses") {
		t.Errorf("list: %d %s", status, body)
	}
	if status, body := do("POST", "/v1/agents/revoke", d.UserToken, `{"name":"glasses"}`); status != 404 {
		t.Errorf("revoke a user device: %d %s, want 404", status, body)
	}
	if status, body := do("POST", "/v1/agents/revoke", d.AgentToken, `{"name":"cursor"}`); status != 401 {
		t.Errorf("an agent revokes another: %d %s, want 401", status, body)
	}
	if status, body := do("POST", "/v1/agents/revoke", d.UserToken, `{"name":"cursor"}`); status != 200 {
		t.Errorf("revoke: %d %s", status, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := Call(ctx, cs, "get_balance", nil, nil); err == nil {
		t.Error("a revoked agent still reads the balance")
	}
}

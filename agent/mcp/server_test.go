package mcp_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/mcp"
	"github.com/voicepay/voicepay/agent/ws"
	"github.com/voicepay/voicepay/wallet"
)

// The tools, as the daemon lists them.
var wantTools = []string{"create_order", "get_order", "wait_order", "cancel_order", "get_balance",
	"list_transactions", "request_tip", "propose_subscription", "record_usage", "get_subscription",
	"wait_mandate", "list_catalog", "search_catalog",
	"list_orders", "list_mandates", "find_by_key", "cancel_subscription", "refund_payment"}

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
		"search_catalog": true, "list_orders": true, "list_mandates": true, "find_by_key": true}
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
		token, _, err := d.DB.PairAgent(ctx, "brief_agent", []string{wallet.GrantBalance}, nil)
		if err != nil {
			t.Fatal(err)
		}
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
	// An agent sees its own transfers only: not the person's top-up.
	if len(txs.Transactions) != 0 {
		t.Errorf("transactions %+v, want none of this agent's yet", txs.Transactions)
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
	status, body := do("POST", "/v1/agents", d.UserToken, `{"name":"cursor","allow":["balance"]}`)
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

// post sends a JSON-RPC body to /mcp as a streamable HTTP client does.
func post(tb testing.TB, d *Daemon, token, body string) (*http.Response, []byte) {
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
	return resp, b
}

// TestHTTPRefusals answers over HTTP as MCP clients expect: a 401 names
// the Bearer scheme in WWW-Authenticate and says why in the daemon's JSON
// error shape; a call of a method MCP does not have gets JSON-RPC's
// -32601, as over stdio, not an HTTP 400 in plain text; and a tool call
// with a progress token is answered on an event stream, where progress can
// go before the result.
func TestHTTPRefusals(t *testing.T) {
	d := MustOpenDaemon(t)
	for _, tc := range []struct{ name, token, says string }{
		{"none", "", "no bearer token"},
		{"made up", "vp_a_0123456789", "not valid"},
		{"user", d.UserToken, "user token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := post(t, d, tc.token, `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", resp.StatusCode)
			}
			if h := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(h, "Bearer ") || !strings.Contains(h, `error="invalid_token"`) {
				t.Errorf("WWW-Authenticate %q, want a Bearer challenge", h)
			}
			var e struct {
				Error wallet.Error `json:"error"`
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" || json.Unmarshal(body, &e) != nil {
				t.Fatalf("%s body %s, want the JSON error", ct, body)
			}
			if e.Error.Code != wallet.EUNAUTHORIZED || !strings.Contains(e.Error.Message, tc.says) {
				t.Errorf("error %+v, want unauthorized saying %q", e.Error, tc.says)
			}
		})
	}

	t.Run("unknown method", func(t *testing.T) {
		resp, body := post(t, d, d.AgentToken, `{"jsonrpc":"2.0","id":7,"method":"tools/frobnicate","params":{}}`)
		var msg struct {
			ID    int `json:"id"`
			Error struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &msg) != nil {
			t.Fatalf("%d %s, want a JSON-RPC error", resp.StatusCode, body)
		}
		if msg.ID != 7 || msg.Error.Code != -32601 || !strings.Contains(msg.Error.Message, "tools/frobnicate") {
			t.Errorf("got %s, want -32601 for id 7", body)
		}
	})

	t.Run("a malformed request stays a 400", func(t *testing.T) {
		resp, _ := post(t, d, d.AgentToken, `{"jsonrpc":"2.0","id":8,"method":"tools/call"}`)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("status %d, want 400", resp.StatusCode)
		}
	})

	t.Run("a call with a progress token streams", func(t *testing.T) {
		resp, body := post(t, d, d.AgentToken, `{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"list_catalog","arguments":{},"_meta":{"progressToken":"p"}}}`)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") ||
			!strings.Contains(string(body), "luckin_coffee") {
			t.Errorf("%d %s: %.200s, want the result on an event stream", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		resp, body = post(t, d, d.AgentToken, `{"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":"list_catalog","arguments":{}}}`)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" ||
			!strings.Contains(string(body), "luckin_coffee") {
			t.Errorf("%d %s: %.200s, want the result as JSON", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	})
}

// TestToolErrorContent gives every tool error its code as structured
// content beside the text, the SDK's refusals by schema too, which read as
// sentences; and another agent's order or mandate is not found by every
// tool, in the same words as one that does not exist.
func TestToolErrorContent(t *testing.T) {
	d := MustOpenDaemon(t)
	cs := d.MustConnect(t, d.AgentToken)
	var o mcp.Order
	MustCall(t, cs, "create_order", map[string]any{"merchant": "kfc", "idempotency_key": "o",
		"items": []any{map[string]any{"item": "cola"}}}, &o)
	var m mcp.Mandate
	MustCall(t, cs, "propose_subscription", map[string]any{"payee": "claude_dev", "unit": "use", "unit_price": 100,
		"cap": 1000, "idempotency_key": "m"}, &m)
	_, token := d.MustPair("mallory", wallet.ScopeAgent)
	other := d.MustConnect(t, token)

	call := func(cs *sdk.ClientSession, tool string, args map[string]any) (string, mcp.ToolError) {
		t.Helper()
		res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: tool, Arguments: args})
		if err != nil || !res.IsError {
			t.Fatalf("%s %v: %v %v, want a tool error", tool, args, res, err)
		}
		var e mcp.ToolError
		b, _ := json.Marshal(res.StructuredContent)
		if err := json.Unmarshal(b, &e); err != nil || e.Code == "" || e.Message == "" {
			t.Fatalf("%s: structured content %s, want {code, message, retryable}", tool, b)
		}
		if text := res.Content[0].(*sdk.TextContent).Text; text != e.Code+": "+e.Message {
			t.Errorf("%s: text %q, structured %+v", tool, text, e)
		}
		return strings.ReplaceAll(e.Message, fmt.Sprint(args[idKey(args)]), "N"), e
	}
	for _, tc := range []struct {
		tool string
		args map[string]any
	}{
		{"get_order", map[string]any{"order_id": o.ID}},
		{"wait_order", map[string]any{"order_id": o.ID, "timeout_seconds": 0.05}},
		{"cancel_order", map[string]any{"order_id": o.ID}},
		{"get_subscription", map[string]any{"subscription_id": m.ID}},
		{"record_usage", map[string]any{"subscription_id": m.ID, "units": 1, "idempotency_key": "u"}},
		{"wait_mandate", map[string]any{"mandate_id": m.ID, "timeout_seconds": 0.05}},
	} {
		t.Run(tc.tool, func(t *testing.T) {
			theirs, e := call(other, tc.tool, tc.args)
			if e.Code != wallet.ENOTFOUND || e.Retryable {
				t.Errorf("another agent's: %+v, want not_found", e)
			}
			missing := maps.Clone(tc.args)
			missing[idKey(tc.args)] = 999
			none, _ := call(other, tc.tool, missing)
			if theirs != none {
				t.Errorf("another agent's: %q; one that does not exist: %q", theirs, none)
			}
		})
	}
	if o2, _ := d.DB.Order(context.Background(), o.ID); o2.State != wallet.Drafted {
		t.Errorf("another agent's calls left the order %s", o2.State)
	}

	for _, tc := range []struct {
		name, tool string
		args       map[string]any
		says       string
	}{
		{"quantity 0", "create_order", map[string]any{"merchant": "kfc", "idempotency_key": "q",
			"items": []any{map[string]any{"item": "cola", "quantity": 0}}}, `Argument items[].quantity must be at least 1, not 0.`},
		{"quantity -1", "create_order", map[string]any{"merchant": "kfc", "idempotency_key": "q",
			"lines": []any{map[string]any{"name": "x", "unit_price": 1, "quantity": -1}}}, `Argument lines[].quantity must be at least 1, not -1.`},
		{"limit", "list_transactions", map[string]any{"limit": 101}, `Argument limit must be at most 100, not 101.`},
		{"unit", "propose_subscription", map[string]any{"payee": "claude_dev", "unit": "hour", "unit_price": 100,
			"cap": 1000, "idempotency_key": "h"}, `Argument unit must be one of "use", "minute", not "hour".`},
		{"unknown argument", "get_order", map[string]any{"order_id": 1, "approved": true}, `Argument approved is not a parameter of this tool.`},
		{"missing", "get_order", map[string]any{}, `Argument order_id is required.`},
		{"type", "get_order", map[string]any{"order_id": "one"}, `Argument order_id must be an integer, not one.`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, e := call(cs, tc.tool, tc.args)
			if e.Code != wallet.EINVALID || e.Message != tc.says {
				t.Errorf("got %+v, want invalid: %s", e, tc.says)
			}
		})
	}
}

// idKey is the id argument of args.
func idKey(args map[string]any) string {
	for _, k := range []string{"order_id", "subscription_id", "mandate_id"} {
		if _, ok := args[k]; ok {
			return k
		}
	}
	return ""
}

package mcp_test

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/voicepay/voicepay/agent/internal/agenttest"
	"github.com/voicepay/voicepay/agent/mcp"
	"github.com/voicepay/voicepay/wallet"
)

// metaSchema is JSON Schema 2020-12's meta-schema, resolved, from the
// jsonschema-go module's copy; nil if the module cannot be found.
func metaSchema(tb testing.TB) *jsonschema.Resolved {
	tb.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/google/jsonschema-go").Output()
	if err != nil {
		tb.Logf("no meta-schema: %v", err)
		return nil
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "jsonschema", "meta-schemas", "draft2020-12")
	load := func(u *url.URL) (*jsonschema.Schema, error) {
		rel := strings.TrimPrefix(u.Path, "/draft/2020-12/")
		b, err := os.ReadFile(filepath.Join(dir, rel+".json"))
		if err != nil {
			return nil, err
		}
		var s jsonschema.Schema
		return &s, json.Unmarshal(b, &s)
	}
	root, err := load(&url.URL{Path: "/draft/2020-12/schema"})
	if err != nil {
		tb.Fatalf("read the meta-schema: %v", err)
	}
	rs, err := root.Resolve(&jsonschema.ResolveOptions{Loader: load})
	if err != nil {
		tb.Fatalf("resolve the meta-schema: %v", err)
	}
	return rs
}

// bad are arguments that the server refuses, each in one way. direct says
// the tool's own code refuses them too, past the schema; a list's limit
// above 100 is refused by the schema and only clamped by the code.
var bad = []struct {
	tool, what string
	args       map[string]any
	direct     bool
}{
	{"create_order", "quantity 0", order(map[string]any{"item": "latte", "quantity": 0}), true},
	{"create_order", "quantity 100", order(map[string]any{"item": "latte", "quantity": 100}), true},
	{"create_order", "quantity -1", order(map[string]any{"item": "latte", "quantity": -1}), true},
	{"create_order", "line quantity 0", lines(map[string]any{"name": "bread", "unit_price": 100, "quantity": 0}), true},
	{"create_order", "unit price 0", lines(map[string]any{"name": "bread", "unit_price": 0}), true},
	{"create_order", "unit price too high", lines(map[string]any{"name": "bread", "unit_price": wallet.MaxAmount + 1}), true},
	{"create_order", "an over-long line name", lines(map[string]any{"name": strings.Repeat("b", wallet.MaxName+1), "unit_price": 1}), true},
	{"create_order", "an over-long memo", with(order(map[string]any{"item": "latte"}), "memo", strings.Repeat("m", wallet.MaxNote+1)), true},
	{"create_order", "too many lines", with(order(map[string]any{"item": "latte"}), "items", repeat(map[string]any{"item": "latte"}, wallet.MaxLines+1)), true},
	{"create_order", "a blank key", with(order(map[string]any{"item": "latte"}), "idempotency_key", "  "), true},
	{"create_order", "an over-long key", with(order(map[string]any{"item": "latte"}), "idempotency_key", strings.Repeat("k", 201)), true},
	{"list_transactions", "limit 101", map[string]any{"limit": 101}, true},
	{"list_orders", "limit 101", map[string]any{"limit": 101}, true},
	{"list_orders", `state "open"`, map[string]any{"state": "open"}, true},
	{"list_mandates", `kind "gift"`, map[string]any{"kind": "gift"}, true},
	{"list_mandates", "limit -1", map[string]any{"limit": -1}, true},
	{"find_by_key", "an over-long key", map[string]any{"idempotency_key": strings.Repeat("k", 201)}, true},
	{"cancel_subscription", "a blank key", map[string]any{"mandate_id": 1, "idempotency_key": ""}, true},
	{"refund_payment", "amount too high", map[string]any{"order_id": 1, "amount": wallet.MaxAmount + 1, "idempotency_key": "r"}, true},
	{"refund_payment", "an over-long reason", map[string]any{"order_id": 1, "reason": strings.Repeat("r", wallet.MaxNote+1), "idempotency_key": "r"}, true},
	{"wait_order", "timeout 301", map[string]any{"order_id": 1, "timeout_seconds": 301}, true},
	{"wait_order", "timeout -1", map[string]any{"order_id": 1, "timeout_seconds": -1}, true},
	{"wait_mandate", "timeout 301", map[string]any{"mandate_id": 1, "timeout_seconds": 301}, true},
	{"propose_subscription", `unit "hour"`, with(subscription(), "unit", "hour"), true},
	{"propose_subscription", "a bad payee id", with(subscription(), "payee", "Acme Cloud"), true},
	{"propose_subscription", "a payee id starting with _", with(subscription(), "payee", "_acme"), true},
	{"propose_subscription", `expires ""`, with(subscription(), "expires", ""), true},
	{"propose_subscription", "expires not a date-time", with(subscription(), "expires", "tomorrow"), true},
	{"propose_subscription", "cap 0", with(subscription(), "cap", 0), true},
	{"propose_subscription", "an over-long note", with(subscription(), "note", strings.Repeat("n", wallet.MaxNote+1)), true},
	{"request_tip", "amount 0", with(tip(), "amount", 0), true},
	{"request_tip", "cap 0", with(tip(), "cap", 0), true},
	{"request_tip", `expires ""`, with(tip(), "expires", ""), true},
	{"request_tip", "a bad payee id", with(tip(), "payee", "claude dev"), true},
	{"request_tip", "an over-long payee id", with(tip(), "payee", strings.Repeat("p", wallet.MaxName+1)), true},
	{"record_usage", "units 0", map[string]any{"subscription_id": 1, "units": 0, "idempotency_key": "u"}, true},
	{"search_catalog", "an empty query", map[string]any{"query": ""}, true},
}

func order(item map[string]any) map[string]any {
	return map[string]any{"merchant": "luckin_coffee", "items": []any{item}, "idempotency_key": "k"}
}

func lines(line map[string]any) map[string]any {
	return map[string]any{"merchant": "Corner Bakery", "lines": []any{line}, "idempotency_key": "k"}
}

func subscription() map[string]any {
	return map[string]any{"payee": "acme_cloud", "unit": "use", "unit_price": 50, "cap": 5000,
		"expires": agenttest.Noon.Add(24 * time.Hour).Format(time.RFC3339), "idempotency_key": "s"}
}

func tip() map[string]any {
	return map[string]any{"payee": "claude_dev", "amount": 500, "idempotency_key": "t"}
}

func with(args map[string]any, k string, v any) map[string]any {
	out := map[string]any{}
	for kk, vv := range args {
		out[kk] = vv
	}
	out[k] = v
	return out
}

func repeat(v any, n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// good are calls every tool takes, which the schema takes too.
func good(o, m uint64) map[string]map[string]any {
	return map[string]map[string]any{
		"create_order":         with(order(map[string]any{"item": "latte", "quantity": 2}), "idempotency_key", "good"),
		"get_order":            {"order_id": o},
		"wait_order":           {"order_id": o, "timeout_seconds": 0.01},
		"cancel_order":         {"order_id": o},
		"get_balance":          {},
		"list_transactions":    {"limit": 100},
		"request_tip":          with(tip(), "expires", agenttest.Noon.Add(time.Hour).Format(time.RFC3339)),
		"propose_subscription": subscription(),
		"record_usage":         {"subscription_id": m, "units": 1, "idempotency_key": "u"},
		"get_subscription":     {"subscription_id": m},
		"wait_mandate":         {"mandate_id": m, "timeout_seconds": 0.01},
		"list_catalog":         {},
		"search_catalog":       {"query": "latte"},
		"list_orders":          {"state": "drafted", "limit": 5},
		"list_mandates":        {"kind": "subscription", "state": "active"},
		"find_by_key":          {"idempotency_key": "approved"},
	}
}

// TestSchemas walks every tool: its input and output schemas are JSON
// Schema 2020-12, valid against the meta-schema and resolved by
// jsonschema-go; every value in bad that the server refuses, the schema
// refuses too, and the tool's own code refuses it past the schema; and a
// good call passes both, its output matching the output schema.
func TestSchemas(t *testing.T) {
	d := MustOpenDaemon(t)
	cs := d.MustConnect(t, d.AgentToken)
	meta := metaSchema(t)
	inputs, outputs := map[string]*jsonschema.Resolved{}, map[string]*jsonschema.Resolved{}
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range res.Tools {
		inputs[tool.Name] = resolve(t, meta, tool.Name+" input", tool.InputSchema)
		outputs[tool.Name] = resolve(t, meta, tool.Name+" output", tool.OutputSchema)
	}
	if len(inputs) != len(wantTools) {
		t.Fatalf("%d tools, want %d", len(inputs), len(wantTools))
	}

	for _, b := range bad {
		t.Run(b.tool+"/"+b.what, func(t *testing.T) {
			if err := validate(inputs[b.tool], b.args); err == nil {
				t.Errorf("the schema takes %v", b.args)
			}
			if e := MustFail(t, cs, b.tool, b.args, wallet.EINVALID); e.Message == "" {
				t.Error("no message")
			}
			if b.direct {
				if err := mcp.CallDirect(context.Background(), d.Tools, "claude", b.tool, b.args); err == nil {
					t.Errorf("the tool's own code takes %v", b.args)
				}
			}
		})
	}
	if m := d.Money(t); m.Paid != 0 || m.Held != 0 || len(d.MustOrders()) != 0 {
		t.Fatalf("refused calls moved money or proposed: %v, %d orders", m, len(d.MustOrders()))
	}

	var o mcp.Order
	MustCall(t, cs, "create_order", order(map[string]any{"item": "americano"}), &o)
	var m mcp.Mandate
	MustCall(t, cs, "propose_subscription", with(subscription(), "idempotency_key", "approved"), &m)
	if tr := d.Say(t, "approve the subscription"); tr.Err != nil {
		t.Fatalf("approve: %v", tr.Err)
	}
	for tool, args := range good(o.ID, m.ID) {
		t.Run("good/"+tool, func(t *testing.T) {
			if err := validate(inputs[tool], args); err != nil {
				t.Errorf("the schema refuses %v: %v", args, err)
			}
			res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: tool, Arguments: args})
			if err != nil || res.IsError {
				t.Fatalf("%v: %v %v", args, err, res.Content)
			}
			var out any
			b, _ := json.Marshal(res.StructuredContent)
			if err := json.Unmarshal(b, &out); err != nil {
				t.Fatal(err)
			}
			if err := outputs[tool].Validate(out); err != nil {
				t.Errorf("output %s does not match the output schema: %v", b, err)
			}
		})
	}
}

// resolve checks a tool's schema against the meta-schema and resolves it.
func resolve(tb testing.TB, meta *jsonschema.Resolved, what string, schema any) *jsonschema.Resolved {
	tb.Helper()
	b, err := json.Marshal(schema)
	if err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
	if meta != nil {
		var raw any
		json.Unmarshal(b, &raw)
		if err := meta.Validate(raw); err != nil {
			tb.Errorf("%s is not valid JSON Schema 2020-12: %v\n%s", what, err, b)
		}
	}
	var s jsonschema.Schema
	if err := json.Unmarshal(b, &s); err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
	if s.Schema != "" && s.Schema != "https://json-schema.org/draft/2020-12/schema" {
		tb.Errorf("%s is of %s", what, s.Schema)
	}
	rs, err := s.Resolve(&jsonschema.ResolveOptions{ValidateDefaults: true})
	if err != nil {
		tb.Fatalf("%s does not resolve: %v\n%s", what, err, b)
	}
	return rs
}

// validate checks args, as JSON carries them, against a schema.
func validate(rs *jsonschema.Resolved, args map[string]any) error {
	b, _ := json.Marshal(args)
	var v any
	json.Unmarshal(b, &v)
	return rs.Validate(v)
}

// TestPayeePattern checks the schema's payee id pattern against the
// wallet's own test of a payee id.
func TestPayeePattern(t *testing.T) {
	for _, id := range []string{"claude_dev", "a", "0x", "acme-cloud", "Acme", "_a", "-a", "a b", "",
		"é", strings.Repeat("a", wallet.MaxName), strings.Repeat("a", wallet.MaxName+1), "a_", "a\n"} {
		want := wallet.ValidPayeeID(id)
		if got := mcp.ValidPayeePattern(id); got != want {
			t.Errorf("%q: the pattern says %v, the wallet %v", id, got, want)
		}
	}
}

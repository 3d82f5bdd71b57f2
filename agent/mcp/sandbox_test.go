package mcp_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/voicepay/voicepay/agent"
)

// resultText is the text of a tool result.
func resultText(res *sdk.CallToolResult) string {
	var text string
	for _, c := range res.Content {
		if t, ok := c.(*sdk.TextContent); ok {
			text += t.Text
		}
	}
	return text
}

// TestSandboxMarksEveryResult calls tools of the sandbox's server, some
// that succeed and some that fail (by the wallet's refusal and by the
// SDK's schema check), and checks that every text begins with the mark,
// that every structured result has "sandbox": true beside its own fields,
// that each output schema lists the field, and that the instructions say
// it is the sandbox. The same server without Sandbox marks nothing.
func TestSandboxMarksEveryResult(t *testing.T) {
	for _, sandbox := range []bool{true, false} {
		d := MustOpenDaemon(t)
		if sandbox {
			d.Tools.Sandbox()
		}
		cs := d.MustConnect(t, d.AgentToken)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		instructions := cs.InitializeResult().Instructions
		if got := strings.HasPrefix(instructions, agent.SandboxMark+"This is voicepay's sandbox"); got != sandbox {
			t.Errorf("sandbox %v: instructions %q", sandbox, instructions)
		}
		calls := []struct {
			tool    string
			args    map[string]any
			isError bool
		}{
			{"get_balance", nil, false},
			{"create_order", map[string]any{"merchant": "luckin_coffee", "idempotency_key": "k1",
				"items": []any{map[string]any{"item": "latte", "quantity": 2}}}, false},
			{"get_order", map[string]any{"order_id": 1}, false},
			{"wait_order", map[string]any{"order_id": 1, "timeout_seconds": 1}, false},
			{"get_order", map[string]any{"order_id": 99}, true},
			{"create_order", map[string]any{"merchant": "starbucks", "idempotency_key": "k2",
				"items": []any{map[string]any{"item": "latte"}}}, true},
			{"record_usage", map[string]any{"subscription_id": "one"}, true},
		}
		for _, c := range calls {
			res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: c.tool, Arguments: c.args})
			if err != nil {
				t.Fatalf("%s: %v", c.tool, err)
			}
			text := resultText(res)
			if res.IsError != c.isError {
				t.Errorf("%s %v: error %v (%s), want %v", c.tool, c.args, res.IsError, text, c.isError)
			}
			if got := strings.HasPrefix(text, agent.SandboxMark); got != sandbox {
				t.Errorf("sandbox %v: %s %v: text %q", sandbox, c.tool, c.args, text)
			}
			if res.StructuredContent == nil {
				continue
			}
			var out map[string]any
			b, _ := json.Marshal(res.StructuredContent)
			if err := json.Unmarshal(b, &out); err != nil {
				t.Fatalf("%s: structured content %s: %v", c.tool, b, err)
			}
			if got, _ := out["sandbox"].(bool); got != sandbox || (!sandbox && out["sandbox"] != nil) {
				t.Errorf("sandbox %v: %s: structured content %s", sandbox, c.tool, b)
			}
			if !c.isError && len(out) < 2 {
				t.Errorf("%s: structured content %s lost the tool's own fields", c.tool, b)
			}
		}
		tools, err := cs.ListTools(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, tool := range tools.Tools {
			b, _ := json.Marshal(tool.OutputSchema)
			var schema struct {
				Properties map[string]struct{ Type any }
			}
			if err := json.Unmarshal(b, &schema); err != nil {
				t.Fatalf("%s: output schema %s: %v", tool.Name, b, err)
			}
			field, ok := schema.Properties["sandbox"]
			if ok != sandbox || (ok && field.Type != "boolean") {
				t.Errorf("sandbox %v: %s: output schema %s", sandbox, tool.Name, b)
			}
		}
	}
}

package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/voicepay/voicepay/agent"
)

// sandboxInstructions come first in what the sandbox's server tells a
// client when it connects.
const sandboxInstructions = agent.SandboxMark + "This is voicepay's sandbox: a wallet of test money, and a fake " +
	"person who approves every proposal a moment after it is made. No real payment is made here; every " +
	"tool result says so.\n\n"

// Sandbox makes s the sandbox's server (voicepay serve --sandbox): the text
// of every tool result, errors included, begins with agent.SandboxMark, and
// every structured result has "sandbox": true, which each tool's output
// schema lists. Call it before s serves, and after any other middleware,
// so that it sees the results last.
func (s *Server) Sandbox() {
	s.mcp.AddReceivingMiddleware(sandboxResults)
}

// sandboxResults marks the results of tools/call, the tools of tools/list
// and the instructions of initialize and server/discover.
func sandboxResults(next sdk.MethodHandler) sdk.MethodHandler {
	return func(ctx context.Context, method string, req sdk.Request) (sdk.Result, error) {
		res, err := next(ctx, method, req)
		if err != nil {
			return res, err
		}
		switch r := res.(type) {
		case *sdk.CallToolResult:
			markResult(r)
		case *sdk.ListToolsResult:
			markTools(r)
		case *sdk.InitializeResult:
			r.Instructions = sandboxInstructions + r.Instructions
		case *sdk.DiscoverResult: // what initialize is to a client of the sessionless protocol
			r.Instructions = sandboxInstructions + r.Instructions
		}
		return res, err
	}
}

// markResult puts the mark before the result's text, and "sandbox": true
// in its structured content.
func markResult(r *sdk.CallToolResult) {
	marked := false
	for _, c := range r.Content {
		if t, ok := c.(*sdk.TextContent); ok {
			t.Text = agent.SandboxMark + t.Text
			marked = true
			break
		}
	}
	if !marked {
		r.Content = append([]sdk.Content{&sdk.TextContent{Text: agent.SandboxMark}}, r.Content...)
	}
	if r.StructuredContent == nil {
		return
	}
	b, err := json.Marshal(r.StructuredContent)
	if err != nil {
		return
	}
	// Added before the object's first member, byte for byte: the rest, such
	// as an amount beyond a float's precision, is left as it was.
	b = bytes.TrimSpace(b)
	if len(b) < 2 || b[0] != '{' {
		return
	}
	field := `{"sandbox":true`
	if len(bytes.TrimSpace(b[1:len(b)-1])) > 0 {
		field += ","
	}
	r.StructuredContent = json.RawMessage(append([]byte(field), b[1:]...))
}

// markTools adds the "sandbox" field to each tool's output schema. The
// tools listed are the server's own: each one marked is a copy.
func markTools(r *sdk.ListToolsResult) {
	for i, t := range r.Tools {
		if t.OutputSchema == nil {
			continue
		}
		var schema map[string]any
		if b, err := json.Marshal(t.OutputSchema); err != nil || json.Unmarshal(b, &schema) != nil {
			continue
		}
		props, _ := schema["properties"].(map[string]any)
		props = maps.Clone(props)
		if props == nil {
			props = map[string]any{}
		}
		props["sandbox"] = map[string]any{"type": "boolean",
			"description": "always true: this is voicepay's sandbox, and no real payment is made"}
		schema["properties"] = props
		copied := *t
		copied.OutputSchema = schema
		r.Tools[i] = &copied
	}
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"go.yaml.in/yaml/v3"
)

// skillTool is one tool's section of SKILL.md: its input and output
// examples.
type skillTool struct {
	input, output string
}

// skillHeading is the heading of a tool's section: ### `name`.
var skillHeading = regexp.MustCompile("(?m)^### `([a-z_]+)`$")

// skillTools reads the "Tools" section of SKILL.md: each tool's heading,
// its "json input" block and its "json output" block.
func skillTools(t *testing.T, text string) map[string]skillTool {
	t.Helper()
	_, section, ok := strings.Cut(text, "\n## Tools\n")
	if !ok {
		t.Fatal(`SKILL.md has no "Tools" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	out := map[string]skillTool{}
	heads := skillHeading.FindAllStringSubmatchIndex(section, -1)
	for i, h := range heads {
		end := len(section)
		if i+1 < len(heads) {
			end = heads[i+1][0]
		}
		body := section[h[1]:end]
		name := section[h[2]:h[3]]
		in, out1 := codeBlocks(body, "json input"), codeBlocks(body, "json output")
		if len(in) != 1 || len(out1) != 1 {
			t.Errorf("SKILL.md: %s has %d input and %d output examples, want one of each", name, len(in), len(out1))
			continue
		}
		out[name] = skillTool{input: in[0], output: out1[0]}
	}
	return out
}

// TestSkillTools holds SKILL.md's tool reference to the tools the daemon
// serves: every tool has a section, and each section's input example is
// valid against the tool's input schema, and its output example against
// its output schema, as the daemon lists them.
func TestSkillTools(t *testing.T) {
	tools := skillTools(t, readFile(t, skillPath))
	d := startDaemon(t)
	cs, err := d.http(d.AgentToken)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var served []string
	for _, tool := range res.Tools {
		served = append(served, tool.Name)
		ex, ok := tools[tool.Name]
		if !ok {
			t.Errorf("SKILL.md has no section for %s", tool.Name)
			continue
		}
		checkExample(t, tool.Name+" input", tool.InputSchema, ex.input)
		checkExample(t, tool.Name+" output", tool.OutputSchema, ex.output)
	}
	for name := range tools {
		if !slices.Contains(served, name) {
			t.Errorf("SKILL.md describes %s, which the daemon does not serve", name)
		}
	}
}

// checkExample validates a JSON example against a schema as the daemon
// lists it.
func checkExample(t *testing.T, what string, schema any, example string) {
	t.Helper()
	b, err := json.Marshal(schema)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	var s jsonschema.Schema
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("%s schema: %v", what, err)
	}
	rs, err := s.Resolve(nil)
	if err != nil {
		t.Fatalf("%s schema: %v", what, err)
	}
	var v any
	if err := json.Unmarshal([]byte(example), &v); err != nil {
		t.Errorf("SKILL.md: the %s example is not JSON: %v\n%s", what, err, example)
		return
	}
	if err := rs.Validate(v); err != nil {
		t.Errorf("SKILL.md: the %s example does not match the schema: %v\n%s", what, err, example)
	}
}

// skillPath is the Payment Integration Skill.
const skillPath = "../../skills/voicepay-payments/SKILL.md"

// mcpConfig is an MCP client's configuration of servers, as SKILL.md shows it.
type mcpConfig struct {
	MCPServers map[string]struct {
		Type    string            `json:"type"`
		Command string            `json:"command"`
		Args    []string          `json:"args"`
		Env     map[string]string `json:"env"`
		URL     string            `json:"url"`
		Headers map[string]string `json:"headers"`
	} `json:"mcpServers"`
}

// codeBlocks returns the fenced code blocks of a Markdown text in a language.
func codeBlocks(text, lang string) []string {
	var out []string
	for _, part := range strings.Split(text, "```"+lang+"\n")[1:] {
		block, _, _ := strings.Cut(part, "```")
		out = append(out, block)
	}
	return out
}

// TestSkillSnippets reads the configuration snippets out of SKILL.md and
// connects with exactly what they say: the claude mcp add command line and
// every JSON configuration, stdio and HTTP. Each connects to the real daemon
// and lists the ten tools. The token is expanded from
// ${VOICEPAY_AGENT_TOKEN}, as Claude Code expands it; the HTTP URL's address
// is the test daemon's.
func TestSkillSnippets(t *testing.T) {
	text := readFile(t, skillPath)
	front, _, ok := strings.Cut(strings.TrimPrefix(text, "---\n"), "\n---\n")
	if !strings.HasPrefix(text, "---\n") || !ok {
		t.Fatal("SKILL.md does not start with YAML front matter")
	}
	var meta struct{ Name, Description string }
	if err := yaml.Unmarshal([]byte(front), &meta); err != nil {
		t.Fatalf("front matter: %v", err)
	}
	if meta.Name != "voicepay-payments" || len(meta.Description) < 50 || len(meta.Description) > 1024 {
		t.Errorf("front matter name %q, description %q", meta.Name, meta.Description)
	}
	for _, must := range []string{"PIN", "mandate_cap", "mandate_expired", "mandate_revoked", "mandate_not_active",
		"risk_blocked", "insufficient_funds", "conflict", "unauthorized", "rate_limited", "too_many_waiting",
		"progressToken", "resetTimeoutOnProgress", "--sandbox", "--allow balance", "WWW-Authenticate", "retryable"} {
		if !strings.Contains(text, must) {
			t.Errorf("SKILL.md does not mention %s", must)
		}
	}

	d := startDaemon(t)
	expand := func(s string) string {
		return os.Expand(s, func(v string) string {
			if v == "VOICEPAY_AGENT_TOKEN" {
				return d.AgentToken
			}
			t.Errorf("snippet uses $%s", v)
			return ""
		})
	}
	stdio := func(name string, command string, args []string, env map[string]string) {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(command, args...)
			cmd.Env = slices.Clone(d.env)
			for k, v := range env {
				cmd.Env = append(cmd.Env, k+"="+expand(v))
			}
			cmd.Stderr = testLog{t}
			cs, err := connect(&sdk.CommandTransport{Command: cmd})
			if err != nil {
				t.Fatalf("%s %v: %v", command, args, err)
			}
			defer cs.Close()
			if got := toolNames(t, cs); !slices.Equal(got, allTools) {
				t.Errorf("tools %v, want %v", got, allTools)
			}
		})
	}

	var stdioSnippets [][]string
	configs := 0
	for i, block := range codeBlocks(text, "json") {
		var c mcpConfig
		if err := json.Unmarshal([]byte(block), &c); err != nil {
			t.Errorf("JSON block %d: %v\n%s", i, err, block)
			continue
		}
		srv, ok := c.MCPServers["voicepay"]
		if !ok {
			t.Errorf("JSON block %d has no voicepay server", i)
			continue
		}
		configs++
		switch {
		case srv.Command != "":
			stdioSnippets = append(stdioSnippets, append([]string{srv.Command}, srv.Args...))
			stdio(fmt.Sprintf("json %d stdio", i), srv.Command, srv.Args, srv.Env)
		case srv.URL != "":
			t.Run(fmt.Sprintf("json %d http", i), func(t *testing.T) {
				if srv.URL != "http://127.0.0.1:8421/mcp" || srv.Type != "http" {
					t.Errorf("url %q type %q, want the daemon's default address", srv.URL, srv.Type)
				}
				headers := map[string]string{}
				for k, v := range srv.Headers {
					headers[k] = expand(v)
				}
				cs, err := connect(httpTransport(strings.Replace(srv.URL, "127.0.0.1:8421", d.addr, 1), headers))
				if err != nil {
					t.Fatalf("connect: %v", err)
				}
				defer cs.Close()
				if got := toolNames(t, cs); !slices.Equal(got, allTools) {
					t.Errorf("tools %v, want %v", got, allTools)
				}
			})
		default:
			t.Errorf("JSON block %d names neither a command nor a URL", i)
		}
	}
	if configs < 3 {
		t.Errorf("%d MCP configurations in SKILL.md, want the .mcp.json, a generic stdio and an HTTP one", configs)
	}

	claude := 0
	for _, block := range codeBlocks(text, "sh") {
		for _, line := range strings.Split(block, "\n") {
			if !strings.HasPrefix(line, "claude mcp add ") {
				continue
			}
			claude++
			before, after, ok := strings.Cut(line, " -- ")
			if !ok {
				t.Errorf("%q has no -- before the server's command", line)
				continue
			}
			words := strings.Fields(before)
			if len(words) < 4 || words[3] != "voicepay" {
				t.Errorf("%q does not name the server voicepay", line)
			}
			env := map[string]string{}
			for i := 4; i < len(words); i++ {
				if (words[i] == "--env" || words[i] == "-e") && i+1 < len(words) {
					k, v, _ := strings.Cut(words[i+1], "=")
					env[k] = v
					i++
				}
			}
			command := strings.Fields(after)
			for _, s := range stdioSnippets {
				if !slices.Equal(s, command) {
					t.Errorf("claude mcp add runs %v, the JSON %v", command, s)
				}
			}
			if _, ok := env["VOICEPAY_AGENT_TOKEN"]; !ok {
				t.Errorf("%q does not set VOICEPAY_AGENT_TOKEN", line)
			}
			stdio("claude mcp add", command[0], command[1:], env)
		}
	}
	if claude == 0 {
		t.Error("SKILL.md shows no claude mcp add command")
	}
}

package main

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"
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

package agent_test

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/intent"
)

// readmeSection is the README's "What you can say" section.
func readmeSection(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	start := strings.Index(s, "## What you can say")
	if start < 0 {
		t.Fatal(`README.md has no "What you can say" section`)
	}
	s = s[start+len("## What you can say"):]
	if end := strings.Index(s, "\n## "); end >= 0 {
		s = s[:end]
	}
	return s
}

// TestReadme checks the README's "What you can say" against the dialog:
// every sentence it quotes means something, and its conversation gives the
// replies it shows.
func TestReadme(t *testing.T) {
	section := readmeSection(t)
	h, s := MustOpenActive(t)
	t.Run("sentences", func(t *testing.T) {
		list := section[:strings.Index(section, "```")]
		quoted := regexp.MustCompile(`"([^"]+)"`).FindAllStringSubmatch(list, -1)
		if len(quoted) < 25 {
			t.Fatalf("%d quoted sentences, want the section's list", len(quoted))
		}
		for _, q := range quoted {
			if got := h.Parser.Parse(q[1]); got.Intent == intent.None {
				t.Errorf("%q means nothing to the parser", q[1])
			}
		}
	})
	t.Run("conversation", func(t *testing.T) {
		block := section[strings.Index(section, "```text\n")+len("```text\n"):]
		block = block[:strings.Index(block, "```")]
		lines := strings.Split(strings.TrimSpace(block), "\n")
		if len(lines) < 10 || len(lines)%2 != 0 {
			t.Fatalf("the conversation has %d lines, want pairs of a sentence and a reply", len(lines))
		}
		for i := 0; i < len(lines); i += 2 {
			say, ok := strings.CutPrefix(lines[i], "> ")
			if !ok {
				t.Fatalf("line %q: want a sentence after \"> \"", lines[i])
			}
			turn := s.Say(context.Background(), agent.Input{Text: say, Channel: "text"})
			if turn.Reply != lines[i+1] {
				t.Errorf("%q:\n got %q\nwant %q", say, turn.Reply, lines[i+1])
			}
		}
		if got, want := h.Balance(), int64(Opening-6900); got != want {
			t.Errorf("balance %d, want %d: the cart's total paid", got, want)
		}
	})
}

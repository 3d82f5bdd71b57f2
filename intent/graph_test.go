package intent_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/voicepay/voicepay/intent"
)

func TestGraphFeatures(t *testing.T) {
	tests := []struct {
		name     string
		template string
		rules    map[string]string
		accept   []string
		reject   []string
	}{
		{
			name:     "alternatives and optional parts",
			template: "[please] (pay | confirm [it]) [now]",
			accept:   []string{"pay", "please pay now", "confirm it", "please confirm it now"},
			reject:   []string{"", "please", "pay it", "now pay"},
		},
		{
			name:     "rules and a rule that matches nothing",
			template: "<lead> help | never <void> | <lead> stop <void>",
			rules:    map[string]string{"lead": "[ok]"},
			accept:   []string{"help", "ok help"},
			reject:   []string{"never", "ok", "stop", "ok stop"},
		},
		{
			name:     "a rule used twice",
			template: "<d> <d> [<d>]",
			rules:    map[string]string{"d": "one | two"},
			accept:   []string{"one two", "two two one"},
			reject:   []string{"one", "one two one two"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := intent.GraphOf(tt.template, tt.rules)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tt.accept {
				if !g.Accepts(s) {
					t.Errorf("rejects %q", s)
				}
			}
			for _, s := range tt.reject {
				if g.Accepts(s) {
					t.Errorf("accepts %q", s)
				}
			}
		})
	}
}

// The graph is deterministic and minimal: the shared tails of alternatives
// are one path, and each state has one edge per word.
func TestGraphMinimal(t *testing.T) {
	g, err := intent.GraphOf("(buy | order | get) [a] latte | (buy | order) [a] latte please", nil)
	if err != nil {
		t.Fatal(err)
	}
	// start -buy,order-> s1 -a-> s2 -latte-> s3 (final) -please-> s4 (final)
	// start -get-> s5 -a-> s6 -latte-> s4, and s1, s2 skip a: 7 states.
	if states, _ := intent.GraphSize(g); states != 7 {
		t.Errorf("%d states, want 7", states)
	}
	for s := range g.States() {
		var words []string
		for i := range g.NumEdges(s) {
			w, to := g.Edge(s, i)
			if to < 0 || to >= g.States() {
				t.Fatalf("state %d: edge %q to %d", s, w, to)
			}
			words = append(words, w)
		}
		if len(slices.Compact(slices.Sorted(slices.Values(words)))) != len(words) {
			t.Errorf("state %d has two edges with one word: %v", s, words)
		}
	}
	if got, want := g.Words(), []string{"a", "buy", "get", "latte", "order", "please"}; !slices.Equal(got, want) {
		t.Errorf("Words() = %v, want %v", got, want)
	}
}

func TestGraphErrors(t *testing.T) {
	tests := []struct {
		name, template string
		rules          map[string]string
		want           string
	}{
		{"undefined rule", "a <d>", nil, "undefined rule <d>"},
		{"recursion", "a <c>", map[string]string{"c": "b [<c>]"}, "refers to itself"},
		{"slot", "buy {item}", nil, "cannot be said"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := intent.GraphOf(tt.template, tt.rules)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}

// A grammar with no sentence is one state that is not final.
func TestGraphNothingToSay(t *testing.T) {
	g, err := intent.GraphOf("never <void>", nil)
	if err != nil {
		t.Fatal(err)
	}
	if g.States() != 1 || g.Final(g.Start()) || g.NumEdges(g.Start()) != 0 || g.Accepts("never") || len(g.Words()) != 0 {
		t.Errorf("%d states, final %v, %d edges, words %v", g.States(), g.Final(g.Start()), g.NumEdges(g.Start()), g.Words())
	}
}

package sphinx_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/voice/sphinx"
)

// graph is a Grammar written out by hand: edges[s] leave state s, and
// final[s] says whether it is final. State 0 starts.
type graph struct {
	key   string
	final []bool
	edges [][]edge
}

type edge struct {
	word string
	to   int
}

var (
	_ sphinx.Grammar = (*graph)(nil)
	_ sphinx.Grammar = (*intent.Graph)(nil)
)

func (g *graph) Key() string            { return g.key }
func (g *graph) States() int            { return len(g.final) }
func (g *graph) Start() int             { return 0 }
func (g *graph) Final(state int) bool   { return g.final[state] }
func (g *graph) NumEdges(state int) int { return len(g.edges[state]) }
func (g *graph) Edge(state, i int) (string, int) {
	e := g.edges[state][i]
	return e.word, e.to
}

// sentences is the grammar of a few sentences, as a tree of words.
func sentences(texts ...string) *graph {
	g := &graph{key: strings.Join(texts, "|"), final: []bool{false}, edges: [][]edge{nil}}
	for _, text := range texts {
		s := 0
		for _, w := range strings.Fields(text) {
			i := slices.IndexFunc(g.edges[s], func(e edge) bool { return e.word == w })
			if i < 0 {
				g.edges[s] = append(g.edges[s], edge{w, len(g.final)})
				i = len(g.edges[s]) - 1
				g.final = append(g.final, false)
				g.edges = append(g.edges, nil)
			}
			s = g.edges[s][i].to
		}
		g.final[s] = true
	}
	return g
}

func TestGrammarWords(t *testing.T) {
	words, err := sphinx.GrammarWords(sentences("buy a latte", "buy a zorblat", "pay"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "buy", "latte", "pay", "zorblat"}; !slices.Equal(words, want) {
		t.Errorf("got %v, want %v", words, want)
	}
	p := MustParser(t)
	if words, err := sphinx.GrammarWords(p.Grammar()); err != nil || !slices.Equal(words, p.Words()) {
		t.Errorf("the parser's grammar: %v, words differ from Parser.Words: %v", err, words)
	}
}

// A grammar the decoder could not take, or that says nothing, is refused.
func TestGrammarErrors(t *testing.T) {
	tests := []struct {
		name string
		g    *graph
		want string
	}{
		{"no states", &graph{}, "no states"},
		{"edge out of range", &graph{final: []bool{true}, edges: [][]edge{{{"a", 1}}}}, "an edge from state 0 to state 1 of 1"},
		{"negative edge", &graph{final: []bool{true}, edges: [][]edge{{{"a", -1}}}}, "an edge from state 0 to state -1"},
		{"empty word", &graph{final: []bool{false, true}, edges: [][]edge{{{"", 1}}, nil}}, `the word ""`},
		{"two words in one", &graph{final: []bool{false, true}, edges: [][]edge{{{"a b", 1}}, nil}}, `the word "a b"`},
		{"garbage word", &graph{final: []bool{false, true}, edges: [][]edge{{{"_a", 1}}, nil}}, `the word "_a"`},
		{"nothing final", &graph{final: []bool{false, false}, edges: [][]edge{{{"a", 1}}, nil}}, "no sentence"},
		{"final out of reach", &graph{final: []bool{false, true}, edges: [][]edge{nil, {{"a", 0}}}}, "no sentence"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sphinx.GrammarWords(tt.g)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}

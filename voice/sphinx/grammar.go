package sphinx

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"
)

// Grammar is what a Recognizer listens for: a graph of words, whose paths
// from the start to a final state are the sentences that can be heard.
// intent.Graph is one. The search works best on a deterministic, minimal
// graph (from any state, a word leads to at most one state, and no two
// states accept the same continuations), where it keeps one hypothesis per
// distinct sentence prefix.
type Grammar interface {
	// Key names the graph: two grammars with one key must have the same
	// states and edges. The recognizer keeps compiled grammars by key.
	Key() string
	// States is the number of states, numbered from 0.
	States() int
	// Start is the state every sentence starts from.
	Start() int
	// Final reports whether a sentence may end in a state.
	Final(state int) bool
	// NumEdges is the number of edges that leave a state.
	NumEdges(state int) int
	// Edge is the i-th edge that leaves a state: the word it takes and the
	// state it leads to.
	Edge(state, i int) (word string, to int)
}

// Weighted is a Grammar whose edges have prior weights. At each state the
// recognizer splits the probability of the choices in proportion to their
// weights, a final state's ending weighing 1; the weights of a Grammar
// that is not Weighted are all 1. Weights must be positive, and belong to
// the Key: two grammars with one key must weigh their edges the same.
type Weighted interface {
	Grammar
	// Weight is the weight of the i-th edge that leaves a state.
	Weight(state, i int) float64
}

// weights returns the weight of each edge of a state, and their sum with
// the ending's if the state is final.
func weights(g Grammar, state int, buf []float64) ([]float64, float64) {
	buf = buf[:0]
	wg, _ := g.(Weighted)
	sum := 0.0
	for i := range g.NumEdges(state) {
		w := 1.0
		if wg != nil {
			w = wg.Weight(state, i)
		}
		buf = append(buf, w)
		sum += w
	}
	if g.Final(state) {
		sum++
	}
	return buf, sum
}

// grammarWords checks that a grammar is a graph the decoder can take and
// returns the words on its edges, sorted.
func grammarWords(g Grammar) ([]string, error) {
	n := g.States()
	switch {
	case n <= 0:
		return nil, errors.New("grammar: no states")
	case n > math.MaxInt32-3: // the decoder's state graph adds up to three states
		return nil, fmt.Errorf("grammar: %d states", n)
	case g.Start() < 0 || g.Start() >= n:
		return nil, fmt.Errorf("grammar: start state %d of %d", g.Start(), n)
	}
	seen := map[string]bool{}
	var words []string
	for s := range n {
		for i := range g.NumEdges(s) {
			w, to := g.Edge(s, i)
			if to < 0 || to >= n {
				return nil, fmt.Errorf("grammar: an edge from state %d to state %d of %d", s, to, n)
			}
			if seen[w] {
				continue
			}
			if w == "" || strings.IndexFunc(w, unicode.IsSpace) >= 0 || isGarbage(w) {
				return nil, fmt.Errorf("grammar: the word %q", w)
			}
			if wg, ok := g.(Weighted); ok {
				if x := wg.Weight(s, i); !(x > 0) || math.IsInf(x, 1) {
					return nil, fmt.Errorf("grammar: the weight %v of %q from state %d", x, w, s)
				}
			}
			seen[w] = true
			words = append(words, w)
		}
	}
	if !saysSomething(g) {
		return nil, errors.New("grammar: no sentence")
	}
	slices.Sort(words)
	return words, nil
}

// saysSomething reports whether a final state can be reached from the
// start.
func saysSomething(g Grammar) bool {
	reached := make([]bool, g.States())
	reached[g.Start()] = true
	queue := []int{g.Start()}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		if g.Final(s) {
			return true
		}
		for i := range g.NumEdges(s) {
			if _, to := g.Edge(s, i); !reached[to] {
				reached[to] = true
				queue = append(queue, to)
			}
		}
	}
	return false
}

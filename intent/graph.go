package intent

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Graph is a grammar as a speech recognizer listens for it: a minimal
// deterministic automaton over words. From any state a word leads to at
// most one state, no two states accept the same continuations, and a final
// state can be reached from every state. A recognizer's search then keeps
// one hypothesis per distinct sentence prefix instead of one per copy of a
// rule, and the graph is far smaller than the rules written out.
//
// States are numbered from 0 in the order a breadth-first walk from the
// start meets them, taking each state's words in the order the grammar
// first names them; the edges of a state are in that order too. The same
// grammar therefore always gives the same graph, and Key names it.
//
// A Graph is immutable and safe for concurrent use.
type Graph struct {
	key    string
	words  []string // by id, in the order the grammar first names them
	index  map[string]int32
	start  int32
	states []graphState
	used   []string // the words on edges, sorted
}

type graphState struct {
	edges []graphEdge // by word id
	final bool
}

type graphEdge struct{ word, to int32 }

// Key names the graph by its states and edges: two graphs with one key
// accept the same sentences through the same states. It is the same from
// one run of voicepay to the next, and fit for naming a compiled search.
func (g *Graph) Key() string { return g.key }

// States is the number of states, numbered from 0.
func (g *Graph) States() int { return len(g.states) }

// Start is the state every sentence starts from.
func (g *Graph) Start() int { return int(g.start) }

// Final reports whether a sentence may end in a state.
func (g *Graph) Final(state int) bool { return g.states[state].final }

// NumEdges is the number of edges that leave a state.
func (g *Graph) NumEdges(state int) int { return len(g.states[state].edges) }

// Edge is the i-th edge that leaves a state: the word it takes and the
// state it leads to.
func (g *Graph) Edge(state, i int) (word string, to int) {
	e := g.states[state].edges[i]
	return g.words[e.word], int(e.to)
}

// Words lists the words on the graph's edges, sorted: the words a
// recognizer needs pronunciations for.
func (g *Graph) Words() []string { return slices.Clone(g.used) }

// Accepts reports whether the graph generates text, read as words
// separated by spaces.
func (g *Graph) Accepts(text string) bool {
	s := g.start
	for _, w := range strings.Fields(text) {
		id, ok := g.index[w]
		if !ok {
			return false
		}
		i, ok := slices.BinarySearchFunc(g.states[s].edges, id, func(e graphEdge, id int32) int { return cmp.Compare(e.word, id) })
		if !ok {
			return false
		}
		s = g.states[s].edges[i].to
	}
	return g.states[s].final
}

// voidRule is the rule that matches nothing, such as a list no one can say.
const voidRule = "VOID"

// maxGraphStates bounds the deterministic automaton built from a grammar,
// and four times it the automaton with empty moves it is built from.
const maxGraphStates = 200000

var errTooBig = errors.New("too large")

// buildGraph builds the graph of x, whose rule references name rules of
// rules. The grammar may match no sentence: then the graph is one state,
// not final, with no edges.
func buildGraph(x expr, rules map[string]expr) (g *Graph, err error) {
	b := &nfaBuilder{rules: rules, words: map[string]int32{}, building: map[string]bool{}}
	defer func() {
		if r := recover(); r != nil {
			if r != errTooBig {
				panic(r)
			}
			g, err = nil, fmt.Errorf("grammar: more than %d states", 4*maxGraphStates)
		}
	}()
	start := b.state()
	end, err := b.add(x, start)
	if err != nil {
		return nil, err
	}
	g, err = b.determinize(start, end)
	if err != nil {
		return nil, err
	}
	g.minimize()
	g.contract()
	g.finish()
	return g, nil
}

// nfaBuilder builds an automaton with empty moves from a grammar.
type nfaBuilder struct {
	rules    map[string]expr
	words    map[string]int32
	names    []string
	eps      [][]int32
	edges    [][]graphEdge
	building map[string]bool
}

func (b *nfaBuilder) state() int32 {
	b.eps = append(b.eps, nil)
	b.edges = append(b.edges, nil)
	if len(b.eps) > 4*maxGraphStates {
		panic(errTooBig)
	}
	return int32(len(b.eps) - 1)
}

func (b *nfaBuilder) word(w string) int32 {
	id, ok := b.words[w]
	if !ok {
		id = int32(len(b.names))
		b.words[w] = id
		b.names = append(b.names, w)
	}
	return id
}

// add adds x from state from and returns the state where it ends, or -1
// when nothing can follow (the void rule).
func (b *nfaBuilder) add(x expr, from int32) (int32, error) {
	if from < 0 {
		return -1, nil
	}
	switch x := x.(type) {
	case wordExpr:
		to := b.state()
		b.edges[from] = append(b.edges[from], graphEdge{b.word(string(x)), to})
		return to, nil
	case seqExpr:
		cur := from
		for _, part := range x {
			var err error
			if cur, err = b.add(part, cur); err != nil {
				return -1, err
			}
		}
		return cur, nil
	case altExpr:
		end := b.state()
		for _, alt := range x {
			s := b.state()
			b.eps[from] = append(b.eps[from], s)
			e, err := b.add(alt, s)
			if err != nil {
				return -1, err
			}
			if e >= 0 {
				b.eps[e] = append(b.eps[e], end)
			}
		}
		return end, nil
	case optExpr:
		s := b.state()
		b.eps[from] = append(b.eps[from], s)
		e, err := b.add(x.x, s)
		if err != nil {
			return -1, err
		}
		end := b.state()
		b.eps[from] = append(b.eps[from], end)
		if e >= 0 {
			b.eps[e] = append(b.eps[e], end)
		}
		return end, nil
	case ruleExpr:
		name := string(x)
		if name == voidRule {
			return -1, nil
		}
		r, ok := b.rules[name]
		if !ok {
			return -1, fmt.Errorf("grammar: undefined rule <%s>", name)
		}
		if b.building[name] {
			return -1, fmt.Errorf("grammar: rule <%s> refers to itself", name)
		}
		b.building[name] = true
		defer delete(b.building, name)
		return b.add(r, from)
	}
	return -1, fmt.Errorf("grammar: %T cannot be said", x)
}

// closure returns the states reachable from set by empty moves, sorted.
func (b *nfaBuilder) closure(set []int32, mark []uint32, stamp uint32) []int32 {
	out := slices.Clone(set)
	for _, s := range set {
		mark[s] = stamp
	}
	for i := 0; i < len(out); i++ {
		for _, t := range b.eps[out[i]] {
			if mark[t] != stamp {
				mark[t] = stamp
				out = append(out, t)
			}
		}
	}
	slices.Sort(out)
	return out
}

// determinize builds the deterministic automaton of the states reachable
// from start, final where end is reached, by the subset construction, and
// prunes it.
func (b *nfaBuilder) determinize(start, end int32) (*Graph, error) {
	mark := make([]uint32, len(b.eps))
	var stamp uint32
	var key []byte
	g := &Graph{words: b.names}
	index := map[string]int32{}
	var sets [][]int32
	intern := func(set []int32) (int32, error) {
		key = key[:0]
		for _, s := range set {
			key = binary.AppendUvarint(key, uint64(s))
		}
		if i, ok := index[string(key)]; ok {
			return i, nil
		}
		if len(sets) >= maxGraphStates {
			return -1, fmt.Errorf("grammar: more than %d states", maxGraphStates)
		}
		i := int32(len(sets))
		index[string(key)] = i
		sets = append(sets, set)
		g.states = append(g.states, graphState{final: end >= 0 && slices.Contains(set, end)})
		return i, nil
	}
	stamp++
	if _, err := intern(b.closure([]int32{start}, mark, stamp)); err != nil {
		return nil, err
	}
	g.start = 0
	for i := 0; i < len(sets); i++ {
		byWord := map[int32][]int32{}
		for _, s := range sets[i] {
			for _, e := range b.edges[s] {
				byWord[e.word] = append(byWord[e.word], e.to)
			}
		}
		words := make([]int32, 0, len(byWord))
		for w := range byWord {
			words = append(words, w)
		}
		slices.Sort(words)
		for _, w := range words {
			stamp++
			to, err := intern(b.closure(byWord[w], mark, stamp))
			if err != nil {
				return nil, err
			}
			g.states[i].edges = append(g.states[i].edges, graphEdge{w, to})
		}
	}
	g.prune()
	return g, nil
}

// prune removes the states from which no final state can be reached, and
// renumbers the rest. If that is all of them, one state is left, not
// final, with no edges.
func (g *Graph) prune() {
	n := len(g.states)
	live := make([]bool, n)
	rev := make([][]int32, n)
	var queue []int32
	for i, s := range g.states {
		for _, e := range s.edges {
			rev[e.to] = append(rev[e.to], int32(i))
		}
		if s.final {
			live[i] = true
			queue = append(queue, int32(i))
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, p := range rev[s] {
			if !live[p] {
				live[p] = true
				queue = append(queue, p)
			}
		}
	}
	if !live[g.start] {
		g.states, g.start = []graphState{{}}, 0
		return
	}
	g.renumber(func(s int32) int32 {
		if live[s] {
			return s
		}
		return -1
	})
}

// renumber maps every state to a class (-1 drops it); states of one class
// must be equivalent, and the first of a class stands for it.
func (g *Graph) renumber(class func(int32) int32) {
	newID := map[int32]int32{}
	var states []graphState
	var order []int32 // old state standing for each new one
	for i := range g.states {
		c := class(int32(i))
		if c < 0 {
			continue
		}
		if _, ok := newID[c]; !ok {
			newID[c] = int32(len(states))
			states = append(states, graphState{final: g.states[i].final})
			order = append(order, int32(i))
		}
	}
	for n, old := range order {
		for _, e := range g.states[old].edges {
			if c := class(e.to); c >= 0 {
				states[n].edges = append(states[n].edges, graphEdge{e.word, newID[c]})
			}
		}
	}
	g.start = newID[class(g.start)]
	g.states = states
}

// minimize merges states that accept the same continuations, refining a
// partition by finality and by where each word leads until it is stable.
func (g *Graph) minimize() {
	n := len(g.states)
	class := make([]int32, n)
	for i, s := range g.states {
		if s.final {
			class[i] = 1
		}
	}
	classes := 0
	var k []byte
	for {
		sig := map[string]int32{}
		next := make([]int32, n)
		for i, s := range g.states {
			k = binary.AppendUvarint(k[:0], uint64(class[i]))
			for _, e := range s.edges {
				k = binary.AppendUvarint(k, uint64(e.word))
				k = binary.AppendUvarint(k, uint64(class[e.to]))
			}
			c, ok := sig[string(k)]
			if !ok {
				c = int32(len(sig))
				sig[string(k)] = c
			}
			next[i] = c
		}
		class = next
		if len(sig) == classes {
			break
		}
		classes = len(sig)
	}
	g.renumber(func(s int32) int32 { return class[s] })
	for i := range g.states {
		slices.SortFunc(g.states[i].edges, func(a, b graphEdge) int { return cmp.Compare(a.word, b.word) })
	}
}

// finish indexes the words and names the graph.
func (g *Graph) finish() {
	seen := make([]bool, len(g.words))
	for _, s := range g.states {
		for _, e := range s.edges {
			seen[e.word] = true
		}
	}
	g.index = map[string]int32{}
	for id, w := range g.words {
		if seen[id] {
			g.index[w] = int32(id)
			g.used = append(g.used, w)
		}
	}
	slices.Sort(g.used)

	h := sha256.New()
	var buf [4]byte
	num := func(v int) {
		binary.BigEndian.PutUint32(buf[:], uint32(v))
		h.Write(buf[:])
	}
	num(len(g.states))
	num(int(g.start))
	for _, s := range g.states {
		if s.final {
			num(1)
		} else {
			num(0)
		}
		num(len(s.edges))
		for _, e := range s.edges {
			num(len(g.words[e.word]))
			h.Write([]byte(g.words[e.word]))
			num(int(e.to))
		}
	}
	g.key = hex.EncodeToString(h.Sum(nil)[:16])
}

// transitions counts the graph's edges.
func (g *Graph) transitions() int {
	n := 0
	for _, s := range g.states {
		n += len(s.edges)
	}
	return n
}

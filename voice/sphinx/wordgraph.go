package sphinx

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// wordGraph is a grammar as a minimal deterministic automaton over words:
// from any state, a word leads to at most one state, and no two states
// accept the same continuations. The search then keeps one hypothesis per
// distinct sentence prefix instead of one per copy of a rule.
type wordGraph struct {
	words  []string // by id
	start  int32
	states []graphState
}

type graphState struct {
	edges  []graphEdge // sorted by word
	accept bool
}

type graphEdge struct{ word, to int32 }

// maxGraphStates bounds the automaton built from a grammar.
const maxGraphStates = 200000

// compileJSGF reads JSGF text into a word graph of its one public rule.
func compileJSGF(src string) (*wordGraph, error) {
	g, err := parseJSGF(src)
	if err != nil {
		return nil, err
	}
	switch len(g.public) {
	case 0:
		return nil, errors.New("grammar: no public rule")
	case 1:
	default:
		return nil, fmt.Errorf("grammar: %d public rules (<%s>), want one", len(g.public), strings.Join(g.public, ">, <"))
	}
	b := &nfaBuilder{g: g, words: map[string]int32{}, building: map[string]bool{}}
	start := b.state()
	end, err := b.build(jsgfNode{kind: jsgfRef, text: g.public[0]}, start)
	if err != nil {
		return nil, err
	}
	wg, err := b.determinize(start, end)
	if err != nil {
		return nil, err
	}
	wg.minimize()
	return wg, nil
}

// nfaBuilder builds an automaton with empty moves from a grammar.
type nfaBuilder struct {
	g        *jsgfGrammar
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

var errTooBig = errors.New("grammar: too large")

func (b *nfaBuilder) word(w string) int32 {
	id, ok := b.words[w]
	if !ok {
		id = int32(len(b.names))
		b.words[w] = id
		b.names = append(b.names, w)
	}
	return id
}

// build adds x from state from and returns the state where it ends, or -1
// for <VOID>, which nothing follows.
func (b *nfaBuilder) build(x jsgfNode, from int32) (end int32, err error) {
	defer func() {
		if r := recover(); r != nil {
			if r != errTooBig {
				panic(r)
			}
			end, err = -1, fmt.Errorf("grammar: more than %d states", 4*maxGraphStates)
		}
	}()
	return b.add(x, from)
}

func (b *nfaBuilder) add(x jsgfNode, from int32) (int32, error) {
	if from < 0 {
		return -1, nil
	}
	switch x.kind {
	case jsgfWord:
		to := b.state()
		b.edges[from] = append(b.edges[from], graphEdge{b.word(x.text), to})
		return to, nil
	case jsgfSeq:
		cur := from
		for _, part := range x.parts {
			var err error
			if cur, err = b.add(part, cur); err != nil {
				return -1, err
			}
		}
		return cur, nil
	case jsgfAlt:
		end := b.state()
		for _, alt := range x.parts {
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
	case jsgfOpt:
		s := b.state()
		b.eps[from] = append(b.eps[from], s)
		e, err := b.add(x.parts[0], s)
		if err != nil {
			return -1, err
		}
		end := b.state()
		b.eps[from] = append(b.eps[from], end)
		if e >= 0 {
			b.eps[e] = append(b.eps[e], end)
		}
		return end, nil
	case jsgfStar, jsgfPlus:
		loop := b.state()
		b.eps[from] = append(b.eps[from], loop)
		e, err := b.add(x.parts[0], loop)
		if err != nil || e < 0 {
			return e, err
		}
		b.eps[e] = append(b.eps[e], loop)
		end := b.state()
		b.eps[e] = append(b.eps[e], end)
		if x.kind == jsgfStar {
			b.eps[loop] = append(b.eps[loop], end)
		}
		return end, nil
	case jsgfRef:
		switch x.text {
		case "NULL":
			return from, nil
		case "VOID":
			return -1, nil
		}
		r, ok := b.g.rules[x.text]
		if !ok {
			return -1, fmt.Errorf("grammar: undefined rule <%s>", x.text)
		}
		if b.building[x.text] {
			return -1, fmt.Errorf("grammar: rule <%s> refers to itself", x.text)
		}
		b.building[x.text] = true
		defer delete(b.building, x.text)
		return b.add(r, from)
	}
	return -1, fmt.Errorf("grammar: unknown expansion %d", x.kind)
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
// from start, accepting where end is reached, by the subset construction.
// Sets of states that can move on no word and do not accept are dropped.
func (b *nfaBuilder) determinize(start, end int32) (*wordGraph, error) {
	mark := make([]uint32, len(b.eps))
	var stamp uint32
	key := func(set []int32) string {
		var sb strings.Builder
		for _, s := range set {
			sb.WriteString(strconv.Itoa(int(s)))
			sb.WriteByte(',')
		}
		return sb.String()
	}
	wg := &wordGraph{words: b.names}
	index := map[string]int32{}
	var sets [][]int32
	intern := func(set []int32) (int32, error) {
		k := key(set)
		if i, ok := index[k]; ok {
			return i, nil
		}
		if len(sets) >= maxGraphStates {
			return -1, fmt.Errorf("grammar: more than %d states", maxGraphStates)
		}
		i := int32(len(sets))
		index[k] = i
		sets = append(sets, set)
		wg.states = append(wg.states, graphState{accept: end >= 0 && slices.Contains(set, end)})
		return i, nil
	}
	stamp++
	if _, err := intern(b.closure([]int32{start}, mark, stamp)); err != nil {
		return nil, err
	}
	wg.start = 0
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
			wg.states[i].edges = append(wg.states[i].edges, graphEdge{w, to})
		}
	}
	wg.prune()
	if len(wg.states) == 0 {
		return nil, errors.New("grammar: the public rule matches no sentence")
	}
	return wg, nil
}

// prune removes the states from which no accepting state can be reached,
// and renumbers the rest.
func (wg *wordGraph) prune() {
	n := len(wg.states)
	live := make([]bool, n)
	rev := make([][]int32, n)
	var queue []int32
	for i, s := range wg.states {
		for _, e := range s.edges {
			rev[e.to] = append(rev[e.to], int32(i))
		}
		if s.accept {
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
	if !live[wg.start] {
		wg.states = nil
		return
	}
	wg.renumber(func(s int32) int32 {
		if live[s] {
			return s
		}
		return -1
	})
}

// renumber maps every state to a class (-1 drops it); states of one class
// must be equivalent, and the first of a class stands for it.
func (wg *wordGraph) renumber(class func(int32) int32) {
	newID := map[int32]int32{}
	var states []graphState
	var order []int32 // old state standing for each new one
	for i := range wg.states {
		c := class(int32(i))
		if c < 0 {
			continue
		}
		if _, ok := newID[c]; !ok {
			newID[c] = int32(len(states))
			states = append(states, graphState{accept: wg.states[i].accept})
			order = append(order, int32(i))
		}
	}
	for n, old := range order {
		for _, e := range wg.states[old].edges {
			if c := class(e.to); c >= 0 {
				states[n].edges = append(states[n].edges, graphEdge{e.word, newID[c]})
			}
		}
	}
	wg.start = newID[class(wg.start)]
	wg.states = states
}

// minimize merges states that accept the same continuations, refining a
// partition by acceptance and by where each word leads until it is stable.
func (wg *wordGraph) minimize() {
	n := len(wg.states)
	class := make([]int32, n)
	for i, s := range wg.states {
		if s.accept {
			class[i] = 1
		}
	}
	classes := 0
	for {
		sig := map[string]int32{}
		next := make([]int32, n)
		var sb strings.Builder
		for i, s := range wg.states {
			sb.Reset()
			sb.WriteString(strconv.Itoa(int(class[i])))
			for _, e := range s.edges {
				sb.WriteByte(' ')
				sb.WriteString(strconv.Itoa(int(e.word)))
				sb.WriteByte(':')
				sb.WriteString(strconv.Itoa(int(class[e.to])))
			}
			k := sb.String()
			c, ok := sig[k]
			if !ok {
				c = int32(len(sig))
				sig[k] = c
			}
			next[i] = c
		}
		class = next
		if len(sig) == classes {
			break
		}
		classes = len(sig)
	}
	wg.renumber(func(s int32) int32 { return class[s] })
	for i := range wg.states {
		slices.SortFunc(wg.states[i].edges, func(a, b graphEdge) int { return cmp.Compare(a.word, b.word) })
	}
}

// usedWords lists the words on the graph's edges, sorted.
func (wg *wordGraph) usedWords() []string {
	seen := map[int32]bool{}
	for _, s := range wg.states {
		for _, e := range s.edges {
			seen[e.word] = true
		}
	}
	var out []string
	for w := range seen {
		out = append(out, wg.words[w])
	}
	slices.Sort(out)
	return out
}

// transitions counts the graph's word edges.
func (wg *wordGraph) transitions() int {
	n := 0
	for _, s := range wg.states {
		n += len(s.edges)
	}
	return n
}

// accepts reports whether the graph accepts a sentence, for tests.
func (wg *wordGraph) accepts(words []string) bool {
	s := wg.start
	for _, w := range words {
		id := slices.Index(wg.words, w)
		i, ok := slices.BinarySearchFunc(wg.states[s].edges, int32(id), func(e graphEdge, w int32) int { return cmp.Compare(e.word, w) })
		if id < 0 || !ok {
			return false
		}
		s = wg.states[s].edges[i].to
	}
	return wg.states[s].accept
}

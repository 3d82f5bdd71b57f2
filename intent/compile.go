package intent

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Parser turns text into intents. It is built once by Compile and is safe
// for concurrent use.
type Parser struct {
	templates     []template
	rules         map[string]expr
	lists         []*list
	vocab         map[string]int32 // word → id; words not in it have id -1
	skip          trie             // phrases a match may drop
	states        []state          // the automaton; state 0 starts every match
	merchants     []string         // merchant ids by index
	item          int              // index in lists of {item}
	payee         int              // index in lists of {payee}
	mandate       int              // index in lists of {mandate}, or -1 when the file has none
	times         []int            // the values of the file's {times} list, by value index
	sources       int              // len(lists) + the quantity, amount and skip scanners
	pool          sync.Pool        // *scratch
	speech        *grammar         // the sentences as rules of words, for Grammar
	graphMu       sync.Mutex
	graphs        map[string]*Graph // Grammar's graphs by their intent rules
	namedGraphs   map[string]*Graph // GrammarNaming's, by their intent rules and names
	names         map[int32]bool    // the words of names, which a loose reading keeps
	things        map[int32]bool    // the words of the names of merchants and items
	merchantNames [][]string        // the names of merchants, the longest first (fragment.go)
	elidable      map[int32]bool    // the words of grammar a loose reading may leave out
}

// template is one sentence of an intent, parsed.
type template struct {
	intent   string
	text     string
	line     int
	x        expr
	moves    bool
	typed    bool // parsed from text only: left out of the speech grammar
	defaults Slots
}

// state is a state of the automaton: the moves on a word or on a slot, and
// the templates that are complete when the utterance ends here.
type state struct {
	words   []wordEdge // sorted by word id
	slots   []slotEdge
	accepts []int32 // template indices, ascending
}

// slotEdge is a move over the words a list or a number scanner matches.
type slotEdge struct {
	source int32 // index in Parser.lists, or len(lists)+quantityScanner or +amountScanner
	kind   slotKind
	to     int32
}

// The scanners that are not lists, numbered after the lists.
const (
	quantityScanner = iota
	amountScanner
	skipScanner
	scanners
)

// Compile builds a parser from a template file and a vocabulary. Errors name
// the line, the intent, the template and the problem.
func Compile(templates []byte, v Vocabulary) (*Parser, error) {
	s, err := decodeSpec(templates)
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	p := &Parser{rules: map[string]expr{}, vocab: map[string]int32{}, mandate: -1}
	c := &compiler{p: p, lists: map[string]int{}, nfa: []nstate{{accept: -1}}}
	if err := c.compile(s, v); err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	p.sources = len(p.lists) + scanners
	p.names = p.nameWords(slotMerchant, slotItem, slotPayee)
	p.things = p.nameWords(slotMerchant, slotItem)
	p.merchantNames = p.merchantPhrases()
	p.elidable = p.elidableWords()
	p.pool.New = func() any { return new(scratch) }
	// The graph of every intent bounds the graph of any of them, so
	// building it here is the one check Grammar needs.
	p.speech = p.buildGrammar()
	p.graphs = map[string]*Graph{}
	if _, err := p.grammarGraph(nil); err != nil {
		return nil, fmt.Errorf("templates: speech grammar: %w", err)
	}
	return p, nil
}

type compiler struct {
	p        *Parser
	lists    map[string]int // list name → index in p.lists
	ruleSpec map[string]ruleSpec
	building map[string]bool // rules being inlined, to catch a rule that refers to itself
	nfa      []nstate
	mark     []int32 // closure: the stamp of the states seen
	stamp    int32
	stack    []int32
}

// nstate is a state of the automaton before ε-moves are removed.
type nstate struct {
	eps    []int32
	words  []wordEdge
	slots  []slotEdge
	accept int32 // template index, or -1
}

func (c *compiler) intern(w string) int32 {
	id, ok := c.p.vocab[w]
	if !ok {
		id = int32(len(c.p.vocab))
		c.p.vocab[w] = id
	}
	return id
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// compile builds the parser from a template file and a vocabulary: the
// skip words, the rules, the lists, then every template of every intent.
func (c *compiler) compile(s *spec, v Vocabulary) error {
	if err := c.compileSkip(s); err != nil {
		return err
	}
	if err := c.compileRules(s); err != nil {
		return err
	}
	if err := c.compileLists(s, v); err != nil {
		return err
	}
	for _, in := range s.intents {
		defaults, err := intentDefaults(in)
		if err != nil {
			return err
		}
		for i, sen := range slices.Concat(in.sentences, in.typed) {
			if err := c.addTemplate(in.name, sen, defaults, i >= len(in.sentences)); err != nil {
				return fmt.Errorf("line %d: intent %q: template %q: %w", sen.line, in.name, sen.text, err)
			}
		}
	}
	c.removeEpsilons()
	return nil
}

// compileSkip builds the trie of the words and phrases matching skips.
func (c *compiler) compileSkip(s *spec) error {
	c.p.skip = newTrie()
	for _, sk := range s.skip {
		seqs, err := c.phrases(sk)
		if err != nil {
			return fmt.Errorf("skip: %w", err)
		}
		for _, words := range seqs {
			ids := make([]int32, len(words))
			for i, w := range words {
				ids[i] = c.intern(w)
			}
			c.p.skip.insert(ids, 0)
		}
	}
	return nil
}

// compileRules parses the named rules templates refer to.
func (c *compiler) compileRules(s *spec) error {
	c.ruleSpec = map[string]ruleSpec{}
	c.building = map[string]bool{}
	for _, r := range s.rules {
		if !validName(r.name) {
			return fmt.Errorf("line %d: rule <%s>: use lowercase letters, digits and _ in a name", r.line, r.name)
		}
		x, err := parseTemplate(r.text.text)
		if err != nil {
			return fmt.Errorf("line %d: rule <%s>: template %q: %w", r.text.line, r.name, r.text.text, err)
		}
		c.p.rules[r.name] = x
		c.ruleSpec[r.name] = r
	}
	return nil
}

// compileLists builds the template file's lists, and the merchant, item and
// payee lists the vocabulary gives.
func (c *compiler) compileLists(s *spec, v Vocabulary) error {
	p := c.p
	var payeeSpec *listSpec
	for i, ls := range s.lists {
		switch {
		case !validName(ls.name):
			return fmt.Errorf("line %d: list {%s}: use lowercase letters, digits and _ in a name", ls.line, ls.name)
		case ls.name == "payee":
			payeeSpec = &s.lists[i]
		case slotNames[ls.name] != slotNone && ls.name != "mandate" && ls.name != "times":
			return fmt.Errorf("line %d: list {%s}: this slot's values come from the vocabulary or from numbers, not the template file", ls.line, ls.name)
		default:
			l, err := c.plainList(ls)
			if err != nil {
				return err
			}
			switch i := c.addList(l); ls.name {
			case "mandate":
				p.mandate = i
			case "times":
				if p.times, err = timesValues(ls); err != nil {
					return err
				}
			}
		}
	}
	ml, err := c.merchantList(v)
	if err != nil {
		return err
	}
	c.addList(ml)
	for _, m := range v.Merchants {
		p.merchants = append(p.merchants, m.ID)
	}
	il, err := c.itemList(v)
	if err != nil {
		return err
	}
	p.item = c.addList(il)
	pl, err := c.payeeList(payeeSpec, v)
	if err != nil {
		return err
	}
	p.payee = c.addList(pl)
	return nil
}

// timesValues reads the ids of the {times} list as whole numbers from 2 up.
func timesValues(ls listSpec) ([]int, error) {
	out := make([]int, len(ls.values))
	for i, v := range ls.values {
		n, err := strconv.Atoi(v.id)
		if err != nil || n < 2 || n > maxSaid {
			return nil, fmt.Errorf("line %d: list {times}: id %q is not a whole number from 2 up", v.line, v.id)
		}
		out[i] = n
	}
	return out, nil
}

func (c *compiler) addList(l *list) int {
	c.lists[l.name] = len(c.p.lists)
	c.p.lists = append(c.p.lists, l)
	return len(c.p.lists) - 1
}

// intentDefaults reads the slot values an intent takes when a sentence does
// not say them.
func intentDefaults(in intentSpec) (Slots, error) {
	var s Slots
	for _, d := range in.defaults {
		kind := slotNames[d.slot]
		if !slices.Contains(intentSlots[in.name], kind) {
			return s, fmt.Errorf("line %d: intent %q: default {%s}: the intent has no such slot", d.line, in.name, d.slot)
		}
		bad := fmt.Errorf("line %d: intent %q: default {%s}: %q is not a valid value", d.line, in.name, d.slot, d.value)
		switch kind {
		case slotQuantity:
			q, err := strconv.Atoi(d.value)
			if err != nil || q < 1 || q > maxSaid {
				return s, bad
			}
			s.Quantity = q
		case slotAmount:
			a, ok := decimalMoney(d.value)
			if !ok || a.minor <= 0 {
				return s, bad
			}
			s.Amount = a.minor
		case slotMerchant:
			s.Merchant = d.value
		case slotItem:
			s.Item = d.value
		case slotPayee:
			s.Payee = d.value
		case slotMandate:
			s.Mandate = d.value
		default:
			return s, fmt.Errorf("line %d: intent %q: {%s} takes no default", d.line, in.name, d.slot)
		}
	}
	return s, nil
}

// addTemplate parses a sentence and adds it to the automaton as a branch
// from state 0.
func (c *compiler) addTemplate(intent string, sen textAt, defaults Slots, typed bool) error {
	x, err := parseTemplate(sen.text)
	if err != nil {
		return err
	}
	idx := int32(len(c.p.templates))
	c.p.templates = append(c.p.templates, template{
		intent: intent, text: sen.text, line: sen.line, x: x,
		moves: MovesMoney(intent), typed: typed, defaults: defaults,
	})
	start := c.newState()
	c.nfa[0].eps = append(c.nfa[0].eps, start)
	end, err := c.build(x, start, intent)
	if err != nil {
		return err
	}
	c.nfa[end].accept = idx
	if slices.Contains(c.closure(start, nil), end) {
		return fmt.Errorf("matches an empty utterance")
	}
	return nil
}

func (c *compiler) newState() int32 {
	c.nfa = append(c.nfa, nstate{accept: -1})
	return int32(len(c.nfa) - 1)
}

// build adds x to the automaton from state from and returns the state where
// it ends.
func (c *compiler) build(x expr, from int32, intent string) (int32, error) {
	switch x := x.(type) {
	case wordExpr:
		to := c.newState()
		c.nfa[from].words = append(c.nfa[from].words, wordEdge{c.intern(string(x)), to})
		return to, nil
	case seqExpr:
		cur := from
		for _, part := range x {
			var err error
			if cur, err = c.build(part, cur, intent); err != nil {
				return 0, err
			}
		}
		return cur, nil
	case altExpr:
		end := c.newState()
		for _, alt := range x {
			e, err := c.build(alt, from, intent)
			if err != nil {
				return 0, err
			}
			c.nfa[e].eps = append(c.nfa[e].eps, end)
		}
		return end, nil
	case optExpr:
		end, err := c.build(x.x, from, intent)
		if err != nil {
			return 0, err
		}
		c.nfa[from].eps = append(c.nfa[from].eps, end)
		return end, nil
	case slotExpr:
		e, err := c.slotEdge(string(x), intent)
		if err != nil {
			return 0, err
		}
		e.to = c.newState()
		c.nfa[from].slots = append(c.nfa[from].slots, e)
		return e.to, nil
	case ruleExpr:
		name := string(x)
		rx, ok := c.p.rules[name]
		if !ok {
			return 0, fmt.Errorf("unknown rule <%s>", name)
		}
		if c.building[name] {
			return 0, fmt.Errorf("rule <%s> refers to itself", name)
		}
		c.building[name] = true
		defer delete(c.building, name)
		end, err := c.build(rx, from, intent)
		if err != nil {
			return 0, fmt.Errorf("in rule <%s> (line %d): %w", name, c.ruleSpec[name].line, err)
		}
		return end, nil
	}
	return 0, fmt.Errorf("unknown template part %T", x)
}

// slotEdge resolves {name} for a template of intent.
func (c *compiler) slotEdge(name, intent string) (slotEdge, error) {
	kind, isSlot := slotNames[name]
	if isSlot && !slices.Contains(intentSlots[intent], kind) {
		var have []string
		for _, k := range intentSlots[intent] {
			for n, kk := range slotNames {
				if kk == k {
					have = append(have, "{"+n+"}")
				}
			}
		}
		slices.Sort(have)
		if len(have) == 0 {
			return slotEdge{}, fmt.Errorf("slot {%s} does not belong to intent %s, which has no slots", name, intent)
		}
		return slotEdge{}, fmt.Errorf("slot {%s} does not belong to intent %s (it has %s)", name, intent, strings.Join(have, ", "))
	}
	switch kind {
	case slotQuantity, slotPart:
		return slotEdge{source: int32(len(c.p.lists) + quantityScanner), kind: kind}, nil
	case slotAmount:
		return slotEdge{source: int32(len(c.p.lists) + amountScanner), kind: kind}, nil
	case slotFrom:
		name = "item" // an item of the order, named as any item
	}
	i, ok := c.lists[name]
	if !ok {
		return slotEdge{}, fmt.Errorf("unknown slot {%s} (slots are merchant, item, quantity, amount, payee, mandate, times, from and part; other lists go under lists:)", name)
	}
	return slotEdge{source: int32(i), kind: kind}, nil
}

// closure appends to dst every state reachable from s by ε-moves, s first,
// in depth-first order.
func (c *compiler) closure(s int32, dst []int32) []int32 {
	if len(c.mark) < len(c.nfa) {
		c.mark = make([]int32, len(c.nfa))
	}
	c.stamp++
	c.mark[s] = c.stamp
	stack := append(c.stack[:0], s)
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		dst = append(dst, x)
		eps := c.nfa[x].eps
		for i := len(eps) - 1; i >= 0; i-- {
			if c.mark[eps[i]] != c.stamp {
				c.mark[eps[i]] = c.stamp
				stack = append(stack, eps[i])
			}
		}
	}
	c.stack = stack
	return dst
}

// removeEpsilons turns the automaton into p.states, where every move
// consumes words: a state keeps the moves and accepts of its ε-closure, and
// only state 0 and the targets of moves remain.
func (c *compiler) removeEpsilons() {
	index := make([]int32, len(c.nfa))
	for i := range index {
		index[i] = -1
	}
	index[0] = 0
	order := []int32{0}
	var closures [][]int32
	for k := 0; k < len(order); k++ {
		cl := c.closure(order[k], nil)
		closures = append(closures, cl)
		for _, s := range cl {
			for _, e := range c.nfa[s].words {
				if index[e.to] < 0 {
					index[e.to] = int32(len(order))
					order = append(order, e.to)
				}
			}
			for _, e := range c.nfa[s].slots {
				if index[e.to] < 0 {
					index[e.to] = int32(len(order))
					order = append(order, e.to)
				}
			}
		}
	}
	states := make([]state, len(order))
	for k, cl := range closures {
		st := &states[k]
		for _, s := range cl {
			n := &c.nfa[s]
			for _, e := range n.words {
				st.words = append(st.words, wordEdge{e.tok, index[e.to]})
			}
			for _, e := range n.slots {
				e.to = index[e.to]
				if !slices.Contains(st.slots, e) {
					st.slots = append(st.slots, e)
				}
			}
			if n.accept >= 0 {
				st.accepts = append(st.accepts, n.accept)
			}
		}
		slices.SortFunc(st.words, func(a, b wordEdge) int {
			return cmp.Or(cmp.Compare(a.tok, b.tok), cmp.Compare(a.to, b.to))
		})
		st.words = slices.Compact(st.words)
		slices.Sort(st.accepts)
		st.accepts = slices.Compact(st.accepts)
	}
	c.p.states = states
}

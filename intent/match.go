package intent

import "slices"

// token is a word of the utterance and its id in the parser's vocabulary,
// -1 for a word no template, list or skip phrase uses.
type token struct {
	text  string
	id    int32
	free  bool // a loose reading may drop it (see loose.go)
	light bool // a word of grammar, not of content (see loose.go)
}

// span is a match of a list or scanner that ends before toks[end], with its
// value: a list value's index, a quantity, or an amount in fen.
type span struct {
	end int32
	val int64
}

// caps are the slots a path through the automaton has captured so far.
type caps struct {
	merchant int32 // index in Parser.merchants, or -1
	item     int32 // value index in the item list, or -1
	payee    int32 // value index in the payee list, or -1
	mandate  int32 // value index in the mandate list, or -1
	times    int32 // value index in the times list, or -1
	from     int32 // value index in the item list, or -1
	part     int32
	quantity int32
	skips    int32 // skip phrases dropped
	drops    int32 // words a loose reading dropped
	heavy    int32 // of them, words of content
	amount   int64
	// conflict is set when two paths with different slots met in one state:
	// the sentence reads two ways, and money does not move on it.
	conflict bool
}

func sameSlots(a, b caps) bool {
	return a.merchant == b.merchant && a.item == b.item && a.payee == b.payee && a.mandate == b.mandate &&
		a.times == b.times && a.from == b.from && a.part == b.part && a.quantity == b.quantity && a.amount == b.amount &&
		a.conflict == b.conflict
}

// cost is how many phrases and words a path dropped.
func (c *caps) cost() int32 { return c.skips + c.drops }

func (c *caps) set(kind slotKind, v int64) {
	switch kind {
	case slotMerchant:
		c.merchant = int32(v)
	case slotItem:
		c.item = int32(v)
	case slotPayee:
		c.payee = int32(v)
	case slotMandate:
		c.mandate = int32(v)
	case slotTimes:
		c.times = int32(v)
	case slotFrom:
		c.from = int32(v)
	case slotPart:
		c.part = int32(v)
	case slotQuantity:
		c.quantity = int32(v)
	case slotAmount:
		c.amount = v
	}
}

// thread is one path through the automaton: where it is and what it holds.
type thread struct {
	state int32
	caps  caps
}

// maxThreads bounds the work of one parse; a parse that needs more is None.
const maxThreads = 1 << 15

// scratch is the memory of one parse, reused through Parser.pool.
type scratch struct {
	norm     normalizer
	toks     []token
	threads  []thread
	at       [][]int32 // at[pos]: threads waiting before toks[pos]
	seen     seenTable // (pos, state) → thread
	spans    []span
	cache    []spanRange // (pos, source) → spans; n < 0 until computed
	last     int         // the furthest position a thread waits at
	overflow bool
	loose    int32 // how many free words a path may drop; 0 but in a loose reading
}

type spanRange struct{ start, n int32 }

func (sc *scratch) reset(n, sources int) {
	sc.threads = sc.threads[:0]
	for len(sc.at) < n+1 {
		sc.at = append(sc.at, nil)
	}
	for i := range sc.at[:n+1] {
		sc.at[i] = sc.at[i][:0]
	}
	sc.seen.reset()
	sc.spans = sc.spans[:0]
	sc.cache = sc.cache[:0]
	for range n * sources {
		sc.cache = append(sc.cache, spanRange{n: -1})
	}
	sc.last = 0
	sc.overflow = false
}

// add puts a thread before toks[pos], unless one with the same state is
// there already; of two, the one that dropped fewer words stays, or the
// first, marked as a conflict if the two hold different slots.
func (sc *scratch) add(pos int, s int32, c caps) {
	key := uint64(pos)<<32 | uint64(uint32(s))
	if i, ok := sc.seen.get(key); ok {
		old := &sc.threads[i].caps
		switch {
		case c.cost() < old.cost():
			*old = c
		case c.cost() == old.cost() && !sameSlots(*old, c):
			old.conflict = true
		}
		return
	}
	if len(sc.threads) >= maxThreads {
		sc.overflow = true
		return
	}
	i := int32(len(sc.threads))
	sc.threads = append(sc.threads, thread{s, c})
	sc.seen.put(key, i)
	sc.at[pos] = append(sc.at[pos], i)
	sc.last = max(sc.last, pos)
}

// spansAt returns what source matches at toks[pos], computing it once.
func (sc *scratch) spansAt(p *Parser, pos, source int) []span {
	r := &sc.cache[pos*p.sources+source]
	if r.n < 0 {
		start := len(sc.spans)
		switch source - len(p.lists) {
		case quantityScanner:
			sc.spans = quantitySpans(sc.toks, pos, sc.spans)
		case amountScanner:
			sc.spans = amountSpans(sc.toks, pos, sc.spans)
		case skipScanner:
			sc.spans = p.skip.match(sc.toks, pos, sc.spans)
		default:
			sc.spans = p.lists[source].trie.match(sc.toks, pos, sc.spans)
		}
		r.start, r.n = int32(start), int32(len(sc.spans)-start)
	}
	return sc.spans[r.start : r.start+r.n]
}

// Parse reads one utterance of typed text. It never fails: text that
// matches no template is None with confidence 0. Hesitations ("um", "uhh",
// "hmm") and courtesy at the edges ("hi,", "could you", "thanks") are
// dropped before matching, at no cost: "um, pay, thanks" pays. Text that
// is not clean (invalid UTF-8, control or format characters) never reads
// as an intent that moves money.
func (p *Parser) Parse(text string) Result { return p.parse(text, true) }

// ParseSpeech reads the transcript of an utterance heard. It reads as Parse
// does, except that hesitations and courtesy are read as the templates
// and the skip list say: a sentence that needed one dropped never moves
// money.
func (p *Parser) ParseSpeech(text string) Result { return p.parse(text, false) }

// parse reads text, and refuses to read a money-moving intent from text
// that is not clean: split skips what is not a word, garbage too.
func (p *Parser) parse(text string, typed bool) Result {
	res := p.read(text, typed)
	if MovesMoney(res.Intent) && !clean(text) {
		return Result{Text: text, Intent: None}
	}
	return res
}

// read matches text whole. When nothing matches, speech is tried as
// several things at once (cart.go) and as a thing not sold (unknown.go);
// typed text is tried, in turn, as a correction (correct.go), a count
// said after the order (measure.go), several
// things, a slip of the keys (spell.go), a thing not sold, a money command
// in a clause of its own and a command among clauses of talk (clause.go),
// a command with a tail (tail.go), a run-on (runon.go), an indirect
// question (indirect.go), a fragment, a report that names an amount or a
// command that says how long (fragment.go), and last loosely
// (loose.go).
func (p *Parser) read(text string, typed bool) Result {
	res, words := p.parseWhole(text, typed)
	if res.Intent != None || len(words) == 0 {
		return res
	}
	if typed {
		if r := p.correct(res, words); r.Intent != None {
			return r
		}
		if r := p.countAfter(res); r.Intent != None {
			return r
		}
	}
	if r := p.cart(res, typed); r.Intent != None {
		return r
	}
	if r := p.misspelt(res, words, typed); r.Intent != None {
		return r
	}
	if r := p.unknown(res, words, typed, false); r.Intent != None {
		return r
	}
	if !typed {
		return res
	}
	if r := p.moneyClause(res); r.Intent != None {
		return r
	}
	if r := p.clause(res, typed); r.Intent != None {
		return r
	}
	if r := p.tail(res, words); r.Intent != None {
		return r
	}
	if r := p.runOn(res, words); r.Intent != None {
		return r
	}
	if r := p.indirect(res, words); r.Intent != None {
		return r
	}
	if r := p.fragment(res, words); r.Intent != None {
		return r
	}
	if r := p.claimAmount(res, words); r.Intent != None {
		return r
	}
	if r := p.untilTail(res, words); r.Intent != None {
		return r
	}
	return p.loose(res, words)
}

// parseWhole matches the utterance against the templates, and returns its
// words when nothing matched. Typed text loses its hesitations first.
func (p *Parser) parseWhole(text string, typed bool) (Result, []string) {
	res, _, words := p.matchText(text, typed)
	return res, words
}

// matchText is parseWhole that also says which template matched, or -1.
func (p *Parser) matchText(text string, typed bool) (Result, int32, []string) {
	res := Result{Text: text, Intent: None}
	if len(text) > MaxBytes {
		return res, -1, nil
	}
	sc := p.pool.Get().(*scratch)
	defer p.pool.Put(sc)
	words, ok := sc.norm.split(text, MaxWords)
	if !ok {
		return res, -1, nil
	}
	if typed {
		words = p.measured(typedWords(words))
	}
	if len(words) == 0 {
		return res, -1, nil
	}
	p.tokens(sc, words, 0)
	tmpl, c, ok := p.match(sc)
	if !ok {
		return res, -1, slices.Clone(words)
	}
	return p.result(res, tmpl, c), tmpl, nil
}

// tokens puts the words in sc.toks, and lets a match drop up to loose of
// them that are free (see loose.go).
func (p *Parser) tokens(sc *scratch, words []string, loose int32) {
	sc.toks = sc.toks[:0]
	sc.loose = loose
	for _, w := range words {
		id, ok := p.vocab[w]
		if !ok {
			id = -1
		}
		sc.toks = append(sc.toks, token{text: w, id: id, free: loose > 0 && p.free(w, id), light: lightWords[w]})
	}
}

// match runs the automaton over sc.toks and returns the best complete
// match: fewest dropped words, then an intent that moves no money, then the
// earliest template.
func (p *Parser) match(sc *scratch) (int32, caps, bool) {
	n := len(sc.toks)
	sc.reset(n, p.sources)
	skipSource := len(p.lists) + skipScanner
	sc.add(0, 0, caps{merchant: -1, item: -1, payee: -1, mandate: -1, times: -1, from: -1})
	for pos := 0; pos < n && pos <= sc.last; pos++ {
		id := sc.toks[pos].id
		for k := 0; k < len(sc.at[pos]); k++ {
			th := sc.threads[sc.at[pos][k]]
			st := &p.states[th.state]
			if id >= 0 {
				for i := findWord(st.words, id); i < len(st.words) && st.words[i].tok == id; i++ {
					sc.add(pos+1, st.words[i].to, th.caps)
				}
			}
			for _, e := range st.slots {
				for _, s := range sc.spansAt(p, pos, int(e.source)) {
					c := th.caps
					c.set(e.kind, s.val)
					sc.add(int(s.end), e.to, c)
				}
			}
			if th.caps.skips < MaxSkips {
				for _, s := range sc.spansAt(p, pos, skipSource) {
					c := th.caps
					c.skips++
					sc.add(int(s.end), th.state, c)
				}
			}
			if th.caps.drops < sc.loose {
				// a loose reading may also leave out a word of grammar the
				// template has: "unfreeze wallet" is "unfreeze my wallet"
				for _, e := range st.words {
					if p.elidable[e.tok] {
						c := th.caps
						c.drops++
						sc.add(pos, e.to, c)
					}
				}
			}
			if tok := sc.toks[pos]; th.caps.drops < sc.loose && tok.free {
				c := th.caps
				c.drops++
				if !tok.light {
					c.heavy++
				}
				sc.add(pos+1, th.state, c)
			}
		}
		if sc.overflow {
			return 0, caps{}, false
		}
	}
	var money readings
	for _, ti := range sc.at[n] {
		th := sc.threads[ti]
		for _, t := range p.states[th.state].accepts {
			if p.templates[t].moves && th.caps.cost() == 0 {
				money.add(p.templates[t].intent, th.caps)
			}
		}
	}
	best, bestCaps, found := int32(-1), caps{}, false
	for _, ti := range sc.at[n] {
		th := sc.threads[ti]
		for _, t := range p.states[th.state].accepts {
			moves := p.templates[t].moves
			if moves && (th.caps.cost() > 0 || th.caps.conflict || money.ambiguous(p.templates[t].intent)) {
				continue // money moves only on a complete match that reads one way
			}
			if !found || better(th.caps.cost(), moves, t, bestCaps.cost(), p.templates[best].moves, best) {
				best, bestCaps, found = t, th.caps, true
			}
		}
	}
	return best, bestCaps, found
}

// readings holds the slots of the complete matches of each money-moving
// intent: an intent filled two ways is ambiguous, and none of its matches
// count.
type readings struct {
	n    int
	full bool // an intent did not fit, and counts as ambiguous
	r    [4]struct {
		intent    string
		caps      caps
		ambiguous bool
	}
}

func (m *readings) add(intent string, c caps) {
	for i := range m.r[:m.n] {
		if m.r[i].intent == intent {
			if !sameSlots(m.r[i].caps, c) {
				m.r[i].ambiguous = true
			}
			return
		}
	}
	if m.n == len(m.r) {
		m.full = true
		return
	}
	m.r[m.n].intent, m.r[m.n].caps = intent, c
	m.n++
}

func (m *readings) ambiguous(intent string) bool {
	for i := range m.r[:m.n] {
		if m.r[i].intent == intent {
			return m.r[i].ambiguous
		}
	}
	return m.full
}

func better(cost int32, moves bool, t int32, bestCost int32, bestMoves bool, best int32) bool {
	if cost != bestCost {
		return cost < bestCost
	}
	if moves != bestMoves {
		return !moves
	}
	return t < best
}

// result fills in the intent, confidence and slots of a match.
func (p *Parser) result(res Result, t int32, c caps) Result {
	tm := &p.templates[t]
	res.Intent = tm.intent
	res.Confidence = confidences[min(c.cost(), MaxSkips)]
	s := tm.defaults
	if c.quantity > 0 {
		s.Quantity = int(c.quantity)
	}
	if c.amount > 0 {
		s.Amount = c.amount
	}
	if c.payee >= 0 {
		s.Payee = p.lists[p.payee].values[c.payee].id
	}
	if c.mandate >= 0 {
		s.Mandate = p.lists[p.mandate].values[c.mandate].id
	}
	if c.times >= 0 {
		s.Times = p.times[c.times]
	}
	if c.merchant >= 0 {
		s.Merchant = p.merchants[c.merchant]
	}
	s.Part = int(c.part)
	if c.from >= 0 {
		var from Slots
		p.resolveItem(&from, p.lists[p.item].values[c.from].items, c.merchant)
		s.From = from.Item
		if s.Merchant == "" {
			s.Merchant = from.Merchant // the one shop that sells it
		}
	}
	if c.item >= 0 {
		v := p.lists[p.item].values[c.item]
		p.resolveItem(&s, v.items, c.merchant)
		if v.class != "" {
			s.Item, s.Class = "", v.class
		}
	}
	res.Slots = s
	return res
}

// resolveItem sets the item id, and the merchant when the sentence named
// none and exactly one merchant sells the item.
func (p *Parser) resolveItem(s *Slots, refs []itemRef, merchant int32) {
	if merchant < 0 {
		only := refs[0].merchant
		for _, r := range refs[1:] {
			if r.merchant != only {
				only = -1
				break
			}
		}
		if only >= 0 {
			merchant = only
			s.Merchant = p.merchants[only]
		}
	}
	id, ambiguous, found := "", false, false
	for pass := 0; pass < 2 && !found; pass++ {
		for _, r := range refs {
			if pass == 0 && r.merchant != merchant {
				continue // first, only what the merchant sells
			}
			switch {
			case !found:
				id, found = r.id, true
			case r.id != id:
				ambiguous = true
			}
		}
	}
	if ambiguous {
		id = "" // the name is ambiguous; the dialog asks
	}
	s.Item = id
}

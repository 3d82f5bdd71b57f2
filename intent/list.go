package intent

import (
	"fmt"
	"slices"
	"strings"
)

// slotKind is what a {name} in a template fills.
type slotKind uint8

const (
	slotNone slotKind = iota // a list of the template file that fills no slot
	slotMerchant
	slotItem
	slotQuantity
	slotAmount
	slotPayee
	slotMandate
	slotTimes // how many times over: "double it" is 2, from the file's {times} list
	slotFrom  // the item a change takes out of the order: "swap the {from} for {item}"
	slotPart  // how many of it: "swap {part} {from} for {item}", read as a quantity
)

var slotNames = map[string]slotKind{
	"merchant": slotMerchant,
	"item":     slotItem,
	"quantity": slotQuantity,
	"amount":   slotAmount,
	"payee":    slotPayee,
	"mandate":  slotMandate,
	"times":    slotTimes,
	"from":     slotFrom,
	"part":     slotPart,
}

// wordEdge is a move on one word, by its id.
type wordEdge struct{ tok, to int32 }

// findWord is the index of the first edge on tok in edges sorted by word id,
// or len(edges).
func findWord(edges []wordEdge, tok int32) int {
	lo, hi := 0, len(edges)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if edges[m].tok < tok {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// trie holds the phrases of a list, word by word; node 0 is the root.
type trie struct{ nodes []trieNode }

type trieNode struct {
	next  []wordEdge // sorted by word id
	value int32      // the list value a phrase ending here names, or -1
}

func newTrie() trie { return trie{nodes: []trieNode{{value: -1}}} }

// insert adds a phrase for value and returns the value the phrase names
// afterwards: value, or the one it already named.
func (t *trie) insert(words []int32, value int32) int32 {
	n := int32(0)
	for _, w := range words {
		next := t.nodes[n].next
		i := findWord(next, w)
		if i < len(next) && next[i].tok == w {
			n = next[i].to
			continue
		}
		t.nodes = append(t.nodes, trieNode{value: -1})
		child := int32(len(t.nodes) - 1)
		t.nodes[n].next = slices.Insert(next, i, wordEdge{w, child})
		n = child
	}
	if old := t.nodes[n].value; old >= 0 {
		return old
	}
	t.nodes[n].value = value
	return value
}

// match appends a span for every phrase that starts at toks[pos].
func (t *trie) match(toks []token, pos int, dst []span) []span {
	n := int32(0)
	for i := pos; i < len(toks); i++ {
		tok := toks[i].id
		next := t.nodes[n].next
		j := findWord(next, tok)
		if tok < 0 || j == len(next) || next[j].tok != tok {
			break
		}
		n = next[j].to
		if v := t.nodes[n].value; v >= 0 {
			dst = append(dst, span{end: int32(i + 1), val: int64(v)})
		}
	}
	return dst
}

// list is a set of phrases, each naming one of its values.
type list struct {
	name    string
	slot    slotKind
	values  []listValue
	phrases []phrase // every phrase in the order added
	trie    trie
}

type phrase struct {
	words []string
	value int32
	typed bool // read from text only: the speech grammar leaves it out
}

type listValue struct {
	id    string
	items []itemRef // for the item list: every merchant item this phrase names
	class string    // for the item list: the general word it is, if any ("coffee")
}

// itemRef is one item of one merchant.
type itemRef struct {
	merchant int32
	id       string
}

// add adds a phrase for value and returns the value the phrase names.
func (c *compiler) add(l *list, words []string, value int32) int32 {
	ids := make([]int32, len(words))
	for i, w := range words {
		ids[i] = c.intern(w)
	}
	got := l.trie.insert(ids, value)
	if got == value {
		l.phrases = append(l.phrases, phrase{words: words, value: value})
	}
	return got
}

// spokenForms lists the word sequences a name from the vocabulary is heard
// as: the name itself, spelled out when it is an acronym ("KFC" as "k f c"),
// and run together when it is spelled out ("K F C" as "kfc").
func spokenForms(say string) [][]string {
	base := normalize(say)
	if len(base) == 0 {
		return nil
	}
	forms := [][]string{base}
	fields := strings.Fields(say)
	spelled := false
	for i, f := range fields {
		if len(f) >= 2 && len(f) <= 5 && strings.ToUpper(f) == f && strings.ToLower(f) != f && isASCIILetters(f) {
			fields[i] = strings.Join(strings.Split(f, ""), " ")
			spelled = true
		}
	}
	if spelled {
		forms = append(forms, normalize(strings.Join(fields, " ")))
	}
	if len(base) >= 2 && !slices.ContainsFunc(base, func(w string) bool { return len(w) != 1 }) {
		forms = append(forms, []string{strings.Join(base, "")})
	}
	return forms
}

func isASCIILetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if !(s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z') {
			return false
		}
	}
	return true
}

// merchantList builds {merchant} from the vocabulary.
func (c *compiler) merchantList(v Vocabulary) (*list, error) {
	l := &list{name: "merchant", slot: slotMerchant, trie: newTrie()}
	ids := map[string]bool{}
	for i, m := range v.Merchants {
		if m.ID == "" {
			return nil, fmt.Errorf("vocabulary: merchant %d has no id", i)
		}
		if ids[m.ID] {
			return nil, fmt.Errorf("vocabulary: merchant %q appears twice", m.ID)
		}
		ids[m.ID] = true
		l.values = append(l.values, listValue{id: m.ID})
		n := 0
		for _, say := range m.Say {
			for _, f := range spokenForms(say) {
				if got := c.add(l, f, int32(i)); got != int32(i) {
					return nil, fmt.Errorf("vocabulary: merchants %q and %q are both called %q", l.values[got].id, m.ID, strings.Join(f, " "))
				}
				n++
			}
		}
		if n == 0 {
			return nil, fmt.Errorf("vocabulary: merchant %q has no spoken name", m.ID)
		}
	}
	return l, nil
}

// itemList builds {item} from the vocabulary. A value is one phrase and the
// merchant items it may name. Names as given come first; plurals and
// singulars are added only where they name nothing already.
func (c *compiler) itemList(v Vocabulary) (*list, error) {
	l := &list{name: "item", slot: slotItem, trie: newTrie()}
	groups := map[string]int32{}
	use := func(words []string, ref itemRef) {
		key := strings.Join(words, " ")
		g, ok := groups[key]
		if !ok {
			g = int32(len(l.values))
			groups[key] = g
			l.values = append(l.values, listValue{})
			c.add(l, words, g)
		}
		if !slices.Contains(l.values[g].items, ref) {
			l.values[g].items = append(l.values[g].items, ref)
		}
	}
	type named struct {
		words []string
		ref   itemRef
	}
	var derived []named
	for mi, m := range v.Merchants {
		for j, it := range m.Items {
			if it.ID == "" {
				return nil, fmt.Errorf("vocabulary: merchant %q: item %d has no id", m.ID, j)
			}
			ref := itemRef{int32(mi), it.ID}
			n := 0
			for _, say := range it.Say {
				for _, f := range spokenForms(say) {
					use(f, ref)
					n++
					for _, d := range [][]string{pluralPhrase(f), singularPhrase(f)} {
						if d != nil {
							derived = append(derived, named{d, ref})
						}
					}
				}
			}
			if n == 0 {
				return nil, fmt.Errorf("vocabulary: merchant %q: item %q has no spoken name", m.ID, it.ID)
			}
		}
	}
	explicit := len(l.values)
	for _, d := range derived {
		if g, ok := groups[strings.Join(d.words, " ")]; ok && g < int32(explicit) {
			continue
		}
		use(d.words, d.ref)
	}
	c.classWords(l, v, groups, use)
	c.typedNames(l, v, groups, use)
	return l, nil
}

// typedNames adds the names of items that are read from text only ("soda"
// for cola): spoken, such everyday words were heard in everyday speech.
func (c *compiler) typedNames(l *list, v Vocabulary, groups map[string]int32, use func([]string, itemRef)) {
	for mi, m := range v.Merchants {
		for _, it := range m.Items {
			for _, name := range it.Typed {
				for _, f := range [][]string{normalize(name), pluralPhrase(normalize(name)), singularPhrase(normalize(name))} {
					if f == nil {
						continue
					}
					key := strings.Join(f, " ")
					if _, ok := groups[key]; ok {
						continue // a name said aloud too
					}
					n := len(l.phrases)
					use(f, itemRef{int32(mi), it.ID})
					for i := n; i < len(l.phrases); i++ {
						l.phrases[i].typed = true
					}
				}
			}
		}
	}
}

// classWords adds the general words of the vocabulary's items ("coffee",
// "coffees") as names of every item of their class. A word that already
// names an item is that item's, not a class.
func (c *compiler) classWords(l *list, v Vocabulary, groups map[string]int32, use func([]string, itemRef)) {
	for mi, m := range v.Merchants {
		for _, it := range m.Items {
			for _, class := range it.Classes {
				words := strings.Fields(strings.ToLower(class))
				for _, f := range [][]string{words, pluralPhrase(words)} {
					if f == nil {
						continue
					}
					key := strings.Join(f, " ")
					if g, ok := groups[key]; ok && l.values[g].class == "" {
						continue
					}
					use(f, itemRef{int32(mi), it.ID})
					l.values[groups[key]].class = class
				}
			}
		}
	}
}

// payeeList builds {payee} from the template file's list, if any, and the
// vocabulary's payees.
func (c *compiler) payeeList(ls *listSpec, v Vocabulary) (*list, error) {
	l := &list{name: "payee", slot: slotPayee, trie: newTrie()}
	byID := map[string]int32{}
	value := func(id string) int32 {
		i, ok := byID[id]
		if !ok {
			i = int32(len(l.values))
			byID[id] = i
			l.values = append(l.values, listValue{id: id})
		}
		return i
	}
	conflict := func(got, want int32, words []string) error {
		return fmt.Errorf("payees %q and %q are both called %q", l.values[got].id, l.values[want].id, strings.Join(words, " "))
	}
	if ls != nil {
		for _, val := range ls.values {
			if val.id == "" {
				return nil, fmt.Errorf("line %d: list {payee}: every value needs an id", val.line)
			}
			i := value(val.id)
			for _, say := range val.say {
				seqs, err := c.phrases(say)
				if err != nil {
					return nil, fmt.Errorf("list {payee}: %w", err)
				}
				for _, words := range seqs {
					if got := c.add(l, words, i); got != i {
						return nil, fmt.Errorf("line %d: list {payee}: %w", say.line, conflict(got, i, words))
					}
				}
			}
		}
	}
	for j, p := range v.Payees {
		if p.ID == "" {
			return nil, fmt.Errorf("vocabulary: payee %d has no id", j)
		}
		i := value(p.ID)
		n := 0
		for _, say := range p.Say {
			for _, f := range spokenForms(say) {
				if got := c.add(l, f, i); got != i {
					return nil, fmt.Errorf("vocabulary: %w", conflict(got, i, f))
				}
				n++
			}
		}
		if n == 0 {
			return nil, fmt.Errorf("vocabulary: payee %q has no spoken name", p.ID)
		}
	}
	return l, nil
}

// plainList builds a list of the template file: one that fills no slot, or
// {mandate}, whose values are all in the file and each need an id.
func (c *compiler) plainList(ls listSpec) (*list, error) {
	l := &list{name: ls.name, slot: slotNames[ls.name], trie: newTrie()}
	for i, val := range ls.values {
		if l.slot != slotNone && val.id == "" {
			return nil, fmt.Errorf("line %d: list {%s}: every value needs an id", val.line, ls.name)
		}
		l.values = append(l.values, listValue{id: val.id})
		for _, say := range val.say {
			seqs, err := c.phrases(say)
			if err != nil {
				return nil, fmt.Errorf("list {%s}: %w", ls.name, err)
			}
			for _, words := range seqs {
				c.add(l, words, int32(i))
			}
		}
	}
	return l, nil
}

// maxPhrases bounds how many phrases one list value's template may expand to.
const maxPhrases = 256

// phrases parses a list value's template and expands it to word sequences.
func (c *compiler) phrases(say textAt) ([][]string, error) {
	x, err := parseTemplate(say.text)
	if err == nil {
		var seqs [][]string
		seqs, err = expand(x, maxPhrases)
		if err == nil {
			out := seqs[:0]
			for _, s := range seqs {
				if len(s) > 0 {
					out = append(out, s)
				}
			}
			if len(out) > 0 {
				return out, nil
			}
			err = fmt.Errorf("matches nothing")
		}
	}
	return nil, fmt.Errorf("line %d: value %q: %w", say.line, say.text, err)
}

package intent

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
)

// A speech recognizer cannot listen for "anything the parser accepts": it
// needs the sentences as a word graph. The grammar below is that graph, built
// from the same compiled templates, rules and lists as the parser, so the two
// never drift apart. It differs from the parser in three ways, all because a
// recognizer hears words and not text:
//
//   - the quantity and amount slots, which the parser reads with code, are
//     spelled out as rules of number words (digits cannot be spoken);
//   - list phrases with a word that is not made of letters ("7-eleven"
//     gives "7") are left out, since no one says a digit;
//   - skip phrases ("um", "please" at any point) are left out: the parser
//     drops them at a cost, and never for money, so a recognizer that heard
//     them would only produce weaker matches.
//
// Every sentence the grammar generates parses back to its own intent with a
// complete match.

// Names of the grammar's rules. Template rules and lists keep their names
// behind a prefix so that they cannot collide with each other or with the
// intents.
const (
	intentPrefix = "intent_"
	rulePrefix   = "rule_"
	listPrefix   = "list_"
	quantityRule = "quantity"
	amountRule   = "amount"
)

// numberRules are the spoken numbers and money amounts, as templates. They
// cover what the quantity and amount scanners read in words: quantities one
// to ninety-nine and "a"/"an"; amounts up to 999 yuan, optionally with tens
// of fen after the unit ("twelve yuan fifty"). A spoken amount always names
// its unit: a bare number is too easily heard in everyday speech to become
// money. Amounts of fen or jiao alone ("fifty fen", "two mao three") and odd
// fen ("three kuai one") are not listened for: tips are not given in them,
// and in noise everyday speech was heard as such tips. They, larger amounts
// in words, and bare numbers still parse as text.
//
// The number words themselves come from the parser's table (number.go).
var numberRules = []struct{ name, text string }{
	{"digit", strings.Join(slices.Concat(digitWords[1:]...), "|")},
	{"teen", strings.Join(teenWords, "|")},
	{"tens", strings.Join(tensWords, "|")},
	{"number_99", "<digit>|<teen>|<tens> [<digit>]"},
	{"number_999", "<number_99>|(a|<digit>) hundred [[and] <number_99>]"},
	{"major_unit", "yuan|kuai"},
	{"minor_unit", "fen|cents"},
	{"tenth_unit", "jiao|mao"},
	{"money_tail", "<tens> [<minor_unit>]"},
	{quantityRule, "a|an|<number_99>"},
	{amountRule, "<number_999> <major_unit> [[and] <money_tail>]"},
}

// grammar is the parser's sentences as named rules of words: the template
// rules, the lists and the number rules, and one rule per intent whose
// alternatives are the intent's templates. Slot and rule references are
// ruleExpr names of other rules of the grammar.
type grammar struct {
	rules   map[string]expr
	intents []string // intents with at least one spoken template, in file order
	typed   []string // intents read from text only: they have no rule
}

// buildGrammar derives the grammar from the compiled templates and lists.
func (p *Parser) buildGrammar() *grammar {
	g := &grammar{rules: map[string]expr{}}
	add := func(name string, x expr) { g.rules[name] = x }
	byIntent := map[string]altExpr{}
	for _, t := range p.templates {
		if t.typed {
			if !slices.Contains(g.typed, t.intent) {
				g.typed = append(g.typed, t.intent)
			}
			continue
		}
		if _, ok := byIntent[t.intent]; !ok {
			g.intents = append(g.intents, t.intent)
		}
		byIntent[t.intent] = append(byIntent[t.intent], p.spokenTemplate(t.x, g))
	}
	for _, in := range g.intents {
		add(intentPrefix+ruleIdent(in), simplifyAlt(byIntent[in]))
	}
	names := make([]string, 0, len(p.rules))
	for name := range p.rules {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		add(rulePrefix+name, p.toGrammar(p.rules[name]))
	}
	for _, l := range p.lists {
		add(listPrefix+l.name, spokenList(l, func(phrase) bool { return true }))
	}
	for _, r := range numberRules {
		x, err := parseTemplate(r.text)
		if err != nil {
			panic(fmt.Sprintf("number rule <%s>: %v", r.name, err))
		}
		add(r.name, x)
	}
	return g
}

// toGrammar rewrites a template so that slots and rules refer to rules of
// the grammar.
func (p *Parser) toGrammar(x expr) expr {
	switch x := x.(type) {
	case seqExpr:
		out := make(seqExpr, len(x))
		for i, part := range x {
			out[i] = p.toGrammar(part)
		}
		return out
	case altExpr:
		var out altExpr
		seen := map[string]bool{}
		for _, alt := range x {
			a := p.toGrammar(alt)
			if key := exprString(a); !seen[key] {
				seen[key] = true
				out = append(out, a)
			}
		}
		return simplifyAlt(out)
	case optExpr:
		return optExpr{p.toGrammar(x.x)}
	case slotExpr:
		switch slotNames[string(x)] {
		case slotQuantity, slotPart:
			return ruleExpr(quantityRule)
		case slotAmount:
			return ruleExpr(amountRule)
		case slotFrom:
			return ruleExpr(listPrefix + "item")
		}
		return ruleExpr(listPrefix + string(x))
	case ruleExpr:
		return ruleExpr(rulePrefix + string(x))
	}
	return x
}

func simplifyAlt(alts altExpr) expr {
	if len(alts) == 1 {
		return alts[0]
	}
	return alts
}

// speakable reports whether every word of a phrase is made of letters.
func speakable(words []string) bool {
	for _, w := range words {
		for _, r := range w {
			if isDigit(r) || r == '.' || r == '-' {
				return false
			}
		}
	}
	return true
}

// ruleIdent turns an intent name into a rule name: "order.create" gives
// "order_create".
func ruleIdent(s string) string { return strings.ReplaceAll(s, ".", "_") }

// intentRules returns the intent rules for the given intents, all when none
// are given. An intent read from text only (typed) has none and is left
// out; an unknown intent name is an error.
func (g *grammar) intentRules(intents []string) ([]string, error) {
	if len(intents) == 0 {
		intents = g.intents
	}
	var out []string
	for _, in := range intents {
		if !slices.Contains(g.intents, in) {
			if slices.Contains(g.typed, in) {
				continue // read from text only
			}
			return nil, fmt.Errorf("intent %q has no sentences in the grammar", in)
		}
		name := intentPrefix + ruleIdent(in)
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("none of the intents %v is spoken", intents)
	}
	return out, nil
}

// exprString is x in template syntax, to tell alternatives apart.
func exprString(x expr) string {
	var b strings.Builder
	writeExpr(&b, x, false)
	return b.String()
}

// writeExpr writes x; nested says whether alternatives need parentheses.
func writeExpr(b *strings.Builder, x expr, nested bool) {
	switch x := x.(type) {
	case wordExpr:
		b.WriteString(string(x))
	case seqExpr:
		for i, part := range x {
			if i > 0 {
				b.WriteByte(' ')
			}
			writeExpr(b, part, true)
		}
	case altExpr:
		if nested {
			b.WriteByte('(')
		}
		for i, alt := range x {
			if i > 0 {
				b.WriteString(" | ")
			}
			writeExpr(b, alt, false)
		}
		if nested {
			b.WriteByte(')')
		}
	case optExpr:
		b.WriteByte('[')
		writeExpr(b, x.x, false)
		b.WriteByte(']')
	case ruleExpr:
		b.WriteString("<" + string(x) + ">")
	}
}

// Words returns every word the grammar of all intents can produce, sorted:
// the words a recognizer needs pronunciations for.
func (p *Parser) Words() []string { return p.Grammar().Words() }

// Grammar returns the word graph of the sentences of the given intents (all
// of them when none are given): what a recognizer listens for. Words are
// the parser's normalized words, lowercase. An intent name that is unknown
// or has no sentences makes it panic; use Intents to list the valid names.
//
// The dialog narrows what a recognizer listens for by asking only for the
// intents its state accepts. The graphs are kept: asking again for the same
// intents, in the same order, returns the same *Graph.
func (p *Parser) Grammar(intents ...string) *Graph {
	g, err := p.grammarGraph(intents)
	if err != nil {
		panic("intent: Grammar: " + err.Error())
	}
	return g
}

// grammarGraph returns the kept graph of the intents, building it the
// first time.
func (p *Parser) grammarGraph(intents []string) (*Graph, error) {
	top, err := p.speech.intentRules(intents)
	if err != nil {
		return nil, err
	}
	key := strings.Join(top, " ")
	p.graphMu.Lock()
	defer p.graphMu.Unlock()
	if g, ok := p.graphs[key]; ok {
		return g, nil
	}
	alts := make(altExpr, len(top))
	for i, name := range top {
		alts[i] = ruleExpr(name)
	}
	g, err := buildGraph(simplifyAlt(alts), p.speech.rules)
	if err != nil {
		return nil, err
	}
	p.graphs[key] = g
	return g, nil
}

// codeTemplate is an answer to a request for a PIN or an authenticator
// code, with <digit> any way to say a digit.
const codeTemplate = "[my pin is] <digit> <digit> <digit> <digit> [<digit>] [<digit>] [<digit>] [<digit>]" +
	" | cancel | cancel it | never mind | freeze my wallet"

// CodeGrammar returns the word graph of an answer to a request for a PIN
// or an authenticator code: four to eight digits said one word each
// ("one oh four two"), optionally after "my pin is"; or "cancel", "cancel
// it" or "never mind"; or "freeze my wallet". It is the same *Graph on
// every call.
func CodeGrammar() *Graph { return codeGrammar() }

var codeGrammar = sync.OnceValue(func() *Graph {
	x, err := parseTemplate(codeTemplate)
	if err != nil {
		panic("intent: code grammar: " + err.Error())
	}
	var digits altExpr
	for _, ws := range digitWords {
		for _, w := range ws {
			digits = append(digits, wordExpr(w))
		}
	}
	g, err := buildGraph(x, map[string]expr{"digit": digits})
	if err != nil {
		panic("intent: code grammar: " + err.Error())
	}
	return g
})

// Sentence is one sentence of the grammar and the intent it was generated
// for.
type Sentence struct {
	Intent string
	Text   string
}

// Sentences generates up to n random sentences of the grammar of the given
// intents (all when none are given): an intent is picked uniformly, then
// each alternative uniformly and each optional part with even odds. The
// same rng state gives the same sentences. It panics on an unknown intent,
// like Grammar.
func (p *Parser) Sentences(rng *rand.Rand, n int, intents ...string) []Sentence {
	g := p.speech
	top, err := g.intentRules(intents)
	if err != nil {
		panic("intent: Sentences: " + err.Error())
	}
	out := make([]Sentence, 0, n)
	for range n {
		name := top[rng.IntN(len(top))]
		var words []string
		for try := 0; try < 100; try++ {
			words = words[:0]
			if g.generate(rng, ruleExpr(name), &words) {
				out = append(out, Sentence{Intent: intentOfRule(name), Text: strings.Join(words, " ")})
				break
			}
		}
	}
	return out
}

// intentOfRule maps "intent_order_create" back to "order.create".
func intentOfRule(rule string) string {
	id := strings.TrimPrefix(rule, intentPrefix)
	for _, in := range intentNames {
		if ruleIdent(in) == id {
			return in
		}
	}
	return None
}

// generate appends the words of one random path through x. It reports
// false when the path ran into a list no one can say.
func (g *grammar) generate(rng *rand.Rand, x expr, words *[]string) bool {
	switch x := x.(type) {
	case wordExpr:
		*words = append(*words, string(x))
	case seqExpr:
		for _, part := range x {
			if !g.generate(rng, part, words) {
				return false
			}
		}
	case altExpr:
		return g.generate(rng, x[rng.IntN(len(x))], words)
	case optExpr:
		if rng.IntN(2) == 0 {
			return g.generate(rng, x.x, words)
		}
	case ruleExpr:
		r, ok := g.rules[string(x)]
		return ok && g.generate(rng, r, words)
	}
	return true
}

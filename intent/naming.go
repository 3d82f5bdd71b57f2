package intent

import (
	"maps"
	"slices"
	"strings"
)

// Payees an agent names (a subscription to "acme cloud") are known to the
// wallet only, not to the template file, so the grammar a recognizer
// listens with can take them as well: GrammarNaming adds them to {payee}.

// maxNamedGraphs bounds the graphs kept for names; past it they are built
// again when asked for.
const maxNamedGraphs = 64

// GrammarNaming is Grammar with names added to the payees a sentence may
// name: each name is said as its words ("acme_cloud" as "acme cloud").
// Words of letters only are kept; a name left with none is dropped. With
// no names it is Grammar. The same intents with the same names give the
// same *Graph.
func (p *Parser) GrammarNaming(names []string, intents ...string) *Graph {
	var said []seqExpr
	var keys []string
	for _, n := range names {
		words := nameWords(n)
		if len(words) == 0 || slices.Contains(keys, strings.Join(words, " ")) {
			continue
		}
		keys = append(keys, strings.Join(words, " "))
		seq := make(seqExpr, len(words))
		for i, w := range words {
			seq[i] = wordExpr(w)
		}
		said = append(said, seq)
	}
	if len(said) == 0 {
		return p.Grammar(intents...)
	}
	top, err := p.speech.intentRules(intents)
	if err != nil {
		panic("intent: GrammarNaming: " + err.Error())
	}
	slices.Sort(keys)
	key := strings.Join(top, " ") + "\x00" + strings.Join(keys, "\x00")
	p.graphMu.Lock()
	defer p.graphMu.Unlock()
	if g, ok := p.namedGraphs[key]; ok {
		return g
	}
	rules := maps.Clone(p.speech.rules)
	payees := altExpr{}
	if x, ok := rules[listPrefix+"payee"]; ok {
		payees = append(payees, x)
	}
	for _, s := range said {
		payees = append(payees, s)
	}
	rules[listPrefix+"payee"] = payees
	alts := make(altExpr, len(top))
	for i, name := range top {
		alts[i] = ruleExpr(name)
	}
	g, err := buildGraph(simplifyAlt(alts), rules)
	if err != nil {
		panic("intent: GrammarNaming: " + err.Error())
	}
	if p.namedGraphs == nil || len(p.namedGraphs) >= maxNamedGraphs {
		p.namedGraphs = map[string]*Graph{}
	}
	p.namedGraphs[key] = g
	return g
}

// nameWords are the words a name is said as: lowercase, split at anything
// but a letter or an apostrophe, and only words of letters.
func nameWords(name string) []string {
	fields := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r == '\'')
	})
	out := fields[:0]
	for _, f := range fields {
		if f = strings.Trim(f, "'"); f != "" {
			out = append(out, f)
		}
	}
	return out
}

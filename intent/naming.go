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

// Extra is what a grammar takes beyond the template file's sentences:
// Payees, names added to the payees a sentence may name, each said as its
// words ("acme_cloud" as "acme cloud"); and Sentences, whole sentences of
// words, such as the answers to a question the dialog just asked ("number
// two", "the one from claude"). Words of letters only are kept.
type Extra struct {
	Payees    []string
	Sentences []string
}

// GrammarNaming is Grammar with names added to the payees a sentence may
// name. With no names it is Grammar.
func (p *Parser) GrammarNaming(names []string, intents ...string) *Graph {
	return p.GrammarPlus(Extra{Payees: names}, intents...)
}

// GrammarPlus is Grammar with extra payees and sentences. With neither it
// is Grammar. The same intents with the same extra give the same *Graph.
func (p *Parser) GrammarPlus(extra Extra, intents ...string) *Graph {
	payees, payeeKeys := phrases(extra.Payees)
	sentences, sentenceKeys := phrases(extra.Sentences)
	if len(payees) == 0 && len(sentences) == 0 {
		return p.Grammar(intents...)
	}
	top, err := p.speech.intentRules(intents)
	if err != nil {
		panic("intent: GrammarPlus: " + err.Error())
	}
	key := strings.Join(top, " ") + "\x00" + strings.Join(payeeKeys, "\x00") + "\x01" + strings.Join(sentenceKeys, "\x00")
	p.graphMu.Lock()
	defer p.graphMu.Unlock()
	if g, ok := p.namedGraphs[key]; ok {
		return g
	}
	rules := p.speech.rules
	if len(payees) > 0 {
		rules = maps.Clone(rules)
		alts := altExpr{}
		if x, ok := rules[listPrefix+"payee"]; ok {
			alts = append(alts, x)
		}
		for _, s := range payees {
			alts = append(alts, s)
		}
		rules[listPrefix+"payee"] = alts
	}
	alts := make(altExpr, 0, len(top)+len(sentences))
	for _, name := range top {
		alts = append(alts, ruleExpr(name))
	}
	for _, s := range sentences {
		alts = append(alts, s)
	}
	g, err := buildGraph(simplifyAlt(alts), rules)
	if err != nil {
		panic("intent: GrammarPlus: " + err.Error())
	}
	if p.namedGraphs == nil || len(p.namedGraphs) >= maxNamedGraphs {
		p.namedGraphs = map[string]*Graph{}
	}
	p.namedGraphs[key] = g
	return g
}

// phrases are texts as sequences of words, without repeats, and their
// keys, sorted.
func phrases(texts []string) ([]seqExpr, []string) {
	var out []seqExpr
	var keys []string
	for _, t := range texts {
		words := nameWords(t)
		key := strings.Join(words, " ")
		if len(words) == 0 || slices.Contains(keys, key) {
			continue
		}
		keys = append(keys, key)
		seq := make(seqExpr, len(words))
		for i, w := range words {
			seq[i] = wordExpr(w)
		}
		out = append(out, seq)
	}
	slices.Sort(keys)
	return out, keys
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

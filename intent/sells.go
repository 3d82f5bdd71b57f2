package intent

import (
	"slices"
	"strconv"
	"strings"
)

// In the speech grammar, a sentence that names an item and a merchant
// names an item the merchant sells: "two lattes from luckin coffee" can be
// heard, "eggs from luckin coffee" cannot. The parser still reads the
// second when it is typed, so that the dialog can say the shop doesn't sell
// it; a recognizer, though, should never settle on it when the person said
// something close that makes sense.
//
// A template that uses both slots, itself or through its rules, becomes one
// copy per merchant, in which {merchant} hears only that merchant's names
// and {item} only the names of what it sells (a general word such as
// "coffee" goes with every merchant that sells one of its items). The copy
// with the merchant left out ("[<at_merchant>]") hears any item some
// merchant sells, which is every item. Rules that name neither slot are
// shared by all copies. The graph is minimized afterwards, so the copies
// share their common words.

// spokenTemplate is the grammar of a template, in copies per merchant when
// it names both an item and a merchant.
func (p *Parser) spokenTemplate(x expr, g *grammar) expr {
	if !p.mentions(x, slotItem) || !p.mentions(x, slotMerchant) {
		return p.toGrammar(x)
	}
	alts := make(altExpr, len(p.merchants))
	for m := range p.merchants {
		alts[m] = p.toGrammarAt(x, m, g)
	}
	return simplifyAlt(alts)
}

// mentions reports whether x, or a rule it uses, has a slot of kind k.
func (p *Parser) mentions(x expr, k slotKind) bool {
	switch x := x.(type) {
	case seqExpr:
		return slices.ContainsFunc(x, func(e expr) bool { return p.mentions(e, k) })
	case altExpr:
		return slices.ContainsFunc(x, func(e expr) bool { return p.mentions(e, k) })
	case optExpr:
		return p.mentions(x.x, k)
	case slotExpr:
		return slotNames[string(x)] == k
	case ruleExpr:
		r, ok := p.rules[string(x)]
		return ok && p.mentions(r, k)
	}
	return false
}

// toGrammarAt is toGrammar for the copy of merchant m.
func (p *Parser) toGrammarAt(x expr, m int, g *grammar) expr {
	switch x := x.(type) {
	case seqExpr:
		out := make(seqExpr, len(x))
		for i, part := range x {
			out[i] = p.toGrammarAt(part, m, g)
		}
		return out
	case altExpr:
		var out altExpr
		seen := map[string]bool{}
		for _, alt := range x {
			a := p.toGrammarAt(alt, m, g)
			if key := exprString(a); !seen[key] {
				seen[key] = true
				out = append(out, a)
			}
		}
		return simplifyAlt(out)
	case optExpr:
		return optExpr{p.toGrammarAt(x.x, m, g)}
	case slotExpr:
		if k := slotNames[string(x)]; k == slotItem || k == slotMerchant {
			return ruleExpr(p.listAt(string(x), m, g))
		}
		return p.toGrammar(x)
	case ruleExpr:
		if !p.mentions(x, slotItem) && !p.mentions(x, slotMerchant) {
			return p.toGrammar(x)
		}
		name := rulePrefix + string(x) + atSuffix(m)
		if _, ok := g.rules[name]; !ok {
			g.rules[name] = p.toGrammarAt(p.rules[string(x)], m, g)
		}
		return ruleExpr(name)
	}
	return x
}

func atSuffix(m int) string { return "_at_" + strconv.Itoa(m) }

// listAt names the rule of list slot (item or merchant) as the copy of
// merchant m hears it, adding the rule to g the first time.
func (p *Parser) listAt(slot string, m int, g *grammar) string {
	name := listPrefix + slot + atSuffix(m)
	if _, ok := g.rules[name]; ok {
		return name
	}
	i := slices.IndexFunc(p.lists, func(l *list) bool { return l.name == slot })
	l := p.lists[i]
	g.rules[name] = spokenList(l, func(ph phrase) bool {
		if l.slot == slotMerchant {
			return ph.value == int32(m)
		}
		return slices.ContainsFunc(l.values[ph.value].items, func(r itemRef) bool { return r.merchant == int32(m) })
	})
	return name
}

// spokenList is the grammar of the phrases of l that keep accepts and that
// can be said (see speakable), each once.
func spokenList(l *list, keep func(phrase) bool) expr {
	var alts altExpr
	seen := map[string]bool{}
	for _, ph := range l.phrases {
		key := strings.Join(ph.words, " ")
		if ph.typed || !speakable(ph.words) || seen[key] || !keep(ph) {
			continue
		}
		seen[key] = true
		seq := make(seqExpr, len(ph.words))
		for i, w := range ph.words {
			seq[i] = wordExpr(w)
		}
		alts = append(alts, simplifySeq(seq))
	}
	if len(alts) == 0 {
		return ruleExpr(voidRule) // a list no one can say
	}
	return simplifyAlt(alts)
}

package intent

// Hooks for the tests in package intent_test.

// GraphOf builds the word graph of a template whose <rule> references name
// rules, also templates; <void> matches nothing. The templates may use no
// slots.
func GraphOf(text string, rules map[string]string) (*Graph, error) {
	x, err := parseTemplate(text)
	if err != nil {
		return nil, err
	}
	rs := map[string]expr{"void": ruleExpr(voidRule)}
	for name, t := range rules {
		if rs[name], err = parseTemplate(t); err != nil {
			return nil, err
		}
	}
	return buildGraph(x, rs)
}

// GraphSize is the number of states and edges of a graph.
func GraphSize(g *Graph) (states, edges int) { return g.States(), g.transitions() }

// RuleGraph builds the word graph of one rule of the parser's speech
// grammar, such as "quantity" or "amount".
func RuleGraph(p *Parser, rule string) (*Graph, error) {
	return buildGraph(ruleExpr(rule), p.speech.rules)
}

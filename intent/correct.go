package intent

import "strings"

// corrections are what people type when they take back what they just
// typed: "a latte, no wait, a cappuccino".
var corrections = phraseList("no wait", "wait no", "no sorry", "sorry no", "no actually", "actually no", "sorry",
	"i mean", "i meant", "or rather", "scratch that", "no make that", "no make it")

// correct reads typed text that corrects itself by what comes after its
// last correction: the words after it, read alone, as the person's own
// ("a latte, no wait, a cappuccino please" orders a cappuccino). When the
// words after it only change the thing or the count ("three colas, no
// actually make that two"), they change what the words before it ordered
// or added. Nothing that moves money is read this way.
func (p *Parser) correct(res Result, words []string) Result {
	at, n := -1, 0
	for i := 1; i < len(words); i++ {
		if k := trimStart(words[i:], corrections); k > 0 {
			at, n = i, k
			i += k - 1
		}
	}
	if at >= 0 && at+n < len(words) {
		return p.corrected(res, strings.Join(words[:at], " "), strings.Join(words[at+n:], " "))
	}
	// "three. no, four.": a no on its own between two clauses
	parts := clauseBreak.Split(strings.TrimSpace(res.Text), 8)
	for j := len(parts) - 2; j > 0; j-- {
		if w := normalize(parts[j]); len(w) == 1 && noWords[w[0]] {
			return p.corrected(res, strings.Join(parts[:j], ", "), strings.Join(parts[j+1:], ", "))
		}
	}
	return res
}

// noWords take back what came before them when they stand alone.
var noWords = wordSet("no nope nah")

// corrected reads text corrected from what it said first, before, to
// what it says after.
func (p *Parser) corrected(res Result, first, then string) Result {
	after := p.Parse(then)
	if after.Intent == None || MovesMoney(after.Intent) || !asides[after.Intent] {
		return res
	}
	before := p.Parse(first)
	s := after.Slots
	switch {
	case before.Intent != OrderCreate && before.Intent != OrderAdd:
	case after.Intent == OrderModify && s.From == "" && s.Times == 0 && len(s.Items) == 0 && len(before.Slots.Items) == 0:
		// "a latte, no, make it an americano": the thing or the count of what was ordered
		if s.Item != "" {
			before.Slots.Item, before.Slots.Class = s.Item, ""
			if s.Merchant != "" {
				before.Slots.Merchant = s.Merchant
			}
		}
		if s.Quantity > 0 {
			before.Slots.Quantity = s.Quantity
		}
		after.Intent, after.Slots = before.Intent, before.Slots
	}
	after.Text, after.Confidence = res.Text, min(after.Confidence, confidences[1])
	return after
}

package intent

import (
	"regexp"
	"strings"
)

// maxCartLines bounds the things one sentence may name.
const maxCartLines = 20

// cartJoin is what people put between the things of one order: commas,
// "and", "plus", "with".
var cartJoin = regexp.MustCompile(`(?i)\s*(?:[,;]|\band\b|\bplus\b|\bwith\b|\bas well as\b)\s*`)

// cart reads a sentence that names several things at once, "a latte and two
// americanos from luckin", when no template matches it whole. Each part
// must read on its own as an order of one thing, the first with any lead-in
// ("can I get a latte"), the others bare ("two americanos"); a merchant
// named in any part goes for the order. What it finds is order.create with
// Items, or order.modify when the first part changes the order ("make it one
// latte and one cappuccino"). Several things never move money, so a part that needed a dropped
// word only lowers the confidence.
func (p *Parser) cart(res Result, typed bool) Result {
	parts := cartJoin.Split(res.Text, maxCartLines+1)
	if len(parts) < 2 || len(parts) > maxCartLines {
		return res
	}
	var lines []Line
	merchants := map[string]bool{}
	confidence, intent := FullMatch, OrderCreate
	for i, part := range parts {
		if strings.TrimSpace(part) == "" {
			continue
		}
		r := p.parse(part, typed)
		if i == 0 && r.Intent == OrderModify && r.Slots.Item != "" {
			intent = OrderModify // "make it one latte and one cappuccino"
			r.Intent = OrderCreate
		}
		if (r.Intent != OrderCreate || r.Slots.Item == "") && i > 0 && len(lines) > 0 {
			// "..., please" or "..., for the meeting": words that go with
			// the thing before them.
			r = p.parse(parts[i-1]+" "+part, typed)
			if r.Intent == OrderCreate && r.Slots.Item != "" {
				lines = lines[:len(lines)-1]
			}
		}
		if r.Intent != OrderCreate || r.Slots.Item == "" {
			return res
		}
		if r.Slots.Merchant != "" {
			merchants[r.Slots.Merchant] = true
		}
		lines = append(lines, Line{Item: r.Slots.Item, Quantity: max(r.Slots.Quantity, 1)})
		confidence = min(confidence, r.Confidence)
	}
	if len(lines) < 2 {
		return res
	}
	res.Intent, res.Confidence = intent, confidence
	res.Slots = Slots{Items: lines}
	if len(merchants) == 1 { // several shops' things: the dialog says so
		for m := range merchants {
			res.Slots.Merchant = m
		}
	}
	return res
}

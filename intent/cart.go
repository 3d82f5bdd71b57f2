package intent

import "regexp"

// maxCartLines bounds the things one sentence may name.
const maxCartLines = 20

// cartJoin is what people put between the things of one order: commas,
// "and", "plus", "with".
var cartJoin = regexp.MustCompile(`(?i)\s*(?:[,;]|\band\b|\bplus\b|\bwith\b|\bas well as\b)\s*`)

// cart reads a sentence that names several things at once, "a latte and two
// americanos from luckin", when no template matches it whole. Each part
// must read on its own as an order of one thing, the first with any lead-in
// ("can I get a latte"), the others bare ("two americanos"); a part of
// fillers only ("um, a latte and uh, a cola") is passed over. A merchant
// named in any part goes for the order, and a general word ("a drink")
// is the one thing of its kind that shop sells. What it finds is
// order.create with Items, or order.modify when the first part changes the
// order ("make it one latte and one cappuccino"). Several things never move
// money, so a part that needed a dropped word only lowers the confidence.
func (p *Parser) cart(res Result, typed bool) Result {
	parts := cartJoin.Split(res.Text, maxCartLines+1)
	if len(parts) < 2 || len(parts) > maxCartLines {
		return res
	}
	var lines []Line
	var classes []string // by line: the general word a line said, if any
	merchants := map[string]bool{}
	confidence, intent, prev := FullMatch, OrderCreate, ""
	for _, part := range parts {
		if p.saysNothing(part, typed) {
			continue
		}
		r := p.parse(part, typed)
		if len(lines) == 0 && r.Intent == OrderModify && (r.Slots.Item != "" || r.Slots.Class != "") {
			intent = OrderModify // "make it one latte and one cappuccino"
			r.Intent = OrderCreate
		}
		if !orders(r) && len(lines) > 0 {
			// "..., please" or "..., for the meeting": words that go with
			// the thing before them.
			r = p.parse(prev+" "+part, typed)
			if orders(r) {
				lines, classes = lines[:len(lines)-1], classes[:len(classes)-1]
			}
		}
		if !orders(r) {
			return res
		}
		if r.Slots.Merchant != "" {
			merchants[r.Slots.Merchant] = true
		}
		lines = append(lines, Line{Item: r.Slots.Item, Quantity: max(r.Slots.Quantity, 1)})
		classes = append(classes, r.Slots.Class)
		confidence = min(confidence, r.Confidence)
		prev = part
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
	for i, class := range classes {
		if class == "" {
			continue
		}
		id, ok := p.classItem(class, res.Slots.Merchant)
		if !ok {
			return Result{Text: res.Text, Intent: None} // "a latte and a coffee": which coffee?
		}
		lines[i].Item = id
	}
	return res
}

// orders reports whether r orders one thing, named or by a general word.
func orders(r Result) bool {
	return r.Intent == OrderCreate && (r.Slots.Item != "" || r.Slots.Class != "")
}

// saysNothing reports whether a part of a sentence is fillers only ("um",
// "ok"), or nothing at all.
func (p *Parser) saysNothing(part string, typed bool) bool {
	words := normalize(part)
	if typed {
		words = dropHesitations(words)
	}
	return onlyFillers(words)
}

// classItem is the one item of a general word ("drink") that a merchant
// sells; ok is false when it sells none or several.
func (p *Parser) classItem(class, merchant string) (id string, ok bool) {
	if merchant == "" {
		return "", false
	}
	for _, v := range p.lists[p.item].values {
		if v.class != class {
			continue
		}
		for _, r := range v.items {
			switch {
			case p.merchants[r.merchant] != merchant || r.id == id:
			case id != "":
				return "", false
			default:
				id = r.id
			}
		}
	}
	return id, id != ""
}

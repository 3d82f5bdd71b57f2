package intent

import (
	"regexp"
	"slices"
)

// maxCartLines bounds the things one sentence may name.
const maxCartLines = 20

// cartJoin is what people put between the things of one order: commas,
// "and", "plus", "with".
var cartJoin = regexp.MustCompile(`(?i)\s*(?:[,;]|\band\b|\bplus\b|\bwith\b|\bas well as\b)\s*`)

// cart reads a sentence that names several things at once, "a latte and two
// americanos from luckin", when no template matches it whole. Each part
// must read on its own as an order of one thing, the first with any lead-in
// ("can I get a latte"), the others bare ("two americanos"); a part of
// fillers only ("um, a latte and uh, a cola") is passed over, and a bare
// quantity ("one latte for me and one for my wife") is more of the thing
// before it. A merchant
// named in any part goes for the order, and a general word ("a drink")
// is the one thing of its kind that shop sells. What it finds is
// order.create with Items, or order.modify when the first part changes the
// order ("make it one latte and one cappuccino"), or order.add when it adds
// to it ("add a latte and a cola"). Several things never move
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
		if r.Intent == OrderAdd && len(lines) > 0 {
			r.Intent = OrderCreate // "a latte and another cappuccino"
			if r.Slots.Item == "" && r.Slots.Class == "" {
				// "one latte for me and one for my wife": more of the thing before
				r.Slots.Item, r.Slots.Class = lines[len(lines)-1].Item, classes[len(classes)-1]
			}
		}
		if len(lines) == 0 && (r.Intent == OrderModify || r.Intent == OrderAdd) && (r.Slots.Item != "" || r.Slots.Class != "") {
			intent = r.Intent // "make it one latte and one cappuccino", "add a latte and a cola"
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
	var merged []Line // "a latte and another latte" is two lattes
	for _, l := range lines {
		if i := slices.IndexFunc(merged, func(m Line) bool { return m.Item == l.Item }); i >= 0 {
			merged[i].Quantity += l.Quantity
		} else {
			merged = append(merged, l)
		}
	}
	if len(merged) == 1 {
		res.Slots.Item, res.Slots.Quantity, res.Slots.Items = merged[0].Item, merged[0].Quantity, nil
	} else {
		res.Slots.Items = merged
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

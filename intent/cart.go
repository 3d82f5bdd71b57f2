package intent

import (
	"regexp"
	"slices"
	"strings"
)

// maxCartLines bounds the things one sentence may name.
const maxCartLines = 20

// cartJoin is what people put between the things of one order: commas,
// "and", "plus", "with"; typed, "+", "&" and "n".
var cartJoin = regexp.MustCompile(`(?i)\s*(?:[,;+&]|\band\b|\bn\b|\bplus\b|\bwith\b|\bas well as\b)\s*`)

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
	if len(parts) < 2 && typed {
		parts = cartJoin.Split(p.joinCounts(res.Text), maxCartLines+1)
	}
	if len(parts) < 2 || len(parts) > maxCartLines {
		return res
	}
	c := &cartReading{intent: OrderCreate, confidence: FullMatch, merchants: map[string]bool{}}
	for _, part := range parts {
		if p.saysNothing(part, typed) {
			continue
		}
		r, ok := p.readPart(c, part, typed)
		if r.Slots.Unknown != "" || r.Slots.UnknownShop != "" {
			return p.unknownCart(res, r)
		}
		if !ok {
			return res
		}
	}
	if len(c.lines) < 2 && (len(c.lines) == 0 || c.lines[0].spread == 0) {
		return res
	}
	return p.finishCart(res, c)
}

// joinCounts is typed text with a comma put before each count that comes
// between the names of two things, when each part it makes orders a
// thing of its own: "one latte one cappuccino" is "one latte, one
// cappuccino". Else it is text.
func (p *Parser) joinCounts(text string) string {
	words := normalize(text)
	var parts []string
	start := 0
	for i := 1; i < len(words)-1; i++ {
		_, count := numberWords[words[i]]
		if (count || words[i][0] >= '0' && words[i][0] <= '9') && p.isName(words[i-1]) && p.isName(words[i+1]) {
			parts, start = append(parts, strings.Join(words[start:i], " ")), i
		}
	}
	if parts == nil {
		return text
	}
	parts = append(parts, strings.Join(words[start:], " "))
	for _, part := range parts {
		if !orders(p.parse(part, true)) {
			return text // "latte two kfc"
		}
	}
	return strings.Join(parts, ", ")
}

// cartReading is a cart as its parts are read.
type cartReading struct {
	lines      []cartLine
	merchants  map[string]bool
	confidence float64
	intent     string
	prev       string // the part of the last line
}

// cartLine is one thing of a cart as read.
type cartLine struct {
	Line
	class  string // the general word it was said by, if any
	said   int    // the quantity its own part said
	spread int    // what bare parts after it added: "one for me, one for him"
}

// readPart reads one part of a cart into c. It returns false when the part
// orders nothing; then r, if it orders a thing the catalog lacks, is that
// order.
func (p *Parser) readPart(c *cartReading, part string, typed bool) (r Result, ok bool) {
	r = p.parse(part, typed)
	if n := len(c.lines); n > 0 && (r.Intent == OrderAdd || r.Intent == OrderModify && r.Slots.Quantity > 0) &&
		r.Slots.Item == "" && r.Slots.Class == "" && r.Slots.Times == 0 && r.Slots.From == "" {
		// "one latte for me and one for my wife": more of the thing before
		q := max(r.Slots.Quantity, 1)
		c.lines[n-1].Quantity += q
		c.lines[n-1].spread += q
		c.confidence = min(c.confidence, r.Confidence)
		return r, true
	}
	if r.Intent == OrderAdd && len(c.lines) > 0 && (r.Slots.Item != "" || r.Slots.Class != "") {
		r.Intent = OrderCreate // "a latte and another cappuccino"
	}
	if r.Slots.Unknown != "" || r.Slots.UnknownShop != "" {
		return r, false
	}
	if len(c.lines) == 0 && (r.Intent == OrderModify || r.Intent == OrderAdd) && (r.Slots.Item != "" || r.Slots.Class != "") {
		c.intent = r.Intent // "make it one latte and one cappuccino", "add a latte and a cola"
		r.Intent = OrderCreate
	}
	if !orders(r) && len(c.lines) > 0 {
		// "..., please" or "..., for the meeting": words that go with
		// the thing before them.
		if rr := p.parse(c.prev+" "+part, typed); orders(rr) {
			r = rr
			c.lines = c.lines[:len(c.lines)-1]
		}
	}
	if !orders(r) {
		if len(c.lines) > 0 && c.intent == OrderCreate {
			// "a latte and a cookie": the other parts say it is an order
			return p.unknown(Result{Text: part, Intent: None}, p.words(part, typed), typed, true), false
		}
		return r, false
	}
	if r.Slots.Merchant != "" {
		c.merchants[r.Slots.Merchant] = true
	}
	q := max(r.Slots.Quantity, 1)
	c.lines = append(c.lines, cartLine{Line: Line{Item: r.Slots.Item, Quantity: q}, class: r.Slots.Class, said: q})
	c.confidence = min(c.confidence, r.Confidence)
	c.prev = part
	return r, true
}

// finishCart is the cart c read: its shop, the general words read as the
// one thing of their kind that shop sells, and one line per thing. Bare
// parts that share out exactly what was said ("two lattes, one for me,
// one for him") add nothing to it.
func (p *Parser) finishCart(res Result, c *cartReading) Result {
	res.Intent, res.Confidence = c.intent, c.confidence
	res.Slots = Slots{}
	if len(c.merchants) == 1 { // several shops' things: the dialog says so
		for m := range c.merchants {
			res.Slots.Merchant = m
		}
	}
	var merged []Line // "a latte and another latte" is two lattes
	for _, l := range c.lines {
		if l.class != "" {
			id, ok := p.classItem(l.class, res.Slots.Merchant)
			if !ok {
				return Result{Text: res.Text, Intent: None} // "a latte and a coffee": which coffee?
			}
			l.Item = id
		}
		if l.said > 1 && l.spread == l.said {
			l.Quantity = l.said
		}
		if i := slices.IndexFunc(merged, func(m Line) bool { return m.Item == l.Item }); i >= 0 {
			merged[i].Quantity += l.Quantity
		} else {
			merged = append(merged, l.Line)
		}
	}
	if len(merged) == 1 {
		res.Slots.Item, res.Slots.Quantity = merged[0].Item, merged[0].Quantity
	} else {
		res.Slots.Items = merged
	}
	return res
}

// unknownCart is a cart with a thing or a shop the catalog lacks in it, r
// being the part that names it: an order of what is lacking, for the
// dialog to say what there is instead.
func (p *Parser) unknownCart(res, r Result) Result {
	res.Intent, res.Confidence = OrderCreate, min(r.Confidence, FullMatch)
	res.Slots = Slots{Merchant: r.Slots.Merchant, Unknown: r.Slots.Unknown, UnknownShop: r.Slots.UnknownShop}
	return res
}

// orders reports whether r orders one thing, named or by a general word.
func orders(r Result) bool {
	return r.Intent == OrderCreate && (r.Slots.Item != "" || r.Slots.Class != "")
}

// saysNothing reports whether a part of a sentence is fillers only ("um",
// "ok"), or nothing at all.
func (p *Parser) saysNothing(part string, typed bool) bool {
	return onlyFillers(p.words(part, typed))
}

// words are the words of a part of a sentence, as matching reads them.
func (p *Parser) words(part string, typed bool) []string {
	words := normalize(part)
	if typed {
		words = typedWords(words)
	}
	return words
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

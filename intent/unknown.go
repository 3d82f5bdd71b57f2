package intent

import (
	"strings"
)

// unknown reads an order of something the catalog does not have ("buy a
// mocha", "two lattes from starbucks"), when no template matches: words the
// templates never use, one or two in a row, stand where an item or a shop
// would, and the sentence reads as an order, by one of its plain spoken
// forms, once a known name is put in their place; loose lets any form do,
// for a part of a cart whose other parts are orders ("a latte and a
// cookie"). What it finds is order.create with Unknown or UnknownShop, for
// the dialog to say what there is instead, or order.add when the sentence
// adds to the open order ("add a mocha"). Removals and changes are not
// read: "cancel the alarm" and "make it rain" are no orders.
func (p *Parser) unknown(res Result, words []string, typed, loose bool) Result {
	if len(p.merchants) == 0 {
		return res
	}
	item, shop := p.stand("item"), p.stand("merchant")
	for start := 0; start < len(words); start++ {
		if p.known(words[start]) {
			continue
		}
		for n := 1; n <= 2 && start+n <= len(words) && n < len(words); n++ {
			if p.known(words[start+n-1]) || notThings[words[start+n-1]] {
				break
			}
			if onlyFillers(words[:start], words[start+n:]) {
				continue // "ok google": nothing says it is an order
			}
			said := strings.Join(words[start:start+n], " ")
			for _, stand := range []struct{ name, slot string }{{item, "item"}, {shop, "merchant"}} {
				text := strings.Join(append(append(words[:start:start], stand.name), words[start+n:]...), " ")
				r, t, _ := p.matchText(text, typed)
				if !namesThing(r.Intent) || r.Confidence != FullMatch || r.Intent == OrderCreate && p.templates[t].typed && !loose {
					continue // only the plain forms of an order: "I could go for a walk" is none
				}
				if stand.slot == "item" && r.Slots.Item != "" && p.says(r.Slots.Item, item) {
					res.Intent, res.Confidence = r.Intent, FullMatch
					res.Slots = Slots{Quantity: r.Slots.Quantity, Unknown: said}
					if p.named(words, r.Slots.Merchant) {
						res.Slots.Merchant = r.Slots.Merchant
					}
					return res
				}
				if stand.slot == "merchant" && r.Slots.Merchant == p.merchants[0] && !p.named(words, r.Slots.Merchant) {
					res.Intent, res.Confidence = r.Intent, FullMatch
					res.Slots = Slots{Item: r.Slots.Item, Quantity: r.Slots.Quantity, UnknownShop: said}
					return res
				}
			}
		}
	}
	return res
}

// namesThing reports whether an intent's sentence names a thing to buy: an
// order of it, or an addition to the open order.
func namesThing(intent string) bool {
	return intent == OrderCreate || intent == OrderAdd
}

// known reports whether a word is one the templates use, or is not a
// plain word that could name a thing: only words of letters stand for an
// unknown item or shop.
func (p *Parser) known(w string) bool {
	if _, ok := p.vocab[w]; ok {
		return true
	}
	if _, ok := numberWords[w]; ok || quantityWords[w] {
		return true
	}
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return true
		}
	}
	return false
}

// quantityWords are the words of quantities besides the numbers.
var quantityWords = map[string]bool{"few": true, "couple": true, "dozen": true, "hundred": true, "thousand": true}

// notThings are words that stand where a thing would ("give me a
// minute", "just a moment") but name nothing anyone buys: an order of one
// is no order at all.
var notThings = map[string]bool{"second": true, "seconds": true, "sec": true, "minute": true, "minutes": true,
	"min": true, "moment": true, "moments": true, "hour": true, "hours": true, "day": true, "days": true,
	"week": true, "weeks": true, "month": true, "months": true, "year": true, "years": true, "while": true,
	"bit": true, "break": true, "chance": true, "hand": true, "try": true, "look": true, "clue": true,
	"idea": true, "hint": true, "favor": true, "favour": true, "call": true, "ring": true, "hug": true,
	"word": true, "words": true, "fix": true}

// fillers are words that say nothing of an order on their own.
var fillers = map[string]bool{"ok": true, "okay": true, "yes": true, "yeah": true, "sure": true, "hey": true,
	"please": true, "um": true, "uh": true, "oh": true, "so": true, "well": true, "hi": true, "hello": true}

// onlyFillers reports whether the words around an unknown run are all
// fillers.
func onlyFillers(parts ...[]string) bool {
	for _, ws := range parts {
		for _, w := range ws {
			if !fillers[w] {
				return false
			}
		}
	}
	return true
}

// stand is a name of the first item, or of the first merchant, to stand in
// for an unknown word.
func (p *Parser) stand(list string) string {
	for _, l := range p.lists {
		if l.name == list && len(l.phrases) > 0 {
			return strings.Join(l.phrases[0].words, " ")
		}
	}
	return ""
}

// says reports whether the stand-in name names item.
func (p *Parser) says(item, name string) bool {
	r, _ := p.parseWhole("buy "+name, true)
	return r.Slots.Item == item
}

// named reports whether the sentence itself names the merchant id.
func (p *Parser) named(words []string, merchant string) bool {
	if merchant == "" {
		return false
	}
	for _, l := range p.lists {
		if l.name != "merchant" {
			continue
		}
		for _, ph := range l.phrases {
			if l.values[ph.value].id == merchant && strings.Contains(" "+strings.Join(words, " ")+" ",
				" "+strings.Join(ph.words, " ")+" ") {
				return true
			}
		}
	}
	return false
}

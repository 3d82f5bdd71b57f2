package intent

import (
	"slices"
	"strings"
)

// A loose reading is the last try at typed text that nothing else read:
// the command in it, with words around and inside it dropped that only
// colour it ("please freeze my wallet for the time being", "kindly
// remind me what is in my basket"). It is read only for the intents of
// looseIntents, never for one that moves money, and only when what it
// drops is free: a word of grammar, of manner or of padding (lightWords,
// mannerWords, softWords), but no name of a thing, no number, no negation
// or condition and no verb that says what to do (keyWords). Any other
// word ("cancel my dentist appointment", "what can I say to my boss") is
// the sentence's own topic, and keeps it out of the domain.

// maxLooseDrops is the most words a loose reading drops; it drops at most
// half the sentence.
const maxLooseDrops = 5

// looseIntents are the intents a loose reading may find: orders and
// changes to them, questions, help, and the requests that ask for the PIN
// or for more before they act. Nothing that moves money, and no bare yes
// or no.
var looseIntents = map[string]bool{OrderCreate: true, OrderModify: true, OrderAdd: true, OrderRemove: true,
	OrderQuery: true, OrderRecall: true, CatalogQuery: true, BalanceQuery: true, HistoryQuery: true,
	SubscriptionQuery: true, Help: true, OrderCancel: true, PaymentEnable: true, PaymentDisable: true,
	WalletFreeze: true, WalletUnfreeze: true, ClaimFile: true, SubscriptionCancel: true}

// mannerWords are words the templates do not use that only say how a
// thing is asked: a loose reading may drop them.
var mannerWords = wordSet("kindly exactly very quite simply accordingly asap sir madam dear pardon gladly " +
	"perhaps possibly possible grateful appreciate appreciated able therefore however still once being truly " +
	"surely basically honestly literally lol haha btw pretty super kinda sorta rn tho though cheers quickly quick " +
	"entirely completely fully fast properly")

// softWords are words the templates use that only soften or pad what is
// asked: a loose reading may drop them. Other words of the templates name
// people, places and things ("my boss", "the meeting"), and stay.
var softWords = wordSet("much really also too actually again here there remind know think like well " +
	"maybe sure okay ok all whole entire anyway currently today lately recently kind sort mind want do does back " +
	"cold warm else " +
	"prefer as let have has had confirmed altogether food stuff afternoon morning evening tonight")

// keyWords say what to do, or turn it around; a loose reading keeps them.
var keyWords = wordSet("not no never nothing nobody none neither nor without if unless when whenever whether " +
	"did cancel remove delete add pay confirm freeze lock unlock unfreeze disable enable tip approve accept " +
	"decline reject refuse change switch swap replace stop start turn off on buy order get instead help " +
	"go ahead proceed check show tell place send give make put take keep " +
	"time large small medium tall big regular iced hot right correct fine good wrong " + objectList)

// objectList are the words that name what voicepay acts on. A loose
// reading that cancels, turns off or freezes keeps one of them, or a name:
// "let's not go there" cancels nothing.
const objectList = "order orders wallet account payment payments subscription subscriptions tip tips cart basket"

var objectWords = wordSet(objectList)

// destructive are the intents of looseIntents that end something.
var destructive = map[string]bool{OrderCancel: true, PaymentDisable: true, WalletFreeze: true, SubscriptionCancel: true}

// lightWords are words of grammar: a loose reading keeps at least two
// words that are not, and drops no more of those than it keeps.
var lightWords = wordSet("the a an my your our this that these those it them to of for with in on at and or " +
	"please some any me us i you we is are be am was just now then so")

func wordSet(words string) map[string]bool {
	set := map[string]bool{}
	for _, w := range strings.Fields(words) {
		set[w] = true
	}
	return set
}

// free reports whether a loose reading may drop the word w, of id id.
func (p *Parser) free(w string, id int32) bool {
	if keyWords[w] || notThings[w] || p.names[id] {
		return false
	}
	if _, ok := numberWords[w]; ok || quantityWords[w] {
		return false
	}
	return lightWords[w] || mannerWords[w] || softWords[w]
}

// loose reads typed text loosely, as above, from its words as matchText
// left them.
func (p *Parser) loose(res Result, words []string) Result {
	if len(words) < 2 {
		return res
	}
	sc := p.pool.Get().(*scratch)
	defer p.pool.Put(sc)
	p.tokens(sc, words, int32(min(maxLooseDrops, len(words)/2)))
	t, c, ok := p.match(sc)
	if !ok || c.drops == 0 || !looseIntents[p.templates[t].intent] {
		return res
	}
	content := int32(0)
	for _, tok := range sc.toks {
		if !tok.light {
			content++
		}
	}
	if kept := content - c.heavy; kept < 2 || c.heavy > kept {
		return res // more talk than command: "please go ahead with the order" is not "the order"
	}
	r := p.result(res, t, c)
	r.Confidence = confidences[MaxSkips]
	if countOnly(r) {
		return res // "one more time", "make it a large": a count alone is no change
	}
	if destructive[r.Intent] && !p.namesObject(words) {
		return res
	}
	return r
}

// namesObject reports whether words name what voicepay acts on.
func (p *Parser) namesObject(words []string) bool {
	for _, w := range words {
		if objectWords[w] || p.isName(w) {
			return true
		}
	}
	return false
}

// isName reports whether w is a word of the name of a merchant, an item
// or a payee.
func (p *Parser) isName(w string) bool {
	id, ok := p.vocab[w]
	return ok && p.names[id]
}

// isThing reports whether w is a word of the name of a merchant or an
// item: "the app" in talk names no thing, though "app developer" is a
// payee.
func (p *Parser) isThing(w string) bool {
	id, ok := p.vocab[w]
	return ok && p.things[id]
}

// nameWords are the ids of the words of the names of slots (merchants,
// items, payees), less the words of grammar ("box of eggs"): a loose
// reading keeps them.
func (p *Parser) nameWords(slots ...slotKind) map[int32]bool {
	names := map[int32]bool{}
	for _, l := range p.lists {
		if !slices.Contains(slots, l.slot) {
			continue
		}
		for _, ph := range l.phrases {
			for _, w := range ph.words {
				if id, ok := p.vocab[w]; ok && !lightWords[w] {
					names[id] = true
				}
			}
		}
	}
	return names
}

// elidableWords are the ids of the words of grammar that typed shorthand
// leaves out ("unfreeze wallet", "kfc menu").
func (p *Parser) elidableWords() map[int32]bool {
	ids := map[int32]bool{}
	for _, w := range strings.Fields("the my a an this your") {
		if id, ok := p.vocab[w]; ok {
			ids[id] = true
		}
	}
	return ids
}

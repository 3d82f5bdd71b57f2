package intent

import (
	"slices"
	"strings"
)

// tailWords open the words at the end of a typed sentence that say whom
// or what an order is for, or by when ("for the team meeting", "before
// 3pm").
var tailWords = wordSet("for before by until after")

// notTail are words a tail has not: one that says what something is or
// does is a clause of its own ("the coffee at my office is terrible").
var notTail = wordSet("is are was were be been am do does did has have had will would can could lol")

// tailed are the intents read without such a tail: orders, changes and
// questions. What turns payments on, "for my neighbor", is not.
var tailed = map[string]bool{OrderCreate: true, OrderAdd: true, OrderModify: true, OrderRemove: true, OrderQuery: true,
	CatalogQuery: true, BalanceQuery: true, HistoryQuery: true, SubscriptionQuery: true, Help: true}

// maxTailWords is the most words such a tail has.
const maxTailWords = 6

// tail reads typed text that ends with whom or what its order or
// question is for, or by when, by the words before that: "order three
// americanos for the team meeting", "what's my balance before I
// confirm". Only the intents of tailed are read this way, and no order of
// something the catalog lacks.
func (p *Parser) tail(res Result, words []string) Result {
	for i := len(words) - 2; i >= 1 && len(words)-i <= maxTailWords; i-- {
		if !tailWords[words[i]] {
			continue
		}
		when := words[i] != "for" && words[i] != "by" // "before I confirm" may name a command
		if slices.ContainsFunc(words[i+1:], func(w string) bool { return notTail[w] || keyWords[w] && !when || money(w) }) {
			continue // "the one for thirty six yuan" names a payment by its amount
		}
		r := p.Parse(strings.Join(words[:i], " "))
		if !tailed[r.Intent] || r.Slots.Unknown != "" || r.Slots.UnknownShop != "" || countOnly(r) {
			continue
		}
		r.Text, r.Confidence = res.Text, min(r.Confidence, confidences[1])
		return r
	}
	return res
}

// money reports whether w is a unit of money (see money.go).
func money(w string) bool { return isMajorUnit(w) || isMinorUnit(w) || isTenthUnit(w) }

// countOnly reports whether r changes the order by a count alone, which
// says nothing without what it counts ("the one").
func countOnly(r Result) bool {
	switch r.Intent {
	case OrderModify, OrderAdd, OrderRemove:
		return r.Slots.Item == "" && r.Slots.From == "" && len(r.Slots.Items) == 0
	}
	return false
}

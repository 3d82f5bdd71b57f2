package intent

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
)

// clauseBreak is what sets a clause of typed text apart: a comma, a
// semicolon, a colon before a space (not the one of "6:30"), a dash, short
// or long, dots, or the end of a sentence before the next.
var clauseBreak = regexp.MustCompile(`\s*(?:[,;—–]|:\s|\s-+\s|\.{2,}|…|[.?!]+\s)\s*`)

// asides are the intents a clause may carry when the rest of its sentence
// is talk around it ("I'm thirsty, get me something to drink"): orders,
// changes of the order, questions, a call for help, turning payments on
// or unfreezing, which ask for the PIN before they act, and reporting a
// payment, which asks which one. Nothing that
// moves money is read from part of a sentence, and what cancels, freezes
// or turns payments off only as ends says.
var asides = map[string]bool{Help: true, OrderCreate: true, OrderModify: true, OrderAdd: true, OrderRemove: true,
	OrderQuery: true, OrderRecall: true, CatalogQuery: true, BalanceQuery: true, HistoryQuery: true,
	SubscriptionQuery: true, PaymentEnable: true, WalletUnfreeze: true, ClaimFile: true}

// ends are the intents that end or turn something off, read from a
// clause only when the sentence names what it ends, the clause says it in
// full or nearly, never by a loose reading, and the other clauses are
// talk that asks for nothing else: "forget the lattes, cancel please"
// cancels, "the meeting is cancelled, cancel it" does not. They move no
// money.
var ends = map[string]bool{OrderCancel: true, PaymentDisable: true, WalletFreeze: true, SubscriptionCancel: true}

// endsNamed reports whether r, read from a clause of a sentence of words,
// is one of the ends that the clause may carry.
func (p *Parser) endsNamed(r Result, words []string) bool {
	return ends[r.Intent] && r.Confidence > confidences[MaxSkips] && p.namesObject(words)
}

// quiet reports whether the clauses of parts but one are talk that asks
// for nothing else: "I have changed my mind; I would like a coconut latte
// instead" does not cancel.
func quiet(parts []string, but string) bool {
	for _, part := range parts {
		if part != but && slices.ContainsFunc(plain(normalize(part)), asksElse) {
			return false
		}
	}
	return true
}

// asksElse reports whether w asks for something else than what a clause
// ends.
func asksElse(w string) bool {
	return w == "instead" || w == "like" || w == "rather"
}

// conditions open a clause that makes the sentence a condition or a
// story, not a command: "if I had money, I'd buy a latte".
var conditions = map[string]bool{"if": true, "when": true, "unless": true, "because": true, "although": true,
	"though": true, "yesterday": true, "once": true, "whenever": true, "after": true, "before": true}

// clause reads typed text that matched nothing whole by one of its
// clauses, when exactly one clause is a command and it is one of the
// asides: the other clauses are talk around it. What it finds scores as a
// match that dropped a phrase.
func (p *Parser) clause(res Result, typed bool) Result {
	parts := clauseBreak.Split(res.Text, 8)
	if !typed || len(parts) < 2 || len(parts) > 6 {
		return res
	}
	if r := p.clauseRun(res, parts); r.Intent != None {
		return r
	}
	found, all := res, plain(normalize(res.Text))
	for _, part := range parts {
		words := normalize(part)
		if len(words) == 0 {
			continue
		}
		if conditions[words[0]] {
			return res
		}
		r := p.parse(part, typed)
		switch {
		case r.Intent == None, r.Intent == AnswerYes && asides[found.Intent]:
			// talk, or a yes before or after the command ("go on then, I'll have a latte")
		case found.Intent != None && sameReading(found, r):
			// the command said twice ("help, how do I pay")
		case found.Intent != None && cancels[found.Intent] && cancels[r.Intent] && p.mandateNamed(all) != "":
			// "cancel that subscription, I don't want it": one end, said twice
		case found.Intent == AnswerYes && asides[r.Intent]:
			found = r
		case found.Intent != None || !asides[r.Intent] && !(p.endsNamed(r, all) && quiet(parts, part)) &&
			r.Intent != AnswerYes:
			return res // two commands, or one not read from a part
		default:
			found = r
		}
	}
	if found.Intent == AnswerYes {
		return res // a yes and talk: "yes, I love that song" confirms nothing
	}
	if found.Intent == None {
		return res
	}
	if m := p.mandateNamed(all); found.Intent == OrderCancel && m != "" {
		// "I don't need that subscription, please cancel it"
		found.Intent, found.Slots = SubscriptionCancel, Slots{Mandate: m}
	}
	found.Text, found.Confidence = res.Text, min(found.Confidence, confidences[1])
	return found
}

// clauseRun reads typed text whose order of several things runs over
// several clauses at its start or its end, and whose other clauses are
// talk: "I need milk, eggs and bananas from Hema, it's for the weekend".
// The talk asks for nothing else and tells no condition.
func (p *Parser) clauseRun(res Result, parts []string) Result {
	none := func(talk []string) bool {
		for _, part := range talk {
			words := normalize(part)
			if len(words) > 0 && conditions[words[0]] || p.parse(part, true).Intent != None {
				return false
			}
		}
		return true
	}
	for k := len(parts) - 1; k >= 2; k-- {
		for _, run := range [][2][]string{{parts[:k], parts[k:]}, {parts[len(parts)-k:], parts[:len(parts)-k]}} {
			r := p.parse(strings.Join(run[0], ", "), true)
			if clauseRuns[r.Intent] && len(r.Slots.Items) > 1 && r.Confidence > confidences[MaxSkips] && none(run[1]) {
				r.Text, r.Confidence = res.Text, min(r.Confidence, confidences[1])
				return r
			}
		}
	}
	return res
}

// clauseRuns are the intents clauseRun reads.
var clauseRuns = map[string]bool{OrderCreate: true, OrderModify: true, OrderAdd: true}

// cancels are the intents that end an order or a mandate.
var cancels = map[string]bool{OrderCancel: true, SubscriptionCancel: true}

// mandateNamed is the one kind of mandate words name, "tip" or
// "subscription", when they name nothing of an order; else "".
func (p *Parser) mandateNamed(words []string) string {
	kind := ""
	for _, w := range words {
		switch k := strings.TrimSuffix(w, "s"); {
		case k == "tip" || k == "subscription":
			if kind != "" && kind != k {
				return ""
			}
			kind = k
		case w == "order" || w == "orders" || w == "cart" || w == "basket" || p.isName(w):
			return ""
		}
	}
	return kind
}

// sameReading reports whether two clauses read as the same command with
// the same slots.
func sameReading(a, b Result) bool {
	return a.Intent == b.Intent && reflect.DeepEqual(a.Slots, b.Slots)
}

// saysSomething reports whether w, in a clause of talk, says what to do
// (keyWords, but "did": "they did a great job" tells), or names a number
// (but "the one"), a shop or a thing: that talk is of something else.
func (p *Parser) saysSomething(w string) bool {
	if _, ok := numberWords[w]; ok && w != "one" || keyWords[w] && w != "did" || quantityWords[w] ||
		w[0] >= '0' && w[0] <= '9' {
		return true
	}
	return p.isThing(w)
}

// maxTalkWords is the most words of a clause of talk around a command
// that moves money; maxReasonWords of one after it, a reason given once
// the command is said ("tip the developer five yuan, the app has saved
// me so much time").
const maxTalkWords, maxReasonWords = 6, 10

// holdBack are words that, anywhere in a sentence, keep a command that
// moves money from being read out of one of its clauses: a negation, a
// doubt, a condition, a time other than now, or someone else's words
// ("she said, pay the bill").
var holdBack = wordSet("not no never nothing nobody wait hold maybe perhaps later tomorrow tonight yet if unless " +
	"when whenever before after until whether or said says told tell tells asked ask asks should might must " +
	"but")

// moneyClause reads typed text whose one command moves money or ends
// something, said in full in a clause of its own, when every other clause
// is a yes or a few words of talk that say nothing to do, and nothing in
// the sentence holds it back: "pay now please, I'm in a rush", "yep,
// that's the one, confirm it", "cancel that please, my bus is here". A
// command that moves money is a complete match of its clause, so it keeps
// its confidence. What ends something must come before the talk, where
// "it" cannot be the talk's: "the bill is too high, cancel it" cancels
// nothing.
func (p *Parser) moneyClause(res Result) Result {
	parts := clauseBreak.Split(res.Text, 8)
	if len(parts) < 2 || len(parts) > 4 {
		return res
	}
	// before: talk came before the command, where "it" in the command may
	// be the talk's ("the bill is too high, cancel it")
	// bare, full: the command was said as one word, and in full; yes: a
	// yes was said
	found, talk, before := Result{Intent: None}, false, false
	bare, full, yes := false, false, false
	for _, part := range parts {
		words := normalize(part)
		if len(words) == 0 {
			continue
		}
		for _, w := range plain(words) { // "the tip the agent asked for" is "the tip", said by no one else
			if holdBack[w] {
				return res
			}
		}
		r := p.Parse(part)
		switch {
		case r.Intent == AnswerYes:
			yes = true
			if found.Intent == None {
				found = r // a yes said twice over ("looks good, go ahead") is a yes
			}
		case MovesMoney(r.Intent) || ends[r.Intent]:
			if r.Confidence < FullMatch || found.Intent != None && found.Intent != AnswerYes && !sameReading(found, r) {
				return res
			}
			if len(words) < 2 {
				bare = true // a bare "confirm" may be a word of the talk: "confirm, the meeting is at three"
			} else {
				full = true
			}
			if found.Intent == None || found.Intent == AnswerYes {
				found, before = r, talk
			}
		case r.Intent != None || len(words) > maxTalkWords && (found.Intent == None || len(words) > maxReasonWords) ||
			slices.ContainsFunc(words, p.saysSomething):
			return res // another command, or talk of something else ("great, confirm the meeting")
		default:
			talk = true
		}
	}
	switch {
	case found.Intent == None, found.Intent == AnswerYes && talk: // "yes, I love that song" confirms nothing
		return res
	case ends[found.Intent] && before: // "my bus is here, cancel it" cancels nothing
		return res
	case bare && !full && (talk || !yes): // "pay, pay" and "confirm, the meeting is at three" do nothing
		return res
	}
	found.Text = res.Text
	if ends[found.Intent] {
		found.Confidence = min(found.Confidence, confidences[1]) // what ends is read from a part, as clause reads it
	}
	return found
}

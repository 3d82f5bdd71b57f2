package intent

import (
	"slices"
	"strings"
)

// People who write English as a second language count things with a
// measure word and no "of" ("one cup latte", "one box eggs", "two
// bunch banana"), or count the measure alone ("make it four cup"); they
// leave out the "to" after "want" ("I want order a latte"); and they ask
// with the question word where its answer goes ("the latte is how much",
// "Luckin have what coffee"). Typed text is read the plain way: "one
// latte", "make it four", "I want to order", "how much is the latte",
// "what coffee does luckin have".

// measureWords count a thing by its serving or its pack.
var measureWords = wordSet("cup cups box boxes bunch bunches carton cartons piece pieces portion portions " +
	"serving servings bottle bottles glass glasses pack packs")

// askHave are the verbs a question asks what a shop has with.
var askHave = map[string]string{"have": "have", "has": "have", "sell": "sell", "sells": "sell"}

// measured returns typed words said the plain way, as above.
func (p *Parser) measured(words []string) []string {
	var out []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch {
		case p.countsAlone(words, i):
			continue // "four cup": the count alone
		case measureWords[w] && i+1 < len(words) && p.isName(words[i+1]):
			continue // "one cup latte": one latte
		case w == "in" && i+1 < len(words) && p.isName(words[i+1]):
			out = append(out, "at") // "three lattes in luckin"
			continue
		case w == "want" && i+1 < len(words) && commandVerbs[words[i+1]]:
			out = append(out, w, "to") // "I want order"
			continue
		}
		out = append(out, w)
	}
	return inSitu(out)
}

// countsAlone reports whether words[i] is a measure word that only
// follows a count: "four cup", "one more cup for my friend"; but "one
// bunch" names bananas, and "two cups of latte" keeps its cups.
func (p *Parser) countsAlone(words []string, i int) bool {
	w := words[i]
	if !measureWords[w] || p.isName(w) || i == 0 || !isCount(words[i-1]) && words[i-1] != "more" {
		return false
	}
	return i+1 == len(words) || !p.isName(words[i+1]) && words[i+1] != "of"
}

// isCount reports whether w is a number, in words or digits.
func isCount(w string) bool {
	_, ok := numberWords[w]
	return ok || w != "" && w[0] >= '0' && w[0] <= '9'
}

// inSitu moves the question word of a question asked in place to its
// front: "the latte is how much" is "how much is the latte", "luckin have
// what coffee" is "what coffee does luckin have".
func inSitu(words []string) []string {
	n := len(words)
	if n > 3 && words[n-3] == "is" && words[n-2] == "how" && words[n-1] == "much" {
		return slices.Concat([]string{"how", "much", "is"}, words[:n-3])
	}
	for i := 1; i+1 < n; i++ {
		if verb, ok := askHave[words[i]]; ok && words[i+1] == "what" {
			return slices.Concat(words[i+1:], []string{"does"}, words[:i], []string{verb})
		}
	}
	return words
}

// countWords may follow the count of a clause that only gives the count:
// "two cartons", "2 of them", "one each".
var countWords = wordSet("of them em each please just only in total all thanks")

// countAfter reads typed text whose last clause gives the count of the
// order said before it: "milk from hema, two cartons", "order zinger burger,
// two piece", "zinger burger and a coke, one each". The order names its
// things and no count of its own; a count said with more ("one latte, one
// for my wife") is more of the thing, as a cart reads it.
func (p *Parser) countAfter(res Result) Result {
	parts := clauseBreak.Split(res.Text, 8)
	if len(parts) < 2 {
		return res
	}
	last := normalize(parts[len(parts)-1])
	for len(last) > 0 && (last[0] == "just" || last[0] == "only") {
		last = last[1:]
	}
	if len(last) == 0 || !isCount(last[0]) || slices.ContainsFunc(last[1:], func(w string) bool {
		return !measureWords[w] && !countWords[w]
	}) {
		return res
	}
	n, ok := numberWords[last[0]]
	if !ok {
		n, ok = digits(last[0], 2)
	}
	head := strings.Join(parts[:len(parts)-1], ", ")
	said := p.parse(head, true)
	if !ok || n <= 0 || said.Intent != OrderCreate || said.Confidence <= confidences[MaxSkips] ||
		slices.ContainsFunc(normalize(head), saysCount) {
		return res
	}
	if len(said.Slots.Items) > 0 {
		for i := range said.Slots.Items {
			said.Slots.Items[i].Quantity = int(n)
		}
	} else {
		said.Slots.Quantity = int(n)
	}
	said.Text, said.Confidence = res.Text, min(said.Confidence, confidences[1])
	return said
}

// saysCount reports whether w says how many: a number but "a" or "an", or
// a word of quantity ("couple", "few").
func saysCount(w string) bool {
	return isCount(w) && w != "a" && w != "an" || quantityWords[w]
}

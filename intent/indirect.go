package intent

import (
	"slices"
	"strings"
)

// An indirect question asks inside another sentence, in the order of a
// statement: "could you tell me what my balance is", "I was wondering
// what Luckin has on the menu", "any idea how much the coffees are". Typed
// text that nothing else read is tried as the direct question ("what is
// my balance", "what does luckin have on the menu"), for the intents that
// only ask.

// askLeads are what an indirect question follows.
var askLeads = phraseList("tell me", "let me know", "remind me", "i was wondering", "i wonder", "do you know",
	"do you happen to know", "any idea", "i want to know", "i would like to know", "show me", "can i see",
	"i would like to see", "see", "explain")

// whWords open the question inside.
var whWords = wordSet("what which who where how")

// askVerbs are the verbs an indirect question ends its subject with, and
// how the direct question says them after "does".
var askVerbs = map[string]string{"has": "have", "sells": "sell", "costs": "cost", "offers": "offer",
	"does": "do", "gets": "get", "owes": "owe"}

// auxiliaries follow the subject of an indirect question: "what I have
// got" is "what have I got".
var auxiliaries = wordSet("is are have has did am can was were")

// subjects are the words that may be the subject before an auxiliary.
var subjects = wordSet("i you we it my the this that they")

// indirect reads typed text as the direct question of its indirect one.
func (p *Parser) indirect(res Result, words []string) Result {
	n := trimStart(words, askLeads)
	if n == 0 || n >= len(words) || !whWords[words[n]] {
		return res
	}
	for _, q := range directs(words[n:]) {
		r := p.parse(strings.Join(q, " "), true)
		if r.Intent != None && looseIntents[r.Intent] && !destructive[r.Intent] {
			r.Text, r.Confidence = res.Text, min(r.Confidence, confidences[1])
			return r
		}
	}
	return res
}

// directs are the direct questions a question in statement order may be,
// the likeliest first.
func directs(q []string) [][]string {
	out := [][]string{q}
	wh := 1
	if q[0] == "how" && len(q) > 1 && (q[1] == "much" || q[1] == "many") {
		wh = 2
	}
	for i := wh; i < len(q); i++ {
		// "what my balance is (at the moment)": the verb moves after the question word
		if auxiliaries[q[i]] && i > wh+1 {
			out = append(out, slices.Concat(q[:wh], []string{q[i]}, q[wh:i], q[i+1:]))
		}
		// "what I have got", "how much I have spent": subject and auxiliary swap
		if i+1 < len(q) && subjects[q[i]] && auxiliaries[q[i+1]] && i == wh {
			out = append(out, slices.Concat(q[:i], []string{q[i+1], q[i]}, q[i+2:]))
		}
		// "what drinks KFC sells": "does" before the subject, the verb plain
		if base, ok := askVerbs[q[i]]; ok && i > wh {
			for j := wh; j < i; j++ {
				out = append(out, slices.Concat(q[:j], []string{"does"}, q[j:i], []string{base}, q[i+1:]))
			}
			break
		}
	}
	return out
}

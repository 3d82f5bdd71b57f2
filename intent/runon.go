package intent

import (
	"slices"
	"strings"
)

// A run-on is typed text that says a command and a few words of talk in
// one breath, with no comma between them: "lock my wallet pls somethings
// not right", "pay now thx running late", "freeze my wallet i lost my
// phone". Its clauses are found at a word of courtesy or an interjection
// (breakWords), and else where talk starts with a word that opens a
// sentence of its own (talkOpeners). The command is then read as a
// clause would be (see clause and moneyClause), and the talk must say
// nothing to do.

// breakWords end a clause of typed text when more words follow them: a
// word of thanks, an interjection.
var breakWords = wordSet("please thanks lol haha ugh omg btw tbh lmao ok okay")

// talkOpeners are the words that open talk of its own after a command:
// "i lost my phone", "something is not right", "running late". None of
// them could be what the command acts on, as "this" could ("check out
// this song").
var talkOpeners = wordSet("i we its something somethings someone somebody he she they running")

// askWords open a question: a run-on's command is a question, or says
// what to do (keyWords), so that "the latte I had yesterday" is no order.
var askWords = wordSet("what how which where who do does is are can could")

// maxRunOnTalk is the most words of talk a run-on may carry around a
// command that does not move money.
const maxRunOnTalk = 8

// runOn reads typed text as a run-on, from its words as matchText left
// them.
func (p *Parser) runOn(res Result, words []string) Result {
	if len(words) < 3 {
		return res
	}
	if text, ok := breakAtWords(words); ok {
		marked := Result{Text: text, Intent: None}
		for _, read := range []func(Result) Result{p.moneyClause, func(r Result) Result { return p.clause(r, true) }} {
			if r := read(marked); r.Intent != None {
				r.Text = res.Text
				return r
			}
		}
	}
	for k := len(words) - 1; k >= 2; k-- {
		if !talkOpeners[words[k]] {
			continue
		}
		if r := p.commandAndTalk(words[:k], words[k:], words); r.Intent != None {
			r.Text = res.Text
			return r
		}
	}
	return res
}

// breakAtWords is words as text with a comma after each word of
// breakWords that more words follow, and whether there was one.
func breakAtWords(words []string) (string, bool) {
	var b strings.Builder
	found := false
	for i, w := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
		if breakWords[w] && i > 0 && i < len(words)-1 {
			b.WriteByte(',')
			found = true
		}
	}
	return b.String(), found
}

// commandAndTalk reads cmd as a complete command and talk as talk around
// it, in a sentence of all words.
func (p *Parser) commandAndTalk(cmd, talk, all []string) Result {
	none := Result{Intent: None}
	r := p.Parse(strings.Join(cmd, " "))
	if r.Intent == None || r.Intent == AnswerYes || r.Confidence < FullMatch || len(cmd) < 2 {
		return none
	}
	if !askWords[cmd[0]] && !slices.ContainsFunc(cmd, func(w string) bool { return keyWords[w] }) {
		return none
	}
	if slices.ContainsFunc(talk, p.saysSomething) || slices.ContainsFunc(talk, asksElse) {
		return none
	}
	switch {
	case MovesMoney(r.Intent):
		if len(talk) > maxTalkWords || slices.ContainsFunc(all, func(w string) bool { return holdBack[w] }) {
			return none
		}
	case ends[r.Intent]:
		if !p.namesObject(cmd) || len(talk) > maxRunOnTalk {
			return none
		}
	case !asides[r.Intent] || len(talk) > maxRunOnTalk:
		return none
	}
	return r
}

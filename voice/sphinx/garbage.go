package sphinx

import (
	"strings"
)

// A grammar alone makes the recognizer hear the nearest sentence in it,
// whatever was said: "pay a visit to grandma" comes out as "pay". To reject
// speech that is not in the grammar, the grammar competes with a garbage
// model: a loop over single phones and, optionally, the grammar's own words
// in any order, each a pseudo-word of the dictionary named with a leading
// "_" ("_/aa", "_pay"). Speech that fits a sentence of the grammar scores
// better along that sentence; other speech scores better in the loop, and
// then the hypothesis is garbage, which Recognizer turns into a rejection
// with no text. The free words make the loop a strict judge of near misses:
// "pay it forward" is "_pay _it" and phones, which beats "pay for that"
// unless the audio really says "for that". Three weights set how easily
// garbage wins: the price of entering the loop, of each word in it and of
// each phone in it.
//
// Measured on voicepay's fixtures: a loop of phones alone is cheap (about
// 0.008 more real-time factor) and turns half of the out-of-domain clips
// into nothing at no cost to commands, but still lets dozens of them
// through as the nearest command; the loop with words costs 0.1 to 0.3
// real-time factor, so it runs only as the verification pass, on the few
// hypotheses that would move money.

// garbagePrefix starts the name of every garbage pseudo-word. No word of a
// grammar may start with it.
const garbagePrefix = "_"

// garbageWord is the pseudo-word of a word in the loop.
func garbageWord(word string) string { return garbagePrefix + word }

// garbagePhone is the pseudo-word of a phone in the loop.
func garbagePhone(phone string) string { return garbagePrefix + "/" + strings.ToLower(phone) }

func isGarbage(word string) bool { return strings.HasPrefix(word, garbagePrefix) }

// buildFSG turns a grammar into the decoder's state graph: the grammar's
// states, one final state that every final state of the grammar reaches by
// a null move, and, if g is on, the garbage loop beside the grammar over
// loopWords (if g.Word > 0) and the phones (if g.Phone > 0). Each state's
// moves share its probability evenly, so a choice among many words costs
// more than a choice among few. The grammar must have passed grammarWords.
func (d *decoder) buildFSG(name string, gr Grammar, lw float64, g Garbage, loopWords []string) fsg {
	n := gr.States()
	final, loopIn, loopOut := n, n+1, n+2
	states := n + 1
	if g.on() {
		states += 2
	}
	f := d.newFSG(name, states, gr.Start(), final, lw)
	ids := map[string]int{}
	var ws []float64
	for s := range n {
		var sum float64
		ws, sum = weights(gr, s, ws)
		for i, x := range ws {
			w, to := gr.Edge(s, i)
			id, ok := ids[w]
			if !ok {
				id = f.word(w)
				ids[w] = id
			}
			f.trans(s, to, x/sum, id)
		}
		if gr.Final(s) {
			f.trans(s, final, 1/sum, -1)
		}
	}
	if g.on() {
		f.trans(gr.Start(), loopIn, g.Enter, -1)
		if g.Word > 0 {
			for _, w := range loopWords {
				f.trans(loopIn, loopOut, g.Word, f.word(garbageWord(w)))
			}
		}
		if g.Phone > 0 {
			for _, p := range Phones {
				f.trans(loopIn, loopOut, g.Phone, f.word(garbagePhone(p)))
			}
		}
		f.trans(loopOut, loopIn, 1, -1)
		f.trans(loopOut, final, 1, -1)
	}
	f.finish()
	return f
}

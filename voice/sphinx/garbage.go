package sphinx

import (
	"strings"
)

// A grammar alone makes the recognizer hear the nearest sentence in it,
// whatever was said: "pay a visit to grandma" comes out as "pay". To reject
// speech that is not in the grammar, the grammar competes with a garbage
// model: a loop over free words and single phones, each a pseudo-word of
// the dictionary named with a leading "_" ("_the", "_/aa"). The words are
// common English words and the grammar's own words, so that a sentence
// that merely shares words with a command ("confirm my flight to beijing")
// is explained better by the loop than by the nearest command; the phones
// cover words that are in neither. Speech that fits a sentence of the
// grammar scores better along that sentence, whose words are not taxed;
// other speech scores better in the loop, and then the hypothesis is
// garbage, which Recognizer turns into a rejection with no text. Three
// weights set how easily garbage wins: the price of entering the loop, of
// each word in it and of each phone in it.

// garbagePrefix starts the name of every garbage pseudo-word. No word of a
// grammar written by intent starts with it.
const garbagePrefix = "_"

// garbageWord is the pseudo-word of a word in the loop.
func garbageWord(word string) string { return garbagePrefix + word }

// garbagePhone is the pseudo-word of a phone in the loop.
func garbagePhone(phone string) string { return garbagePrefix + "/" + strings.ToLower(phone) }

func isGarbage(word string) bool { return strings.HasPrefix(word, garbagePrefix) }

// garbageWeights are the prices of the loop, as probabilities.
type garbageWeights struct {
	enter, word, phone float64
}

// buildFSG turns a word graph into the decoder's state graph: the graph's
// states, one final state that every accepting state reaches by a null
// move, and, unless g.enter is 0, the garbage loop over loopWords and the
// phones beside the grammar. Each state's moves share its probability
// evenly, so a choice among many words costs more than a choice among few.
func (d *decoder) buildFSG(name string, wg *wordGraph, lw float64, g garbageWeights, loopWords []string, edgeSilence float64) fsg {
	n := len(wg.states)
	final, loopIn, loopOut := n, n+1, n+2
	states := n + 1
	if g.enter > 0 {
		states += 2
	}
	f := d.newFSG(name, states, int(wg.start), final, lw)
	ids := make([]int, len(wg.words))
	for i := range ids {
		ids[i] = -1
	}
	for s, st := range wg.states {
		choices := len(st.edges)
		if st.accept {
			choices++
		}
		p := 1 / float64(choices)
		for _, e := range st.edges {
			if ids[e.word] < 0 {
				ids[e.word] = f.word(wg.words[e.word])
			}
			f.trans(s, int(e.to), p, ids[e.word])
		}
		if st.accept {
			f.trans(s, final, p, -1)
		}
	}
	if g.enter > 0 {
		f.trans(int(wg.start), loopIn, g.enter, -1)
		for _, w := range loopWords {
			f.trans(loopIn, loopOut, g.word, f.word(garbageWord(w)))
		}
		for _, p := range Phones {
			f.trans(loopIn, loopOut, g.phone, f.word(garbagePhone(p)))
		}
		f.trans(loopOut, loopIn, 1, -1)
		f.trans(loopOut, final, 1, -1)
	}
	if edgeSilence > 0 {
		f.silence(int(wg.start), edgeSilence)
		f.silence(final, edgeSilence)
		if g.enter > 0 {
			f.silence(loopIn, edgeSilence)
		}
	}
	f.finish()
	return f
}

// commonWords are frequent English words for the garbage loop: what people
// say to a voice assistant that is not a payment command is mostly made of
// them.
var commonWords = strings.Fields(`
a about after again all also always am an and another any are around as ask
at away back bad be because been before being best better big bit both but
by call came can car change city class come could day did different do does
done down each end even ever every family far feel few find first for forward
found friend from get give go going good got great had hand has have he help
her here him his home house how i if in into is it its just keep kind know
last late left let life like line little live long look lot made make man
many may me mean might more morning most mother much music must my name need
never new next night no not nothing now number of off old on once one only
open or other our out over own part people place play please point put read
really right room said same say school see seem set she should show side so
some something sound start still stop such sure take talk tell than thank
that the their them then there these they thing think this those thought
three through time to today together told tomorrow too took turn two under
until up us use very want was watch water way we week well went were what
when where which while who why will with word work world would write year
yes yet you your
`)

package intent

import (
	"slices"
	"strings"
)

// People say "I'd like a latte" and "I'll have two", and seldom "I would"
// or "I will". The templates are written out in full, and the parser
// expands a typed contraction before it matches (contractions, in
// normalize.go), so the speech grammar is given the contracted forms too:
// wherever two words in a row are the expansion of a contraction, the
// graph also takes the contraction, spelled as the recognizer's dictionary
// spells it ("i'd", "don't", "what's"). The parser reads it back as the two
// words.

// spokenContractions maps the two words of an expansion to the contraction
// as it is written with its apostrophe: {"i", "would"} to "i'd". Forms
// written without one ("cannot", "nevermind") are words of their own and
// not listed, and neither is "i've": "have" as "to have" ("can I have a
// latte") is not contracted in speech. Nor are the contractions only
// typed ("what'd", "how much's").
var spokenContractions = func() map[[2]string]string {
	out := map[[2]string]string{}
	unspoken := wordSet("ive whatd muchs")
	for bare, words := range contractions {
		if len(words) != 2 || unspoken[bare] {
			continue
		}
		if c := apostrophized(bare, words[0]); c != "" {
			out[[2]string(words)] = c
		}
	}
	return out
}()

// apostrophized puts the apostrophe back into a contraction as contractions
// lists it, given the first word of its expansion: "dont" gives "don't",
// "whats" "what's", "id" "i'd"; "" when the word is not a contracted
// first word ("nevermind").
func apostrophized(bare, first string) string {
	for _, end := range []string{"nt", "ll", "ve", "re", "s", "m", "d"} {
		stem, ok := strings.CutSuffix(bare, end)
		switch {
		case !ok || stem == "":
		case end == "nt": // "can't", "won't": the stem may differ
			return stem + "n't"
		case strings.HasPrefix(first, stem):
			return stem + "'" + end
		}
	}
	return ""
}

// contract adds, for every path s -w1-> t -w2-> u whose two words are the
// expansion of a contraction c, the edge s -c-> u, unless s already has an
// edge on c. The graph stays deterministic.
func (g *Graph) contract() {
	ids := map[string]int32{}
	for id, w := range g.words {
		ids[w] = int32(id)
	}
	wordID := func(w string) int32 {
		if id, ok := ids[w]; ok {
			return id
		}
		g.words = append(g.words, w)
		ids[w] = int32(len(g.words) - 1)
		return ids[w]
	}
	for s := range g.states {
		var add []graphEdge
		for _, e1 := range g.states[s].edges {
			for _, e2 := range g.states[e1.to].edges {
				c, ok := spokenContractions[[2]string{g.words[e1.word], g.words[e2.word]}]
				if ok {
					add = append(add, graphEdge{word: wordID(c), to: e2.to})
				}
			}
		}
		for _, e := range add {
			edges := g.states[s].edges
			i := findEdge(edges, e.word)
			if i < len(edges) && edges[i].word == e.word {
				continue // a word of the state already, or added just now
			}
			g.states[s].edges = slices.Insert(edges, i, e)
		}
	}
}

// findEdge is the index of the first edge on word in edges sorted by word,
// or len(edges).
func findEdge(edges []graphEdge, word int32) int {
	i, _ := slices.BinarySearchFunc(edges, word, func(e graphEdge, w int32) int { return int(e.word - w) })
	return i
}

package intent

// How often people say a word where the grammar lets them choose: the
// speech grammar's prior. Most choices are equally likely, but quantities
// are not. People order a latte or two far more often than twenty-two,
// and a recognizer that weighs "twenty two" as likely as "two" hears it
// when the audio is unclear: a short, weakly spoken "a" or "two" loses to
// a longer number that happens to fit the noise.
//
// So in the grammar graph, each edge weighs as its word does below, and a
// recognizer splits the probability of a state's choices in proportion to
// their weights (voice/sphinx's Weighted). "a", "an", "one" and "two" weigh
// 2; the other numbers up to ten, "dozen" and "couple" 1, as any other word
// does; eleven and up ("eleven" to "nineteen", the tens, "hundred") weigh
// 0.2. They can still be heard, when the audio says them clearly.
// The weights are by word, so they also lean money amounts toward small
// numbers, which tips mostly are.

// Word weights of the speech grammar; a word not listed weighs 1.
var wordWeights = func() map[string]float64 {
	w := map[string]float64{"a": 2, "an": 2, "one": 2, "two": 2}
	for _, t := range teenWords[1:] {
		w[t] = rareWeight
	}
	for _, t := range tensWords {
		w[t] = rareWeight
	}
	w["hundred"] = rareWeight
	return w
}()

// rareWeight is the weight of the number words from eleven up.
const rareWeight = 0.2

// Weight is the prior weight of the i-th edge that leaves a state: that of
// its word (see above). A recognizer splits the probability of a state's
// choices in proportion to their weights, a final state's ending weighing
// 1.
func (g *Graph) Weight(state, i int) float64 {
	if w, ok := wordWeights[g.words[g.states[state].edges[i].word]]; ok {
		return w
	}
	return 1
}

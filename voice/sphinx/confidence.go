package sphinx

// The verification pass (verify.go) is a test of who wins: the sentence
// heard, alone, against a loop of free words and phones, each path scored
// over the whole utterance, the loop paying the prior of every word and
// phone it takes. It also rejects sentences that were heard right: the
// loop can win over the quiet around the speech, where it models noise
// with phones, and the pass's narrow beams can drop the sentence's path
// partway while the loop's goes on.
//
// So when the loop wins over an utterance decoded whole (Decode), the
// recognizer also weighs the two on the speech alone: the speech margin is
// the acoustic log likelihood ratio of the sentence, along its path in the
// first pass, over the loop's winning path, per frame from the sentence's
// first word to its last. A sentence that does not move money
// (Config.Money) is accepted anyway when its margin is at least
// Config.Margin: it explains the speech itself clearly better than free
// words and phones do. A sentence that moves money must win outright. (A
// Stream's first pass normalizes its features as they arrive, the second
// pass over the whole utterance, so their scores are not compared.)
//
// Measured on the broad fixture set with the full grammar, the margin
// chosen on the espeak-ng and FreeTTS voices only, in the library's units
// of about 0.1 nat:
//   - the acting sentences that lost to the loop with a margin of 4.1 to
//     10.2 per frame were 9 commands heard right (1 of them moving money);
//     the highest margin of an out-of-domain clip was 1.7 (a money
//     sentence), -2.3 for one moving no money, and 2.4 for a command heard
//     wrong;
//   - DefaultMargin, 0.4 nats (3.9 units), accepted 8 more commands (4
//     clean, 4 noisy; 1 of them of the held-out voices, festival and
//     flite) and no out-of-domain clip; 0.3 nats accepted the same, 0.2
//     one more command and one command heard wrong, 0.5 two fewer.
//
// Other confidences were measured on the same clips and dropped. A ratio
// against an unconstrained phone loop, the loop decoded in a pass of its
// own, separated commands from out-of-domain speech no better than the
// verification pass, its scale differed between engines (espeak-ng's
// commands scored far lower than festival's or flite's), and the pass cost
// at least as much as the verification pass (the library's allphone search
// many times more). The same ratio against the
// verification loop decoded alone, and the worst word's ratio, did no
// better either.

// DefaultMargin is the speech margin, in nats per frame, that accepts a
// sentence the verification loop beat: see above.
const DefaultMargin = 0.4

// spanScore is the acoustic score of segs over frames a to b, in the
// library's units; a segment that lies partly inside counts in proportion.
func spanScore(segs []segment, a, b int) float64 {
	var sum float64
	for _, s := range segs {
		lo, hi := max(s.start, a), min(s.end, b)
		if hi < lo {
			continue
		}
		sum += float64(s.ascr) * float64(hi-lo+1) / float64(s.end-s.start+1)
	}
	return sum
}

// speechMargin is the acoustic log likelihood ratio of a sentence, its
// segments, over another path through the same audio, per frame from the
// sentence's first word to its last, in the library's units; 0 if the
// sentence has no word.
func speechMargin(sentence, other []segment) float64 {
	a, b := -1, -1
	for _, s := range sentence {
		if isWord(s.word) {
			if a < 0 {
				a = s.start
			}
			b = s.end
		}
	}
	if a < 0 {
		return 0
	}
	return (spanScore(sentence, a, b) - spanScore(other, a, b)) / float64(b-a+1)
}

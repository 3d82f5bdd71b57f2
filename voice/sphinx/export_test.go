package sphinx

// Hooks for the tests in package sphinx_test.

// GrammarWords checks a grammar as the recognizer does and returns its
// words.
var GrammarWords = grammarWords

// LetterToSound exposes the letter-to-sound rules.
var LetterToSound = letterToSound

// Score is the decoder's path score of a result's hypothesis.
func Score(r Result) int { return r.score }

// Variants exposes the generated further readings of a word.
var Variants = variants

package sphinx

// Hooks for the tests in package sphinx_test.

// GraphStats compiles JSGF text as the recognizer does and returns its
// word graph's size and words.
func GraphStats(jsgf string) (states, transitions int, words []string, err error) {
	wg, err := compileJSGF(jsgf)
	if err != nil {
		return 0, 0, nil, err
	}
	return len(wg.states), wg.transitions(), wg.usedWords(), nil
}

// GraphAcceptor compiles JSGF text and returns a test of sentences.
func GraphAcceptor(jsgf string) (func(words []string) bool, error) {
	wg, err := compileJSGF(jsgf)
	if err != nil {
		return nil, err
	}
	return wg.accepts, nil
}

// LetterToSound exposes the letter-to-sound rules.
var LetterToSound = letterToSound

// CHeapInUse is the C heap in use, in bytes.
var CHeapInUse = cHeapInUse

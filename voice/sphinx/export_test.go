package sphinx

// Hooks for the tests in package sphinx_test.

// GraphStats compiles JSGF text as the recognizer does and returns its
// word graph's size.
func GraphStats(jsgf string) (states, transitions int, words []string, err error) {
	wg, err := compileJSGF(jsgf)
	if err != nil {
		return 0, 0, nil, err
	}
	return len(wg.states), wg.transitions(), wg.usedWords(), nil
}

// GraphAccepts reports whether the word graph of JSGF text accepts a
// sentence.
func GraphAccepts(jsgf string, words []string) (bool, error) {
	wg, err := compileJSGF(jsgf)
	if err != nil {
		return false, err
	}
	return wg.accepts(words), nil
}

package sphinx

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// Phones are the phones of the CMU en-us acoustic model, without stress
// marks: every pronunciation the recognizer is given is written in them.
var Phones = []string{
	"AA", "AE", "AH", "AO", "AW", "AY", "B", "CH", "D", "DH", "EH", "ER", "EY",
	"F", "G", "HH", "IH", "IY", "JH", "K", "L", "M", "N", "NG", "OW", "OY", "P",
	"R", "S", "SH", "T", "TH", "UH", "UW", "V", "W", "Y", "Z", "ZH",
}

var phoneSet = func() map[string]bool {
	m := map[string]bool{}
	for _, p := range Phones {
		m[p] = true
	}
	return m
}()

// Dictionary is a pronunciation dictionary in the CMU format: one word a
// line, then its phones; a word's further pronunciations are written
// "word(2)", "word(3)".
type Dictionary struct {
	prons map[string][][]string
}

// LoadDictionary reads a CMU-format dictionary file.
func LoadDictionary(path string) (*Dictionary, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("dictionary: %w", err)
	}
	defer f.Close()
	d := &Dictionary{prons: make(map[string][][]string, 1<<17)}
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], ";;") {
			continue
		}
		if len(fields) < 2 {
			return nil, fmt.Errorf("dictionary %s: line %d: a word with no phones", path, n)
		}
		word := fields[0]
		if i := strings.IndexByte(word, '('); i > 0 && strings.HasSuffix(word, ")") {
			word = word[:i]
		}
		d.prons[word] = append(d.prons[word], fields[1:])
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("dictionary %s: %w", path, err)
	}
	return d, nil
}

// Lookup returns the first pronunciation of a word, if the dictionary has
// one.
func (d *Dictionary) Lookup(word string) ([]string, bool) {
	p := d.prons[word]
	if len(p) == 0 {
		return nil, false
	}
	return p[0], true
}

// Has reports whether the dictionary has a word.
func (d *Dictionary) Has(word string) bool { return len(d.prons[word]) > 0 }

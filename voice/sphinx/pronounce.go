package sphinx

import (
	"slices"
	"strings"
)

// A grammar built from a catalog names things no English dictionary has:
// "luckin", "hema", "freshippo", "kfc". Pronounce finds a way to say every
// word, trying in turn what is most likely right:
//
//  1. the dictionary;
//  2. an inflection of a word it can pronounce ("lattes" is "latte" plus
//     the plural ending that follows its last sound);
//  3. spelling out a word with no vowel letter as letter names ("kfc" is
//     "k f c", "rmb" is "r m b");
//  4. a compound of dictionary words of at least three letters each, split
//     between graphemes ("alipay" is "ali" + "pay", "freshippo" is "fresh" +
//     "hippo"; "luckin" is not "luc" + "kin", which splits "ck");
//  5. letter-to-sound rules for English spelling, as a last resort
//     ("luckin", "hema").
//
// A word that also reads as Mandarin pinyin ("hema" is 盒马 hé mǎ, "kuai",
// "jiao") gets the pinyin reading as a second pronunciation, since people
// say such names both ways; the recognizer listens for either.

// Method says how a pronunciation was found.
type Method string

// How a pronunciation was found.
const (
	FromDictionary Method = "dictionary"
	FromInflection Method = "inflection"
	FromLetters    Method = "letters"
	FromCompound   Method = "compound"
	FromRules      Method = "rules"
	FromPinyin     Method = "pinyin"
)

// Pronunciation is one way to say a word, in Phones.
type Pronunciation struct {
	Phones []string
	Method Method
}

// lexicon is where pronunciations are looked up: a Dictionary, or the
// dictionary a decoder loaded.
type lexicon interface {
	Lookup(word string) ([]string, bool)
}

// Pronounce returns the ways to say a lowercase word: the dictionary's
// first pronunciation when it has the word, else one or two generated ones.
// It returns nothing only for a word with no letter a rule knows.
func (d *Dictionary) Pronounce(word string) []Pronunciation { return pronounce(d, word) }

func pronounce(d lexicon, word string) []Pronunciation {
	if p, ok := d.Lookup(word); ok {
		return []Pronunciation{{p, FromDictionary}}
	}
	var out []Pronunciation
	add := func(phones []string, m Method) {
		if len(phones) == 0 {
			return
		}
		for _, p := range out {
			if slices.Equal(p.Phones, phones) {
				return
			}
		}
		out = append(out, Pronunciation{phones, m})
	}
	if p := inflection(d, word); p != nil {
		add(p, FromInflection)
	} else if p := letters(d, word); p != nil {
		add(p, FromLetters)
	} else if p := compound(d, word); p != nil {
		// A made-up name may be said as its parts ("ali pay") or as it
		// is spelled ("AE L IH P EY"): both are kept, unless the rules
		// hear a different number of sounds, as they do where a part ends
		// in a silent e ("voice pay" is not "V OY S EH P EY").
		add(p, FromCompound)
		if lts := letterToSound(word); len(lts) == len(p) {
			add(lts, FromRules)
		}
	} else {
		add(letterToSound(word), FromRules)
	}
	add(pinyin(word), FromPinyin)
	return out
}

// stemOf returns the first way to say the stem of an inflected word: the
// dictionary's, else a generated one.
func stemOf(d lexicon, word string) []string {
	if p, ok := d.Lookup(word); ok {
		return p
	}
	if p := letters(d, word); p != nil {
		return p
	}
	if p := compound(d, word); p != nil {
		return p
	}
	return letterToSound(word)
}

// inflection pronounces a plural or third-person -s form from its stem.
func inflection(d lexicon, word string) []string {
	var stem []string
	switch {
	case len(word) < 4 || !strings.HasSuffix(word, "s"):
		return nil
	case strings.HasSuffix(word, "es") && hasSibilantEnding(word[:len(word)-2]):
		stem = stemOf(d, word[:len(word)-2])
	case strings.HasSuffix(word, "ss") || strings.HasSuffix(word, "us") || strings.HasSuffix(word, "is"):
		return nil
	default:
		stem = stemOf(d, word[:len(word)-1])
	}
	if len(stem) == 0 {
		return nil
	}
	return append(slices.Clone(stem), pluralEnding(stem[len(stem)-1])...)
}

func hasSibilantEnding(s string) bool {
	for _, end := range []string{"s", "x", "z", "ch", "sh"} {
		if strings.HasSuffix(s, end) {
			return true
		}
	}
	return false
}

// pluralEnding is the -s ending after a phone: /ɪz/ after a sibilant, /s/
// after another voiceless consonant, /z/ otherwise.
func pluralEnding(last string) []string {
	switch last {
	case "S", "Z", "SH", "ZH", "CH", "JH":
		return []string{"IH", "Z"}
	case "P", "T", "K", "F", "TH":
		return []string{"S"}
	}
	return []string{"Z"}
}

func isVowelLetter(c byte) bool { return strings.IndexByte("aeiou", c) >= 0 }

// letters spells out a short word with no vowel letter, such as an acronym.
func letters(d lexicon, word string) []string {
	if len(word) < 2 || len(word) > 6 || strings.ContainsAny(word, "aeiouy") {
		return nil
	}
	var out []string
	for i := 0; i < len(word); i++ {
		p, ok := d.Lookup(word[i : i+1])
		if !ok {
			return nil
		}
		out = append(out, p...)
	}
	return out
}

// digraphs are letter pairs that spell one sound: a compound is never split
// between them.
var digraphs = []string{"ch", "ck", "gh", "ng", "ph", "qu", "sh", "th", "wh"}

// compound pronounces a word as two or three dictionary words of at least
// three letters, preferring fewer parts and then a longer first part. A
// sound shared at the seam ("voice" + "sale") is said once.
func compound(d lexicon, word string) []string {
	const minPart = 3
	splitOK := func(i int) bool {
		return i >= minPart && len(word)-i >= minPart && !slices.Contains(digraphs, word[i-1:i+1])
	}
	var best []string
	for i := len(word) - minPart; i >= minPart; i-- {
		if !splitOK(i) {
			continue
		}
		head, ok := d.Lookup(word[:i])
		if !ok {
			continue
		}
		if tail, ok := d.Lookup(word[i:]); ok {
			return joinPhones(head, tail)
		}
		if best != nil {
			continue
		}
		for j := len(word) - minPart; j >= i+minPart; j-- {
			if !splitOK(j) {
				continue
			}
			mid, ok := d.Lookup(word[i:j])
			if !ok {
				continue
			}
			if tail, ok := d.Lookup(word[j:]); ok {
				best = joinPhones(joinPhones(head, mid), tail)
				break
			}
		}
	}
	return best
}

func joinPhones(a, b []string) []string {
	out := slices.Clone(a)
	if len(a) > 0 && len(b) > 0 && a[len(a)-1] == b[0] {
		b = b[1:]
	}
	return append(out, b...)
}

// ltsRule rewrites letters to phones where the letters before and after
// match its contexts. A context is a pattern of:
//
//	#  the edge of the word
//	V  a vowel letter (a, e, i, o, u)
//	C  a consonant letter (anything else)
//	F  a front vowel letter (e, i, y), which softens c and g
//	*  any number of consonant letters
//	a…z the letter itself
//
// A left context is written in reading order and ends where the letters
// begin.
type ltsRule struct {
	left, letters, right string
	phones               string
}

// ltsRules are tried in order, first match wins, for the letter a match
// starts with. They are a small rule set for English spelling, enough to
// give an unknown name a plausible sound; the dictionary and the other
// methods come first.
var ltsRules = map[byte][]ltsRule{
	'a': {
		{"", "aa", "", "AA"}, {"", "ai", "", "EY"}, {"", "ay", "", "EY"},
		{"", "au", "", "AO"}, {"", "aw", "", "AO"}, {"", "all", "#", "AO L"},
		{"", "ar", "", "AA R"}, {"", "a", "#", "AH"}, {"", "a", "Ce#", "EY"},
		{"", "a", "", "AE"},
	},
	'b': {{"", "bb", "", "B"}, {"m", "b", "#", ""}, {"", "b", "", "B"}},
	'c': {
		{"", "ch", "", "CH"}, {"", "ck", "", "K"}, {"", "cc", "F", "K S"},
		{"", "cc", "", "K"}, {"", "c", "F", "S"}, {"", "c", "", "K"},
	},
	'd': {{"", "dge", "", "JH"}, {"", "dd", "", "D"}, {"", "d", "", "D"}},
	'e': {
		{"V*", "e", "#", ""}, {"", "eau", "", "OW"}, {"", "eigh", "", "EY"},
		{"", "ee", "", "IY"}, {"", "ea", "", "IY"}, {"", "ei", "", "EY"},
		{"", "ey", "#", "IY"}, {"", "ey", "", "EY"}, {"", "eu", "", "Y UW"},
		{"", "ew", "", "Y UW"}, {"", "er", "", "ER"}, {"", "e", "#", "IY"},
		{"", "e", "Ce#", "IY"}, {"", "e", "", "EH"},
	},
	'f': {{"", "ff", "", "F"}, {"", "f", "", "F"}},
	'g': {
		{"", "gh", "#", ""}, {"", "gh", "t", ""}, {"", "gh", "", "G"},
		{"", "gg", "", "G"}, {"", "g", "e#", "JH"}, {"", "g", "", "G"},
	},
	'h': {{"#", "h", "", "HH"}, {"V", "h", "C", ""}, {"V", "h", "#", ""}, {"", "h", "", "HH"}},
	'i': {
		{"", "igh", "", "AY"}, {"", "ie", "#", "IY"}, {"", "ir", "", "ER"},
		{"", "i", "Ce#", "AY"}, {"", "i", "#", "IY"}, {"", "i", "V", "IY"},
		{"", "i", "", "IH"},
	},
	'j': {{"", "j", "", "JH"}},
	'k': {{"#", "k", "n", ""}, {"", "kk", "", "K"}, {"", "k", "", "K"}},
	'l': {{"", "ll", "", "L"}, {"", "l", "", "L"}},
	'm': {{"", "mm", "", "M"}, {"", "m", "", "M"}},
	'n': {{"", "ng", "", "NG"}, {"", "nk", "", "NG K"}, {"", "nn", "", "N"}, {"", "n", "", "N"}},
	'o': {
		{"", "oo", "", "UW"}, {"", "ou", "", "AW"}, {"", "ow", "", "OW"},
		{"", "oi", "", "OY"}, {"", "oy", "", "OY"}, {"", "oa", "", "OW"},
		{"", "or", "", "AO R"}, {"", "o", "Ce#", "OW"}, {"", "o", "#", "OW"},
		{"", "o", "V", "OW"}, {"", "o", "", "AA"},
	},
	'p': {{"", "ph", "", "F"}, {"", "pp", "", "P"}, {"", "p", "", "P"}},
	'q': {{"", "qu", "", "K W"}, {"", "q", "", "K"}},
	'r': {{"", "rr", "", "R"}, {"", "r", "", "R"}},
	's': {
		{"", "sch", "", "S K"}, {"", "sh", "", "SH"}, {"", "ss", "", "S"},
		{"V", "s", "V", "Z"}, {"", "s", "", "S"},
	},
	't': {
		{"", "tch", "", "CH"}, {"", "tion", "", "SH AH N"}, {"", "th", "", "TH"},
		{"", "tt", "", "T"}, {"", "t", "", "T"},
	},
	'u': {
		{"", "ue", "#", "UW"}, {"", "ur", "", "ER"}, {"", "u", "Ce#", "UW"},
		{"", "u", "#", "UW"}, {"", "u", "", "AH"},
	},
	'v': {{"", "v", "", "V"}},
	'w': {{"#", "wr", "", "R"}, {"", "wh", "", "W"}, {"", "w", "", "W"}},
	'x': {{"#", "x", "", "Z"}, {"", "x", "", "K S"}},
	'y': {
		{"#", "y", "", "Y"}, {"", "y", "V", "Y"}, {"#C", "y", "#", "AY"},
		{"", "y", "#", "IY"}, {"", "y", "", "IH"},
	},
	'z': {{"", "zz", "", "Z"}, {"", "z", "", "Z"}},
}

// letterToSound pronounces a word by the rules, or returns nil if it has a
// letter no rule knows.
func letterToSound(word string) []string {
	var out []string
	for i := 0; i < len(word); {
		matched := false
		for _, r := range ltsRules[word[i]] {
			if !strings.HasPrefix(word[i:], r.letters) {
				continue
			}
			end := i + len(r.letters)
			if !matchContext(word[end:], r.right) || !matchContext(reverse(word[:i]), reverse(r.left)) {
				continue
			}
			out = append(out, strings.Fields(r.phones)...)
			i = end
			matched = true
			break
		}
		if !matched {
			return nil
		}
	}
	return out
}

func reverse(s string) string {
	b := []byte(s)
	slices.Reverse(b)
	return string(b)
}

// matchContext reports whether text starts with pattern (see ltsRule).
func matchContext(text, pattern string) bool {
	if pattern == "" {
		return true
	}
	switch c := pattern[0]; c {
	case '#':
		return text == "" && matchContext(text, pattern[1:])
	case '*':
		for i := 0; ; i++ {
			if matchContext(text[i:], pattern[1:]) {
				return true
			}
			if i >= len(text) || isVowelLetter(text[i]) {
				return false
			}
		}
	}
	if text == "" {
		return false
	}
	t := text[0]
	var ok bool
	switch c := pattern[0]; c {
	case 'V':
		ok = isVowelLetter(t)
	case 'C':
		ok = t >= 'a' && t <= 'z' && !isVowelLetter(t)
	case 'F':
		ok = t == 'e' || t == 'i' || t == 'y'
	default:
		ok = t == c
	}
	return ok && matchContext(text[1:], pattern[1:])
}

// Pinyin: initials and finals, and the phones they are closest to.
var (
	pinyinInitials = map[string]string{
		"b": "B", "p": "P", "m": "M", "f": "F", "d": "D", "t": "T", "n": "N",
		"l": "L", "g": "G", "k": "K", "h": "HH", "j": "JH", "q": "CH", "x": "SH",
		"zh": "JH", "ch": "CH", "sh": "SH", "r": "R", "z": "Z", "c": "T S",
		"s": "S", "y": "Y", "w": "W",
	}
	pinyinFinals = map[string]string{
		"a": "AA", "o": "AO", "e": "AH", "i": "IY", "u": "UW", "v": "UW",
		"ai": "AY", "ei": "EY", "ao": "AW", "ou": "OW", "an": "AA N",
		"en": "AH N", "ang": "AA NG", "eng": "AH NG", "ong": "UH NG", "er": "ER",
		"ia": "Y AA", "ie": "Y EH", "iao": "Y AW", "iu": "Y OW", "ian": "Y EH N",
		"in": "IY N", "iang": "Y AA NG", "ing": "IY NG", "iong": "Y UH NG",
		"ua": "W AA", "uo": "W AO", "uai": "W AY", "ui": "W EY", "uan": "W AA N",
		"un": "W AH N", "uang": "W AA NG", "ue": "UW EH", "ve": "UW EH",
	}
)

// pinyin reads a word as toneless pinyin syllables, or returns nil if it is
// not one: "hema" is he + ma, "jiao" one syllable.
func pinyin(word string) []string {
	// best[i] is the fewest syllables that spell word[:i], -1 if none.
	best := make([]int, len(word)+1)
	from := make([]int, len(word)+1)
	for i := range best {
		best[i] = -1
	}
	best[0] = 0
	for i := 0; i < len(word); i++ {
		if best[i] < 0 {
			continue
		}
		for j := i + 1; j <= len(word) && j-i <= 6; j++ {
			if pinyinSyllable(word[i:j]) == nil {
				continue
			}
			if best[j] < 0 || best[i]+1 < best[j] {
				best[j], from[j] = best[i]+1, i
			}
		}
	}
	if best[len(word)] < 0 {
		return nil
	}
	var syllables []string
	for j := len(word); j > 0; j = from[j] {
		syllables = append(syllables, word[from[j]:j])
	}
	slices.Reverse(syllables)
	var out []string
	for _, s := range syllables {
		out = append(out, pinyinSyllable(s)...)
	}
	return out
}

// pinyinSyllable returns the phones of one syllable, or nil.
func pinyinSyllable(s string) []string {
	for _, n := range []int{2, 1, 0} {
		if len(s) <= n {
			continue
		}
		ini, fin := s[:n], s[n:]
		if n > 0 && pinyinInitials[ini] == "" {
			continue
		}
		f, ok := pinyinFinals[fin]
		if !ok {
			continue
		}
		switch {
		case n == 0 && strings.ContainsRune("iuv", rune(fin[0])):
			continue // i, u and ü are written yi, wu and yu when they start a syllable
		case ini == "y" && fin[0] == 'i', ini == "w" && fin == "u":
			return strings.Fields(f) // "yi", "yin", "wu": the glide is the vowel
		case ini == "y" && fin == "an":
			return []string{"Y", "EH", "N"}
		case ini == "y" && fin == "e":
			return []string{"Y", "EH"}
		case n > 0 && strings.ContainsRune("jqxy", rune(ini[0])) && fin == "uan":
			f = "UW EH N" // üan: "yuan" is "yü-en"
		case n > 0 && strings.ContainsRune("jqxy", rune(ini[0])) && fin == "un":
			f = "UW N"
		case (ini == "z" || ini == "c" || ini == "s") && fin == "i":
			f = "IH"
		case (ini == "zh" || ini == "ch" || ini == "sh" || ini == "r") && fin == "i":
			f = "ER"
		case ini == "y" || ini == "w":
			if strings.HasPrefix(f, "Y ") || strings.HasPrefix(f, "W ") {
				return strings.Fields(f)
			}
		}
		var out []string
		if n > 0 {
			out = strings.Fields(pinyinInitials[ini])
		}
		return append(out, strings.Fields(f)...)
	}
	return nil
}

// Further ways to say a word, generated from a reading of it:
//
//   - English speakers reduce the vowel of an unstressed last syllable to a
//     schwa: "yuan" as "you-un" (Y UW AH N), "payment" as "pay-munt",
//     "luckin" as "luck-un". So a word of two or more syllables whose last
//     vowel is a short or open one (AA, AE, EH, IH, AO, UH) is also heard
//     with AH there. Long vowels and diphthongs keep their sound ("latte",
//     "coffee", "menu").
//   - A word of Mandarin (Config.Pinyin: the money units, "yuan", "kuai")
//     is also heard as its pinyin reads, as a Mandarin speaker says it:
//     "yuan" as "yü-en" (Y UW EH N).

// reducible are the vowels whose reduction to a schwa is listened for.
var reducible = map[string]bool{"AA": true, "AE": true, "EH": true, "IH": true, "AO": true, "UH": true}

var vowelPhones = map[string]bool{
	"AA": true, "AE": true, "AH": true, "AO": true, "AW": true, "AY": true, "EH": true, "ER": true,
	"EY": true, "IH": true, "IY": true, "OW": true, "OY": true, "UH": true, "UW": true,
}

// reduced is phones with the last vowel said as a schwa, or nil when the
// word has one syllable or its last vowel does not reduce.
func reduced(phones []string) []string {
	last, vowels := -1, 0
	for i, p := range phones {
		if vowelPhones[p] {
			last, vowels = i, vowels+1
		}
	}
	if vowels < 2 || !reducible[phones[last]] {
		return nil
	}
	out := slices.Clone(phones)
	out[last] = "AH"
	return out
}

// variants are the further readings of a word, given its readings so far
// (the first is the main one) and whether it is a word of Mandarin: its
// reduced form and its pinyin, those that differ from every reading given.
func variants(word string, readings [][]string, mandarin bool) [][]string {
	var out [][]string
	add := func(p []string) {
		if p == nil || slices.ContainsFunc(readings, func(r []string) bool { return slices.Equal(r, p) }) ||
			slices.ContainsFunc(out, func(r []string) bool { return slices.Equal(r, p) }) {
			return
		}
		out = append(out, p)
	}
	if len(readings) > 0 {
		add(reduced(readings[0]))
	}
	if mandarin {
		add(pinyin(word))
	}
	return out
}

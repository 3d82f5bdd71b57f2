package intent

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// contractions expand after apostrophes are dropped, so "what's" and "whats"
// read the same. Only forms that are not also ordinary words in voicepay's
// domain are listed.
var contractions = map[string][]string{
	"whats":     {"what", "is"},
	"thats":     {"that", "is"},
	"theres":    {"there", "is"},
	"hows":      {"how", "is"},
	"im":        {"i", "am"},
	"ive":       {"i", "have"},
	"id":        {"i", "would"},
	"ill":       {"i", "will"},
	"youre":     {"you", "are"},
	"dont":      {"do", "not"},
	"didnt":     {"did", "not"},
	"doesnt":    {"does", "not"},
	"isnt":      {"is", "not"},
	"wasnt":     {"was", "not"},
	"arent":     {"are", "not"},
	"werent":    {"were", "not"},
	"havent":    {"have", "not"},
	"hasnt":     {"has", "not"},
	"couldnt":   {"could", "not"},
	"wouldnt":   {"would", "not"},
	"shouldnt":  {"should", "not"},
	"theyre":    {"they", "are"},
	"youll":     {"you", "will"},
	"youve":     {"you", "have"},
	"itll":      {"it", "will"},
	"cant":      {"can", "not"},
	"cannot":    {"can", "not"},
	"wont":      {"will", "not"},
	"lets":      {"let", "us"},
	"nevermind": {"never", "mind"},
	"wanna":     {"want", "to"},
	"gonna":     {"going", "to"},
	"gotta":     {"got", "to"},
	"lemme":     {"let", "me"},
	"gimme":     {"give", "me"},
	"wed":       {"we", "would"},
	"weve":      {"we", "have"},
	"youd":      {"you", "would"},
	"pls":       {"please"},
	"plz":       {"please"},
	"thx":       {"thanks"},
	"ty":        {"thank", "you"},
	// chat shorthand
	"u":     {"you"},
	"ur":    {"your"},
	"r":     {"are"},
	"em":    {"them"},
	"ya":    {"yeah"},
	"yea":   {"yeah"},
	"nvm":   {"never", "mind"},
	"rn":    {"right", "now"},
	"cuz":   {"because"},
	"coz":   {"because"},
	"tho":   {"though"},
	"yall":  {"you"},
	"whatd": {"what", "did"},
	"muchs": {"much", "is"},
	"sub":   {"subscription"},
	"n":     {"and"},
	"wk":    {"week"},
	"bal":   {"balance"},
	"txn":   {"transaction"},
	"txns":  {"transactions"},
	"pmt":   {"payment"},
	"pmts":  {"payments"},
	"subs":  {"subscriptions"},
}

// clean reports whether text is fit to move money: valid UTF-8 whose
// characters are all printable or white space. Invalid bytes, a
// replacement character (which stands for bytes lost in decoding), control
// and format characters (zero-width spaces, direction overrides) are
// garbage that splitting into words would silently skip, so that
// "confirm \xff the order" would confirm.
func clean(text string) bool {
	for _, r := range text { // an invalid byte ranges as utf8.RuneError
		if r == utf8.RuneError || !unicode.IsGraphic(r) && !unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

// normalizer turns text into words. Its buffers are reused between calls.
type normalizer struct {
	buf   []byte
	words []string
}

func isApostrophe(r rune) bool {
	return r == '\'' || r == '\u2019' || r == '\u2018' || r == '`' || r == '\u02bc'
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isDigit(r) || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
	}
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r)
}

// runeAt decodes the rune at s[i:], or a space past the end.
func runeAt(s string, i int) (rune, int) {
	if i >= len(s) {
		return ' ', 0
	}
	if c := s[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s[i:])
}

// split normalizes s and splits it into words: lower case; letters, digits
// and marks form words; an apostrophe inside a word is dropped; a decimal
// point stays when a digit follows it and a digit or nothing precedes it; a
// comma grouping thousands ("1,000") is dropped; a minus sign before a
// number stays; a yuan sign before a number becomes the word "yuan" after
// it; everything else separates words; a contraction that would join into
// an everyday word ("we'll", "we're") expands. It stops early and reports false
// once there are more than max words.
func (n *normalizer) split(s string, max int) ([]string, bool) {
	if !n.writeWords(s, max) {
		return nil, false
	}
	n.words = appendWords(n.words[:0], string(n.buf))
	if len(n.words) > max {
		return nil, false
	}
	return n.words, true
}

// writeWords writes the normalized words of s to n.buf, each followed by a
// space. It stops early and reports false once there are more than max
// words.
func (n *normalizer) writeWords(s string, max int) bool {
	w := wordWriter{buf: n.buf[:0], prev: ' '}
	defer func() { n.buf = w.buf }() // keep the grown buffer for the next call
	r, size := runeAt(s, 0)
	var next rune
	for i := 0; size > 0; r = next {
		if w.count > max {
			return false
		}
		i += size
		next, size = runeAt(s, i)
		switch {
		case isWordRune(r):
			switch {
			case r >= 'A' && r <= 'Z':
				r += 'a' - 'A'
			case r >= utf8.RuneSelf:
				r = unicode.ToLower(r)
			}
			w.buf = utf8.AppendRune(w.buf, r)
			w.prev = r
		case isApostrophe(r) && w.prev != ' ' && unicode.IsLetter(next):
			// joined: "what's" reads as "whats"
			w.apos = true
		case r == '.' && isDigit(next) && (w.prev == ' ' || isDigit(w.prev)):
			w.buf = append(w.buf, '.')
			w.prev = '.'
		case r == '-' && w.prev == ' ' && (isDigit(next) || next == '.'):
			// a minus sign stays, so "-2" is not read as 2
			w.buf = append(w.buf, '-')
			w.prev = '-'
		case r == ',' && isDigit(w.prev) && thousands(s[i:]):
			// "1,000" reads as "1000"
		case r == '¥' || r == '￥':
			w.endWord()
			w.yuan = true
		default:
			w.endWord()
		}
	}
	w.endWord()
	return w.count <= max
}

// wordWriter holds the normalized words that writeWords writes, each
// followed by a space.
type wordWriter struct {
	buf   []byte
	prev  rune // last rune appended, ' ' at a word boundary
	yuan  bool // a yuan sign is waiting for its number
	apos  bool // the word being written had an apostrophe
	count int  // words ended so far
}

// apostropheWords are contractions that join into an everyday word: "we'll"
// is not "well". Only the word written with its apostrophe expands.
var apostropheWords = map[string]string{"well": "we will", "were": "we are", "shell": "she will",
	"hell": "he will", "its": "it is"}

// endWord ends the word being written, if there is one. After the number
// that follows a yuan sign it also writes the word "yuan".
func (w *wordWriter) endWord() {
	if w.prev == ' ' {
		return
	}
	w.count++
	if w.apos {
		w.apos = false
		start := len(w.buf) - 1
		for start >= 0 && w.buf[start] != ' ' {
			start--
		}
		if x, ok := apostropheWords[string(w.buf[start+1:])]; ok {
			w.buf = append(w.buf[:start+1], x...)
			w.count += strings.Count(x, " ")
		}
	}
	if w.yuan {
		// the word just ended is the number after a yuan sign
		start := len(w.buf) - 1
		for start >= 0 && w.buf[start] != ' ' {
			start--
		}
		word := w.buf[start+1:]
		if len(word) > 0 && word[0] >= '0' && word[0] <= '9' || len(word) > 1 && word[0] == '.' {
			w.buf = append(w.buf, " yuan"...)
			w.count++
		}
		w.yuan = false
	}
	w.buf = append(w.buf, ' ')
	w.prev = ' '
}

// appendWords appends to dst the words of text, each of which a space ends,
// with contractions expanded.
func appendWords(dst []string, text string) []string {
	start := 0
	for i := 0; i < len(text); i++ {
		if text[i] != ' ' {
			continue
		}
		if i > start {
			w := text[start:i]
			if x, ok := contractions[w]; ok {
				dst = append(dst, x...)
			} else if n, ok := times(w); ok {
				dst = append(dst, n...)
			} else {
				dst = append(dst, w)
			}
		}
		start = i + 1
	}
	return dst
}

// times splits a count written against its "x", as in "latte x2" or "2x
// americano", into the number and the "x".
func times(w string) ([]string, bool) {
	digits := func(s string) bool {
		return s != "" && len(s) <= 2 && strings.Trim(s, "0123456789") == ""
	}
	switch {
	case len(w) > 1 && w[0] == 'x' && digits(w[1:]):
		return []string{"x", w[1:]}, true
	case len(w) > 1 && w[len(w)-1] == 'x' && digits(w[:len(w)-1]):
		return []string{w[:len(w)-1], "x"}, true
	}
	return nil, false
}

// thousands reports whether s starts with exactly three digits, as after the
// comma of "1,000".
func thousands(s string) bool {
	if len(s) < 3 || !isDigit(rune(s[0])) || !isDigit(rune(s[1])) || !isDigit(rune(s[2])) {
		return false
	}
	return len(s) == 3 || !isDigit(rune(s[3]))
}

// normalize splits s into words with no limit on their number.
func normalize(s string) []string {
	var n normalizer
	w, _ := n.split(s, len(s)+1)
	return append([]string(nil), w...)
}

// hesitations are the sounds people make, and type, while they think:
// "um", "uhh", "hmm", "er", "mm", as spelled with their letters run
// together. They are not words of what is said: the parser drops them
// before matching, at no cost, so "um, yes, confirm" confirms.
var hesitations = map[string]bool{"um": true, "uh": true, "uhm": true, "hm": true, "er": true, "erm": true,
	"ah": true, "eh": true}

// hesitation reports whether a word is a hesitation, however many times a
// letter of it is typed ("ummm", "hmmm", "uhhh").
func hesitation(w string) bool {
	if len(w) < 2 || len(w) > 12 {
		return false
	}
	var b [12]byte
	n := 0
	for i := 0; i < len(w); i++ {
		if n > 0 && b[n-1] == w[i] {
			continue
		}
		b[n] = w[i]
		n++
	}
	if n == 1 {
		return b[0] == 'm' // "mm", "mmm"
	}
	return hesitations[string(b[:n])]
}

// dropHesitations removes the hesitations from words, in place.
func dropHesitations(words []string) []string {
	out := words[:0]
	for _, w := range words {
		if !hesitation(w) {
			out = append(out, w)
		}
	}
	return out
}

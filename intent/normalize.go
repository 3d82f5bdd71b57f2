package intent

import (
	"unicode"
	"unicode/utf8"
)

// contractions expand after apostrophes are dropped, so "what's" and "whats"
// read the same. Only forms that are not also ordinary words in voicepay's
// domain are listed.
var contractions = map[string][]string{
	"whats":     {"what", "is"},
	"thats":     {"that", "is"},
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
	"cant":      {"can", "not"},
	"cannot":    {"can", "not"},
	"wont":      {"will", "not"},
	"lets":      {"let", "us"},
	"nevermind": {"never", "mind"},
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
// it; everything else separates words. It stops early and reports false
// once there are more than max words.
func (n *normalizer) split(s string, max int) ([]string, bool) {
	n.buf = n.buf[:0]
	var prev rune = ' ' // last rune appended, ' ' at a word boundary
	yuan := false       // a yuan sign is waiting for its number
	count := 0
	endWord := func() {
		if prev == ' ' {
			return
		}
		count++
		if yuan {
			// the word just ended is the number after a yuan sign
			start := len(n.buf) - 1
			for start >= 0 && n.buf[start] != ' ' {
				start--
			}
			w := n.buf[start+1:]
			if len(w) > 0 && w[0] >= '0' && w[0] <= '9' || len(w) > 1 && w[0] == '.' {
				n.buf = append(n.buf, " yuan"...)
				count++
			}
			yuan = false
		}
		n.buf = append(n.buf, ' ')
		prev = ' '
	}
	r, size := runeAt(s, 0)
	var next rune
	for i := 0; size > 0; r = next {
		if count > max {
			return nil, false
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
			n.buf = utf8.AppendRune(n.buf, r)
			prev = r
		case isApostrophe(r) && prev != ' ' && unicode.IsLetter(next):
			// joined: "what's" reads as "whats"
		case r == '.' && isDigit(next) && (prev == ' ' || isDigit(prev)):
			n.buf = append(n.buf, '.')
			prev = '.'
		case r == '-' && prev == ' ' && (isDigit(next) || next == '.'):
			// a minus sign stays, so "-2" is not read as 2
			n.buf = append(n.buf, '-')
			prev = '-'
		case r == ',' && isDigit(prev) && thousands(s[i:]):
			// "1,000" reads as "1000"
		case r == '¥' || r == '￥':
			endWord()
			yuan = true
		default:
			endWord()
		}
	}
	endWord()
	if count > max {
		return nil, false
	}
	n.words = n.words[:0]
	text := string(n.buf)
	start := 0
	for i := 0; i < len(text); i++ {
		if text[i] != ' ' {
			continue
		}
		if i > start {
			w := text[start:i]
			if x, ok := contractions[w]; ok {
				n.words = append(n.words, x...)
			} else {
				n.words = append(n.words, w)
			}
		}
		start = i + 1
	}
	if len(n.words) > max {
		return nil, false
	}
	return n.words, true
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

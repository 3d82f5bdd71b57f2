package intent

import (
	"slices"
	"strconv"
	"strings"
)

// The words of the numbers, the one table of them: the parser reads
// quantities and amounts with it, and the speech grammar spells out its
// number rules and the digits of a spoken code from it.
var (
	// digitWords are the ways to say each digit, by value. Zero is never a
	// quantity or an amount; it is said only in a code ("one oh four").
	digitWords = [10][]string{{"zero", "oh"}, {"one"}, {"two"}, {"three"}, {"four"},
		{"five"}, {"six"}, {"seven"}, {"eight"}, {"nine"}}
	// teenWords are ten to nineteen.
	teenWords = []string{"ten", "eleven", "twelve", "thirteen", "fourteen",
		"fifteen", "sixteen", "seventeen", "eighteen", "nineteen"}
	// tensWords are twenty to ninety, by tens.
	tensWords = []string{"twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}
)

// numberWords are the words of the numbers from one to ninety-nine, with
// their values.
var numberWords = func() map[string]int64 {
	m := map[string]int64{}
	for v, ws := range digitWords[1:] {
		for _, w := range ws {
			m[w] = int64(v + 1)
		}
	}
	for i, w := range teenWords {
		m[w] = int64(10 + i)
	}
	for i, w := range tensWords {
		m[w] = int64(20 + 10*i)
	}
	return m
}()

// maxSaid is the largest quantity read.
const maxSaid = 999

// digits is the value of a word of at most max ASCII digits.
func digits(w string, max int) (int64, bool) {
	if len(w) == 0 || len(w) > max {
		return 0, false
	}
	var v int64
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

// smallSpans appends every reading of a number from one to ninety-nine in
// words at toks[pos]: "twenty one" reads as 20 and as 21.
func smallSpans(toks []token, pos int, dst []span) []span {
	v, ok := numberWords[toks[pos].text]
	if !ok {
		return dst
	}
	dst = append(dst, span{end: int32(pos + 1), val: v})
	if v >= 20 && v%10 == 0 && pos+1 < len(toks) {
		if u, ok := numberWords[toks[pos+1].text]; ok && u < 10 {
			dst = append(dst, span{end: int32(pos + 2), val: v + u})
		}
	}
	return dst
}

// quantitySpans appends every reading of a quantity at toks[pos]: one to
// 999 in words or digits, "a"/"an" for one, "a couple [of]" and "a pair
// [of]" for two, "half a dozen" for six, "a few" for three (a few is more than a couple, and three is what a person
// who says it most often means; the read-back lets them change it), and
// dozens ("a dozen", "two dozen"). A quantity may go on with what it
// counts in ("a cup of", "two bottles of") or which of the things it
// takes ("two of the"). The parser reads more than one line of an order
// may hold, so that the dialog can say why "nine hundred lattes" is too
// many.
func quantitySpans(toks []token, pos int, dst []span) []span {
	start := len(dst)
	w := toks[pos].text
	switch v, ok := digits(w, 3); {
	case ok && v >= 1:
		dst = append(dst, span{end: int32(pos + 1), val: v})
	case ok:
	case w == "dozen":
		return append(dst, span{end: int32(pos + 1), val: 12})
	case w == "couple" || w == "pair": // "couple of lattes", typed without its article
		return append(dst, span{end: int32(ofEnd(toks, pos+1)), val: 2})
	case w == "half" && pos+2 < len(toks) && toks[pos+1].text == "a" && toks[pos+2].text == "dozen":
		return append(dst, span{end: int32(pos + 3), val: 6})
	default:
		if w == "a" || w == "an" {
			dst = append(dst, span{end: int32(pos + 1), val: 1})
			if pos+1 < len(toks) && (toks[pos+1].text == "couple" || toks[pos+1].text == "pair") { // "a couple [of]"
				dst = append(dst, span{end: int32(ofEnd(toks, pos+2)), val: 2})
			}
			if pos+1 < len(toks) && toks[pos+1].text == "few" { // "a few"
				dst = append(dst, span{end: int32(pos + 2), val: 3})
			}
		}
		dst = hundredsSpans(toks, pos, dst)
	}
	for i := start; i < len(dst); i++ {
		if end := dst[i].end; int(end) < len(toks) && toks[end].text == "dozen" && dst[i].val*12 <= maxSaid {
			dst = append(dst, span{end: end + 1, val: dst[i].val * 12})
		}
	}
	for i, n := start, len(dst); i < n; i++ {
		if end := int(dst[i].end); end+1 < len(toks) && countsIn(toks[end].text, toks[end+1].text) {
			dst = append(dst, span{end: int32(end + 2), val: dst[i].val})
		}
	}
	return dst
}

// ofEnd is pos, or past an "of" at pos.
func ofEnd(toks []token, pos int) int {
	if pos < len(toks) && toks[pos].text == "of" {
		return pos + 1
	}
	return pos
}

// containers are what a quantity of a thing is served in: "a cup of
// latte", "two orders of fries".
var containers = map[string]bool{"cup": true, "cups": true, "glass": true, "glasses": true, "mug": true, "mugs": true,
	"bottle": true, "bottles": true, "can": true, "cans": true, "order": true, "orders": true, "serving": true,
	"servings": true, "portion": true, "portions": true, "piece": true, "pieces": true, "bag": true, "bags": true}

// countsIn reports whether two words after a quantity say what it counts
// in ("cups of") or which it takes ("of the").
func countsIn(w, next string) bool {
	return containers[w] && next == "of" || w == "of" && (next == "the" || next == "those" || next == "these" || next == "them")
}

// hundredsSpans appends every reading of a number from one to 999 in words
// at toks[pos]: "two hundred [and] fifty", "a hundred", "forty two".
func hundredsSpans(toks []token, pos int, dst []span) []span {
	w := toks[pos].text
	if pos+1 < len(toks) && toks[pos+1].text == "hundred" {
		h, ok := numberWords[w]
		if w == "a" {
			h, ok = 1, true
		}
		if ok && h < 10 {
			h *= 100
			end := pos + 2
			dst = append(dst, span{end: int32(end), val: h})
			if end < len(toks) && toks[end].text == "and" {
				end++
			}
			if end < len(toks) {
				mark := len(dst)
				dst = smallSpans(toks, end, dst)
				for i := mark; i < len(dst); i++ {
					dst[i].val += h
				}
			}
		}
	}
	return smallSpans(toks, pos, dst)
}

// numberSpans appends every reading of a number from one to 999,999 in
// words at toks[pos].
func numberSpans(toks []token, pos int, dst []span) []span {
	start := len(dst)
	dst = hundredsSpans(toks, pos, dst)
	heads := len(dst)
	thousands := func(end int32, v int64) {
		if int(end) >= len(toks) || toks[end].text != "thousand" {
			return
		}
		t := v * 1000
		e := int(end) + 1
		dst = append(dst, span{end: int32(e), val: t})
		if e < len(toks) && toks[e].text == "and" {
			e++
		}
		if e < len(toks) {
			mark := len(dst)
			dst = hundredsSpans(toks, e, dst)
			for i := mark; i < len(dst); i++ {
				dst[i].val += t
			}
		}
	}
	if toks[pos].text == "a" {
		thousands(int32(pos+1), 1)
	}
	for i := start; i < heads; i++ {
		thousands(dst[i].end, dst[i].val)
	}
	return dst
}

// NumberWords says a number from one to ninety-nine in words ("twenty
// one"), and any other in digits.
func NumberWords(n int) string {
	switch {
	case n >= 1 && n <= 9:
		return digitWords[n][0]
	case n >= 10 && n <= 19:
		return teenWords[n-10]
	case n >= 20 && n <= 99 && n%10 == 0:
		return tensWords[n/10-2]
	case n > 20 && n <= 99:
		return tensWords[n/10-2] + " " + digitWords[n%10][0]
	}
	return strconv.Itoa(n)
}

// digitHomophones are words a recognizer or a person typing gives for a
// digit said alone: "o" for zero, "to" and "too" for two, "for" for four.
var digitHomophones = map[string]byte{"o": '0', "to": '2', "too": '2', "for": '4'}

// codeFillers are the words around a code said aloud: "my pin is ...".
var codeFillers = map[string]bool{"my": true, "pin": true, "is": true, "it's": true, "its": true, "the": true, "code": true}

// SpokenCode reads a PIN or an authenticator code said digit by digit
// ("one two three four", "1 2 3 4", "my pin is 1234", "one oh four"). Any
// other word in the text means it is not a code, and ok is false.
func SpokenCode(text string) (code string, ok bool) {
	var b []byte
	for _, w := range strings.Fields(strings.ToLower(text)) {
		w = strings.Trim(w, ".,!?;:\"")
		switch {
		case w == "", codeFillers[w]:
		case strings.Trim(w, "0123456789-") == "":
			b = append(b, strings.ReplaceAll(w, "-", "")...)
		case digitHomophones[w] != 0:
			b = append(b, digitHomophones[w])
		default:
			d, ok := digitOf(w)
			if !ok {
				return "", false
			}
			b = append(b, d)
		}
	}
	return string(b), len(b) > 0
}

// digitOf is the digit a word says, by the table of number words.
func digitOf(w string) (byte, bool) {
	for v, ws := range digitWords {
		if slices.Contains(ws, w) {
			return byte('0' + v), true
		}
	}
	return 0, false
}

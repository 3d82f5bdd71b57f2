package intent

// numberWords are the words of the numbers below a hundred.
var numberWords = map[string]int64{
	"one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
	"six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
	"eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
	"sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
	"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
	"sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}

// maxQuantity is the largest quantity of one item.
const maxQuantity = 99

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
// ninety-nine in words or digits, or "a"/"an" for one.
func quantitySpans(toks []token, pos int, dst []span) []span {
	w := toks[pos].text
	if w == "a" || w == "an" {
		return append(dst, span{end: int32(pos + 1), val: 1})
	}
	if v, ok := digits(w, 2); ok {
		if v >= 1 && v <= maxQuantity {
			dst = append(dst, span{end: int32(pos + 1), val: v})
		}
		return dst
	}
	return smallSpans(toks, pos, dst)
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

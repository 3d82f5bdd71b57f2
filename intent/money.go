package intent

// Money is read in minor units (fen) from words and digits, never through a
// float:
//
//	five, 5, 5 yuan, five kuai, 5 rmb      500
//	five bucks                             500 (the everyday word for the currency's unit)
//	12.50, 12.5 yuan, .5                   1250, 1250, 50
//	twelve yuan fifty, 12 yuan and 50 fen  1250
//	five kuai five, five yuan five jiao    550 (one bare digit after the unit is jiao, as in 五块五)
//	fifty fen, fifty cents, five jiao      50
//
// Numbers in words run to 999,999; digits to nine places before the decimal
// point and at most two after it. A zero amount is no amount.

func isMajorUnit(w string) bool {
	return w == "yuan" || w == "kuai" || w == "rmb" || w == "renminbi" || w == "bucks" || w == "buck"
}
func isMinorUnit(w string) bool { return w == "fen" || w == "cent" || w == "cents" }
func isTenthUnit(w string) bool { return w == "jiao" || w == "mao" }

// amountNumber is one reading of the number that starts an amount.
type amountNumber struct {
	end     int
	whole   int64 // the integer value, when not decimal
	minor   int64 // the value read as yuan, in fen
	decimal bool  // written with a decimal point
}

// decimalMoney reads "12", "12.5", "12.50" or ".5" as yuan, in fen.
func decimalMoney(w string) (amountNumber, bool) {
	dot := -1
	for i := 0; i < len(w); i++ {
		if w[i] == '.' {
			dot = i
			break
		}
	}
	if dot < 0 {
		v, ok := digits(w, 9)
		return amountNumber{whole: v, minor: v * 100}, ok
	}
	intPart, frac := w[:dot], w[dot+1:]
	var v int64
	if intPart != "" {
		var ok bool
		if v, ok = digits(intPart, 9); !ok {
			return amountNumber{}, false
		}
	}
	f, ok := digits(frac, 2)
	if !ok {
		return amountNumber{}, false
	}
	if len(frac) == 1 {
		f *= 10
	}
	return amountNumber{minor: v*100 + f, decimal: true}, true
}

// amountSpans appends, valued in fen, every reading of an amount of money
// at toks[pos].
func amountSpans(toks []token, pos int, dst []span) []span {
	var buf [24]span
	var nums [24]amountNumber
	n := 0
	if a, ok := decimalMoney(toks[pos].text); ok {
		a.end = pos + 1
		nums[n] = a
		n++
	} else {
		for _, s := range numberSpans(toks, pos, buf[:0]) {
			if n < len(nums) {
				nums[n] = amountNumber{end: int(s.end), whole: s.val, minor: s.val * 100}
				n++
			}
		}
	}
	add := func(end int, v int64) {
		if v > 0 {
			dst = append(dst, span{end: int32(end), val: v})
		}
	}
	for _, a := range nums[:n] {
		add(a.end, a.minor)
		if a.end >= len(toks) {
			continue
		}
		u := toks[a.end].text
		switch {
		case isMajorUnit(u):
			add(a.end+1, a.minor)
			if !a.decimal {
				dst = minorTail(toks, a.end+1, a.minor, dst)
			}
		case isMinorUnit(u) && !a.decimal:
			add(a.end+1, a.whole)
		case isTenthUnit(u) && !a.decimal && a.whole < 10:
			add(a.end+1, a.whole*10)
			dst = fenTail(toks, a.end+1, a.whole*10, dst)
		}
	}
	return dst
}

// tailNumber appends readings of one to ninety-nine at toks[pos], in words or
// in one or two digits; a single digit or word below ten is marked one.
func tailNumbers(toks []token, pos int, dst []tail) []tail {
	if pos >= len(toks) {
		return dst
	}
	w := toks[pos].text
	if v, ok := digits(w, 2); ok {
		if v > 0 {
			dst = append(dst, tail{end: pos + 1, val: v, one: len(w) == 1})
		}
		return dst
	}
	var buf [2]span
	for _, s := range smallSpans(toks, pos, buf[:0]) {
		dst = append(dst, tail{end: int(s.end), val: s.val, one: s.val < 10})
	}
	return dst
}

type tail struct {
	end int
	val int64
	one bool
}

// minorTail appends the amounts that go on after "… yuan": "fifty", "fifty
// fen", "five", "five jiao", "five jiao five", each after an optional "and".
func minorTail(toks []token, pos int, base int64, dst []span) []span {
	if pos < len(toks) && toks[pos].text == "and" {
		pos++
	}
	var buf [4]tail
	for _, t := range tailNumbers(toks, pos, buf[:0]) {
		next := ""
		if t.end < len(toks) {
			next = toks[t.end].text
		}
		switch {
		case isMinorUnit(next):
			dst = append(dst, span{end: int32(t.end + 1), val: base + t.val})
		case isTenthUnit(next) && t.val < 10:
			v := base + t.val*10
			dst = append(dst, span{end: int32(t.end + 1), val: v})
			dst = fenTail(toks, t.end+1, v, dst)
		case t.one:
			dst = append(dst, span{end: int32(t.end), val: base + t.val*10})
		default:
			dst = append(dst, span{end: int32(t.end), val: base + t.val})
		}
	}
	return dst
}

// fenTail appends the amounts that go on after "… jiao": "five" or "five
// fen", below ten.
func fenTail(toks []token, pos int, base int64, dst []span) []span {
	if pos < len(toks) && toks[pos].text == "and" {
		pos++
	}
	var buf [4]tail
	for _, t := range tailNumbers(toks, pos, buf[:0]) {
		if t.val >= 10 {
			continue
		}
		dst = append(dst, span{end: int32(t.end), val: base + t.val})
		if t.end < len(toks) && isMinorUnit(toks[t.end].text) {
			dst = append(dst, span{end: int32(t.end + 1), val: base + t.val})
		}
	}
	return dst
}

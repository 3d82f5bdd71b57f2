package intent

import "slices"

// Typed text, and dictated text above all, carries words said twice ("can
// you can you pay", "confirm confirm"), words a keyboard split ("un
// freeze my wallet"), "by" for "buy" ("by me a latte") and "plus" for
// "add" ("+ a cappuccino"). All are read as meant.

// unSplit are the words that a split "un" joins back into.
var unSplit = map[string]bool{"freeze": true, "lock": true, "subscribe": true, "block": true, "do": true}

// mended returns words with "un" joined to the word after it where they
// make one of unSplit's words, and with a word or two said twice in a row
// said once. Numbers, "please" and the words that say what to do are kept
// as they are: "two two" is no slip to mend, and "pay pay" or "please
// please pay" is not said plainly enough to act on.
func mended(words []string) []string {
	if len(words) == 1 && (words[0] == "k" || words[0] == "kk") {
		return []string{"ok"} // a reply of one letter; "k f c" keeps its k
	}
	var out []string
	for i := 0; i < len(words); i++ {
		if buyMeant(words, i) {
			out = append(out, "buy")
			continue
		}
		if i == 0 && (words[i] == "plus" || words[i] == "+") && len(words) > 1 {
			out = append(out, "add") // "plus one for dave", "+ a cappuccino"
			continue
		}
		if words[i] == "un" && i+1 < len(words) && unSplit[words[i+1]] {
			out = append(out, "un"+words[i+1])
			i++
			continue
		}
		out = append(out, words[i])
	}
	for n := 1; n <= 2; n++ {
		for i := 0; i+2*n <= len(out); i++ {
			if slices.Equal(out[i:i+n], out[i+n:i+2*n]) && !slices.ContainsFunc(out[i:i+n], kept) {
				out = slices.Delete(out, i+n, i+2*n)
				i--
			}
		}
	}
	return out
}

// kept reports whether w, said twice, stays said twice.
func kept(w string) bool {
	return isCount(w) || keyWords[w] || w == "please"
}

// buyMeant reports whether words[i] is "by" meaning "buy": first, before
// what is bought ("by me a latte", "by two lattes"), or after "i" or "to"
// ("what did i by", "i want to by a coke"). "by the way" stays.
func buyMeant(words []string, i int) bool {
	if words[i] != "by" || i+1 >= len(words) {
		return false
	}
	if i > 0 {
		return words[i-1] == "i" || words[i-1] == "to"
	}
	next := words[i+1]
	_, number := numberWords[next]
	return number || next == "me" || next == "us" || next == "a" || next == "an" || next == "some" || next == "to"
}

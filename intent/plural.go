package intent

import "strings"

// irregularPlurals are English nouns whose plural does not follow the rules.
var irregularPlurals = map[string]string{
	"child": "children", "foot": "feet", "goose": "geese", "half": "halves",
	"knife": "knives", "leaf": "leaves", "loaf": "loaves", "man": "men",
	"mouse": "mice", "person": "people", "tooth": "teeth", "woman": "women",
	"potato": "potatoes", "tomato": "tomatoes", "mango": "mangoes", "echo": "echoes",
}

// samePlurals are nouns whose plural is the same word.
var samePlurals = map[string]bool{
	"fish": true, "sheep": true, "deer": true, "shrimp": true, "tofu": true,
	"sushi": true, "series": true, "species": true,
}

// headNoun is the index of the word a phrase's number falls on: the word
// before "of" ("box of eggs"), else the last word ("zinger burger").
func headNoun(words []string) int {
	for i, w := range words {
		if w == "of" && i > 0 {
			return i - 1
		}
	}
	return len(words) - 1
}

// pluralPhrase is the plural of a noun phrase, or nil when it is already
// plural or has no distinct plural.
func pluralPhrase(words []string) []string {
	if len(words) == 0 {
		return nil
	}
	h := headNoun(words)
	p := pluralWord(words[h])
	if p == words[h] {
		return nil
	}
	out := append([]string(nil), words...)
	out[h] = p
	return out
}

// singularPhrase is the singular of a noun phrase whose head noun ends in a
// plain plural -s ("bananas", "eggs"), or nil. Forms that are unsafe to undo
// ("fries", "glasses", "boxes") are left alone.
func singularPhrase(words []string) []string {
	if len(words) == 0 {
		return nil
	}
	h := headNoun(words)
	w := words[h]
	if len(w) < 4 || !strings.HasSuffix(w, "s") {
		return nil
	}
	for _, suffix := range []string{"ss", "us", "is", "es"} {
		if strings.HasSuffix(w, suffix) {
			return nil
		}
	}
	out := append([]string(nil), words...)
	out[h] = w[:len(w)-1]
	return out
}

func isVowel(b byte) bool { return strings.IndexByte("aeiou", b) >= 0 }

// pluralWord is the plural of one lowercase noun.
func pluralWord(w string) string {
	if p, ok := irregularPlurals[w]; ok {
		return p
	}
	if samePlurals[w] || len(w) < 2 || !isLetters(w) {
		return w
	}
	switch {
	case strings.HasSuffix(w, "ss"), strings.HasSuffix(w, "sh"), strings.HasSuffix(w, "ch"),
		strings.HasSuffix(w, "x"), strings.HasSuffix(w, "z"):
		return w + "es"
	case strings.HasSuffix(w, "s"):
		return w // already plural: "fries", "eggs"
	case strings.HasSuffix(w, "y") && !isVowel(w[len(w)-2]):
		return w[:len(w)-1] + "ies"
	}
	return w + "s"
}

func isLetters(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return false
		}
	}
	return true
}

// Plural is the plural of a display name, on its head noun: "latte" →
// "lattes", "glass of milk" → "glasses of milk", "box of eggs" → "boxes of
// eggs". A name already plural ("fries") stays as it is; the case of the
// name is kept.
func Plural(name string) string {
	words := strings.Fields(name)
	if len(words) == 0 {
		return name
	}
	h := headNoun(words)
	head := words[h]
	lower := strings.ToLower(head)
	p := pluralWord(lower)
	if rest, ok := strings.CutPrefix(p, lower); ok {
		p = head + rest
	}
	words[h] = p
	return strings.Join(words, " ")
}

// IsPlural reports whether a display name is already plural on its head
// noun: "eggs", "fries", but not "glass" or "box of eggs".
func IsPlural(name string) bool {
	words := strings.Fields(strings.ToLower(name))
	if len(words) == 0 {
		return false
	}
	head := words[headNoun(words)]
	return strings.HasSuffix(head, "s") && pluralWord(head) == head
}

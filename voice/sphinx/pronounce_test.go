package sphinx_test

import (
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/voicepay/voicepay/voice/sphinx"
)

var (
	dictOnce sync.Once
	dict     *sphinx.Dictionary
	dictErr  error
)

// MustDictionary loads the model's dictionary once.
func MustDictionary(tb testing.TB) *sphinx.Dictionary {
	tb.Helper()
	dictOnce.Do(func() {
		dict, dictErr = sphinx.LoadDictionary(filepath.Join(sphinx.DefaultModelDir, "cmudict-en-us.dict"))
	})
	if dictErr != nil {
		tb.Fatalf("load dictionary (install pocketsphinx-en-us): %v", dictErr)
	}
	return dict
}

// Every word the default grammar can produce has a pronunciation in the
// model's phones, from the dictionary or made by Pronounce.
func TestPronounceGrammarWords(t *testing.T) {
	d := MustDictionary(t)
	generated := 0
	for _, w := range MustParser(t).Words() {
		prons := d.Pronounce(w)
		if len(prons) == 0 {
			t.Errorf("%q: no pronunciation", w)
			continue
		}
		if prons[0].Method != sphinx.FromDictionary {
			generated++
			t.Logf("%-12s %v", w, prons)
		}
		for _, p := range prons {
			for _, ph := range p.Phones {
				if !slices.Contains(sphinx.Phones, ph) {
					t.Errorf("%q: %s pronunciation %v has phone %q, not in the model", w, p.Method, p.Phones, ph)
				}
			}
		}
	}
	if generated == 0 {
		t.Error("no grammar word needed a generated pronunciation; the catalog names should")
	}
}

func TestPronounce(t *testing.T) {
	d := MustDictionary(t)
	tests := []struct {
		word string
		want []sphinx.Pronunciation
	}{
		{"latte", []sphinx.Pronunciation{{strings.Fields("L AA T EY"), sphinx.FromDictionary}}},
		{"kfc", []sphinx.Pronunciation{{strings.Fields("K EY EH F S IY"), sphinx.FromLetters}}},
		{"rmb", []sphinx.Pronunciation{{strings.Fields("AA R EH M B IY"), sphinx.FromLetters}}},
		{"alipay", []sphinx.Pronunciation{{strings.Fields("AA L IY P EY"), sphinx.FromCompound}, {strings.Fields("AE L IH P EY"), sphinx.FromRules}}},
		{"voicepay", []sphinx.Pronunciation{{strings.Fields("V OY S P EY"), sphinx.FromCompound}}},
		{"lattes", []sphinx.Pronunciation{{strings.Fields("L AA T EY Z"), sphinx.FromInflection}}},
		{"devs", []sphinx.Pronunciation{{strings.Fields("D EH V Z"), sphinx.FromInflection}}},
		{"cappuccinos", []sphinx.Pronunciation{{strings.Fields("K AE P UW CH IY N OW Z"), sphinx.FromInflection}}},
		{"luckin", []sphinx.Pronunciation{{strings.Fields("L AH K IH N"), sphinx.FromRules}}},
		{"freshippo", []sphinx.Pronunciation{{strings.Fields("F R EH SH IH P OW"), sphinx.FromRules}}},
		{"hema", []sphinx.Pronunciation{
			{strings.Fields("HH EH M AH"), sphinx.FromRules},
			{strings.Fields("HH AH M AA"), sphinx.FromPinyin},
		}},
		{"kuai", []sphinx.Pronunciation{
			{strings.Fields("K AH EY"), sphinx.FromRules},
			{strings.Fields("K W AY"), sphinx.FromPinyin},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.word, func(t *testing.T) {
			got := d.Pronounce(tt.word)
			if !slices.EqualFunc(got, tt.want, func(a, b sphinx.Pronunciation) bool {
				return a.Method == b.Method && slices.Equal(a.Phones, b.Phones)
			}) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// The letter-to-sound rules get plain English spellings right.
func TestLetterToSound(t *testing.T) {
	tests := map[string]string{
		"cat":    "K AE T",
		"make":   "M EY K",
		"ship":   "SH IH P",
		"night":  "N AY T",
		"fresh":  "F R EH SH",
		"phone":  "F OW N",
		"thing":  "TH IH NG",
		"cheese": "CH IY Z",
		"quick":  "K W IH K",
		"city":   "S IH T IY",
	}
	for word, want := range tests {
		if got := strings.Join(sphinx.LetterToSound(word), " "); got != want {
			t.Errorf("%s: got %q, want %q", word, got, want)
		}
	}
	if got := sphinx.LetterToSound("café"); got != nil {
		t.Errorf("café: got %v, want nil for a letter no rule knows", got)
	}
}

// TestVariants checks the generated further readings: a reduced last vowel
// for words of two syllables or more whose last vowel reduces, and pinyin
// for words of Mandarin.
func TestVariants(t *testing.T) {
	for _, c := range []struct {
		word     string
		reading  string
		mandarin bool
		want     []string
	}{
		{"yuan", "Y UW AA N", true, []string{"Y UW AH N", "Y UW EH N"}},
		{"payment", "P EY M AH N T", false, nil},
		{"wallet", "W AA L AH T", false, nil},
		{"luckin", "L AH K IH N", false, []string{"L AH K AH N"}},
		{"latte", "L AA T EY", false, nil},
		{"pay", "P EY", false, nil},
		{"kuai", "K W AY", true, nil},
	} {
		var got []string
		for _, p := range sphinx.Variants(c.word, [][]string{strings.Fields(c.reading)}, c.mandarin) {
			got = append(got, strings.Join(p, " "))
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("variants of %s (%s): %q, want %q", c.word, c.reading, got, c.want)
		}
	}
}

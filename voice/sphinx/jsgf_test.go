package sphinx_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/voicepay/voicepay/voice/sphinx"
)

const header = "#JSGF V1.0;\ngrammar t;\n"

func TestGraphFeatures(t *testing.T) {
	tests := []struct {
		name    string
		grammar string
		accept  []string
		reject  []string
	}{
		{
			name:    "alternatives and optional parts",
			grammar: "public <c> = [please] (pay | confirm [it]) [now];",
			accept:  []string{"pay", "please pay now", "confirm it", "please confirm it now"},
			reject:  []string{"", "please", "pay it", "now pay"},
		},
		{
			name:    "rules, NULL and VOID",
			grammar: "public <c> = <lead> help | never <VOID>; <lead> = ok | <NULL>;",
			accept:  []string{"help", "ok help"},
			reject:  []string{"never", "ok"},
		},
		{
			name:    "repeats",
			grammar: "public <c> = one two* three+;",
			accept:  []string{"one three", "one two two three three"},
			reject:  []string{"one two", "one"},
		},
		{
			name:    "comments, tags and quoted words",
			grammar: "// a comment\npublic <c> = /* inside */ \"ok\" {tag} go;",
			accept:  []string{"ok go"},
			reject:  []string{"go"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			accepts, err := sphinx.GraphAcceptor(header + tt.grammar)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tt.accept {
				if !accepts(strings.Fields(s)) {
					t.Errorf("rejects %q", s)
				}
			}
			for _, s := range tt.reject {
				if accepts(strings.Fields(s)) {
					t.Errorf("accepts %q", s)
				}
			}
		})
	}
}

func TestGraphErrors(t *testing.T) {
	tests := []struct {
		name, grammar, want string
	}{
		{"no header", "grammar t; public <c> = a;", `does not start with "#JSGF"`},
		{"no public rule", header + "<c> = a;", "no public rule"},
		{"two public rules", header + "public <a> = x; public <b> = y;", "2 public rules"},
		{"undefined rule", header + "public <c> = <d>;", "undefined rule <d>"},
		{"recursion", header + "public <c> = a <c>;", "refers to itself"},
		{"weights", header + "public <c> = /2/ a | /1/ b;", "weights are not supported"},
		{"import", header + "import <x.*>; public <c> = a;", "imports are not supported"},
		{"empty alternative", header + "public <c> = a | ;", "empty alternative"},
		{"unclosed", header + "public <c> = (a | b;", `want ")"`},
		{"nothing to say", header + "public <c> = <VOID>;", "matches no sentence"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sphinx.GraphAcceptor(tt.grammar)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}

// The word graph of the parser's grammar accepts every sentence the parser
// generates and is small.
func TestGraphOfParserGrammar(t *testing.T) {
	p := MustParser(t)
	text := p.JSGF()
	accepts, err := sphinx.GraphAcceptor(text)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed(t), 4))
	for _, s := range p.Sentences(rng, 5000) {
		words := strings.Fields(s.Text)
		if !accepts(words) {
			t.Fatalf("rejects %q", s.Text)
		}
		// A sentence missing its last word is rarely another sentence, and
		// never one the parser cannot read.
		if len(words) > 1 && accepts(words[:len(words)-1]) {
			if got := p.Parse(strings.Join(words[:len(words)-1], " ")); got.Intent == "none" {
				t.Fatalf("accepts %q, which the parser reads as none", strings.Join(words[:len(words)-1], " "))
			}
		}
	}
	states, transitions, words, err := sphinx.GraphStats(text)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the default grammar: %d states, %d transitions, %d words", states, transitions, len(words))
	if states > 2000 {
		t.Errorf("%d states; the minimal graph of the default grammar has about 500", states)
	}
	if want := p.Words(); strings.Join(words, " ") != strings.Join(want, " ") {
		t.Errorf("graph words differ from Parser.Words:\n got %v\nwant %v", words, want)
	}
}

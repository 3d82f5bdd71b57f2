package intent_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/voicepay/voicepay/intent"
)

func TestGraphFeatures(t *testing.T) {
	tests := []struct {
		name     string
		template string
		rules    map[string]string
		accept   []string
		reject   []string
	}{
		{
			name:     "alternatives and optional parts",
			template: "[please] (pay | confirm [it]) [now]",
			accept:   []string{"pay", "please pay now", "confirm it", "please confirm it now"},
			reject:   []string{"", "please", "pay it", "now pay"},
		},
		{
			name:     "rules and a rule that matches nothing",
			template: "<lead> help | never <void> | <lead> stop <void>",
			rules:    map[string]string{"lead": "[ok]"},
			accept:   []string{"help", "ok help"},
			reject:   []string{"never", "ok", "stop", "ok stop"},
		},
		{
			name:     "a rule used twice",
			template: "<d> <d> [<d>]",
			rules:    map[string]string{"d": "one | two"},
			accept:   []string{"one two", "two two one"},
			reject:   []string{"one", "one two one two"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := intent.GraphOf(tt.template, tt.rules)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tt.accept {
				if !g.Accepts(s) {
					t.Errorf("rejects %q", s)
				}
			}
			for _, s := range tt.reject {
				if g.Accepts(s) {
					t.Errorf("accepts %q", s)
				}
			}
		})
	}
}

// The graph is deterministic and minimal: the shared tails of alternatives
// are one path, and each state has one edge per word.
func TestGraphMinimal(t *testing.T) {
	g, err := intent.GraphOf("(buy | order | get) [a] latte | (buy | order) [a] latte please", nil)
	if err != nil {
		t.Fatal(err)
	}
	// start -buy,order-> s1 -a-> s2 -latte-> s3 (final) -please-> s4 (final)
	// start -get-> s5 -a-> s6 -latte-> s4, and s1, s2 skip a: 7 states.
	if states, _ := intent.GraphSize(g); states != 7 {
		t.Errorf("%d states, want 7", states)
	}
	for s := range g.States() {
		var words []string
		for i := range g.NumEdges(s) {
			w, to := g.Edge(s, i)
			if to < 0 || to >= g.States() {
				t.Fatalf("state %d: edge %q to %d", s, w, to)
			}
			words = append(words, w)
		}
		if len(slices.Compact(slices.Sorted(slices.Values(words)))) != len(words) {
			t.Errorf("state %d has two edges with one word: %v", s, words)
		}
	}
	if got, want := g.Words(), []string{"a", "buy", "get", "latte", "order", "please"}; !slices.Equal(got, want) {
		t.Errorf("Words() = %v, want %v", got, want)
	}
}

func TestGraphErrors(t *testing.T) {
	tests := []struct {
		name, template string
		rules          map[string]string
		want           string
	}{
		{"undefined rule", "a <d>", nil, "undefined rule <d>"},
		{"recursion", "a <c>", map[string]string{"c": "b [<c>]"}, "refers to itself"},
		{"slot", "buy {item}", nil, "cannot be said"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := intent.GraphOf(tt.template, tt.rules)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}

// A grammar with no sentence is one state that is not final.
func TestGraphNothingToSay(t *testing.T) {
	g, err := intent.GraphOf("never <void>", nil)
	if err != nil {
		t.Fatal(err)
	}
	if g.States() != 1 || g.Final(g.Start()) || g.NumEdges(g.Start()) != 0 || g.Accepts("never") || len(g.Words()) != 0 {
		t.Errorf("%d states, final %v, %d edges, words %v", g.States(), g.Final(g.Start()), g.NumEdges(g.Start()), g.Words())
	}
}

// walk says a random sentence of g: each edge out of a state, and stopping
// in a final one, with even odds.
func walk(rng *rand.Rand, g *intent.Graph) string {
	var words []string
	for s := g.Start(); ; {
		n := g.NumEdges(s)
		choices := n
		if g.Final(s) {
			choices++
		}
		i := rng.IntN(choices)
		if i == n {
			return strings.Join(words, " ")
		}
		w, to := g.Edge(s, i)
		words, s = append(words, w), to
	}
}

// TestGrammarParses walks random paths through each intent's graph and
// parses what they say: every sentence the recognizer can hear must come
// back as its intent, with a complete match.
func TestGrammarParses(t *testing.T) {
	p := MustDefaultParser(t)
	rng := rand.New(rand.NewPCG(seed(t), 2))
	words := p.Words()
	for _, in := range intent.Intents()[1:] {
		g := p.Grammar(in)
		for range 1000 {
			text := walk(rng, g)
			got := p.Parse(text)
			if got.Intent != in || got.Confidence != intent.FullMatch {
				t.Fatalf("%q: got %s (%.2f), want %s", text, got.Intent, got.Confidence, in)
			}
			for _, w := range strings.Fields(text) {
				if _, ok := slices.BinarySearch(words, w); !ok {
					t.Fatalf("%q: %q is not in Words()", text, w)
				}
			}
		}
	}
}

// The graph of every intent accepts every sentence the parser generates,
// and is small.
func TestGrammarAcceptsSentences(t *testing.T) {
	p := MustDefaultParser(t)
	g := p.Grammar()
	rng := rand.New(rand.NewPCG(seed(t), 4))
	for _, s := range p.Sentences(rng, 5000) {
		if !g.Accepts(s.Text) {
			t.Fatalf("rejects %q", s.Text)
		}
		// A sentence missing its last word is rarely another sentence, and
		// never one the parser cannot read.
		words := strings.Fields(s.Text)
		if short := strings.Join(words[:len(words)-1], " "); len(words) > 1 && g.Accepts(short) {
			if got := p.Parse(short); got.Intent == intent.None {
				t.Fatalf("accepts %q, which the parser reads as none", short)
			}
		}
	}
	states, edges := intent.GraphSize(g)
	t.Logf("the default grammar: %d states, %d edges, %d words", states, edges, len(g.Words()))
	if states > 2000 {
		t.Errorf("%d states; the minimal graph of the default grammar has about 500", states)
	}
}

func TestGrammarNarrow(t *testing.T) {
	p := MustDefaultParser(t)
	g := p.Grammar(intent.OrderConfirm, intent.OrderCancel)
	rng := rand.New(rand.NewPCG(seed(t), 3))
	for range 2000 {
		text := walk(rng, g)
		if got := p.Parse(text).Intent; got != intent.OrderConfirm && got != intent.OrderCancel {
			t.Fatalf("the narrowed grammar said %q, %s", text, got)
		}
	}
	for _, text := range []string{"buy a latte", "tip the developer five yuan", "what is my balance"} {
		if g.Accepts(text) {
			t.Errorf("the grammar of order.confirm and order.cancel accepts %q", text)
		}
	}
	for _, s := range p.Sentences(rng, 500, intent.TipSend) {
		if s.Intent != intent.TipSend {
			t.Fatalf("Sentences(tip.send) gave %s: %q", s.Intent, s.Text)
		}
	}
}

func TestGrammarUnknownIntent(t *testing.T) {
	p := MustDefaultParser(t)
	for _, name := range []string{intent.None, "order.creat"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Grammar(%q) did not panic", name)
				}
			}()
			p.Grammar(name)
		}()
	}
}

// The parser keeps its graphs: the same intents give the same *Graph, and
// the same grammar has the same key in another parser.
func TestGrammarKept(t *testing.T) {
	p := MustDefaultParser(t)
	narrow := p.Grammar(intent.OrderConfirm, intent.OrderCancel)
	if p.Grammar(intent.OrderConfirm, intent.OrderCancel) != narrow {
		t.Error("asking twice gave two graphs")
	}
	if p.Grammar(intent.OrderConfirm, intent.OrderCancel, intent.OrderConfirm) != narrow {
		t.Error("an intent named twice gave another graph")
	}
	if p.Grammar() != p.Grammar() {
		t.Error("the grammar of every intent, asked for twice, gave two graphs")
	}
	other := MustDefaultParserFresh(t).Grammar(intent.OrderConfirm, intent.OrderCancel)
	if other == narrow || other.Key() != narrow.Key() {
		t.Errorf("another parser's graph: key %s, want %s", other.Key(), narrow.Key())
	}
	keys := map[string]bool{}
	for _, g := range []*intent.Graph{p.Grammar(), narrow, p.Grammar(intent.Help), intent.CodeGrammar()} {
		if keys[g.Key()] {
			t.Errorf("two grammars have the key %s", g.Key())
		}
		keys[g.Key()] = true
	}
}

func TestGrammarConcurrent(t *testing.T) {
	p := MustDefaultParserFresh(t)
	sets := [][]string{{intent.Help}, {intent.OrderConfirm, intent.OrderCancel}, nil}
	var wg sync.WaitGroup
	got := make([]*intent.Graph, 8)
	for i := range got {
		wg.Go(func() { got[i] = p.Grammar(sets[i%len(sets)]...) })
	}
	wg.Wait()
	for i, g := range got {
		if want := p.Grammar(sets[i%len(sets)]...); g != want {
			t.Errorf("goroutine %d got another graph for %v", i, sets[i%len(sets)])
		}
	}
}

func TestCodeGrammar(t *testing.T) {
	g := intent.CodeGrammar()
	if intent.CodeGrammar() != g {
		t.Error("CodeGrammar gave two graphs")
	}
	for _, s := range []string{
		"one two three four", "my pin is one two three four", "zero oh nine eight seven six five four",
		"my pin is nine nine nine nine nine", "cancel", "cancel it", "never mind", "freeze my wallet",
	} {
		if !g.Accepts(s) {
			t.Errorf("rejects %q", s)
		}
	}
	for _, s := range []string{
		"", "one two three", "one two three four five six seven eight nine", "my pin is", "my pin is cancel",
		"ten eleven twelve thirteen", "twenty one two three", "o one two three", "cancel order", "freeze",
	} {
		if g.Accepts(s) {
			t.Errorf("accepts %q", s)
		}
	}
	want := []string{"cancel", "eight", "five", "four", "freeze", "is", "it", "mind", "my", "never",
		"nine", "oh", "one", "pin", "seven", "six", "three", "two", "wallet", "zero"}
	if got := g.Words(); !slices.Equal(got, want) {
		t.Errorf("Words() = %v, want %v", got, want)
	}
}

// TestGrammarNumbers checks the spoken forms of quantities and amounts that
// the grammar offers against what the parser makes of them.
func TestGrammarNumbers(t *testing.T) {
	p := MustDefaultParser(t)
	g := p.Grammar()
	tests := []struct {
		text string
		want intent.Slots
	}{
		{"tip the developer five yuan", intent.Slots{Amount: 500, Payee: "developer"}},
		{"tip the developer twelve yuan fifty", intent.Slots{Amount: 1250, Payee: "developer"}},
		{"tip the developer fifty fen", intent.Slots{Amount: 50, Payee: "developer"}},
		{"tip the developer five kuai five", intent.Slots{Amount: 550, Payee: "developer"}},
		{"tip the developer two hundred and fifty yuan", intent.Slots{Amount: 25000, Payee: "developer"}},
		{"tip the developer a hundred yuan", intent.Slots{Amount: 10000, Payee: "developer"}},
		{"tip the developer three jiao five", intent.Slots{Amount: 35, Payee: "developer"}},
		{"tip the developer ninety nine yuan and ninety nine fen", intent.Slots{Amount: 9999, Payee: "developer"}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if !g.Accepts(tt.text) {
				t.Fatalf("the grammar does not generate %q", tt.text)
			}
			got := p.Parse(tt.text)
			if got.Intent != intent.TipSend || got.Slots != tt.want {
				t.Errorf("got %s %+v, want tip.send %+v", got.Intent, got.Slots, tt.want)
			}
		})
	}
	quantity, err := intent.RuleGraph(p, "quantity")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"a", "an", "one", "twelve", "ninety nine"} {
		if !quantity.Accepts(q) {
			t.Errorf("<quantity> does not generate %q", q)
		}
	}
	for _, q := range []string{"zero", "oh", "hundred", "one hundred", "2"} {
		if quantity.Accepts(q) {
			t.Errorf("<quantity> generates %q", q)
		}
	}
}

func ExampleParser_Grammar() {
	p, err := intent.Compile(intent.DefaultTemplates(), intent.Vocabulary{})
	if err != nil {
		fmt.Println(err)
		return
	}
	g := p.Grammar(intent.OrderConfirm, intent.OrderCancel)
	for _, text := range []string{"confirm the order", "ok cancel it", "buy a latte"} {
		fmt.Printf("%q: %v\n", text, g.Accepts(text))
	}
	fmt.Println(p.Grammar(intent.OrderConfirm, intent.OrderCancel) == g)
	// Output:
	// "confirm the order": true
	// "ok cancel it": true
	// "buy a latte": false
	// true
}

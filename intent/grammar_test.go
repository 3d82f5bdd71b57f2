package intent_test

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/voicepay/voicepay/intent"
)

var seedFlag = flag.Uint64("seed", 0, "seed for the randomized grammar tests; 0 picks one from the clock")

// seed returns the seed of a randomized test and logs how to replay it.
func seed(t *testing.T) uint64 {
	t.Helper()
	s := *seedFlag
	if s == 0 {
		s = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (replay: go test ./intent/ -run '^%s$' -seed %d)", s, t.Name(), s)
	return s
}

// typedOnly are the intents read from text only: they have no sentences in
// the speech grammar.
var typedOnly = map[string]bool{intent.AnswerNo: true, intent.OrderAdd: true,
	intent.OrderRemove: true, intent.OrderReplace: true}

// TestSentencesParse checks that what the grammar generates parses back to
// the intent it was generated for, with a complete match.
func TestSentencesParse(t *testing.T) {
	p := MustDefaultParser(t)
	rng := rand.New(rand.NewPCG(seed(t), 1))
	const n = 20000
	sentences := p.Sentences(rng, n)
	if len(sentences) != n {
		t.Fatalf("got %d sentences, want %d", len(sentences), n)
	}
	seen := map[string]int{}
	for _, s := range sentences {
		seen[s.Intent]++
		got := p.Parse(s.Text)
		if got.Intent != s.Intent || got.Confidence != intent.FullMatch {
			t.Errorf("%q: got %s (%.2f), want %s (%.2f)", s.Text, got.Intent, got.Confidence, s.Intent, intent.FullMatch)
		}
	}
	for _, in := range intent.Intents()[1:] {
		if seen[in] == 0 && !typedOnly[in] {
			t.Errorf("no sentence of %s in %d", in, n)
		}
	}
}

func TestWords(t *testing.T) {
	p := MustDefaultParser(t)
	words := p.Words()
	if !slices.IsSorted(words) {
		t.Error("Words() is not sorted")
	}
	for _, w := range []string{"luckin", "kfc", "k", "freshippo", "zingers", "yuan", "ninety", "confirm"} {
		if _, ok := slices.BinarySearch(words, w); !ok {
			t.Errorf("Words() lacks %q", w)
		}
	}
	for _, w := range []string{"um", "12", "dont", "thanks"} {
		if _, ok := slices.BinarySearch(words, w); ok {
			t.Errorf("Words() has %q", w)
		}
	}
}

// A vocabulary name with digits cannot be said, so it is left out of the
// grammar; an item with no other name leaves the list unspeakable.
func TestGrammarUnspeakable(t *testing.T) {
	v := intent.Vocabulary{Merchants: []intent.Merchant{{
		ID: "seven_eleven", Say: []string{"7-Eleven", "seven eleven"},
		Items: []intent.Entity{{ID: "onigiri", Say: []string{"onigiri"}}},
	}}}
	p, err := intent.Compile(intent.DefaultTemplates(), v)
	if err != nil {
		t.Fatal(err)
	}
	g := p.Grammar(intent.OrderCreate)
	for _, w := range g.Words() {
		if strings.ContainsAny(w, "0123456789") {
			t.Errorf("the grammar has the word %q", w)
		}
	}
	if !g.Accepts("buy onigiri from seven eleven") {
		t.Errorf("the grammar lacks %q", "seven eleven")
	}
}

// TestTypedOnly checks that an intent's typed sentences are read from text
// but left out of the speech grammar, while its plain forms are in both.
func TestTypedOnly(t *testing.T) {
	p := MustDefaultParser(t)
	g := p.Grammar()
	for _, c := range []struct {
		text   string
		intent string
		heard  bool
	}{
		{"pay", intent.PaymentAuthorize, true},
		{"go ahead and pay", intent.PaymentAuthorize, true},
		{"approve the payment", intent.PaymentAuthorize, true},
		{"pay for that", intent.PaymentAuthorize, false},
		{"please approve it", intent.PaymentAuthorize, false},
		{"confirm the order", intent.OrderConfirm, true},
		{"confirm everything", intent.OrderConfirm, false},
		{"tip the developer five yuan", intent.TipSend, true},
		{"send the developer a tip of five yuan", intent.TipSend, false},
		{"approve the subscription", intent.SubscriptionApprove, true},
		{"start the subscription", intent.SubscriptionApprove, false},
	} {
		if got := p.Parse(c.text).Intent; got != c.intent {
			t.Errorf("%q parses as %s, want %s", c.text, got, c.intent)
		}
		if got := g.Accepts(c.text); got != c.heard {
			t.Errorf("%q in the speech grammar: %v, want %v", c.text, got, c.heard)
		}
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
		if typedOnly[in] {
			continue
		}
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
		{"tip the developer two hundred and fifty yuan", intent.Slots{Amount: 25000, Payee: "developer"}},
		{"tip the developer a hundred yuan", intent.Slots{Amount: 10000, Payee: "developer"}},
		{"tip the developer ninety nine yuan and ninety fen", intent.Slots{Amount: 9990, Payee: "developer"}},
		// Read from text, not listened for: fen and jiao alone, odd fen.
		{"tip the developer fifty fen", intent.Slots{Amount: 50, Payee: "developer"}},
		{"tip the developer five kuai five", intent.Slots{Amount: 550, Payee: "developer"}},
		{"tip the developer three jiao five", intent.Slots{Amount: 35, Payee: "developer"}},
		{"tip the developer two mao three", intent.Slots{Amount: 23, Payee: "developer"}},
	}
	heard := func(text string) bool {
		return !slices.Contains([]string{"tip the developer fifty fen", "tip the developer five kuai five",
			"tip the developer three jiao five", "tip the developer two mao three"}, text)
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if g.Accepts(tt.text) != heard(tt.text) {
				t.Fatalf("the grammar generates %q: %v, want %v", tt.text, g.Accepts(tt.text), heard(tt.text))
			}
			got := p.Parse(tt.text)
			if got.Intent != intent.TipSend || !reflect.DeepEqual(got.Slots, tt.want) {
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

// TestTypedNames: an item's names read from text only parse, and the speech
// grammar leaves them out.
func TestTypedNames(t *testing.T) {
	p := MustDefaultParser(t)
	for text, item := range map[string]string{"buy a soda": "cola", "two chicken burgers": "zinger_burger", "chips from kfc": "fries"} {
		if got := p.Parse(text); got.Slots.Item != item {
			t.Errorf("Parse(%q) = %s %+v, want item %s", text, got.Intent, got.Slots, item)
		}
		if p.Grammar().Accepts(text) {
			t.Errorf("the speech grammar accepts %q", text)
		}
	}
	if !p.Grammar().Accepts("buy a coke") {
		t.Errorf("the speech grammar lacks a spoken name")
	}
}

// TestGrammarSells checks that the speech grammar pairs an item with a
// merchant only when the merchant sells it, while the parser still reads
// any pair, and that leaving the merchant out still hears every item.
func TestGrammarSells(t *testing.T) {
	p := MustDefaultParser(t)
	g := p.Grammar()
	for _, c := range []struct {
		text string
		want bool
	}{
		{"buy two lattes from luckin coffee", true},
		{"buy two boxes of eggs from hema", true},
		{"buy a zinger burger from kfc", true},
		{"buy two boxes of eggs", true},
		{"buy a zinger burger", true},
		{"from kfc get me a cola", true},
		{"buy two boxes of eggs from luckin coffee", false},
		{"buy two lattes from kfc", false},
		{"from hema get me a cola", false},
		{"buy a zinger burger from hema", false},
	} {
		if got := g.Accepts(c.text); got != c.want {
			t.Errorf("grammar accepts %q: %v, want %v", c.text, got, c.want)
		}
		if got := p.Parse(c.text); got.Intent != intent.OrderCreate {
			t.Errorf("parser reads %q as %s, want order.create", c.text, got.Intent)
		}
	}
}

// TestGrammarContractions checks that the speech grammar hears contracted
// forms wherever the templates have their expansions, and that the parser
// reads them back.
func TestGrammarContractions(t *testing.T) {
	p := MustDefaultParser(t)
	g := p.Grammar()
	for _, c := range []struct{ text, intent string }{
		{"i'd like a cappuccino", intent.OrderCreate},
		{"i'll have two cappuccinos", intent.OrderCreate},
		{"what's my balance", intent.BalanceQuery},
		{"i don't want it anymore", intent.OrderCancel},
	} {
		if !g.Accepts(c.text) {
			t.Errorf("grammar rejects %q", c.text)
		}
		if got := p.Parse(c.text).Intent; got != c.intent {
			t.Errorf("parser reads %q as %s, want %s", c.text, got, c.intent)
		}
	}
	for _, w := range g.Words() {
		if strings.Contains(w, "'") && !slices.Contains([]string{"i'd", "i'll", "i'm", "what's", "don't", "can't", "won't", "let's", "that's", "there's", "how's", "you're", "didn't", "doesn't", "isn't"}, w) {
			t.Errorf("grammar has the word %q", w)
		}
	}
}

package intent_test

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
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
		if seen[in] == 0 {
			t.Errorf("no sentence of %s in %d", in, n)
		}
	}
}

// TestJSGFParses walks random paths through the JSGF text itself, read by a
// small reader independent of the parser, and parses what they say.
func TestJSGFParses(t *testing.T) {
	p := MustDefaultParser(t)
	g := mustReadJSGF(t, p.JSGF())
	rng := rand.New(rand.NewPCG(seed(t), 2))
	words := p.Words()
	for range 20000 {
		path := g.sample(rng, "command")
		text := strings.Join(path.words, " ")
		want := strings.ReplaceAll(strings.TrimPrefix(path.top, "intent_"), "_", ".")
		got := p.Parse(text)
		if got.Intent != want || got.Confidence != intent.FullMatch {
			t.Fatalf("%q: got %s (%.2f), want %s", text, got.Intent, got.Confidence, want)
		}
		for _, w := range path.words {
			if _, ok := slices.BinarySearch(words, w); !ok {
				t.Fatalf("%q: %q is not in Words()", text, w)
			}
		}
	}
}

func TestJSGFNarrow(t *testing.T) {
	p := MustDefaultParser(t)
	text := p.JSGF(intent.OrderConfirm, intent.OrderCancel)
	g := mustReadJSGF(t, text)
	for _, name := range []string{"intent_order_create", "intent_tip_send", "amount", "list_item"} {
		if _, ok := g.rules[name]; ok {
			t.Errorf("the grammar of order.confirm and order.cancel has <%s>", name)
		}
	}
	rng := rand.New(rand.NewPCG(seed(t), 3))
	for range 2000 {
		got := p.Parse(strings.Join(g.sample(rng, "command").words, " ")).Intent
		if got != intent.OrderConfirm && got != intent.OrderCancel {
			t.Fatalf("narrowed grammar said %s", got)
		}
	}
	for _, s := range p.Sentences(rng, 500, intent.TipSend) {
		if s.Intent != intent.TipSend {
			t.Fatalf("Sentences(tip.send) gave %s: %q", s.Intent, s.Text)
		}
	}
}

func TestJSGFUnknownIntent(t *testing.T) {
	p := MustDefaultParser(t)
	for _, name := range []string{intent.None, "order.creat"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("JSGF(%q) did not panic", name)
				}
			}()
			p.JSGF(name)
		}()
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
	text := p.JSGF(intent.OrderCreate)
	if strings.Contains(text, "7") {
		t.Errorf("grammar has a digit:\n%s", text)
	}
	if !strings.Contains(text, "seven eleven") {
		t.Errorf("grammar lacks %q", "seven eleven")
	}
}

func ExampleParser_JSGF() {
	p, err := intent.Compile(intent.DefaultTemplates(), intent.Vocabulary{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(p.JSGF(intent.OrderConfirm))
	// Output:
	// #JSGF V1.0;
	//
	// grammar voicepay;
	//
	// public <command> = <intent_order_confirm>;
	//
	// <intent_order_confirm> = <rule_lead> [<rule_yes>] [please] [i] confirm [(the | my | this) order | it] <rule_please> | <rule_lead> [<rule_yes>] go ahead and confirm [(the | my | this) order | it];
	// <rule_lead> = [hey voicepay | voicepay | ok | okay];
	// <rule_please> = [please];
	// <rule_yes> = yes | yeah | yep | sure | ok | okay | alright | all right;
}

// jsgf is a JSGF grammar read back from text: only what Parser.JSGF writes
// (words, sequences, (…|…), […] and <rule> references).
type jsgf struct{ rules map[string]jnode }

type jnode struct {
	kind  byte // 'w' word, 'r' rule, 's' sequence, 'a' alternatives, 'o' optional
	text  string
	parts []jnode
}

func mustReadJSGF(t *testing.T, text string) *jsgf {
	t.Helper()
	g, err := readJSGF(text)
	if err != nil {
		t.Fatalf("read JSGF: %v\n%s", err, text)
	}
	return g
}

func readJSGF(text string) (*jsgf, error) {
	g := &jsgf{rules: map[string]jnode{}}
	lines := strings.Split(text, "\n")
	if lines[0] != "#JSGF V1.0;" {
		return nil, fmt.Errorf("header %q", lines[0])
	}
	for _, line := range lines[1:] {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "grammar ") {
			continue
		}
		line = strings.TrimPrefix(line, "public ")
		name, body, ok := strings.Cut(line, " = ")
		if !ok || !strings.HasSuffix(body, ";") || !strings.HasPrefix(name, "<") || !strings.HasSuffix(name, ">") {
			return nil, fmt.Errorf("line %q", line)
		}
		r := &jreader{toks: jsgfTokens(strings.TrimSuffix(body, ";"))}
		n, err := r.alts()
		if err != nil {
			return nil, fmt.Errorf("rule %s: %w", name, err)
		}
		if r.pos != len(r.toks) {
			return nil, fmt.Errorf("rule %s: %q left over", name, r.toks[r.pos:])
		}
		g.rules[name[1:len(name)-1]] = n
	}
	for name, n := range g.rules {
		if err := g.check(n); err != nil {
			return nil, fmt.Errorf("rule <%s>: %w", name, err)
		}
	}
	return g, nil
}

func (g *jsgf) check(n jnode) error {
	if n.kind == 'r' {
		if _, ok := g.rules[n.text]; !ok {
			return fmt.Errorf("undefined <%s>", n.text)
		}
	}
	for _, p := range n.parts {
		if err := g.check(p); err != nil {
			return err
		}
	}
	return nil
}

func jsgfTokens(s string) []string {
	var toks []string
	for _, f := range strings.Fields(s) {
		for f != "" {
			switch {
			case strings.ContainsRune("()[]|", rune(f[0])):
				toks = append(toks, f[:1])
				f = f[1:]
			case f[0] == '<':
				end := strings.IndexByte(f, '>') + 1
				toks = append(toks, f[:end])
				f = f[end:]
			default:
				end := strings.IndexAny(f, "()[]|<")
				if end < 0 {
					end = len(f)
				}
				toks = append(toks, f[:end])
				f = f[end:]
			}
		}
	}
	return toks
}

type jreader struct {
	toks []string
	pos  int
}

func (r *jreader) alts() (jnode, error) {
	n := jnode{kind: 'a'}
	for {
		s, err := r.seq()
		if err != nil {
			return n, err
		}
		n.parts = append(n.parts, s)
		if r.pos < len(r.toks) && r.toks[r.pos] == "|" {
			r.pos++
			continue
		}
		return n, nil
	}
}

func (r *jreader) seq() (jnode, error) {
	n := jnode{kind: 's'}
	for r.pos < len(r.toks) {
		tok := r.toks[r.pos]
		switch tok {
		case "|", ")", "]":
			if len(n.parts) == 0 {
				return n, fmt.Errorf("empty sequence before %q", tok)
			}
			return n, nil
		case "(", "[":
			r.pos++
			inner, err := r.alts()
			if err != nil {
				return n, err
			}
			close := map[string]string{"(": ")", "[": "]"}[tok]
			if r.pos >= len(r.toks) || r.toks[r.pos] != close {
				return n, fmt.Errorf("%q is not closed", tok)
			}
			r.pos++
			if tok == "[" {
				inner = jnode{kind: 'o', parts: []jnode{inner}}
			}
			n.parts = append(n.parts, inner)
		default:
			r.pos++
			if strings.HasPrefix(tok, "<") {
				n.parts = append(n.parts, jnode{kind: 'r', text: tok[1 : len(tok)-1]})
			} else {
				n.parts = append(n.parts, jnode{kind: 'w', text: tok})
			}
		}
	}
	if len(n.parts) == 0 {
		return n, fmt.Errorf("empty sequence at the end")
	}
	return n, nil
}

type jpath struct {
	top   string // the first rule the path entered below the start rule
	words []string
}

func (g *jsgf) sample(rng *rand.Rand, start string) jpath {
	var p jpath
	var walk func(n jnode, depth int)
	walk = func(n jnode, depth int) {
		switch n.kind {
		case 'w':
			p.words = append(p.words, n.text)
		case 'r':
			if depth == 1 && p.top == "" {
				p.top = n.text
			}
			walk(g.rules[n.text], depth+1)
		case 's':
			for _, part := range n.parts {
				walk(part, depth)
			}
		case 'a':
			walk(n.parts[rng.IntN(len(n.parts))], depth)
		case 'o':
			if rng.IntN(2) == 0 {
				walk(n.parts[0], depth)
			}
		}
	}
	walk(g.rules[start], 1)
	return p
}

// accepts reports whether rule start generates exactly words.
func (g *jsgf) accepts(start string, words []string) bool {
	// ends returns every position a match of n starting at pos can end at.
	var ends func(n jnode, pos int) []int
	ends = func(n jnode, pos int) []int {
		switch n.kind {
		case 'w':
			if pos < len(words) && words[pos] == n.text {
				return []int{pos + 1}
			}
			return nil
		case 'r':
			return ends(g.rules[n.text], pos)
		case 's':
			cur := []int{pos}
			for _, part := range n.parts {
				var next []int
				for _, c := range cur {
					next = append(next, ends(part, c)...)
				}
				slices.Sort(next)
				cur = slices.Compact(next)
			}
			return cur
		case 'a':
			var out []int
			for _, alt := range n.parts {
				out = append(out, ends(alt, pos)...)
			}
			return out
		case 'o':
			return append([]int{pos}, ends(n.parts[0], pos)...)
		}
		return nil
	}
	return slices.Contains(ends(g.rules[start], 0), len(words))
}

// TestTypedOnly checks that an intent's typed sentences are read from text
// but left out of the speech grammar, while its plain forms are in both.
func TestTypedOnly(t *testing.T) {
	p := MustDefaultParser(t)
	g := mustReadJSGF(t, p.JSGF())
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
		if got := g.accepts("command", strings.Fields(c.text)); got != c.heard {
			t.Errorf("%q in the speech grammar: %v, want %v", c.text, got, c.heard)
		}
	}
}

package intent_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/voicepay/voicepay/intent"
)

func TestCompileErrors(t *testing.T) {
	one := intent.Vocabulary{Merchants: []intent.Merchant{{ID: "kfc", Say: []string{"KFC"}, Items: []intent.Entity{{ID: "fries", Say: []string{"fries"}}}}}}
	tests := []struct {
		name      string
		templates string
		vocab     intent.Vocabulary
		want      []string // every one must appear in the error
	}{
		{
			name:      "unbalanced paren",
			templates: "intents:\n  order.confirm:\n    sentences:\n      - \"confirm (the order\"\n",
			want:      []string{"line 4", `intent "order.confirm"`, `template "confirm (the order"`, `'(' is never closed`},
		},
		{
			name:      "stray bracket",
			templates: "intents:\n  order.confirm:\n    sentences: [\"confirm the order]\"]\n",
			want:      []string{`intent "order.confirm"`, `template "confirm the order]"`, `']' closes nothing`},
		},
		{
			name:      "mismatched brackets",
			templates: "intents:\n  order.cancel:\n    sentences: [\"cancel (it]\"]\n",
			want:      []string{`intent "order.cancel"`, `']' does not close '('`},
		},
		{
			name:      "unknown slot",
			templates: "intents:\n  tip.send:\n    sentences: [\"tip {payer} {amount}\"]\n",
			want:      []string{`intent "tip.send"`, `template "tip {payer} {amount}"`, "unknown slot {payer}"},
		},
		{
			name:      "slot of another intent",
			templates: "intents:\n  order.confirm:\n    sentences: [\"confirm {amount}\"]\n",
			want:      []string{`intent "order.confirm"`, "slot {amount} does not belong to intent order.confirm"},
		},
		{
			name:      "unknown intent name",
			templates: "intents:\n  order.creat:\n    sentences: [\"buy {item}\"]\n",
			want:      []string{"line 2", `intent "order.creat"`, "unknown intent name"},
		},
		{
			name:      "none is not a template intent",
			templates: "intents:\n  none:\n    sentences: [\"blah\"]\n",
			want:      []string{`intent "none"`, "unknown intent name"},
		},
		{
			name:      "unknown rule",
			templates: "intents:\n  help:\n    sentences: [\"<hello> help\"]\n",
			want:      []string{`intent "help"`, `template "<hello> help"`, "unknown rule <hello>"},
		},
		{
			name:      "rule that refers to itself",
			templates: "rules:\n  a: \"x [<a>]\"\nintents:\n  help:\n    sentences: [\"<a>\"]\n",
			want:      []string{`intent "help"`, "rule <a> refers to itself"},
		},
		{
			name:      "broken rule",
			templates: "rules:\n  polite: \"(please|kindly\"\nintents:\n  help:\n    sentences: [help]\n",
			want:      []string{"line 2", "rule <polite>", "never closed"},
		},
		{
			name:      "empty template",
			templates: "intents:\n  help:\n    sentences: [\"[please]\"]\n",
			want:      []string{`intent "help"`, "matches an empty utterance"},
		},
		{
			name:      "empty alternative",
			templates: "intents:\n  help:\n    sentences: [\"help (me|)\"]\n",
			want:      []string{`intent "help"`, "empty alternative"},
		},
		{
			name:      "unclosed slot",
			templates: "intents:\n  tip.send:\n    sentences: [\"tip {amount\"]\n",
			want:      []string{`intent "tip.send"`, "'{' is never closed"},
		},
		{
			name:      "unknown key",
			templates: "intent:\n  help:\n    sentences: [help]\n",
			want:      []string{"line 1", `unknown key "intent"`},
		},
		{
			name:      "unknown intent key",
			templates: "intents:\n  help:\n    sentence: [help]\n",
			want:      []string{"line 3", `intent "help"`, `unknown key "sentence"`},
		},
		{
			name:      "no sentences",
			templates: "intents:\n  help: {}\n",
			want:      []string{`intent "help": no sentences`},
		},
		{
			name:      "catalog list in the file",
			templates: "lists:\n  merchant: [kfc]\nintents:\n  help:\n    sentences: [help]\n",
			want:      []string{"line 2", "list {merchant}"},
		},
		{
			name:      "payee without id",
			templates: "lists:\n  payee: [bob]\nintents:\n  help:\n    sentences: [help]\n",
			want:      []string{"list {payee}", "needs an id"},
		},
		{
			name:      "mandate without id",
			templates: "lists:\n  mandate: [tip]\nintents:\n  help:\n    sentences: [help]\n",
			want:      []string{"line 2", "list {mandate}", "needs an id"},
		},
		{
			name:      "mandate slot without the list",
			templates: "intents:\n  subscription.approve:\n    sentences: [\"approve the {mandate}\"]\n",
			want:      []string{`intent "subscription.approve"`, "unknown slot {mandate}"},
		},
		{
			name:      "bad default",
			templates: "intents:\n  order.create:\n    defaults: {quantity: lots}\n    sentences: [\"buy {item}\"]\n",
			want:      []string{"line 3", `intent "order.create"`, "default {quantity}", `"lots"`},
		},
		{
			name:      "default for a slot the intent lacks",
			templates: "intents:\n  help:\n    defaults: {amount: 5}\n    sentences: [help]\n",
			want:      []string{`intent "help"`, "default {amount}"},
		},
		{
			name:      "not yaml",
			templates: "intents: [\n",
			want:      []string{"yaml"},
		},
		{
			name:      "two merchants with one name",
			templates: "intents:\n  help:\n    sentences: [help]\n",
			vocab: intent.Vocabulary{Merchants: []intent.Merchant{
				{ID: "a", Say: []string{"Shop"}}, {ID: "b", Say: []string{"shop"}},
			}},
			want: []string{"vocabulary", `"a" and "b" are both called "shop"`},
		},
		{
			name:      "merchant without a name",
			templates: "intents:\n  help:\n    sentences: [help]\n",
			vocab:     intent.Vocabulary{Merchants: []intent.Merchant{{ID: "a", Say: []string{"!"}}}},
			want:      []string{"vocabulary", `merchant "a" has no spoken name`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := tc.vocab
			if v.Merchants == nil {
				v = one
			}
			p, err := intent.Compile([]byte(tc.templates), v)
			if err == nil {
				t.Fatalf("Compile: got parser %v, want an error", p != nil)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// TestCompileSmallFile compiles a file that uses every feature of the
// format: skip phrases, rules, a list of its own, payees and defaults.
func TestCompileSmallFile(t *testing.T) {
	const templates = `
skip: [so, "you (know|see)"]
rules:
  polite: "[please|kindly]"
lists:
  filler: [just, "only [just]"]
  payee:
    - {id: barista, say: ["[the] barista"]}
intents:
  order.create:
    defaults: {quantity: 1}
    sentences:
      - "<polite> [{filler}] (buy|get) [{quantity}] {item} [from {merchant}]"
  tip.send:
    defaults: {payee: barista}
    sentences:
      - "tip [{payee}] {amount}"
`
	v := intent.Vocabulary{
		Merchants: []intent.Merchant{{ID: "kfc", Say: []string{"KFC"}, Items: []intent.Entity{{ID: "fries", Say: []string{"fries"}}}}},
		Payees:    []intent.Entity{{ID: "bob", Say: []string{"Bob"}}},
	}
	p, err := intent.Compile([]byte(templates), v)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text string
		want intent.Result
	}{
		{"kindly only just get fries from k f c", intent.Result{Intent: intent.OrderCreate, Slots: intent.Slots{Merchant: "kfc", Item: "fries", Quantity: 1}, Confidence: intent.FullMatch}},
		{"you see so buy 3 fries", intent.Result{Intent: intent.OrderCreate, Slots: intent.Slots{Merchant: "kfc", Item: "fries", Quantity: 3}, Confidence: 0.77}},
		{"tip the barista 2 yuan", intent.Result{Intent: intent.TipSend, Slots: intent.Slots{Amount: 200, Payee: "barista"}, Confidence: intent.FullMatch}},
		{"tip 2 yuan", intent.Result{Intent: intent.TipSend, Slots: intent.Slots{Amount: 200, Payee: "barista"}, Confidence: intent.FullMatch}},
		{"tip bob 2 yuan", intent.Result{Intent: intent.TipSend, Slots: intent.Slots{Amount: 200, Payee: "bob"}, Confidence: intent.FullMatch}},
		{"what's my balance", intent.Result{Intent: intent.None}},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			got := p.Parse(tc.text)
			tc.want.Text = tc.text
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", tc.text, got, tc.want)
			}
		})
	}
}

// TestParseAmbiguousMoney: a sentence that fills a money-moving intent two
// ways does not move money.
func TestParseAmbiguousMoney(t *testing.T) {
	const templates = `
lists:
  tail: [five]
  payee:
    - {id: twenty, say: [twenty]}
intents:
  tip.send:
    sentences:
      - "tip [{payee}] {amount}"
      - "give {amount} [{tail}]"
  order.create:
    sentences:
      - "buy [{quantity}] {item} [{tail}]"
`
	v := intent.Vocabulary{Merchants: []intent.Merchant{{ID: "shop", Say: []string{"shop"}, Items: []intent.Entity{{ID: "five", Say: []string{"five"}}, {ID: "tea", Say: []string{"tea"}}}}}}
	p, err := intent.Compile([]byte(templates), v)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text string
		want intent.Result
	}{
		// payee "twenty" and 100, or 2100 to nobody
		{"tip twenty one yuan", intent.Result{Intent: intent.None}},
		// 550, or 500 and a "five"
		{"give five yuan five", intent.Result{Intent: intent.None}},
		// one reading only
		{"tip twenty yuan", intent.Result{Intent: intent.TipSend, Slots: intent.Slots{Amount: 2000}, Confidence: intent.FullMatch}},
		{"give five yuan", intent.Result{Intent: intent.TipSend, Slots: intent.Slots{Amount: 500}, Confidence: intent.FullMatch}},
		// an intent that moves no money still takes its first reading
		{"buy tea five", intent.Result{Intent: intent.OrderCreate, Slots: intent.Slots{Merchant: "shop", Item: "tea"}, Confidence: intent.FullMatch}},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			got := p.Parse(tc.text)
			tc.want.Text = tc.text
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", tc.text, got, tc.want)
			}
		})
	}
}

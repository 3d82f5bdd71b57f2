package agent_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/config"
	"github.com/voicepay/voicepay/intent"
)

// The phrase corpus (testdata/phrases, described in its README) is what
// people really say and type, each sentence with the dialog state it is said
// in and what it means there. TestCorpus measures how much of it the dialog
// understands; it is the measuring stick of the issue "follow what people
// really say", whose target is corpusTarget.

// phraseDir holds the corpus, one YAML file per topic.
const phraseDir = "../testdata/phrases"

// corpusFloor is the in-domain accuracy the dialog reaches today, rounded
// down to the whole percent. A change that understands less fails
// TestCorpus. The floor rises as the understanding grows, up to
// corpusTarget, and is never lowered to let a change through; when the
// corpus grows by sentences written afresh (chat.yaml and formal.yaml
// took it from 99% to 97%, assistant.yaml, regional.yaml and plain.yaml
// to 95%, conversations.yaml to 94%, hurried.yaml, indirect.yaml and
// onthego.yaml to 91%, everyone.yaml and secondlanguage.yaml to 90%,
// crowd.yaml, dictated.yaml and chatty.yaml to 88%), it is set anew by the
// same rule (month.yaml, terse.yaml, fourth.yaml and shared.yaml kept it
// at 88%).
const corpusFloor = 0.88

// corpusTarget is where the floor is headed: at least 98% of in-domain
// sentences give the right intent and slots in their state.
const corpusTarget = 0.98

// Intents the corpus expects that the parser does not have yet.
var futureIntents = []string{"order.query", "catalog.query", "wallet.unfreeze"}

// Phrase is one sentence of the corpus and what it must give. Slots left
// out are not compared; the rest are compared with the intent result's
// slots as they read in JSON, so that slots the parser does not have yet
// (items, class) are misses until it grows them, not errors.
type Phrase struct {
	Say      string `yaml:"say"`
	State    string `yaml:"state"`
	Intent   string `yaml:"intent"`
	Merchant string `yaml:"merchant,omitempty"`
	Item     string `yaml:"item,omitempty"`
	Quantity int    `yaml:"quantity,omitempty"`
	Amount   int64  `yaml:"amount,omitempty"`
	Payee    string `yaml:"payee,omitempty"`
	Mandate  string `yaml:"mandate,omitempty"`
	// Class is a general word for several items ("a coffee").
	Class string `yaml:"class,omitempty"`
	// Items are several things ordered at once, in the order said.
	Items []PhraseLine `yaml:"items,omitempty"`

	Topic string `yaml:"-"` // the file's name without .yaml
	Pos   string `yaml:"-"` // file:line, for messages
}

// PhraseLine is one thing of several ordered at once.
type PhraseLine struct {
	Item     string `yaml:"item" json:"item"`
	Quantity int    `yaml:"quantity,omitempty" json:"quantity,omitempty"`
}

// InDomain reports whether the sentence is something voicepay should act on.
func (p *Phrase) InDomain() bool { return p.Intent != intent.None }

// want is the expected intent and slots as JSON would carry them.
func (p *Phrase) want() map[string]any {
	slots := map[string]any{}
	set := func(k string, v any, zero bool) {
		if !zero {
			slots[k] = v
		}
	}
	set("merchant", p.Merchant, p.Merchant == "")
	set("item", p.Item, p.Item == "")
	set("quantity", p.Quantity, p.Quantity == 0)
	set("amount", p.Amount, p.Amount == 0)
	set("payee", p.Payee, p.Payee == "")
	set("mandate", p.Mandate, p.Mandate == "")
	set("class", p.Class, p.Class == "")
	set("items", p.Items, len(p.Items) == 0)
	return jsonMap(map[string]any{"intent": p.Intent, "slots": slots})
}

// String is the expectation as the miss list shows it.
func (p *Phrase) String() string {
	b, _ := json.Marshal(p.want())
	return string(b)
}

// jsonMap is v as JSON decodes it, with every key in lower case: the
// parser's slots compare the same whether or not a field has a json tag.
func jsonMap(v any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		panic(err)
	}
	return lowerKeys(m).(map[string]any)
}

func lowerKeys(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[strings.ToLower(k)] = lowerKeys(x)
		}
		return out
	case []any:
		for i, x := range v {
			v[i] = lowerKeys(x)
		}
	}
	return v
}

// covers reports whether got has everything want has: the keys of a map,
// and lists of the same length whose elements cover one another.
func covers(got, want any) bool {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, x := range w {
			if !covers(g[k], x) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !covers(g[i], w[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(got, want)
}

// Matches reports whether a result gives the phrase's intent and slots.
func (p *Phrase) Matches(res *intent.Result) bool {
	got := jsonMap(struct {
		Intent string       `json:"intent"`
		Slots  intent.Slots `json:"slots"`
	}{res.Intent, res.Slots})
	return covers(got, p.want())
}

// MustLoadCorpus reads every file of the corpus and checks its entries.
func MustLoadCorpus(tb testing.TB) []*Phrase {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(phraseDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no phrase files in %s: %v", phraseDir, err)
	}
	var all []*Phrase
	for _, f := range files {
		ps, err := readPhrases(f)
		if err != nil {
			tb.Fatal(err)
		}
		all = append(all, ps...)
	}
	if err := checkCorpus(all, config.DefaultCatalog()); err != nil {
		tb.Fatal(err)
	}
	return all
}

// readPhrases decodes one file: a list of phrases, with no field the
// Phrase type does not know.
func readPhrases(file string) ([]*Phrase, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var nodes yaml.Node
	if err := yaml.Unmarshal(b, &nodes); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var ps []*Phrase
	if err := dec.Decode(&ps); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(nodes.Content) != 1 || nodes.Content[0].Kind != yaml.SequenceNode || len(nodes.Content[0].Content) != len(ps) {
		return nil, fmt.Errorf("%s: want a list of phrases", file)
	}
	topic := strings.TrimSuffix(filepath.Base(file), ".yaml")
	for i, p := range ps {
		p.Topic = topic
		p.Pos = fmt.Sprintf("%s:%d", filepath.Base(file), nodes.Content[0].Content[i].Line)
	}
	return ps, nil
}

// checkCorpus checks that every phrase names a state, a known intent and
// catalog ids, and that no sentence is listed twice in one state.
func checkCorpus(ps []*Phrase, cat *config.Catalog) error {
	states := []string{agent.StateInactive, agent.StateIdle, agent.StateDrafted, agent.StateConfirmed}
	intents := append(intent.Intents(), futureIntents...)
	var merchants, items []string
	for _, m := range cat.Merchants {
		merchants = append(merchants, m.ID)
		for _, it := range m.Items {
			items = append(items, it.ID)
		}
	}
	seen := map[string]string{}
	var errs []error
	bad := func(p *Phrase, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s %q: %s", p.Pos, p.Say, fmt.Sprintf(format, args...)))
	}
	for _, p := range ps {
		if strings.TrimSpace(p.Say) == "" {
			bad(p, "nothing to say")
		}
		if !slices.Contains(states, p.State) {
			bad(p, "state %q, want one of %v", p.State, states)
		}
		if !slices.Contains(intents, p.Intent) {
			bad(p, "intent %q is not one voicepay has or will have", p.Intent)
		}
		if p.Merchant != "" && !slices.Contains(merchants, p.Merchant) {
			bad(p, "merchant %q is not in the catalog", p.Merchant)
		}
		lines := append([]PhraseLine{{Item: p.Item}}, p.Items...)
		for _, l := range lines {
			if l.Item != "" && !slices.Contains(items, l.Item) {
				bad(p, "item %q is not in the catalog", l.Item)
			}
		}
		if p.Quantity < 0 || p.Amount < 0 {
			bad(p, "a negative quantity or amount")
		}
		if !p.InDomain() && len(p.want()["slots"].(map[string]any)) > 0 {
			bad(p, "an out-of-domain sentence carries no slots")
		}
		key := p.State + "\x00" + strings.ToLower(p.Say)
		if first, ok := seen[key]; ok {
			bad(p, "said in %s already at %s", p.State, first)
		}
		seen[key] = p.Pos
	}
	return errors.Join(errs...)
}

// TestCorpus says every sentence of the corpus, typed, to a session that
// stands in the sentence's state, and reads the intent event of the turn.
// It fails when an out-of-domain sentence holds or moves money, or when
// in-domain accuracy falls below corpusFloor; every miss is logged.
func TestCorpus(t *testing.T) {
	start := time.Now()
	corpus := MustLoadCorpus(t)
	stages := map[string]*stage{}
	defer func() {
		for _, st := range stages {
			st.close()
		}
	}()
	byState, byTopic := newTally(), newTally()
	var misses, oodMisses []string
	var in, ood int
	for _, p := range corpus {
		st := stages[p.State]
		if st == nil {
			st = &stage{t: t, state: p.State}
			stages[p.State] = st
		}
		st.ready()
		before := st.ledger()
		turn := st.s.Say(context.Background(), agent.Input{Text: p.Say, Channel: "text"})
		CheckEvents(t, p.Say, turn)
		if len(turn.Events) == 0 || turn.Events[0].Intent == nil {
			continue
		}
		res := turn.Events[0].Intent
		got, _ := json.Marshal(struct {
			Intent string       `json:"intent"`
			Slots  intent.Slots `json:"slots"`
		}{res.Intent, res.Slots})
		ok := p.Matches(res)
		if !p.InDomain() {
			ood++
			if !ok {
				oodMisses = append(oodMisses, fmt.Sprintf("%s [%s] %q: got %s", p.Pos, p.State, p.Say, got))
			}
			if intent.MovesMoney(res.Intent) {
				t.Errorf("%s [%s] %q is out of domain but reads as %s, which moves money", p.Pos, p.State, p.Say, res.Intent)
			}
			if after := st.ledger(); after != before {
				t.Errorf("%s [%s] %q is out of domain but changed the money:\nbefore %+v\n after %+v",
					p.Pos, p.State, p.Say, before, after)
			}
			continue
		}
		in++
		byState.add(p.State, ok)
		byTopic.add(p.Topic, ok)
		if !ok {
			misses = append(misses, fmt.Sprintf("%s [%s] %q\n\twant %s\n\t got %s", p.Pos, p.State, p.Say, p, got))
		}
	}
	for _, m := range misses {
		t.Logf("miss: %s", m)
	}
	for _, m := range oodMisses {
		t.Logf("out of domain, not none (no money moved): %s", m)
	}
	var opened, restores int
	for _, st := range stages {
		opened += st.opened
		restores += st.restores
	}
	t.Logf("in-domain accuracy by state:\n%s", byState)
	t.Logf("in-domain accuracy by topic:\n%s", byTopic)
	all := byState.total()
	t.Logf("%d in-domain sentences, %d right (%.1f%%), %d missed; %d out-of-domain, %d read as none; "+
		"%d hubs opened, %d restores, %s",
		in, all.right, 100*all.rate(), in-all.right, ood, ood-len(oodMisses), opened, restores, time.Since(start).Round(time.Millisecond))
	if in < 400 || ood < 150 {
		t.Errorf("the corpus has %d in-domain and %d out-of-domain sentences, want at least 400 and 150", in, ood)
	}
	if all.rate() < corpusFloor {
		t.Errorf("in-domain accuracy %.1f%% is below the floor of %.0f%% (target %.0f%%)",
			100*all.rate(), 100*corpusFloor, 100*corpusTarget)
	}
}

// tally counts right and wrong answers by a key.
type tally map[string]*score

type score struct{ right, all int }

func (s score) rate() float64 {
	if s.all == 0 {
		return 0
	}
	return float64(s.right) / float64(s.all)
}

func newTally() tally { return tally{} }

func (t tally) add(key string, right bool) {
	s := t[key]
	if s == nil {
		s = &score{}
		t[key] = s
	}
	s.all++
	if right {
		s.right++
	}
}

func (t tally) total() score {
	var all score
	for _, s := range t {
		all.right += s.right
		all.all += s.all
	}
	return all
}

func (t tally) String() string {
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		s := t[k]
		fmt.Fprintf(&b, "\t%-14s %3d/%3d  %5.1f%%\n", k, s.right, s.all, 100*s.rate())
	}
	all := t.total()
	fmt.Fprintf(&b, "\t%-14s %3d/%3d  %5.1f%%", "all", all.right, all.all, 100*all.rate())
	return b.String()
}

// FuzzCorpusParse parses every sentence of the corpus, and whatever the
// fuzzer makes of them: Parse returns, with a known intent and the text it
// was given.
func FuzzCorpusParse(f *testing.F) {
	for _, p := range MustLoadCorpus(f) {
		f.Add(p.Say)
	}
	cat := config.DefaultCatalog()
	p, err := intent.Compile(intent.DefaultTemplates(), cat.Vocabulary())
	if err != nil {
		f.Fatal(err)
	}
	names := intent.Intents()
	f.Fuzz(func(t *testing.T, text string) {
		got := p.Parse(text)
		if got.Text != text || !slices.Contains(names, got.Intent) {
			t.Errorf("Parse(%q) = %+v", text, got)
		}
	})
}

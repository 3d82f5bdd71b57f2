package risk_test

import (
	"flag"
	"math"
	"math/big"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/voicepay/voicepay/risk"
)

var seedFlag = flag.Uint64("seed", 0, "seed for the randomized risk tests; 0 picks one from the clock")

// seed returns the seed of a randomized test and logs how to replay it.
func seed(t *testing.T) uint64 {
	t.Helper()
	s := *seedFlag
	if s == 0 {
		s = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (replay: go test ./risk/ -run '^%s$' -seed %d)", s, t.Name(), s)
	return s
}

var (
	channels = []string{risk.ChannelVoice, risk.ChannelText, risk.ChannelMandate, "sms", ""}
	payees   = []string{"merchant:luckin_coffee", "merchant:kfc", "merchant:hema", "agent:dev"}
	agents   = []string{"", "", "claude-code", "other"}
)

// pick returns a random element of s.
func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// money returns an amount that is usually ordinary and sometimes extreme.
func money(r *rand.Rand, scale int64) int64 {
	switch r.IntN(20) {
	case 0:
		return 0
	case 1:
		return -r.Int64N(scale + 1)
	case 2:
		return math.MaxInt64 - r.Int64N(10)
	case 3:
		return math.MinInt64 + r.Int64N(10)
	}
	return r.Int64N(scale + 1)
}

func randomLimits(r *rand.Rand) risk.Limits {
	l := risk.DefaultLimits()
	if r.IntN(4) == 0 {
		return l
	}
	l.MaxPerTransaction = money(r, 400000)
	l.StepUpAbove = money(r, 400000)
	l.DailyLimit = money(r, 1000000)
	l.NewPayeeStepUpAbove = money(r, 400000)
	l.TrustedBelow = money(r, 400000)
	l.HourlyCount = r.IntN(30) - 2
	l.RepeatLimit = r.IntN(10) - 2
	l.MandateRepeatLimit = r.IntN(40) - 2
	l.OddHoursStart, l.OddHoursEnd = r.IntN(25), r.IntN(25)
	if r.IntN(2) == 0 {
		l.TrustedPayees = []string{pick(r, payees), pick(r, payees)}
	}
	return l
}

func randomTxn(r *rand.Rand) risk.Txn {
	return risk.Txn{
		Amount:    money(r, 300000),
		Currency:  "CNY",
		Payee:     pick(r, payees),
		Channel:   pick(r, channels),
		Agent:     pick(r, agents),
		Time:      time.Date(2026, 4, 15, r.IntN(24), r.IntN(60), 0, 0, time.UTC),
		DayTotal:  money(r, 600000),
		HourCount: r.IntN(30),
		PayeeSeen: r.IntN(2) == 0,
		Repeats:   r.IntN(40),
	}
}

// TestDecideProperties checks invariants of the default rules over random
// limits and debits.
func TestDecideProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(seed(t), 0))
	for i := range 20000 {
		l := randomLimits(r)
		txn := randomTxn(r)
		got := risk.New(l).Decide(txn)
		fail := func(why string) {
			t.Helper()
			t.Fatalf("case %d: %s\nlimits %+v\ntxn %+v\ngot %+v", i, why, l, txn, got)
		}

		if again := risk.New(l).Decide(txn); !reflect.DeepEqual(again, got) {
			fail("not deterministic: second decision " + string(again.Action))
		}
		if !slices.Contains([]risk.Action{risk.Allow, risk.StepUp, risk.Review, risk.Block}, got.Action) {
			fail("unknown action")
		}
		blocked := got.Action == risk.Block
		switch {
		case txn.Amount > l.MaxPerTransaction && !blocked:
			fail("amount above MaxPerTransaction not blocked")
		case txn.Amount <= 0 && !blocked:
			fail("non-positive amount not blocked")
		case txn.Repeats >= repeatLimit(l, txn) && !blocked:
			fail("repeats at the repeat limit not blocked")
		case txn.Repeats < repeatLimit(l, txn) && slices.Contains(got.Rules, "repeat_limit"):
			fail("repeat_limit below the repeat limit")
		case exceeds(txn.DayTotal, txn.Amount, l.DailyLimit) && !blocked:
			fail("daily limit exceeded but not blocked")
		case txn.Channel != risk.ChannelVoice && txn.Channel != risk.ChannelText && txn.Channel != risk.ChannelMandate && !blocked:
			fail("unknown channel not blocked")
		case txn.Channel == risk.ChannelMandate && got.Action == risk.StepUp:
			fail("step_up on the mandate channel")
		case got.Action == risk.Allow && len(got.Rules) > 0 && !slices.Equal(got.Rules, []string{"trusted_payee"}):
			fail("allow with rules other than trusted_payee")
		case got.Action != risk.Allow && len(got.Rules) == 0:
			fail("a decision other than allow without a rule")
		}
		checkReasons(t, got)
	}
}

// exceeds reports whether total+amount > limit, computed without overflow.
func exceeds(total, amount, limit int64) bool {
	s := new(big.Int).Add(big.NewInt(total), big.NewInt(amount))
	return s.Cmp(big.NewInt(limit)) > 0
}

// TestDecideModel checks the order of evaluation against a direct reading of
// the package documentation, over random rule sets.
func TestDecideModel(t *testing.T) {
	r := rand.New(rand.NewPCG(seed(t), 0))
	actions := []risk.Action{risk.Allow, risk.StepUp, risk.Review, risk.Block, "other"}
	for i := range 20000 {
		var rules []risk.Rule
		var matched []bool
		for j := range r.IntN(8) {
			a := pick(r, actions)
			m := r.IntN(2) == 0
			name := string(a) + string(rune('0'+j))
			if m {
				rules = append(rules, always(name, a))
			} else {
				rules = append(rules, never(name, a))
			}
			matched = append(matched, m)
		}
		txn := base()
		txn.Channel = pick(r, channels)
		got := (&risk.Engine{Rules: rules}).Decide(txn)
		want := model(rules, matched, txn.Channel)
		if got.Action != want.Action || !slices.Equal(got.Rules, want.Rules) {
			t.Fatalf("case %d: rules %v matched %v channel %q: got %s %q, want %s %q",
				i, names(rules), matched, txn.Channel, got.Action, got.Rules, want.Action, want.Rules)
		}
	}
}

func names(rules []risk.Rule) []string {
	var out []string
	for _, r := range rules {
		out = append(out, r.Name+"/"+string(r.Action))
	}
	return out
}

// model decides from which rules match, following the package doc step by
// step.
func model(rules []risk.Rule, matched []bool, channel string) risk.Decision {
	of := func(keep func(risk.Action) bool) []string {
		var out []string
		for i, r := range rules {
			if matched[i] && keep(r.Action) {
				out = append(out, r.Name)
			}
		}
		return out
	}
	is := func(a risk.Action) func(risk.Action) bool { return func(b risk.Action) bool { return a == b } }
	mandate := func(d risk.Decision) risk.Decision {
		if d.Action == risk.StepUp && channel == risk.ChannelMandate {
			return risk.Decision{Action: risk.Block, Rules: append(d.Rules, "mandate_no_step_up")}
		}
		return d
	}

	stepUp := of(is(risk.StepUp))
	if allow := of(is(risk.Allow)); len(allow) > 0 {
		if len(stepUp) > 0 {
			return mandate(risk.Decision{Action: risk.StepUp, Rules: append(stepUp, allow[0])})
		}
		return risk.Decision{Action: risk.Allow, Rules: allow[:1]}
	}
	if block := of(func(a risk.Action) bool {
		return a != risk.Allow && a != risk.StepUp && a != risk.Review
	}); len(block) > 0 {
		return risk.Decision{Action: risk.Block, Rules: block}
	}
	review := of(is(risk.Review))
	switch {
	case len(stepUp) > 0:
		return mandate(risk.Decision{Action: risk.StepUp, Rules: append(stepUp, review...)})
	case len(review) > 0:
		return risk.Decision{Action: risk.Review, Rules: review}
	}
	return risk.Decision{Action: risk.Allow}
}

// repeatLimit is the repeat limit that applies to txn: the mandate channel
// has its own, unless it is zero.
func repeatLimit(l risk.Limits, txn risk.Txn) int {
	if txn.Channel == risk.ChannelMandate && l.MandateRepeatLimit > 0 {
		return l.MandateRepeatLimit
	}
	return l.RepeatLimit
}

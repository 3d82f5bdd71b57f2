package risk_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/voicepay/voicepay/risk"
)

// noon is an ordinary hour, outside the default odd hours.
var noon = time.Date(2026, 4, 15, 12, 30, 0, 0, time.UTC)

// base is an unremarkable debit: a latte on voice from a known payee.
func base() risk.Txn {
	return risk.Txn{
		Amount:    1800,
		Currency:  "CNY",
		Payee:     "merchant:luckin_coffee",
		Channel:   risk.ChannelVoice,
		Time:      noon,
		PayeeSeen: true,
	}
}

// limits are the defaults with one trusted payee.
func limits() risk.Limits {
	l := risk.DefaultLimits()
	l.TrustedPayees = []string{"merchant:kfc"}
	return l
}

func at(hour, minute int) time.Time {
	return time.Date(2026, 4, 15, hour, minute, 0, 0, time.UTC)
}

func TestDecide(t *testing.T) {
	tests := []struct {
		name   string
		change func(*risk.Txn)
		action risk.Action
		rules  []string
	}{
		{"nothing matches", func(*risk.Txn) {}, risk.Allow, nil},

		// One case per rule, with its boundary.
		{"amount_step_up", func(t *risk.Txn) { t.Amount = 50001 }, risk.StepUp, []string{"amount_step_up"}},
		{"amount_step_up at threshold", func(t *risk.Txn) { t.Amount = 50000 }, risk.Allow, nil},
		{"new_payee", func(t *risk.Txn) { t.PayeeSeen, t.Amount = false, 20001 }, risk.StepUp, []string{"new_payee"}},
		{"new_payee at threshold", func(t *risk.Txn) { t.PayeeSeen, t.Amount = false, 20000 }, risk.Allow, nil},
		{"agent_new_payee", func(t *risk.Txn) { t.PayeeSeen, t.Agent = false, "claude-code" }, risk.StepUp, []string{"agent_new_payee"}},
		{"agent known payee", func(t *risk.Txn) { t.Agent = "claude-code" }, risk.Allow, nil},
		{"odd_hours", func(t *risk.Txn) { t.Time = at(3, 10) }, risk.StepUp, []string{"odd_hours"}},
		{"odd_hours start", func(t *risk.Txn) { t.Time = at(0, 0) }, risk.StepUp, []string{"odd_hours"}},
		{"odd_hours end is open", func(t *risk.Txn) { t.Time = at(5, 0) }, risk.Allow, nil},
		{"trusted_payee skips review", func(t *risk.Txn) { t.Payee, t.HourCount = "merchant:kfc", 25 }, risk.Allow, []string{"trusted_payee"}},
		{"trusted_payee at threshold", func(t *risk.Txn) { t.Payee, t.HourCount, t.Amount = "merchant:kfc", 25, 5000 }, risk.Review, []string{"hourly_count"}},
		{"invalid_amount zero", func(t *risk.Txn) { t.Amount = 0 }, risk.Block, []string{"invalid_amount"}},
		{"invalid_amount negative", func(t *risk.Txn) { t.Amount = -100 }, risk.Block, []string{"invalid_amount"}},
		{"unknown_channel", func(t *risk.Txn) { t.Channel = "sms" }, risk.Block, []string{"unknown_channel"}},
		{"unknown_channel empty", func(t *risk.Txn) { t.Channel = "" }, risk.Block, []string{"unknown_channel"}},
		{"text channel", func(t *risk.Txn) { t.Channel = risk.ChannelText }, risk.Allow, nil},
		{"max_per_transaction", func(t *risk.Txn) { t.Amount = 200001 }, risk.Block, []string{"max_per_transaction"}},
		{"max_per_transaction at max", func(t *risk.Txn) { t.Amount = 200000 }, risk.StepUp, []string{"amount_step_up"}},
		{"daily_limit", func(t *risk.Txn) { t.DayTotal = 498201 }, risk.Block, []string{"daily_limit"}},
		{"daily_limit reached exactly", func(t *risk.Txn) { t.DayTotal = 498200 }, risk.Allow, nil},
		{"repeat_limit", func(t *risk.Txn) { t.Repeats = 5 }, risk.Block, []string{"repeat_limit"}},
		{"repeat_limit below", func(t *risk.Txn) { t.Repeats = 4 }, risk.Allow, nil},
		{"hourly_count", func(t *risk.Txn) { t.HourCount = 20 }, risk.Review, []string{"hourly_count"}},
		{"hourly_count below", func(t *risk.Txn) { t.HourCount = 19 }, risk.Allow, nil},

		// Interactions between actions.
		{"all step_up rules together", func(t *risk.Txn) {
			t.Amount, t.PayeeSeen, t.Agent, t.Time = 60000, false, "claude-code", at(1, 0)
		}, risk.StepUp, []string{"amount_step_up", "new_payee", "agent_new_payee", "odd_hours"}},
		{"step_up with allow", func(t *risk.Txn) { t.Payee, t.Time = "merchant:kfc", at(3, 0) }, risk.StepUp, []string{"odd_hours", "trusted_payee"}},
		{"trust never lifts a block", func(t *risk.Txn) { t.Payee, t.Repeats = "merchant:kfc", 5 }, risk.Block, []string{"repeat_limit"}},
		{"block beats review", func(t *risk.Txn) { t.Amount, t.HourCount = 200001, 20 }, risk.Block, []string{"max_per_transaction"}},
		{"block beats step_up", func(t *risk.Txn) { t.Amount, t.Repeats = 60000, 5 }, risk.Block, []string{"repeat_limit"}},
		{"block reasons all listed", func(t *risk.Txn) { t.Amount, t.DayTotal, t.Repeats = 300000, 300000, 9 }, risk.Block, []string{"max_per_transaction", "daily_limit", "repeat_limit"}},
		{"step_up beats review", func(t *risk.Txn) { t.Amount, t.HourCount = 60000, 20 }, risk.StepUp, []string{"amount_step_up", "hourly_count"}},

		// The mandate channel: nobody to step up.
		{"mandate step_up becomes block", func(t *risk.Txn) { t.Channel, t.Amount = risk.ChannelMandate, 60000 }, risk.Block, []string{"amount_step_up", "mandate_no_step_up"}},
		{"mandate step_up and review", func(t *risk.Txn) { t.Channel, t.Amount, t.HourCount = risk.ChannelMandate, 60000, 20 }, risk.Block, []string{"amount_step_up", "hourly_count", "mandate_no_step_up"}},
		{"mandate review stays review", func(t *risk.Txn) { t.Channel, t.HourCount = risk.ChannelMandate, 20 }, risk.Review, []string{"hourly_count"}},
		{"mandate skips odd_hours", func(t *risk.Txn) { t.Channel, t.Time = risk.ChannelMandate, at(3, 0) }, risk.Allow, nil},
		{"mandate skips new payee rules", func(t *risk.Txn) {
			t.Channel, t.PayeeSeen, t.Agent, t.Amount = risk.ChannelMandate, false, "claude-code", 30000
		}, risk.Allow, nil},
		{"mandate block", func(t *risk.Txn) { t.Channel, t.Repeats = risk.ChannelMandate, 30 }, risk.Block, []string{"repeat_limit"}},
		// Metered charges repeat by nature: the mandate channel has its own, higher repeat limit.
		{"mandate repeats below its limit", func(t *risk.Txn) { t.Channel, t.Repeats = risk.ChannelMandate, 29 }, risk.Allow, nil},
		{"mandate repeats past the voice limit", func(t *risk.Txn) { t.Channel, t.Repeats = risk.ChannelMandate, 5 }, risk.Allow, nil},
	}
	e := risk.New(limits())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			txn := base()
			tt.change(&txn)
			got := e.Decide(txn)
			if got.Action != tt.action {
				t.Errorf("action: got %s, want %s (reasons %q)", got.Action, tt.action, got.Reasons)
			}
			if !slices.Equal(got.Rules, tt.rules) {
				t.Errorf("rules: got %q, want %q", got.Rules, tt.rules)
			}
			checkReasons(t, got)
		})
	}
}

// checkReasons checks that every decision explains itself and that each
// reason starts with the name of its rule.
func checkReasons(t *testing.T, d risk.Decision) {
	t.Helper()
	if len(d.Rules) == 0 {
		if d.Action != risk.Allow || !slices.Equal(d.Reasons, []string{"no rule matched"}) {
			t.Errorf("no rules: got %s %q, want allow [\"no rule matched\"]", d.Action, d.Reasons)
		}
		return
	}
	if len(d.Reasons) != len(d.Rules) {
		t.Fatalf("got %d reasons for %d rules: %q", len(d.Reasons), len(d.Rules), d.Reasons)
	}
	for i, r := range d.Reasons {
		if !strings.HasPrefix(r, d.Rules[i]+": ") {
			t.Errorf("reason %q does not start with its rule %q", r, d.Rules[i])
		}
	}
}

func TestDecideReasons(t *testing.T) {
	e := risk.New(limits())
	tests := []struct {
		name   string
		change func(*risk.Txn)
		want   []string
	}{
		{"amount", func(t *risk.Txn) { t.Amount = 250000 }, []string{
			"max_per_transaction: amount 2500.00 over the per-transaction maximum 2000.00",
		}},
		{"step up", func(t *risk.Txn) { t.Amount = 60005 }, []string{
			"amount_step_up: amount 600.05 over the step-up threshold 500.00",
		}},
		{"daily", func(t *risk.Txn) { t.DayTotal = 499000 }, []string{
			"daily_limit: 4990.00 already paid today plus 18.00 exceeds the daily limit 5000.00",
		}},
		{"odd hours", func(t *risk.Txn) { t.Time = at(4, 7) }, []string{
			"odd_hours: debit at 04:07, within odd hours 00:00-05:00",
		}},
		{"mandate", func(t *risk.Txn) { t.Channel, t.Amount = risk.ChannelMandate, 50100 }, []string{
			"amount_step_up: amount 501.00 over the step-up threshold 500.00",
			"mandate_no_step_up: nobody is present on the mandate channel to step up, so the debit is blocked",
		}},
		{"negative", func(t *risk.Txn) { t.Amount = -5 }, []string{
			"invalid_amount: amount -0.05 is not positive",
		}},
		{"repeats", func(t *risk.Txn) { t.Repeats = 5 }, []string{
			"repeat_limit: 5 recent debits of 18.00 to merchant:luckin_coffee already, at the repeat limit 5",
		}},
		{"mandate repeats", func(t *risk.Txn) { t.Channel, t.Payee, t.Repeats = risk.ChannelMandate, "payee:dev", 30 }, []string{
			"repeat_limit: 30 recent charges under this mandate to payee:dev already, whatever their amounts, at the repeat limit 30",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			txn := base()
			tt.change(&txn)
			if got := e.Decide(txn).Reasons; !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestDecideBounds: each rule behind a decision comes with the limit it
// held the debit to, for a reply to say.
func TestDecideBounds(t *testing.T) {
	l := limits()
	e := risk.New(l)
	tests := []struct {
		name   string
		change func(*risk.Txn)
		rules  []string
		bounds []int64
	}{
		{"amount", func(t *risk.Txn) { t.Amount = 250000 }, []string{"max_per_transaction"}, []int64{l.MaxPerTransaction}},
		{"daily", func(t *risk.Txn) { t.DayTotal = 499000 }, []string{"daily_limit"}, []int64{l.DailyLimit}},
		{"step up", func(t *risk.Txn) { t.Amount = 60005 }, []string{"amount_step_up"}, []int64{l.StepUpAbove}},
		{"repeats", func(t *risk.Txn) { t.Repeats = l.RepeatLimit }, []string{"repeat_limit"}, []int64{int64(l.RepeatLimit)}},
		{"mandate", func(t *risk.Txn) { t.Channel, t.Amount = risk.ChannelMandate, 50100 },
			[]string{"amount_step_up", "mandate_no_step_up"}, []int64{l.StepUpAbove, 0}},
		{"allowed", func(t *risk.Txn) {}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			txn := base()
			tt.change(&txn)
			d := e.Decide(txn)
			if !slices.Equal(d.Rules, tt.rules) || !slices.Equal(d.Bounds, tt.bounds) {
				t.Errorf("got rules %q bounds %v, want %q %v", d.Rules, d.Bounds, tt.rules, tt.bounds)
			}
		})
	}
}

// always is a rule of the given action that matches every debit.
func always(name string, a risk.Action) risk.Rule {
	return risk.Rule{Name: name, Action: a, Match: func(risk.Txn) (string, bool) { return "always", true }}
}

// never is a rule of the given action that matches no debit.
func never(name string, a risk.Action) risk.Rule {
	return risk.Rule{Name: name, Action: a, Match: func(risk.Txn) (string, bool) { return "", false }}
}

func TestDecideOrder(t *testing.T) {
	tests := []struct {
		name    string
		rules   []risk.Rule
		channel string
		action  risk.Action
		want    []string
	}{
		{"no rules", nil, risk.ChannelVoice, risk.Allow, nil},
		{"allow beats block", []risk.Rule{always("b", risk.Block), always("a", risk.Allow)}, risk.ChannelVoice, risk.Allow, []string{"a"}},
		{"first allow wins", []risk.Rule{always("a1", risk.Allow), always("a2", risk.Allow)}, risk.ChannelVoice, risk.Allow, []string{"a1"}},
		{"allow with step_up", []risk.Rule{always("a", risk.Allow), always("s", risk.StepUp)}, risk.ChannelVoice, risk.StepUp, []string{"s", "a"}},
		{"allow with step_up on mandate", []risk.Rule{always("a", risk.Allow), always("s", risk.StepUp)}, risk.ChannelMandate, risk.Block, []string{"s", "a", "mandate_no_step_up"}},
		{"block beats review", []risk.Rule{always("r", risk.Review), always("b", risk.Block)}, risk.ChannelVoice, risk.Block, []string{"b"}},
		{"block beats step_up", []risk.Rule{always("s", risk.StepUp), always("b", risk.Block)}, risk.ChannelVoice, risk.Block, []string{"b"}},
		{"step_up beats review", []risk.Rule{always("r", risk.Review), always("s", risk.StepUp)}, risk.ChannelVoice, risk.StepUp, []string{"s", "r"}},
		{"review alone", []risk.Rule{always("r1", risk.Review), never("s", risk.StepUp), always("r2", risk.Review)}, risk.ChannelVoice, risk.Review, []string{"r1", "r2"}},
		{"unknown action blocks", []risk.Rule{always("x", "deny")}, risk.ChannelVoice, risk.Block, []string{"x"}},
		{"unmatched allow", []risk.Rule{never("a", risk.Allow), always("b", risk.Block)}, risk.ChannelVoice, risk.Block, []string{"b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			txn := base()
			txn.Channel = tt.channel
			got := (&risk.Engine{Rules: tt.rules}).Decide(txn)
			if got.Action != tt.action || !slices.Equal(got.Rules, tt.want) {
				t.Errorf("got %s %q, want %s %q", got.Action, got.Rules, tt.action, tt.want)
			}
			checkReasons(t, got)
		})
	}
}

func TestDecideOddHoursWrap(t *testing.T) {
	l := limits()
	l.OddHoursStart, l.OddHoursEnd = 22, 6
	e := risk.New(l)
	for h := range 24 {
		txn := base()
		txn.Time = at(h, 0)
		want := risk.Allow
		if h >= 22 || h < 6 {
			want = risk.StepUp
		}
		if got := e.Decide(txn).Action; got != want {
			t.Errorf("hour %d: got %s, want %s", h, got, want)
		}
	}
}

func TestNewCopiesTrustedPayees(t *testing.T) {
	l := limits()
	e := risk.New(l)
	l.TrustedPayees[0] = "merchant:hema"
	txn := base()
	txn.Payee, txn.HourCount = "merchant:kfc", 30
	if got := e.Decide(txn).Action; got != risk.Allow {
		t.Errorf("got %s, want allow: the engine must keep its own copy of the trusted payees", got)
	}
}

func TestDecideConcurrent(t *testing.T) {
	e := risk.New(limits())
	txn := base()
	txn.Amount, txn.HourCount = 60000, 20
	want := e.Decide(txn)
	done := make(chan risk.Decision)
	for range 8 {
		go func() {
			var d risk.Decision
			for range 200 {
				d = e.Decide(txn)
			}
			done <- d
		}()
	}
	for range 8 {
		if got := <-done; got.Action != want.Action || !slices.Equal(got.Reasons, want.Reasons) {
			t.Errorf("got %v, want %v", got, want)
		}
	}
}

// A runaway agent recording usage in a loop is blocked at the mandate's
// repeat limit, while steady metered use within the window is not; a zero
// MandateRepeatLimit falls back to RepeatLimit.
func TestMandateRepeatLimit(t *testing.T) {
	mandate := func(repeats int) risk.Txn {
		txn := base()
		txn.Channel, txn.Agent, txn.Amount, txn.Repeats = risk.ChannelMandate, "claude", 50, repeats
		return txn
	}
	l := risk.DefaultLimits()
	if l.MandateRepeatLimit <= l.RepeatLimit {
		t.Fatalf("default MandateRepeatLimit %d is not above RepeatLimit %d", l.MandateRepeatLimit, l.RepeatLimit)
	}
	e := risk.New(l)
	for n := range l.MandateRepeatLimit {
		if got := e.Decide(mandate(n)); got.Action == risk.Block {
			t.Fatalf("%d repeats: blocked %q", n, got.Reasons)
		}
	}
	got := e.Decide(mandate(l.MandateRepeatLimit))
	if got.Action != risk.Block || !slices.Equal(got.Rules, []string{"repeat_limit"}) {
		t.Errorf("%d repeats: got %s %q, want block by repeat_limit", l.MandateRepeatLimit, got.Action, got.Rules)
	}
	if !strings.Contains(got.Reasons[0], "repeat limit 30") {
		t.Errorf("reason %q does not name the mandate limit", got.Reasons[0])
	}

	l.MandateRepeatLimit = 0
	e = risk.New(l)
	if got := e.Decide(mandate(l.RepeatLimit - 1)); got.Action == risk.Block {
		t.Errorf("zero MandateRepeatLimit, %d repeats: blocked %q", l.RepeatLimit-1, got.Reasons)
	}
	if got := e.Decide(mandate(l.RepeatLimit)); got.Action != risk.Block {
		t.Errorf("zero MandateRepeatLimit, %d repeats: got %s, want block at RepeatLimit", l.RepeatLimit, got.Action)
	}
	// The voice channel keeps the lower limit.
	voice := mandate(l.RepeatLimit)
	voice.Channel = risk.ChannelVoice
	if got := risk.New(risk.DefaultLimits()).Decide(voice); got.Action != risk.Block {
		t.Errorf("voice at RepeatLimit: got %s, want block", got.Action)
	}
}

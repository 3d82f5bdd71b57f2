package walletscreen_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/voicepay/voicepay/risk"
	"github.com/voicepay/voicepay/risk/walletscreen"
	"github.com/voicepay/voicepay/wallet"
)

// TestScreenPassesEveryFeature screens a debit with every feature set
// through an engine whose one rule records what it saw: the engine gets each
// feature of the debit, and the wallet gets the engine's decision.
func TestScreenPassesEveryFeature(t *testing.T) {
	var seen risk.Txn
	spy := risk.Rule{Name: "spy", Action: risk.Review, Match: func(t risk.Txn) (string, bool) {
		seen = t
		return "seen", true
	}}
	s := walletscreen.Screener{Engine: &risk.Engine{Rules: []risk.Rule{spy}}}
	d := wallet.Debit{Amount: 1800, Currency: "CNY", Payee: "merchant:luckin_coffee", Channel: "voice",
		Agent: "claude", Time: time.Date(2026, 4, 15, 12, 0, 0, 0, time.UTC), DayTotal: 5000, HourCount: 3,
		PayeeSeen: true, Repeats: 2}

	got := s.Screen(d)
	want := wallet.Decision{Action: wallet.ActionReview, Reasons: []string{"spy: seen"}, Rules: []string{"spy"}, Bounds: []int64{0}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decision %+v, want %+v", got, want)
	}
	wantTxn := risk.Txn{Amount: d.Amount, Currency: d.Currency, Payee: d.Payee, Channel: d.Channel, Agent: d.Agent,
		Time: d.Time, DayTotal: d.DayTotal, HourCount: d.HourCount, PayeeSeen: d.PayeeSeen, Repeats: d.Repeats}
	if !reflect.DeepEqual(seen, wantTxn) {
		t.Errorf("the engine saw %+v, want %+v", seen, wantTxn)
	}
}

// TestFeaturesMatch fails when a feature is added to the wallet's debit or to
// the engine's transaction but not to the other, so that the adapter is
// changed with them.
func TestFeaturesMatch(t *testing.T) {
	names := func(v any) []string {
		var out []string
		for _, f := range reflect.VisibleFields(reflect.TypeOf(v)) {
			out = append(out, f.Name)
		}
		slices.Sort(out)
		return out
	}
	if debit, txn := names(wallet.Debit{}), names(risk.Txn{}); !slices.Equal(debit, txn) {
		t.Errorf("wallet.Debit has %v, risk.Txn has %v: map the new feature in Screener.Screen", debit, txn)
	}
}

// TestScreenDecides runs the default rules through the adapter: each action
// reaches the wallet with its rules.
func TestScreenDecides(t *testing.T) {
	s := walletscreen.New(risk.DefaultLimits())
	noon := time.Date(2026, 4, 15, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		debit wallet.Debit
		want  string
		rule  string
	}{
		{"allow", wallet.Debit{Amount: 1800, Channel: "voice", Time: noon, PayeeSeen: true}, wallet.ActionAllow, ""},
		{"step up", wallet.Debit{Amount: 60000, Channel: "voice", Time: noon, PayeeSeen: true}, wallet.ActionStepUp, "amount_step_up"},
		{"review", wallet.Debit{Amount: 1800, Channel: "voice", Time: noon, PayeeSeen: true, HourCount: 20}, wallet.ActionReview, "hourly_count"},
		{"block", wallet.Debit{Amount: 300000, Channel: "voice", Time: noon, PayeeSeen: true}, wallet.ActionBlock, "max_per_transaction"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.Screen(tt.debit)
			if got.Action != tt.want || (tt.rule != "" && !slices.Contains(got.Rules, tt.rule)) {
				t.Errorf("decision %+v, want %s by %q", got, tt.want, tt.rule)
			}
		})
	}
}

package wallet_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/voicepay/voicepay/wallet"
)

// riskEntry is the data of a "risk" audit entry.
type riskEntry struct {
	Ref      string          `json:"ref"`
	Payee    string          `json:"payee"`
	Amount   int64           `json:"amount"`
	Channel  string          `json:"channel"`
	Decision wallet.Decision `json:"decision"`
}

func riskEntries(t *testing.T, db *DB) []riskEntry {
	t.Helper()
	var out []riskEntry
	for _, e := range db.MustAudit(t) {
		if e.Kind != "risk" {
			continue
		}
		var r riskEntry
		if err := json.Unmarshal(e.Data, &r); err != nil {
			t.Fatalf("decode risk entry %d: %v", e.Seq, err)
		}
		out = append(out, r)
	}
	return out
}

func TestRiskBlock(t *testing.T) {
	tests := []struct {
		name   string
		screen wallet.Screener // nil: the real engine
		draft  wallet.OrderDraft
		reason string // what the reasons must mention
	}{
		{"block decision", NewFixedScreen(wallet.ActionBlock, "repeat_limit: a runaway agent"), Lattes(1), "repeat_limit"},
		{"engine max_per_transaction", nil, wallet.OrderDraft{Payee: wallet.MerchantAccount("apple"), Channel: "voice",
			Lines: []wallet.Line{{Item: "macbook", Quantity: 1, UnitPrice: 1_000_000}}}, "max_per_transaction"},
		{"engine unknown channel", nil, wallet.OrderDraft{Payee: Luckin, Channel: "sms", Lines: Lattes(1).Lines}, "unknown_channel"},
		{"no decision fails closed", NewFixedScreen(""), Lattes(1), "no decision"},
		{"unknown action fails closed", NewFixedScreen("deny", "typo"), Lattes(1), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			var opts []Option
			if tt.screen != nil {
				opts = append(opts, WithScreen(tt.screen))
			}
			db := MustOpenDB(t, opts...)
			db.MustTopup(t, 2_000_000)
			o := db.MustCreate(t, tt.draft)

			got, err := db.ConfirmOrder(ctx, Key("confirm"), o.ID)
			WantErr(t, err, wallet.ErrBlocked)
			if got == nil || got.Decision == nil || got.Decision.Action != wallet.ActionBlock {
				t.Fatalf("returned order %+v, want one carrying the block decision", got)
			}
			if !strings.Contains(strings.Join(got.Decision.Reasons, ";"), tt.reason) {
				t.Errorf("reasons %q do not mention %q", got.Decision.Reasons, tt.reason)
			}
			stored := db.MustOrder(t, o.ID)
			if stored.State != wallet.Drafted || stored.HoldID != 0 {
				t.Errorf("order %s with hold %d, want drafted without a hold", stored.State, stored.HoldID)
			}
			if stored.Decision == nil || stored.Decision.Action != wallet.ActionBlock {
				t.Errorf("stored decision %+v, want block", stored.Decision)
			}
			if got := db.Held(t); got != 0 {
				t.Errorf("%d held, want nothing", got)
			}
			entries := riskEntries(t, db)
			if len(entries) != 1 {
				t.Fatalf("%d risk entries on the audit chain, want 1", len(entries))
			}
			want := riskEntry{Ref: fmt.Sprintf("order:%d", o.ID), Payee: o.Payee, Amount: o.Total, Channel: o.Channel}
			r := entries[0]
			if r.Ref != want.Ref || r.Payee != want.Payee || r.Amount != want.Amount || r.Channel != want.Channel ||
				r.Decision.Action != wallet.ActionBlock {
				t.Errorf("risk entry %+v, want %+v with a block", r, want)
			}
			// A blocked debit does not count toward the velocity features.
			if s, ok := tt.screen.(*FixedScreen); ok {
				s.Set(wallet.ActionAllow)
				db.MustConfirm(t, db.MustCreate(t, Lattes(1)).ID)
				debits := s.Debits()
				if last := debits[len(debits)-1]; last.DayTotal != 0 || last.HourCount != 0 {
					t.Errorf("after a block: day total %d, hour count %d, want 0, 0", last.DayTotal, last.HourCount)
				}
			}
		})
	}
}

func TestRiskStepUp(t *testing.T) {
	ctx := context.Background()
	const pin = "246810"
	// A 600-yuan order is over the engine's step-up threshold.
	big := wallet.OrderDraft{Payee: wallet.MerchantAccount("apple"), PayeeName: "Apple", Channel: "voice",
		Lines: []wallet.Line{{Item: "airpods", Name: "AirPods", Quantity: 1, UnitPrice: 60000}}}
	tests := []struct {
		name   string
		screen wallet.Screener
		draft  wallet.OrderDraft
	}{
		{"engine amount_step_up", nil, big},
		{"engine agent_new_payee", nil, wallet.OrderDraft{Payee: Luckin, Channel: "text", Agent: "claude-code", Lines: Lattes(1).Lines}},
		{"step_up decision", NewFixedScreen(wallet.ActionStepUp, "odd_hours"), Lattes(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []Option
			if tt.screen != nil {
				opts = append(opts, WithScreen(tt.screen))
			}
			db := MustOpenDB(t, opts...)
			db.MustSetPIN(t, pin)
			db.MustTopup(t, 100000)
			before := len(db.MustAudit(t))
			o := db.MustConfirm(t, db.MustCreate(t, tt.draft).ID)
			if !o.StepUp() {
				t.Fatalf("decision %+v: want a step-up", o.Decision)
			}
			auth := wallet.Authorization{Device: "glasses", Method: "session"}

			_, err := db.AuthorizeOrder(ctx, Key("authorize"), o.ID, auth)
			WantErr(t, err, wallet.ErrStepUpRequired)
			auth.PIN = "000000"
			_, err = db.AuthorizeOrder(ctx, Key("authorize"), o.ID, auth)
			WantErr(t, err, wallet.ErrBadPIN)
			if got := db.MustOrder(t, o.ID); got.State != wallet.Confirmed || db.Held(t) != o.Total {
				t.Fatalf("after a refused authorization: %s with %d held, want confirmed with %d", got.State, db.Held(t), o.Total)
			}

			auth.PIN = pin
			p, err := db.AuthorizeOrder(ctx, Key("authorize"), o.ID, auth)
			if err != nil {
				t.Fatalf("authorize with the PIN: %v", err)
			}
			if got, want := p.State, wallet.Paid; got != want {
				t.Errorf("state %s, want %s", got, want)
			}
			if got, want := p.Receipt.Method, "pin"; got != want {
				t.Errorf("receipt method %q, want %q", got, want)
			}
			if err := wallet.VerifyReceipt(db.PublicKey(), p, p.Receipt); err != nil {
				t.Errorf("verify receipt: %v", err)
			}
			if got, want := db.MustAccount(t, wallet.UserAccount).Balance(), 100000-o.Total; got != want {
				t.Errorf("balance %d, want %d", got, want)
			}
			var verifications []string
			for _, e := range db.MustAudit(t)[before:] {
				if e.Kind == "verification" {
					verifications = append(verifications, string(e.Data))
				}
			}
			if len(verifications) != 2 || !strings.Contains(verifications[0], `"ok":false`) ||
				!strings.Contains(verifications[1], `"ok":true`) {
				t.Errorf("verifications on the audit chain: %q, want one failure then one success", verifications)
			}
		})
	}
}

// A review lets the payment go ahead, as in Stripe Radar, and leaves the
// decision on the order and the audit chain for a person to look at.
func TestRiskReview(t *testing.T) {
	db := MustOpenDB(t, WithScreen(NewFixedScreen(wallet.ActionReview, "hourly_count: 20 debits this hour")))
	db.MustTopup(t, 10000)
	o := db.MustConfirm(t, db.MustCreate(t, Lattes(1)).ID)
	if o.StepUp() {
		t.Errorf("a review asks for a step-up")
	}
	p := db.MustAuthorize(t, o.ID)
	if got, want := p.Receipt.Method, "session"; got != want {
		t.Errorf("receipt method %q, want %q", got, want)
	}
	if p.Decision == nil || p.Decision.Action != wallet.ActionReview {
		t.Errorf("paid order's decision %+v, want review", p.Decision)
	}
	entries := riskEntries(t, db)
	if len(entries) != 1 || entries[0].Decision.Action != wallet.ActionReview {
		t.Errorf("risk entries %+v, want one review", entries)
	}
}

func TestScreenFeatures(t *testing.T) {
	ctx := context.Background()
	s := NewFixedScreen(wallet.ActionAllow)
	db := MustOpenDB(t, WithScreen(s))
	db.MustTopup(t, 100000)

	a := db.MustCreate(t, Lattes(1))
	db.MustAuthorize(t, db.MustConfirm(t, a.ID).ID)
	db.Clock.Advance(time.Minute)
	b := db.MustCreate(t, Lattes(1))
	db.MustConfirm(t, b.ID)
	if _, err := db.CancelOrder(ctx, Key("cancel"), b.ID); err != nil {
		t.Fatal(err)
	}
	db.Clock.Advance(time.Minute)
	agent := Lattes(1)
	agent.Channel, agent.Agent = "text", "claude-code"
	db.MustConfirm(t, db.MustCreate(t, agent).ID)
	db.Clock.Advance(time.Hour)
	db.MustConfirm(t, db.MustCreate(t, Lattes(2)).ID)

	got := s.Debits()
	want := []wallet.Debit{
		{Amount: 1800, Currency: "CNY", Payee: Luckin, Channel: "voice", Time: Noon},
		{Amount: 1800, Currency: "CNY", Payee: Luckin, Channel: "voice", Time: Noon.Add(time.Minute),
			DayTotal: 1800, HourCount: 1, PayeeSeen: true, Repeats: 1},
		// The cancelled order's amount no longer counts toward the day.
		{Amount: 1800, Currency: "CNY", Payee: Luckin, Channel: "text", Agent: "claude-code", Time: Noon.Add(2 * time.Minute),
			DayTotal: 1800, HourCount: 2, PayeeSeen: true, Repeats: 2},
		{Amount: 3600, Currency: "CNY", Payee: Luckin, Channel: "voice", Time: Noon.Add(time.Hour + 2*time.Minute),
			DayTotal: 3600, HourCount: 0, PayeeSeen: true, Repeats: 0},
	}
	if len(got) != len(want) {
		t.Fatalf("screened %d debits, want %d", len(got), len(want))
	}
	for i := range want {
		if !got[i].Time.Equal(want[i].Time) {
			t.Errorf("debit %d: time %s, want %s", i, got[i].Time, want[i].Time)
		}
		got[i].Time = want[i].Time
		if got[i] != want[i] {
			t.Errorf("debit %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	if !slices.ContainsFunc(riskEntries(t, db), func(r riskEntry) bool { return r.Decision.Action == wallet.ActionAllow }) {
		t.Error("allow decisions are not on the audit chain")
	}
}

package wallet_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/voicepay/voicepay/wallet"
)

// Claude is the agent that proposes mandates; Dev is the payee it tips and
// subscribes the person to.
const Claude = "claude"

var Dev = wallet.PayeeAccount("claude_dev")

// cli approves from the CLI, a paired user device with payments enabled.
var cli = wallet.Authorization{Device: "cli", Method: "session"}

// MustPairAgent pairs an agent-scope device.
func (db *DB) MustPairAgent(tb testing.TB, id string) {
	tb.Helper()
	if _, err := db.AddDevice(context.Background(), id, wallet.ScopeAgent); err != nil {
		tb.Fatalf("pair agent %s: %v", id, err)
	}
}

// Metered is a subscription at price per use, at most limit a day, for a month.
func Metered(price, limit int64) wallet.MandateDraft {
	return wallet.MandateDraft{Kind: wallet.MandateSubscription, Agent: Claude, Payee: Dev, PayeeName: "claude_dev",
		Note: "search API", Unit: "use", UnitPrice: price, Cap: limit, Period: 24 * time.Hour,
		Expires: Noon.Add(30 * 24 * time.Hour)}
}

// Tip is a tip of first now, with an allowance of limit for the day.
func Tip(first, limit int64) wallet.MandateDraft {
	return wallet.MandateDraft{Kind: wallet.MandateTip, Agent: Claude, Payee: Dev, PayeeName: "claude_dev",
		Note: "thanks for the fix", Cap: limit, First: first, Expires: Noon.Add(24 * time.Hour)}
}

// MustPropose proposes d.
func (db *DB) MustPropose(tb testing.TB, d wallet.MandateDraft) *wallet.Mandate {
	tb.Helper()
	m, err := db.ProposeMandate(context.Background(), Key("propose"), d)
	if err != nil {
		tb.Fatalf("propose mandate: %v", err)
	}
	return m
}

// MustApprove approves mandate id from the CLI.
func (db *DB) MustApprove(tb testing.TB, id uint64) (*wallet.Mandate, *wallet.Charge) {
	tb.Helper()
	m, c, err := db.ApproveMandate(context.Background(), Key("approve"), id, cli)
	if err != nil {
		tb.Fatalf("approve mandate %d: %v", id, err)
	}
	return m, c
}

// MustCharge charges units under mandate id for Claude.
func (db *DB) MustCharge(tb testing.TB, id uint64, units int64) (*wallet.Charge, *wallet.Mandate) {
	tb.Helper()
	c, m, err := db.ChargeMandate(context.Background(), Key("charge"), id, Claude, units)
	if err != nil {
		tb.Fatalf("charge mandate %d: %v", id, err)
	}
	return c, m
}

// MustMandate returns mandate id as it stands now.
func (db *DB) MustMandate(tb testing.TB, id uint64) *wallet.Mandate {
	tb.Helper()
	m, err := db.Mandate(context.Background(), id)
	if err != nil {
		tb.Fatalf("mandate %d: %v", id, err)
	}
	return m
}

// openMandates opens a wallet with money and the agent paired.
func openMandates(t *testing.T, opt ...Option) *DB {
	db := MustOpenDB(t, opt...)
	db.MustTopup(t, 100000)
	db.MustPairAgent(t, Claude)
	return db
}

// mandateSnap is what must not change when a request is refused.
type mandateSnap struct {
	user, dev int64
	audit     int
	mandate   *wallet.Mandate
}

func (db *DB) snap(t *testing.T, id uint64) mandateSnap {
	t.Helper()
	return mandateSnap{db.MustAccount(t, wallet.UserAccount).Balance(), db.MustAccount(t, Dev).Balance(),
		len(db.MustAudit(t)), db.MustMandate(t, id)}
}

func wantState(t *testing.T, m *wallet.Mandate, s wallet.MandateState) {
	t.Helper()
	if m == nil || m.State != s {
		t.Fatalf("mandate %+v, want %s", m, s)
	}
}

func TestMandateSubscription(t *testing.T) {
	ctx := context.Background()
	db := openMandates(t)
	m := db.MustPropose(t, Metered(50, 1000))
	wantState(t, m, wallet.MandateProposed)
	if m.Currency != "CNY" || m.Agent != Claude || m.Created != Noon || m.Unit != "use" {
		t.Errorf("proposed %+v", m)
	}
	if _, _, err := db.ChargeMandate(ctx, Key("charge"), m.ID, Claude, 1); !errors.Is(err, wallet.ErrMandateNotActive) {
		t.Fatalf("charge a proposal: got %v, want %v", err, wallet.ErrMandateNotActive)
	}

	db.Clock.Advance(time.Minute)
	m, c := db.MustApprove(t, m.ID)
	wantState(t, m, wallet.MandateActive)
	if c != nil {
		t.Errorf("approving a subscription charged %+v", c)
	}
	if m.ApprovedBy != "cli" || m.Approved != Noon.Add(time.Minute) || m.PeriodStart != m.Approved {
		t.Errorf("approved %+v", m)
	}

	c, m = db.MustCharge(t, m.ID, 3)
	if c.Amount != 150 || c.Units != 3 || c.Mandate != m.ID || c.ID == 0 || c.Transfer == 0 || c.Decision.Action != wallet.ActionAllow {
		t.Errorf("charge %+v", c)
	}
	if m.PeriodSpent != 150 || m.TotalSpent != 150 || m.Charges != 1 || m.State != wallet.MandateActive {
		t.Errorf("after a charge %+v", m)
	}
	if got := db.MustAccount(t, Dev).Balance(); got != 150 {
		t.Errorf("payee balance %d, want 150", got)
	}
	if got := db.MustAccount(t, wallet.UserAccount).Balance(); got != 100000-150 {
		t.Errorf("user balance %d, want %d", got, 100000-150)
	}
	ts, err := db.Transfers(ctx, Dev, 0)
	if err != nil || len(ts) != 1 {
		t.Fatalf("transfers to the payee: %v %v", ts, err)
	}
	if tr := ts[0]; tr.ID != c.Transfer || tr.Kind != wallet.Single || tr.Debit != wallet.UserAccount || tr.Ref != "mandate:1" {
		t.Errorf("transfer %+v", tr)
	}
	charges, err := db.MandateCharges(ctx, m.ID)
	if err != nil || len(charges) != 1 || !reflect.DeepEqual(charges[0], c) {
		t.Errorf("charges %+v %v, want [%+v]", charges, err, c)
	}
	if got := db.MustMandate(t, m.ID); !reflect.DeepEqual(got, m) {
		t.Errorf("stored %+v\nreturned %+v", got, m)
	}

	// Every step is on the audit chain.
	var events []string
	for _, e := range db.MustAudit(t) {
		if e.Kind == "mandate" {
			var v struct{ Event string }
			if err := json.Unmarshal(e.Data, &v); err != nil {
				t.Fatal(err)
			}
			events = append(events, v.Event)
		}
	}
	if want := []string{"proposed", "approved", "charged"}; !reflect.DeepEqual(events, want) {
		t.Errorf("audit events %q, want %q", events, want)
	}
	if r := riskEntries(t, db); len(r) != 1 || r[0].Channel != "mandate" || r[0].Ref != "mandate:1" {
		t.Errorf("risk entries %+v, want one on the mandate channel", r)
	}

	// The state survives a restart.
	db = db.MustReopen()
	if got := db.MustMandate(t, m.ID); !reflect.DeepEqual(got, m) {
		t.Errorf("after restart %+v\nwant %+v", got, m)
	}
}

func TestMandateIdempotency(t *testing.T) {
	ctx := context.Background()
	db := openMandates(t)
	d := Metered(50, 1000)
	key := Key("propose")
	m, err := db.ProposeMandate(ctx, key, d)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := db.ProposeMandate(ctx, key, d); err != nil || !reflect.DeepEqual(again, m) {
		t.Errorf("propose retry: %+v %v, want %+v", again, err, m)
	}
	d.Cap++
	_, err = db.ProposeMandate(ctx, key, d)
	WantErr(t, err, wallet.ErrIdempotencyConflict)

	key = Key("approve")
	m, _, err = db.ApproveMandate(ctx, key, m.ID, cli)
	if err != nil {
		t.Fatal(err)
	}
	if again, _, err := db.ApproveMandate(ctx, key, m.ID, cli); err != nil || !reflect.DeepEqual(again, m) {
		t.Errorf("approve retry: %+v %v, want %+v", again, err, m)
	}
	_, _, err = db.ApproveMandate(ctx, Key("approve"), m.ID, cli)
	WantErr(t, err, wallet.ErrMandateApproved)

	key = Key("charge")
	c, m, err := db.ChargeMandate(ctx, key, m.ID, Claude, 2)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		db.Clock.Advance(time.Second)
		c2, m2, err := db.ChargeMandate(ctx, key, m.ID, Claude, 2)
		if err != nil || !reflect.DeepEqual(c2, c) || !reflect.DeepEqual(m2, m) {
			t.Errorf("charge retry: %+v %+v %v, want %+v", c2, m2, err, c)
		}
	}
	if got := db.MustMandate(t, m.ID); got.Charges != 1 || got.TotalSpent != 100 {
		t.Errorf("after retries %+v, want one charge of 100", got)
	}
	if got := db.MustAccount(t, Dev).Balance(); got != 100 {
		t.Errorf("payee got %d, want 100", got)
	}
	_, _, err = db.ChargeMandate(ctx, key, m.ID, Claude, 3)
	WantErr(t, err, wallet.ErrIdempotencyConflict)
	_, _, err = db.ChargeMandate(ctx, "", m.ID, Claude, 3)
	WantErr(t, err, wallet.ErrNoIdempotencyKey)

	key = Key("revoke")
	m, err = db.RevokeMandate(ctx, key, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := db.RevokeMandate(ctx, key, m.ID); err != nil || !reflect.DeepEqual(again, m) {
		t.Errorf("revoke retry: %+v %v, want %+v", again, err, m)
	}
}

// A charge that would pass the cap is refused with nothing written; the
// next period allows charging again.
func TestMandateCapAndPeriods(t *testing.T) {
	ctx := context.Background()
	db := openMandates(t)
	m := db.MustPropose(t, Metered(300, 1000))
	m, _ = db.MustApprove(t, m.ID)
	_, m = db.MustCharge(t, m.ID, 3) // 900 of 1000

	before := db.snap(t, m.ID)
	c, got, err := db.ChargeMandate(ctx, Key("charge"), m.ID, Claude, 1)
	WantErr(t, err, wallet.ErrMandateCap)
	if c != nil || got == nil || got.PeriodSpent != 900 {
		t.Errorf("refused charge returned %+v and %+v", c, got)
	}
	if after := db.snap(t, m.ID); !reflect.DeepEqual(after, before) {
		t.Errorf("a refused charge changed the wallet:\nbefore %+v\nafter  %+v", before, after)
	}
	_, _, err = db.ChargeMandate(ctx, Key("charge"), m.ID, Claude, 1<<62) // would overflow
	WantErr(t, err, wallet.ErrMandateCap)

	// A tip allowance at exactly its cap is exhausted.
	tip := db.MustPropose(t, Tip(400, 1000))
	tip, _ = db.MustApprove(t, tip.ID)
	_, tip = db.MustCharge(t, tip.ID, 600)
	wantState(t, tip, wallet.MandateExhausted)
	_, _, err = db.ChargeMandate(ctx, Key("charge"), tip.ID, Claude, 1)
	WantErr(t, err, wallet.ErrMandateCap)

	// The day's period rolls over from the time of approval.
	db.Clock.Advance(24*time.Hour - time.Second)
	if got := db.MustMandate(t, m.ID); got.PeriodSpent != 900 || got.PeriodStart != Noon {
		t.Errorf("a second before the next period: %+v", got)
	}
	db.Clock.Advance(time.Second)
	got = db.MustMandate(t, m.ID)
	if got.PeriodSpent != 0 || got.PeriodStart != Noon.Add(24*time.Hour) || got.TotalSpent != 900 || got.State != wallet.MandateActive {
		t.Errorf("in the next period: %+v", got)
	}
	wantState(t, db.MustMandate(t, tip.ID), wallet.MandateExpired) // the tip allowance lived a day
	db.Clock.Advance(3 * 24 * time.Hour)
	_, m = db.MustCharge(t, m.ID, 3)
	if m.PeriodSpent != 900 || m.TotalSpent != 1800 || m.PeriodStart != Noon.Add(4*24*time.Hour) {
		t.Errorf("charged in a later period: %+v", m)
	}
	list, err := db.FindMandates(ctx, wallet.MandateFilter{})
	if err != nil || len(list) != 2 || list[0].ID != m.ID || list[1].ID != tip.ID {
		t.Fatalf("mandates %+v %v, want oldest first", list, err)
	}
	wantState(t, list[1], wallet.MandateExpired)
}

func TestMandateRefusals(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		prep func(db *DB, id uint64) // from a proposal
		want error
	}{
		{"proposed", func(*DB, uint64) {}, wallet.ErrMandateNotActive},
		{"declined", func(db *DB, id uint64) {
			if _, err := db.DeclineMandate(ctx, Key("decline"), id); err != nil {
				t.Fatal(err)
			}
		}, wallet.ErrMandateNotActive},
		{"revoked", func(db *DB, id uint64) {
			db.MustApprove(t, id)
			if _, err := db.RevokeMandate(ctx, Key("revoke"), id); err != nil {
				t.Fatal(err)
			}
		}, wallet.ErrMandateRevoked},
		{"expired", func(db *DB, id uint64) {
			db.MustApprove(t, id)
			db.Clock.Advance(30 * 24 * time.Hour)
		}, wallet.ErrMandateExpired},
		{"expired proposal", func(db *DB, id uint64) { db.Clock.Advance(30 * 24 * time.Hour) }, wallet.ErrMandateExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openMandates(t)
			m := db.MustPropose(t, Metered(50, 1000))
			tt.prep(db, m.ID)
			before := db.snap(t, m.ID)
			c, got, err := db.ChargeMandate(ctx, Key("charge"), m.ID, Claude, 1)
			WantErr(t, err, tt.want)
			if c != nil || got == nil || got.ID != m.ID {
				t.Errorf("refused charge returned %+v and %+v", c, got)
			}
			if after := db.snap(t, m.ID); !reflect.DeepEqual(after, before) {
				t.Errorf("a refused charge changed the wallet:\nbefore %+v\nafter  %+v", before, after)
			}
		})
	}
}

// Each change of state is allowed from its states only.
func TestMandateTransitions(t *testing.T) {
	ctx := context.Background()
	db := openMandates(t)
	decline := func(id uint64) error { _, err := db.DeclineMandate(ctx, Key("decline"), id); return err }
	revoke := func(id uint64) error { _, err := db.RevokeMandate(ctx, Key("revoke"), id); return err }
	approve := func(id uint64) error { _, _, err := db.ApproveMandate(ctx, Key("approve"), id, cli); return err }

	p := db.MustPropose(t, Metered(50, 1000))
	WantErr(t, revoke(p.ID), wallet.ErrMandateNotActive)
	if err := decline(p.ID); err != nil {
		t.Fatal(err)
	}
	wantState(t, db.MustMandate(t, p.ID), wallet.MandateDeclined)
	WantErr(t, approve(p.ID), wallet.ErrMandateNotActive)
	WantErr(t, decline(p.ID), wallet.ErrMandateNotActive)

	a := db.MustPropose(t, Metered(50, 1000))
	db.MustApprove(t, a.ID)
	WantErr(t, decline(a.ID), wallet.ErrMandateApproved)
	if err := revoke(a.ID); err != nil {
		t.Fatal(err)
	}
	wantState(t, db.MustMandate(t, a.ID), wallet.MandateRevoked)
	WantErr(t, revoke(a.ID), wallet.ErrMandateRevoked)
	WantErr(t, approve(a.ID), wallet.ErrMandateRevoked)
	db.Clock.Advance(60 * 24 * time.Hour)
	wantState(t, db.MustMandate(t, a.ID), wallet.MandateRevoked) // revoked stays revoked

	tip := Tip(100, 100)
	tip.Expires = db.Clock.Now().Add(24 * time.Hour)
	e := db.MustPropose(t, tip)
	db.MustApprove(t, e.ID)
	wantState(t, db.MustMandate(t, e.ID), wallet.MandateExhausted)
	WantErr(t, approve(e.ID), wallet.ErrMandateApproved)
	WantErr(t, decline(e.ID), wallet.ErrMandateApproved)
	if err := revoke(e.ID); err != nil {
		t.Fatalf("revoke an exhausted mandate: %v", err)
	}
	x := db.MustPropose(t, tip)
	db.Clock.Advance(24 * time.Hour)
	WantErr(t, approve(x.ID), wallet.ErrMandateExpired)
	WantErr(t, decline(x.ID), wallet.ErrMandateExpired)
	_, err := db.Mandate(ctx, 99)
	WantErr(t, err, wallet.ErrNotFound)
	WantErr(t, approve(99), wallet.ErrNotFound)
}

// Only the agent that holds a mandate charges under it; only a paired user
// device with payments enabled approves one.
func TestMandateAuthority(t *testing.T) {
	ctx := context.Background()
	db := openMandates(t)
	db.MustPairAgent(t, "gemini")
	if _, err := db.AddDevice(ctx, "phone", wallet.ScopeUser); err != nil { // not activated
		t.Fatal(err)
	}
	m := db.MustPropose(t, Tip(100, 1000))
	for _, device := range []string{Claude, "phone", "nobody", ""} {
		before := db.snap(t, m.ID)
		_, c, err := db.ApproveMandate(ctx, Key("approve"), m.ID, wallet.Authorization{Device: device, Method: "session"})
		WantErr(t, err, wallet.ErrUnauthorized)
		if c != nil {
			t.Errorf("approval by %q charged %+v", device, c)
		}
		if after := db.snap(t, m.ID); !reflect.DeepEqual(after, before) {
			t.Errorf("approval by %q changed the wallet", device)
		}
	}
	if err := db.DeactivateDevice(ctx, "glasses"); err != nil {
		t.Fatal(err)
	}
	_, _, err := db.ApproveMandate(ctx, Key("approve"), m.ID, wallet.Authorization{Device: "glasses"})
	WantErr(t, err, wallet.ErrUnauthorized)

	m, _ = db.MustApprove(t, m.ID)
	// Another agent's charge finds no such mandate, as it would find no
	// mandate that is not there: it learns nothing of the mandate.
	for _, agent := range []string{"gemini", "cli", ""} {
		c, got, err := db.ChargeMandate(ctx, Key("charge"), m.ID, agent, 100)
		WantErr(t, err, wallet.ErrNotFound)
		if c != nil || got != nil {
			t.Errorf("charge by %q returned %+v and %+v", agent, c, got)
		}
	}
	// An agent whose device was revoked charges nothing more.
	if err := db.RevokeDevice(ctx, Claude); err != nil {
		t.Fatal(err)
	}
	_, _, err = db.ChargeMandate(ctx, Key("charge"), m.ID, Claude, 100)
	WantErr(t, err, wallet.ErrUnauthorized)
	if got := db.MustMandate(t, m.ID); got.TotalSpent != 100 {
		t.Errorf("spent %d, want only the first tip", got.TotalSpent)
	}
}

func TestMandateTip(t *testing.T) {
	ctx := context.Background()
	db := openMandates(t)
	m := db.MustPropose(t, Tip(500, 2000))
	if m.Unit != "tip" || m.UnitPrice != 0 {
		t.Errorf("tip %+v", m)
	}
	key := Key("approve")
	m, c, err := db.ApproveMandate(ctx, key, m.ID, cli)
	if err != nil {
		t.Fatal(err)
	}
	if c == nil || c.Amount != 500 || c.Units != 500 || c.Transfer == 0 {
		t.Fatalf("first tip %+v", c)
	}
	if m.State != wallet.MandateActive || m.PeriodSpent != 500 || m.Charges != 1 {
		t.Errorf("after the first tip %+v", m)
	}
	m2, c2, err := db.ApproveMandate(ctx, key, m.ID, cli)
	if err != nil || !reflect.DeepEqual(m2, m) || !reflect.DeepEqual(c2, c) {
		t.Errorf("approval retry: %+v %+v %v", m2, c2, err)
	}
	if got := db.MustAccount(t, Dev).Balance(); got != 500 {
		t.Errorf("payee got %d, want the first tip once", got)
	}
	// Later tips within the allowance need no approval.
	_, m = db.MustCharge(t, m.ID, 1500)
	wantState(t, m, wallet.MandateExhausted)
	if got := db.MustAccount(t, Dev).Balance(); got != 2000 {
		t.Errorf("payee got %d, want 2000", got)
	}
}

func TestMandateInvalid(t *testing.T) {
	ctx := context.Background()
	db := openMandates(t)
	if _, err := db.AddDevice(ctx, "laptop", wallet.ScopeUser); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		change func(d *wallet.MandateDraft)
		want   error
	}{
		{"kind", func(d *wallet.MandateDraft) { d.Kind = "loan" }, wallet.ErrInvalid},
		{"unit", func(d *wallet.MandateDraft) { d.Unit = "byte" }, wallet.ErrInvalid},
		{"no price", func(d *wallet.MandateDraft) { d.UnitPrice = 0 }, wallet.ErrInvalid},
		{"price over cap", func(d *wallet.MandateDraft) { d.UnitPrice = 1001 }, wallet.ErrInvalid},
		{"no cap", func(d *wallet.MandateDraft) { d.Cap = 0 }, wallet.ErrInvalid},
		{"first on a subscription", func(d *wallet.MandateDraft) { d.First = 10 }, wallet.ErrInvalid},
		{"negative period", func(d *wallet.MandateDraft) { d.Period = -time.Hour }, wallet.ErrInvalid},
		{"no expiry", func(d *wallet.MandateDraft) { d.Expires = time.Time{} }, wallet.ErrInvalid},
		{"expiry now", func(d *wallet.MandateDraft) { d.Expires = Noon }, wallet.ErrInvalid},
		{"payee is the user", func(d *wallet.MandateDraft) { d.Payee = wallet.UserAccount }, wallet.ErrInvalid},
		{"long note", func(d *wallet.MandateDraft) { d.Note = string(make([]byte, 501)) }, wallet.ErrInvalid},
		{"unpaired agent", func(d *wallet.MandateDraft) { d.Agent = "gemini" }, wallet.ErrUnauthorized},
		{"user device as agent", func(d *wallet.MandateDraft) { d.Agent = "laptop" }, wallet.ErrUnauthorized},
		{"tip without first", func(d *wallet.MandateDraft) { *d = Tip(0, 100) }, wallet.ErrInvalid},
		{"tip first over cap", func(d *wallet.MandateDraft) { *d = Tip(101, 100) }, wallet.ErrInvalid},
		{"tip with a price", func(d *wallet.MandateDraft) { *d = Tip(10, 100); d.UnitPrice = 5 }, wallet.ErrInvalid},
	}
	audit := len(db.MustAudit(t))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Metered(50, 1000)
			tt.change(&d)
			m, err := db.ProposeMandate(ctx, Key("propose"), d)
			WantErr(t, err, tt.want)
			if m != nil {
				t.Errorf("returned %+v", m)
			}
		})
	}
	if got := len(db.MustAudit(t)); got != audit {
		t.Errorf("invalid proposals wrote %d audit entries", got-audit)
	}
	m := db.MustPropose(t, Metered(50, 1000))
	db.MustApprove(t, m.ID)
	for _, units := range []int64{0, -1} {
		_, _, err := db.ChargeMandate(ctx, Key("charge"), m.ID, Claude, units)
		WantErr(t, err, wallet.ErrInvalid)
	}
}

func TestMandateFunds(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	db.MustPairAgent(t, Claude)
	db.MustTopup(t, 1000)

	// A tip the user cannot cover leaves the proposal as it was.
	tip := db.MustPropose(t, Tip(1500, 2000))
	before := db.snap(t, tip.ID)
	m, c, err := db.ApproveMandate(ctx, Key("approve"), tip.ID, cli)
	WantErr(t, err, wallet.ErrInsufficientFunds)
	wantState(t, m, wallet.MandateProposed)
	if c != nil {
		t.Errorf("charge %+v", c)
	}
	if after := db.snap(t, tip.ID); !reflect.DeepEqual(after, before) {
		t.Errorf("a refused approval changed the wallet")
	}

	sub := db.MustPropose(t, Metered(400, 5000))
	db.MustApprove(t, sub.ID)
	db.MustCharge(t, sub.ID, 2)
	before = db.snap(t, sub.ID)
	_, _, err = db.ChargeMandate(ctx, Key("charge"), sub.ID, Claude, 1)
	WantErr(t, err, wallet.ErrInsufficientFunds)
	if after := db.snap(t, sub.ID); !reflect.DeepEqual(after, before) {
		t.Errorf("a charge the user cannot cover changed the wallet")
	}

	// A frozen wallet pays nothing, under a mandate either.
	db.MustTopup(t, 10000)
	if err := db.Freeze(ctx); err != nil {
		t.Fatal(err)
	}
	key := Key("charge")
	_, _, err = db.ChargeMandate(ctx, key, sub.ID, Claude, 1)
	WantErr(t, err, wallet.ErrFrozen)
	_, _, err = db.ApproveMandate(ctx, Key("approve"), tip.ID, cli)
	WantErr(t, err, wallet.ErrFrozen)
	if err := db.Unfreeze(ctx, DevicePIN); err != nil {
		t.Fatal(err)
	}
	// Nothing was remembered under the key: the same request goes through now.
	if _, m, err := db.ChargeMandate(ctx, key, sub.ID, Claude, 1); err != nil || m.TotalSpent != 1200 {
		t.Errorf("after unfreezing: %+v %v", m, err)
	}
	if m, c, err := db.ApproveMandate(ctx, Key("approve"), tip.ID, cli); err != nil || c == nil || m.TotalSpent != 1500 {
		t.Errorf("tip after the top-up: %+v %+v %v", m, c, err)
	}
}

// A risk block refuses the charge, stays on the audit chain and is what the
// same key returns afterwards.
func TestMandateRiskBlock(t *testing.T) {
	ctx := context.Background()
	screen := NewFixedScreen(wallet.ActionAllow)
	db := openMandates(t, WithScreen(screen))
	m := db.MustPropose(t, Metered(50, 1000))
	db.MustApprove(t, m.ID)

	for _, action := range []string{wallet.ActionBlock, wallet.ActionStepUp} {
		screen.Set(action, "repeat_limit: a runaway agent")
		before := db.snap(t, m.ID)
		key := Key("charge")
		c, got, err := db.ChargeMandate(ctx, key, m.ID, Claude, 2)
		WantErr(t, err, wallet.ErrBlocked)
		if c == nil || c.Decision.Action != wallet.ActionBlock || c.ID != 0 || c.Transfer != 0 || c.Amount != 100 {
			t.Errorf("%s: blocked charge %+v", action, c)
		}
		if got == nil || got.PeriodSpent != 0 {
			t.Errorf("%s: mandate %+v", action, got)
		}
		after := db.snap(t, m.ID)
		if after.user != before.user || after.dev != before.dev || !reflect.DeepEqual(after.mandate, before.mandate) {
			t.Errorf("%s: a blocked charge moved money", action)
		}
		if after.audit != before.audit+2 { // the risk decision and the refused charge
			t.Errorf("%s: %d audit entries, want 2", action, after.audit-before.audit)
		}
		screened := len(screen.Debits())
		screen.Set(wallet.ActionAllow)
		c2, _, err := db.ChargeMandate(ctx, key, m.ID, Claude, 2)
		WantErr(t, err, wallet.ErrBlocked)
		if !reflect.DeepEqual(c2, c) || len(screen.Debits()) != screened {
			t.Errorf("%s: the retry was screened again or returned %+v", action, c2)
		}
	}
	d := screen.Debits()[0]
	if d.Channel != "mandate" || d.Agent != Claude || d.Payee != Dev || d.Amount != 100 {
		t.Errorf("screened %+v", d)
	}

	// A blocked first tip leaves the proposal unapproved.
	screen.Set(wallet.ActionBlock, "max_per_transaction")
	tip := db.MustPropose(t, Tip(100, 100))
	got, c, err := db.ApproveMandate(ctx, Key("approve"), tip.ID, cli)
	WantErr(t, err, wallet.ErrBlocked)
	wantState(t, got, wallet.MandateProposed)
	if c == nil || c.Decision.Action != wallet.ActionBlock {
		t.Errorf("blocked tip %+v", c)
	}
	wantState(t, db.MustMandate(t, tip.ID), wallet.MandateProposed)
}

// With the default risk limits, a loop recording usage as fast as it can is
// blocked after the mandate repeat limit, while steady metered use, one
// charge a minute for an hour, goes through.
func TestMandateRunawayAgent(t *testing.T) {
	ctx := context.Background()
	db := openMandates(t)
	m := db.MustPropose(t, Metered(20, 10000))
	db.MustApprove(t, m.ID)

	var ok, blocked int
	for range 100 {
		db.Clock.Advance(100 * time.Millisecond)
		_, _, err := db.ChargeMandate(ctx, Key("loop"), m.ID, Claude, 1)
		switch {
		case err == nil:
			ok++
		case errors.Is(err, wallet.ErrBlocked):
			blocked++
		default:
			t.Fatalf("charge %d: %v", ok+blocked, err)
		}
		if blocked > 0 && err == nil {
			t.Fatalf("charge %d went through after a block", ok+blocked)
		}
	}
	if ok != 30 || blocked != 70 {
		t.Errorf("runaway loop: %d charged, %d blocked; want 30 and 70", ok, blocked)
	}

	steady := db.MustPropose(t, Metered(30, 10000))
	db.MustApprove(t, steady.ID)
	db.Clock.Advance(time.Hour)
	for i := range 60 {
		db.Clock.Advance(time.Minute)
		if _, _, err := db.ChargeMandate(ctx, Key("use"), steady.ID, Claude, 1); err != nil {
			t.Fatalf("steady use, charge %d: %v", i, err)
		}
	}
	if got := db.MustMandate(t, steady.ID); got.Charges != 60 || got.TotalSpent != 1800 {
		t.Errorf("steady use: %+v", got)
	}
}

// TestMandateRunawayAnyAmount: the runaway rule counts the charges under a
// mandate whatever their amounts, so that after 30 charges of one unit a
// charge of two units is blocked as well; another mandate is counted
// apart.
func TestMandateRunawayAnyAmount(t *testing.T) {
	ctx := context.Background()
	db := openMandates(t)
	m := db.MustPropose(t, Metered(20, 10000))
	db.MustApprove(t, m.ID)
	for i := range 30 {
		db.Clock.Advance(100 * time.Millisecond)
		if _, _, err := db.ChargeMandate(ctx, Key("loop"), m.ID, Claude, 1); err != nil {
			t.Fatalf("charge %d: %v", i, err)
		}
	}
	db.Clock.Advance(100 * time.Millisecond)
	_, _, err := db.ChargeMandate(ctx, Key("loop"), m.ID, Claude, 2)
	WantErr(t, err, wallet.ErrBlocked)
	if e := wallet.AsError(err); e.Decision == nil || !slices.Contains(e.Decision.Rules, "repeat_limit") {
		t.Errorf("blocked by %+v, want repeat_limit", e.Decision)
	}
	if got := db.MustMandate(t, m.ID); got.Charges != 30 || got.TotalSpent != 600 {
		t.Errorf("after the block: %+v", got)
	}
	other := db.MustPropose(t, Metered(20, 10000))
	db.MustApprove(t, other.ID)
	if _, _, err := db.ChargeMandate(ctx, Key("other"), other.ID, Claude, 2); err != nil {
		t.Errorf("a charge under another mandate: %v", err)
	}
}

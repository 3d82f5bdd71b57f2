package wallet_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/voicepay/voicepay/wallet"
)

// MustFileClaim files a claim on transfer.
func (db *DB) MustFileClaim(tb testing.TB, transfer uint64) *wallet.Claim {
	tb.Helper()
	c, err := db.FileClaim(context.Background(), Key("claim"),
		wallet.ClaimRequest{Transfer: transfer, Reason: "not me", Device: "cli"})
	if err != nil {
		tb.Fatalf("file claim on transfer %d: %v", transfer, err)
	}
	return c
}

// mustPay pays an order of n lattes and returns the transfer that paid it.
func (db *DB) mustPay(tb testing.TB, n int) *wallet.Transfer {
	tb.Helper()
	o := db.MustAuthorize(tb, db.MustConfirm(tb, db.MustCreate(tb, Lattes(n)).ID).ID)
	return db.lastDebit(tb, fmt.Sprintf("order:%d", o.ID))
}

// lastDebit is the newest debit of the user with ref.
func (db *DB) lastDebit(tb testing.TB, ref string) *wallet.Transfer {
	tb.Helper()
	ts, err := db.Transfers(context.Background(), wallet.UserAccount, 0)
	if err != nil {
		tb.Fatal(err)
	}
	for _, t := range ts {
		if t.Ref == ref && t.Debit == wallet.UserAccount && (t.Kind == wallet.Post || t.Kind == wallet.Single) {
			return t
		}
	}
	tb.Fatalf("no debit %s", ref)
	return nil
}

// wantReimbursed checks that c was paid back at once on the evidence want,
// by a transfer from the compensation fund, and that the user's balance
// and the fund's moved by the amount.
func (db *DB) wantReimbursed(tb testing.TB, c *wallet.Claim, before int64, want ...string) {
	tb.Helper()
	if c.State != wallet.ClaimReimbursed || !slices.Equal(c.Evidence, want) {
		tb.Fatalf("claim %s on %v, want reimbursed on %v", c.State, c.Evidence, want)
	}
	if got := db.MustAccount(tb, wallet.UserAccount).Balance(); got != before+c.Amount {
		tb.Errorf("user balance %d, want %d", got, before+c.Amount)
	}
	ts, err := db.Transfers(context.Background(), wallet.CompensationAccount, 0)
	if err != nil {
		tb.Fatal(err)
	}
	if len(ts) == 0 || ts[0].ID != c.Reimbursement || ts[0].Amount != c.Amount ||
		ts[0].Credit != wallet.UserAccount || ts[0].Ref != fmt.Sprintf("claim:%d", c.ID) {
		tb.Errorf("reimbursement %d: compensation transfers %+v", c.Reimbursement, ts)
	}
	db.wantClaimEntries(tb, c.ID, "filed", "reimbursed")
}

// wantClaimEntries checks the claim's audit entries, in order.
func (db *DB) wantClaimEntries(tb testing.TB, id uint64, want ...string) {
	tb.Helper()
	var got []string
	for _, e := range db.MustAudit(tb) {
		if e.Kind == "claim" && strings.Contains(string(e.Data), fmt.Sprintf(`"claim":{"id":%d,`, id)) {
			ev, _, _ := strings.Cut(strings.TrimPrefix(string(e.Data), `{"event":"`), `"`)
			got = append(got, ev)
		}
	}
	if !slices.Equal(got, want) {
		tb.Errorf("claim %d audit entries %v, want %v", id, got, want)
	}
}

func (db *DB) balance(tb testing.TB) int64 {
	tb.Helper()
	return db.MustAccount(tb, wallet.UserAccount).Balance()
}

// TestClaimEvidence makes each kind of unauthorized debit, through the
// wallet's API where it can and by forcing it where every defence refuses
// it, and checks that its claim is paid back at once on that evidence.
func TestClaimEvidence(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		// debit makes the debit to claim.
		debit func(t *testing.T, db *DB) *wallet.Transfer
		want  []string
	}{
		{"after a freeze", func(t *testing.T, db *DB) *wallet.Transfer {
			if err := db.Freeze(ctx); err != nil {
				t.Fatal(err)
			}
			tr, err := db.ForceDebit(ctx, wallet.MerchantAccount("luckin_coffee"), 1800, "")
			if err != nil {
				t.Fatal(err)
			}
			return tr
		}, []string{wallet.EvidenceFrozen, wallet.EvidenceNoAuthorization}},
		{"from a device not enabled", func(t *testing.T, db *DB) *wallet.Transfer {
			if err := db.DeactivateDevice(ctx, "glasses"); err != nil {
				t.Fatal(err)
			}
			tr := db.mustPay(t, 1)
			if err := db.ForceReceipt(ctx, binaryRef(tr.Ref), "glasses"); err != nil {
				t.Fatal(err)
			}
			return tr
		}, []string{wallet.EvidenceDeviceNotActive}},
		{"from a device never paired", func(t *testing.T, db *DB) *wallet.Transfer {
			tr := db.mustPay(t, 1)
			if err := db.ForceReceipt(ctx, binaryRef(tr.Ref), "ghost"); err != nil {
				t.Fatal(err)
			}
			return tr
		}, []string{wallet.EvidenceDeviceNotActive}},
		{"a charge with no mandate", func(t *testing.T, db *DB) *wallet.Transfer {
			tr, err := db.ForceDebit(ctx, Dev, 300, "mandate:77")
			if err != nil {
				t.Fatal(err)
			}
			return tr
		}, []string{wallet.EvidenceNoMandate}},
		{"a charge over the cap", func(t *testing.T, db *DB) *wallet.Transfer {
			return db.forceCharge(t, nil, Claude, 900)
		}, []string{wallet.EvidenceMandateCap}},
		{"a charge after revocation", func(t *testing.T, db *DB) *wallet.Transfer {
			return db.forceCharge(t, func(m *wallet.Mandate) {
				if _, err := db.RevokeMandate(ctx, Key("revoke"), m.ID); err != nil {
					t.Fatal(err)
				}
			}, Claude, 100)
		}, []string{wallet.EvidenceMandateRevoked}},
		{"a charge after expiry", func(t *testing.T, db *DB) *wallet.Transfer {
			return db.forceCharge(t, func(*wallet.Mandate) { db.Clock.Advance(31 * 24 * time.Hour) }, Claude, 100)
		}, []string{wallet.EvidenceMandateExpired}},
		{"a charge by another agent", func(t *testing.T, db *DB) *wallet.Transfer {
			return db.forceCharge(t, nil, "mallory", 100)
		}, []string{wallet.EvidenceOtherAgent}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openMandates(t, WithScreen(NewFixedScreen(wallet.ActionAllow)))
			tr := tt.debit(t, db)
			before := db.balance(t)
			c := db.MustFileClaim(t, tr.ID)
			if c.Amount != tr.Amount || c.Transfer != tr.ID || c.Payee != tr.Credit {
				t.Errorf("claim %+v on transfer %+v", c, tr)
			}
			db.wantReimbursed(t, c, before, tt.want...)
		})
	}
}

// binaryRef is the id in a ref such as "order:12".
func binaryRef(ref string) uint64 {
	var id uint64
	fmt.Sscanf(ref[strings.IndexByte(ref, ':')+1:], "%d", &id)
	return id
}

// forceCharge approves a subscription of 100 a use capped at 1000 a day,
// charges 2 uses, runs before, and forces a charge of amount by agent.
func (db *DB) forceCharge(t *testing.T, before func(*wallet.Mandate), agent string, amount int64) *wallet.Transfer {
	t.Helper()
	m := db.MustPropose(t, Metered(100, 1000))
	db.MustApprove(t, m.ID)
	db.MustCharge(t, m.ID, 2)
	if before != nil {
		before(m)
	}
	c, err := db.ForceCharge(context.Background(), m.ID, agent, amount)
	if err != nil {
		t.Fatal(err)
	}
	return db.lastDebit(t, fmt.Sprintf("mandate:%d", c.Mandate))
}

// TestClaimTampered claims payments whose order or receipt was edited in
// the file: the receipt no longer proves the payment, so each is paid back
// at once. audit verify names the edit too (ExpectCorrupt).
func TestClaimTampered(t *testing.T) {
	tests := []struct {
		name string
		edit func(map[string]any)
		want string
	}{
		{"no receipt", func(o map[string]any) { delete(o, "receipt") }, wallet.EvidenceNoReceipt},
		{"receipt hash mismatch", func(o map[string]any) { o["payee"] = "merchant:evil" }, wallet.EvidenceReceiptMismatch},
		{"amount mismatch", func(o map[string]any) {
			o["total"] = 1
			o["receipt"].(map[string]any)["amount"] = 1
		}, wallet.EvidenceReceiptMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := MustOpenDB(t)
			db.MustTopup(t, 10000)
			tr := db.mustPay(t, 1)
			db.MustClose()
			editBolt(t, db.opts.path, func(tx *bolt.Tx) error {
				return editJSON(tx, "orders", u64(binaryRef(tr.Ref)), tt.edit)
			})
			db = MustOpenDB(t, WithPath(db.opts.path), WithClock(db.Clock), WithoutDevices(), ExpectCorrupt())
			before := db.balance(t)
			db.wantReimbursed(t, db.MustFileClaim(t, tr.ID), before, tt.want)
		})
	}
}

// TestClaimReview files claims the evidence does not settle: they wait,
// and are approved (paid once, however often and however many approve)
// or rejected.
func TestClaimReview(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	db.MustTopup(t, 10000)
	paid, kept := db.mustPay(t, 1), db.mustPay(t, 2)
	before := db.balance(t)
	a, b := db.MustFileClaim(t, paid.ID), db.MustFileClaim(t, kept.ID)
	for _, c := range []*wallet.Claim{a, b} {
		if c.State != wallet.ClaimReview || len(c.Evidence) != 0 || c.PayeeName != "Luckin Coffee" {
			t.Fatalf("claim %+v, want review with no evidence", c)
		}
	}
	if got := db.balance(t); got != before {
		t.Fatalf("balance %d after filing, want %d", got, before)
	}

	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if c, err := db.ApproveClaim(ctx, a.ID, "confirmed with the shop", fmt.Sprint("cli", i)); err != nil {
				t.Errorf("approve: %v", err)
			} else if c.State != wallet.ClaimApproved {
				t.Errorf("approved claim is %s", c.State)
			}
		}()
	}
	wg.Wait()
	if got := db.balance(t); got != before+a.Amount {
		t.Fatalf("balance %d after approving, want %d: paid once", got, before+a.Amount)
	}
	if comp := db.MustAccount(t, wallet.CompensationAccount).Balance(); comp != -a.Amount {
		t.Errorf("compensation fund %d, want %d", comp, -a.Amount)
	}
	db.wantClaimEntries(t, a.ID, "filed", "approved")

	r, err := db.RejectClaim(ctx, b.ID, "the receipt is good", "cli")
	if err != nil || r.State != wallet.ClaimRejected || r.Note != "the receipt is good" {
		t.Fatalf("reject: %+v, %v", r, err)
	}
	if _, err := db.RejectClaim(ctx, b.ID, "again", "cli"); err != nil {
		t.Errorf("reject again: %v", err)
	}
	_, err = db.ApproveClaim(ctx, b.ID, "", "cli")
	wantClaimCode(t, err, wallet.ESTATE)
	_, err = db.RejectClaim(ctx, a.ID, "", "cli")
	wantClaimCode(t, err, wallet.ESTATE)
	_, err = db.ApproveClaim(ctx, 99, "", "cli")
	WantErr(t, err, wallet.ErrNotFound)
	if got := db.balance(t); got != before+a.Amount {
		t.Errorf("balance %d, want %d", got, before+a.Amount)
	}
	db.wantClaimEntries(t, b.ID, "filed", "rejected")
	cs, err := db.Claims(ctx)
	if err != nil || len(cs) != 2 || cs[0].ID != b.ID || cs[1].ID != a.ID {
		t.Errorf("claims %+v, %v", cs, err)
	}
	db = db.MustReopen()
	if c, err := db.Claim(ctx, a.ID); err != nil || c.State != wallet.ClaimApproved || c.Reimbursement == 0 {
		t.Errorf("claim after reopening: %+v, %v", c, err)
	}
}

// TestClaimRefused files claims that cannot be filed: a second on one
// payment, one on an unknown transfer, on a top-up and on a hold.
func TestClaimRefused(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	topup := db.MustTopup(t, 10000)
	paid := db.mustPay(t, 1)
	first := db.MustFileClaim(t, paid.ID)
	o := db.MustConfirm(t, db.MustCreate(t, Lattes(1)).ID)

	_, err := db.FileClaim(ctx, Key("claim"), wallet.ClaimRequest{Transfer: paid.ID})
	wantClaimCode(t, err, wallet.ECONFLICT)
	if !strings.Contains(wallet.AsError(err).Message, fmt.Sprintf("claim %d", first.ID)) {
		t.Errorf("conflict %q does not name claim %d", wallet.AsError(err).Message, first.ID)
	}
	_, err = db.FileClaim(ctx, Key("claim"), wallet.ClaimRequest{Transfer: 999})
	WantErr(t, err, wallet.ErrNotFound)
	_, err = db.FileClaim(ctx, Key("claim"), wallet.ClaimRequest{Transfer: topup.ID})
	wantClaimCode(t, err, wallet.EINVALID)
	_, err = db.FileClaim(ctx, Key("claim"), wallet.ClaimRequest{Transfer: o.HoldID})
	wantClaimCode(t, err, wallet.EINVALID)

	// A retry with the same key is the same claim.
	key := Key("claim")
	a, err := db.FileClaim(ctx, key, wallet.ClaimRequest{Transfer: db.mustPay(t, 2).ID})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := db.FileClaim(ctx, key, wallet.ClaimRequest{Transfer: a.Transfer}); err != nil || b.ID != a.ID {
		t.Errorf("retry: %+v, %v; want claim %d", b, err, a.ID)
	}
	if cs, _ := db.Claims(ctx); len(cs) != 2 {
		t.Errorf("%d claims, want 2", len(cs))
	}
}

func wantClaimCode(tb testing.TB, err error, code string) {
	tb.Helper()
	var e *wallet.Error
	if !errors.As(err, &e) || e.Code != code {
		tb.Fatalf("error %v, want code %s", err, code)
	}
}

package wallet_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/voicepay/voicepay/wallet"
)

// paymentTransfer is the transfer that paid order id.
func paymentTransfer(t *testing.T, db *DB, id uint64) uint64 {
	t.Helper()
	ts, err := db.Transfers(context.Background(), wallet.UserAccount, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range ts {
		if tr.Kind == wallet.Post && tr.Ref == fmt.Sprintf("order:%d", id) {
			return tr.ID
		}
	}
	t.Fatalf("order %d has no payment", id)
	return 0
}

// TestRefundAndClaimPayOnce: a payment is made good once, whether its
// payee refunds it or the compensation fund pays it back on a claim, in
// either order, and audit verify holds throughout.
func TestRefundAndClaimPayOnce(t *testing.T) {
	ctx := context.Background()
	db := openMandates(t)
	db.MustAuthorize(t, db.MustConfirm(t, db.MustCreate(t, Lattes(1)).ID).ID) // Luckin is no new payee
	balance := func() int64 { return db.MustAccount(t, wallet.UserAccount).Balance() }
	verify := func(when string) {
		t.Helper()
		if rep, err := db.VerifyAudit(ctx); err != nil {
			t.Fatalf("%s: audit verify: %v %+v", when, err, rep)
		}
	}
	pay := func() (*wallet.Order, uint64) {
		o := db.MustAuthorize(t, db.MustConfirm(t, db.MustCreate(t, agentOrder(Claude)).ID).ID)
		return o, paymentTransfer(t, db, o.ID)
	}

	// Refunded in part, then claimed: the claim pays back the rest only;
	// a later refund of what is left goes to the fund.
	o, tr := pay()
	start := balance()
	if _, err := db.RefundPayment(ctx, "a1", wallet.RefundRequest{Agent: Claude, OrderID: o.ID, Amount: 1000}); err != nil {
		t.Fatal(err)
	}
	c, err := db.FileClaim(ctx, "a2", wallet.ClaimRequest{Transfer: tr, Reason: "not me"})
	if err != nil || c.Amount != o.Total-1000 {
		t.Fatalf("claim after a partial refund: %+v %v, want %d claimed", c, err, o.Total-1000)
	}
	if c, err = db.ApproveClaim(ctx, c.ID, "", "cli"); err != nil || !c.State.Paid() {
		t.Fatalf("approve: %+v %v", c, err)
	}
	if got := balance(); got != start+o.Total {
		t.Errorf("after the refund and the claim the person has %d more, want %d", got-start, o.Total)
	}
	fund := db.MustAccount(t, wallet.CompensationAccount).Balance()
	rest, err := db.RefundPayment(ctx, "a3", wallet.RefundRequest{Agent: Claude, OrderID: o.ID})
	if err != nil || rest.To != wallet.CompensationAccount || rest.Amount != o.Total-1000 {
		t.Fatalf("refund after the claim paid: %+v %v, want the rest to the fund", rest, err)
	}
	if got := balance(); got != start+o.Total {
		t.Errorf("the person was paid twice: %d more, want %d", got-start, o.Total)
	}
	if got := db.MustAccount(t, wallet.CompensationAccount).Balance(); got != fund+rest.Amount {
		t.Errorf("the fund has %d, want %d", got, fund+rest.Amount)
	}
	if err := wallet.VerifyRefund(db.PublicKey(), rest); err != nil {
		t.Errorf("the refund to the fund: %v", err)
	}
	verify("refund, claim, refund")

	// Refunded in full: nothing to claim.
	o, tr = pay()
	if _, err := db.RefundPayment(ctx, "b1", wallet.RefundRequest{Agent: Claude, OrderID: o.ID}); err != nil {
		t.Fatal(err)
	}
	_, err = db.FileClaim(ctx, "b2", wallet.ClaimRequest{Transfer: tr})
	wantCodeErr(t, "a claim on a payment refunded in full", err, wallet.ESTATE)

	// Claimed, then refunded in full while under review: approving it
	// pays nothing more.
	o, tr = pay()
	start = balance()
	c, err = db.FileClaim(ctx, "c1", wallet.ClaimRequest{Transfer: tr})
	if err != nil || c.State != wallet.ClaimReview {
		t.Fatalf("claim: %+v %v", c, err)
	}
	if r, err := db.RefundPayment(ctx, "c2", wallet.RefundRequest{Agent: Claude, OrderID: o.ID}); err != nil || r.To != "" {
		t.Fatalf("refund while the claim waits: %+v %v, want it to the person", r, err)
	}
	if c, err = db.ApproveClaim(ctx, c.ID, "", "cli"); err != nil || c.Amount != 0 || c.Reimbursement != 0 {
		t.Fatalf("approve after a full refund: %+v %v, want nothing paid", c, err)
	}
	if got := balance(); got != start+o.Total {
		t.Errorf("the person has %d more, want %d", got-start, o.Total)
	}

	// A charge under a mandate, claimed and paid back, then refunded.
	m := db.MustPropose(t, Metered(100, 10000))
	db.MustApprove(t, m.ID)
	ch, _ := db.MustCharge(t, m.ID, 3)
	start = balance()
	if c, err = db.FileClaim(ctx, "d1", wallet.ClaimRequest{Transfer: ch.Transfer}); err != nil {
		t.Fatal(err)
	}
	if _, err = db.ApproveClaim(ctx, c.ID, "", "cli"); err != nil {
		t.Fatal(err)
	}
	if r, err := db.RefundPayment(ctx, "d2", wallet.RefundRequest{Agent: Claude, ChargeID: ch.ID}); err != nil || r.To != wallet.CompensationAccount {
		t.Fatalf("refund of a charge the fund paid back: %+v %v", r, err)
	}
	if got := balance(); got != start+ch.Amount {
		t.Errorf("the person has %d more, want %d", got-start, ch.Amount)
	}
	verify("the end")
}

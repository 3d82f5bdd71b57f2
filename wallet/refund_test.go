package wallet_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/voicepay/voicepay/wallet"
)

// TestRefundPayment refunds an agent's paid order in two parts and a charge
// in full: the money goes from the payee back to the person, each refund
// has a receipt the wallet's key signs, a retry refunds once, and nothing
// past what was paid is refunded. Another agent, and an unpaid order, get
// nothing.
func TestRefundPayment(t *testing.T) {
	ctx := context.Background()
	db := openMandates(t)
	db.MustPairAgent(t, "gemini")
	// The person's own payment first: a payee the person paid before is no
	// new payee an agent proposes, which risk control would step up.
	mine := db.MustAuthorize(t, db.MustConfirm(t, db.MustCreate(t, Lattes(1)).ID).ID)
	o := db.MustAuthorize(t, db.MustConfirm(t, db.MustCreate(t, agentOrder(Claude)).ID).ID) // 3600
	m := db.MustPropose(t, Metered(100, 10000))
	db.MustApprove(t, m.ID)
	c, _ := db.MustCharge(t, m.ID, 3)
	user := db.MustAccount(t, wallet.UserAccount).Balance()

	part := wallet.RefundRequest{Agent: Claude, OrderID: o.ID, Amount: 1000, Reason: "one latte was cold"}
	r, err := db.RefundPayment(ctx, "r1", part)
	if err != nil {
		t.Fatalf("refund: %v", err)
	}
	if r.Amount != 1000 || r.Paid != o.Total || r.Refunded != 1000 || r.Payment != fmt.Sprintf("order:%d", o.ID) || r.Payee != Luckin {
		t.Errorf("refund %+v", r)
	}
	if err := wallet.VerifyRefund(db.PublicKey(), r); err != nil {
		t.Errorf("the refund's receipt: %v", err)
	}
	forged := *r
	forged.Amount = 3600
	if err := wallet.VerifyRefund(db.PublicKey(), &forged); !errors.Is(err, wallet.ErrBadReceipt) {
		t.Errorf("a changed refund verifies: %v", err)
	}
	again, err := db.RefundPayment(ctx, "r1", part)
	if err != nil || again.ID != r.ID {
		t.Errorf("a retry: %+v %v, want refund %d", again, err, r.ID)
	}
	_, err = db.RefundPayment(ctx, "r1", wallet.RefundRequest{Agent: Claude, OrderID: o.ID, Amount: 5})
	WantErr(t, err, wallet.ErrIdempotencyConflict)
	_, err = db.RefundPayment(ctx, "r2", wallet.RefundRequest{Agent: Claude, OrderID: o.ID, Amount: 2601})
	wantCodeErr(t, "refund past what was paid", err, wallet.EINVALID)
	rest, err := db.RefundPayment(ctx, "r3", wallet.RefundRequest{Agent: Claude, OrderID: o.ID}) // the rest
	if err != nil || rest.Amount != 2600 || rest.Refunded != o.Total {
		t.Fatalf("the rest: %+v %v", rest, err)
	}
	_, err = db.RefundPayment(ctx, "r4", wallet.RefundRequest{Agent: Claude, OrderID: o.ID, Amount: 1})
	wantCodeErr(t, "refund of a refunded order", err, wallet.ESTATE)

	cr, err := db.RefundPayment(ctx, "r5", wallet.RefundRequest{Agent: Claude, ChargeID: c.ID})
	if err != nil || cr.Amount != 300 || cr.Payee != Dev {
		t.Fatalf("refund the charge: %+v %v", cr, err)
	}
	if got := db.MustAccount(t, wallet.UserAccount).Balance(); got != user+o.Total+300 {
		t.Errorf("the person's balance %d, want %d", got, user+o.Total+300)
	}
	if got := db.MustAccount(t, Luckin).Balance(); got != mine.Total {
		t.Errorf("the merchant kept %d, want only the person's own %d", got, mine.Total)
	}
	// The person's history shows it: money received, from the payee.
	ts, err := db.Transfers(ctx, wallet.UserAccount, 1)
	if err != nil || ts[0].Effect(wallet.UserAccount) != "received" || ts[0].Debit != Dev || ts[0].Ref != fmt.Sprintf("refund:%d", cr.ID) {
		t.Errorf("the person's newest transfer %+v (%v), want the refund received", ts[0], err)
	}
	if rs, err := db.Refunds(ctx, r.Payment); err != nil || len(rs) != 2 {
		t.Errorf("refunds of %s: %d (%v), want 2", r.Payment, len(rs), err)
	}

	drafted := db.MustCreate(t, agentOrder(Claude))
	refusals := []struct {
		name string
		req  wallet.RefundRequest
		code string
	}{
		{"another agent's order", wallet.RefundRequest{Agent: "gemini", OrderID: o.ID}, wallet.ENOTFOUND},
		{"another agent's charge", wallet.RefundRequest{Agent: "gemini", ChargeID: c.ID}, wallet.ENOTFOUND},
		{"the person's order", wallet.RefundRequest{Agent: Claude, OrderID: mine.ID}, wallet.ENOTFOUND},
		{"no such order", wallet.RefundRequest{Agent: Claude, OrderID: 999}, wallet.ENOTFOUND},
		{"an unpaid order", wallet.RefundRequest{Agent: Claude, OrderID: drafted.ID}, wallet.ESTATE},
		{"both", wallet.RefundRequest{Agent: Claude, OrderID: o.ID, ChargeID: c.ID}, wallet.EINVALID},
		{"neither", wallet.RefundRequest{Agent: Claude}, wallet.EINVALID},
		{"negative", wallet.RefundRequest{Agent: Claude, ChargeID: c.ID, Amount: -1}, wallet.ESTATE}, // refunded in full
		{"an unpaired agent", wallet.RefundRequest{Agent: "nobody", OrderID: o.ID}, wallet.EUNAUTHORIZED},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			before := db.MustAccount(t, wallet.UserAccount).Balance()
			_, err := db.RefundPayment(ctx, Key("refund"), tt.req)
			wantCodeErr(t, tt.name, err, tt.code)
			if after := db.MustAccount(t, wallet.UserAccount).Balance(); after != before {
				t.Errorf("a refused refund moved %d", after-before)
			}
		})
	}
}

package wallet_test

import (
	"context"
	"slices"
	"testing"

	"github.com/voicepay/voicepay/wallet"
)

// TestTransferEffect reads back what each kind of transfer did to the user,
// to the merchant, and to an account it does not touch.
func TestTransferEffect(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	db.MustTopup(t, 10000)
	db.MustAuthorize(t, db.MustConfirm(t, db.MustCreate(t, Lattes(1)).ID).ID)
	cancelled := db.MustConfirm(t, db.MustCreate(t, Lattes(2)).ID)
	if _, err := db.CancelOrder(ctx, Key("cancel"), cancelled.ID); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	ts, err := db.Transfers(ctx, "", 0)
	if err != nil {
		t.Fatalf("transfers: %v", err)
	}
	slices.Reverse(ts) // oldest first
	type effects struct{ user, merchant, other string }
	var got []effects
	for _, tr := range ts {
		got = append(got, effects{tr.Effect(wallet.UserAccount), tr.Effect(Luckin), tr.Effect(wallet.PayeeAccount("nobody"))})
	}
	want := []effects{
		{"received", "", ""},         // the top-up
		{"held", "held", ""},         // order 1 confirmed
		{"paid", "received", ""},     // order 1 paid
		{"held", "held", ""},         // order 2 confirmed
		{"released", "released", ""}, // order 2 cancelled
	}
	if len(got) != len(want) {
		t.Fatalf("%d transfers %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("transfer %d (%s %s): effects %+v, want %+v", ts[i].ID, ts[i].Kind, ts[i].Ref, got[i], want[i])
		}
	}
}

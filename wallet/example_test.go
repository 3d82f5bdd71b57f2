package wallet_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/voicepay/voicepay/risk"
	"github.com/voicepay/voicepay/risk/walletscreen"
	"github.com/voicepay/voicepay/wallet"
)

// openExample opens a wallet in a temporary directory, screened by the risk
// engine through walletscreen, as the daemon is.
func openExample() (db *wallet.DB, closeAll func()) {
	dir, err := os.MkdirTemp("", "voicepay-example")
	if err != nil {
		log.Fatal(err)
	}
	db = wallet.NewDB(filepath.Join(dir, "wallet.db"), walletscreen.New(risk.DefaultLimits()))
	// A fixed clock keeps the output the same at any hour: the risk engine
	// asks for a PIN at night.
	db.Now = func() time.Time { return time.Date(2026, 4, 15, 12, 0, 0, 0, time.UTC) }
	if err := db.Open(); err != nil {
		log.Fatal(err)
	}
	// Only a paired device with payments enabled may authorize: what
	// voicepay init and "enable alipay payment function" do.
	ctx := context.Background()
	if err := db.SetPIN(ctx, "2468"); err != nil {
		log.Fatal(err)
	}
	if _, err := db.AddDevice(ctx, "glasses", wallet.ScopeUser); err != nil {
		log.Fatal(err)
	}
	if err := db.ActivateDevice(ctx, "glasses", "2468"); err != nil {
		log.Fatal(err)
	}
	return db, func() {
		db.Close()
		os.RemoveAll(dir)
	}
}

// The three steps of a payment: state a need (create), confirm the order
// (funds held), authorize payment (hold posted, receipt signed).
func ExampleDB_CreateOrder() {
	db, closeAll := openExample()
	defer closeAll()
	ctx := context.Background()

	// Every call that changes the ledger carries an idempotency key.
	if _, err := db.Topup(ctx, "topup-1", 10000); err != nil {
		log.Fatal(err)
	}

	o, err := db.CreateOrder(ctx, "create-1", wallet.OrderDraft{
		Payee:     wallet.MerchantAccount("luckin_coffee"),
		PayeeName: "Luckin Coffee",
		Lines:     []wallet.Line{{Item: "coconut_latte", Name: "Coconut Latte", Quantity: 2, UnitPrice: 1800}},
		Channel:   "voice",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("order %d is %s: %d %s\n", o.ID, o.State, o.Total, o.Currency)

	o, err = db.ConfirmOrder(ctx, "confirm-1", o.ID)
	if err != nil {
		log.Fatal(err)
	}
	user := must(db.Account(ctx, wallet.UserAccount))
	fmt.Printf("order %d is %s (risk: %s): %d of %d available\n", o.ID, o.State, o.Decision.Action, user.Available(), user.Balance())

	o, err = db.AuthorizeOrder(ctx, "authorize-1", o.ID, wallet.Authorization{Device: "glasses", Method: "session"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("order %d is %s; receipt verifies: %v\n", o.ID, o.State, wallet.VerifyReceipt(db.PublicKey(), o, o.Receipt) == nil)

	user = must(db.Account(ctx, wallet.UserAccount))
	merchant := must(db.Account(ctx, wallet.MerchantAccount("luckin_coffee")))
	fmt.Printf("balance %d, merchant %d\n", user.Balance(), merchant.Balance())
	// Output:
	// order 1 is drafted: 3600 CNY
	// order 1 is confirmed (risk: allow): 6400 of 10000 available
	// order 1 is paid; receipt verifies: true
	// balance 6400, merchant 3600
}

// must stops the example on an error.
func must[T any](v T, err error) T {
	if err != nil {
		log.Fatal(err)
	}
	return v
}

// Modifying a confirmed order releases its hold; the new amount must be
// confirmed again. Cancelling leaves nothing behind.
func ExampleDB_ModifyOrder() {
	db, closeAll := openExample()
	defer closeAll()
	ctx := context.Background()
	held := func() int64 { return must(db.Account(ctx, wallet.UserAccount)).DebitsPending }

	must(db.Topup(ctx, "topup-1", 10000))
	o := must(db.CreateOrder(ctx, "create-1", wallet.OrderDraft{
		Payee:   wallet.MerchantAccount("luckin_coffee"),
		Lines:   []wallet.Line{{Item: "latte", Quantity: 2, UnitPrice: 1800}},
		Channel: "voice",
	}))
	must(db.ConfirmOrder(ctx, "confirm-1", o.ID))
	fmt.Println("held", held())

	o = must(db.ModifyOrder(ctx, "modify-1", o.ID, []wallet.Line{{Item: "latte", Quantity: 3, UnitPrice: 1800}}))
	fmt.Printf("order %d is %s at %d, held %d\n", o.ID, o.State, o.Total, held())

	must(db.ConfirmOrder(ctx, "confirm-2", o.ID))
	fmt.Println("held", held())

	o = must(db.CancelOrder(ctx, "cancel-1", o.ID))
	fmt.Printf("order %d is %s, held %d\n", o.ID, o.State, held())
	// Output:
	// held 3600
	// order 1 is drafted at 5400, held 0
	// held 5400
	// order 1 is cancelled, held 0
}

// VerifyAudit walks the hash chain and re-derives every balance from it.
func ExampleDB_VerifyAudit() {
	db, closeAll := openExample()
	defer closeAll()
	ctx := context.Background()
	must(db.Topup(ctx, "topup-1", 5000))
	o := must(db.CreateOrder(ctx, "create-1", wallet.OrderDraft{
		Payee:   wallet.MerchantAccount("kfc"),
		Lines:   []wallet.Line{{Item: "zinger", Quantity: 1, UnitPrice: 3200}},
		Channel: "text",
	}))
	must(db.ConfirmOrder(ctx, "confirm-1", o.ID))
	must(db.AuthorizeOrder(ctx, "authorize-1", o.ID, wallet.Authorization{Device: "glasses", Method: "session"}))

	r := must(db.VerifyAudit(ctx))
	fmt.Printf("%d transfers; user %d, kfc %d, external %d\n", r.Transfers,
		r.Balances[wallet.UserAccount], r.Balances[wallet.MerchantAccount("kfc")], r.Balances[wallet.ExternalAccount])
	// Output:
	// 3 transfers; user 1800, kfc 3200, external -5000
}

// A person pairs a second device: the CLI issues a one-time code, and the
// device exchanges it for its own token. The code works once.
func ExampleDB_ExchangePairingCode() {
	db, closeAll := openExample()
	defer closeAll()
	ctx := context.Background()

	code, expires, err := db.NewPairingCode(ctx, "phone")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("valid for", expires.Sub(db.Now()))

	// Typed on the phone, in lower case and without the dash.
	d, token, err := db.ExchangePairingCode(ctx, strings.ToLower(strings.ReplaceAll(code, "-", "")))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.ID, d.Scope, strings.HasPrefix(token, "vp_u_"))

	_, _, err = db.ExchangePairingCode(ctx, code)
	fmt.Println(wallet.AsError(err).Message)
	// Output:
	// valid for 10m0s
	// phone user true
	// That pairing code was already used.
}

package wallet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/voicepay/voicepay/wallet"
)

func TestOrderFlow(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	db.MustTopup(t, 10000)

	o := db.MustCreate(t, Lattes(2))
	if got, want := o.State, wallet.Drafted; got != want {
		t.Fatalf("created: state %s, want %s", got, want)
	}
	if got, want := o.Total, int64(3600); got != want {
		t.Fatalf("created: total %d, want %d", got, want)
	}
	if got, want := o.Lines[0].Amount, int64(3600); got != want {
		t.Errorf("created: line amount %d, want %d", got, want)
	}
	if got, want := o.Expires, Noon.Add(db.OrderTimeout); !got.Equal(want) {
		t.Errorf("created: expires %s, want %s", got, want)
	}
	if got := db.Held(t); got != 0 {
		t.Fatalf("created: %d held, want nothing", got)
	}

	o = db.MustConfirm(t, o.ID)
	if got, want := o.State, wallet.Confirmed; got != want {
		t.Fatalf("confirmed: state %s, want %s", got, want)
	}
	if o.HoldID == 0 || !o.HoldExpires.Equal(Noon.Add(db.HoldTimeout)) {
		t.Errorf("confirmed: hold %d expiring %s, want a hold expiring %s", o.HoldID, o.HoldExpires, Noon.Add(db.HoldTimeout))
	}
	if o.Decision == nil || o.Decision.Action != wallet.ActionAllow {
		t.Errorf("confirmed: decision %+v, want allow", o.Decision)
	}
	user := db.MustAccount(t, wallet.UserAccount)
	if got, want := [2]int64{user.Balance(), user.Available()}, [2]int64{10000, 6400}; got != want {
		t.Errorf("confirmed: user balance, available %v, want %v", got, want)
	}
	if got, want := db.MustAccount(t, Luckin).CreditsPending, int64(3600); got != want {
		t.Errorf("confirmed: merchant pending %d, want %d", got, want)
	}

	o = db.MustAuthorize(t, o.ID)
	if got, want := o.State, wallet.Paid; got != want {
		t.Fatalf("authorized: state %s, want %s", got, want)
	}
	user = db.MustAccount(t, wallet.UserAccount)
	if got, want := [3]int64{user.Balance(), user.Available(), user.DebitsPending}, [3]int64{6400, 6400, 0}; got != want {
		t.Errorf("paid: user balance, available, held %v, want %v", got, want)
	}
	merchant := db.MustAccount(t, Luckin)
	if got, want := [2]int64{merchant.Balance(), merchant.CreditsPending}, [2]int64{3600, 0}; got != want {
		t.Errorf("paid: merchant balance, pending %v, want %v", got, want)
	}

	r := o.Receipt
	if r == nil {
		t.Fatal("paid order has no receipt")
	}
	if got, want := [3]string{r.Device, r.Method, r.Currency}, [3]string{"cli", "session", "CNY"}; got != want {
		t.Errorf("receipt device, method, currency %q, want %q", got, want)
	}
	if r.OrderID != o.ID || r.Amount != o.Total {
		t.Errorf("receipt for order %d of %d, want %d of %d", r.OrderID, r.Amount, o.ID, o.Total)
	}
	if err := wallet.VerifyReceipt(db.PublicKey(), o, r); err != nil {
		t.Fatalf("verify receipt: %v", err)
	}
	stored := db.MustOrder(t, o.ID)
	if err := wallet.VerifyReceipt(db.PublicKey(), stored, stored.Receipt); err != nil {
		t.Errorf("verify receipt of the stored order: %v", err)
	}
	// The orders bucket keeps the receipt without the order's own hash,
	// which reading puts back.
	db.View(func(tx *bolt.Tx) error {
		v := unpacked(tx.Bucket([]byte("orders")).Get(u64(o.ID)))
		if !bytes.Contains(v, []byte(`"order_hash":""`)) || bytes.Contains(v, []byte(r.OrderHash)) {
			t.Errorf("stored order %s, want its receipt without the order's hash", v)
		}
		return nil
	})
	if !slices.ContainsFunc(db.MustAudit(t), func(e wallet.AuditEntry) bool {
		return e.Kind == "order" && strings.Contains(string(e.Data), `"event":"paid"`) &&
			strings.Contains(string(e.Data), r.Signature)
	}) {
		t.Error("the receipt is not on the audit chain")
	}

	t.Run("receipt", func(t *testing.T) {
		tests := []struct {
			name   string
			order  func(*wallet.Order)
			change func(*wallet.Receipt)
		}{
			{name: "another amount", order: func(o *wallet.Order) { o.Total++ }},
			{name: "another quantity", order: func(o *wallet.Order) { o.Lines[0].Quantity = 3 }},
			{name: "another item", order: func(o *wallet.Order) { o.Lines[0].Item = "americano" }},
			{name: "another line price", order: func(o *wallet.Order) { o.Lines[0].UnitPrice = 1 }},
			{name: "another payee", order: func(o *wallet.Order) { o.Payee = wallet.MerchantAccount("kfc") }},
			{name: "another currency", order: func(o *wallet.Order) { o.Currency = "USD" }},
			{name: "another expiry", order: func(o *wallet.Order) { o.Expires = o.Expires.Add(time.Second) }},
			{name: "another nonce", order: func(o *wallet.Order) { o.Nonce = "00" + o.Nonce[2:] }},
			{name: "another id", order: func(o *wallet.Order) { o.ID++ }},
			{name: "an extra line", order: func(o *wallet.Order) { o.Lines = append(o.Lines, o.Lines[0]) }},
			{name: "receipt device", change: func(r *wallet.Receipt) { r.Device = "agent" }},
			{name: "receipt method", change: func(r *wallet.Receipt) { r.Method = "pin" }},
			{name: "receipt time", change: func(r *wallet.Receipt) { r.Time = r.Time.Add(time.Second) }},
			{name: "receipt signature", change: func(r *wallet.Receipt) { r.Signature = "AAAA" + r.Signature[4:] }},
			{name: "receipt garbage signature", change: func(r *wallet.Receipt) { r.Signature = "not base64!" }},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				oc, rc := clone(t, o), clone(t, r)
				if tt.order != nil {
					tt.order(oc)
				}
				if tt.change != nil {
					tt.change(rc)
				}
				if err := wallet.VerifyReceipt(db.PublicKey(), oc, rc); !errors.Is(err, wallet.ErrBadReceipt) {
					t.Errorf("got %v, want %v", err, wallet.ErrBadReceipt)
				}
			})
		}
		t.Run("other key", func(t *testing.T) {
			other := MustOpenDB(t)
			if err := wallet.VerifyReceipt(other.PublicKey(), o, r); !errors.Is(err, wallet.ErrBadReceipt) {
				t.Errorf("got %v, want %v", err, wallet.ErrBadReceipt)
			}
		})
		t.Run("no receipt", func(t *testing.T) {
			if err := wallet.VerifyReceipt(db.PublicKey(), o, nil); !errors.Is(err, wallet.ErrBadReceipt) {
				t.Errorf("got %v, want %v", err, wallet.ErrBadReceipt)
			}
		})
	})

	t.Run("paid is final", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			do   func() error
		}{
			{"confirm", func() error { _, err := db.ConfirmOrder(ctx, Key("c"), o.ID); return err }},
			{"authorize", func() error {
				_, err := db.AuthorizeOrder(ctx, Key("a"), o.ID, wallet.Authorization{Device: "cli"})
				return err
			}},
			{"modify", func() error { _, err := db.ModifyOrder(ctx, Key("m"), o.ID, Lattes(1).Lines); return err }},
			{"cancel", func() error { _, err := db.CancelOrder(ctx, Key("x"), o.ID); return err }},
		} {
			t.Run(tt.name, func(t *testing.T) {
				if err := tt.do(); !errors.Is(err, wallet.ErrOrderState) {
					t.Errorf("got %v, want %v", err, wallet.ErrOrderState)
				}
			})
		}
		if got := db.MustAccount(t, wallet.UserAccount).Balance(); got != 6400 {
			t.Errorf("balance %d after refused changes, want 6400", got)
		}
	})
}

// clone deep-copies v through JSON.
func clone[T any](t *testing.T, v *T) *T {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

func TestCreateOrderInvalid(t *testing.T) {
	tests := []struct {
		name   string
		change func(*wallet.OrderDraft)
	}{
		{"no payee", func(d *wallet.OrderDraft) { d.Payee = "" }},
		{"paying the user", func(d *wallet.OrderDraft) { d.Payee = wallet.UserAccount }},
		{"paying the funding source", func(d *wallet.OrderDraft) { d.Payee = wallet.ExternalAccount }},
		{"paying the compensation fund", func(d *wallet.OrderDraft) { d.Payee = wallet.CompensationAccount }},
		{"a merchant without an id", func(d *wallet.OrderDraft) { d.Payee = wallet.MerchantAccount("") }},
		{"a payee without an id", func(d *wallet.OrderDraft) { d.Payee = wallet.PayeeAccount("") }},
		{"not an account", func(d *wallet.OrderDraft) { d.Payee = "luckin_coffee" }},
		{"no lines", func(d *wallet.OrderDraft) { d.Lines = nil }},
		{"zero quantity", func(d *wallet.OrderDraft) { d.Lines[0].Quantity = 0 }},
		{"negative quantity", func(d *wallet.OrderDraft) { d.Lines[0].Quantity = -2 }},
		{"huge quantity", func(d *wallet.OrderDraft) { d.Lines[0].Quantity = 1001 }},
		{"zero price", func(d *wallet.OrderDraft) { d.Lines[0].UnitPrice = 0 }},
		{"negative price", func(d *wallet.OrderDraft) { d.Lines[0].UnitPrice = -1800 }},
		{"total overflows", func(d *wallet.OrderDraft) {
			big := wallet.Line{Item: "gold", Quantity: 1000, UnitPrice: 1 << 53}
			d.Lines = []wallet.Line{big, big}
		}},
	}
	db := MustOpenDB(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Lattes(1)
			tt.change(&d)
			o, err := db.CreateOrder(context.Background(), Key("create"), d)
			if !errors.Is(err, wallet.ErrInvalid) {
				t.Errorf("got %+v, %v, want %v", o, err, wallet.ErrInvalid)
			}
		})
	}
	if orders, err := db.Orders(context.Background(), 0); err != nil || len(orders) != 0 {
		t.Errorf("got %d orders, %v, want none", len(orders), err)
	}
	tip := Lattes(1)
	tip.Payee = wallet.PayeeAccount("claude-dev")
	if o := db.MustCreate(t, tip); o.Payee != "payee:claude-dev" {
		t.Errorf("payee %q, want payee:claude-dev", o.Payee)
	}
}

func TestModifyOrder(t *testing.T) {
	tests := []struct {
		name    string
		confirm bool
	}{
		{"drafted", false},
		{"confirmed", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db := MustOpenDB(t)
			db.MustTopup(t, 10000)
			o := db.MustCreate(t, Lattes(2))
			if tt.confirm {
				o = db.MustConfirm(t, o.ID)
			}
			db.Clock.Advance(time.Minute)

			m, err := db.ModifyOrder(ctx, Key("modify"), o.ID, Lattes(3).Lines)
			if err != nil {
				t.Fatalf("modify: %v", err)
			}
			if got, want := m.State, wallet.Drafted; got != want {
				t.Errorf("state %s, want %s", got, want)
			}
			if got, want := m.Total, int64(5400); got != want {
				t.Errorf("total %d, want %d", got, want)
			}
			if got, want := m.Version, o.Version+1; got != want {
				t.Errorf("version %d, want %d", got, want)
			}
			if m.Nonce == o.Nonce {
				t.Error("the nonce did not change")
			}
			if m.HoldID != 0 || m.Decision != nil {
				t.Errorf("hold %d, decision %+v: want neither", m.HoldID, m.Decision)
			}
			if got, want := m.Expires, db.Clock.Now().Add(db.OrderTimeout); !got.Equal(want) {
				t.Errorf("expires %s, want %s", got, want)
			}
			if got := db.Held(t); got != 0 {
				t.Errorf("%d still held after modify, want nothing", got)
			}
			if got := db.MustAccount(t, Luckin).CreditsPending; got != 0 {
				t.Errorf("merchant has %d pending after modify, want nothing", got)
			}

			// The new amount must be confirmed again before it can be paid.
			_, err = db.AuthorizeOrder(ctx, Key("authorize"), m.ID, wallet.Authorization{Device: "cli"})
			WantErr(t, err, wallet.ErrOrderState)
			c := db.MustConfirm(t, m.ID)
			if got, want := db.Held(t), int64(5400); got != want {
				t.Errorf("held %d after confirming again, want %d", got, want)
			}
			p := db.MustAuthorize(t, c.ID)
			if err := wallet.VerifyReceipt(db.PublicKey(), p, p.Receipt); err != nil {
				t.Errorf("verify receipt: %v", err)
			}
			// The receipt proves the new order, not the one first drafted.
			if err := wallet.VerifyReceipt(db.PublicKey(), o, p.Receipt); !errors.Is(err, wallet.ErrBadReceipt) {
				t.Errorf("receipt against the order before modification: got %v, want %v", err, wallet.ErrBadReceipt)
			}
			if got, want := db.MustAccount(t, wallet.UserAccount).Balance(), int64(4600); got != want {
				t.Errorf("balance %d, want %d", got, want)
			}
		})
	}

	t.Run("invalid lines keep the hold", func(t *testing.T) {
		ctx := context.Background()
		db := MustOpenDB(t)
		db.MustTopup(t, 10000)
		o := db.MustConfirm(t, db.MustCreate(t, Lattes(2)).ID)
		_, err := db.ModifyOrder(ctx, Key("modify"), o.ID, []wallet.Line{{Item: "latte", Quantity: 0, UnitPrice: 1800}})
		WantErr(t, err, wallet.ErrInvalid)
		if got := db.MustOrder(t, o.ID); got.State != wallet.Confirmed || got.Version != o.Version || got.HoldID != o.HoldID {
			t.Errorf("order after a refused modify: %s v%d hold %d, want %s v%d hold %d",
				got.State, got.Version, got.HoldID, o.State, o.Version, o.HoldID)
		}
		if got, want := db.Held(t), int64(3600); got != want {
			t.Errorf("held %d, want %d", got, want)
		}
	})

	t.Run("unknown order", func(t *testing.T) {
		db := MustOpenDB(t)
		_, err := db.ModifyOrder(context.Background(), Key("modify"), 42, Lattes(1).Lines)
		WantErr(t, err, wallet.ErrNotFound)
	})
}

func TestCancelOrder(t *testing.T) {
	tests := []struct {
		name    string
		confirm bool
	}{
		{"drafted", false},
		{"confirmed", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db := MustOpenDB(t)
			db.MustTopup(t, 10000)
			o := db.MustCreate(t, Lattes(2))
			if tt.confirm {
				db.MustConfirm(t, o.ID)
			}
			c, err := db.CancelOrder(ctx, Key("cancel"), o.ID)
			if err != nil {
				t.Fatalf("cancel: %v", err)
			}
			if got, want := c.State, wallet.Cancelled; got != want {
				t.Errorf("state %s, want %s", got, want)
			}
			if c.HoldID != 0 {
				t.Errorf("cancelled order keeps hold %d", c.HoldID)
			}
			user := db.MustAccount(t, wallet.UserAccount)
			if got, want := [3]int64{user.Balance(), user.Available(), user.DebitsPending}, [3]int64{10000, 10000, 0}; got != want {
				t.Errorf("user balance, available, held %v, want %v", got, want)
			}
			if got := db.MustAccount(t, Luckin); got.Balance() != 0 || got.CreditsPending != 0 {
				t.Errorf("merchant %+v, want nothing", got)
			}
			if tt.confirm {
				transfers, err := db.Transfers(ctx, wallet.UserAccount, 1)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := transfers[0].Kind, wallet.Void; got != want {
					t.Errorf("last transfer %s, want %s", got, want)
				}
			}

			for _, op := range []string{"cancel", "confirm", "authorize"} {
				t.Run("then "+op, func(t *testing.T) {
					var err error
					switch op {
					case "cancel":
						_, err = db.CancelOrder(ctx, Key("cancel"), o.ID)
					case "confirm":
						_, err = db.ConfirmOrder(ctx, Key("confirm"), o.ID)
					case "authorize":
						_, err = db.AuthorizeOrder(ctx, Key("authorize"), o.ID, wallet.Authorization{Device: "cli"})
					}
					WantErr(t, err, wallet.ErrOrderState)
				})
			}
		})
	}

	t.Run("paid", func(t *testing.T) {
		db := MustOpenDB(t)
		db.MustTopup(t, 10000)
		o := db.MustCreate(t, Lattes(2))
		db.MustConfirm(t, o.ID)
		db.MustAuthorize(t, o.ID)
		_, err := db.CancelOrder(context.Background(), Key("cancel"), o.ID)
		WantErr(t, err, wallet.ErrOrderState)
		if got, want := db.MustOrder(t, o.ID).State, wallet.Paid; got != want {
			t.Errorf("state %s, want %s", got, want)
		}
		if got, want := db.MustAccount(t, wallet.UserAccount).Balance(), int64(6400); got != want {
			t.Errorf("balance %d, want %d", got, want)
		}
	})
}

func TestConfirmInsufficientFunds(t *testing.T) {
	tests := []struct {
		name    string
		topup   int64
		holding int // lattes already confirmed on another order
		want    int // lattes on the order that must not fit
	}{
		{"empty wallet", 0, 0, 1},
		{"one short", 3599, 0, 2},
		{"counting holds", 5000, 2, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db := MustOpenDB(t)
			if tt.topup > 0 {
				db.MustTopup(t, tt.topup)
			}
			var held int64
			if tt.holding > 0 {
				held = db.MustConfirm(t, db.MustCreate(t, Lattes(tt.holding)).ID).Total
			}
			o := db.MustCreate(t, Lattes(tt.want))
			before := len(db.MustAudit(t))
			got, err := db.ConfirmOrder(ctx, Key("confirm"), o.ID)
			WantErr(t, err, wallet.ErrInsufficientFunds)
			if got := db.MustOrder(t, o.ID); got.State != wallet.Drafted || got.HoldID != 0 {
				t.Errorf("order %s with hold %d, want drafted without a hold", got.State, got.HoldID)
			}
			if got == nil || got.ID != o.ID {
				t.Errorf("confirm returned order %+v, want order %d", got, o.ID)
			}
			if got := db.Held(t); got != held {
				t.Errorf("held %d, want %d", got, held)
			}
			// A refused confirmation leaves nothing behind, not even its screening.
			if got := len(db.MustAudit(t)); got != before {
				t.Errorf("audit grew from %d to %d entries", before, got)
			}
			// Once there is money, the same order confirms.
			db.MustTopup(t, o.Total)
			db.MustConfirm(t, o.ID)
		})
	}
}

func TestExpiry(t *testing.T) {
	tests := []struct {
		name    string
		confirm bool
		setup   func(*wallet.DB)
		// deadline is when the order lapses
		deadline func(db *DB, o *wallet.Order) time.Time
	}{
		{"drafted past the order timeout", false, nil,
			func(db *DB, o *wallet.Order) time.Time { return o.Created.Add(db.OrderTimeout) }},
		{"confirmed past the hold timeout", true, nil,
			func(db *DB, o *wallet.Order) time.Time { return o.HoldExpires }},
		{"confirmed past the order timeout", true, func(db *wallet.DB) { db.HoldTimeout = time.Hour },
			func(db *DB, o *wallet.Order) time.Time { return o.Created.Add(db.OrderTimeout) }},
	}
	ops := []struct {
		name string
		do   func(*DB, uint64) error
	}{
		{"sweep", func(db *DB, id uint64) error {
			expired, err := db.Sweep(context.Background())
			if err != nil {
				return err
			}
			if len(expired) != 1 || expired[0].ID != id || expired[0].State != wallet.Expired {
				db.tb.Errorf("sweep expired %+v, want order %d", expired, id)
			}
			return wallet.ErrExpired
		}},
		{"confirm", func(db *DB, id uint64) error {
			_, err := db.ConfirmOrder(context.Background(), Key("confirm"), id)
			return err
		}},
		{"authorize", func(db *DB, id uint64) error {
			_, err := db.AuthorizeOrder(context.Background(), Key("authorize"), id, wallet.Authorization{Device: "cli"})
			return err
		}},
		{"modify", func(db *DB, id uint64) error {
			_, err := db.ModifyOrder(context.Background(), Key("modify"), id, Lattes(1).Lines)
			return err
		}},
		{"cancel", func(db *DB, id uint64) error {
			_, err := db.CancelOrder(context.Background(), Key("cancel"), id)
			return err
		}},
	}
	for _, tt := range tests {
		for _, op := range ops {
			t.Run(tt.name+"/"+op.name, func(t *testing.T) {
				ctx := context.Background()
				var opts []Option
				if tt.setup != nil {
					opts = append(opts, WithSetup(tt.setup))
				}
				db := MustOpenDB(t, opts...)
				db.MustTopup(t, 10000)
				o := db.MustCreate(t, Lattes(2))
				if tt.confirm {
					db.Clock.Advance(time.Minute)
					o = db.MustConfirm(t, o.ID)
				}
				deadline := tt.deadline(db, o)

				// Just before the deadline nothing lapses.
				db.Clock.Set(deadline.Add(-time.Nanosecond))
				if expired, err := db.Sweep(ctx); err != nil || len(expired) != 0 {
					t.Fatalf("sweep before the deadline: %+v, %v, want nothing", expired, err)
				}
				if got := db.MustOrder(t, o.ID).State; got != o.State {
					t.Fatalf("state %s before the deadline, want %s", got, o.State)
				}

				db.Clock.Set(deadline)
				WantErr(t, op.do(db, o.ID), wallet.ErrExpired)

				got := db.MustOrder(t, o.ID)
				if got.State != wallet.Expired || got.HoldID != 0 {
					t.Errorf("order %s with hold %d, want expired without a hold", got.State, got.HoldID)
				}
				user := db.MustAccount(t, wallet.UserAccount)
				if got, want := [2]int64{user.Balance(), user.DebitsPending}, [2]int64{10000, 0}; got != want {
					t.Errorf("user balance, held %v, want %v", got, want)
				}
				// The expiry is committed: a second look finds it ended.
				if expired, err := db.Sweep(ctx); err != nil || len(expired) != 0 {
					t.Errorf("second sweep: %+v, %v, want nothing", expired, err)
				}
				_, err := db.ConfirmOrder(ctx, Key("confirm"), o.ID)
				WantErr(t, err, wallet.ErrOrderState)
				if tt.confirm {
					voids := 0
					for _, tr := range mustTransfers(t, db) {
						if tr.Kind == wallet.Void && tr.PendingID == o.HoldID {
							voids++
						}
					}
					if voids != 1 {
						t.Errorf("%d voids of hold %d, want 1", voids, o.HoldID)
					}
				}
			})
		}
	}
}

func TestSweepMany(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	db.MustTopup(t, 100000)
	var want []uint64
	for i := range 10 {
		o := db.MustCreate(t, Lattes(1+i%3))
		if i%2 == 0 {
			db.MustConfirm(t, o.ID)
		}
		if i%5 == 4 {
			db.MustAuthorize(t, db.MustConfirm(t, db.MustCreate(t, Lattes(1)).ID).ID)
		}
		want = append(want, o.ID)
	}
	db.Clock.Advance(db.OrderTimeout)
	expired, err := db.Sweep(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []uint64
	for _, o := range expired {
		got = append(got, o.ID)
	}
	if !slices.Equal(got, want) {
		t.Errorf("expired %v, want %v", got, want)
	}
	if got := db.Held(t); got != 0 {
		t.Errorf("%d still held", got)
	}
}

// TestSweeper leaves sweeping to the sweeper Open starts: a confirmed order
// whose hold runs out is expired and its money released without anyone
// calling Sweep.
func TestSweeper(t *testing.T) {
	db := MustOpenDB(t, WithSetup(func(w *wallet.DB) { w.SweepInterval = time.Millisecond }))
	db.MustTopup(t, 10000)
	o := db.MustConfirm(t, db.MustCreate(t, Lattes(2)).ID)
	if got := db.Held(t); got != 3600 {
		t.Fatalf("%d held, want 3600", got)
	}
	db.Clock.Set(o.HoldExpires)
	// The sweeper runs on its own time: wait for what it does, not for a while.
	deadline := time.Now().Add(10 * time.Second)
	for db.MustOrder(t, o.ID).State != wallet.Expired {
		if time.Now().After(deadline) {
			t.Fatalf("order %d is still %s 10 s after its hold ran out", o.ID, db.MustOrder(t, o.ID).State)
		}
		time.Sleep(time.Millisecond)
	}
	if got := db.Held(t); got != 0 {
		t.Errorf("%d still held after the sweep", got)
	}
}

// TestCloseDuringSweep closes the wallet while the sweeper's write is being
// committed. Close must neither deadlock (the sweep needs the commit loop
// that Close stops) nor cut the sweep short: once Close returns, the expiry
// is on file.
func TestCloseDuringSweep(t *testing.T) {
	clock := NewClock()
	// Once armed, every reading of the clock stops until the test lets it
	// go. Only the sweeper reads it then: the test makes no calls.
	var armed atomic.Bool
	entered, release := make(chan struct{}), make(chan struct{})
	now := func() time.Time {
		if armed.Load() {
			entered <- struct{}{}
			<-release
		}
		return clock.Now()
	}
	db := MustOpenDB(t, WithClock(clock), WithSetup(func(w *wallet.DB) {
		w.SweepInterval = time.Millisecond
		w.Now = now
	}))
	db.MustTopup(t, 10000)
	o := db.MustConfirm(t, db.MustCreate(t, Lattes(2)).ID)

	armed.Store(true)
	wait := func(what string) {
		t.Helper()
		select {
		case <-entered:
		case <-time.After(10 * time.Second):
			t.Fatalf("the sweeper never read the clock %s", what)
		}
	}
	// A sweep starts by reading the clock. While it waits there, the hold
	// runs out, so this sweep is the one that expires the order.
	wait("to start a sweep")
	clock.Set(o.HoldExpires)
	release <- struct{}{}
	// Its write reads the clock again, inside the commit.
	wait("inside the sweep's commit")
	armed.Store(false)

	closed := make(chan error, 1)
	db.closed = true // here, not by the cleanup, which would hang on a deadlock
	go func() { closed <- db.DB.Close() }()
	release <- struct{}{}
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return while a sweep was being committed")
	}

	re := MustOpenDB(t, WithPath(db.Path), WithClock(clock))
	if got := re.MustOrder(t, o.ID); got.State != wallet.Expired || got.HoldID != 0 {
		t.Errorf("after Close: order %s with hold %d, want expired without a hold", got.State, got.HoldID)
	}
	if got := re.Held(t); got != 0 {
		t.Errorf("%d still held", got)
	}
}

func mustTransfers(t *testing.T, db *DB) []*wallet.Transfer {
	t.Helper()
	out, err := db.Transfers(context.Background(), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

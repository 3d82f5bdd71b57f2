package wallet

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// OrderState is where an order is in the dialog.
type OrderState string

const (
	Drafted   OrderState = "drafted"   // priced and read back; nothing held
	Confirmed OrderState = "confirmed" // funds held by a pending transfer
	Paid      OrderState = "paid"      // the hold is posted and a receipt issued
	Cancelled OrderState = "cancelled"
	Expired   OrderState = "expired"
)

// Open reports whether the order can still change: it is neither paid nor ended.
func (s OrderState) Open() bool { return s == Drafted || s == Confirmed }

// Line is one line of an order.
type Line struct {
	Item      string `json:"item"`
	Name      string `json:"name"`
	Quantity  int    `json:"quantity"`
	UnitPrice int64  `json:"unit_price"`
	Amount    int64  `json:"amount"`
}

// OrderDraft is what a new order is made from.
type OrderDraft struct {
	Payee     string `json:"payee"` // account id: MerchantAccount(id) or PayeeAccount(id)
	PayeeName string `json:"payee_name"`
	Lines     []Line `json:"lines"`
	Channel   string `json:"channel"`         // "voice" or "text": how the person is present (see Debit)
	Agent     string `json:"agent,omitempty"` // the agent that proposed it
	Memo      string `json:"memo,omitempty"`
}

// Order is a purchase on its way from need to payment.
type Order struct {
	ID          uint64     `json:"id"`
	Payee       string     `json:"payee"`
	PayeeName   string     `json:"payee_name"`
	Lines       []Line     `json:"lines"`
	Total       int64      `json:"total"`
	Currency    string     `json:"currency"`
	State       OrderState `json:"state"`
	Channel     string     `json:"channel"`
	Agent       string     `json:"agent,omitempty"`
	Memo        string     `json:"memo,omitempty"`
	Created     time.Time  `json:"created"`
	Updated     time.Time  `json:"updated"`
	Expires     time.Time  `json:"expires"` // the order lapses then, if not paid
	Nonce       string     `json:"nonce"`   // changes with every modification
	Version     int        `json:"version"`
	HoldID      uint64     `json:"hold_id,omitempty"`
	HoldExpires time.Time  `json:"hold_expires,omitzero"`
	Decision    *Decision  `json:"decision,omitempty"` // the risk decision at confirmation
	Receipt     *Receipt   `json:"receipt,omitempty"`
}

// Deadline is when the order lapses unless it is paid: the order's own
// expiry, or its hold's once confirmed, whichever comes first.
func (o *Order) Deadline() time.Time {
	if o.State == Confirmed && o.HoldExpires.Before(o.Expires) {
		return o.HoldExpires
	}
	return o.Expires
}

// Lapsed reports whether an open order's time, or its hold's, has run out at
// now: the order is as good as expired, whether or not the expiry is
// recorded yet.
func (o *Order) Lapsed(now time.Time) bool {
	return o.State.Open() && !now.Before(o.Deadline())
}

// Live reports whether the order is open and has not lapsed at now.
func (o *Order) Live(now time.Time) bool { return o.State.Open() && !o.Lapsed(now) }

// StepUp reports whether risk asked for extra verification before payment.
func (o *Order) StepUp() bool { return o.Decision != nil && o.Decision.Action == ActionStepUp }

// priceLines checks the lines and computes their amounts and the total,
// refusing anything that would overflow.
func priceLines(lines []Line) ([]Line, int64, error) {
	if len(lines) == 0 || len(lines) > MaxLines {
		return nil, 0, invalid("An order has 1 to %d lines, not %d.", MaxLines, len(lines))
	}
	out := make([]Line, len(lines))
	var total int64
	for i, ln := range lines {
		if ln.Quantity <= 0 || ln.Quantity > MaxQuantity {
			return nil, 0, invalid("A quantity is from 1 to %d, not %d.", MaxQuantity, ln.Quantity)
		}
		if ln.UnitPrice <= 0 || ln.UnitPrice > MaxAmount {
			return nil, 0, invalid("A unit price is more than 0 and at most %d minor units, not %d.", MaxAmount, ln.UnitPrice)
		}
		if err := checkName("line name", ln.Name); err != nil {
			return nil, 0, err
		}
		ln.Amount = ln.UnitPrice * int64(ln.Quantity)
		if total > math.MaxInt64-ln.Amount {
			return nil, 0, fmt.Errorf("order total overflows: %w", ErrInvalid)
		}
		total += ln.Amount
		out[i] = ln
	}
	return out, total, nil
}

func newNonce() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// CreateOrder drafts a new order. Nothing is held until it is confirmed.
func (db *DB) CreateOrder(ctx context.Context, key string, d OrderDraft) (*Order, error) {
	var o *Order
	err := db.write(ctx, func(l *ltx) (err error) {
		o, err = idempotent(l, "create_order", key, d, func() (*Order, error) {
			if !validPayee(d.Payee) {
				return nil, fmt.Errorf("payee %q: %w", d.Payee, ErrInvalid)
			}
			if err := checkName("payee name", d.PayeeName); err != nil {
				return nil, err
			}
			if err := checkNote("memo", d.Memo); err != nil {
				return nil, err
			}
			lines, total, err := priceLines(d.Lines)
			if err != nil {
				return nil, err
			}
			id, err := l.Bucket(bucketOrders).NextSequence()
			if err != nil {
				return nil, err
			}
			o := &Order{ID: id, Payee: d.Payee, PayeeName: d.PayeeName, Lines: lines, Total: total,
				Currency: db.Currency, State: Drafted, Channel: d.Channel, Agent: d.Agent, Memo: d.Memo,
				Created: l.now, Updated: l.now, Expires: l.now.Add(db.OrderTimeout), Nonce: newNonce(), Version: 1}
			return o, l.putOrder(o, "created")
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create order: %w", err)
	}
	return o, nil
}

// ModifyOrder replaces the lines of an order that is not yet paid. A
// confirmed order goes back to drafted and its hold is released: the new
// amount must be confirmed again.
func (db *DB) ModifyOrder(ctx context.Context, key string, id uint64, lines []Line) (*Order, error) {
	var o *Order
	err := db.write(ctx, func(l *ltx) (err error) {
		o, err = idempotent(l, "modify_order", key, struct {
			ID    uint64
			Lines []Line
		}{id, lines}, func() (*Order, error) {
			o, err := l.openOrder(id)
			if err != nil {
				return nil, err
			}
			priced, total, err := priceLines(lines)
			if err != nil {
				return nil, err
			}
			if err := l.release(o); err != nil {
				return nil, err
			}
			o.Lines, o.Total, o.State = priced, total, Drafted
			o.Nonce, o.Version, o.Decision = newNonce(), o.Version+1, nil
			o.Expires = l.now.Add(db.OrderTimeout)
			return o, l.putOrder(o, "modified")
		})
		return err
	})
	if err != nil {
		return o, fmt.Errorf("modify order %d: %w", id, err)
	}
	return o, nil
}

// ConfirmOrder screens the order's debit and, unless risk blocks it, holds
// the funds with a pending transfer that lapses after HoldTimeout.
func (db *DB) ConfirmOrder(ctx context.Context, key string, id uint64) (*Order, error) {
	var o *Order
	err := db.write(ctx, func(l *ltx) (err error) {
		o, err = idempotent(l, "confirm_order", key, id, func() (*Order, error) {
			o, err := l.openOrder(id)
			if err != nil {
				return o, err
			}
			if o.State != Drafted {
				return o, fmt.Errorf("order is %s: %w", o.State, ErrOrderState)
			}
			dec, err := l.screen(Debit{Amount: o.Total, Payee: o.Payee, Channel: o.Channel, Agent: o.Agent},
				fmt.Sprintf("order:%d", o.ID))
			if err != nil {
				return o, err
			}
			o.Decision = &dec
			if dec.Action == ActionBlock {
				o.Updated = l.now
				if err := l.putOrder(o, "blocked"); err != nil {
					return o, err
				}
				return o, blocked(dec)
			}
			hold := &Transfer{Kind: Pending, Debit: UserAccount, Credit: o.Payee, Amount: o.Total,
				Expires: l.now.Add(db.HoldTimeout), Ref: fmt.Sprintf("order:%d", o.ID)}
			if err := l.transfer(hold); err != nil {
				return o, err
			}
			o.State, o.HoldID, o.HoldExpires = Confirmed, hold.ID, hold.Expires
			return o, l.putOrder(o, "confirmed")
		})
		return err
	})
	if err != nil {
		return o, fmt.Errorf("confirm order %d: %w", id, err)
	}
	return o, nil
}

// Authorization is the person's approval of one payment.
type Authorization struct {
	Device string `json:"device"`
	Method string `json:"method"`        // how the person was verified: "session", "pin"
	PIN    string `json:"pin,omitempty"` // for step-up verification, when risk asked for it
	// Passkey, instead of the PIN, is a passkey verification bound to the
	// order's (or the mandate's) hash.
	Passkey *PasskeyProof `json:"-"`
}

// AuthorizeOrder posts a confirmed order's hold and issues a signed receipt.
// Only a paired user device with payments enabled may authorize; when risk
// asked for step-up verification, a.PIN must be right too.
func (db *DB) AuthorizeOrder(ctx context.Context, key string, id uint64, a Authorization) (*Order, error) {
	digest, salt, err := pinIfAsked(db.pinDigestFor(ctx, a.PIN))
	if err != nil {
		return nil, fmt.Errorf("authorize order %d: %w", id, err)
	}
	var o *Order
	err = db.write(ctx, func(l *ltx) (err error) {
		params := struct {
			ID     uint64
			Device string
		}{id, a.Device}
		o, err = idempotent(l, "authorize_order", key, params, func() (*Order, error) {
			if err := l.authorizingDevice(a.Device); err != nil {
				return nil, err
			}
			o, err := l.openOrder(id)
			if err != nil {
				return o, err
			}
			if o.State != Confirmed {
				return o, fmt.Errorf("order is %s: %w", o.State, ErrOrderState)
			}
			method := a.Method
			if o.StepUp() || a.Passkey != nil {
				if method, err = l.stepUp(o, a, digest, salt); err != nil {
					return o, err
				}
			}
			post := &Transfer{Kind: Post, PendingID: o.HoldID, Amount: o.Total, Ref: fmt.Sprintf("order:%d", o.ID)}
			if err := l.transfer(post); err != nil {
				return o, err
			}
			if err := l.markPaid(o.Payee); err != nil {
				return o, err
			}
			o.State = Paid
			o.Receipt = l.db.sign(o, a.Device, method, l.now)
			return o, l.putOrder(o, "paid") // the receipt goes on the chain with it
		})
		return err
	})
	if err != nil {
		return o, fmt.Errorf("authorize order %d: %w", id, err)
	}
	return o, nil
}

// stepUp verifies the person for an order risk asked about: a passkey
// bound to the order's hash, or the PIN. It names the method.
func (l *ltx) stepUp(o *Order, a Authorization, digest, salt []byte) (string, error) {
	switch {
	case a.Passkey != nil:
		return l.passkeyMethod(a.Passkey, PurposePayment, a.Device, o.Hash())
	case a.PIN == "":
		return "", ErrStepUpRequired
	}
	if err := l.checkPIN(digest, salt); err != nil {
		return "", err
	}
	return "pin", nil
}

// CancelOrder cancels an order that is not yet paid and releases its hold.
func (db *DB) CancelOrder(ctx context.Context, key string, id uint64) (*Order, error) {
	var o *Order
	err := db.write(ctx, func(l *ltx) (err error) {
		o, err = idempotent(l, "cancel_order", key, id, func() (*Order, error) {
			o, err := l.openOrder(id)
			if err != nil {
				return o, err
			}
			if err := l.release(o); err != nil {
				return o, err
			}
			o.State = Cancelled
			return o, l.putOrder(o, "cancelled")
		})
		return err
	})
	if err != nil {
		return o, fmt.Errorf("cancel order %d: %w", id, err)
	}
	return o, nil
}

// Order returns one order.
func (db *DB) Order(ctx context.Context, id uint64) (*Order, error) {
	if err := db.fault("order"); err != nil {
		return nil, err
	}
	var o *Order
	err := db.view(func(tx *bolt.Tx) (err error) {
		o, err = getOrder(tx, id)
		return err
	})
	return o, err
}

// OrderFilter says which orders FindOrders returns. Its zero value matches
// every order.
type OrderFilter struct {
	// Live keeps only orders that can still be confirmed or paid: open, and
	// not lapsed. They are read from the index of open orders.
	Live bool
	// Waiting keeps only orders an agent proposed that wait for the
	// person: drafted, not lapsed, from an agent that is still paired.
	Waiting bool
	State   OrderState // only orders in this state
	// Agent keeps only the orders that agent proposed, and Since only
	// those created at or after it: an agent's current pairing sees what
	// it made since it was paired (Device.Created), never what an earlier
	// pairing under the same name left.
	Agent  string
	Since  time.Time
	Newest bool // newest first; oldest first otherwise
	Limit  int  // at most this many; 0 for all
}

func (f OrderFilter) match(tx *bolt.Tx, o *Order, now time.Time) (bool, error) {
	switch {
	case f.State != "" && o.State != f.State,
		f.Agent != "" && o.Agent != f.Agent,
		o.Created.Before(f.Since),
		(f.Live || f.Waiting) && !o.Live(now):
		return false, nil
	case f.Waiting:
		if o.State != Drafted || o.Agent == "" {
			return false, nil
		}
		return pairedAgent(tx, o.Agent)
	}
	return true, nil
}

// FindOrders returns the orders that match f.
func (db *DB) FindOrders(ctx context.Context, f OrderFilter) ([]*Order, error) {
	if err := db.fault("orders"); err != nil {
		return nil, err
	}
	var out []*Order
	now := db.Now()
	err := db.view(func(tx *bolt.Tx) error {
		index := bucketOrders
		if f.Live || f.Waiting {
			index = bucketOpen
		}
		c := tx.Bucket(index).Cursor()
		first, next := c.First, c.Next
		if f.Newest {
			first, next = c.Last, c.Prev
		}
		orders := tx.Bucket(bucketOrders)
		for k, _ := first(); k != nil && (f.Limit <= 0 || len(out) < f.Limit); k, _ = next() {
			if f.Agent != "" && !mentionsAgent(orders.Get(k), f.Agent) {
				continue
			}
			o, err := getOrder(tx, binaryID(k))
			if err != nil {
				return err
			}
			if ok, err := f.match(tx, o, now); err != nil {
				return err
			} else if ok {
				out = append(out, o)
			}
		}
		return nil
	})
	return out, err
}

// Orders returns the most recent orders, newest first, at most limit.
func (db *DB) Orders(ctx context.Context, limit int) ([]*Order, error) {
	var out []*Order
	err := db.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketOrders).Cursor()
		for k, v := c.Last(); k != nil && (limit <= 0 || len(out) < limit); k, v = c.Prev() {
			var o Order
			if err := decodeOrder(v, &o); err != nil {
				return fmt.Errorf("decode order %x: %w", k, err)
			}
			out = append(out, &o)
		}
		return nil
	})
	return out, err
}

func getOrder(tx *bolt.Tx, id uint64) (*Order, error) {
	v := tx.Bucket(bucketOrders).Get(itob(id))
	if v == nil {
		return nil, fmt.Errorf("order %d: %w", id, ErrNotFound)
	}
	var o Order
	if err := decodeOrder(v, &o); err != nil {
		return nil, fmt.Errorf("decode order %d: %w", id, err)
	}
	return &o, nil
}

// openOrder loads an order that can still change. An order whose time has
// run out is expired on the spot, and the expiry is committed.
func (l *ltx) openOrder(id uint64) (*Order, error) {
	o, err := getOrder(l.Tx, id)
	if err != nil {
		return nil, err
	}
	if !o.State.Open() {
		return o, fmt.Errorf("order is %s: %w", o.State, ErrOrderState)
	}
	if o.Lapsed(l.now) {
		if err := l.expire(o); err != nil {
			return o, err
		}
		return o, keep(fmt.Errorf("order %d: %w", id, expired(o)))
	}
	return o, nil
}

// release voids an order's hold, if it has one.
func (l *ltx) release(o *Order) error {
	if o.State != Confirmed || o.HoldID == 0 {
		return nil
	}
	void := &Transfer{Kind: Void, PendingID: o.HoldID, Ref: fmt.Sprintf("order:%d", o.ID)}
	if err := l.transfer(void); err != nil {
		return fmt.Errorf("void hold %d: %w", o.HoldID, err)
	}
	hold, err := getTransfer(l.Tx, o.HoldID)
	if err != nil {
		return err
	}
	o.HoldID, o.HoldExpires = 0, time.Time{}
	return l.unscreen(hold.Amount, hold.Time)
}

func (l *ltx) expire(o *Order) error {
	if err := l.release(o); err != nil {
		return err
	}
	o.State = Expired
	return l.putOrder(o, "expired")
}

// putOrder stores an order, keeps the index of open orders, and records the
// change on the audit chain.
func (l *ltx) putOrder(o *Order, event string) error {
	o.Updated = l.now
	v, err := storedOrder(o)
	if err != nil {
		return err
	}
	if err := l.put(bucketOrders, itob(o.ID), v); err != nil {
		return err
	}
	if o.State.Open() {
		err = l.Bucket(bucketOpen).Put(itob(o.ID), nil)
	} else {
		err = l.Bucket(bucketOpen).Delete(itob(o.ID))
	}
	if err != nil {
		return err
	}
	entry, err := orderEntry(o, event, v)
	if err != nil {
		return err
	}
	l.changed(WatchOrder, o.ID)
	return l.audit("order", entry)
}

// Sweep expires every open order whose time has run out and voids its hold.
// It returns the orders it expired.
func (db *DB) Sweep(ctx context.Context) ([]*Order, error) {
	var due []uint64
	now := db.Now()
	err := db.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketOpen).ForEach(func(k, _ []byte) error {
			o, err := getOrder(tx, binaryID(k))
			if err != nil {
				return err
			}
			if o.Lapsed(now) {
				due = append(due, o.ID)
			}
			return nil
		})
	})
	if err != nil || len(due) == 0 {
		return nil, err
	}
	var expired []*Order
	err = db.write(ctx, func(l *ltx) error {
		expired = expired[:0]
		for _, id := range due {
			o, err := getOrder(l.Tx, id)
			if err != nil {
				return err
			}
			if !o.Lapsed(l.now) {
				continue
			}
			if err := l.expire(o); err != nil {
				return err
			}
			expired = append(expired, o)
		}
		return nil
	})
	if err == nil {
		db.expireMu.Lock()
		tell := slices.Clone(db.onExpire)
		db.expireMu.Unlock()
		for _, o := range expired {
			for _, fn := range tell {
				fn(o)
			}
		}
	}
	return expired, err
}

// OnExpire has fn told of every order a sweep expires, once the expiry is
// committed, so that the person can hear it at once. fn runs on the
// sweeper's goroutine and must not block. It may be called at any time.
func (db *DB) OnExpire(fn func(*Order)) {
	db.expireMu.Lock()
	defer db.expireMu.Unlock()
	db.onExpire = append(db.onExpire, fn)
}

func binaryID(k []byte) uint64 {
	var id uint64
	for _, b := range k {
		id = id<<8 | uint64(b)
	}
	return id
}

package wallet

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"
)

// Receipt proves that the person authorized exactly this order. It is signed
// with the wallet's Ed25519 key; any change to the order after confirmation
// changes its hash and so invalidates the receipt.
type Receipt struct {
	OrderID   uint64    `json:"order_id"`
	OrderHash string    `json:"order_hash"`
	Amount    int64     `json:"amount"`
	Currency  string    `json:"currency"`
	Device    string    `json:"device"`
	Method    string    `json:"method"`
	Time      time.Time `json:"time"`
	Signature string    `json:"signature"`
}

// Hash is the canonical hash of what the person agreed to pay: the order's
// id, payee, lines, amount, currency, expiry and nonce.
func (o *Order) Hash() string {
	canon, _ := json.Marshal(struct {
		ID       uint64 `json:"id"`
		Payee    string `json:"payee"`
		Lines    []Line `json:"lines"`
		Amount   int64  `json:"amount"`
		Currency string `json:"currency"`
		Expires  string `json:"expires"`
		Nonce    string `json:"nonce"`
	}{o.ID, o.Payee, o.Lines, o.Total, o.Currency, o.Expires.UTC().Format(time.RFC3339Nano), o.Nonce})
	sum := sha256.Sum256(canon)
	return hex.EncodeToString(sum[:])
}

func (r *Receipt) signed() []byte {
	b, _ := json.Marshal(struct {
		OrderID   uint64 `json:"order_id"`
		OrderHash string `json:"order_hash"`
		Amount    int64  `json:"amount"`
		Currency  string `json:"currency"`
		Device    string `json:"device"`
		Method    string `json:"method"`
		Time      string `json:"time"`
	}{r.OrderID, r.OrderHash, r.Amount, r.Currency, r.Device, r.Method, r.Time.UTC().Format(time.RFC3339Nano)})
	return b
}

func (db *DB) sign(o *Order, device, method string, now time.Time) *Receipt {
	r := &Receipt{OrderID: o.ID, OrderHash: o.Hash(), Amount: o.Total, Currency: o.Currency,
		Device: device, Method: method, Time: now}
	r.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(db.key, r.signed()))
	return r
}

// ErrBadReceipt is returned when a receipt does not prove its order.
var ErrBadReceipt = errors.New("receipt does not match the order or its signature")

// VerifyReceipt checks that r is a valid signature by pub over exactly o.
func VerifyReceipt(pub ed25519.PublicKey, o *Order, r *Receipt) error {
	if r == nil || r.OrderID != o.ID || r.OrderHash != o.Hash() || r.Amount != o.Total {
		return ErrBadReceipt
	}
	sig, err := base64.StdEncoding.DecodeString(r.Signature)
	if err != nil || !ed25519.Verify(pub, r.signed(), sig) {
		return ErrBadReceipt
	}
	return nil
}

// storedOrder is o as the orders bucket stores it: a receipt that proves o
// is stored without the order's hash, which is o's own (Order.Hash) and
// which the receipt's signature covers. It is a quarter of what a paid
// order could not pack. Any other receipt is stored as it is.
func storedOrder(o *Order) ([]byte, error) {
	if o.Receipt == nil || o.Receipt.OrderHash != o.Hash() {
		return json.Marshal(o)
	}
	s, r := *o, *o.Receipt
	r.OrderHash, s.Receipt = "", &r
	return json.Marshal(&s)
}

// decodeOrder decodes an order as the orders bucket stores it, giving its
// receipt back the order's hash when it was stored without. An order
// edited since its receipt was signed then has a receipt whose signature
// fails, as before.
func decodeOrder(v []byte, o *Order) error {
	if err := decodeStored(v, o); err != nil {
		return err
	}
	if o.Receipt != nil && o.Receipt.OrderHash == "" {
		o.Receipt.OrderHash = o.Hash()
	}
	return nil
}

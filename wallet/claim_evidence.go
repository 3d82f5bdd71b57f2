package wallet

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The evidence that a payment was not authorized, each recorded by name
// with the claim it reimbursed.
const (
	// EvidenceNoReceipt: an order payment with no order, or no receipt.
	EvidenceNoReceipt = "no_receipt"
	// EvidenceReceiptMismatch: the receipt does not prove what was posted:
	// its signature or order hash does not check out, or the order's payee
	// or amount is not the transfer's.
	EvidenceReceiptMismatch = "receipt_mismatch"
	// EvidenceDeviceNotActive: the receipt names a device that was not
	// paired with payments enabled when the payment was made.
	EvidenceDeviceNotActive = "device_not_active"
	// EvidenceNoMandate: a charge with no mandate, no charge record, or
	// made before the person approved the mandate.
	EvidenceNoMandate = "no_mandate"
	// EvidenceMandateCap: a charge past the mandate's cap for its period.
	EvidenceMandateCap = "over_mandate_cap"
	// EvidenceMandateEnded: a charge after the mandate was revoked or
	// declined, or after it expired.
	EvidenceMandateRevoked = "after_mandate_revoked"
	EvidenceMandateExpired = "after_mandate_expired"
	// EvidenceOtherAgent: a charge by an agent other than the mandate's.
	EvidenceOtherAgent = "other_agent"
	// EvidenceFrozen: a debit made while the wallet was frozen.
	EvidenceFrozen = "after_freeze"
	// EvidenceNoAuthorization: a debit that is neither an order payment nor
	// a mandate charge, so nothing could have authorized it.
	EvidenceNoAuthorization = "no_authorization"
)

// claimEvidence is what the ledger shows about one payment.
type claimEvidence struct {
	reasons   []string
	payeeName string
}

func (e *claimEvidence) add(reason string) {
	for _, r := range e.reasons {
		if r == reason {
			return
		}
	}
	e.reasons = append(e.reasons, reason)
}

// evidence gathers what shows debit t unauthorized: the audit chain as it
// stood just before t (a freeze, the devices enabled), and the order and
// receipt, or the mandate and charge, behind it.
func evidence(tx *bolt.Tx, pub ed25519.PublicKey, t *Transfer) (*claimEvidence, error) {
	ev := &claimEvidence{}
	at, err := momentOf(tx, t.ID)
	if err != nil {
		return nil, err
	}
	if at.frozen {
		ev.add(EvidenceFrozen)
	}
	kind, id, ok := strings.Cut(t.Ref, ":")
	n, nerr := strconv.ParseUint(id, 10, 64)
	switch {
	case ok && nerr == nil && kind == "order" && t.Kind == Post:
		err = ev.order(tx, pub, t, n, at)
	case ok && nerr == nil && kind == "mandate" && t.Kind == Single:
		err = ev.mandate(tx, t, n, at)
	default:
		ev.add(EvidenceNoAuthorization)
	}
	return ev, err
}

// order checks the receipt behind an order payment.
func (ev *claimEvidence) order(tx *bolt.Tx, pub ed25519.PublicKey, t *Transfer, id uint64, at *moment) error {
	v := tx.Bucket(bucketOrders).Get(itob(id))
	var o Order
	if v == nil || decodeOrder(v, &o) != nil || o.Receipt == nil {
		ev.add(EvidenceNoReceipt)
		return nil
	}
	ev.payeeName = o.PayeeName
	r := o.Receipt
	if VerifyReceipt(pub, &o, r) != nil || o.Payee != t.Credit || r.Amount != t.Amount || r.Currency != t.Currency {
		ev.add(EvidenceReceiptMismatch)
	}
	if at.found && !at.active[r.Device] {
		ev.add(EvidenceDeviceNotActive)
	}
	return nil
}

// mandate checks the mandate behind a charge.
func (ev *claimEvidence) mandate(tx *bolt.Tx, t *Transfer, id uint64, at *moment) error {
	m, err := getMandate(tx, id)
	if err != nil {
		ev.add(EvidenceNoMandate)
		return nil
	}
	ev.payeeName = m.PayeeName
	charges, err := mandateCharges(tx, id)
	if err != nil {
		return err
	}
	var c *Charge
	for _, ch := range charges {
		if ch.Transfer == t.ID {
			c = ch
		}
	}
	if c == nil || m.Approved.IsZero() || t.Time.Before(m.Approved) || m.Payee != t.Credit {
		ev.add(EvidenceNoMandate)
		return nil
	}
	if at.ended[id] {
		ev.add(EvidenceMandateRevoked)
	}
	if !t.Time.Before(m.Expires) {
		ev.add(EvidenceMandateExpired)
	}
	if c.Agent != "" && c.Agent != m.Agent {
		ev.add(EvidenceOtherAgent)
	}
	var spent int64
	for _, ch := range charges {
		if ch.ID <= c.ID && m.period(ch.Time) == m.period(c.Time) {
			spent += ch.Amount
		}
	}
	if spent > m.Cap {
		ev.add(EvidenceMandateCap)
	}
	return nil
}

// period numbers the period of m that t falls in, counted from approval.
func (m *Mandate) period(t time.Time) int64 {
	if m.Period <= 0 {
		return 0
	}
	return int64(t.Sub(m.Approved) / m.Period)
}

// mandateCharges returns the charges under mandate id, oldest first.
func mandateCharges(tx *bolt.Tx, id uint64) ([]*Charge, error) {
	var out []*Charge
	c := tx.Bucket(bucketCharges).Cursor()
	prefix := itob(id)
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var ch Charge
		if err := decodeStored(v, &ch); err != nil {
			return nil, fmt.Errorf("decode charge %x: %w", k, err)
		}
		out = append(out, &ch)
	}
	return out, nil
}

// moment is the ledger as the audit chain stood just before one transfer:
// whether the wallet was frozen, which devices had payments enabled, and
// which mandates had been revoked or declined. found is false when the
// chain holds no entry of the transfer; then nothing is known of the time.
type moment struct {
	found  bool
	frozen bool
	active map[string]bool
	ended  map[uint64]bool
}

// momentOf walks the audit chain up to the entry of transfer id.
func momentOf(tx *bolt.Tx, id uint64) (*moment, error) {
	at := &moment{active: map[string]bool{}, ended: map[uint64]bool{}}
	c := tx.Bucket(bucketAudit).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var e struct {
			Kind string          `json:"kind"`
			Data json.RawMessage `json:"data"`
		}
		if err := decodeStored(v, &e); err != nil {
			return nil, fmt.Errorf("decode audit entry %x: %w", k, err)
		}
		var d struct {
			ID      uint64 `json:"id"`
			Event   string `json:"event"`
			Account string `json:"account"`
			Device  string `json:"device"`
			Mandate struct {
				ID uint64 `json:"id"`
			} `json:"mandate"`
		}
		switch e.Kind {
		case "transfer", "account", "device", "mandate":
			if err := json.Unmarshal(e.Data, &d); err != nil {
				return nil, fmt.Errorf("decode audit entry %x: %w", k, err)
			}
		default:
			continue
		}
		switch e.Kind {
		case "transfer":
			if d.ID == id {
				at.found = true
				return at, nil
			}
		case "account":
			if d.Account == UserAccount && (d.Event == "frozen" || d.Event == "unfrozen") {
				at.frozen = d.Event == "frozen"
			}
		case "device":
			switch d.Event {
			case "activated":
				at.active[d.Device] = true
			case "paired", "deactivated", "revoked":
				at.active[d.Device] = false
			}
		case "mandate":
			if d.Event == string(MandateRevoked) || d.Event == string(MandateDeclined) {
				at.ended[d.Mandate.ID] = true
			}
		}
	}
	return &moment{}, nil
}

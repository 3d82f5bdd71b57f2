package wallet

import (
	"fmt"
	"strconv"
	"strings"
)

// A payment can be given back twice over: by its payee, as a refund, and
// by the compensation fund, on a claim that it was unauthorized. The
// person is made whole once. A claim pays back only what the refunds have
// not (and nothing when they gave it all back); a refund of a payment the
// fund already paid back goes to the fund, not to the person again.

// paymentRef names the payment a debit transfer t made, as refunds name
// it: "order:12" for an order's payment, "charge:7" for a charge under a
// mandate; "" for any other transfer.
func (l *ltx) paymentRef(t *Transfer) (string, error) {
	kind, id, ok := strings.Cut(t.Ref, ":")
	n, err := strconv.ParseUint(id, 10, 64)
	switch {
	case !ok || err != nil:
		return "", nil
	case kind == "order" && t.Kind == Post:
		return t.Ref, nil
	case kind != "mandate" || t.Kind != Single:
		return "", nil
	}
	// The charges of a mandate are kept in the order they were made, as
	// are their transfers: look back from the newest.
	c := l.Bucket(bucketCharges).Cursor()
	k, v := c.Seek(itob(n + 1))
	if k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	for ; k != nil && binaryID(k[:8]) == n; k, v = c.Prev() {
		var ch Charge
		if err := decodeStored(v, &ch); err != nil {
			return "", fmt.Errorf("decode charge %x: %w", k, err)
		}
		if ch.Transfer == t.ID {
			return fmt.Sprintf("charge:%d", ch.ID), nil
		}
		if ch.Transfer < t.ID {
			break
		}
	}
	return "", nil
}

// refundedOf is how much of a payment its payee has refunded.
func (l *ltx) refundedOf(ref string) (int64, error) {
	v := l.Bucket(bucketRefunds).Get([]byte("paid:" + ref))
	if v == nil || ref == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("decode the refunds of %s: %w", ref, err)
	}
	return n, nil
}

// claimOf returns the claim filed on the payment ref, or nil. Claims are
// few, so they are read one by one.
func (l *ltx) claimOf(ref string) (*Claim, error) {
	var found *Claim
	err := l.Bucket(bucketClaims).ForEach(func(k, v []byte) error {
		if len(k) != 8 || found != nil {
			return nil
		}
		var c Claim
		if err := jsonUnmarshal(v, &c, "claim"); err != nil {
			return err
		}
		t, err := getTransfer(l.Tx, c.Transfer)
		if err != nil {
			return err
		}
		if r, err := l.paymentRef(t); err != nil {
			return err
		} else if r == ref {
			found = &c
		}
		return nil
	})
	return found, err
}

// unrefunded is what of payment t a claim may still pay back: what it
// paid less what its payee refunded.
func (l *ltx) unrefunded(t *Transfer) (int64, error) {
	ref, err := l.paymentRef(t)
	if err != nil {
		return 0, err
	}
	done, err := l.refundedOf(ref)
	return t.Amount - done, err
}

package wallet

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ChargeMandate charges units under a mandate for the agent that holds it:
// units times the unit price for a subscription, units minor units for a
// tip. It is refused, with nothing written, when the mandate is not active,
// has expired or was revoked, or when the charge would pass the cap of the
// current period. A charge risk blocks is refused too, and the refusal is
// recorded and remembered under key.
func (db *DB) ChargeMandate(ctx context.Context, key string, id uint64, agent string, units int64) (*Charge, *Mandate, error) {
	var r mandateResult
	err := db.write(ctx, func(l *ltx) (err error) {
		params := struct {
			ID    uint64
			Agent string
			Units int64
		}{id, agent, units}
		r, err = idempotent(l, "charge_mandate", key, params, func() (mandateResult, error) {
			m, err := l.mandate(id)
			if err != nil {
				return mandateResult{}, err
			}
			if agent != m.Agent {
				return mandateResult{}, notFound("There is no mandate %d of this agent.", id)
			}
			since, err := pairedSince(l.Tx, agent)
			if err != nil {
				return mandateResult{}, err
			}
			if m.Created.Before(since) {
				// Approved for an earlier pairing of the name, which was revoked.
				return mandateResult{}, fmt.Errorf("mandate %d of an earlier pairing of %s: %w", id, agent, ErrMandateRevoked)
			}
			if err := refusal(m, MandateActive); err != nil {
				return mandateResult{Mandate: m}, err
			}
			amount, err := m.price(units)
			if err != nil {
				return mandateResult{Mandate: m}, err
			}
			return l.record(m, agent, units, amount)
		})
		if err != nil {
			return err
		}
		return r.err()
	})
	if err != nil {
		return r.Charge, r.Mandate, fmt.Errorf("charge mandate %d: %w", id, err)
	}
	return r.Charge, r.Mandate, nil
}

// record charges amount for units under m, asked by agent, and records the
// outcome: the charge and the mandate after it, or the refusal of a charge
// risk blocked.
func (l *ltx) record(m *Mandate, agent string, units, amount int64) (mandateResult, error) {
	c, err := l.charge(m, agent, units, amount)
	if err != nil {
		return mandateResult{Mandate: m}, err
	}
	if c.Decision.Action == ActionBlock {
		return mandateResult{m, c}, l.auditMandate("charge_blocked", m, c, "")
	}
	m = m.at(l.now)
	return mandateResult{m, c}, l.putMandate(m, "charged", c, "")
}

// charge screens amount under m and, unless risk blocks it, moves it from
// the user to the payee and counts it against m. m must be active with room
// for amount. A blocked charge comes back with its decision and no error;
// the caller records the refusal. agent is the agent that asked for it.
func (l *ltx) charge(m *Mandate, agent string, units, amount int64) (*Charge, error) {
	ref := fmt.Sprintf("mandate:%d", m.ID)
	dec, err := l.screen(Debit{Amount: amount, Payee: m.Payee, Channel: mandateChannel, Agent: m.Agent}, ref)
	if err != nil {
		return nil, err
	}
	if len(dec.Rules) == 0 {
		dec.Rules = nil // as the charge reads back from the ledger
	}
	c := &Charge{Mandate: m.ID, Agent: agent, Units: units, Amount: amount, Time: l.now, Decision: dec}
	if dec.Action == ActionBlock {
		return c, nil
	}
	t := &Transfer{Kind: Single, Debit: UserAccount, Credit: m.Payee, Amount: amount, Ref: ref}
	if err := l.transfer(t); err != nil {
		return nil, err
	}
	if err := l.markPaid(m.Payee); err != nil {
		return nil, err
	}
	b := l.Bucket(bucketCharges)
	if c.ID, err = b.NextSequence(); err != nil {
		return nil, err
	}
	c.Transfer = t.ID
	v, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	if err := l.put(bucketCharges, chargeKey(m.ID, c.ID), v); err != nil {
		return nil, err
	}
	m.PeriodSpent += amount
	m.TotalSpent += amount
	m.Charges++
	return c, nil
}

func chargeKey(mandate, charge uint64) []byte { return append(itob(mandate), itob(charge)...) }

// MandateCharges returns the charges made under a mandate, newest first.
func (db *DB) MandateCharges(ctx context.Context, id uint64) ([]*Charge, error) {
	var out []*Charge
	err := db.view(func(tx *bolt.Tx) error {
		if _, err := getMandate(tx, id); err != nil {
			return err
		}
		c := tx.Bucket(bucketCharges).Cursor()
		prefix := itob(id)
		k, v := c.Seek(itob(id + 1))
		if k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
		for ; k != nil && string(k[:8]) == string(prefix); k, v = c.Prev() {
			var ch Charge
			if err := decodeStored(v, &ch); err != nil {
				return fmt.Errorf("decode charge %x: %w", k, err)
			}
			out = append(out, &ch)
		}
		return nil
	})
	return out, err
}

// ChargeTip tips amount minor units to payee under a tip allowance the
// person approved for agent, the oldest with room for it, and returns the
// charge and the allowance. It returns no charge, and no error, when no
// allowance has room: then the agent has to ask. Either outcome is
// remembered under key, so that a retry never tips twice, nor tips after a
// first attempt found no room.
func (db *DB) ChargeTip(ctx context.Context, key, agent, payee string, amount int64) (*Charge, *Mandate, error) {
	var r mandateResult
	err := db.write(ctx, func(l *ltx) (err error) {
		params := struct {
			Agent, Payee string
			Amount       int64
		}{agent, payee, amount}
		r, err = idempotent(l, "charge_tip", key, params, func() (mandateResult, error) {
			if amount <= 0 || amount > MaxAmount {
				return mandateResult{}, invalid("A tip is more than 0 and at most %d minor units, not %d.", MaxAmount, amount)
			}
			since, err := pairedSince(l.Tx, agent)
			if err != nil {
				return mandateResult{}, err
			}
			m, err := l.allowance(agent, since, payee, amount)
			if m == nil || err != nil {
				return mandateResult{}, err
			}
			return l.record(m, agent, amount, amount)
		})
		if err != nil {
			return err
		}
		return r.err()
	})
	if err != nil {
		return r.Charge, r.Mandate, fmt.Errorf("charge tip: %w", err)
	}
	return r.Charge, r.Mandate, nil
}

// allowance is the oldest active tip allowance of agent's pairing that
// began at since for payee with room for amount, or nil.
func (l *ltx) allowance(agent string, since time.Time, payee string, amount int64) (*Mandate, error) {
	c := l.Bucket(bucketMandates).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var m Mandate
		if err := json.Unmarshal(v, &m); err != nil {
			return nil, fmt.Errorf("decode mandate %x: %w", k, err)
		}
		cur := m.at(l.now)
		if cur.Kind == MandateTip && owned(cur.Agent, cur.Created, agent, since) && cur.Payee == payee &&
			cur.State == MandateActive && cur.Remaining() >= amount {
			return cur, nil
		}
	}
	return nil, nil
}

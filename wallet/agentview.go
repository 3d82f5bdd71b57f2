package wallet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// What an agent sees. An agent sees only what it made under its current
// pairing: the orders and mandates it proposed, the charges under those
// mandates and the refunds it made, all since its device was paired
// (Device.Created). A name paired again after a revoke starts with nothing:
// the revoke ended whatever the old pairing left open (see endAgent), and
// the new pairing's views begin at its own pairing time.

// AgentRequestKey is the wallet idempotency key of a request an agent made
// with its own key: agents' keys live apart from each other's and from the
// dialog's.
func AgentRequestKey(agent, key string) string { return "agent:" + agent + "/" + key }

// mentionsAgent is a quick test of a stored order, mandate or charge: false
// means its "agent" field is not agent. A true is checked on the decoded
// record. Names are device ids, which JSON stores as they are.
func mentionsAgent(v []byte, agent string) bool {
	b, err := unpack(v)
	return err != nil || bytes.Contains(b, []byte(`"agent":"`+agent+`"`))
}

// notFound is the refusal of something an agent did not make, or that is
// not there: the two are not told apart, so that an agent learns nothing
// of what other agents, or an earlier pairing, made.
func notFound(format string, args ...any) error {
	return &Error{Code: ENOTFOUND, Message: fmt.Sprintf(format, args...), cause: ErrNotFound}
}

// owned reports whether a record agent made at created belongs to the
// agent's pairing that began at since.
func owned(recordAgent string, created time.Time, agent string, since time.Time) bool {
	return agent != "" && recordAgent == agent && !created.Before(since)
}

// pairedSince returns when the agent-scope device agent was paired.
func pairedSince(tx *bolt.Tx, agent string) (time.Time, error) {
	d, err := getDevice(tx, agent)
	if errors.Is(err, ErrNotFound) {
		return time.Time{}, fmt.Errorf("agent %q is not paired, or was revoked: %w", agent, ErrUnauthorized)
	} else if err != nil {
		return time.Time{}, err
	}
	if d.Scope != ScopeAgent {
		return time.Time{}, fmt.Errorf("device %s is not an agent: %w", agent, ErrUnauthorized)
	}
	return d.Created, nil
}

// AgentOrder returns order id when agent proposed it under the pairing
// that began at since; otherwise not_found.
func (db *DB) AgentOrder(ctx context.Context, agent string, since time.Time, id uint64) (*Order, error) {
	o, err := db.Order(ctx, id)
	if errors.Is(err, ErrNotFound) || (err == nil && !owned(o.Agent, o.Created, agent, since)) {
		return nil, notFound("There is no order %d of this agent.", id)
	}
	return o, err
}

// AgentMandate returns mandate id, as it stands now, when agent proposed
// it under the pairing that began at since; otherwise not_found.
func (db *DB) AgentMandate(ctx context.Context, agent string, since time.Time, id uint64) (*Mandate, error) {
	m, err := db.Mandate(ctx, id)
	if errors.Is(err, ErrNotFound) || (err == nil && !owned(m.Agent, m.Created, agent, since)) {
		return nil, notFound("There is no subscription or tip allowance %d of this agent.", id)
	}
	return m, err
}

// AgentCharge returns charge id and its mandate, as it stands now, when the
// charge was made under a mandate agent proposed under the pairing that
// began at since; otherwise not_found.
func (db *DB) AgentCharge(ctx context.Context, agent string, since time.Time, id uint64) (*Charge, *Mandate, error) {
	var c *Charge
	var m *Mandate
	now := db.Now()
	err := db.view(func(tx *bolt.Tx) (err error) {
		c, m, err = agentCharge(tx, agent, since, id)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return c, m.at(now), nil
}

// agentCharge finds charge id among the charges of agent's mandates: a
// charge's key starts with its mandate's id, so each of them is one read.
func agentCharge(tx *bolt.Tx, agent string, since time.Time, id uint64) (*Charge, *Mandate, error) {
	charges := tx.Bucket(bucketCharges)
	c := tx.Bucket(bucketMandates).Cursor()
	for k, v := c.First(); k != nil && id > 0; k, v = c.Next() {
		if !mentionsAgent(v, agent) {
			continue
		}
		b := charges.Get(chargeKey(binaryID(k), id))
		if b == nil {
			continue
		}
		m, err := getMandate(tx, binaryID(k))
		if err != nil {
			return nil, nil, err
		}
		if !owned(m.Agent, m.Created, agent, since) {
			break
		}
		var ch Charge
		if err := jsonUnmarshal(b, &ch, "charge"); err != nil {
			return nil, nil, err
		}
		return &ch, m, nil
	}
	return nil, nil, notFound("There is no charge %d of this agent.", id)
}

// AgentTransfers returns the transfers that belong to agent's pairing that
// began at since, newest first, at most limit (all when limit <= 0): the
// holds, payments and releases of the orders it proposed, the charges
// under its mandates, and the refunds it made.
func (db *DB) AgentTransfers(ctx context.Context, agent string, since time.Time, limit int) ([]*Transfer, error) {
	out := []*Transfer{}
	// Transfers are made in time order, so the walk ends well before the
	// pairing; the hour's margin is for a clock set back meanwhile.
	stop := since.Add(-time.Hour)
	err := db.view(func(tx *bolt.Tx) error {
		mine := map[string]bool{}
		c := tx.Bucket(bucketTransfer).Cursor()
		for k, v := c.Last(); k != nil && (limit <= 0 || len(out) < limit); k, v = c.Prev() {
			t, err := readTransfer(tx, k, v)
			if err != nil {
				return err
			}
			if !since.IsZero() && t.Time.Before(stop) {
				break
			}
			ok, seen := mine[t.Ref]
			if !seen {
				var err error
				if ok, err = refOwned(tx, t.Ref, agent, since); err != nil {
					return err
				}
				mine[t.Ref] = ok
			}
			if ok {
				out = append(out, t)
			}
		}
		return nil
	})
	return out, err
}

// refOwned reports whether what a transfer's ref names belongs to agent's
// pairing: an order or mandate it proposed, or a refund it made.
func refOwned(tx *bolt.Tx, ref, agent string, since time.Time) (bool, error) {
	kind, num, ok := strings.Cut(ref, ":")
	if !ok {
		return false, nil
	}
	id, err := strconv.ParseUint(num, 10, 64)
	if err != nil {
		return false, nil
	}
	switch kind {
	case "order":
		o, err := getOrder(tx, id)
		if err != nil {
			return false, err
		}
		return owned(o.Agent, o.Created, agent, since), nil
	case "mandate":
		m, err := getMandate(tx, id)
		if err != nil {
			return false, err
		}
		return owned(m.Agent, m.Created, agent, since), nil
	case "refund":
		r, err := getRefund(tx, id)
		if err != nil {
			return false, err
		}
		return owned(r.Agent, r.Time, agent, since), nil
	}
	return false, nil
}

// KeyResult is what an agent made with one of its idempotency keys.
type KeyResult struct {
	// Op is the call made under the key: "create_order",
	// "propose_mandate", "charge_mandate", "charge_tip", "cancel_mandate"
	// or "refund".
	Op      string   `json:"op"`
	Order   *Order   `json:"order,omitempty"`   // as it stands now
	Mandate *Mandate `json:"mandate,omitempty"` // as it stands now
	Charge  *Charge  `json:"charge,omitempty"`  // as it was made (or refused by risk control)
	Refund  *Refund  `json:"refund,omitempty"`
}

// keyOps are the calls FindAgentKey looks for under a key, in the order
// it looks: a tip paid under an allowance before the tip proposed.
var keyOps = []string{"charge_tip", "charge_mandate", "create_order", "propose_mandate", "refund", "cancel_mandate"}

// FindAgentKey returns what agent made under its own idempotency key key
// (not the wallet's key: see AgentRequestKey) in its pairing that began at
// since, as a merchant's query by its own order number does. Keys are
// remembered for IdempotencyWindow (24 hours by default); after that, and
// for a key the agent never used, it is not_found.
func (db *DB) FindAgentKey(ctx context.Context, agent string, since time.Time, key string) (*KeyResult, error) {
	var r *KeyResult
	now := db.Now()
	err := db.view(func(tx *bolt.Tx) error {
		for _, op := range keyOps {
			v := tx.Bucket(bucketIdem).Get([]byte(op + "\x00" + AgentRequestKey(agent, key)))
			if v == nil {
				continue
			}
			found, err := recalled(tx, op, v, now)
			if err != nil {
				return err
			}
			if found != nil && found.owned(agent, since) {
				r = found
				return nil
			}
		}
		return nil
	})
	if err == nil && r == nil {
		err = notFound("Nothing was made with idempotency key %q by this agent in the last %s.", key, db.IdempotencyWindow)
	}
	return r, err
}

// recalled reads the result an idempotency record v of op remembers, and
// the order or mandate it names as it stands now. It is nil for a result
// that made nothing: a tip that found no allowance, a refusal.
func recalled(tx *bolt.Tx, op string, v []byte, now time.Time) (*KeyResult, error) {
	var rec idemRecord
	if err := jsonUnmarshal(v, &rec, "idempotency record"); err != nil {
		return nil, err
	}
	r := &KeyResult{Op: op}
	switch op {
	case "create_order":
		var o Order
		if err := jsonUnmarshal(rec.Result, &o, "order"); err != nil {
			return nil, err
		}
		cur, err := getOrder(tx, o.ID)
		if err != nil {
			return nil, err
		}
		r.Order = cur
		return r, nil
	case "refund":
		r.Refund = new(Refund)
		return r, jsonUnmarshal(rec.Result, r.Refund, "refund")
	case "charge_tip", "charge_mandate":
		var res mandateResult
		if err := jsonUnmarshal(rec.Result, &res, "charge"); err != nil {
			return nil, err
		}
		if res.Charge == nil || res.Mandate == nil {
			return nil, nil
		}
		r.Charge = res.Charge
		r.Mandate = res.Mandate
	default: // propose_mandate, cancel_mandate
		r.Mandate = new(Mandate)
		if err := jsonUnmarshal(rec.Result, r.Mandate, "mandate"); err != nil {
			return nil, err
		}
	}
	m, err := getMandate(tx, r.Mandate.ID)
	if err != nil {
		return nil, err
	}
	r.Mandate = m.at(now)
	return r, nil
}

// owned reports whether what r found belongs to agent's pairing.
func (r *KeyResult) owned(agent string, since time.Time) bool {
	switch {
	case r.Order != nil:
		return owned(r.Order.Agent, r.Order.Created, agent, since)
	case r.Refund != nil:
		return owned(r.Refund.Agent, r.Refund.Time, agent, since)
	case r.Mandate != nil:
		return owned(r.Mandate.Agent, r.Mandate.Created, agent, since)
	}
	return false
}

// endAgent ends what a revoked agent leaves behind, in the transaction
// that revokes it: its proposals are declined, its approved mandates
// revoked, its open orders cancelled and their holds released (or expired,
// if their time had run out), each audited as usual. Its idempotency
// records go too, so that a new pairing under the same name, whose keys
// are the same wallet keys, starts with nothing.
func (l *ltx) endAgent(agent string) error {
	if err := l.endMandates(agent); err != nil {
		return err
	}
	if err := l.endOrders(agent); err != nil {
		return err
	}
	var keys [][]byte
	mark := []byte("\x00" + AgentRequestKey(agent, ""))
	l.Bucket(bucketIdem).ForEach(func(k, _ []byte) error {
		if bytes.Contains(k, mark) {
			keys = append(keys, bytes.Clone(k))
		}
		return nil
	})
	for _, k := range keys {
		if err := l.del(bucketIdem, k); err != nil {
			return err
		}
	}
	return nil
}

func (l *ltx) endMandates(agent string) error {
	var ended []*Mandate
	c := l.Bucket(bucketMandates).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if !mentionsAgent(v, agent) {
			continue
		}
		var m Mandate
		if err := jsonUnmarshal(v, &m, "mandate"); err != nil {
			return err
		}
		if cur := m.at(l.now); cur.Agent == agent {
			ended = append(ended, cur)
		}
	}
	for _, m := range ended {
		switch m.State {
		case MandateProposed:
			m.State = MandateDeclined
		case MandateActive, MandateExhausted:
			m.State = MandateRevoked
		default:
			continue
		}
		if err := l.putMandate(m, string(m.State), nil, ""); err != nil {
			return err
		}
	}
	return nil
}

func (l *ltx) endOrders(agent string) error {
	var open []*Order
	err := l.Bucket(bucketOpen).ForEach(func(k, _ []byte) error {
		o, err := getOrder(l.Tx, binaryID(k))
		if err == nil && o.Agent == agent {
			open = append(open, o)
		}
		return err
	})
	if err != nil {
		return err
	}
	for _, o := range open {
		if o.Lapsed(l.now) {
			if err := l.expire(o); err != nil {
				return err
			}
			continue
		}
		if err := l.release(o); err != nil {
			return err
		}
		o.State = Cancelled
		if err := l.putOrder(o, "cancelled"); err != nil {
			return err
		}
	}
	return nil
}

// jsonUnmarshal decodes a stored record, packed or plain, naming it in the
// error.
func jsonUnmarshal(b []byte, v any, what string) error {
	if err := decodeStored(b, v); err != nil {
		return fmt.Errorf("decode %s: %w", what, err)
	}
	return nil
}

// CancelAgentMandate ends a mandate for the agent that proposed it, within
// its current pairing, idempotently by key: a proposal is withdrawn
// (declined), an approved mandate revoked, and the change audited as the
// person's would be. A mandate already ended is returned as it is; one of
// another agent, or of an earlier pairing, is not_found.
func (db *DB) CancelAgentMandate(ctx context.Context, key, agent string, id uint64) (*Mandate, error) {
	var m *Mandate
	err := db.write(ctx, func(l *ltx) (err error) {
		params := struct {
			ID    uint64
			Agent string
		}{id, agent}
		m, err = idempotent(l, "cancel_mandate", key, params, func() (*Mandate, error) {
			since, err := pairedSince(l.Tx, agent)
			if err != nil {
				return nil, err
			}
			m, err := l.mandate(id)
			if errors.Is(err, ErrNotFound) || (err == nil && !owned(m.Agent, m.Created, agent, since)) {
				return nil, notFound("There is no subscription or tip allowance %d of this agent.", id)
			} else if err != nil {
				return nil, err
			}
			switch m.State {
			case MandateProposed:
				m.State = MandateDeclined
			case MandateActive, MandateExhausted:
				m.State = MandateRevoked
			default:
				return m, nil
			}
			return m, l.putMandate(m, string(m.State), nil, "")
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("cancel mandate %d: %w", id, err)
	}
	return m, nil
}

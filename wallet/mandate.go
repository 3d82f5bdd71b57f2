package wallet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A mandate is a standing permission the person gives an agent: a tip
// allowance or a metered subscription to one payee, capped per period and
// ending at a fixed time. An agent proposes it; only the person approves it,
// from a paired user device with payments enabled. Within an approved
// mandate the agent may charge exactly what it allows: every charge is
// screened on the "mandate" channel, where nobody is present, and moves
// money from the user to the payee in one single-phase transfer.
//
// The stored mandate records what was decided; the state a caller sees is
// derived again at every read, so that a mandate expires, and its period
// rolls over, without anything having to be written.

// MandateKind says what a mandate allows an agent to charge.
type MandateKind string

const (
	MandateTip          MandateKind = "tip"
	MandateSubscription MandateKind = "subscription"
)

// MandateState is where a mandate is in its life.
type MandateState string

const (
	MandateProposed  MandateState = "proposed" // waiting for the person
	MandateActive    MandateState = "active"
	MandateExhausted MandateState = "exhausted" // the cap of the current period is spent
	MandateExpired   MandateState = "expired"
	MandateRevoked   MandateState = "revoked"  // the person cancelled it after approving
	MandateDeclined  MandateState = "declined" // the person (or the agent) cancelled the proposal
)

// Conditions a mandate refuses a charge or a change with.
var (
	ErrMandateCap       = errors.New("mandate cap reached") // this charge would pass the cap
	ErrMandateExpired   = errors.New("mandate expired")
	ErrMandateRevoked   = errors.New("mandate revoked")
	ErrMandateNotActive = errors.New("mandate is not active") // proposed or declined
	ErrMandateApproved  = errors.New("mandate is already approved")
)

// MandateDraft is what an agent proposes.
type MandateDraft struct {
	Kind      MandateKind   `json:"kind"`
	Agent     string        `json:"agent"` // id of the agent-scope device proposing it
	Payee     string        `json:"payee"` // PayeeAccount(id) or MerchantAccount(id)
	PayeeName string        `json:"payee_name"`
	Note      string        `json:"note,omitempty"`
	Unit      string        `json:"unit"`            // subscription: "use" or "minute"; tip: "tip"
	UnitPrice int64         `json:"unit_price"`      // subscription: minor units per unit; tip: 0
	Cap       int64         `json:"cap"`             // most charged per period, minor units, > 0
	Period    time.Duration `json:"period"`          // length of a period; 0 = one period for the whole life
	Expires   time.Time     `json:"expires"`         // required, in the future
	First     int64         `json:"first,omitempty"` // tip only: charged at approval, 0 < First <= Cap
}

// Mandate is a standing permission a person gave an agent. State,
// PeriodStart and PeriodSpent are as of the moment it was read.
type Mandate struct {
	ID          uint64        `json:"id"`
	Kind        MandateKind   `json:"kind"`
	State       MandateState  `json:"state"`
	Agent       string        `json:"agent"`
	Payee       string        `json:"payee"`
	PayeeName   string        `json:"payee_name"`
	Note        string        `json:"note,omitempty"`
	Unit        string        `json:"unit"`
	UnitPrice   int64         `json:"unit_price"`
	Cap         int64         `json:"cap"`
	Period      time.Duration `json:"period"`
	Expires     time.Time     `json:"expires"`
	Currency    string        `json:"currency"`
	First       int64         `json:"first,omitempty"`
	Created     time.Time     `json:"created"`
	Updated     time.Time     `json:"updated"`
	Approved    time.Time     `json:"approved,omitzero"`     // periods roll from here
	ApprovedBy  string        `json:"approved_by,omitempty"` // the user device that approved it
	PeriodStart time.Time     `json:"period_start,omitzero"`
	PeriodSpent int64         `json:"period_spent"` // charged in the current period
	TotalSpent  int64         `json:"total_spent"`  // charged over the mandate's life
	Charges     int           `json:"charges"`      // how many charges moved money
}

// Charge is one debit under a mandate, with the risk decision on it. A
// charge risk blocked has no ID and no transfer.
type Charge struct {
	ID       uint64    `json:"id"`
	Mandate  uint64    `json:"mandate"`
	Units    int64     `json:"units"`
	Amount   int64     `json:"amount"`
	Transfer uint64    `json:"transfer"`
	Time     time.Time `json:"time"`
	Decision Decision  `json:"decision"`
}

// mandateChannel is the channel of every charge under a mandate: the person
// is absent, so nobody can be asked to verify.
const mandateChannel = "mandate"

// Bounds on the free text a proposal carries to the person.
const (
	maxPayeeName = 100
	maxNote      = 500
)

// at returns m as it stands at now: its period rolled forward and its state
// derived from the clock and the spending. It does not change m.
func (m *Mandate) at(now time.Time) *Mandate {
	v := *m
	switch {
	case v.State == MandateRevoked || v.State == MandateDeclined:
		return &v
	case v.Approved.IsZero(): // a proposal the person has not answered
		v.State = MandateProposed
		if !now.Before(v.Expires) {
			v.State = MandateExpired
		}
		return &v
	}
	if v.Period > 0 && now.After(v.Approved) {
		start := v.Approved.Add(now.Sub(v.Approved) / v.Period * v.Period)
		if start.After(v.PeriodStart) {
			v.PeriodStart, v.PeriodSpent = start, 0
		}
	}
	switch {
	case !now.Before(v.Expires):
		v.State = MandateExpired
	case v.PeriodSpent >= v.Cap:
		v.State = MandateExhausted
	default:
		v.State = MandateActive
	}
	return &v
}

// Remaining is what can still be charged in the current period.
func (m *Mandate) Remaining() int64 { return max(m.Cap-m.PeriodSpent, 0) }

// price returns the amount of units under m, or ErrMandateCap when it would
// pass what is left of the current period's cap.
func (m *Mandate) price(units int64) (int64, error) {
	if units <= 0 {
		return 0, fmt.Errorf("units %d: %w", units, ErrInvalid)
	}
	amount := units // a tip is charged in minor units
	if m.Kind == MandateSubscription {
		if units > math.MaxInt64/m.UnitPrice {
			return 0, fmt.Errorf("%d %s: %w", units, m.Unit, ErrMandateCap)
		}
		amount = units * m.UnitPrice
	}
	if amount > m.Remaining() {
		return 0, fmt.Errorf("%d would pass the cap %d with %d already charged this period: %w",
			amount, m.Cap, m.PeriodSpent, ErrMandateCap)
	}
	return amount, nil
}

// refusal returns the error for mandate m when what was asked of it needs
// one of the states ok. An exhausted mandate refuses a charge for its cap,
// and an approval or a decline for having been approved.
func refusal(m *Mandate, ok ...MandateState) error {
	for _, s := range ok {
		if m.State == s {
			return nil
		}
	}
	var err error
	switch m.State {
	case MandateProposed, MandateDeclined:
		err = ErrMandateNotActive
	case MandateActive:
		err = ErrMandateApproved
	case MandateExhausted:
		err = ErrMandateApproved
		if slices.Contains(ok, MandateActive) {
			err = ErrMandateCap
		}
	case MandateExpired:
		err = ErrMandateExpired
	case MandateRevoked:
		err = ErrMandateRevoked
	default:
		err = ErrInvalid
	}
	return fmt.Errorf("mandate %d is %s: %w", m.ID, m.State, err)
}

// checkDraft validates a draft and fills in what it leaves implied.
func (l *ltx) checkDraft(d *MandateDraft) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf(format+": %w", append(args, ErrInvalid)...)
	}
	switch d.Kind {
	case MandateTip:
		if d.Unit == "" {
			d.Unit = "tip"
		}
		if d.Unit != "tip" || d.UnitPrice != 0 {
			return bad("a tip is in unit %q at no unit price, not %q at %d", "tip", d.Unit, d.UnitPrice)
		}
		if d.First <= 0 || d.First > d.Cap {
			return bad("first tip %d is not within the cap %d", d.First, d.Cap)
		}
	case MandateSubscription:
		if d.Unit != "use" && d.Unit != "minute" {
			return bad("unit %q is not use or minute", d.Unit)
		}
		if d.UnitPrice <= 0 || d.UnitPrice > d.Cap {
			return bad("unit price %d is not within the cap %d", d.UnitPrice, d.Cap)
		}
		if d.First != 0 {
			return bad("a subscription charges nothing at approval")
		}
	default:
		return bad("mandate kind %q", d.Kind)
	}
	switch {
	case d.Cap <= 0:
		return bad("cap %d", d.Cap)
	case d.Period < 0:
		return bad("period %s", d.Period)
	case !d.Expires.After(l.now):
		return bad("expiry %s is not in the future", d.Expires.Format(time.RFC3339))
	case !validPayee(d.Payee):
		return bad("payee %q", d.Payee)
	case len(d.PayeeName) > maxPayeeName || len(d.Note) > maxNote:
		return bad("payee name or note too long")
	}
	return l.agentDevice(d.Agent)
}

// agentDevice checks that id is a paired device of agent scope.
func (l *ltx) agentDevice(id string) error {
	d, err := getDevice(l.Tx, id)
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("agent %q is not paired: %w", id, ErrUnauthorized)
	} else if err != nil {
		return err
	}
	if d.Scope != ScopeAgent {
		return fmt.Errorf("device %s is not an agent: %w", id, ErrUnauthorized)
	}
	return nil
}

// ProposeMandate records an agent's proposal. Nothing may be charged until
// the person approves it.
func (db *DB) ProposeMandate(ctx context.Context, key string, d MandateDraft) (*Mandate, error) {
	var m *Mandate
	err := db.write(ctx, func(l *ltx) (err error) {
		m, err = idempotent(l, "propose_mandate", key, d, func() (*Mandate, error) {
			if err := l.checkDraft(&d); err != nil {
				return nil, err
			}
			id, err := l.Bucket(bucketMandates).NextSequence()
			if err != nil {
				return nil, err
			}
			m := &Mandate{ID: id, Kind: d.Kind, State: MandateProposed, Agent: d.Agent, Payee: d.Payee,
				PayeeName: d.PayeeName, Note: d.Note, Unit: d.Unit, UnitPrice: d.UnitPrice, Cap: d.Cap,
				Period: d.Period, Expires: d.Expires, Currency: l.db.Currency, First: d.First, Created: l.now}
			return m, l.putMandate(m, "proposed", nil, "")
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("propose mandate: %w", err)
	}
	return m, nil
}

// mandateResult is what approving or charging a mandate remembers under its
// idempotency key, a refusal by risk included.
type mandateResult struct {
	Mandate *Mandate `json:"mandate"`
	Charge  *Charge  `json:"charge,omitempty"`
}

// err is the refusal the result carries: a charge blocked by risk. It is
// kept, so that the decision stays on the audit chain and under the key.
func (r mandateResult) err() error {
	if r.Charge != nil && r.Charge.Decision.Action == ActionBlock {
		return blocked(r.Charge.Decision)
	}
	return nil
}

// ApproveMandate is the person's approval of a proposed mandate, from a
// paired user device with payments enabled. A tip charges its first amount
// at once; a subscription moves nothing until the agent records usage. When
// risk blocks the first tip, the mandate stays proposed.
func (db *DB) ApproveMandate(ctx context.Context, key string, id uint64, a Authorization) (*Mandate, *Charge, error) {
	var r mandateResult
	err := db.write(ctx, func(l *ltx) (err error) {
		params := struct {
			ID     uint64
			Device string
		}{id, a.Device}
		r, err = idempotent(l, "approve_mandate", key, params, func() (mandateResult, error) {
			if err := l.authorizingDevice(a.Device); err != nil {
				return mandateResult{}, err
			}
			m, err := l.mandate(id)
			if err != nil {
				return mandateResult{}, err
			}
			if err := refusal(m, MandateProposed); err != nil {
				return mandateResult{Mandate: m}, err
			}
			proposed := *m
			m.Approved, m.ApprovedBy, m.PeriodStart, m.PeriodSpent = l.now, a.Device, l.now, 0
			m = m.at(l.now)
			var c *Charge
			if m.Kind == MandateTip {
				if c, err = l.charge(m, m.First, m.First); err != nil {
					return mandateResult{Mandate: &proposed}, err
				}
				if c.Decision.Action == ActionBlock {
					return mandateResult{&proposed, c}, l.auditMandate("approval_blocked", &proposed, c, a.Method)
				}
				m = m.at(l.now)
			}
			return mandateResult{m, c}, l.putMandate(m, "approved", c, a.Method)
		})
		if err != nil {
			return err
		}
		return r.err()
	})
	if err != nil {
		return r.Mandate, r.Charge, fmt.Errorf("approve mandate %d: %w", id, err)
	}
	return r.Mandate, r.Charge, nil
}

// DeclineMandate cancels a proposal before it is approved.
func (db *DB) DeclineMandate(ctx context.Context, key string, id uint64) (*Mandate, error) {
	m, err := db.endMandate(ctx, "decline_mandate", key, id, MandateDeclined, MandateProposed)
	if err != nil {
		return m, fmt.Errorf("decline mandate %d: %w", id, err)
	}
	return m, nil
}

// RevokeMandate cancels an approved mandate: the agent may charge nothing
// more under it.
func (db *DB) RevokeMandate(ctx context.Context, key string, id uint64) (*Mandate, error) {
	m, err := db.endMandate(ctx, "revoke_mandate", key, id, MandateRevoked, MandateActive, MandateExhausted)
	if err != nil {
		return m, fmt.Errorf("revoke mandate %d: %w", id, err)
	}
	return m, nil
}

// endMandate moves a mandate in one of the states from to the final state to.
func (db *DB) endMandate(ctx context.Context, op, key string, id uint64, to MandateState, from ...MandateState) (*Mandate, error) {
	var m *Mandate
	err := db.write(ctx, func(l *ltx) (err error) {
		m, err = idempotent(l, op, key, id, func() (*Mandate, error) {
			m, err := l.mandate(id)
			if err != nil {
				return nil, err
			}
			if err := refusal(m, from...); err != nil {
				return m, err
			}
			m.State = to
			return m, l.putMandate(m, string(to), nil, "")
		})
		return err
	})
	return m, err
}

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
				return mandateResult{}, fmt.Errorf("mandate %d belongs to another agent: %w", id, ErrUnauthorized)
			}
			if err := l.agentDevice(agent); err != nil {
				return mandateResult{}, err
			}
			if err := refusal(m, MandateActive); err != nil {
				return mandateResult{Mandate: m}, err
			}
			amount, err := m.price(units)
			if err != nil {
				return mandateResult{Mandate: m}, err
			}
			c, err := l.charge(m, units, amount)
			if err != nil {
				return mandateResult{Mandate: m}, err
			}
			if c.Decision.Action == ActionBlock {
				return mandateResult{m, c}, l.auditMandate("charge_blocked", m, c, "")
			}
			m = m.at(l.now)
			return mandateResult{m, c}, l.putMandate(m, "charged", c, "")
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

// charge screens amount under m and, unless risk blocks it, moves it from
// the user to the payee and counts it against m. m must be active with room
// for amount. A blocked charge comes back with its decision and no error;
// the caller records the refusal.
func (l *ltx) charge(m *Mandate, units, amount int64) (*Charge, error) {
	ref := fmt.Sprintf("mandate:%d", m.ID)
	dec, err := l.screen(Debit{Amount: amount, Payee: m.Payee, Channel: mandateChannel, Agent: m.Agent}, ref)
	if err != nil {
		return nil, err
	}
	if len(dec.Rules) == 0 {
		dec.Rules = nil // as the charge reads back from the ledger
	}
	c := &Charge{Mandate: m.ID, Units: units, Amount: amount, Time: l.now, Decision: dec}
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
	if err := b.Put(chargeKey(m.ID, c.ID), v); err != nil {
		return nil, err
	}
	m.PeriodSpent += amount
	m.TotalSpent += amount
	m.Charges++
	return c, nil
}

func chargeKey(mandate, charge uint64) []byte { return append(itob(mandate), itob(charge)...) }

// Mandate returns one mandate, as it stands now.
func (db *DB) Mandate(ctx context.Context, id uint64) (*Mandate, error) {
	var m *Mandate
	now := db.Now()
	err := db.view(func(tx *bolt.Tx) (err error) {
		m, err = getMandate(tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return m.at(now), nil
}

// Mandates returns every mandate as it stands now, newest first.
func (db *DB) Mandates(ctx context.Context) ([]*Mandate, error) {
	var out []*Mandate
	now := db.Now()
	err := db.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketMandates).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var m Mandate
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("decode mandate %x: %w", k, err)
			}
			out = append(out, m.at(now))
		}
		return nil
	})
	return out, err
}

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
			if err := json.Unmarshal(v, &ch); err != nil {
				return fmt.Errorf("decode charge %x: %w", k, err)
			}
			out = append(out, &ch)
		}
		return nil
	})
	return out, err
}

func getMandate(tx *bolt.Tx, id uint64) (*Mandate, error) {
	v := tx.Bucket(bucketMandates).Get(itob(id))
	if v == nil {
		return nil, fmt.Errorf("mandate %d: %w", id, ErrNotFound)
	}
	var m Mandate
	if err := json.Unmarshal(v, &m); err != nil {
		return nil, fmt.Errorf("decode mandate %d: %w", id, err)
	}
	return &m, nil
}

// mandate loads a mandate as it stands at the transaction's time.
func (l *ltx) mandate(id uint64) (*Mandate, error) {
	m, err := getMandate(l.Tx, id)
	if err != nil {
		return nil, err
	}
	return m.at(l.now), nil
}

// putMandate stores a mandate and records the change on the audit chain,
// with the charge that came with it, if any.
func (l *ltx) putMandate(m *Mandate, event string, c *Charge, method string) error {
	m.Updated = l.now
	v, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := l.Bucket(bucketMandates).Put(itob(m.ID), v); err != nil {
		return err
	}
	return l.auditMandate(event, m, c, method)
}

func (l *ltx) auditMandate(event string, m *Mandate, c *Charge, method string) error {
	return l.audit("mandate", struct {
		Event   string   `json:"event"`
		Mandate *Mandate `json:"mandate"`
		Charge  *Charge  `json:"charge,omitempty"`
		Method  string   `json:"method,omitempty"`
	}{event, m, c, method})
}

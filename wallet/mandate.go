package wallet

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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
	ErrMandateCap       = &Error{Code: EMANDATECAP, Message: "That charge would pass the mandate's cap for this period."}
	ErrMandateExpired   = &Error{Code: EMANDATEEXPIRED, Message: "The mandate has expired."}
	ErrMandateRevoked   = &Error{Code: EMANDATEREVOKED, Message: "The mandate was revoked."}
	ErrMandateNotActive = &Error{Code: EMANDATENOTACTIVE, Message: "The mandate is not active: it was not approved, or was declined."} // proposed or declined
	ErrMandateApproved  = &Error{Code: ESTATE, Message: "The mandate is already approved."}
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
	First     int64         `json:"first,omitempty"` // tip only: charged at approval, 0 < First <= Cap
	// Expires is when the mandate ends, at most MaxMandateLife away. When
	// it is zero the mandate ends Life after it is proposed: a retry of the
	// same proposal then asks for the same thing, whenever it comes.
	Expires time.Time     `json:"expires,omitzero"`
	Life    time.Duration `json:"life,omitempty"`
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
	Agent    string    `json:"agent,omitempty"` // the agent that charged it
	Units    int64     `json:"units"`
	Amount   int64     `json:"amount"`
	Transfer uint64    `json:"transfer"`
	Time     time.Time `json:"time"`
	Decision Decision  `json:"decision"`
}

// mandateChannel is the channel of every charge under a mandate: the person
// is absent, so nobody can be asked to verify.
const mandateChannel = "mandate"

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

// Hash is the canonical hash of what the person is asked to approve: the
// mandate's id, kind, agent, payee, price, cap, period, first amount,
// currency and expiry.
func (m *Mandate) Hash() string {
	canon, _ := json.Marshal(struct {
		ID        uint64        `json:"id"`
		Kind      MandateKind   `json:"kind"`
		Agent     string        `json:"agent"`
		Payee     string        `json:"payee"`
		Unit      string        `json:"unit"`
		UnitPrice int64         `json:"unit_price"`
		Cap       int64         `json:"cap"`
		Period    time.Duration `json:"period"`
		First     int64         `json:"first"`
		Currency  string        `json:"currency"`
		Expires   string        `json:"expires"`
	}{m.ID, m.Kind, m.Agent, m.Payee, m.Unit, m.UnitPrice, m.Cap, m.Period, m.First, m.Currency,
		m.Expires.UTC().Format(time.RFC3339Nano)})
	sum := sha256.Sum256(canon)
	return hex.EncodeToString(sum[:])
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
	if d.Expires.IsZero() {
		d.Expires = l.now.Add(d.Life)
	}
	switch {
	case d.Cap <= 0 || d.Cap > MaxAmount:
		return invalid("The cap must be more than 0 and at most %d minor units, not %d.", MaxAmount, d.Cap)
	case d.Period < 0:
		return invalid("The period can't be negative.")
	case !d.Expires.After(l.now) || d.Expires.Sub(l.now) > MaxMandateLife:
		return invalid("The expiry must be in the future, and at most %d days away.", MaxMandateLife/(24*time.Hour))
	case !validPayee(d.Payee):
		return bad("payee %q", d.Payee)
	}
	if err := checkName("payee name", d.PayeeName); err != nil {
		return err
	}
	if err := checkNote("note", d.Note); err != nil {
		return err
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
//
// A passkey bound to the mandate's hash, or the PIN, in a verifies the
// person too, and the audit records that method.
func (db *DB) ApproveMandate(ctx context.Context, key string, id uint64, a Authorization) (*Mandate, *Charge, error) {
	digest, salt, err := pinIfAsked(db.pinDigestFor(ctx, a.PIN))
	if err != nil {
		return nil, nil, fmt.Errorf("approve mandate %d: %w", id, err)
	}
	var r mandateResult
	err = db.write(ctx, func(l *ltx) (err error) {
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
			method := a.Method
			switch {
			case a.Passkey != nil:
				method, err = l.passkeyMethod(a.Passkey, PurposeSubscription, a.Device, m.Hash())
			case a.PIN != "":
				method, err = "pin", l.checkPIN(digest, salt)
			}
			if err != nil {
				return mandateResult{Mandate: m}, err
			}
			proposed := *m
			m.Approved, m.ApprovedBy, m.PeriodStart, m.PeriodSpent = l.now, a.Device, l.now, 0
			m = m.at(l.now)
			var c *Charge
			if m.Kind == MandateTip {
				if c, err = l.charge(m, m.Agent, m.First, m.First); err != nil {
					return mandateResult{Mandate: &proposed}, err
				}
				if c.Decision.Action == ActionBlock {
					return mandateResult{&proposed, c}, l.auditMandate("approval_blocked", &proposed, c, method)
				}
				m = m.at(l.now)
			}
			return mandateResult{m, c}, l.putMandate(m, "approved", c, method)
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

// MandateFilter says which mandates FindMandates returns. Its zero value
// matches every mandate.
type MandateFilter struct {
	Kind   MandateKind    // only of this kind
	States []MandateState // only in one of these states, as they stand now
	Payee  string         // only to this payee account
	// Agent keeps only the mandates that agent proposed, and Since only
	// those proposed at or after it (see OrderFilter.Agent).
	Agent  string
	Since  time.Time
	Newest bool // newest first; oldest first otherwise
	Limit  int  // at most this many; 0 for all
}

func (f MandateFilter) match(m *Mandate) bool {
	return (f.Kind == "" || m.Kind == f.Kind) && (len(f.States) == 0 || slices.Contains(f.States, m.State)) &&
		(f.Payee == "" || m.Payee == f.Payee) && (f.Agent == "" || m.Agent == f.Agent) && !m.Created.Before(f.Since)
}

// FindMandates returns the mandates that match f, as they stand now,
// oldest first unless f.Newest. A proposal from an agent that is no longer
// paired is left out: it waits for nobody.
func (db *DB) FindMandates(ctx context.Context, f MandateFilter) ([]*Mandate, error) {
	if err := db.fault("mandates"); err != nil {
		return nil, err
	}
	var out []*Mandate
	now := db.Now()
	err := db.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketMandates).Cursor()
		first, next := c.First, c.Next
		if f.Newest {
			first, next = c.Last, c.Prev
		}
		for k, v := first(); k != nil && (f.Limit <= 0 || len(out) < f.Limit); k, v = next() {
			if f.Agent != "" && !mentionsAgent(v, f.Agent) {
				continue
			}
			var stored Mandate
			if err := json.Unmarshal(v, &stored); err != nil {
				return fmt.Errorf("decode mandate %x: %w", k, err)
			}
			m := stored.at(now)
			if !f.match(m) {
				continue
			}
			if m.State == MandateProposed {
				ok, err := pairedAgent(tx, m.Agent)
				if err != nil {
					return err
				}
				if !ok {
					continue
				}
			}
			out = append(out, m)
		}
		return nil
	})
	return out, err
}

// pairedAgent reports whether id is a paired device of agent scope.
func pairedAgent(tx *bolt.Tx, id string) (bool, error) {
	d, err := getDevice(tx, id)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return d.Scope == ScopeAgent, nil
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
	if err := l.put(bucketMandates, itob(m.ID), v); err != nil {
		return err
	}
	l.changed(WatchMandate, m.ID)
	return l.auditMandate(event, m, c, method)
}

func (l *ltx) auditMandate(event string, m *Mandate, c *Charge, method string) error {
	mandate, charge := mandateEntry(event, m, c)
	return l.audit("mandate", struct {
		Event   string `json:"event"`
		Mandate any    `json:"mandate"`
		Charge  any    `json:"charge,omitempty"`
		Method  string `json:"method,omitempty"`
	}{event, mandate, charge, method})
}

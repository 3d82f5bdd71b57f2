package agent

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/voicepay/voicepay/wallet"
)

// Mandate is a tip allowance or a subscription as every surface shows it: in
// the websocket's events, and in what the MCP tools return. The jsonschema
// tags describe it in the MCP tools' output schema.
type Mandate struct {
	ID            uint64 `json:"id"`
	Kind          string `json:"kind" jsonschema:"tip or subscription"`
	State         string `json:"state" jsonschema:"proposed, active, exhausted, expired, revoked or declined"`
	Agent         string `json:"agent" jsonschema:"the agent that proposed it"`
	Payee         string `json:"payee" jsonschema:"the account paid, e.g. payee:claude_dev"`
	PayeeName     string `json:"payee_name"`
	Note          string `json:"note,omitempty" jsonschema:"the agent's note to the person; shown, never obeyed"`
	Unit          string `json:"unit" jsonschema:"use, minute or tip"`
	UnitPrice     int64  `json:"unit_price" jsonschema:"minor units per unit; 0 for a tip"`
	Cap           int64  `json:"cap" jsonschema:"the most charged per period, minor units"`
	PeriodSeconds int64  `json:"period_seconds" jsonschema:"the period of the cap in seconds; 0: one period over the whole life"`
	First         int64  `json:"first,omitempty" jsonschema:"a tip: the tip asked for, paid when the person approves it, minor units"`
	Spent         int64  `json:"spent" jsonschema:"the same as period_spent, under the name websocket clients read"`
	PeriodSpent   int64  `json:"period_spent" jsonschema:"charged in the current period, minor units"`
	Remaining     int64  `json:"remaining" jsonschema:"what may still be charged in the current period, minor units; 0 unless active"`
	TotalSpent    int64  `json:"total_spent" jsonschema:"charged over the whole life, minor units"`
	Charges       int    `json:"charges" jsonschema:"how many charges moved money"`
	Currency      string `json:"currency"`
	Expires       string `json:"expires" jsonschema:"when it ends: RFC 3339, UTC"`
}

// ViewMandate reports a mandate as the wallet read it: the wallet derives
// its state and period at every read. ViewMandate(nil) is nil.
func ViewMandate(m *wallet.Mandate) *Mandate {
	if m == nil {
		return nil
	}
	v := &Mandate{ID: m.ID, Kind: string(m.Kind), State: string(m.State), Agent: m.Agent, Payee: m.Payee,
		PayeeName: m.PayeeName, Note: m.Note, Unit: m.Unit, UnitPrice: m.UnitPrice, Cap: m.Cap,
		PeriodSeconds: int64(m.Period / time.Second), First: m.First, Spent: m.PeriodSpent, PeriodSpent: m.PeriodSpent,
		TotalSpent: m.TotalSpent, Charges: m.Charges, Currency: m.Currency, Expires: timestamp(m.Expires)}
	if m.State == wallet.MandateActive {
		v.Remaining = m.Remaining()
	}
	return v
}

// The rest of this file is the person's side of the tips and subscriptions agents
// propose: approving, declining, revoking and listing them.

// Mandate states as the dialog asks for them.
var (
	proposedStates = []wallet.MandateState{wallet.MandateProposed}
	approvedStates = []wallet.MandateState{wallet.MandateActive, wallet.MandateExhausted}
)

// approveMandate approves the oldest tip or subscription of the kind the
// person named that waits for approval. Approving a tip pays it.
func (d *dialog) approveMandate() error {
	kind := d.res.Slots.Mandate
	if kind == "" {
		return wallet.Errorf(wallet.EINVALID, "Say approve the tip, or approve the subscription.")
	}
	h := d.s.hub
	waiting, err := h.DB.FindMandates(d.ctx, wallet.MandateFilter{Kind: wallet.MandateKind(kind), States: proposedStates})
	if err != nil {
		return err
	}
	if len(waiting) == 0 {
		return wallet.Errorf(wallet.ENOORDER, "There is no %s waiting for your approval.", kind)
	}
	if waiting[0].Kind == wallet.MandateSubscription {
		lead := fmt.Sprintf("To approve the subscription to %s, ", payee(waiting[0]))
		asked, err := d.askPasskey(wallet.PurposeSubscription, awaitApprovePIN, 0, waiting[0].ID, lead)
		if asked || err != nil {
			return err
		}
	}
	return d.approveOne(waiting[0], len(waiting)-1, wallet.Authorization{Device: d.s.device, Method: "session"})
}

// approveOne approves m with a, and says what it allows; more is how many
// others of its kind wait.
func (d *dialog) approveOne(m *wallet.Mandate, more int, a wallet.Authorization) error {
	kind := string(m.Kind)
	key := d.key + ":approve"
	if a.PIN != "" || a.Passkey != nil {
		key = fmt.Sprintf("%s:approve-verified-%d", d.key, d.s.st.Turn)
	}
	m, c, err := d.db().ApproveMandate(d.ctx, key, m.ID, a)
	if errors.Is(err, wallet.ErrBlocked) {
		d.say("%s The %s still waits; you can decline it.", refusal(wallet.AsError(err).Decision, d.db().Currency), kind)
	}
	if err != nil {
		return err
	}
	d.turn.emit(Event{Type: EventMandateUpdated, Mandate: ViewMandate(m), Charge: c})
	var reply string
	if m.Kind == wallet.MandateTip {
		acct, err := d.db().Account(d.ctx, wallet.UserAccount)
		if err != nil {
			return err
		}
		reply = fmt.Sprintf("Tipped %s to %s. Your balance is %s.", Money(c.Amount, m.Currency), payee(m),
			Money(acct.Balance(), m.Currency))
		if m.Cap > m.First || m.Period > 0 {
			reply += fmt.Sprintf(" Your agent %s may tip up to %s without asking, until %s.", m.Agent, capText(m), when(m.Expires))
		}
	} else {
		reply = fmt.Sprintf("Approved: your agent %s may charge %s for %s, up to %s, until %s.", m.Agent, priceText(m),
			payee(m), capText(m), when(m.Expires))
	}
	switch n := more; {
	case n == 1:
		reply += fmt.Sprintf(" Another %s is waiting.", kind)
	case n > 1:
		reply += fmt.Sprintf(" %d more %ss are waiting.", n, kind)
	}
	d.say("%s", reply)
	return nil
}

// cancelMandate declines a proposed tip or subscription, or revokes an
// approved one: those of a payee the person named, the one of a number as
// listMandates reads them, or else the person's own tip order ("cancel the
// tip"), the oldest proposal of the kind named, or the only approved one.
func (d *dialog) cancelMandate() error {
	slots := d.res.Slots
	var targets []*wallet.Mandate
	var err error
	switch {
	case slots.Payee != "" || slots.Merchant != "":
		targets, err = d.payeeMandates()
	case slots.Quantity > 0:
		targets, err = d.numberedMandate(slots.Quantity)
	default:
		var own bool
		if own, err = d.ownTip(); own {
			return d.cancel() // "cancel the tip" the person just asked for with tip.send
		} else if err == nil {
			targets, err = d.namedMandates()
		}
	}
	if err != nil {
		return err
	}
	var said []string
	for _, m := range targets {
		if m.State == wallet.MandateProposed {
			m, err = d.db().DeclineMandate(d.ctx, fmt.Sprintf("%s:decline-%d", d.key, m.ID), m.ID)
		} else {
			m, err = d.db().RevokeMandate(d.ctx, fmt.Sprintf("%s:revoke-%d", d.key, m.ID), m.ID)
		}
		if err != nil {
			return err
		}
		d.turn.emit(Event{Type: EventMandateUpdated, Mandate: ViewMandate(m)})
		said = append(said, ended(m))
	}
	d.say("%s.", capital(strings.Join(said, "; ")))
	return nil
}

// payeeMandates are the mandates, proposed or approved, of the payee or
// merchant the person named.
func (d *dialog) payeeMandates() ([]*wallet.Mandate, error) {
	slots := d.res.Slots
	account, name := wallet.PayeeAccount(slots.Payee), slots.Payee
	if d.payeeNamed != "" {
		account, name = slots.Payee, d.payeeNamed // the account, as readNames found it
	} else if slots.Merchant != "" {
		account, name = wallet.MerchantAccount(slots.Merchant), slots.Merchant
		if m, ok := d.s.hub.Catalog.Merchant(slots.Merchant); ok {
			name = m.Name()
		}
	}
	ms, err := d.db().FindMandates(d.ctx, wallet.MandateFilter{Kind: wallet.MandateKind(slots.Mandate), Payee: account,
		States: slices.Concat(proposedStates, approvedStates)})
	if err == nil && len(ms) == 0 {
		err = wallet.Errorf(wallet.ENOTFOUND, "You have no subscription or tip allowance for %s.", name)
	}
	return ms, err
}

// numberedMandate is the approved mandate of number n, as listMandates
// reads them.
func (d *dialog) numberedMandate(n int) ([]*wallet.Mandate, error) {
	approved, err := d.db().FindMandates(d.ctx, wallet.MandateFilter{States: approvedStates})
	if err != nil {
		return nil, err
	}
	if n > len(approved) {
		return nil, wallet.Errorf(wallet.ENOTFOUND, "There is no number %d. Say \"what subscriptions do I have\" to hear them.", n)
	}
	m := approved[n-1]
	if kind := d.res.Slots.Mandate; kind != "" && string(m.Kind) != kind {
		return nil, wallet.Errorf(wallet.EINVALID, "Number %d is a %s, not a %s.", n, m.Kind, kind)
	}
	return []*wallet.Mandate{m}, nil
}

// ownTip reports whether "cancel the tip" means the tip the person just
// drafted themselves.
func (d *dialog) ownTip() (bool, error) {
	o, err := d.current()
	if err != nil || o == nil {
		return false, err
	}
	return d.res.Slots.Mandate == string(wallet.MandateTip) && o.Agent == "" && o.Lines[0].Item == "tip", nil
}

// namedMandates is the mandate "cancel the subscription" means: the oldest
// proposal of the kind named, or else the only approved one; more than
// one is a question back.
func (d *dialog) namedMandates() ([]*wallet.Mandate, error) {
	kind := d.res.Slots.Mandate
	waiting, err := d.db().FindMandates(d.ctx, wallet.MandateFilter{Kind: wallet.MandateKind(kind), States: proposedStates})
	if err != nil || len(waiting) > 0 {
		return waiting[:min(len(waiting), 1)], err
	}
	approved, err := d.db().FindMandates(d.ctx, wallet.MandateFilter{States: approvedStates})
	if err != nil {
		return nil, err
	}
	var targets []*wallet.Mandate
	var numbers []string
	for i, m := range approved {
		if kind == "" || string(m.Kind) == kind {
			targets = append(targets, m)
			numbers = append(numbers, fmt.Sprintf("number %d, %s", i+1, summary(m)))
		}
	}
	switch {
	case len(targets) == 0 && kind == "":
		return nil, wallet.Errorf(wallet.ENOORDER, "You have no subscription or tip allowance to cancel.")
	case len(targets) == 0:
		return nil, wallet.Errorf(wallet.ENOORDER, "You have no %s to cancel.", kind)
	case len(targets) > 1:
		return nil, wallet.Errorf(wallet.EINVALID, "Which one? %s. Say cancel subscription number one, for example.",
			capital(strings.Join(numbers, "; ")))
	}
	return targets, nil
}

// ended says what declining or revoking m did.
func ended(m *wallet.Mandate) string {
	switch {
	case m.State == wallet.MandateDeclined && m.Kind == wallet.MandateTip:
		return fmt.Sprintf("declined the tip for %s; nothing was charged", payee(m))
	case m.State == wallet.MandateDeclined:
		return fmt.Sprintf("declined the subscription to %s; nothing was charged", payee(m))
	case m.Kind == wallet.MandateTip:
		return fmt.Sprintf("cancelled the tip allowance for %s; your agent %s can tip nothing more under it", payee(m), m.Agent)
	}
	return fmt.Sprintf("cancelled your subscription to %s; your agent %s can charge nothing more under it", payee(m), m.Agent)
}

// listMandates reads the approved tips and subscriptions, numbered, then
// those waiting for approval.
func (d *dialog) listMandates() error {
	h := d.s.hub
	approved, err := h.DB.FindMandates(d.ctx, wallet.MandateFilter{States: approvedStates})
	if err != nil {
		return err
	}
	waiting, err := h.DB.FindMandates(d.ctx, wallet.MandateFilter{States: proposedStates})
	if err != nil {
		return err
	}
	if len(approved)+len(waiting) == 0 {
		d.say("You have no subscriptions or tip allowances.")
		return nil
	}
	var b strings.Builder
	if len(approved) > 0 {
		parts := make([]string, len(approved))
		for i, m := range approved {
			parts[i] = fmt.Sprintf("number %d, %s", i+1, summary(m))
		}
		fmt.Fprintf(&b, "Your subscriptions and tip allowances: %s.", strings.Join(parts, "; "))
	} else {
		b.WriteString("You have no subscriptions or tip allowances yet.")
	}
	if len(waiting) > 0 {
		parts := make([]string, len(waiting))
		for i, m := range waiting {
			if m.Kind == wallet.MandateTip {
				parts[i] = fmt.Sprintf("a tip of %s for %s from your agent %s", Money(m.First, m.Currency), payee(m), m.Agent)
			} else {
				parts[i] = fmt.Sprintf("a subscription to %s from your agent %s, %s, up to %s", payee(m), m.Agent,
					priceText(m), capText(m))
			}
		}
		fmt.Fprintf(&b, " Waiting for your approval: %s.", strings.Join(parts, "; "))
	}
	d.say("%s", b.String())
	return nil
}

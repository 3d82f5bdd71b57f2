package agent

import (
	"errors"
	"fmt"
	"strings"

	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/wallet"
)

// This file is the person's side of what agents propose: taking up an order
// an agent proposed, and approving, declining, revoking and listing tips and
// subscriptions.

// adopt makes the oldest order an agent proposed that still waits for the
// person the session's order, and returns it; nil when there is none.
func (d *dialog) adopt() (*wallet.Order, error) {
	pending, err := d.s.hub.pendingOrders(d.ctx)
	if err != nil || len(pending) == 0 {
		return nil, err
	}
	d.s.st.OrderID = pending[0].ID
	return pending[0], nil
}

// pendingHint says what an agent proposed that waits for the person, as a
// sentence to add to "there is no order"; "" when nothing does.
func (d *dialog) pendingHint() (string, error) {
	h := d.s.hub
	orders, err := h.pendingOrders(d.ctx)
	if err != nil {
		return "", err
	}
	if len(orders) > 0 {
		o := orders[0]
		return fmt.Sprintf(" Your agent %s proposed %s from %s for %s: say confirm to go ahead.", o.Agent,
			h.lineNames(o), o.PayeeName, Money(o.Total, o.Currency)), nil
	}
	ms, err := h.mandates(d.ctx, "", wallet.MandateProposed)
	if err != nil || len(ms) == 0 {
		return "", err
	}
	m := ms[0]
	return fmt.Sprintf(" Your agent %s asks you to approve a %s for %s: say approve the %s.", m.Agent, m.Kind,
		m.PayeeName, m.Kind), nil
}

// noOrder is the refusal for a command that needs an order, with what an
// agent proposed, if anything.
func (d *dialog) noOrder(format string) error {
	hint, err := d.pendingHint()
	if err != nil {
		return err
	}
	return Errorf(ENOORDER, "%s", format+hint)
}

// approveMandate approves the oldest tip or subscription of the kind the
// person named that waits for approval. Approving a tip pays it.
func (d *dialog) approveMandate() error {
	kind := d.res.Slots.Mandate
	if kind == "" {
		return Errorf(EINVALID, "Say approve the tip, or approve the subscription.")
	}
	h := d.s.hub
	waiting, err := h.mandates(d.ctx, kind, wallet.MandateProposed)
	if err != nil {
		return err
	}
	if len(waiting) == 0 {
		return Errorf(ENOORDER, "There is no %s waiting for your approval.", kind)
	}
	m, c, err := d.db().ApproveMandate(d.ctx, d.key+":approve", waiting[0].ID,
		wallet.Authorization{Device: d.s.device, Method: "session"})
	if errors.Is(err, wallet.ErrBlocked) {
		d.say("%s The %s still waits; you can decline it.", AsError(err).Message, kind)
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
		reply = fmt.Sprintf("Tipped %s to %s. Your balance is %s.", Money(c.Amount, m.Currency), m.PayeeName,
			Money(acct.Balance(), m.Currency))
		if m.Cap > m.First || m.Period > 0 {
			reply += fmt.Sprintf(" Your agent %s may tip up to %s without asking, until %s.", m.Agent, capText(m), when(m.Expires))
		}
	} else {
		reply = fmt.Sprintf("Approved: your agent %s may charge %s for %s, up to %s, until %s.", m.Agent, priceText(m),
			m.PayeeName, capText(m), when(m.Expires))
	}
	switch n := len(waiting) - 1; {
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
	h, slots, kind := d.s.hub, d.res.Slots, d.res.Slots.Mandate
	approved, err := h.mandates(d.ctx, "", wallet.MandateActive, wallet.MandateExhausted)
	if err != nil {
		return err
	}
	var targets []*wallet.Mandate
	switch {
	case slots.Payee != "" || slots.Merchant != "":
		account, name := wallet.PayeeAccount(slots.Payee), slots.Payee
		if slots.Merchant != "" {
			account, name = wallet.MerchantAccount(slots.Merchant), slots.Merchant
			if m, ok := h.Catalog.Merchant(slots.Merchant); ok {
				name = m.Name()
			}
		}
		all, err := h.mandates(d.ctx, kind, wallet.MandateProposed, wallet.MandateActive, wallet.MandateExhausted)
		if err != nil {
			return err
		}
		for _, m := range all {
			if m.Payee == account {
				targets = append(targets, m)
			}
		}
		if len(targets) == 0 {
			return Errorf(ENOTFOUND, "You have no subscription or tip allowance for %s.", name)
		}
	case slots.Quantity > 0:
		if slots.Quantity > len(approved) {
			return Errorf(ENOTFOUND, "There is no number %d. Say \"what subscriptions do I have\" to hear them.", slots.Quantity)
		}
		m := approved[slots.Quantity-1]
		if kind != "" && string(m.Kind) != kind {
			return Errorf(EINVALID, "Number %d is a %s, not a %s.", slots.Quantity, m.Kind, kind)
		}
		targets = []*wallet.Mandate{m}
	default:
		if o := d.current(); o != nil && kind == string(wallet.MandateTip) && o.Agent == "" && o.Lines[0].Item == "tip" {
			return d.cancel() // "cancel the tip" the person just asked for with tip.send
		}
		waiting, err := h.mandates(d.ctx, kind, wallet.MandateProposed)
		if err != nil {
			return err
		}
		if len(waiting) > 0 {
			targets = waiting[:1]
			break
		}
		var numbers []string
		for i, m := range approved {
			if kind == "" || string(m.Kind) == kind {
				targets = append(targets, m)
				numbers = append(numbers, fmt.Sprintf("number %d, %s", i+1, summary(m)))
			}
		}
		switch {
		case len(targets) == 0 && kind == "":
			return Errorf(ENOORDER, "You have no subscription or tip allowance to cancel.")
		case len(targets) == 0:
			return Errorf(ENOORDER, "You have no %s to cancel.", kind)
		case len(targets) > 1:
			return Errorf(EINVALID, "Which one? %s. Say cancel subscription number one, for example.",
				capital(strings.Join(numbers, "; ")))
		}
	}
	var said []string
	for _, m := range targets {
		var err error
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

// ended says what declining or revoking m did.
func ended(m *wallet.Mandate) string {
	switch {
	case m.State == wallet.MandateDeclined && m.Kind == wallet.MandateTip:
		return fmt.Sprintf("declined the tip for %s; nothing was charged", m.PayeeName)
	case m.State == wallet.MandateDeclined:
		return fmt.Sprintf("declined the subscription to %s; nothing was charged", m.PayeeName)
	case m.Kind == wallet.MandateTip:
		return fmt.Sprintf("cancelled the tip allowance for %s; your agent %s can tip nothing more under it", m.PayeeName, m.Agent)
	}
	return fmt.Sprintf("cancelled your subscription to %s; your agent %s can charge nothing more under it", m.PayeeName, m.Agent)
}

// listMandates reads the approved tips and subscriptions, numbered, then
// those waiting for approval.
func (d *dialog) listMandates() error {
	h := d.s.hub
	approved, err := h.mandates(d.ctx, "", wallet.MandateActive, wallet.MandateExhausted)
	if err != nil {
		return err
	}
	waiting, err := h.mandates(d.ctx, "", wallet.MandateProposed)
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
				parts[i] = fmt.Sprintf("a tip of %s for %s from your agent %s", Money(m.First, m.Currency), m.PayeeName, m.Agent)
			} else {
				parts[i] = fmt.Sprintf("a subscription to %s from your agent %s, %s, up to %s", m.PayeeName, m.Agent,
					priceText(m), capText(m))
			}
		}
		fmt.Fprintf(&b, " Waiting for your approval: %s.", strings.Join(parts, "; "))
	}
	d.say("%s", b.String())
	return nil
}

// confident refuses a money-moving intent that did not come from a complete
// match of a template: money moves on nothing less.
func (d *dialog) confident() error {
	if intent.MovesMoney(d.res.Intent) && d.res.Confidence < intent.FullMatch {
		return Errorf(EINVALID, "Please say that again in full: money moves only on a clear command.")
	}
	return nil
}

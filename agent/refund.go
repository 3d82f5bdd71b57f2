package agent

import (
	"context"
	"fmt"
	"strings"

	"github.com/voicepay/voicepay/wallet"
)

// What an agent does on its own to what it was given, the person hears of
// at once, in every open session: a refund of a payment, and the end of a
// tip allowance or subscription.

// RefundPayment gives the person back all or part of a payment the agent
// was paid (wallet.DB.RefundPayment), and tells the person.
func (h *Hub) RefundPayment(ctx context.Context, agent, key string, r wallet.RefundRequest) (*wallet.Refund, error) {
	k, err := h.agentRequest(ctx, agent, key)
	if err != nil {
		return nil, err
	}
	r.Agent = agent
	f, err := h.DB.RefundPayment(ctx, k, r)
	if err != nil {
		return nil, err
	}
	h.announce(fmt.Sprintf("refund:%d", f.ID), h.refunded(f))
	return f, nil
}

// refunded is the event of refund f: its sentence shows the agent's
// reason, quoted, and leaves it out of speech.
func (h *Hub) refunded(f *wallet.Refund) Event {
	s := fmt.Sprintf("Your agent %s refunded %s of your payment to %s", f.Agent, Money(f.Amount, f.Currency), h.accountName(f.Payee))
	if f.To == wallet.CompensationAccount {
		s += "; it goes to the compensation fund, which already paid you back"
	}
	s += "."
	return Event{Type: EventRefunded, Refund: f, Text: s + quoted(f.Reason), speech: s}
}

// accountName is how the person hears of a payee account: a catalog
// merchant by its name, another payee by its id, quoted as data.
func (h *Hub) accountName(account string) string {
	if id, ok := wallet.MerchantOf(account); ok {
		if m, ok := h.Catalog.Merchant(id); ok {
			return m.Name()
		}
		return id
	}
	_, id, _ := strings.Cut(account, ":")
	return dataName(account, id)
}

// EndAgentMandate ends a tip allowance or subscription the agent proposed
// (wallet.DB.CancelAgentMandate), and tells the person.
func (h *Hub) EndAgentMandate(ctx context.Context, agent, key string, id uint64) (*wallet.Mandate, error) {
	k, err := h.agentRequest(ctx, agent, key)
	if err != nil {
		return nil, err
	}
	before, _ := h.DB.Mandate(ctx, id)
	m, err := h.DB.CancelAgentMandate(ctx, k, agent, id)
	if err != nil {
		return nil, err
	}
	if before != nil && before.State == m.State {
		return m, nil // ended before: nothing new to tell
	}
	what := "subscription to"
	if m.Kind == wallet.MandateTip {
		what = "tip allowance for"
	}
	text := fmt.Sprintf("Your agent %s ended its %s %s; it can charge nothing more under it.", agent, what, payee(m))
	if m.State == wallet.MandateDeclined {
		text = fmt.Sprintf("Your agent %s withdrew its %s %s.", agent, what, payee(m))
	}
	h.announce(fmt.Sprintf("end:%d", m.ID), Event{Type: EventMandateUpdated, Mandate: ViewMandate(m), Text: text})
	return m, nil
}

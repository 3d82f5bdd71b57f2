package agent

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/voicepay/voicepay/wallet"
)

// This file says orders, tips and subscriptions that agents propose the way a
// speaker would, and finds the ones waiting for the person.

// quoted is an agent's memo or note as the person hears it: shown, in
// quotation marks, never obeyed. Empty when there is none.
func quoted(memo string) string {
	if memo == "" {
		return ""
	}
	return fmt.Sprintf(" It says: \"%s\".", strings.TrimRight(memo, ".!? "))
}

// join lists phrases: "a", "a and b", "a, b and c".
func join(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// lineNames says what an order buys: "two lattes and an americano".
func (h *Hub) lineNames(o *wallet.Order) string {
	m, catalog := h.Catalog.Merchant(strings.TrimPrefix(o.Payee, "merchant:"))
	parts := make([]string, len(o.Lines))
	for i, ln := range o.Lines {
		name := ln.Name
		if it, ok := m.Item(ln.Item); catalog && ok {
			name = unitName(it)
		}
		parts[i] = count(ln.Quantity, name)
	}
	return join(parts)
}

// orderProposal is the announcement of an order an agent proposed.
func (h *Hub) orderProposal(o *wallet.Order) Event {
	base := fmt.Sprintf("Your agent %s wants to buy %s from %s for %s.", o.Agent, h.lineNames(o), o.PayeeName,
		Money(o.Total, o.Currency))
	const ask = " Say confirm to go ahead."
	return Event{Type: EventProposal, Order: ViewOrder(o, h.DB.Now()), Text: base + quoted(o.Memo) + ask, speech: base + ask}
}

// mandateProposal is the announcement of a tip or subscription an agent
// proposed.
func mandateProposal(m *wallet.Mandate) Event {
	var base, ask string
	if m.Kind == wallet.MandateTip {
		base = fmt.Sprintf("Your agent %s asks for a tip of %s for %s.", m.Agent, Money(m.First, m.Currency), m.PayeeName)
		if m.Cap > m.First || m.Period > 0 {
			base += fmt.Sprintf(" Approving it allows tips of up to %s, until %s.", capText(m), when(m.Expires))
		}
		ask = " Say approve the tip to go ahead, or decline the tip."
	} else {
		base = fmt.Sprintf("Your agent %s proposes a subscription to %s: %s, up to %s, until %s.", m.Agent, m.PayeeName,
			priceText(m), capText(m), when(m.Expires))
		ask = " Say approve the subscription to go ahead, or cancel the subscription."
	}
	return Event{Type: EventProposal, Mandate: ViewMandate(m), Text: base + quoted(m.Note) + ask, speech: base + ask}
}

// chargeEvent is the announcement of a charge an agent made under a mandate.
func chargeEvent(m *wallet.Mandate, c *wallet.Charge) Event {
	var text string
	if m.Kind == wallet.MandateTip {
		text = fmt.Sprintf("Your agent %s tipped %s %s under your tip allowance; %s of %s is left.", m.Agent,
			m.PayeeName, Money(c.Amount, m.Currency), Money(m.Remaining(), m.Currency), capText(m))
	} else {
		text = fmt.Sprintf("Your agent %s charged %s for %s of %s; %s of %s is left.", m.Agent,
			Money(c.Amount, m.Currency), count(int(c.Units), m.Unit), m.PayeeName, Money(m.Remaining(), m.Currency), capText(m))
	}
	return Event{Type: EventMandateCharged, Mandate: ViewMandate(m), Charge: c, Text: text}
}

// priceText says a subscription's price: "0.50 yuan per use".
func priceText(m *wallet.Mandate) string {
	return fmt.Sprintf("%s per %s", Money(m.UnitPrice, m.Currency), m.Unit)
}

// capText says a mandate's cap: "30 yuan a month", "20 yuan in all".
func capText(m *wallet.Mandate) string {
	return Money(m.Cap, m.Currency) + " " + periodText(m.Period)
}

// periodText says a period: "a day", "every 3 days", "in all" for none.
func periodText(d time.Duration) string {
	const day = 24 * time.Hour
	switch d {
	case 0:
		return "in all"
	case time.Hour:
		return "an hour"
	case day:
		return "a day"
	case 7 * day:
		return "a week"
	case 30 * day, 31 * day:
		return "a month"
	case 365 * day:
		return "a year"
	}
	switch {
	case d%day == 0:
		return fmt.Sprintf("every %d days", d/day)
	case d%time.Hour == 0:
		return fmt.Sprintf("every %d hours", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("every %d minutes", d/time.Minute)
	}
	return "every " + d.String()
}

// when says a time: "November 28 at 12:00".
func when(t time.Time) string { return t.Format("January 2 at 15:04") }

// summary says what a mandate allows and how much of it is used, for a list.
func summary(m *wallet.Mandate) string {
	if m.Kind == wallet.MandateTip {
		return fmt.Sprintf("tips for %s from your agent %s, up to %s, %s used, until %s", m.PayeeName, m.Agent,
			capText(m), Money(m.PeriodSpent, m.Currency), when(m.Expires))
	}
	return fmt.Sprintf("%s from your agent %s, %s, up to %s, %s used, until %s", m.PayeeName, m.Agent,
		priceText(m), capText(m), Money(m.PeriodSpent, m.Currency), when(m.Expires))
}

// live reports whether an agent is still paired: what a revoked agent
// proposed is no longer offered to the person.
func (h *Hub) live(ctx context.Context, agent string) bool {
	d, err := h.DB.Device(ctx, agent)
	return err == nil && d.Scope == wallet.ScopeAgent
}

// maxScannedOrders bounds how many of the newest orders are searched for
// proposals: an open proposal lapses after the wallet's order timeout, so it
// is always among the newest.
const maxScannedOrders = 500

// pendingOrders returns the orders agents proposed that wait for the person,
// oldest first: drafted, not expired, from an agent still paired.
func (h *Hub) pendingOrders(ctx context.Context) ([]*wallet.Order, error) {
	orders, err := h.DB.Orders(ctx, maxScannedOrders)
	if err != nil {
		return nil, err
	}
	now := h.DB.Now()
	var out []*wallet.Order
	for _, o := range slices.Backward(orders) {
		if o.Agent != "" && o.State == wallet.Drafted && now.Before(o.Expires) && h.live(ctx, o.Agent) {
			out = append(out, o)
		}
	}
	return out, nil
}

// mandates returns the mandates of a kind ("" for any) in the given states,
// oldest first. Proposals of an agent no longer paired are left out.
func (h *Hub) mandates(ctx context.Context, kind string, states ...wallet.MandateState) ([]*wallet.Mandate, error) {
	all, err := h.DB.Mandates(ctx)
	if err != nil {
		return nil, err
	}
	var out []*wallet.Mandate
	for _, m := range slices.Backward(all) {
		if (kind == "" || string(m.Kind) == kind) && slices.Contains(states, m.State) &&
			(m.State != wallet.MandateProposed || h.live(ctx, m.Agent)) {
			out = append(out, m)
		}
	}
	return out, nil
}

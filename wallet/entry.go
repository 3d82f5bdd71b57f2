package wallet

// What audit entries carry where it is not the record itself.

import (
	"encoding/json"
	"time"
)

// orderEntry is the data of an order entry: {"event":"paid","order":{...}},
// with the whole order v as stored when the event set what the person
// agrees to (created, modified), and its summary otherwise.
func orderEntry(o *Order, event string, v []byte) (json.RawMessage, error) {
	if event != "created" && event != "modified" {
		var err error
		if v, err = json.Marshal(summarize(o, event)); err != nil {
			return nil, err
		}
	}
	entry := make([]byte, 0, len(v)+40)
	entry = append(entry, `{"event":"`+event+`","order":`...)
	return append(append(entry, v...), '}'), nil
}

// orderSummary is the order an entry carries for an event that changes
// none of what the person agreed to (a confirmation, a payment, an end):
// the fields of Order that say whose order it is, for how much, and where
// it stands. The whole order went on the chain when it was created or
// modified; the hold and the risk decision each have their own entry; and
// the record binding of the same entry holds the hash of the whole order
// as stored. Copying all of it into every event tripled what a payment put
// on the chain. The entry of the payment carries the whole signed receipt
// (ledgers written before gave it an entry of its own, "receipt"); later
// ones name only who paid and how.
type orderSummary struct {
	ID        uint64     `json:"id"`
	Payee     string     `json:"payee"`
	PayeeName string     `json:"payee_name"`
	Total     int64      `json:"total"`
	Currency  string     `json:"currency"`
	State     OrderState `json:"state"`
	Channel   string     `json:"channel"`
	Agent     string     `json:"agent,omitempty"`
	Version   int        `json:"version"`
	HoldID    uint64     `json:"hold_id,omitempty"`
	Receipt   any        `json:"receipt,omitempty"` // *Receipt or *receiptSummary
}

// receiptSummary names who paid an order and how; the receipt itself is on
// the chain in its own entry.
type receiptSummary struct {
	Device string `json:"device"`
	Method string `json:"method"`
}

func summarize(o *Order, event string) orderSummary {
	s := orderSummary{ID: o.ID, Payee: o.Payee, PayeeName: o.PayeeName, Total: o.Total, Currency: o.Currency,
		State: o.State, Channel: o.Channel, Agent: o.Agent, Version: o.Version, HoldID: o.HoldID}
	switch {
	case o.Receipt != nil && event == "paid":
		s.Receipt = o.Receipt
	case o.Receipt != nil:
		s.Receipt = &receiptSummary{Device: o.Receipt.Device, Method: o.Receipt.Method}
	}
	return s
}

// mandateSummary is the mandate an entry of a charge carries: the charge
// changes only what the mandate has spent, and the terms the person
// approved went on the chain whole when it was proposed and approved.
type mandateSummary struct {
	ID          uint64       `json:"id"`
	Kind        MandateKind  `json:"kind"`
	State       MandateState `json:"state"`
	Agent       string       `json:"agent"`
	Payee       string       `json:"payee"`
	PayeeName   string       `json:"payee_name"`
	Currency    string       `json:"currency"`
	PeriodStart time.Time    `json:"period_start,omitzero"`
	PeriodSpent int64        `json:"period_spent"`
	TotalSpent  int64        `json:"total_spent"`
	Charges     int          `json:"charges"`
}

// chargeSummary is the charge an entry of a charge carries: the mandate is
// the entry's, the time the entry's, and the decision is in the risk entry
// just before it.
type chargeSummary struct {
	ID       uint64 `json:"id,omitempty"`
	Units    int64  `json:"units"`
	Amount   int64  `json:"amount"`
	Transfer uint64 `json:"transfer,omitempty"`
}

// mandateEntry is the mandate and the charge an entry of event carries:
// their summaries for a charge, both whole for any other event.
func mandateEntry(event string, m *Mandate, c *Charge) (mandate, charge any) {
	if c != nil {
		charge = c
	}
	if event != "charged" && event != "charge_blocked" {
		return m, charge
	}
	mandate = mandateSummary{ID: m.ID, Kind: m.Kind, State: m.State, Agent: m.Agent, Payee: m.Payee,
		PayeeName: m.PayeeName, Currency: m.Currency, PeriodStart: m.PeriodStart, PeriodSpent: m.PeriodSpent,
		TotalSpent: m.TotalSpent, Charges: m.Charges}
	if c != nil {
		charge = chargeSummary{ID: c.ID, Units: c.Units, Amount: c.Amount, Transfer: c.Transfer}
	}
	return mandate, charge
}

package agent

import (
	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/wallet"
)

// Event types a turn produces. docs/protocol.md shows each on the wire.
const (
	EventIntent        = "intent"
	EventReply         = "reply"
	EventOrderUpdated  = "order.updated"
	EventPaymentResult = "payment.result"
	EventError         = "error"
)

// Event is one structured event of a turn. Type says which fields are set.
type Event struct {
	Type   string         `json:"type"`
	Intent *intent.Result `json:"intent,omitempty"` // intent
	Text   string         `json:"text,omitempty"`   // reply: the sentence to say or show
	State  string         `json:"state,omitempty"`  // reply: the dialog state after the turn
	Order  *OrderView     `json:"order,omitempty"`  // order.updated, payment.result
	Status string         `json:"status,omitempty"` // payment.result: "paid"
	Error  *Error         `json:"error,omitempty"`  // error
}

// OrderView is an order as clients see it.
type OrderView struct {
	ID        uint64           `json:"id"`
	State     string           `json:"state"`
	Payee     string           `json:"payee"`
	PayeeName string           `json:"payee_name"`
	Lines     []wallet.Line    `json:"lines"`
	Total     int64            `json:"total"`
	Currency  string           `json:"currency"`
	Expires   string           `json:"expires"`
	Agent     string           `json:"agent,omitempty"`
	Risk      *wallet.Decision `json:"risk,omitempty"`
	Receipt   *wallet.Receipt  `json:"receipt,omitempty"`
}

func viewOrder(o *wallet.Order) *OrderView {
	if o == nil {
		return nil
	}
	exp := o.Expires
	if o.State == wallet.Confirmed {
		exp = o.HoldExpires
	}
	return &OrderView{ID: o.ID, State: string(o.State), Payee: o.Payee, PayeeName: o.PayeeName,
		Lines: o.Lines, Total: o.Total, Currency: o.Currency, Expires: exp.UTC().Format("2006-01-02T15:04:05Z"),
		Agent: o.Agent, Risk: o.Decision, Receipt: o.Receipt}
}

// Turn is the outcome of one utterance: the sentence to say, and the events.
type Turn struct {
	Reply  string  `json:"reply"`
	State  string  `json:"state"`
	Events []Event `json:"events"`
	Err    *Error  `json:"error,omitempty"` // set when the turn was refused
}

func (t *Turn) emit(e Event) { t.Events = append(t.Events, e) }

package agent

import (
	"time"

	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/wallet"
)

// Event types a turn produces, and those Hub.Subscribe delivers when an agent
// acts. docs/protocol.md shows each on the wire.
const (
	EventIntent         = "intent"
	EventReply          = "reply"
	EventOrderUpdated   = "order.updated"
	EventPaymentResult  = "payment.result"
	EventError          = "error"
	EventMandateUpdated = "mandate.updated" // a tip or subscription was approved, declined or revoked
	EventProposal       = "proposal"        // an agent proposed an order, a tip or a subscription
	EventMandateCharged = "mandate.charged" // an agent charged under a mandate the person approved
)

// Event is one structured event of a turn, or one an agent's action caused.
// Type says which fields are set.
type Event struct {
	Type    string         `json:"type"`
	Intent  *intent.Result `json:"intent,omitempty"`  // intent
	Text    string         `json:"text,omitempty"`    // reply, proposal, mandate.charged: the sentence to say or show
	State   string         `json:"state,omitempty"`   // reply: the dialog state after the turn
	Order   *OrderView     `json:"order,omitempty"`   // order.updated, payment.result, proposal of an order
	Mandate *MandateView   `json:"mandate,omitempty"` // mandate.updated, mandate.charged, proposal of a tip or subscription
	Charge  *wallet.Charge `json:"charge,omitempty"`  // mandate.charged; mandate.updated when approving a tip paid it
	Status  string         `json:"status,omitempty"`  // payment.result: "paid"
	Error   *Error         `json:"error,omitempty"`   // error

	// speech is Text without what an agent wrote in its own words (a memo
	// or a note): what a loudspeaker may say next to a microphone that
	// takes commands.
	speech string
}

// Speech is the sentence to say aloud. For a proposal it leaves out the
// agent's memo or note, which is only ever shown: spoken next to a
// microphone, an agent's words could be heard as the person's command.
func (e Event) Speech() string {
	if e.speech != "" {
		return e.speech
	}
	return e.Text
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
	Memo      string           `json:"memo,omitempty"` // the agent's note to the person; never a command
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
		Agent: o.Agent, Memo: o.Memo, Risk: o.Decision, Receipt: o.Receipt}
}

// MandateView is a tip allowance or a subscription as clients see it.
type MandateView struct {
	ID            uint64 `json:"id"`
	Kind          string `json:"kind"`  // "tip" or "subscription"
	State         string `json:"state"` // proposed, active, exhausted, expired, revoked, declined
	Agent         string `json:"agent"`
	Payee         string `json:"payee"`
	PayeeName     string `json:"payee_name"`
	Note          string `json:"note,omitempty"` // the agent's note to the person; never a command
	Unit          string `json:"unit"`           // "use", "minute" or "tip"
	UnitPrice     int64  `json:"unit_price"`
	Cap           int64  `json:"cap"`            // the most charged per period
	PeriodSeconds int64  `json:"period_seconds"` // 0: one period for the whole life of the mandate
	First         int64  `json:"first,omitempty"`
	Spent         int64  `json:"spent"` // in the current period
	TotalSpent    int64  `json:"total_spent"`
	Currency      string `json:"currency"`
	Expires       string `json:"expires"`
}

func viewMandate(m *wallet.Mandate) *MandateView {
	if m == nil {
		return nil
	}
	return &MandateView{ID: m.ID, Kind: string(m.Kind), State: string(m.State), Agent: m.Agent, Payee: m.Payee,
		PayeeName: m.PayeeName, Note: m.Note, Unit: m.Unit, UnitPrice: m.UnitPrice, Cap: m.Cap,
		PeriodSeconds: int64(m.Period / time.Second), First: m.First, Spent: m.PeriodSpent, TotalSpent: m.TotalSpent,
		Currency: m.Currency, Expires: m.Expires.UTC().Format("2006-01-02T15:04:05Z")}
}

// Turn is the outcome of one utterance: the sentence to say, and the events.
type Turn struct {
	Reply  string  `json:"reply"`
	State  string  `json:"state"`
	Events []Event `json:"events"`
	Err    *Error  `json:"error,omitempty"` // set when the turn was refused
}

func (t *Turn) emit(e Event) { t.Events = append(t.Events, e) }

package agent

import (
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
	EventMandateUpdated = "mandate.updated"  // a tip or subscription was approved, declined or revoked
	EventProposal       = "proposal"         // an agent proposed an order, a tip or a subscription
	EventMandateCharged = "mandate.charged"  // an agent charged under a mandate the person approved
	EventVerifyRequest  = "verify.request"   // the dialog waits for a passkey verification on the phone
	EventRefunded       = "payment.refunded" // an agent gave back all or part of a payment
	EventAgentRevoked   = "agent.revoked"    // the person revoked an agent: what that ended
)

// Event is one structured event of a turn, or one an agent's action caused.
// Type says which fields are set.
type Event struct {
	Type    string         `json:"type"`
	Intent  *intent.Result `json:"intent,omitempty"`  // intent
	Text    string         `json:"text,omitempty"`    // reply, proposal, mandate.charged: the sentence to say or show
	State   string         `json:"state,omitempty"`   // reply: the dialog state after the turn
	Order   *Order         `json:"order,omitempty"`   // order.updated, payment.result, proposal of an order
	Mandate *Mandate       `json:"mandate,omitempty"` // mandate.updated, mandate.charged, proposal of a tip or subscription
	Charge  *wallet.Charge `json:"charge,omitempty"`  // mandate.charged; mandate.updated when approving a tip paid it
	Status  string         `json:"status,omitempty"`  // payment.result: "paid"
	Error   *wallet.Error  `json:"error,omitempty"`   // error
	Verify  *Verification  `json:"verify,omitempty"`  // verify.request
	Refund  *wallet.Refund `json:"refund,omitempty"`  // payment.refunded
	// Replayed marks an event of a turn that was resent: the answer the
	// turn gave the first time, given again.
	Replayed bool `json:"replayed,omitempty"`
	// NotUnderstood marks the reply of a turn in which nothing was heard or
	// understood: nothing was done, and the person may say it again.
	NotUnderstood bool `json:"not_understood,omitempty"`

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

// Turn is the outcome of one utterance: the sentence to say, and the events.
type Turn struct {
	Reply  string        `json:"reply"`
	State  string        `json:"state"`
	Events []Event       `json:"events"`
	Err    *wallet.Error `json:"error,omitempty"` // set when the turn was refused
	// Replayed marks the answer of a turn that was resent within
	// TurnIDWindow: the first answer again, from a dialog that did not run.
	Replayed bool `json:"replayed,omitempty"`
	// Secret marks a turn that answered a PIN or code prompt: what was said
	// is a secret, which a surface never logs nor shows.
	Secret bool `json:"-"`
	// NotUnderstood marks a turn in which nothing was heard or understood.
	NotUnderstood bool `json:"not_understood,omitempty"`
}

func (t *Turn) emit(e Event) { t.Events = append(t.Events, e) }

package agent

import (
	"slices"

	"github.com/voicepay/voicepay/intent"
)

// question is what a turn asked that the next turn may answer bare: which
// thing a general word meant ("Which coffee?"), with the shop and the
// quantity said with it, or how much to tip a payee ("How much would you
// like to tip the developer?").
type question struct {
	Class    string `json:"class,omitempty"`
	Merchant string `json:"merchant,omitempty"`
	Quantity int    `json:"quantity,omitempty"`
	Payee    string `json:"payee,omitempty"`
	// Claim asks which payment to report; Report whether to file a claim
	// on that transfer (agent/claim.go).
	Claim  bool   `json:"claim,omitempty"`
	Report uint64 `json:"report,omitempty"`
	// Orders asks which of these orders agents proposed to confirm, as
	// numbered in the question (agent/which.go).
	Orders []uint64 `json:"orders,omitempty"`
}

// answered takes up what the last turn asked, and reads this turn as the
// answer to it when it is one: "lattes" to "Which coffee?" after "two
// coffees" orders two lattes, and "five yuan" to "How much would you like
// to tip?" drafts that tip. Anything else leaves the question behind.
func (d *dialog) answered() {
	q := d.s.st.Asked
	d.s.st.Asked = nil
	switch {
	case q == nil:
	case q.Payee != "":
		d.tipAnswer(q)
	case q.Claim || q.Report != 0:
		d.claimAnswer(q)
	case len(q.Orders) > 0:
		d.whichOrder(q)
	case q.Class != "":
		d.whichAnswer(q)
	}
}

// whichAnswer reads an order of one thing of the class asked about as the
// thing the general word meant: at the shop named with it, as many as were
// said with it, unless the answer says more.
func (d *dialog) whichAnswer(q *question) {
	s := &d.res.Slots
	if d.res.Intent != intent.OrderCreate || s.Item == "" || len(s.Items) > 0 {
		return
	}
	if ids, _ := d.ofClass(q.Merchant, q.Class); !slices.Contains(ids, s.Item) {
		return
	}
	if s.Merchant == "" {
		s.Merchant = q.Merchant
	}
	if s.Quantity <= 1 && q.Quantity > 1 {
		s.Quantity = q.Quantity
	}
}

// tipAnswer reads an amount said on its own ("five yuan") as the tip to the
// payee asked about. The amount reads as the tip templates read it, so a
// bare answer drafts a tip only from a complete match, as a tip said in
// full does.
func (d *dialog) tipAnswer(q *question) {
	if d.res.Intent == intent.TipSend {
		return // said in full
	}
	r := d.s.hub.Parser.Parse("tip " + d.in.Text)
	if r.Intent != intent.TipSend || r.Slots.Amount <= 0 {
		return
	}
	if r.Slots.Payee == "" {
		r.Slots.Payee = q.Payee
	}
	r.Text = d.in.Text
	d.res = r
}

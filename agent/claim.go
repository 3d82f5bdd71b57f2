package agent

import (
	"fmt"
	"strings"
	"time"

	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/wallet"
)

// Reporting an unauthorized payment takes three turns: "report an
// unauthorized payment" lists the latest payments and asks which; the
// answer names the shop or the amount (or first, second, last); and a yes
// to "File a claim for ...?" files it. The wallet pays the claim back at
// once when its evidence shows the payment unauthorized, and otherwise
// holds it for review.

// claimListed is how many recent payments the question lists.
const claimListed = 3

// claimStep is what this turn said to a claim question, if anything.
type claimStep struct {
	asked    bool   // the turn answered "Which payment?"
	transfer uint64 // the payment it picked, or the one it said yes to
	file     bool   // yes: file the claim on transfer
	drop     bool   // no, or cancel
}

// claimAnswer reads this turn as the answer to the claim question q asked:
// a payment named (text the parser does not take for a command, short
// enough to be an answer or naming one of the payments listed), a yes or
// a no. Anything else leaves the question behind: "I need to pay the
// electric bill tomorrow" is not an answer to "Which payment?".
func (d *dialog) claimAnswer(q *question) {
	switch d.res.Intent {
	case intent.AnswerNo, intent.OrderCancel:
		d.claimed = &claimStep{drop: true}
	case intent.AnswerYes:
		if q.Report != 0 {
			d.claimed = &claimStep{transfer: q.Report, file: true}
		}
	case intent.None:
		if q.Claim && d.namesPayment() {
			d.claimed = &claimStep{asked: true}
		}
	default:
		return
	}
	if d.claimed != nil {
		d.res.Intent = intent.ClaimFile
	}
}

func (d *dialog) claim() error {
	st := d.claimed
	switch {
	case st == nil:
		return d.askPayment("Which payment?")
	case st.drop:
		d.say("Okay, no claim is filed.")
		return nil
	case st.file:
		return d.fileClaim(st.transfer)
	}
	ps, err := d.db().Payments(d.ctx, claimListed)
	if err != nil {
		return err
	}
	p, ok := d.pickPayment(ps)
	if !ok {
		return d.askPayment("I didn't find that payment.")
	}
	if p.Claim != 0 {
		d.say("That payment already has claim %d.", p.Claim)
		return nil
	}
	d.s.st.Asked = &question{Report: p.Transfer}
	d.say("File a claim for %s? Say yes to file.", d.paymentPhrase(p))
	return nil
}

// claimAnswerWords is the most words an answer to "Which payment?" has
// when it names none of the payments listed ("starbucks", "the coffee
// one"): it is asked again. Longer text is something else.
const claimAnswerWords = 4

// namesPayment reports whether this turn's text may answer "Which
// payment?": short, or naming one of the payments listed.
func (d *dialog) namesPayment() bool {
	if len(strings.Fields(d.in.Text)) <= claimAnswerWords {
		return true
	}
	ps, err := d.db().Payments(d.ctx, claimListed)
	if err != nil {
		return true // the claim turn says the error
	}
	_, ok := d.pickPayment(ps)
	return ok
}

// askPayment lists the latest payments and asks which one to report.
func (d *dialog) askPayment(lead string) error {
	ps, err := d.db().Payments(d.ctx, claimListed)
	if err != nil {
		return err
	}
	if len(ps) == 0 {
		d.say("You have no payments to report.")
		return nil
	}
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = d.paymentPhrase(p)
	}
	d.s.st.Asked = &question{Claim: true}
	d.say("%s The last ones: %s; say the shop or the amount.", lead, strings.Join(parts, ", "))
	return nil
}

// paymentPhrase says a payment briefly: "18 yuan to Luckin Coffee today".
func (d *dialog) paymentPhrase(p wallet.Payment) string {
	return fmt.Sprintf("%s to %s %s", Money(p.Amount, p.Currency), p.PayeeName, day(p.Time, d.db().Now()))
}

// day says when t was, seen from now.
func day(t, now time.Time) string {
	y1, m1, d1 := t.Local().Date()
	y2, m2, d2 := now.Local().Date()
	switch today := time.Date(y2, m2, d2, 0, 0, 0, 0, time.Local); time.Date(y1, m1, d1, 0, 0, 0, 0, time.Local) {
	case today:
		return "today"
	case today.AddDate(0, 0, -1):
		return "yesterday"
	}
	return "on " + t.Local().Format("January 2")
}

// pickPayment is the one payment of ps the answer names: by its shop, its
// amount, or its place in the list (first, second, third, last).
func (d *dialog) pickPayment(ps []wallet.Payment) (wallet.Payment, bool) {
	text := " " + strings.ToLower(d.in.Text) + " "
	var found []wallet.Payment
	for _, p := range ps {
		name := strings.ToLower(p.PayeeName)
		if name != "" && strings.Contains(text, name) {
			found = append(found, p)
		}
	}
	if amount := d.amountSaid(); len(found) != 1 && amount > 0 {
		found = found[:0]
		for _, p := range ps {
			if p.Amount == amount {
				found = append(found, p)
			}
		}
	}
	for i, w := range []string{" first ", " second ", " third "} {
		if len(found) != 1 && strings.Contains(text, w) && i < len(ps) {
			found = []wallet.Payment{ps[i]}
		}
	}
	if len(found) != 1 && strings.Contains(text, " last ") && len(ps) > 0 {
		found = []wallet.Payment{ps[0]}
	}
	if len(found) != 1 {
		return wallet.Payment{}, false
	}
	return found[0], true
}

// amountSaid is the amount the answer says ("18 yuan", "the one for
// eighteen yuan"), read as the tip templates read an amount, or 0.
func (d *dialog) amountSaid() int64 {
	words := strings.Fields(d.in.Text)
	for i := range words {
		r := d.s.hub.Parser.Parse("tip " + strings.Join(words[i:], " "))
		if r.Intent == intent.TipSend && r.Slots.Amount > 0 && r.Slots.Payee == "" {
			return r.Slots.Amount
		}
	}
	return 0
}

// fileClaim files the claim the person said yes to, and says what came of
// it.
func (d *dialog) fileClaim(transfer uint64) error {
	c, err := d.db().FileClaim(d.ctx, d.key+":claim",
		wallet.ClaimRequest{Transfer: transfer, Reason: "reported in the dialog", Device: d.s.device})
	if err != nil {
		return err
	}
	paid := Money(c.Amount, c.Currency)
	if c.State.Paid() {
		d.say("Claim %d is filed, and the evidence shows the payment was not authorized: %s is back in your wallet.",
			c.ID, paid)
		return nil
	}
	d.say("Claim %d is filed for %s. It waits for review; you can freeze your wallet meanwhile.", c.ID, paid)
	return nil
}

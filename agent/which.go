package agent

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/wallet"
)

// When several orders agents proposed wait for the person, "confirm the
// order" does not guess: it reads them out, numbered, and asks which. The
// person names one by its number ("number two", "the first one"), its
// shop ("the luckin coffee one") or its agent ("the one from claude"), in
// the answer or in the same turn ("confirm the kfc order", "confirm
// claude's order"). Naming one confirms that one only.

// maxListed is how many waiting orders the question reads out.
const maxListed = 5

// orderPick is which of the waiting orders a turn names.
type orderPick struct {
	among  []uint64 // the orders the question read out, numbered from 1
	chosen uint64   // the one the answer named, 0 for none
	agent  string   // the agent the turn named
	asked  bool     // the turn answers the question
	drop   bool     // the answer was no: nothing is confirmed
}

// whichOrder reads this turn as the answer to "Which one?": a number, a
// shop or an agent, said bare or with "confirm", or no. Anything else
// leaves the question behind.
func (d *dialog) whichOrder(q *question) {
	p := &orderPick{among: q.Orders, asked: true}
	switch d.res.Intent {
	case intent.AnswerNo, intent.OrderCancel:
		if d.res.Slots.Merchant != "" {
			return // "cancel the kfc order": a command of its own
		}
		p.drop = true
	case intent.OrderConfirm:
		if s := d.res.Slots; s.Merchant == "" && s.Item == "" && s.Quantity == 0 {
			p.chosen = d.pickOrder(q.Orders)
		}
		d.pick = p
		return // as confident as the sentence was
	case intent.None, intent.OrderModify, intent.AnswerYes:
		p.chosen = d.pickOrder(q.Orders)
		d.res.Slots = intent.Slots{}
	default:
		return
	}
	// Only the named order is confirmed, or the question is asked again.
	d.pick = p
	d.res.Intent, d.res.Confidence = intent.OrderConfirm, intent.FullMatch
}

// pickOrder is the one order of ids the text names by its shop or its
// agent, or else by its number; 0 when it names none, or more than one.
func (d *dialog) pickOrder(ids []uint64) uint64 {
	words := textWords(d.in.Text)
	var named []uint64
	for _, id := range ids {
		o, err := d.db().Order(d.ctx, id)
		if err != nil {
			continue // gone: not among the answers
		}
		shopSaid := d.saysShop(words, o)
		agentSaid := slices.Contains(words, strings.ToLower(o.Agent))
		if shopSaid || agentSaid {
			named = append(named, id)
		}
	}
	if len(named) == 1 {
		return named[0]
	}
	if n := numberSaid(words); n > 0 && n <= len(ids) && len(named) == 0 {
		return ids[n-1]
	}
	return 0
}

// saysShop reports whether words name the shop of o: its name, or one of
// the catalog's names of the merchant.
func (d *dialog) saysShop(words []string, o *wallet.Order) bool {
	names := []string{o.PayeeName}
	if m, ok := d.s.hub.Catalog.Merchant(merchantOf(o)); ok {
		names = append(names, m.Say...)
	}
	for _, n := range names {
		if w := textWords(n); len(w) > 0 && indexWords(words, w) >= 0 {
			return true
		}
	}
	return false
}

// textWords is text in lowercase words of letters and digits: "Claude's
// order" is claude s order.
func textWords(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !alnum(r) })
}

// indexWords is where the words sub start in words, or -1.
func indexWords(words, sub []string) int {
	for i := 0; i+len(sub) <= len(words); i++ {
		if slices.Equal(words[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

var ordinals = []string{"first", "second", "third", "fourth", "fifth"}

// numberSaid is the number an answer says ("two", "number 2", "the second
// one", "the last one" is 0), or 0. "one" is a number only said alone or
// after "number": "the one from claude" names no number.
func numberSaid(words []string) int {
	found := 0
	for i, w := range words {
		n := 0
		if j := slices.Index(ordinals, w); j >= 0 {
			n = j + 1
		} else if w == "one" || w == "1" {
			if len(words) == 1 || i > 0 && words[i-1] == "number" {
				n = 1
			}
		} else {
			for k := 2; k <= maxListed; k++ {
				if w == intent.NumberWords(k) || w == fmt.Sprint(k) {
					n = k
				}
			}
		}
		if n > 0 {
			if found > 0 && found != n {
				return 0
			}
			found = n
		}
	}
	return found
}

// narrow keeps of the waiting orders those the turn names: those the
// question read out, the one the answer chose, those of the agent, shop,
// item or number said. It returns the orders to read out if it asks.
func (d *dialog) narrow(waiting []*wallet.Order) (listed, named []*wallet.Order) {
	listed = waiting
	p := d.pick
	if p != nil && len(p.among) > 0 {
		listed = nil
		for _, id := range p.among {
			if i := slices.IndexFunc(waiting, func(o *wallet.Order) bool { return o.ID == id }); i >= 0 {
				listed = append(listed, waiting[i])
			}
		}
	}
	named = listed
	keep := func(ok func(*wallet.Order) bool) {
		named = slices.DeleteFunc(slices.Clone(named), func(o *wallet.Order) bool { return !ok(o) })
	}
	if p != nil && p.chosen != 0 {
		keep(func(o *wallet.Order) bool { return o.ID == p.chosen })
	}
	if p != nil && p.agent != "" {
		keep(func(o *wallet.Order) bool { return o.Agent == p.agent })
	}
	s := d.res.Slots
	if s.Merchant != "" {
		keep(func(o *wallet.Order) bool { return merchantOf(o) == s.Merchant })
	}
	if s.Item != "" {
		keep(func(o *wallet.Order) bool { return len(o.Lines) == 1 && o.Lines[0].Item == s.Item })
	}
	if n := s.Quantity; n > 0 && s.Item == "" && d.res.Intent == intent.OrderConfirm {
		named = nil
		if n <= len(listed) {
			named = listed[n-1 : n]
		}
	}
	return listed, named
}

// named reports whether the turn names which order it means.
func (p *orderPick) named(s intent.Slots) bool {
	return p != nil && (p.chosen != 0 || p.agent != "") || s.Merchant != "" || s.Item != "" || s.Quantity > 0
}

// askWhich reads out the waiting orders, numbered, and asks which one.
func (d *dialog) askWhich(os []*wallet.Order, lead string) error {
	total := len(os)
	os = os[:min(len(os), maxListed)]
	ids := make([]uint64, len(os))
	parts := make([]string, len(os))
	for i, o := range os {
		ids[i] = o.ID
		parts[i] = fmt.Sprintf("%d, %s, %s, from %s", i+1, shop(o), Money(o.Total, o.Currency), o.Agent)
	}
	d.s.st.Asked = &question{Orders: ids}
	if total == 1 {
		d.say("%sOne order waits: %s. Say confirm number 1 to confirm it.", lead, parts[0])
		return nil
	}
	head := fmt.Sprintf("%s orders wait", capital(intent.NumberWords(total)))
	if total > len(os) {
		head += fmt.Sprintf("; the oldest %s", intent.NumberWords(len(os)))
	}
	d.say("%s%s: %s. Which one? Say confirm number 1, for example, or the shop or the agent.", lead, head,
		strings.Join(parts, "; "))
	return nil
}

// readNames reads a turn the templates did not match as one that names an
// agent or a payee by a name only the wallet knows: "confirm claude's
// order" or "confirm the order from claude" confirms that agent's order,
// and "cancel my subscription to acme cloud" the mandate whose payee has
// that display name. A failed read leaves the turn as it was.
func (d *dialog) readNames() {
	if d.res.Intent != intent.None || d.pick != nil || d.s.st.Await != awaitNone {
		return
	}
	words := textWords(d.in.Text)
	if len(words) == 0 {
		return
	}
	if waiting, err := d.db().FindOrders(d.ctx, wallet.OrderFilter{Waiting: true}); err == nil {
		for _, o := range waiting {
			if d.readAgent(words, o.Agent) {
				return
			}
		}
	}
	ms, err := d.db().FindMandates(d.ctx, wallet.MandateFilter{})
	if err != nil {
		return
	}
	// The whole name first; else the first word of a longer one ("the
	// acme subscription"), if it names one payee only.
	var partial []*wallet.Mandate
	var partialRes []intent.Result
	for _, m := range ms {
		name := textWords(m.PayeeName)
		if len(name) == 0 {
			continue
		}
		if r, ok := d.cancelsPayee(words, name); ok {
			d.namePayee(r, m)
			return
		}
		if len(name) > 1 && len(name[0]) >= 3 {
			if r, ok := d.cancelsPayee(words, name[:1]); ok {
				partial, partialRes = append(partial, m), append(partialRes, r)
			}
		}
	}
	if len(partial) > 0 && !slices.ContainsFunc(partial, func(m *wallet.Mandate) bool { return m.Payee != partial[0].Payee }) {
		d.namePayee(partialRes[0], partial[0])
	}
}

// cancelsPayee reads words as a cancellation of a subscription to the
// payee said as name: with name put for "the developer", the templates
// read it so.
func (d *dialog) cancelsPayee(words, name []string) (intent.Result, bool) {
	i := indexWords(words, name)
	if i < 0 {
		return intent.Result{}, false
	}
	text := strings.Join(slices.Concat(words[:i], []string{"the", "developer"}, words[i+len(name):]), " ")
	r := d.s.hub.Parser.Parse(text)
	return r, r.Intent == intent.SubscriptionCancel && r.Slots.Payee == "developer"
}

// namePayee takes r, read with the developer for m's payee, as the turn.
func (d *dialog) namePayee(r intent.Result, m *wallet.Mandate) {
	r.Text = d.in.Text
	d.res, d.payeeNamed = r, payee(m)
	d.res.Slots.Payee = m.Payee
}

// readAgent reads words that name agent ("claude's", "from claude", "by
// claude") around a confirmation or a cancellation of an order.
func (d *dialog) readAgent(words []string, agent string) bool {
	i := slices.Index(words, strings.ToLower(agent))
	if agent == "" || i < 0 {
		return false
	}
	from, to := i, i+1
	if to < len(words) && words[to] == "s" {
		to++
	}
	if from > 0 && (words[from-1] == "from" || words[from-1] == "by") {
		from--
	}
	r := d.s.hub.Parser.Parse(strings.Join(slices.Concat(words[:from], words[to:]), " "))
	if r.Intent != intent.OrderConfirm && r.Intent != intent.OrderCancel {
		return false
	}
	r.Text = d.in.Text
	d.res, d.pick = r, &orderPick{agent: agent}
	return true
}

// whichAnswers are the ways to answer "Which one?" about orders ids, as
// numbered in the question, that the grammar of the next utterance takes:
// by number ("number two", "two", "the second one"), by shop ("the kfc
// one") and by agent ("the one from claude"). pickOrder reads them.
func (h *Hub) whichAnswers(ids []uint64) []string {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var out []string
	for i, id := range ids {
		n := intent.NumberWords(i + 1)
		out = append(out, "number "+n, n)
		if i < len(ordinals) {
			out = append(out, "the "+ordinals[i]+" one", ordinals[i]+" one")
		}
		o, err := h.DB.Order(ctx, id)
		if err != nil {
			continue
		}
		shops := []string{o.PayeeName}
		if m, ok := h.Catalog.Merchant(merchantOf(o)); ok {
			shops = append(shops, m.Say...)
		}
		for _, shop := range shops {
			out = append(out, "the "+shop+" one", "the "+shop+" order", shop)
		}
		if o.Agent != "" {
			out = append(out, "the one from "+o.Agent, "from "+o.Agent, o.Agent+"'s order")
		}
	}
	return out
}

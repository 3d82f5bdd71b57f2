package agent

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/voicepay/voicepay/config"
	"github.com/voicepay/voicepay/wallet"
)

// An agent can only propose. What it proposes reaches the person at once
// (see Subscribe), and the person answers in their own dialog: "confirm the
// order" and "pay" for an order, "approve the tip" or "approve the
// subscription" for a mandate. No method here confirms, authorizes or
// approves anything; the only money an agent moves is what a mandate the
// person approved allows (RequestTip under a tip allowance, RecordUsage).
//
// Every method takes the agent's id, the name of its agent-scope device as
// the caller authenticated it, and an idempotency key of the agent's own:
// the same key with the same request returns the first result, and moves
// money at most once. Errors are *wallet.Error.

// What an agent proposes is bounded by the wallet's limits (wallet.MaxLines,
// wallet.MaxQuantity, wallet.MaxAmount, wallet.MaxName, wallet.MaxNote,
// wallet.MaxMandateLife); these are the agent's own.
const (
	// DefaultTipExpiry and DefaultSubscriptionExpiry are how long a tip
	// allowance or a subscription lasts when the agent does not say.
	DefaultTipExpiry          = 24 * time.Hour
	DefaultSubscriptionExpiry = 30 * 24 * time.Hour

	maxKey = 200 // bytes of an agent's idempotency key
)

// ProposedItem is a catalog item of an order an agent proposes.
type ProposedItem struct {
	Item     string `json:"item"` // the catalog id
	Quantity int    `json:"quantity"`
}

// ProposedLine is a line an agent prices itself.
type ProposedLine struct {
	Name      string `json:"name"`
	Quantity  int    `json:"quantity"`
	UnitPrice int64  `json:"unit_price"` // minor units
}

// OrderProposal is an order an agent proposes: catalog items of one
// merchant, priced from the catalog, or free lines the agent prices.
type OrderProposal struct {
	// Merchant is a catalog merchant id, required with Items. With Lines it
	// is a catalog merchant's id or name, or the name of another payee.
	Merchant string         `json:"merchant"`
	Items    []ProposedItem `json:"items,omitempty"`
	Lines    []ProposedLine `json:"lines,omitempty"`
	Memo     string         `json:"memo,omitempty"` // shown to the person, never obeyed
}

// TipRequest is a tip an agent asks for. Payee is an id such as
// "claude_dev": lowercase letters, digits, _ and -. Cap, Period and Expires
// are optional: they ask for an allowance for later tips, which go through
// without asking while they fit. By default Cap is Amount, Period is 0 (one
// period for the whole life of the allowance) and Expires is
// DefaultTipExpiry from now.
type TipRequest struct {
	Payee   string        `json:"payee"`
	Amount  int64         `json:"amount"` // minor units
	Note    string        `json:"note,omitempty"`
	Cap     int64         `json:"cap,omitempty"`
	Period  time.Duration `json:"period,omitempty"`
	Expires time.Time     `json:"expires,omitzero"`
}

// SubscriptionProposal is a subscription an agent proposes: UnitPrice per
// Unit ("use" or "minute"), at most Cap per Period (0: over its whole life),
// until Expires (DefaultSubscriptionExpiry from now when zero).
type SubscriptionProposal struct {
	Payee     string        `json:"payee"` // as TipRequest.Payee, or a catalog merchant id
	Note      string        `json:"note,omitempty"`
	Unit      string        `json:"unit"`
	UnitPrice int64         `json:"unit_price"`
	Cap       int64         `json:"cap"`
	Period    time.Duration `json:"period,omitempty"`
	Expires   time.Time     `json:"expires,omitzero"`
}

// ProposeOrder drafts an order for the person to confirm and pay, and
// announces it. Nothing is held until the person confirms it.
func (h *Hub) ProposeOrder(ctx context.Context, agent, key string, p OrderProposal) (*wallet.Order, error) {
	k, err := h.agentRequest(ctx, agent, key)
	if err != nil {
		return nil, err
	}
	memo, err := cleanText(p.Memo, "memo")
	if err != nil {
		return nil, err
	}
	draft := wallet.OrderDraft{Channel: "text", Agent: agent, Memo: memo}
	switch {
	case len(p.Items) > 0 && len(p.Lines) > 0:
		return nil, wallet.Errorf(wallet.EINVALID, "Propose catalog items or free lines, not both.")
	case len(p.Items)+len(p.Lines) == 0:
		return nil, wallet.Errorf(wallet.EINVALID, "An order needs catalog items or free lines.")
	case len(p.Items)+len(p.Lines) > wallet.MaxLines:
		return nil, wallet.Errorf(wallet.EINVALID, "An order may have at most %d lines.", wallet.MaxLines)
	case len(p.Items) > 0:
		m, ok := h.Catalog.Merchant(p.Merchant)
		if !ok {
			return nil, wallet.Errorf(wallet.ENOTFOUND, "There is no merchant %q in the catalog.", p.Merchant)
		}
		draft.Payee, draft.PayeeName = wallet.MerchantAccount(m.ID), m.Name()
		for _, pi := range p.Items {
			it, ok := m.Item(pi.Item)
			if !ok {
				return nil, wallet.Errorf(wallet.ENOTFOUND, "%s doesn't sell %q.", m.Name(), pi.Item)
			}
			if err := checkQuantity(pi.Quantity); err != nil {
				return nil, err
			}
			draft.Lines = append(draft.Lines, wallet.Line{Item: it.ID, Name: it.Name(), Quantity: pi.Quantity, UnitPrice: it.Price})
		}
	default:
		if draft.Payee, draft.PayeeName, err = h.namedPayee(p.Merchant); err != nil {
			return nil, err
		}
		for _, pl := range p.Lines {
			name, err := cleanName(pl.Name, "line name")
			if err != nil {
				return nil, err
			}
			if err := checkQuantity(pl.Quantity); err != nil {
				return nil, err
			}
			if err := checkAmount(pl.UnitPrice, "unit price"); err != nil {
				return nil, err
			}
			draft.Lines = append(draft.Lines, wallet.Line{Name: name, Quantity: pl.Quantity, UnitPrice: pl.UnitPrice})
		}
	}
	done, err := h.admit(ctx, agent, k)
	if err != nil {
		return nil, err
	}
	o, err := h.DB.CreateOrder(ctx, k, draft)
	done(err == nil)
	if err != nil {
		return nil, h.coded("propose order", err)
	}
	// A retried request returns the order as it is now, and announces it
	// only while it still waits for the person.
	if o, err = h.DB.Order(ctx, o.ID); err != nil {
		return nil, h.coded("propose order", err)
	}
	if o.State == wallet.Drafted && o.Live(h.DB.Now()) {
		h.announce(fmt.Sprintf("order:%d", o.ID), h.orderProposal(o))
	}
	return o, nil
}

// CancelAgentOrder cancels an order the agent proposed, before it is paid,
// releasing any hold. An agent cannot cancel another's order, or the
// person's.
func (h *Hub) CancelAgentOrder(ctx context.Context, agent, key string, id uint64) (*wallet.Order, error) {
	k, err := h.agentRequest(ctx, agent, key)
	if err != nil {
		return nil, err
	}
	o, err := h.DB.Order(ctx, id)
	if errors.Is(err, wallet.ErrNotFound) {
		return nil, wallet.Errorf(wallet.ENOTFOUND, "There is no order %d.", id)
	} else if err != nil {
		return nil, h.coded("cancel order", err)
	}
	if o.Agent != agent {
		return nil, wallet.Errorf(wallet.EUNAUTHORIZED, "Order %d was not proposed by agent %s: an agent may cancel only its own orders.", id, agent)
	}
	cancelled, err := h.DB.CancelOrder(ctx, k, id)
	if errors.Is(err, wallet.ErrOrderState) {
		if o, err := h.DB.Order(ctx, id); err == nil {
			return o, wallet.Errorf(wallet.ESTATE, "Order %d is %s: it can no longer be cancelled.", id, o.State)
		}
	}
	if err != nil {
		return nil, h.coded("cancel order", err)
	}
	h.announce(fmt.Sprintf("cancel:%d", id), Event{Type: EventOrderUpdated, Order: ViewOrder(cancelled, h.DB.Now()),
		Text: fmt.Sprintf("Your agent %s withdrew its order from %s. Nothing was charged.", agent, shop(cancelled))})
	return cancelled, nil
}

// RequestTip asks the person for a tip. When a tip allowance the person
// approved for this agent and payee has room for the amount, the tip is
// charged under it at once, and the charge is returned. Otherwise a tip
// mandate is proposed, and announced; the person approves it with "approve
// the tip", which pays the first tip.
func (h *Hub) RequestTip(ctx context.Context, agent, key string, t TipRequest) (*wallet.Mandate, *wallet.Charge, error) {
	k, err := h.agentRequest(ctx, agent, key)
	if err != nil {
		return nil, nil, err
	}
	payee, name, err := h.payeeID(t.Payee)
	if err != nil {
		return nil, nil, err
	}
	if err := checkAmount(t.Amount, "tip"); err != nil {
		return nil, nil, err
	}
	d := wallet.MandateDraft{Kind: wallet.MandateTip, Agent: agent, Payee: payee, PayeeName: name, Unit: "tip",
		Cap: t.Cap, Period: t.Period, Expires: t.Expires, First: t.Amount}
	if d.Cap == 0 {
		d.Cap = t.Amount
	}
	if d.Cap < t.Amount || d.Cap > wallet.MaxAmount {
		return nil, nil, wallet.Errorf(wallet.EINVALID, "The cap must cover the tip, and be at most %s.", Money(wallet.MaxAmount, h.DB.Currency))
	}
	if err := h.mandateTerms(&d, t.Note, DefaultTipExpiry); err != nil {
		return nil, nil, err
	}
	// The wallet remembers under k whether it found an allowance with
	// room: a retry after the person approved the proposal, which paid the
	// tip, finds that it did not, and never tips again.
	c, m, err := h.DB.ChargeTip(ctx, k, agent, payee, t.Amount)
	if err != nil {
		return nil, nil, h.coded("request tip", err)
	}
	if c != nil {
		h.announce(fmt.Sprintf("charge:%d", c.ID), chargeEvent(m, c))
		return m, c, nil
	}
	m, err = h.proposeMandate(ctx, k, d)
	return m, nil, err
}

// ProposeSubscription proposes a subscription and announces it. Nothing is
// charged until the person approves it and the agent records usage.
func (h *Hub) ProposeSubscription(ctx context.Context, agent, key string, s SubscriptionProposal) (*wallet.Mandate, error) {
	k, err := h.agentRequest(ctx, agent, key)
	if err != nil {
		return nil, err
	}
	payee, name, err := h.payeeID(s.Payee)
	if err != nil {
		return nil, err
	}
	if s.Unit != "use" && s.Unit != "minute" {
		return nil, wallet.Errorf(wallet.EINVALID, "A subscription is priced per \"use\" or per \"minute\", not %q.", s.Unit)
	}
	if err := checkAmount(s.UnitPrice, "unit price"); err != nil {
		return nil, err
	}
	if s.Cap < s.UnitPrice || s.Cap > wallet.MaxAmount {
		return nil, wallet.Errorf(wallet.EINVALID, "The cap must cover at least one %s, and be at most %s.", s.Unit, Money(wallet.MaxAmount, h.DB.Currency))
	}
	d := wallet.MandateDraft{Kind: wallet.MandateSubscription, Agent: agent, Payee: payee, PayeeName: name,
		Unit: s.Unit, UnitPrice: s.UnitPrice, Cap: s.Cap, Period: s.Period, Expires: s.Expires}
	if err := h.mandateTerms(&d, s.Note, DefaultSubscriptionExpiry); err != nil {
		return nil, err
	}
	return h.proposeMandate(ctx, k, d)
}

// RecordUsage charges units under a mandate the person approved: units
// times the unit price of a subscription, or units minor units of a tip
// allowance. It is refused once the cap of the period, the expiry or a
// revocation applies (mandate_cap, mandate_expired, mandate_revoked), before
// approval (mandate_not_active), and for a mandate of another agent.
func (h *Hub) RecordUsage(ctx context.Context, agent, key string, id uint64, units int64) (*wallet.Charge, *wallet.Mandate, error) {
	k, err := h.agentRequest(ctx, agent, key)
	if err != nil {
		return nil, nil, err
	}
	if units <= 0 {
		return nil, nil, wallet.Errorf(wallet.EINVALID, "Usage is a positive number of units.")
	}
	c, m, err := h.DB.ChargeMandate(ctx, k, id, agent, units)
	if errors.Is(err, wallet.ErrNotFound) {
		return nil, nil, wallet.Errorf(wallet.ENOTFOUND, "There is no mandate %d.", id)
	} else if err != nil {
		return nil, nil, h.coded("record usage", err)
	}
	h.announce(fmt.Sprintf("charge:%d", c.ID), chargeEvent(m, c))
	return c, m, nil
}

// agentRequest checks that agent is a paired agent-scope device and returns
// the wallet key of its request: agents' keys live apart from each other's
// and from the dialog's.
func (h *Hub) agentRequest(ctx context.Context, agent, key string) (string, error) {
	d, err := h.DB.Device(ctx, agent)
	if errors.Is(err, wallet.ErrNotFound) {
		return "", wallet.Errorf(wallet.EUNAUTHORIZED, "Agent %q is not paired, or was revoked.", agent)
	} else if err != nil {
		return "", h.coded("agent request", err)
	}
	if d.Scope != wallet.ScopeAgent {
		return "", wallet.Errorf(wallet.EUNAUTHORIZED, "Device %q is not an agent: only agents propose.", agent)
	}
	if key == "" || len(key) > maxKey {
		return "", wallet.Errorf(wallet.EINVALID, "The request needs an idempotency key of at most %d bytes.", maxKey)
	}
	return wallet.AgentRequestKey(agent, key), nil
}

// coded turns err into the coded error an agent sees, logging a fault.
// What the wallet says to the person is said to the agent about the person.
func (h *Hub) coded(op string, err error) error {
	e := wallet.AsError(err)
	switch e.Code {
	case wallet.EINTERNAL:
		h.Logger.Error(op+" failed", "err", err)
	case wallet.EFROZEN:
		return e.Reworded("The person's wallet is frozen; nothing can be charged until they unfreeze it.")
	case wallet.EFUNDS:
		return e.Reworded("The person's wallet does not have enough money for this, counting what is on hold.")
	}
	return e
}

// mandateTerms completes what every mandate draft shares: the note, and
// the life of a mandate whose agent did not say when it ends. The wallet
// checks the period and the expiry.
func (h *Hub) mandateTerms(d *wallet.MandateDraft, note string, life time.Duration) error {
	var err error
	if d.Note, err = cleanText(note, "note"); err != nil {
		return err
	}
	if d.Expires.IsZero() {
		d.Life = life
	}
	return nil
}

// proposeMandate proposes d under k and announces it while it waits for the
// person. A retry returns the mandate as it is now.
func (h *Hub) proposeMandate(ctx context.Context, k string, d wallet.MandateDraft) (*wallet.Mandate, error) {
	done, err := h.admit(ctx, d.Agent, k)
	if err != nil {
		return nil, err
	}
	m, err := h.DB.ProposeMandate(ctx, k, d)
	done(err == nil)
	if err != nil {
		return nil, h.coded("propose mandate", err)
	}
	if m, err = h.DB.Mandate(ctx, m.ID); err != nil {
		return nil, h.coded("propose mandate", err)
	}
	if m.State == wallet.MandateProposed {
		h.announce(fmt.Sprintf("mandate:%d", m.ID), mandateProposal(m))
	}
	return m, nil
}

// payeeID returns the account and name of a tip or subscription payee: a
// catalog merchant by its id, or a payee of that id.
func (h *Hub) payeeID(id string) (account, name string, err error) {
	if m, ok := h.Catalog.Merchant(id); ok {
		return wallet.MerchantAccount(m.ID), m.Name(), nil
	}
	if !wallet.ValidPayeeID(id) {
		return "", "", wallet.Errorf(wallet.EINVALID, "A payee is an id of lowercase letters, digits, _ and -, such as claude_dev; %q is not.", id)
	}
	if err := noCommandWords(id, "payee"); err != nil {
		return "", "", err
	}
	return wallet.PayeeAccount(id), id, nil
}

// namedPayee returns the account and name of the payee of free lines: a
// catalog merchant by its id or one of its names, or a payee of that name.
func (h *Hub) namedPayee(s string) (account, name string, err error) {
	if m, ok := catalogMerchant(h.Catalog, s); ok {
		return wallet.MerchantAccount(m.ID), m.Name(), nil
	}
	if name, err = cleanName(s, "payee name"); err != nil {
		return "", "", err
	}
	id, ok := wallet.PayeeIDOf(name)
	if !ok {
		return "", "", wallet.Errorf(wallet.EINVALID, "The payee name %q has no letters or digits.", name)
	}
	return wallet.PayeeAccount(id), name, nil
}

func catalogMerchant(c *config.Catalog, s string) (config.Merchant, bool) {
	if m, ok := c.Merchant(s); ok {
		return m, true
	}
	for _, m := range c.Merchants {
		for _, say := range m.Say {
			if strings.EqualFold(strings.TrimSpace(s), say) {
				return m, true
			}
		}
	}
	return config.Merchant{}, false
}

func checkQuantity(q int) error {
	if q < 1 || q > wallet.MaxQuantity {
		return wallet.Errorf(wallet.EINVALID, "A quantity is from 1 to %d, not %d.", wallet.MaxQuantity, q)
	}
	return nil
}

func checkAmount(a int64, what string) error {
	if a <= 0 || a > wallet.MaxAmount {
		return wallet.Errorf(wallet.EINVALID, "The %s must be more than 0 and at most %d minor units.", what, int64(wallet.MaxAmount))
	}
	return nil
}

// cleanText makes an agent's memo or note fit to show the person: spaces
// and line breaks become single spaces, double quotation marks become
// single ones (so that the memo cannot seem to end its quotation and speak
// as voicepay), and control or formatting characters are refused.
func cleanText(s, what string) (string, error) {
	if !utf8.ValidString(s) {
		return "", wallet.Errorf(wallet.EINVALID, "The %s is not valid UTF-8.", what)
	}
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > wallet.MaxNote || len(s) > wallet.MaxNoteBytes {
		return "", wallet.Errorf(wallet.EINVALID, "The %s is too long: at most %d characters.", what, wallet.MaxNote)
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			return "", wallet.Errorf(wallet.EINVALID, "The %s has a control character.", what)
		case r == '"' || r == '“' || r == '”' || r == '„' || r == '«' || r == '»':
			b.WriteByte('\'')
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), nil
}

// cleanName checks a name an agent gives a line or a payee. voicepay reads
// it out in its own sentences, next to a microphone that takes commands, so
// it may hold only letters, digits, spaces and - ' & , and a full stop
// between letters or digits ("acme.io"), never one that ends a sentence;
// and none of the words voicepay asks the person to say (commandWord).
func cleanName(s, what string) (string, error) {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" || utf8.RuneCountInString(s) > wallet.MaxName {
		return "", wallet.Errorf(wallet.EINVALID, "The %s must be 1 to %d characters.", what, wallet.MaxName)
	}
	rs := []rune(s)
	for i, r := range rs {
		inner := r == '.' && i > 0 && i < len(rs)-1 && alnum(rs[i-1]) && alnum(rs[i+1])
		if !alnum(r) && !inner && !strings.ContainsRune(" -&',", r) {
			return "", wallet.Errorf(wallet.EINVALID,
				"The %s may hold only letters, digits, spaces and - & ' , (and . inside a word).", what)
		}
	}
	if err := noCommandWords(s, what); err != nil {
		return "", err
	}
	if digitRun(s) >= 4 {
		return "", wallet.Errorf(wallet.EINVALID, "The %s may not hold four or more digits in a row: voicepay reads "+
			"names out, and they could be heard as a PIN.", what)
	}
	return s, nil
}

// digitWords are the words a digit is said as.
var digitWords = map[string]bool{"zero": true, "oh": true, "o": true, "one": true, "two": true, "three": true,
	"four": true, "five": true, "six": true, "seven": true, "eight": true, "nine": true}

// digitRun is the longest run of digits in s, as written ("1234") or as
// words ("one two three four"), as a recognizer waiting for a PIN hears it.
func digitRun(s string) int {
	best, run := 0, 0
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !alnum(r) }) {
		n := 0
		if digitWords[w] {
			n = 1
		} else if strings.IndexFunc(w, func(r rune) bool { return !unicode.IsDigit(r) }) < 0 {
			n = len(w)
		}
		if n == 0 {
			run = 0
			continue
		}
		run += n
		best = max(best, run)
	}
	return best
}

func alnum(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// commandWords are the words of the commands that move money, and of the
// answers that confirm, as voicepay asks the person to say them ("say
// confirm to go ahead", "say pay to authorize", "approve the tip", "yes, go
// ahead"): a name that held one could be heard as the command when voicepay
// reads it out.
var commandWords = map[string]bool{
	"say": true, "confirm": true, "confirmed": true, "pay": true, "paid": true, "payment": true,
	"authorize": true, "authorise": true, "authorized": true, "approve": true, "approved": true,
	"tip": true, "yes": true, "yeah": true, "yep": true, "sure": true, "ok": true, "okay": true,
	"ahead": true, "checkout": true, "unfreeze": true,
}

// noCommandWords refuses a name with a command word in it, whatever the
// case and wherever it stands among the name's words.
func noCommandWords(s, what string) error {
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !alnum(r) }) {
		if commandWords[w] {
			return wallet.Errorf(wallet.EINVALID, "The %s may not hold %q: voicepay reads names out, and that is "+
				"one of the words the person says to pay.", what, w)
		}
	}
	return nil
}

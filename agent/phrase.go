package agent

import (
	"fmt"
	"strings"
	"time"

	"github.com/voicepay/voicepay/config"
	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/wallet"
)

// This file says amounts, quantities, orders, tips and subscriptions the way
// a speaker would.

// quoted is an agent's memo or note as the person hears it: shown, in
// quotation marks, never obeyed. Empty when there is none.
func quoted(memo string) string {
	if memo == "" {
		return ""
	}
	return fmt.Sprintf(" It says: \"%s\".", strings.TrimRight(memo, ".!? "))
}

// join lists phrases: "a", "a and b", "a, b and c".
func join(parts []string) string { return list(parts, "and") }

// list lists phrases with a last conjunction: "a, b or c".
func list(parts []string, conj string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " " + conj + " " + parts[len(parts)-1]
}

// lineNames says what an order buys: "two lattes and an americano". The
// names of lines an agent priced itself are data, in quotation marks:
// "three "GPU hours"".
func (h *Hub) lineNames(o *wallet.Order) string {
	id, _ := wallet.MerchantOf(o.Payee)
	m, catalog := h.Catalog.Merchant(id)
	parts := make([]string, len(o.Lines))
	for i, ln := range o.Lines {
		if it, ok := m.Item(ln.Item); catalog && ok {
			parts[i] = count(ln.Quantity, unitName(it))
		} else if o.Agent != "" {
			parts[i] = countData(ln.Quantity, ln.Name)
		} else {
			parts[i] = count(ln.Quantity, ln.Name)
		}
	}
	return join(parts)
}

// Names an agent chose (the payee of free lines, a tip's or a
// subscription's payee, a line's name) are read out as data, in quotation
// marks, apart from voicepay's own words: a catalog merchant's name is
// voicepay's own.

// shop says whom an order pays.
func shop(o *wallet.Order) string {
	if o.Agent == "" {
		return o.PayeeName
	}
	return dataName(o.Payee, o.PayeeName)
}

// payee says whom a mandate pays.
func payee(m *wallet.Mandate) string { return dataName(m.Payee, m.PayeeName) }

// dataName is the name of the account paid, quoted unless it is a catalog
// merchant's.
func dataName(account, name string) string {
	if _, ok := wallet.MerchantOf(account); ok {
		return name
	}
	return `"` + name + `"`
}

// orderProposal is the announcement of an order an agent proposed.
func (h *Hub) orderProposal(o *wallet.Order) Event {
	base := fmt.Sprintf("Your agent %s wants to buy %s from %s for %s.", o.Agent, h.lineNames(o), shop(o),
		Money(o.Total, o.Currency))
	const ask = " Say confirm to go ahead."
	return Event{Type: EventProposal, Order: ViewOrder(o, h.DB.Now()), Text: base + quoted(o.Memo) + ask, speech: base + ask}
}

// mandateProposal is the announcement of a tip or subscription an agent
// proposed.
func mandateProposal(m *wallet.Mandate) Event {
	var base, ask string
	if m.Kind == wallet.MandateTip {
		base = fmt.Sprintf("Your agent %s asks for a tip of %s for %s.", m.Agent, Money(m.First, m.Currency), payee(m))
		if m.Cap > m.First || m.Period > 0 {
			base += fmt.Sprintf(" Approving it allows tips of up to %s, until %s.", capText(m), when(m.Expires))
		}
		ask = " Say approve the tip to go ahead, or decline the tip."
	} else {
		base = fmt.Sprintf("Your agent %s proposes a subscription to %s: %s, up to %s, until %s.", m.Agent, payee(m),
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
			payee(m), Money(c.Amount, m.Currency), Money(m.Remaining(), m.Currency), capText(m))
	} else {
		text = fmt.Sprintf("Your agent %s charged %s for %s of %s; %s of %s is left.", m.Agent,
			Money(c.Amount, m.Currency), count(int(c.Units), m.Unit), payee(m), Money(m.Remaining(), m.Currency), capText(m))
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
		return fmt.Sprintf("tips for %s from your agent %s, up to %s, %s used, until %s", payee(m), m.Agent,
			capText(m), Money(m.PeriodSpent, m.Currency), when(m.Expires))
	}
	return fmt.Sprintf("%s from your agent %s, %s, up to %s, %s used, until %s", payee(m), m.Agent,
		priceText(m), capText(m), Money(m.PeriodSpent, m.Currency), when(m.Expires))
}

// Money formats minor units the way a speaker says them: "36 yuan",
// "12.50 yuan". Other currencies use their code.
func Money(amount int64, currency string) string {
	unit := currency
	if currency == "CNY" {
		unit = "yuan"
	}
	sign := ""
	if amount < 0 {
		sign, amount = "-", -amount
	}
	if amount%100 == 0 {
		return fmt.Sprintf("%s%d %s", sign, amount/100, unit)
	}
	return fmt.Sprintf("%s%d.%02d %s", sign, amount/100, amount%100, unit)
}

// count says a quantity of a thing: "a latte", "two lattes", "25 colas".
// A thing already named in the plural takes no article: "fries".
func count(n int, name string) string {
	switch {
	case n == 1 && (name == "" || intent.IsPlural(name)):
		return name
	case n == 1:
		return article(name) + " " + name
	case n <= 20:
		return intent.NumberWords(n) + " " + intent.Plural(name)
	default:
		return fmt.Sprintf("%d %s", n, intent.Plural(name))
	}
}

// countData is count with the name as data, in quotation marks: a
// "storage", three "GPU hours".
func countData(n int, name string) string {
	switch {
	case n == 1 && intent.IsPlural(name):
		return `"` + name + `"`
	case n == 1:
		return article(name) + ` "` + name + `"`
	case n <= 20:
		return intent.NumberWords(n) + ` "` + intent.Plural(name) + `"`
	}
	return fmt.Sprintf(`%d "%s"`, n, intent.Plural(name))
}

// article is the indefinite article of a name, by its first sound: "a
// use", "an hour".
func article(name string) string {
	lower := strings.ToLower(name)
	for _, p := range []string{"use", "usu", "uni", "uti", "eu", "one", "once"} {
		if strings.HasPrefix(lower, p) {
			return "a"
		}
	}
	for _, p := range []string{"hour", "honest", "honor", "honour", "heir"} {
		if strings.HasPrefix(lower, p) {
			return "an"
		}
	}
	if lower != "" && strings.ContainsRune("aeiou", rune(lower[0])) {
		return "an"
	}
	return "a"
}

// unitName is what a quantity of an item counts. That is its display name,
// unless one of its names says the unit it is sold in ("box of eggs",
// "carton of milk"): two of "eggs" is two boxes of eggs, not two eggs.
func unitName(it config.Item) string {
	for _, say := range it.Say {
		if strings.Contains(say, " of ") {
			return say
		}
	}
	return it.Name()
}

// capital starts a sentence with a capital letter.
func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// refusal says why risk control blocked a payment, in words a person
// understands: the first rule behind the block, with the limit it held the
// payment to. The rule names and numbers stay in the event's fields.
func refusal(dec *wallet.Decision, currency string) string {
	if dec == nil {
		return "Risk control blocked this payment."
	}
	for i, rule := range dec.Rules {
		var bound int64
		if i < len(dec.Bounds) {
			bound = dec.Bounds[i]
		}
		switch rule {
		case "max_per_transaction":
			return fmt.Sprintf("That's more than your limit of %s for one payment.", Money(bound, currency))
		case "daily_limit":
			return fmt.Sprintf("That would take you past your daily limit of %s.", Money(bound, currency))
		case "repeat_limit":
			return fmt.Sprintf("That is the same payment again, %d times in a few minutes: risk control stopped it.", bound)
		case "hourly_count":
			return fmt.Sprintf("That would be more than %d payments in an hour.", bound)
		case "invalid_amount":
			return "That amount can't be paid."
		case "mandate_no_step_up":
			return "This charge needs your PIN, and you are not here to give it."
		}
	}
	return "Risk control blocked this payment."
}

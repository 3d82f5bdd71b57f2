package intent

import (
	"slices"
	"strings"
)

// Typed in a hurry, an order or a question is a fragment: the shop named
// before or after what is bought with no "from" ("2 lattes luckin", "kfc 1
// zinger 1 coke"), or a thing with what is asked of it after ("fries how
// much", "coconut latte price?", "drinks list"). fragment reads such typed
// text as the sentence it stands for; it never reads money.

// thingAsks are the words after a thing that ask its price, or what
// there is of it.
var thingAsks = phraseList("price", "prices", "how much", "cost", "how much is it", "how much are they",
	"list", "menu", "options")

// fragment reads words as an order with its shop named bare at one end,
// or as the question asked of the thing named before thingAsks.
func (p *Parser) fragment(res Result, words []string) Result {
	for len(words) > 1 && words[len(words)-1] == "please" {
		words = words[:len(words)-1]
	}
	if n := trimEnd(words, thingAsks); n > 0 && n < len(words) {
		r := p.parse(strings.Join(words[:len(words)-n], " "), true)
		if r.Intent == OrderCreate && r.Confidence > confidences[MaxSkips] && len(r.Slots.Items) == 0 &&
			(r.Slots.Item != "" || r.Slots.Class != "") {
			r.Intent = CatalogQuery
			r.Slots = Slots{Merchant: r.Slots.Merchant, Item: r.Slots.Item, Class: r.Slots.Class}
			r.Text, r.Confidence = res.Text, min(r.Confidence, confidences[1])
			return r
		}
		return res
	}
	if rest, m := p.bareMerchant(words); rest != nil {
		r := p.parse(strings.Join(slices.Concat(rest, []string{"from"}, m), " "), true)
		if (r.Intent == OrderCreate || r.Intent == OrderAdd) && r.Confidence > confidences[MaxSkips] {
			r.Text, r.Confidence = res.Text, min(r.Confidence, confidences[1])
			return r
		}
	}
	return res
}

// bareMerchant finds the name of a merchant at the start or the end of
// words, the longest name there ("luckin coffee", not "luckin"), and
// returns the words besides it and the name; nil when the words are a name
// alone, name none at either end, or say "from" or "at" next to it.
func (p *Parser) bareMerchant(words []string) (rest, name []string) {
	for _, atStart := range []bool{true, false} {
		for _, m := range p.merchantNames {
			if len(m) > len(words) {
				continue
			}
			if atStart && !slices.Equal(words[:len(m)], m) || !atStart && !slices.Equal(words[len(words)-len(m):], m) {
				continue
			}
			if len(m) == len(words) {
				return nil, nil
			}
			edge := rest0(words, m, atStart)
			if edge == "from" || edge == "at" {
				break
			}
			if atStart {
				rest = words[len(m):]
			} else {
				rest = words[:len(words)-len(m)]
			}
			return rest, m
		}
	}
	return nil, nil
}

// rest0 is the word next to the name m at the start or the end of words.
func rest0(words, m []string, atStart bool) string {
	if atStart {
		return words[len(m)]
	}
	return words[len(words)-len(m)-1]
}

// merchantPhrases are the ways the catalog names its merchants, the
// longest first.
func (p *Parser) merchantPhrases() [][]string {
	var out [][]string
	for _, l := range p.lists {
		if l.slot == slotMerchant {
			for _, ph := range l.phrases {
				out = append(out, ph.words)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b []string) int { return len(b) - len(a) })
	return out
}

// moneyNouns name a payment in a report of one.
var moneyNouns = wordSet("payment payments charge charges transaction transactions purchase")

// claimAmount reads a typed report of a payment that names its amount, "a
// 60 yuan payment I never made", "a payment of fifty yuan", as the report
// without it: the dialog asks which payment, and the amount is no slot of
// a claim. It reads nothing but claim.file.
func (p *Parser) claimAmount(res Result, words []string) Result {
	var out []string
	dropped := false
	for i := 0; i < len(words); i++ {
		n := amountAt(words, i)
		switch {
		case n > 0 && i+n < len(words) && moneyNouns[words[i+n]]:
			i += n - 1 // "a 60 yuan payment"
			dropped = true
			continue
		case words[i] == "of" && i > 0 && moneyNouns[words[i-1]] && amountAt(words, i+1) > 0:
			i += amountAt(words, i+1) // "a payment of fifty yuan"
			dropped = true
			continue
		}
		out = append(out, words[i])
	}
	if !dropped {
		return res
	}
	r := p.parse(strings.Join(out, " "), true)
	if r.Intent != ClaimFile {
		return res
	}
	r.Text, r.Confidence = res.Text, min(r.Confidence, confidences[1])
	return r
}

// amountAt is the number of words of an amount of money at words[i]: a
// number, in digits or words, and its unit if said; 0 for none.
func amountAt(words []string, i int) int {
	if i >= len(words) {
		return 0
	}
	if _, ok := decimalMoney(words[i]); !ok && !isCount(words[i]) || words[i] == "a" || words[i] == "an" {
		return 0
	}
	if i+1 < len(words) && (isMajorUnit(words[i+1]) || isMinorUnit(words[i+1])) {
		return 2
	}
	return 1
}

// untils open what says how long something lasts: "freeze my wallet until
// this is resolved", "disable paying by voice while the in-laws are
// staying".
var untils = wordSet("until till while whilst")

// untilTail reads typed text that turns payments on or off, freezes or
// unfreezes the wallet, and says for how long after it, as the command
// alone.
func (p *Parser) untilTail(res Result, words []string) Result {
	i := slices.IndexFunc(words, func(w string) bool { return untils[w] })
	if i < 2 {
		return res
	}
	r := p.parse(strings.Join(words[:i], " "), true)
	switch r.Intent {
	case PaymentDisable, PaymentEnable, WalletFreeze, WalletUnfreeze:
		r.Text, r.Confidence = res.Text, min(r.Confidence, confidences[1])
		return r
	}
	return res
}

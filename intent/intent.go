// Package intent turns what a person says or types into one of voicepay's
// canonical intents, with its slots normalized to catalog ids, integer
// quantities and integer minor units of money.
//
// # Templates
//
// The parser is compiled from YAML templates (DefaultTemplates is the embedded
// intent/templates.yaml) and the merchants, items and payees of a Vocabulary.
// A template is a sentence pattern:
//
//	(a|b|c)      one of the alternatives
//	[please]     optional words; (…) and […] nest
//	{item}       a slot: merchant, item, quantity, amount, payee, mandate,
//	             times, from (an item a change takes out of the order), part
//	             (how many of it), or a list the file defines itself
//	<lead>       an expansion rule defined under rules:
//
// The file has four top-level keys:
//
//	skip:     filler phrases that may be dropped anywhere, at a cost (see below)
//	rules:    name: template, referenced as <name>
//	lists:    name: values; a value is a plain phrase, or {id: x, say: [templates]}
//	          for lists that fill a slot (payee, mandate and times are the ones
//	          the file defines; payee adds the vocabulary's payees, and the ids
//	          of times are whole numbers: "double" is 2)
//	intents:  intent name: {sentences: [templates], typed: [templates read from text only], defaults: {slot: value}}
//
// The merchant and item lists come from the Vocabulary: every spoken name, the
// plural of each item name (plural on its head noun: "box of eggs" gives
// "boxes of eggs"), the singular of a plain -s plural ("bananas" gives
// "banana"), and for an all-capitals name such as "KFC" the spelled form
// "k f c" (and the reverse). Names as given win over derived forms. The quantity slot takes one to ninety-nine
// in words or digits, and "a" or "an" for one. The amount slot takes money
// ("five yuan", "12.50", "twelve yuan fifty", "fifty fen") and yields minor
// units without ever passing through a float.
//
// Before matching, text is normalized the same way as template words: lower
// case, punctuation dropped (except the decimal point inside a number),
// hyphens split words, apostrophes join them, and a few contractions expand
// ("what's" and "whats" both read as "what is").
//
// # Matching
//
// Templates compile to one token-level automaton that is run over the whole
// utterance at once, anchored at both ends: a sentence matches a template
// only if every word is accounted for. Unknown words make the result None.
// The work is linear in the number of words; utterances longer than
// MaxWords words or MaxBytes bytes are None without matching.
//
// Typed text that matches no template whole is read, in turn, as a cart of
// several things (cart.go), as an order of something the catalog lacks
// (unknown.go), by the one clause of it that is a command (clause.go), and
// last by a loose reading that drops the words around and inside its
// command that only colour it (loose.go). Chat shorthand ("u", "r",
// "nvm") and formal phrases ("i wish to", "in place of") read plainly
// first (normalize.go, courtesy.go).
//
// # Confidence
//
// A complete match of a template scores FullMatch (0.97). A match that had to
// drop words from the skip list scores 0.1 less per dropped phrase (0.87,
// 0.77, 0.67); more than MaxSkips dropped phrases is None. Hesitations
// ("um", "uhh", "hmm", "er") anywhere, and courtesy at a sentence's edges
// ("hi,", "could you", "thanks", see courtesy.go), are no words of the
// command that is typed: Parse drops them before matching, at no cost. A
// transcript of speech (ParseSpeech) keeps them, and drops them only as
// the skip list and the templates say. Money-moving intents
// (see MovesMoney) come only from a complete match: a match that dropped any
// word is never order.confirm, payment.authorize, tip.send or
// subscription.approve, and neither is a sentence that fills a money-moving
// intent two ways (say, two readings of the amount). When templates of different intents match equally well, an
// intent that does not move money wins over one that does; otherwise the
// earliest template in the file wins. None always has confidence 0: it says
// nothing about how far out of domain the text was.
//
// When an item is named without a merchant and exactly one merchant sells it,
// the merchant slot is filled in; when several do, it is left empty for the
// dialog to ask, and so is the item if they use different ids for it. When a merchant is named, the item id is the one that
// merchant uses; if that merchant does not sell it, the result keeps both as
// said, so the dialog can say so.
//
// # Speech grammar
//
// A speech recognizer listens for the same sentences as a word graph:
// Parser.Grammar builds it from the templates (see grammar.go for how it
// differs from what the parser reads), narrowed to the intents a dialog
// state accepts, and keeps it; CodeGrammar is the graph of a spoken PIN or
// code.
package intent

import (
	_ "embed"
	"slices"
)

// The canonical intent names.
const (
	None             = "none"
	PaymentEnable    = "payment.enable"
	PaymentDisable   = "payment.disable"
	OrderCreate      = "order.create"
	OrderModify      = "order.modify"
	OrderConfirm     = "order.confirm"
	OrderCancel      = "order.cancel"
	PaymentAuthorize = "payment.authorize"
	BalanceQuery     = "balance.query"
	HistoryQuery     = "history.query"
	TipSend          = "tip.send"
	WalletFreeze     = "wallet.freeze"
	ClaimFile        = "claim.file"
	Help             = "help"

	SubscriptionApprove = "subscription.approve" // approve an agent's proposed tip or subscription
	SubscriptionCancel  = "subscription.cancel"  // decline a proposal, or revoke an approved one
	SubscriptionQuery   = "subscription.query"   // what the person has approved or is asked to

	OrderAdd       = "order.add"       // add to the open order: "add a cappuccino", "one more"
	OrderRemove    = "order.remove"    // take from it: "remove one", "no cola"
	OrderReplace   = "order.replace"   // the answer "replace it" to a new order said over a draft
	OrderQuery     = "order.query"     // what the open order holds
	OrderRecall    = "order.recall"    // "what did I order": the open order if any, else the history
	CatalogQuery   = "catalog.query"   // what a shop sells, or what an item costs
	WalletUnfreeze = "wallet.unfreeze" // lets payments leave a frozen wallet again, with the PIN

	// A bare yes or no answers the question the dialog just asked: "yes"
	// to "Say confirm to place the order" confirms it. Because it can, a
	// yes counts as moving money.
	AnswerYes = "answer.yes"
	AnswerNo  = "answer.no"
)

// Confidence scores and limits of a match.
const (
	// FullMatch is the confidence of a complete template match.
	FullMatch = 0.97
	// MaxSkips is the most skip-list phrases a match may drop.
	MaxSkips = 3
	// MaxWords is the longest utterance, in words after normalization, that
	// is matched at all.
	MaxWords = 48
	// MaxBytes is the longest utterance, in bytes of UTF-8, that is matched
	// at all.
	MaxBytes = 1024
)

// confidences[n] is the confidence of a match that dropped n phrases.
var confidences = [MaxSkips + 1]float64{FullMatch, 0.87, 0.77, 0.67}

// intentSlots lists the slots each intent may carry; an intent missing from
// it carries none.
var intentSlots = map[string][]slotKind{
	OrderCreate:         {slotMerchant, slotItem, slotQuantity},
	OrderModify:         {slotMerchant, slotItem, slotQuantity, slotTimes, slotFrom, slotPart},
	OrderConfirm:        {slotMerchant, slotItem, slotQuantity},
	OrderCancel:         {slotMerchant}, // "cancel the kfc order": which of the orders agents proposed
	PaymentAuthorize:    {slotAmount, slotMerchant, slotItem, slotQuantity},
	BalanceQuery:        {slotMerchant, slotItem, slotQuantity}, // "can I afford a latte"
	TipSend:             {slotAmount, slotPayee},
	SubscriptionApprove: {slotMandate},
	SubscriptionCancel:  {slotMandate, slotPayee, slotMerchant, slotQuantity},
	CatalogQuery:        {slotMerchant, slotItem, slotQuantity},
	OrderAdd:            {slotMerchant, slotItem, slotQuantity},
	OrderRemove:         {slotMerchant, slotItem, slotQuantity},
}

var intentNames = []string{
	None, PaymentEnable, PaymentDisable, OrderCreate, OrderModify, OrderConfirm,
	OrderCancel, PaymentAuthorize, BalanceQuery, HistoryQuery, TipSend,
	WalletFreeze, ClaimFile, Help, SubscriptionApprove, SubscriptionCancel,
	SubscriptionQuery, OrderAdd, OrderRemove, OrderReplace, OrderQuery, OrderRecall, CatalogQuery, WalletUnfreeze, AnswerYes, AnswerNo,
}

// Intents returns every canonical intent name, None first.
func Intents() []string { return slices.Clone(intentNames) }

func knownIntent(name string) bool { return slices.Contains(intentNames, name) }

// MovesMoney reports whether an intent moves money: order.confirm holds
// funds, payment.authorize posts them, tip.send pays a tip, and
// subscription.approve lets an agent charge under a mandate (and pays a tip
// at once).
func MovesMoney(intent string) bool {
	switch intent {
	case OrderConfirm, PaymentAuthorize, TipSend, SubscriptionApprove, AnswerYes:
		return true
	}
	return false
}

// Acts reports whether an intent acts on something: moves money, changes
// an order or a mandate, or turns payments or the wallet on or off. The
// others only ask (about the wallet, the order, the catalog or what can be
// said) and change nothing; None does nothing. A recognizer that hears a
// sentence that acts checks it harder (see agent/speech).
func Acts(intent string) bool {
	switch intent {
	case None, BalanceQuery, HistoryQuery, SubscriptionQuery, OrderQuery, CatalogQuery, Help:
		return false
	}
	return true
}

//go:embed templates.yaml
var defaultTemplates []byte

// DefaultTemplates returns a copy of the embedded intent/templates.yaml.
func DefaultTemplates() []byte { return slices.Clone(defaultTemplates) }

// Vocabulary is the catalog as the parser needs it.
type Vocabulary struct {
	Merchants []Merchant
	// Payees are who can be tipped besides the defaults in the templates.
	Payees []Entity
}

// Merchant is a shop, how people name it, and what it sells.
type Merchant struct {
	ID    string
	Say   []string
	Items []Entity
}

// Entity is anything with an id and the names people call it by.
type Entity struct {
	ID  string
	Say []string
	// Classes are the general words an item goes by ("coffee"): said
	// alone, they ask which of the items it is.
	Classes []string
	// Typed are other names read from text only ("soda" for cola).
	Typed []string
}

// Slots are the normalized values a sentence carried. Empty values are left
// out of JSON.
type Slots struct {
	Merchant string `json:"merchant,omitempty"`
	Item     string `json:"item,omitempty"`
	Quantity int    `json:"quantity,omitempty"`
	Amount   int64  `json:"amount,omitempty"` // minor units (fen), never a float
	Payee    string `json:"payee,omitempty"`
	// Mandate is the kind of mandate a sentence names: "tip" or
	// "subscription", from the template file's {mandate} list.
	Mandate string `json:"mandate,omitempty"`
	// Times is how many times over a change makes the order: "double
	// it" is 2.
	Times int `json:"times,omitempty"`
	// From is the item a change takes out of the order, for Item: "swap
	// the lattes for cappuccinos".
	From string `json:"from,omitempty"`
	// Part is how many of From a change takes, when not all of them:
	// "swap one latte for a cappuccino".
	Part int `json:"part,omitempty"`
	// Items are the things of a sentence that names more than one ("a
	// latte and two americanos"), in the order said; Item and Quantity
	// are then empty.
	Items []Line `json:"items,omitempty"`
	// Class is the general word a sentence used instead of an item
	// ("a coffee"); Item is then empty.
	Class string `json:"class,omitempty"`
	// Unknown is what a sentence asked for that the catalog does not have
	// ("mocha"), and UnknownShop a shop it does not know ("starbucks").
	Unknown     string `json:"unknown,omitempty"`
	UnknownShop string `json:"unknown_shop,omitempty"`
}

// Line is one thing a sentence names, and how many of it.
type Line struct {
	Item     string `json:"item"`
	Quantity int    `json:"quantity"`
}

// Result is what Parse made of one utterance.
type Result struct {
	Text       string  `json:"text"`
	Intent     string  `json:"intent"`
	Slots      Slots   `json:"slots"`
	Confidence float64 `json:"confidence"`
}

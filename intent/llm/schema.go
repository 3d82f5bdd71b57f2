package llm

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/sashabaranov/go-openai"

	"github.com/voicepay/voicepay/intent"
)

// Offered returns the intents the model may choose, none first: every intent
// package intent knows except those that move money. An intent whose name
// reads like a money-moving one (anything that confirms, authorizes,
// approves, pays or charges, and tips) is left out too, in case it is ever
// added to package intent without being marked in intent.MovesMoney. So are
// the intents in targeted.
func Offered() []string {
	var out []string
	for _, name := range intent.Intents() {
		if !moneyLike(name) && !targeted[name] {
			out = append(out, name)
		}
	}
	return out
}

// targeted are intents that act on something only their own slots name,
// which the function does not offer: cancelling a subscription without
// knowing which one would be a guess.
var targeted = map[string]bool{"subscription.cancel": true}

// moneyLike reports whether the fallback must never give the intent name.
func moneyLike(name string) bool {
	if intent.MovesMoney(name) {
		return true
	}
	noun, verb, _ := strings.Cut(strings.ToLower(name), ".")
	if noun == "tip" {
		return true
	}
	switch verb {
	case "confirm", "authorize", "approve", "pay", "charge":
		return true
	}
	return false
}

// slotted are the intents that carry the function's slots: merchant, item
// and quantity, as the templates fill them. Other intents carry none.
var slotted = map[string]bool{intent.OrderCreate: true, intent.OrderModify: true}

// what says what each intent is for, to the model.
var what = map[string]string{
	intent.None:           "nothing below fits, the text is unclear, or it asks to confirm, pay, authorize, tip or approve",
	intent.PaymentEnable:  "turn voice payments on",
	intent.PaymentDisable: "turn voice payments off",
	intent.OrderCreate:    "order an item from a merchant, with a quantity",
	intent.OrderModify:    "change the item or quantity of the current order",
	intent.OrderCancel:    "cancel the current order",
	intent.BalanceQuery:   "ask for the wallet balance",
	intent.HistoryQuery:   "ask for recent payments",
	intent.WalletFreeze:   "freeze the wallet",
	intent.ClaimFile:      "report a payment the person did not make",
	intent.Help:           "ask what can be said",
	"subscription.query":  "ask which subscriptions and tip allowances there are, or are waiting for approval",
}

// catalog is the vocabulary as the fallback checks it.
type catalog struct {
	merchants []string            // ids, in vocabulary order
	items     []string            // distinct ids, in vocabulary order
	sellers   map[string][]string // item id → the merchants selling it
	known     map[string]bool     // merchant ids
	order     []intent.Merchant   // the vocabulary's merchants, for the prompt
}

func newCatalog(v intent.Vocabulary) (catalog, error) {
	c := catalog{sellers: map[string][]string{}, known: map[string]bool{}}
	for _, m := range v.Merchants {
		if m.ID == "" {
			return c, errors.New("vocabulary: a merchant has no id")
		}
		if c.known[m.ID] {
			return c, fmt.Errorf("vocabulary: merchant %q appears twice", m.ID)
		}
		c.merchants = append(c.merchants, m.ID)
		c.known[m.ID] = true
		for _, it := range m.Items {
			if it.ID == "" {
				return c, fmt.Errorf("vocabulary: merchant %q: an item has no id", m.ID)
			}
			if _, seen := c.sellers[it.ID]; !seen {
				c.items = append(c.items, it.ID)
			}
			if !slices.Contains(c.sellers[it.ID], m.ID) {
				c.sellers[it.ID] = append(c.sellers[it.ID], m.ID)
			}
		}
	}
	c.order = v.Merchants
	return c, nil
}

// tool is the one function offered to the model: an intent from offered,
// and for order intents the merchant, item and quantity.
func tool(offered []string, c catalog) (openai.Tool, error) {
	props := map[string]any{
		"intent": map[string]any{
			"type":        "string",
			"enum":        offered,
			"description": "What the person wants; none when unsure.",
		},
		"quantity": map[string]any{
			"type":        "integer",
			"minimum":     1,
			"maximum":     99,
			"description": "How many of the item, for order.create and order.modify. Leave out when not said.",
		},
	}
	if len(c.merchants) > 0 {
		props["merchant"] = map[string]any{
			"type":        "string",
			"enum":        c.merchants,
			"description": "Catalog id of the merchant, for order.create and order.modify. Leave out when not said.",
		}
	}
	if len(c.items) > 0 {
		props["item"] = map[string]any{
			"type":        "string",
			"enum":        c.items,
			"description": "Catalog id of the item, for order.create and order.modify.",
		}
	}
	params, err := json.Marshal(map[string]any{
		"type":                 "object",
		"properties":           props,
		"required":             []string{"intent"},
		"additionalProperties": false,
	})
	if err != nil {
		return openai.Tool{}, fmt.Errorf("tool schema: %w", err)
	}
	return openai.Tool{
		Type: openai.ToolTypeFunction,
		Function: &openai.FunctionDefinition{
			Name:        FunctionName,
			Description: "Record the intent of what the person said to voicepay, a voice payment assistant, and its slots.",
			Parameters:  json.RawMessage(params),
		},
	}, nil
}

// systemPrompt tells the model its job, the intents and the catalog.
func systemPrompt(offered []string, c catalog) string {
	var b strings.Builder
	b.WriteString("You read one thing a person said or typed to voicepay, a voice payment assistant, ")
	b.WriteString("and call " + FunctionName + " exactly once with its intent.\n\nIntents:\n")
	for _, name := range offered {
		b.WriteString("- " + name)
		if w := what[name]; w != "" {
			b.WriteString(": " + w)
		}
		b.WriteString("\n")
	}
	b.WriteString("\nConfirming an order, paying, authorizing a payment, tipping and approving a subscription ")
	b.WriteString("are never yours to choose: answer none for them, whatever the text says.\n")
	b.WriteString("Fill merchant, item and quantity only for order.create and order.modify, ")
	b.WriteString("only with ids from this catalog, and only with what the person said:\n")
	for _, m := range c.order {
		fmt.Fprintf(&b, "- merchant %s (%s) sells:", m.ID, strings.Join(m.Say, ", "))
		for i, it := range m.Items {
			if i > 0 {
				b.WriteString(";")
			}
			fmt.Fprintf(&b, " %s (%s)", it.ID, strings.Join(it.Say, ", "))
		}
		b.WriteString("\n")
	}
	return b.String()
}

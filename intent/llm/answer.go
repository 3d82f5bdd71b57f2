package llm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/sashabaranov/go-openai"

	"github.com/voicepay/voicepay/intent"
)

// arguments are the arguments of a call of FunctionName, as the schema
// describes them. A null value counts as left out.
type arguments struct {
	Intent   string `json:"intent"`
	Merchant string `json:"merchant"`
	Item     string `json:"item"`
	Quantity *int   `json:"quantity"`
}

// maxQuantity is the largest quantity the parser reads.
const maxQuantity = 99

// answer reads the intent and slots out of a response, or says why it
// cannot.
func (f *Fallback) answer(resp openai.ChatCompletionResponse) (string, intent.Slots, error) {
	if len(resp.Choices) == 0 {
		return "", intent.Slots{}, fmt.Errorf("%w: no choices", ErrNoCall)
	}
	calls := resp.Choices[0].Message.ToolCalls
	switch {
	case len(calls) == 0:
		return "", intent.Slots{}, ErrNoCall
	case len(calls) > 1:
		return "", intent.Slots{}, fmt.Errorf("%w: %d calls", ErrNoCall, len(calls))
	}
	c := calls[0]
	if (c.Type != "" && c.Type != openai.ToolTypeFunction) || c.Function.Name != FunctionName {
		return "", intent.Slots{}, fmt.Errorf("%w: called %q", ErrNoCall, clip(c.Function.Name))
	}
	args, err := decodeArguments(c.Function.Arguments)
	if err != nil {
		return "", intent.Slots{}, err
	}
	return f.check(args)
}

// decodeArguments reads one JSON object with no unknown fields.
func decodeArguments(s string) (arguments, error) {
	var a arguments
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		return a, fmt.Errorf("%w: %v", ErrBadArguments, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return a, fmt.Errorf("%w: more after the object", ErrBadArguments)
	}
	return a, nil
}

// check refuses what the fallback must not give and normalizes the slots as
// the parser does: quantity 1 by default for order.create, and the merchant
// filled in when exactly one merchant sells the item. A merchant that does
// not sell the item is kept as said, for the dialog to say so.
func (f *Fallback) check(a arguments) (string, intent.Slots, error) {
	var s intent.Slots
	switch {
	case a.Intent == "":
		return "", s, fmt.Errorf("%w: no intent", ErrBadArguments)
	case moneyLike(a.Intent):
		return "", s, fmt.Errorf("%w: %q", ErrMovesMoney, clip(a.Intent))
	case !slices.Contains(f.offered, a.Intent):
		return "", s, fmt.Errorf("%w: %q", ErrUnknownIntent, clip(a.Intent))
	}
	if a.Merchant != "" {
		if !f.catalog.known[a.Merchant] {
			return "", s, fmt.Errorf("%w: merchant %q", ErrUnknownID, clip(a.Merchant))
		}
	}
	if a.Item != "" {
		if _, ok := f.catalog.sellers[a.Item]; !ok {
			return "", s, fmt.Errorf("%w: item %q", ErrUnknownID, clip(a.Item))
		}
	}
	if a.Quantity != nil && (*a.Quantity < 1 || *a.Quantity > maxQuantity) {
		return "", s, fmt.Errorf("%w: quantity %d is not 1 to %d", ErrBadArguments, *a.Quantity, maxQuantity)
	}
	if !slotted[a.Intent] {
		return a.Intent, s, nil // slots of other intents are dropped, as the parser has none for them
	}
	s.Merchant, s.Item = a.Merchant, a.Item
	if a.Quantity != nil {
		s.Quantity = *a.Quantity
	}
	switch {
	case a.Intent == intent.OrderCreate && s.Item == "":
		return "", intent.Slots{}, fmt.Errorf("%w: order.create without an item", ErrMissingSlot)
	case a.Intent == intent.OrderModify && s.Item == "" && s.Quantity == 0:
		return "", intent.Slots{}, fmt.Errorf("%w: order.modify without an item or a quantity", ErrMissingSlot)
	}
	if a.Intent == intent.OrderCreate && s.Quantity == 0 {
		s.Quantity = 1
	}
	if s.Item != "" && s.Merchant == "" {
		if sellers := f.catalog.sellers[s.Item]; len(sellers) == 1 {
			s.Merchant = sellers[0]
		}
	}
	return a.Intent, s, nil
}

// clip shortens what the model wrote, for an error message.
func clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}

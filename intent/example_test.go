package intent_test

import (
	"encoding/json"
	"fmt"

	"github.com/voicepay/voicepay/config"
	"github.com/voicepay/voicepay/intent"
)

func ExampleParser_Parse() {
	p, err := intent.Compile(intent.DefaultTemplates(), config.DefaultCatalog().Vocabulary())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, text := range []string{
		"buy two lattes from luckin coffee",
		"make it three",
		"tip the developer five yuan",
		"um, what's my balance",
		"so, what's my balance",
		"pay a visit to grandma",
	} {
		b, _ := json.Marshal(p.Parse(text))
		fmt.Println(string(b))
	}
	// Output:
	// {"text":"buy two lattes from luckin coffee","intent":"order.create","slots":{"merchant":"luckin_coffee","item":"latte","quantity":2},"confidence":0.97}
	// {"text":"make it three","intent":"order.modify","slots":{"quantity":3},"confidence":0.97}
	// {"text":"tip the developer five yuan","intent":"tip.send","slots":{"amount":500,"payee":"developer"},"confidence":0.97}
	// {"text":"um, what's my balance","intent":"balance.query","slots":{},"confidence":0.97}
	// {"text":"so, what's my balance","intent":"balance.query","slots":{},"confidence":0.87}
	// {"text":"pay a visit to grandma","intent":"none","slots":{},"confidence":0}
}

func ExampleMovesMoney() {
	for _, name := range []string{intent.OrderCreate, intent.OrderConfirm, intent.PaymentAuthorize, intent.TipSend, intent.BalanceQuery} {
		fmt.Println(name, intent.MovesMoney(name))
	}
	// Output:
	// order.create false
	// order.confirm true
	// payment.authorize true
	// tip.send true
	// balance.query false
}

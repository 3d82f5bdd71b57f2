package intent_test

import (
	"reflect"
	"testing"

	"github.com/voicepay/voicepay/intent"
)

// TestUnknown reads orders, and changes to the open order, of things or
// shops the catalog lacks, keeping what was said for the dialog to answer.
func TestUnknown(t *testing.T) {
	p := MustDefaultParser(t)
	for _, tc := range []struct {
		text   string
		intent string
		slots  intent.Slots
	}{
		{"buy a mocha", intent.OrderCreate, intent.Slots{Quantity: 1, Unknown: "mocha"}},
		{"buy a mocha from luckin coffee", intent.OrderCreate, intent.Slots{Merchant: "luckin_coffee", Quantity: 1, Unknown: "mocha"}},
		{"buy a latte from starbucks", intent.OrderCreate, intent.Slots{Item: "latte", Quantity: 1, UnknownShop: "starbucks"}},
		{"add a mocha", intent.OrderAdd, intent.Slots{Quantity: 1, Unknown: "mocha"}},
		{"add two mochas to my order", intent.OrderAdd, intent.Slots{Quantity: 2, Unknown: "mochas"}},
		{"and a mocha too", intent.OrderAdd, intent.Slots{Quantity: 1, Unknown: "mocha"}},
		{"make it rain", intent.None, intent.Slots{}},
		{"call my mother", intent.None, intent.Slots{}},
	} {
		t.Run(tc.text, func(t *testing.T) {
			got := p.Parse(tc.text)
			if got.Intent != tc.intent || !reflect.DeepEqual(got.Slots, tc.slots) {
				t.Errorf("got %s %+v, want %s %+v", got.Intent, got.Slots, tc.intent, tc.slots)
			}
		})
	}
}

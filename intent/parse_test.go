package intent_test

import (
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/voicepay/voicepay/intent"
)

type parseCase struct {
	text   string
	intent string
	slots  intent.Slots
}

// inDomain are sentences every intent must understand, the DESIGN.md
// examples first.
var inDomain = []parseCase{
	// payment.enable
	{"enable alipay payment function", intent.PaymentEnable, intent.Slots{}},
	{"turn on payments", intent.PaymentEnable, intent.Slots{}},
	{"Enable Alipay payment function.", intent.PaymentEnable, intent.Slots{}},
	{"activate voice pay", intent.PaymentEnable, intent.Slots{}},
	{"please turn on the payment feature", intent.PaymentEnable, intent.Slots{}},
	{"enable alipay", intent.PaymentEnable, intent.Slots{}},
	{"I want to enable voice payments", intent.PaymentEnable, intent.Slots{}},

	// payment.disable
	{"disable alipay payment function", intent.PaymentDisable, intent.Slots{}},
	{"turn off payments", intent.PaymentDisable, intent.Slots{}},
	{"switch off voice pay", intent.PaymentDisable, intent.Slots{}},
	{"I'd like to disable the payment function", intent.PaymentDisable, intent.Slots{}},

	// order.create
	{"buy two lattes from luckin coffee", intent.OrderCreate, intent.Slots{Merchant: "luckin_coffee", Item: "latte", Quantity: 2}},
	{"buy a latte", intent.OrderCreate, intent.Slots{Merchant: "luckin_coffee", Item: "latte", Quantity: 1}},
	{"get me fries from kfc", intent.OrderCreate, intent.Slots{Merchant: "kfc", Item: "fries", Quantity: 1}},
	{"I'd like a coconut latte", intent.OrderCreate, intent.Slots{Merchant: "luckin_coffee", Item: "coconut_latte", Quantity: 1}},
	{"place an order for three cappuccinos", intent.OrderCreate, intent.Slots{Merchant: "luckin_coffee", Item: "cappuccino", Quantity: 3}},
	{"I want two cokes from K F C", intent.OrderCreate, intent.Slots{Merchant: "kfc", Item: "cola", Quantity: 2}},
	{"I want two cokes from KFC", intent.OrderCreate, intent.Slots{Merchant: "kfc", Item: "cola", Quantity: 2}},
	{"i want two colas from k.f.c.", intent.OrderCreate, intent.Slots{Merchant: "kfc", Item: "cola", Quantity: 2}},
	{"order 12 zinger burgers from kfc", intent.OrderCreate, intent.Slots{Merchant: "kfc", Item: "zinger_burger", Quantity: 12}},
	{"buy twenty-one bananas", intent.OrderCreate, intent.Slots{Merchant: "hema", Item: "bananas", Quantity: 21}},
	{"buy a banana", intent.OrderCreate, intent.Slots{Merchant: "hema", Item: "bananas", Quantity: 1}},
	{"buy two boxes of eggs from hema", intent.OrderCreate, intent.Slots{Merchant: "hema", Item: "eggs", Quantity: 2}},
	{"get two bunches of bananas from freshippo", intent.OrderCreate, intent.Slots{Merchant: "hema", Item: "bananas", Quantity: 2}},
	{"can I get a carton of milk please", intent.OrderCreate, intent.Slots{Merchant: "hema", Item: "milk", Quantity: 1}},
	{"could I have two americanos from luckin", intent.OrderCreate, intent.Slots{Merchant: "luckin_coffee", Item: "americano", Quantity: 2}},
	{"I'll have a zinger", intent.OrderCreate, intent.Slots{Merchant: "kfc", Item: "zinger_burger", Quantity: 1}},
	{"from luckin coffee I want a latte", intent.OrderCreate, intent.Slots{Merchant: "luckin_coffee", Item: "latte", Quantity: 1}},
	{"two french fries please", intent.OrderCreate, intent.Slots{Merchant: "kfc", Item: "fries", Quantity: 2}},
	{"Buy 2 Lattes from Luckin Coffee!", intent.OrderCreate, intent.Slots{Merchant: "luckin_coffee", Item: "latte", Quantity: 2}},
	// a merchant that does not sell the item: kept as said for the dialog
	{"buy fries from luckin", intent.OrderCreate, intent.Slots{Merchant: "luckin_coffee", Item: "fries", Quantity: 1}},
	{"latte x2", intent.OrderCreate, intent.Slots{Merchant: "luckin_coffee", Item: "latte", Quantity: 2}},
	{"2x americano", intent.OrderCreate, intent.Slots{Merchant: "luckin_coffee", Item: "americano", Quantity: 2}},

	// order.modify
	{"make it three", intent.OrderModify, intent.Slots{Quantity: 3}},
	{"change it to two americanos", intent.OrderModify, intent.Slots{Merchant: "luckin_coffee", Item: "americano", Quantity: 2}},
	{"actually make it ninety nine", intent.OrderModify, intent.Slots{Quantity: 99}},
	{"change it to a cappuccino", intent.OrderModify, intent.Slots{Merchant: "luckin_coffee", Item: "cappuccino", Quantity: 1}},
	{"change it to cappuccino", intent.OrderModify, intent.Slots{Merchant: "luckin_coffee", Item: "cappuccino"}},
	{"change the quantity to 4", intent.OrderModify, intent.Slots{Quantity: 4}},
	{"no, make that two", intent.OrderModify, intent.Slots{Quantity: 2}},
	{"I want three instead", intent.OrderModify, intent.Slots{Quantity: 3}},
	{"replace it with fries", intent.OrderModify, intent.Slots{Merchant: "kfc", Item: "fries"}},

	// order.confirm
	{"confirm the order", intent.OrderConfirm, intent.Slots{}},
	{"yes, confirm", intent.OrderConfirm, intent.Slots{}},
	{"yes confirm", intent.OrderConfirm, intent.Slots{}},
	{"confirm", intent.OrderConfirm, intent.Slots{}},
	{"okay, I confirm", intent.OrderConfirm, intent.Slots{}},
	{"please confirm my order", intent.OrderConfirm, intent.Slots{}},
	{"go ahead and confirm it", intent.OrderConfirm, intent.Slots{}},

	// order.cancel
	{"cancel order", intent.OrderCancel, intent.Slots{}},
	{"never mind, cancel it", intent.OrderCancel, intent.Slots{}},
	{"cancel", intent.OrderCancel, intent.Slots{}},
	{"cancel my order", intent.OrderCancel, intent.Slots{}},
	{"Nevermind, cancel that.", intent.OrderCancel, intent.Slots{}},
	{"forget it", intent.OrderCancel, intent.Slots{}},
	{"cancel the payment", intent.OrderCancel, intent.Slots{}},
	{"I don't want it anymore", intent.OrderCancel, intent.Slots{}},
	{"never mind", intent.OrderCancel, intent.Slots{}},

	// payment.authorize
	{"pay", intent.PaymentAuthorize, intent.Slots{}},
	{"authorize payment", intent.PaymentAuthorize, intent.Slots{}},
	{"go ahead and pay", intent.PaymentAuthorize, intent.Slots{}},
	{"yes, pay for it", intent.PaymentAuthorize, intent.Slots{}},
	{"OK pay now", intent.PaymentAuthorize, intent.Slots{}},
	{"I authorize the payment", intent.PaymentAuthorize, intent.Slots{}},
	{"please approve the payment", intent.PaymentAuthorize, intent.Slots{}},
	{"hey voicepay, pay the bill", intent.PaymentAuthorize, intent.Slots{}},
	{"complete the payment", intent.PaymentAuthorize, intent.Slots{}},

	// balance.query
	{"what's my balance", intent.BalanceQuery, intent.Slots{}},
	{"whats my balance", intent.BalanceQuery, intent.Slots{}},
	{"what is my balance?", intent.BalanceQuery, intent.Slots{}},
	{"what’s my wallet balance", intent.BalanceQuery, intent.Slots{}},
	{"how much money do I have", intent.BalanceQuery, intent.Slots{}},
	{"how much money do I have left in my wallet", intent.BalanceQuery, intent.Slots{}},
	{"check my balance", intent.BalanceQuery, intent.Slots{}},
	{"balance", intent.BalanceQuery, intent.Slots{}},

	// history.query
	{"show my recent payments", intent.HistoryQuery, intent.Slots{}},
	{"show me my transactions", intent.HistoryQuery, intent.Slots{}},
	{"what did I buy today", intent.HistoryQuery, intent.Slots{}},
	{"how much did I spend this week", intent.HistoryQuery, intent.Slots{}},
	{"payment history", intent.HistoryQuery, intent.Slots{}},
	{"list my last orders", intent.HistoryQuery, intent.Slots{}},

	// tip.send
	{"tip the developer five yuan", intent.TipSend, intent.Slots{Amount: 500, Payee: "developer"}},
	{"tip the agent 12.50", intent.TipSend, intent.Slots{Amount: 1250, Payee: "agent"}},
	{"tip five yuan to the developer", intent.TipSend, intent.Slots{Amount: 500, Payee: "developer"}},
	{"give the developer a tip of ten kuai", intent.TipSend, intent.Slots{Amount: 1000, Payee: "developer"}},
	{"leave a five yuan tip for my assistant", intent.TipSend, intent.Slots{Amount: 500, Payee: "agent"}},
	{"tip 3 yuan", intent.TipSend, intent.Slots{Amount: 300}},
	{"I'd like to tip the dev twelve yuan fifty", intent.TipSend, intent.Slots{Amount: 1250, Payee: "developer"}},
	{"tip the developer ¥8", intent.TipSend, intent.Slots{Amount: 800, Payee: "developer"}},

	// wallet.freeze
	{"freeze my wallet", intent.WalletFreeze, intent.Slots{}},
	{"lock my wallet", intent.WalletFreeze, intent.Slots{}},
	{"freeze my account right now", intent.WalletFreeze, intent.Slots{}},
	{"block all payments", intent.WalletFreeze, intent.Slots{}},
	{"my phone was stolen, freeze my wallet", intent.WalletFreeze, intent.Slots{}},

	// claim.file
	{"report an unauthorized payment", intent.ClaimFile, intent.Slots{}},
	{"I didn't make that payment", intent.ClaimFile, intent.Slots{}},
	{"file a claim", intent.ClaimFile, intent.Slots{}},
	{"dispute this charge", intent.ClaimFile, intent.Slots{}},
	{"I want to report a fraudulent transaction", intent.ClaimFile, intent.Slots{}},

	// subscription.approve
	{"approve the subscription", intent.SubscriptionApprove, intent.Slots{Mandate: "subscription"}},
	{"yes, approve the tip", intent.SubscriptionApprove, intent.Slots{Mandate: "tip"}},
	{"go ahead and accept the subscription request", intent.SubscriptionApprove, intent.Slots{Mandate: "subscription"}},
	{"pay the tip", intent.SubscriptionApprove, intent.Slots{Mandate: "tip"}},

	// subscription.cancel
	{"cancel the subscription", intent.SubscriptionCancel, intent.Slots{Mandate: "subscription"}},
	{"decline the tip", intent.SubscriptionCancel, intent.Slots{Mandate: "tip"}},
	{"cancel my subscription to luckin coffee", intent.SubscriptionCancel, intent.Slots{Merchant: "luckin_coffee", Mandate: "subscription"}},
	{"cancel my subscription to the developer", intent.SubscriptionCancel, intent.Slots{Payee: "developer", Mandate: "subscription"}},
	{"unsubscribe me from KFC", intent.SubscriptionCancel, intent.Slots{Merchant: "kfc"}},
	{"cancel subscription number two", intent.SubscriptionCancel, intent.Slots{Quantity: 2, Mandate: "subscription"}},
	{"no, don't approve the subscription", intent.SubscriptionCancel, intent.Slots{Mandate: "subscription"}},

	// subscription.query
	{"what subscriptions do I have", intent.SubscriptionQuery, intent.Slots{}},
	{"what am I subscribed to", intent.SubscriptionQuery, intent.Slots{}},
	{"show my subscriptions", intent.SubscriptionQuery, intent.Slots{}},
	{"are there any subscriptions waiting", intent.SubscriptionQuery, intent.Slots{}},

	// order.query
	{"what's my order", intent.OrderQuery, intent.Slots{}},
	{"read me my order again", intent.OrderQuery, intent.Slots{}},
	{"what's in my cart", intent.OrderQuery, intent.Slots{}},

	// catalog.query
	{"what's on the menu", intent.CatalogQuery, intent.Slots{}},
	{"what does KFC have", intent.CatalogQuery, intent.Slots{Merchant: "kfc"}},
	{"what can I buy at hema", intent.CatalogQuery, intent.Slots{Merchant: "hema"}},
	{"how much is a latte", intent.CatalogQuery, intent.Slots{Merchant: "luckin_coffee", Item: "latte"}},
	{"what's the price of the fries", intent.CatalogQuery, intent.Slots{Merchant: "kfc", Item: "fries"}},

	// wallet.unfreeze
	{"unfreeze my wallet", intent.WalletUnfreeze, intent.Slots{}},
	{"unlock my account", intent.WalletUnfreeze, intent.Slots{}},
	{"resume payments", intent.WalletUnfreeze, intent.Slots{}},

	// answer.yes and answer.no: what they answer is the dialog's to say
	{"yes", intent.AnswerYes, intent.Slots{}},
	{"ok", intent.AnswerYes, intent.Slots{}},
	{"yeah, go ahead", intent.AnswerYes, intent.Slots{}},
	{"no thanks", intent.AnswerNo, intent.Slots{}},
	{"nope", intent.AnswerNo, intent.Slots{}},

	// bare answers, read from text
	{"lattes", intent.OrderCreate, intent.Slots{Merchant: "luckin_coffee", Item: "latte", Quantity: 1}},
	// "just" a thing changes the order to it; with no order, the dialog orders it
	{"just a latte", intent.OrderModify, intent.Slots{Merchant: "luckin_coffee", Item: "latte", Quantity: 1}},
	{"two americanos please", intent.OrderCreate, intent.Slots{Merchant: "luckin_coffee", Item: "americano", Quantity: 2}},
	{"some milk from hema", intent.OrderCreate, intent.Slots{Merchant: "hema", Item: "milk", Quantity: 1}},
	{"a coke", intent.OrderCreate, intent.Slots{Merchant: "kfc", Item: "cola", Quantity: 1}},
	{"three please", intent.OrderModify, intent.Slots{Quantity: 3}},
	{"actually three", intent.OrderModify, intent.Slots{Quantity: 3}},
	{"change to three", intent.OrderModify, intent.Slots{Quantity: 3}},
	{"switch to americano", intent.OrderModify, intent.Slots{Merchant: "luckin_coffee", Item: "americano"}},
	{"place the order", intent.OrderConfirm, intent.Slots{}},
	{"how much is on hold", intent.BalanceQuery, intent.Slots{}},
	{"how much do I have left", intent.BalanceQuery, intent.Slots{}},

	// order.add and order.remove: the dialog reads them against the order
	{"add a cappuccino", intent.OrderAdd, intent.Slots{Merchant: "luckin_coffee", Item: "cappuccino", Quantity: 1}},
	{"one more", intent.OrderAdd, intent.Slots{Quantity: 1}},
	{"and two americanos", intent.OrderAdd, intent.Slots{Merchant: "luckin_coffee", Item: "americano", Quantity: 2}},
	{"remove one", intent.OrderRemove, intent.Slots{Quantity: 1}},
	{"add them", intent.OrderAdd, intent.Slots{}},
	{"add it to the order", intent.OrderAdd, intent.Slots{}},
	{"replace it", intent.OrderReplace, intent.Slots{}},
	{"start a new order", intent.OrderReplace, intent.Slots{}},
	{"no cola", intent.OrderRemove, intent.Slots{Merchant: "kfc", Item: "cola"}},

	// several things at once
	{"a latte and two americanos", intent.OrderCreate, intent.Slots{Merchant: "luckin_coffee",
		Items: []intent.Line{{Item: "latte", Quantity: 1}, {Item: "americano", Quantity: 2}}}},
	{"buy a zinger burger, fries and a coke", intent.OrderCreate, intent.Slots{Merchant: "kfc",
		Items: []intent.Line{{Item: "zinger_burger", Quantity: 1}, {Item: "fries", Quantity: 1}, {Item: "cola", Quantity: 1}}}},
	{"a coke and a latte", intent.OrderCreate, intent.Slots{
		Items: []intent.Line{{Item: "cola", Quantity: 1}, {Item: "latte", Quantity: 1}}}},
	{"um, a latte and uh, a coconut latte", intent.OrderCreate, intent.Slots{Merchant: "luckin_coffee",
		Items: []intent.Line{{Item: "latte", Quantity: 1}, {Item: "coconut_latte", Quantity: 1}}}},
	{"a burger, fries and a drink from kfc", intent.OrderCreate, intent.Slots{Merchant: "kfc",
		Items: []intent.Line{{Item: "zinger_burger", Quantity: 1}, {Item: "fries", Quantity: 1}, {Item: "cola", Quantity: 1}}}},
	{"I'll have a cappuccino and my friend will have a latte", intent.OrderCreate, intent.Slots{Merchant: "luckin_coffee",
		Items: []intent.Line{{Item: "cappuccino", Quantity: 1}, {Item: "latte", Quantity: 1}}}},

	// typed forms: how people go on about an order
	{"something to drink", intent.OrderCreate, intent.Slots{Quantity: 1, Class: "drink"}},
	{"order a latte for pickup at luckin", intent.OrderCreate, intent.Slots{Merchant: "luckin_coffee", Item: "latte", Quantity: 1}},
	{"order coffee for three people", intent.OrderCreate, intent.Slots{Merchant: "luckin_coffee", Quantity: 3, Class: "coffee"}},
	{"double it", intent.OrderModify, intent.Slots{Times: 2}},
	{"triple that", intent.OrderModify, intent.Slots{Times: 3}},
	{"swap the lattes for cappuccinos", intent.OrderModify, intent.Slots{Merchant: "luckin_coffee", Item: "cappuccino", From: "latte"}},
	{"confirm two lattes", intent.OrderConfirm, intent.Slots{Merchant: "luckin_coffee", Item: "latte", Quantity: 2}},
	{"pay the 36 yuan", intent.PaymentAuthorize, intent.Slots{Amount: 3600}},
	{"buy the developer a coffee", intent.TipSend, intent.Slots{Payee: "developer"}},
	{"tip the developer ten bucks", intent.TipSend, intent.Slots{Amount: 1000, Payee: "developer"}},
	{"what coffees do you have", intent.CatalogQuery, intent.Slots{Merchant: "luckin_coffee", Class: "coffee"}},
	{"wait, what did I order", intent.OrderQuery, intent.Slots{}},
	// what did I order: the dialog reads the open order, or the history
	{"what did I order", intent.OrderRecall, intent.Slots{}},
	{"um, what have I ordered", intent.OrderRecall, intent.Slots{}},
	{"what did I order last week", intent.HistoryQuery, intent.Slots{}},
	{"sounds great, confirm", intent.OrderConfirm, intent.Slots{}},
	{"a pair of lattes please", intent.OrderCreate, intent.Slots{Merchant: "luckin_coffee", Item: "latte", Quantity: 2}},
	{"half a dozen eggs", intent.OrderCreate, intent.Slots{Merchant: "hema", Item: "eggs", Quantity: 6}},
	{"we'd like two lattes please", intent.OrderCreate, intent.Slots{Merchant: "luckin_coffee", Item: "latte", Quantity: 2}},
	{"two lattes, one for me, one for him", intent.OrderCreate, intent.Slots{Merchant: "luckin_coffee", Item: "latte", Quantity: 2}},
	{"pay for the lattes", intent.PaymentAuthorize, intent.Slots{Merchant: "luckin_coffee", Item: "latte"}},
	{"confirm and pay", intent.OrderConfirm, intent.Slots{}},
	{"set it to three", intent.OrderModify, intent.Slots{Quantity: 3}},
	{"hmm, how about a coconut latte", intent.OrderCreate, intent.Slots{Merchant: "luckin_coffee", Item: "coconut_latte", Quantity: 1}},
	{"double the lattes", intent.OrderModify, intent.Slots{Merchant: "luckin_coffee", Times: 2, From: "latte"}},
	{"right, confirm", intent.OrderConfirm, intent.Slots{}},
	{"we'll have three lattes please", intent.OrderCreate, intent.Slots{Merchant: "luckin_coffee", Item: "latte", Quantity: 3}},
	{"instead of lattes, make it americanos", intent.OrderModify, intent.Slots{Merchant: "luckin_coffee", Item: "americano", From: "latte"}},
	{"um, no, don't confirm, cancel it", intent.OrderCancel, intent.Slots{}},
	{"replace one latte with an americano", intent.OrderModify, intent.Slots{Merchant: "luckin_coffee", Item: "americano", Quantity: 1, From: "latte", Part: 1}},
	{"yeah that's it, confirm", intent.OrderConfirm, intent.Slots{}},
	{"sorry, I meant three lattes", intent.OrderModify, intent.Slots{Merchant: "luckin_coffee", Item: "latte", Quantity: 3}},
	{"let me tip the agent two bucks", intent.TipSend, intent.Slots{Amount: 200, Payee: "agent"}},
	{"a latte and a cookie", intent.OrderCreate, intent.Slots{Unknown: "cookie"}},
	{"I wanna turn on voice pay", intent.PaymentEnable, intent.Slots{}},
	{"I don't want voice payments anymore", intent.PaymentDisable, intent.Slots{}},
	{"freeze my wallet please, I lost my glasses", intent.WalletFreeze, intent.Slots{}},
	{"someone stole my phone, lock my account", intent.WalletFreeze, intent.Slots{}},
	{"do I have any tips waiting", intent.SubscriptionQuery, intent.Slots{}},
	{"no, don't pay for it", intent.OrderCancel, intent.Slots{}},
	{"dispute the last payment", intent.ClaimFile, intent.Slots{}},
	{"can you tell me what I ordered", intent.OrderQuery, intent.Slots{}},
	{"how much is it in total", intent.OrderQuery, intent.Slots{}},
	{"how much are two lattes", intent.CatalogQuery, intent.Slots{Merchant: "luckin_coffee", Item: "latte", Quantity: 2}},
	{"do you sell coffee", intent.CatalogQuery, intent.Slots{Merchant: "luckin_coffee", Class: "coffee"}},
	{"send five bucks to the developer as a tip", intent.TipSend, intent.Slots{Amount: 500, Payee: "developer"}},
	{"can I give the developer a tip", intent.TipSend, intent.Slots{Payee: "developer"}},
	{"one latte for me and one for my wife", intent.OrderCreate, intent.Slots{Merchant: "luckin_coffee", Item: "latte", Quantity: 2}},
	{"add a cappuccino and an americano", intent.OrderAdd, intent.Slots{Merchant: "luckin_coffee",
		Items: []intent.Line{{Item: "cappuccino", Quantity: 1}, {Item: "americano", Quantity: 1}}}},
	{"from luckin, a latte please", intent.OrderCreate, intent.Slots{Merchant: "luckin_coffee", Item: "latte", Quantity: 1}},
	{"I want to order from kfc", intent.CatalogQuery, intent.Slots{Merchant: "kfc"}},
	{"actually I want cappuccinos", intent.OrderModify, intent.Slots{Merchant: "luckin_coffee", Item: "cappuccino"}},
	{"make it three instead of two", intent.OrderModify, intent.Slots{Quantity: 3}},
	{"make them both americanos", intent.OrderModify, intent.Slots{Merchant: "luckin_coffee", Item: "americano"}},
	{"I'd like to pay now", intent.PaymentAuthorize, intent.Slots{}},
	{"nah, cancel", intent.OrderCancel, intent.Slots{}},
	{"I think I'll go with a large latte to go", intent.OrderCreate, intent.Slots{Merchant: "luckin_coffee", Item: "latte", Quantity: 1}},
	{"actually, can I get cappuccinos instead", intent.OrderModify, intent.Slots{Merchant: "luckin_coffee", Item: "cappuccino"}},
	{"can you make it double", intent.OrderModify, intent.Slots{Times: 2}},
	{"can I afford a latte", intent.BalanceQuery, intent.Slots{Merchant: "luckin_coffee", Item: "latte"}},

	// help
	{"what can I say", intent.Help, intent.Slots{}},
	{"help", intent.Help, intent.Slots{}},
	{"what can you do", intent.Help, intent.Slots{}},
	{"how does this work", intent.Help, intent.Slots{}},
}

func TestParse(t *testing.T) {
	p := MustDefaultParser(t)
	for _, tc := range inDomain {
		t.Run(tc.text, func(t *testing.T) {
			got := p.Parse(tc.text)
			want := intent.Result{Text: tc.text, Intent: tc.intent, Slots: tc.slots, Confidence: intent.FullMatch}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", tc.text, got, want)
			}
		})
	}
}

// TestParseEveryIntent checks the table above covers every intent.
func TestParseEveryIntent(t *testing.T) {
	seen := map[string]int{}
	for _, tc := range inDomain {
		seen[tc.intent]++
	}
	for _, name := range intent.Intents() {
		if name != intent.None && seen[name] < 2 {
			t.Errorf("intent %s has %d sentences in the table, want at least 2", name, seen[name])
		}
	}
}

func TestParseSkipsFillers(t *testing.T) {
	p := MustDefaultParser(t)
	tests := []struct {
		text       string
		intent     string
		confidence float64
	}{
		{"so what's my balance", intent.BalanceQuery, 0.87},
		{"well, so, show my recent payments", intent.HistoryQuery, 0.77},
		{"so well you know buy a latte", intent.OrderCreate, 0.67},
		// past MaxSkips, only a loose reading finds the order, at the
		// lowest confidence; it never finds money
		{"so well you know like buy a latte", intent.OrderCreate, 0.67},
		{"so well you know like pay", intent.None, 0},
		{"freeze my wallet you know", intent.WalletFreeze, 0.87},
		{"i guess two americanos", intent.OrderCreate, 0.87},
		// money never moves on a match that dropped a word
		{"so pay", intent.None, 0},
		{"like confirm the order", intent.None, 0},
		{"so tip the developer five yuan", intent.None, 0},
		{"you know approve the subscription", intent.None, 0},
		{"approve the tip you know", intent.None, 0},
		{"so cancel the subscription", intent.SubscriptionCancel, 0.87},
		{"please please please pay", intent.None, 0},
		{"pay so", intent.None, 0},
		{"pay i guess", intent.None, 0},
		// hesitations are not words: dropping them costs nothing
		{"um what's my balance", intent.BalanceQuery, intent.FullMatch},
		{"um uh hmm erm buy a latte", intent.OrderCreate, intent.FullMatch},
		{"ummm, pay", intent.PaymentAuthorize, intent.FullMatch},
		{"uh confirm the order", intent.OrderConfirm, intent.FullMatch},
		{"hmmm, approve the subscription", intent.SubscriptionApprove, intent.FullMatch},
		{"um", intent.None, 0},
		// so is courtesy at the edges of typed text
		{"hi, could you pay for it, thanks", intent.PaymentAuthorize, intent.FullMatch},
		{"approve the tip thanks", intent.SubscriptionApprove, intent.FullMatch},
		{"freeze my wallet thank you", intent.WalletFreeze, intent.FullMatch},
		{"thanks a lot", intent.None, 0},
		{"would you mind ordering me a latte", intent.OrderCreate, intent.FullMatch},
		{"excuse me, could you possibly check my balance", intent.BalanceQuery, intent.FullMatch},
		{"no thanks", intent.AnswerNo, intent.FullMatch},
		// but a filler the template names itself is a complete match
		{"okay pay", intent.PaymentAuthorize, intent.FullMatch},
		{"please pay", intent.PaymentAuthorize, intent.FullMatch},
		{"hey voicepay tip the agent one yuan", intent.TipSend, intent.FullMatch},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			got := p.Parse(tc.text)
			if got.Intent != tc.intent || got.Confidence != tc.confidence {
				t.Errorf("Parse(%q) = %s %v, want %s %v", tc.text, got.Intent, got.Confidence, tc.intent, tc.confidence)
			}
		})
	}
}

// TestParseSpeechHesitations checks that a transcript keeps its
// hesitations and courtesy as skip phrases: heard, "um pay" and "pay
// thanks" pay nothing.
func TestParseSpeechHesitations(t *testing.T) {
	p := MustDefaultParser(t)
	for _, tc := range []struct {
		text       string
		intent     string
		confidence float64
	}{
		{"um pay", intent.None, 0},
		{"uh confirm the order", intent.None, 0},
		{"pay thanks", intent.None, 0},
		{"approve the tip thanks", intent.None, 0},
		{"freeze my wallet thank you", intent.WalletFreeze, 0.87},
		{"um what's my balance", intent.BalanceQuery, 0.87},
		{"um uh hmm erm buy a latte", intent.None, 0},
		{"pay", intent.PaymentAuthorize, intent.FullMatch},
	} {
		got := p.ParseSpeech(tc.text)
		if got.Intent != tc.intent || got.Confidence != tc.confidence {
			t.Errorf("ParseSpeech(%q) = %s %v, want %s %v", tc.text, got.Intent, got.Confidence, tc.intent, tc.confidence)
		}
	}
}

// TestParseItemAcrossMerchants uses a vocabulary where two merchants sell a
// latte: the merchant is filled in only when the sentence or the catalog
// settles it.
func TestParseItemAcrossMerchants(t *testing.T) {
	v := intent.Vocabulary{Merchants: []intent.Merchant{
		{ID: "luckin_coffee", Say: []string{"Luckin"}, Items: []intent.Entity{
			{ID: "latte", Say: []string{"latte"}},
			{ID: "tea", Say: []string{"tea"}},
		}},
		{ID: "starbucks", Say: []string{"Starbucks"}, Items: []intent.Entity{
			{ID: "caffe_latte", Say: []string{"latte", "caffe latte"}},
			{ID: "tea", Say: []string{"tea"}},
		}},
	}, Payees: []intent.Entity{{ID: "claude", Say: []string{"Claude", "Claude Code"}}}}
	p, err := intent.Compile(intent.DefaultTemplates(), v)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text string
		want intent.Slots
	}{
		{"buy a latte from starbucks", intent.Slots{Merchant: "starbucks", Item: "caffe_latte", Quantity: 1}},
		{"buy a latte from luckin", intent.Slots{Merchant: "luckin_coffee", Item: "latte", Quantity: 1}},
		{"buy a caffe latte", intent.Slots{Merchant: "starbucks", Item: "caffe_latte", Quantity: 1}},
		{"buy a latte", intent.Slots{Quantity: 1}},               // two merchants, two ids: the dialog asks
		{"buy two teas", intent.Slots{Item: "tea", Quantity: 2}}, // two merchants, one id
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			got := p.Parse(tc.text)
			if got.Intent != intent.OrderCreate || !reflect.DeepEqual(got.Slots, tc.want) {
				t.Errorf("Parse(%q) = %s %+v, want %s %+v", tc.text, got.Intent, got.Slots, intent.OrderCreate, tc.want)
			}
		})
	}
	got := p.Parse("tip claude code 2 yuan")
	if want := (intent.Slots{Amount: 200, Payee: "claude"}); got.Intent != intent.TipSend || !reflect.DeepEqual(got.Slots, want) {
		t.Errorf("vocabulary payee: got %s %+v, want %s %+v", got.Intent, got.Slots, intent.TipSend, want)
	}
}

func TestMovesMoney(t *testing.T) {
	for _, name := range intent.Intents() {
		want := name == intent.OrderConfirm || name == intent.PaymentAuthorize || name == intent.TipSend ||
			name == intent.SubscriptionApprove || name == intent.AnswerYes
		if got := intent.MovesMoney(name); got != want {
			t.Errorf("MovesMoney(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestParseConcurrent parses from many goroutines at once and expects the
// answers of a single goroutine.
func TestParseConcurrent(t *testing.T) {
	p := MustDefaultParser(t)
	var texts []string
	for _, tc := range inDomain {
		texts = append(texts, tc.text)
	}
	texts = append(texts, outOfDomain...)
	want := make([]intent.Result, len(texts))
	for i, text := range texts {
		want[i] = p.Parse(text)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8*len(texts))
	for g := range 8 {
		wg.Go(func() {
			for i := range texts {
				j := (i + g*7) % len(texts)
				if got := p.Parse(texts[j]); !reflect.DeepEqual(got, want[j]) {
					errs <- fmt.Sprintf("Parse(%q) = %+v, want %+v", texts[j], got, want[j])
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

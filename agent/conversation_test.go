package agent_test

// The conversation as people hold it: bare answers, carts, general words,
// questions and clear refusals.

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/wallet"
)

// TestAnswers: bare answers and questions, typed, answer what the dialog
// just asked.
func TestAnswers(t *testing.T) {
	h, s := MustOpenActive(t)
	Run(t, h, s, []Step{
		{Say: "yes", State: agent.StateIdle, Reply: noneReply},
		{Say: "what's my order", State: agent.StateIdle, Code: wallet.ENOORDER, Reply: "You have no order open."},
		{Say: "just a latte", State: agent.StateDrafted,
			Reply: "A latte from Luckin Coffee, 18 yuan. Say confirm to place the order."},
		{Say: "actually three", State: agent.StateDrafted,
			Reply: "Changed to three lattes, 54 yuan. Say confirm to place the order."},
		{Say: "what's my order", State: agent.StateDrafted,
			Reply: "Your order: three lattes from Luckin Coffee, 54 yuan. Say confirm to place it."},
		{Say: "yes", State: agent.StateConfirmed, Held: 5400,
			Reply: "Order confirmed; 54 yuan is on hold. Say pay to authorize the payment."},
		{Say: "yeah", State: agent.StateConfirmed, Held: 5400,
			Reply: "Your order of 54 yuan is on hold. Say pay to authorize it, or cancel order."},
		{Say: "what's my order", State: agent.StateConfirmed, Held: 5400,
			Reply: "Your order: three lattes from Luckin Coffee, 54 yuan, on hold. Say pay to authorize it."},
		{Say: "no thanks", State: agent.StateIdle, Reply: "Order cancelled. Nothing was charged."},
		{Say: "no", State: agent.StateIdle, Reply: noneReply},
		{Say: "two cokes", State: agent.StateDrafted, Reply: "Two colas from KFC, 16 yuan. Say confirm to place the order."},
		{Say: "switch to fries", State: agent.StateDrafted, Reply: "Changed to two fries, 22 yuan. Say confirm to place the order."},
		{Say: "place the order", State: agent.StateConfirmed, Held: 2200},
		{Say: "pay", State: agent.StateIdle, Reply: "Paid 22 yuan to KFC. Your balance is 978 yuan."},
	})
}

// TestMenu answers questions about the catalog, with payments on or off.
func TestMenu(t *testing.T) {
	h, s := MustOpenSession(t)
	Run(t, h, s, []Step{
		{Say: "what's on the menu", State: agent.StateInactive,
			Reply: "You can buy from Luckin Coffee, KFC and Hema. Ask what one of them has to hear its menu, for example: what does Luckin Coffee have."},
		{Say: "what does KFC have", State: agent.StateInactive,
			Reply: "KFC has zinger burger (22.50 yuan), fries (11 yuan) and cola (8 yuan)."},
		{Say: "how much is a latte", State: agent.StateInactive, Reply: "A latte is 18 yuan at Luckin Coffee."},
		{Say: "how much are the eggs", State: agent.StateInactive, Reply: "A box of eggs is 15.90 yuan at Hema."},
	})
}

// TestCart orders several things at once, adds to the cart, takes from it,
// changes one line, and pays exactly the cart's total.
func TestCart(t *testing.T) {
	h, s := MustOpenActive(t)
	Run(t, h, s, []Step{
		{Say: "a latte and a cappuccino, please", State: agent.StateDrafted,
			Reply: "A latte and a cappuccino from Luckin Coffee, 36 yuan. Say confirm to place the order."},
		{Say: "add two americanos", State: agent.StateDrafted,
			Reply: "Changed to a latte, a cappuccino and two americanos, 66 yuan. Say confirm to place the order."},
		{Say: "make the latte two", State: agent.StateDrafted,
			Reply: "Changed to two lattes, a cappuccino and two americanos, 84 yuan. Say confirm to place the order."},
		{Say: "remove one americano", State: agent.StateDrafted,
			Reply: "Changed to two lattes, a cappuccino and an americano, 69 yuan. Say confirm to place the order."},
		{Say: "no cappuccino", State: agent.StateDrafted,
			Reply: "Changed to two lattes and an americano, 51 yuan. Say confirm to place the order."},
		{Say: "one more", State: agent.StateDrafted, Code: wallet.EINVALID,
			Reply: "Which one: two lattes and an americano?"},
		{Say: "remove the fries", State: agent.StateDrafted, Code: wallet.EINVALID},
		{Say: "yes", State: agent.StateConfirmed, Held: 5100},
		{Say: "add a coconut latte", State: agent.StateDrafted,
			Reply: "Changed to two lattes, an americano and a coconut latte, 70 yuan. Say confirm to place the order."},
		{Say: "confirm the order", State: agent.StateConfirmed, Held: 7000},
		{Say: "pay", State: agent.StateIdle, Reply: "Paid 70 yuan to Luckin Coffee. Your balance is 930 yuan."},
		{Say: "a coke and a latte", State: agent.StateIdle, Code: wallet.EINVALID,
			Reply: "Those come from different shops: a cola from KFC, a latte from Luckin Coffee. Order from one shop at a time."},
		{Say: "one more", State: agent.StateIdle, Code: wallet.ENOORDER},
		{Say: "add fries", State: agent.StateDrafted, Reply: "Fries from KFC, 11 yuan. Say confirm to place the order."},
		{Say: "remove the fries", State: agent.StateIdle, Reply: "Order cancelled. Nothing was charged."},
	})
	if got, want := h.MustAccount(wallet.MerchantAccount("luckin_coffee")).Balance(), int64(7000); got != want {
		t.Errorf("Luckin Coffee has %d, want the cart's total %d", got, want)
	}
}

// TestGeneralWords: a general word asks which thing it means, and the bare
// answer orders it.
func TestGeneralWords(t *testing.T) {
	h, s := MustOpenActive(t)
	Run(t, h, s, []Step{
		{Say: "a coffee", State: agent.StateIdle, Reply: "Which coffee: latte, americano, cappuccino or coconut latte?"},
		{Say: "the americano", State: agent.StateDrafted,
			Reply: "An americano from Luckin Coffee, 15 yuan. Say confirm to place the order."},
		{Say: "cancel", State: agent.StateIdle},
		{Say: "a drink from kfc", State: agent.StateDrafted, Reply: "A cola from KFC, 8 yuan. Say confirm to place the order."},
		{Say: "cancel", State: agent.StateIdle},
		{Say: "I'd like a drink", State: agent.StateIdle,
			Reply: "Which drink: latte, americano, cappuccino, coconut latte or cola?"},
		// The answer keeps the quantity said with the general word.
		{Say: "two coffees from luckin coffee", State: agent.StateIdle,
			Reply: "Which coffee: latte, americano, cappuccino or coconut latte?"},
		{Say: "lattes", State: agent.StateDrafted,
			Reply: "Two lattes from Luckin Coffee, 36 yuan. Say confirm to place the order."},
		{Say: "cancel", State: agent.StateIdle},
		{Say: "three coffees", State: agent.StateIdle},
		{Say: "four cappuccinos", State: agent.StateDrafted,
			Reply: "Four cappuccinos from Luckin Coffee, 72 yuan. Say confirm to place the order."},
		{Say: "cancel", State: agent.StateIdle},
		// Only the next turn answers the question.
		{Say: "three coffees", State: agent.StateIdle},
		{Say: "what's my balance", State: agent.StateIdle},
		{Say: "the americano", State: agent.StateDrafted,
			Reply: "An americano from Luckin Coffee, 15 yuan. Say confirm to place the order."},
	})
}

// TestTipAnswer: a tip with no amount asks how much, and an amount said on
// its own answers it; said at any other time, it tips nothing.
func TestTipAnswer(t *testing.T) {
	h, s := MustOpenActive(t)
	Run(t, h, s, []Step{
		{Say: "tip the developer", State: agent.StateIdle,
			Reply: "How much would you like to tip the developer? Say an amount, for example: five yuan."},
		{Say: "five yuan", State: agent.StateDrafted, Reply: "A tip of 5 yuan to the developer. Say confirm to place it."},
		{Say: "yes", State: agent.StateConfirmed, Held: 500},
		{Say: "pay", State: agent.StateIdle, Reply: "Paid 5 yuan to the developer. Your balance is 995 yuan."},
		{Say: "tip the developer", State: agent.StateIdle},
		{Say: "what's my balance", State: agent.StateIdle},
		{Say: "five yuan", State: agent.StateIdle, Reply: "Sorry, that isn't something I can do. Say \"what can I say\" to hear the commands."},
	})
}

// TestTypedChanges: what people type about an order they have: with
// hesitations, doubling it, swapping one thing for another, naming what
// they confirm and what they pay, asking what there is of a kind.
func TestTypedChanges(t *testing.T) {
	h, s := MustOpenActive(t)
	Run(t, h, s, []Step{
		{Say: "what coffees do you have", State: agent.StateIdle, Typed: true,
			Reply: "Coffees: latte (18 yuan), americano (15 yuan), cappuccino (18 yuan) and coconut latte (19 yuan) at Luckin Coffee."},
		{Say: "uh, two lattes and um, a cappuccino", State: agent.StateDrafted, Typed: true,
			Reply: "Two lattes and a cappuccino from Luckin Coffee, 54 yuan. Say confirm to place the order."},
		{Say: "double it", State: agent.StateDrafted, Typed: true,
			Reply: "Changed to four lattes and two cappuccinos, 108 yuan. Say confirm to place the order."},
		{Say: "swap the cappuccinos for americanos", State: agent.StateDrafted, Typed: true,
			Reply: "Changed to four lattes and two americanos, 102 yuan. Say confirm to place the order."},
		{Say: "swap the fries for a cola", State: agent.StateDrafted, Typed: true, Code: wallet.EINVALID,
			Reply: "Your order has no fries: it is four lattes and two americanos."},
		{Say: "just one latte", State: agent.StateDrafted, Typed: true,
			Reply: "Changed to a latte and two americanos, 48 yuan. Say confirm to place the order."},
		{Say: "swap the americanos for a cappuccino", State: agent.StateDrafted, Typed: true,
			Reply: "Changed to a latte and a cappuccino, 36 yuan. Say confirm to place the order."},
		{Say: "confirm two lattes", State: agent.StateDrafted, Typed: true, Code: wallet.EINVALID,
			Reply: "Your order is a latte and a cappuccino from Luckin Coffee, 36 yuan. Say confirm to place it as it is, or change it first."},
		{Say: "um, yes, confirm", State: agent.StateConfirmed, Typed: true, Held: 3600},
		{Say: "pay for the lattes", State: agent.StateConfirmed, Typed: true, Held: 3600, Code: wallet.EINVALID,
			Reply: "Your order is a latte and a cappuccino from Luckin Coffee, 36 yuan. Say pay to authorize it as it is, or cancel order."},
		{Say: "pay the 50 yuan", State: agent.StateConfirmed, Typed: true, Held: 3600, Code: wallet.EINVALID,
			Reply: "Your order is 36 yuan, not 50 yuan. Say pay to authorize 36 yuan."},
		{Say: "um pay", State: agent.StateConfirmed, Held: 3600, Reply: noneReply},
		{Say: "um, pay the 36 yuan", State: agent.StateIdle, Typed: true,
			Reply: "Paid 36 yuan to Luckin Coffee. Your balance is 964 yuan."},
		{Say: "just a cola", State: agent.StateDrafted, Typed: true,
			Reply: "A cola from KFC, 8 yuan. Say confirm to place the order."},
		{Say: "confirm a cola from kfc", State: agent.StateConfirmed, Typed: true, Held: 800},
		{Say: "cancel", State: agent.StateIdle},
		{Say: "buy the developer a coffee", State: agent.StateIdle, Typed: true,
			Reply: "How much would you like to tip the developer? Say an amount, for example: five yuan."},
		{Say: "tip the developer ten bucks", State: agent.StateDrafted, Typed: true,
			Reply: "A tip of 10 yuan to the developer. Say confirm to place it."},
	})
}

// TestPartialSwap swaps some of a line, or all of it, for another thing.
func TestPartialSwap(t *testing.T) {
	h, s := MustOpenActive(t)
	Run(t, h, s, []Step{
		{Say: "three lattes and a cappuccino", State: agent.StateDrafted, Typed: true},
		{Say: "swap one latte for an americano", State: agent.StateDrafted, Typed: true,
			Reply: "Changed to two lattes, a cappuccino and an americano, 69 yuan. Say confirm to place the order."},
		{Say: "replace one of the lattes with a cappuccino", State: agent.StateDrafted, Typed: true,
			Reply: "Changed to a latte, two cappuccinos and an americano, 69 yuan. Say confirm to place the order."},
		{Say: "swap the cappuccinos for coconut lattes", State: agent.StateDrafted, Typed: true,
			Reply: "Changed to a latte, two coconut lattes and an americano, 71 yuan. Say confirm to place the order."},
		{Say: "double the americanos", State: agent.StateDrafted, Typed: true,
			Reply: "Changed to a latte, two coconut lattes and two americanos, 86 yuan. Say confirm to place the order."},
		{Say: "double the cappuccinos", State: agent.StateDrafted, Typed: true, Code: wallet.EINVALID,
			Reply: "Your order has no cappuccinos: it is a latte, two coconut lattes and two americanos."},
		{Say: "cancel the order", State: agent.StateIdle, Typed: true},
		{Say: "two lattes", State: agent.StateDrafted, Typed: true},
		{Say: "make one of them a cappuccino", State: agent.StateDrafted, Typed: true,
			Reply: "Changed to a latte and a cappuccino, 36 yuan. Say confirm to place the order."},
	})
}

// TestOrderOverDraft: a new order said over a draft asks whether to add it
// or replace the draft, and does what the answer says; nothing else is
// dropped silently.
func TestOrderOverDraft(t *testing.T) {
	h, s := MustOpenActive(t)
	Run(t, h, s, []Step{
		{Say: "buy two lattes", State: agent.StateDrafted},
		{Say: "two americanos", State: agent.StateDrafted,
			Reply: "You already have two lattes drafted. Add two americanos to it, or replace it? Say add them, or replace it."},
		{Say: "add them", State: agent.StateDrafted,
			Reply: "Changed to two lattes and two americanos, 66 yuan. Say confirm to place the order."},
		{Say: "a cola from kfc", State: agent.StateDrafted,
			Reply: "You already have two lattes and two americanos from Luckin Coffee drafted. Replace it with a cola from KFC? Say replace it, or cancel order."},
		{Say: "replace it", State: agent.StateDrafted, Reply: "A cola from KFC, 8 yuan. Say confirm to place the order."},
		{Say: "buy fries", State: agent.StateDrafted},
		{Say: "what's my order", State: agent.StateDrafted,
			Reply: "Your order: a cola from KFC, 8 yuan. Say confirm to place it."},
		{Say: "replace it", State: agent.StateDrafted, Reply: noneReply},
		{Say: "confirm the order", State: agent.StateConfirmed, Held: 800},
		{Say: "pay", State: agent.StateIdle, Reply: "Paid 8 yuan to KFC. Your balance is 992 yuan."},
	})
	// Every order but the paid one ended: the ones asked about and dropped
	// hold nothing and are not left open.
	for _, o := range h.MustOrders() {
		if o.State.Open() {
			t.Errorf("order %d (%s) is still %s", o.ID, h.MustOrders()[0].PayeeName, o.State)
		}
	}
}

// TestNotSold: an order of something the catalog lacks, or from a shop it
// does not know, says what there is instead, and leaves the draft alone.
func TestNotSold(t *testing.T) {
	h, s := MustOpenActive(t)
	Run(t, h, s, []Step{
		{Say: "buy a mocha", State: agent.StateIdle, Code: wallet.ENOTFOUND,
			Reply: "I don't have mochas. You can buy from Luckin Coffee, KFC and Hema; ask what's on the menu."},
		{Say: "buy a mocha from luckin", State: agent.StateIdle, Code: wallet.ENOTFOUND,
			Reply: "I don't sell mochas at Luckin Coffee. They have latte, americano, cappuccino and coconut latte."},
		{Say: "buy two lattes", State: agent.StateDrafted},
		{Say: "buy a latte from starbucks", State: agent.StateDrafted, Code: wallet.ENOTFOUND,
			Reply: "I don't know Starbucks. You can buy from Luckin Coffee, KFC and Hema."},
		{Say: "add a mocha", State: agent.StateDrafted, Code: wallet.ENOTFOUND,
			Reply: "I don't sell mochas at Luckin Coffee. They have latte, americano, cappuccino and coconut latte."},
		{Say: "and two mochas too", State: agent.StateDrafted, Code: wallet.ENOTFOUND},
		{Say: "what's my order", State: agent.StateDrafted,
			Reply: "Your order: two lattes from Luckin Coffee, 36 yuan. Say confirm to place it."},
	})
}

// TestTooMany: a quantity past the wallet's bound is refused, saying the
// bound, and the draft stays as it was.
func TestTooMany(t *testing.T) {
	h, s := MustOpenActive(t)
	const tooMany = "That's more than I can take: up to 99 of one item."
	Run(t, h, s, []Step{
		{Say: "buy nine hundred lattes", State: agent.StateIdle, Code: wallet.EINVALID, Reply: tooMany},
		{Say: "buy two hundred lattes", State: agent.StateIdle, Code: wallet.EINVALID, Reply: tooMany},
		{Say: "buy 150 colas from kfc", State: agent.StateIdle, Code: wallet.EINVALID, Reply: tooMany},
		{Say: "buy a dozen eggs", State: agent.StateDrafted,
			Reply: "Twelve boxes of eggs from Hema, 190.80 yuan. Say confirm to place the order."},
		{Say: "make it a hundred", State: agent.StateDrafted, Code: wallet.EINVALID, Reply: tooMany},
		{Say: "what's my order", State: agent.StateDrafted,
			Reply: "Your order: twelve boxes of eggs from Hema, 190.80 yuan. Say confirm to place it."},
	})
}

// TestFreezeInactive: freezing the wallet is the emergency brake, and works
// from a device whose payments are off too, as the recognizer listens for
// it there.
func TestFreezeInactive(t *testing.T) {
	h, s := MustOpenSession(t)
	if !slices.Contains(agent.Accepts(agent.StateInactive), intent.WalletFreeze) {
		t.Fatalf("inactive does not listen for %s", intent.WalletFreeze)
	}
	Run(t, h, s, []Step{
		{Say: "freeze my wallet", State: agent.StateInactive,
			Reply: "Your wallet is frozen: no payment can leave it until you say unfreeze my wallet and your PIN, or run voicepay wallet unfreeze."},
		{Say: "what's my balance", State: agent.StateInactive, Code: wallet.ENOTACTIVE},
	})
	if a := h.MustAccount(wallet.UserAccount); !a.Frozen {
		t.Errorf("the wallet is not frozen")
	}
}

// TestDisableSaysWhatItCancels: turning payments off with an order open
// says that the order is cancelled and what is released.
func TestDisableSaysWhatItCancels(t *testing.T) {
	h, s := MustOpenActive(t)
	Run(t, h, s, []Step{
		{Say: "buy a zinger burger", State: agent.StateDrafted},
		{Say: "confirm the order", State: agent.StateConfirmed, Held: 2250},
		{Say: "disable alipay payment function", State: agent.StateInactive,
			Reply: "Payments are off, and your confirmed order from KFC is cancelled; 22.50 yuan is released."},
	})
}

// TestSwap trades one thing of a cart for another, in the words people use
// for it; the new thing keeps the old one's quantity unless it says one.
func TestSwap(t *testing.T) {
	h, s := MustOpenActive(t)
	Run(t, h, s, []Step{
		{Say: "replace the latte with an americano", State: agent.StateIdle, Code: wallet.ENOORDER,
			Reply: "There is no order to change. Tell me what you'd like to buy."},
		{Say: "a latte, two americanos and a cappuccino", State: agent.StateDrafted},
		{Say: "replace the cappuccino with a coconut latte", State: agent.StateDrafted,
			Reply: "Changed to a latte, two americanos and a coconut latte, 67 yuan. Say confirm to place the order."},
		{Say: "swap the americanos for cappuccinos", State: agent.StateDrafted,
			Reply: "Changed to a latte, two cappuccinos and a coconut latte, 73 yuan. Say confirm to place the order."},
		{Say: "change the latte to three americanos, please", State: agent.StateDrafted,
			Reply: "Changed to three americanos, two cappuccinos and a coconut latte, 100 yuan. Say confirm to place the order."},
		{Say: "a latte instead of the coconut latte", State: agent.StateDrafted,
			Reply: "Changed to three americanos, two cappuccinos and a latte, 99 yuan. Say confirm to place the order."},
		{Say: "instead of the latte, an americano", State: agent.StateDrafted,
			Reply: "Changed to four americanos and two cappuccinos, 96 yuan. Say confirm to place the order."},
		{Say: "replace the fries with a cola", State: agent.StateDrafted, Code: wallet.EINVALID,
			Reply: "Your order has no fries: it is four americanos and two cappuccinos."},
		{Say: "replace the latte with fries", State: agent.StateDrafted, Code: wallet.EINVALID},
		{Say: "replace the americanos with fries", State: agent.StateDrafted, Code: wallet.ENOTFOUND},
		{Say: "swap it for a latte", State: agent.StateDrafted, Code: wallet.EINVALID,
			Reply: "Your order is four americanos and two cappuccinos. Say which to replace, for example: replace the cappuccino with a latte; or say add a latte."},
		{Say: "what's my order", State: agent.StateDrafted,
			Reply: "Your order: four americanos and two cappuccinos from Luckin Coffee, 96 yuan. Say confirm to place it."},
		{Say: "replace the cappuccinos with a latte", State: agent.StateDrafted,
			Reply: "Changed to four americanos and a latte, 78 yuan. Say confirm to place the order."},
		{Say: "confirm the order", State: agent.StateConfirmed, Held: 7800},
		{Say: "pay", State: agent.StateIdle, Reply: "Paid 78 yuan to Luckin Coffee. Your balance is 922 yuan."},
	})
}

// TestExpiryTold: whatever the turn after an order ran out of time says,
// it says first that the order expired, once.
func TestExpiryTold(t *testing.T) {
	const expired = "Your order from Luckin Coffee expired; nothing was charged."
	for _, st := range []Step{
		{Say: "make it three", State: agent.StateIdle, Code: wallet.EEXPIRED, Reply: expired},
		{Say: "yes", State: agent.StateIdle, Code: wallet.EEXPIRED, Reply: expired},
		{Say: "no", State: agent.StateIdle, Code: wallet.EEXPIRED, Reply: expired},
		{Say: "what's my balance", State: agent.StateIdle, Reply: expired + " Your balance is 1000 yuan."},
		{Say: "buy a cola", State: agent.StateDrafted,
			Reply: expired + " A cola from KFC, 8 yuan. Say confirm to place the order."},
		{Say: "buy a mocha", State: agent.StateIdle, Code: wallet.ENOTFOUND,
			Reply: expired + " I don't have mochas. You can buy from Luckin Coffee, KFC and Hema; ask what's on the menu."},
	} {
		h, s := MustOpenActive(t)
		Run(t, h, s, []Step{{Say: "buy two lattes", State: agent.StateDrafted}})
		h.Clock.Advance(10 * time.Minute)
		turn := s.Say(context.Background(), agent.Input{Text: st.Say, Channel: "voice"})
		CheckTurn(t, 0, st, turn)
		if got := Types(turn); !strings.Contains(got, "order.updated") {
			t.Errorf("%q: events %q, want the order updated as expired", st.Say, got)
		}
		Run(t, h, s, []Step{{Say: "what's my balance", State: st.State, Reply: "Your balance is 1000 yuan."}})
	}
}

package agent_test

import (
	"context"
	"testing"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/wallet"
)

// pay2 pays two orders: 36 yuan to Luckin Coffee, then 15.90 to Hema.
var pay2 = []Step{
	{Say: "buy two lattes from luckin coffee", State: agent.StateDrafted},
	{Say: "confirm the order", State: agent.StateConfirmed, Held: 3600},
	{Say: "pay", State: agent.StateIdle},
	{Say: "buy a box of eggs", State: agent.StateDrafted},
	{Say: "confirm the order", State: agent.StateConfirmed, Held: 1590},
	{Say: "pay", State: agent.StateIdle},
}

const whichPayment = "Which payment? The last ones: 15.90 yuan to Hema today, 36 yuan to Luckin Coffee today; " +
	"say the shop or the amount."

// TestClaimDialog reports a payment in the dialog: voicepay lists the
// latest, the person names one by shop or amount and says yes, and the
// claim is filed and waits for review. A no files nothing; a payment
// already claimed is said to be.
func TestClaimDialog(t *testing.T) {
	h, s := MustOpenActive(t)
	Run(t, h, s, pay2)
	Run(t, h, s, []Step{
		{Say: "report an unauthorized payment", State: agent.StateIdle, Reply: whichPayment},
		{Say: "the one for thirty six yuan", State: agent.StateIdle, Typed: true,
			Reply: "File a claim for 36 yuan to Luckin Coffee today? Say yes to file."},
		{Say: "no", State: agent.StateIdle, Typed: true, Reply: "Okay, no claim is filed."},
		{Say: "I didn't make that payment", State: agent.StateIdle, Reply: whichPayment},
		{Say: "starbucks", State: agent.StateIdle, Typed: true,
			Reply: "I didn't find that payment. The last ones: 15.90 yuan to Hema today, 36 yuan to Luckin Coffee today; " +
				"say the shop or the amount."},
		{Say: "i need to pay the electric bill tomorrow", State: agent.StateIdle, Typed: true, Reply: noneReply},
		{Say: "I didn't make that payment", State: agent.StateIdle, Reply: whichPayment},
		{Say: "the one at luckin coffee this morning", State: agent.StateIdle, Typed: true,
			Reply: "File a claim for 36 yuan to Luckin Coffee today? Say yes to file."},
		{Say: "no", State: agent.StateIdle, Typed: true, Reply: "Okay, no claim is filed."},
		{Say: "I didn't make that payment", State: agent.StateIdle, Reply: whichPayment},
		{Say: "luckin coffee", State: agent.StateIdle, Typed: true,
			Reply: "File a claim for 36 yuan to Luckin Coffee today? Say yes to file."},
	})
	if !s.Grammar().Accepts("yes") {
		t.Error("the dialog asked for a yes, but speech does not listen for one")
	}
	Run(t, h, s, []Step{
		{Say: "yes", State: agent.StateIdle,
			Reply: "Claim 1 is filed for 36 yuan. It waits for review; you can freeze your wallet meanwhile."},
		{Say: "yes", State: agent.StateIdle, Typed: true, Reply: noneReply}, // asked nothing
		{Say: "report fraud", State: agent.StateIdle, Reply: whichPayment},
		{Say: "the second one", State: agent.StateIdle, Typed: true, Reply: "That payment already has claim 1."},
	})
	cs, err := h.DB.Claims(context.Background())
	if err != nil || len(cs) != 1 || cs[0].State != wallet.ClaimReview || cs[0].Amount != 3600 || cs[0].Device != "glasses" {
		t.Fatalf("claims %+v, %v", cs, err)
	}
	if got, want := h.Balance(), int64(Opening-3600-1590); got != want {
		t.Errorf("balance %d, want %d: nothing paid back before review", got, want)
	}
	if _, err := h.DB.ApproveClaim(context.Background(), cs[0].ID, "", "cli"); err != nil {
		t.Fatal(err)
	}
	if got, want := h.Balance(), int64(Opening-1590); got != want {
		t.Errorf("balance %d after approval, want %d", got, want)
	}
}

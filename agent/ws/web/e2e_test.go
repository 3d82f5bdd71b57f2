package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/voicepay/voicepay/agent/internal/agenttest"
)

// TestCompanionEndToEnd is the whole path a person takes, over TLS as on a
// phone: the page pairs with a pairing code, registers a passkey (on a
// virtual authenticator), hears "enable alipay payment function" from the
// microphone, and the passkey approves enabling payments. The order, its
// confirmation and "pay" are typed: Chromium's fake microphone plays one
// file per launch, over and over, so one spoken step is what it can do
// reliably. Risk control is set to question anything above 10 yuan, so the
// passkey approves the payment too. The order card reaches paid, and the
// wallet moves by exactly the order's total.
func TestCompanionEndToEnd(t *testing.T) {
	needChromium(t)
	limits := agenttest.Limits()
	limits.StepUpAbove = 1000
	d, flags := mustOpenTLSDaemon(t, true, agenttest.WithLimits(limits))
	const said = "enable alipay payment function"
	b := mustBrowser(t, mustSpeechWAV(t, said), flags...)
	mustPaired(t, d, b)

	// Hands-free listening; the first play of the file may be cut at its
	// start, before the page's audio graph runs, so wait for the whole
	// sentence and its reply, then stop listening before the file plays again.
	b.do(chromedp.Click(chromedp.ID("mic")))
	reply := b.wait(fmt.Sprintf(`(() => { const e = [...document.querySelectorAll("#log .entry")];
		const i = e.findIndex(x => x.classList.contains("you") && x.textContent === %q);
		const r = i >= 0 && e.slice(i + 1).find(x => x.classList.contains("reply"));
		return r && r.textContent })()`, said), 40*time.Second)
	b.do(chromedp.Click(chromedp.ID("mic")))
	if reply != "To enable payments, verify on your phone, or say your PIN." {
		t.Errorf("reply %q to %q\n%s", reply, said, b.log())
	}
	if got := b.verifyPrompt("activation"); got != "Verify: turn on payments on glasses?" {
		t.Errorf("the prompt asks %q", got)
	}
	if got := b.verified(); got != "verified: Verified." {
		t.Fatalf("verifying the activation: %q\n%s", got, b.log())
	}
	b.wait(`document.getElementById("dialog-state").textContent === "Ready"`, 5*time.Second)
	d.mustActive(t, true)

	for _, step := range []struct{ text, state string }{
		{"buy a latte from luckin coffee", "drafted"},
		{"confirm the order", "confirmed"},
	} {
		reply := b.say(step.text)
		if got := b.wait(`document.getElementById("order").dataset.state`, 5*time.Second); got != step.state {
			t.Fatalf("after %q (reply %q): order card %q, want %q", step.text, reply, got, step.state)
		}
	}
	if reply := b.say("pay"); !strings.Contains(reply, "verify on your phone") {
		t.Fatalf("paying: reply %q, want a step-up", reply)
	}
	if got := b.verifyPrompt("payment"); got != "Verify: pay 18 yuan to Luckin Coffee?" {
		t.Errorf("the prompt asks %q", got)
	}
	b.screenshots("companion-verify")
	if got := b.verified(); got != "verified: Verified." {
		t.Fatalf("verifying the payment: %q\n%s", got, b.log())
	}
	b.wait(`document.getElementById("order").dataset.state === "paid"`, 5*time.Second)

	orders := d.MustOrders()
	if len(orders) != 1 || orders[0].State != "paid" {
		t.Fatalf("orders %+v, want one paid", orders)
	}
	total := orders[0].Total
	if got := b.eval(`document.getElementById("order").dataset.total`); got != fmt.Sprint(total) {
		t.Errorf("order card total %s, want %d", got, total)
	}
	if got, want := d.Balance(), int64(opening)-total; got != want || total <= 0 {
		t.Errorf("balance %d, want %d (the opening %d less the total %d)", got, want, opening, total)
	}
	b.wait(fmt.Sprintf(`document.getElementById("balance").dataset.balance === "%d"`, d.Balance()), 5*time.Second)
	b.wait(`document.getElementById("verify").hidden`, 5*time.Second)
	log := b.log()
	for _, want := range []string{"entry you: " + said, "entry reply: Payments", "entry you: buy a latte from luckin coffee",
		"entry reply: Order confirmed; 18 yuan is on hold. Risk control will ask for a check on your phone.",
		"entry reply: Paid 18 yuan to Luckin Coffee"} {
		if !strings.Contains(log, want) {
			t.Errorf("the conversation lacks %q:\n%s", want, log)
		}
	}
	b.screenshots("companion-e2e-paid")
}

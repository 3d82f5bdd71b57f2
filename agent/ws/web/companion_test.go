package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/gorilla/websocket"
	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/wallet"
)

// TestCompanionText holds a whole dialog through the page's text box:
// enabling payments with the PIN, ordering, confirming and paying. The
// order card moves from drafted to paid, and the wallet moves by exactly
// the order's total, which the page shows.
func TestCompanionText(t *testing.T) {
	d := mustOpenDaemon(t, false)
	b := mustBrowser(t, "")
	pairPage(b, d)

	if reply := b.say("enable alipay payment function"); !strings.Contains(reply, "PIN") {
		t.Fatalf("enabling: reply %q, want it to ask for the PIN", reply)
	}
	b.say("2468")
	for _, step := range []struct{ text, state string }{
		{"buy a latte from luckin coffee", "drafted"},
		{"confirm the order", "confirmed"},
		{"pay", "paid"},
	} {
		reply := b.say(step.text)
		got := b.wait(`document.getElementById("order").dataset.state`, 5*time.Second)
		if got != step.state {
			t.Fatalf("after %q (reply %q): order card %q, want %q", step.text, reply, got, step.state)
		}
		if step.state == "paid" && !strings.HasPrefix(reply, "Paid") {
			t.Errorf("paying: reply %q", reply)
		}
	}
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
	// The page reads the balance again after the payment.
	b.wait(fmt.Sprintf(`document.getElementById("balance").dataset.balance === "%d"`, d.Balance()), 5*time.Second)
	log := b.log()
	for _, want := range []string{"entry you: buy a latte from luckin coffee", "entry reply: Paid", "entry you: PIN ••••"} {
		if !strings.Contains(log, want) {
			t.Errorf("the conversation lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "2468") {
		t.Errorf("the page shows the PIN:\n%s", log)
	}
	if got := b.eval(`document.querySelectorAll("#payments li .amt").length`); got != "2" {
		t.Errorf("recent payments: %s entries, want the top-up and the latte\n", got)
	}
	if got := b.eval(`document.querySelectorAll("#chart rect.bar.today").length`); got != "1" {
		t.Errorf("the chart has %s bars for today, want 1", got)
	}
	b.screenshots("companion-paid")
}

// TestCompanionForget: forgetting the device drops its token and returns
// to pairing, where the person types a new pairing code to pair the page
// again, as their phone.
func TestCompanionForget(t *testing.T) {
	d := mustOpenDaemon(t, false)
	b := mustBrowser(t, "")
	pairPage(b, d)
	b.do(chromedp.Click(chromedp.ID("forget")))
	b.wait(`!document.getElementById("pairing").hidden && document.getElementById("app").hidden`, 5*time.Second)
	if got := b.eval(`localStorage.getItem("voicepay.token") === null && document.body.dataset.paired`); got != "false" {
		t.Errorf("after forgetting: %s, want no token and not paired", got)
	}
	b.do(chromedp.Reload())
	b.wait(`document.body.dataset.paired === "false" && !document.getElementById("pairing").hidden`, 5*time.Second)
	b.screenshots("companion-pairing")

	b.do(chromedp.SetValue(chromedp.ID("pair-code"), "WRONG-CODE"), chromedp.Click(chromedp.ID("pair-button")))
	if msg := b.wait(`document.getElementById("pair-error").textContent`, 5*time.Second); !strings.Contains(strings.ToLower(msg), "code") {
		t.Errorf("a wrong code: %q, want it to say so", msg)
	}
	code := d.mustPairingCode(t, "phone")
	b.do(chromedp.SetValue(chromedp.ID("pair-code"), strings.ToLower(code)), chromedp.Click(chromedp.ID("pair-button")))
	b.waitPaired(d, "phone")
	if _, err := d.DB.Device(context.Background(), "phone"); err != nil {
		t.Errorf("the phone is not paired: %v", err)
	}
}

// TestCompanionAgents: what agents propose shows with the agent's name and
// its memo quoted as text, never as markup; an approved subscription shows
// what is left of its cap, and the page's Cancel button revokes it.
func TestCompanionAgents(t *testing.T) {
	d := mustOpenDaemon(t, false)
	d.MustPair("claude", wallet.ScopeAgent)
	b := mustBrowser(t, "")
	pairPage(b, d)
	b.say("enable alipay payment function")
	b.say("2468")
	ctx := context.Background()
	memo := `<img src=x id=injected> pay now`
	if _, err := d.ProposeOrder(ctx, "claude", "k1", agent.OrderProposal{Merchant: "luckin_coffee",
		Items: []agent.ProposedItem{{Item: "latte", Quantity: 2}}, Memo: memo}); err != nil {
		t.Fatal(err)
	}
	got := b.wait(`(() => { const q = document.querySelector("#proposals .quote"); return q && q.textContent })()`, 5*time.Second)
	if got != memo {
		t.Errorf("the memo shows as %q, want %q", got, memo)
	}
	if n := b.eval(`document.querySelectorAll("#injected").length`); n != "0" {
		t.Errorf("the memo became markup: %s elements", n)
	}
	if who := b.eval(`document.querySelector("#proposals .agent-name").textContent`); who != "claude" {
		t.Errorf("agent %q, want claude", who)
	}
	b.say("cancel order")
	b.wait(`document.getElementById("proposals-card").hidden && document.getElementById("order").dataset.state === "cancelled"`, 5*time.Second)

	sub := agent.SubscriptionProposal{Payee: "acme_cloud", Note: "GPU time", Unit: "use", UnitPrice: 50, Cap: 300, Period: 24 * time.Hour}
	m, err := d.ProposeSubscription(ctx, "claude", "k2", sub)
	if err != nil {
		t.Fatal(err)
	}
	b.wait(`document.querySelector("#mandates li[data-state=proposed]")`, 5*time.Second)
	b.say("approve the subscription")
	if _, _, err := d.RecordUsage(ctx, "claude", "u1", m.ID, 2); err != nil {
		t.Fatal(err)
	}
	left := b.wait(`(() => { const li = document.querySelector("#mandates li[data-state=active]");
		return li && li.textContent.includes("2.00 left of") && li.textContent })()`, 5*time.Second)
	if !strings.Contains(left, "2.00 left of") || !strings.Contains(left, "3.00 a day") {
		t.Errorf("the subscription shows %q, want 2 yuan left of 3 a day", left)
	}
	b.screenshots("companion-agents")
	b.do(chromedp.Click(chromedp.CSS("#mandates li[data-state=active] button")))
	b.wait(`document.querySelectorAll("#mandates li").length === 0`, 5*time.Second)
	if got, err := d.DB.Mandate(ctx, m.ID); err != nil || got.State != wallet.MandateRevoked {
		t.Errorf("after Cancel: %+v, %v; want revoked", got, err)
	}
}

// TestCompanionMicrophone: a spoken command from the microphone, here
// Chromium's fake capture device playing a WAV in a loop, goes through the page's
// AudioWorklet to the daemon, which hears it; its transcript and the reply
// appear on the page.
func TestCompanionMicrophone(t *testing.T) {
	needChromium(t)
	d := mustOpenDaemon(t, true)
	b := mustBrowser(t, mustSpeechWAV(t, "enable alipay payment function"))
	pairPage(b, d)
	b.do(chromedp.Click(chromedp.ID("mic")))
	// The fake microphone plays the file over and over from the moment the
	// page opens it; the first time may be cut at its start, before the
	// page's audio graph runs.
	const said = "enable alipay payment function"
	reply := b.wait(fmt.Sprintf(`(() => { const e = [...document.querySelectorAll("#log .entry")];
		const i = e.findIndex(x => x.classList.contains("you") && x.textContent === %q);
		const r = i >= 0 && e.slice(i + 1).find(x => x.classList.contains("reply"));
		return r && r.textContent })()`, said), 40*time.Second)
	if !strings.Contains(reply, "PIN") {
		t.Errorf("reply %q to %q, want it to ask for the PIN\n%s", reply, said, b.log())
	}
	if got := b.eval(`document.getElementById("mic").getAttribute("aria-pressed")`); got != "true" {
		t.Errorf("the microphone button is not pressed: %s", got)
	}
	b.screenshots("companion-microphone")
}

// TestCompanionPushToTalk: in push-to-talk mode the page sends audio.start
// when the button is pressed, the microphone's frames while it is held, and
// audio.stop when it is released.
func TestCompanionPushToTalk(t *testing.T) {
	needChromium(t)
	d := mustOpenDaemon(t, true)
	b := mustBrowser(t, mustSpeechWAV(t, "enable alipay payment function"))
	pairPage(b, d)
	b.do(chromedp.Click(chromedp.ID("mode-ptt")))
	if got := b.eval(`document.getElementById("mic-label").textContent`); got != "Hold to talk" {
		t.Errorf("push-to-talk button says %q", got)
	}
	x, y := b.center("mic")
	b.do(chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	if got := b.wait(`document.getElementById("mic").getAttribute("aria-pressed") === "true" && "pressed"`, 5*time.Second); got != "pressed" {
		t.Fatalf("the button is not held: %s", got)
	}
	b.wait(`[...document.querySelectorAll("#log .entry.you")].some(e => e.textContent === "enable alipay payment function")`, 40*time.Second)
	b.do(chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	b.wait(`document.getElementById("mic").getAttribute("aria-pressed") === "false"`, 5*time.Second)
	if got := b.eval(`document.getElementById("mic-label").textContent`); got != "Hold to talk" {
		t.Errorf("released, the button says %q", got)
	}
}

// TestCompanionOtherDevice: an order placed on another connection of the
// same device (the glasses themselves, with the page as their phone
// companion) shows on the page's order card.
func TestCompanionOtherDevice(t *testing.T) {
	d := mustOpenDaemon(t, false)
	b := mustBrowser(t, "")
	pairPage(b, d)

	glasses, _, err := websocket.DefaultDialer.Dial("ws://"+d.Server.Addr+"/v1/stream",
		http.Header{"Authorization": {"Bearer " + d.Token}})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer glasses.Close()
	turn := func(id, text string) {
		t.Helper()
		if err := glasses.WriteJSON(map[string]string{"type": "text.input", "id": id, "text": text}); err != nil {
			t.Fatal(err)
		}
		for {
			glasses.SetReadDeadline(time.Now().Add(10 * time.Second))
			var ev struct{ Type, ReplyTo string }
			_, data, err := glasses.ReadMessage()
			if err != nil {
				t.Fatalf("turn %s: %v", id, err)
			}
			if json.Unmarshal(data, &ev) == nil && ev.Type == "reply" {
				return
			}
		}
	}
	turn("g1", "enable alipay payment function")
	turn("g2", "2468")
	turn("g3", "buy a latte from luckin coffee")
	orders := d.MustOrders()
	if len(orders) != 1 {
		t.Fatalf("orders %+v, want one", orders)
	}
	b.wait(fmt.Sprintf(`document.getElementById("order").dataset.id === "%d" &&
		document.getElementById("order").dataset.state === "drafted"`, orders[0].ID), 5*time.Second)
}

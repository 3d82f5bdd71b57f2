package ws_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/internal/agenttest"
	"github.com/voicepay/voicepay/agent/ws"
	"github.com/voicepay/voicepay/wallet"
)

// TestStreamReplaysTurns: a client whose connection dropped before a
// turn's reply reconnects and resends the text.input unchanged; it gets
// the events and the reply the turn had, marked "replayed", and the
// dialog does not run again. Another connection of the device, which saw
// the turn mirrored, gets nothing more.
func TestStreamReplaysTurns(t *testing.T) {
	d := MustOpenDaemon(t)
	c := d.MustDial(t, d.Token)
	c.Enable("e")
	turns := []struct{ id, text, state, types string }{
		{"order-1", "buy two lattes from luckin coffee", agent.StateDrafted, "intent order.updated reply"},
		{"confirm-1", "confirm the order", agent.StateConfirmed, "intent order.updated reply"},
		{"pay-1", "pay", agent.StateIdle, "intent payment.result reply"},
	}
	first := map[string][]Event{}
	for _, tn := range turns {
		first[tn.id] = c.Say(tn.id, tn.text, tn.state, "")
		if got := EventTypes(first[tn.id]); got != tn.types {
			t.Fatalf("turn %s: events %q, want %q", tn.id, got, tn.types)
		}
	}
	c.Close()
	paid := d.Balance()
	if want := int64(Opening - 3600); paid != want {
		t.Fatalf("balance %d after paying, want %d", paid, want)
	}

	c = d.MustDial(t, d.Token)
	phone := d.MustDial(t, d.Token)
	for _, tn := range turns {
		t.Run(tn.id, func(t *testing.T) {
			got := c.Turn(tn.id, tn.text)
			checkReplay(t, first[tn.id], got)
		})
	}
	if got := d.Balance(); got != paid {
		t.Errorf("balance %d after the resends, want %d: money moved again", got, paid)
	}
	if got := d.Held(); got != 0 {
		t.Errorf("held %d after the resends, want 0", got)
	}
	phone.Send(ws.ClientEvent{Type: "ping", ID: "p"})
	if ev := phone.Next(); ev.Type != "pong" {
		t.Errorf("the phone got %v, want no replay, only its pong", ev.Raw)
	}
	// The dialog went on from where the turns left it, not from a replay.
	c.Say("4", "pay", agent.StateIdle, wallet.ENOORDER)
}

// checkReplay compares a resent turn's events with the original's: the
// same events, each marked replayed and answering the same id.
func checkReplay(t *testing.T, want, got []Event) {
	t.Helper()
	if EventTypes(got) != EventTypes(want) {
		t.Fatalf("replayed %q, want %q", EventTypes(got), EventTypes(want))
	}
	for i := range got {
		if got[i].Raw["replayed"] != true {
			t.Errorf("event %v is not marked replayed", got[i].Raw)
		}
		g, w := withoutReplay(t, got[i]), withoutReplay(t, want[i])
		if g != w {
			t.Errorf("replayed event\n%s\nwant\n%s", g, w)
		}
	}
}

// withoutReplay is an event's JSON without the "replayed" mark.
func withoutReplay(t *testing.T, e Event) string {
	t.Helper()
	m := map[string]any{}
	for k, v := range e.Raw {
		if k != "replayed" {
			m[k] = v
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestStreamReplaysPaymentAfterFault: the payment is committed, but the
// turn fails before its answer is stored (a read of the balance fails, as
// a crash there would leave it). The resent "pay" still finds that it paid,
// and answers with the receipt, not "There is no order to pay."
func TestStreamReplaysPaymentAfterFault(t *testing.T) {
	var failAccount atomic.Bool
	d := MustOpenDaemonWith(t, func(h *agenttest.Hub) {
		h.DB.ReadFault = func(what string) error {
			if what == "account" && failAccount.Load() {
				return errors.New("disk unplugged")
			}
			return nil
		}
	})
	c := d.MustDial(t, d.Token)
	c.Enable("e")
	c.Say("1", "buy two lattes from luckin coffee", agent.StateDrafted, "")
	c.Say("2", "confirm the order", agent.StateConfirmed, "")
	failAccount.Store(true)
	c.Say("3", "pay", agent.StateIdle, wallet.EINTERNAL)
	failAccount.Store(false)
	if errs := d.Logs.TakeErrors(); len(errs) == 0 {
		t.Errorf("the failed turn logged nothing")
	}
	c.Close()
	paid := d.Balance()
	if want := int64(Opening - 3600); paid != want {
		t.Fatalf("balance %d, want %d: the payment was committed", paid, want)
	}

	c = d.MustDial(t, d.Token)
	evs := c.Say("3", "pay", agent.StateIdle, "")
	if got, want := EventTypes(evs), "intent payment.result reply"; got != want {
		t.Fatalf("resent pay: %q, want %q", got, want)
	}
	res := evs[1]
	if res.Status != "paid" || res.Order == nil || res.Order.Receipt == nil || res.Order.State != "paid" {
		t.Errorf("resent pay: %v, want the paid order with its receipt", res.Raw)
	}
	if got, want := evs[2].Text, "Paid 36 yuan to Luckin Coffee. Your balance is 964 yuan."; got != want {
		t.Errorf("resent pay: reply %q, want %q", got, want)
	}
	if got := d.Balance(); got != paid {
		t.Errorf("balance %d after the resend, want %d", got, paid)
	}
	// Now the answer is stored: a second resend replays it.
	checkReplay(t, evs, c.Turn("3", "pay"))
}

// TestClientResendsDroppedTurn: the connection of the CLI's client drops
// while its "pay" runs. The client reconnects and resends the turn with the
// same id, and hears that it paid; the money moved once.
func TestClientResendsDroppedTurn(t *testing.T) {
	var hold atomic.Bool
	reached, release := make(chan struct{}), make(chan struct{})
	d := MustOpenDaemonWith(t, func(h *agenttest.Hub) {
		h.DB.ReadFault = func(what string) error {
			if what == "account" && hold.CompareAndSwap(true, false) {
				close(reached) // the payment is committed; its balance is read next
				<-release
			}
			return nil
		}
	})
	p := mustProxy(t, d.Server.Addr)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := ws.NewClient("http://"+p.addr, d.Token)
	if err := c.Dial(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, say := range []string{"enable alipay payment function", "2468", "buy two lattes", "confirm the order"} {
		if _, err := c.Say(ctx, say); err != nil {
			t.Fatalf("say %q: %v", say, err)
		}
	}
	hold.Store(true)
	go func() {
		<-reached
		p.cut()
		close(release)
	}()
	evs, err := c.Say(ctx, "pay")
	if err != nil {
		t.Fatalf("say pay: %v", err)
	}
	last := evs[len(evs)-1]
	if want := "Paid 36 yuan to Luckin Coffee. Your balance is 964 yuan."; last.Text != want || !last.Replayed {
		t.Errorf("reply %+v, want %q replayed", last, want)
	}
	if got := d.Balance(); got != Opening-3600 {
		t.Errorf("balance %d, want %d", got, Opening-3600)
	}
}

// proxy forwards TCP connections to a daemon, and can cut them all.
type proxy struct {
	addr  string
	mu    sync.Mutex
	conns []net.Conn
}

func mustProxy(t *testing.T, to string) *proxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	p := &proxy{addr: l.Addr().String()}
	go func() {
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", to)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			go func() { io.Copy(out, in); out.Close() }()
			go func() { io.Copy(in, out); in.Close() }()
		}
	}()
	t.Cleanup(p.cut)
	return p
}

// cut closes every connection forwarded so far.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

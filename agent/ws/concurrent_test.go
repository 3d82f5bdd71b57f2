package ws_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/internal/agenttest"
	"github.com/voicepay/voicepay/agent/ws"
	"github.com/voicepay/voicepay/wallet"
)

// TestManyDevices has 20 devices each enable payments and pay for a whole
// order at the same time, over their own websockets, while other clients
// read and top up the wallet and send garbage. At the end every order is
// paid once, nothing is held, and the ledger adds up.
func TestManyDevices(t *testing.T) {
	l := agenttest.Limits()
	l.RepeatLimit, l.HourlyCount = 1000, 1000
	d := MustOpenDaemon(t, agenttest.WithLimits(l))
	const devices = 20
	items := []struct {
		say, payee string
		price      int64
	}{
		{"lattes", "luckin_coffee", 1800},
		{"colas", "kfc", 800},
		{"boxes of eggs", "hema", 1590},
	}
	tokens := make([]string, devices)
	var want int64
	wantPayee := map[string]int64{}
	for i := range devices {
		tokens[i] = d.MustPairUser(fmt.Sprintf("device-%02d", i))
		it := items[i%len(items)]
		qty := int64(i%4 + 1)
		want += qty * it.price
		wantPayee[wallet.MerchantAccount(it.payee)] += qty * it.price
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for i := range devices {
		wg.Go(func() {
			c := ws.NewClient(d.Base, tokens[i])
			if err := c.Dial(ctx); err != nil {
				errs <- fmt.Errorf("device %d: dial: %w", i, err)
				return
			}
			defer c.Close()
			it := items[i%len(items)]
			script := []struct{ say, state string }{
				{"enable alipay payment function", agent.StateInactive},
				{"two four six eight", agent.StateIdle},
				{fmt.Sprintf("buy %d %s", i%4+2, it.say), agent.StateDrafted},
				{fmt.Sprintf("make it %d", i%4+1), agent.StateDrafted},
				{"confirm the order", agent.StateConfirmed},
				{"what's my balance", agent.StateConfirmed},
				{"pay", agent.StateIdle},
				{"pay", agent.StateIdle}, // refused: nothing left to pay
			}
			for _, st := range script {
				evs, err := c.Say(ctx, st.say)
				if err != nil {
					errs <- fmt.Errorf("device %d %q: %w", i, st.say, err)
					return
				}
				if r := evs[len(evs)-1]; r.State != st.state {
					errs <- fmt.Errorf("device %d %q: state %s (%q), want %s", i, st.say, r.State, r.Text, st.state)
				}
			}
		})
	}

	// Beside the devices: a reader of the API, a client that tops up, and
	// one that sends garbage.
	var topped atomic.Int64
	stop := make(chan struct{})
	var side sync.WaitGroup
	side.Go(func() {
		c := ws.NewClient(d.Base, d.Token)
		for n := 0; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			var b ws.Balance
			if err := c.Get(ctx, "/v1/wallet/balance", &b); err != nil {
				errs <- fmt.Errorf("balance: %w", err)
				return
			}
			if b.Available < 0 || b.Held < 0 {
				errs <- fmt.Errorf("balance %+v", b)
			}
			var top struct{ Balance ws.Balance }
			if err := c.Post(ctx, "/v1/wallet/topup", ws.TopupRequest{Amount: 100, Key: fmt.Sprintf("side-%d", n)}, &top); err != nil {
				errs <- fmt.Errorf("top up: %w", err)
				return
			}
			topped.Add(100)
			time.Sleep(10 * time.Millisecond)
		}
	})
	garbage := d.MustDial(t, d.Token)
	side.Go(func() {
		for n := 0; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := garbage.WriteMessage(websocket.TextMessage, []byte(strings.Repeat("{", n%50))); err != nil {
				errs <- fmt.Errorf("send garbage: %w", err)
				return
			}
			var ev ws.ServerEvent
			garbage.SetReadDeadline(time.Now().Add(time.Minute))
			if err := garbage.ReadJSON(&ev); err != nil || ev.Type != agent.EventError {
				errs <- fmt.Errorf("garbage answered with %+v, %v", ev, err)
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
	wg.Wait()
	close(stop)
	side.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	if got, want := d.Balance(), Opening+topped.Load()-want; got != want {
		t.Errorf("user balance %d, want %d", got, want)
	}
	if got := d.Held(); got != 0 {
		t.Errorf("held %d, want 0", got)
	}
	for id, amount := range wantPayee {
		if got := d.MustAccount(id).Balance(); got != amount {
			t.Errorf("%s balance %d, want %d", id, got, amount)
		}
	}
	paid := map[string]bool{}
	for _, o := range d.MustOrders() {
		switch o.State {
		case wallet.Paid:
			if paid[o.Receipt.Device] {
				t.Errorf("device %s paid twice", o.Receipt.Device)
			}
			paid[o.Receipt.Device] = true
		case wallet.Cancelled:
		default:
			t.Errorf("order %d is %s, want paid or cancelled", o.ID, o.State)
		}
	}
	if len(paid) != devices {
		t.Errorf("%d devices paid, want %d", len(paid), devices)
	}
	r := d.MustDo(t, http.MethodGet, "/metrics", "", nil)
	if want := fmt.Sprintf(`voicepay_payments_total{status="paid"} %d`, devices); !strings.Contains(string(r.Body), want) {
		t.Errorf("metrics lack %s", want)
	}
}

package ws_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/ws"
	"github.com/voicepay/voicepay/wallet"
)

// TestClient drives the daemon through the client the CLI uses.
func TestClient(t *testing.T) {
	d := MustOpenDaemon(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := ws.NewClient(d.Base, d.Token)
	if err := c.Dial(ctx); err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	if c.Ready == nil || c.Ready.Device != "glasses" || c.Ready.State != agent.StateInactive {
		t.Errorf("ready %+v", c.Ready)
	}

	for _, tt := range []struct{ say, reply, state string }{
		{"enable alipay payment function", "To enable payments, say your PIN.", agent.StateInactive},
		{"2468", "Payments are enabled. What would you like to buy?", agent.StateIdle},
		{"buy two lattes", "Two lattes from Luckin Coffee, 36 yuan. Say confirm to place the order.", agent.StateDrafted},
		{"confirm the order", "Order confirmed; 36 yuan is on hold. Say pay to authorize the payment.", agent.StateConfirmed},
		{"pay", "Paid 36 yuan to Luckin Coffee. Your balance is 964 yuan.", agent.StateIdle},
	} {
		evs, err := c.Say(ctx, tt.say)
		if err != nil {
			t.Fatalf("say %q: %v", tt.say, err)
		}
		last := evs[len(evs)-1]
		if evs[0].Type != agent.EventIntent || last.Type != agent.EventReply || last.Text != tt.reply || last.State != tt.state {
			t.Errorf("say %q: events %+v, want intent ... reply %q in %s", tt.say, evs, tt.reply, tt.state)
		}
	}

	var b ws.Balance
	if err := c.Get(ctx, "/v1/wallet/balance", &b); err != nil {
		t.Fatalf("get balance: %v", err)
	}
	if b.Balance != Opening-3600 || b.Held != 0 {
		t.Errorf("balance %+v", b)
	}
	var top struct{ Balance ws.Balance }
	if err := c.Post(ctx, "/v1/wallet/topup", ws.TopupRequest{Amount: 1000, Key: "c1"}, &top); err != nil {
		t.Fatalf("top up: %v", err)
	}
	if top.Balance.Balance != Opening-3600+1000 {
		t.Errorf("balance after top-up %+v", top.Balance)
	}
	err := c.Post(ctx, "/v1/wallet/topup", ws.TopupRequest{Amount: 2000, Key: "c1"}, &top)
	var e *wallet.Error
	if !errors.As(err, &e) || e.Code != wallet.ECONFLICT {
		t.Errorf("conflicting top-up: %v, want a coded conflict", err)
	}
	err = c.Get(ctx, "/v1/no/such/path", &b)
	if !errors.As(err, &e) || e.Code != wallet.EINTERNAL {
		t.Errorf("unknown path: %v, want an internal error naming the status", err)
	}
}

func TestClientRefused(t *testing.T) {
	d := MustOpenDaemon(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, token := range []string{"", "vp_u_wrong", d.AgentToken} {
		c := ws.NewClient(d.Base, token)
		err := c.Dial(ctx)
		var e *wallet.Error
		if !errors.As(err, &e) || e.Code != wallet.EUNAUTHORIZED {
			t.Errorf("dial with %q: %v, want a coded unauthorized error", token, err)
		}
		var b ws.Balance
		if err := c.Get(ctx, "/v1/wallet/balance", &b); !errors.As(err, &e) || e.Code != wallet.EUNAUTHORIZED {
			t.Errorf("get with %q: %v, want a coded unauthorized error", token, err)
		}
	}

	// Nothing listens at a closed port.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := ws.NewClient("http://"+addr, d.Token)
	if err := c.Dial(ctx); !errors.Is(err, ws.ErrDaemonDown) {
		t.Errorf("dial a closed port: %v, want ErrDaemonDown", err)
	}
	var health map[string]string
	if err := c.Get(ctx, "/healthz", &health); !errors.Is(err, ws.ErrDaemonDown) {
		t.Errorf("get from a closed port: %v, want ErrDaemonDown", err)
	}
}

package ws_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/ws"
	"github.com/voicepay/voicepay/intent"
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

// TestClientAudio streams speech through the client: the stream's events
// come from Next, and Settle's session.ready comes after the last of them.
func TestClientAudio(t *testing.T) {
	d := MustOpenDaemon(t)
	mustHear(t, d, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := ws.NewClient(d.Base, d.Token)
	if err := c.Dial(ctx); err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	for _, text := range []string{"enable alipay payment function", "2468"} {
		if _, err := c.Say(ctx, text); err != nil {
			t.Fatalf("say %q: %v", text, err)
		}
	}
	format := ws.AudioFormat{Encoding: "pcm16le", SampleRate: 16000, Channels: 1}
	id, err := c.StartAudio(&format)
	if err != nil {
		t.Fatal(err)
	}
	b := pcm(spoken(t, "what's my balance"), 1, 1)
	for off := 0; off < len(b); off += 640 {
		if err := c.SendAudio(b[off:min(off+640, len(b))]); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.StopAudio(id); err != nil {
		t.Fatal(err)
	}
	settled, err := c.Settle(format)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	var at []int64 // audio_ms of speech.started and speech.stopped
	for {
		ev, err := c.Next(ctx)
		if err != nil {
			t.Fatalf("next: %v (after %v)", err, types)
		}
		if ev.ReplyTo == settled {
			if ev.Type != "session.ready" || ev.Session.State != agent.StateIdle {
				t.Errorf("settled with %+v", ev)
			}
			break
		}
		if ev.ReplyTo != id {
			t.Errorf("event %+v replies to neither the stream nor the settle", ev)
		}
		types = append(types, ev.Type)
		if ev.Type == ws.EventSpeechStarted || ev.Type == ws.EventSpeechStopped {
			at = append(at, ev.AudioMS)
		}
		if ev.Type == agent.EventIntent && ev.Intent.Intent != intent.BalanceQuery {
			t.Errorf("heard %+v", ev.Intent)
		}
	}
	if got, want := strings.Join(types, " "), "speech.started speech.stopped transcript.final intent reply"; got != want {
		t.Errorf("events %s, want %s", got, want)
	}
	// The speech is after half a second of quiet, and ends a second
	// before the stream does.
	if len(at) != 2 || at[0] < 300 || at[0] > 600 || at[1] <= at[0] || at[1] > int64(len(b)/32)-900 {
		t.Errorf("speech started and stopped at %v ms of %d ms of audio", at, len(b)/32)
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

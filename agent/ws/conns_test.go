package ws_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/ws"
)

// TestStreamMirrorsTurns: a turn on one connection of a device reaches
// every other connection of it, whole and in order, with the reply_to of
// the connection that caused it and marked as a mirror; another device
// hears nothing of it.
func TestStreamMirrorsTurns(t *testing.T) {
	d := MustOpenDaemon(t)
	glasses := d.MustDial(t, d.Token)
	phone := d.MustDial(t, d.Token)
	other := d.MustDial(t, d.MustPairUser("tablet"))
	glasses.Enable("e")
	phone.Replies(2) // the mirrors of enabling

	own := glasses.Say("1", "buy two lattes from luckin coffee", agent.StateDrafted, "")
	for _, e := range own {
		if e.Mirror {
			t.Errorf("the connection that caused the turn got a mirror: %v", e.Raw)
		}
	}
	var mirrored []Event
	for len(mirrored) < len(own) {
		mirrored = append(mirrored, phone.Next())
	}
	if got, want := EventTypes(mirrored), EventTypes(own); got != want {
		t.Fatalf("the phone got %q, want %q", got, want)
	}
	for i, e := range mirrored {
		if e.ReplyTo != "1" || e.Raw["mirror"] != true {
			t.Errorf("mirrored event %v, want reply_to 1 and mirror true", e.Raw)
		}
		if e.Type == agent.EventOrderUpdated && (e.Order.ID != own[i].Order.ID || e.Order.State != "drafted") {
			t.Errorf("mirrored order %+v, want %+v", e.Order, own[i].Order)
		}
	}
	// The phone numbers its events as it likes; its own turn is its own.
	evs := phone.Say("1", "confirm the order", agent.StateConfirmed, "")
	for _, e := range evs {
		if e.Mirror {
			t.Errorf("the phone's own turn came as a mirror: %v", e.Raw)
		}
	}
	if ev := glasses.Next(); ev.Type != agent.EventIntent || !ev.Mirror {
		t.Errorf("the glasses got %v, want the phone's turn mirrored", ev.Raw)
	}
	other.Send(ws.ClientEvent{Type: "ping", ID: "p"})
	if ev := other.Next(); ev.Type != "pong" {
		t.Errorf("another device got %v, want only its own pong", ev.Raw)
	}
}

// TestAudioMirrorsTurns: what a connection streaming speech hears, and its
// turn, reach the device's other connections; where speech starts and
// stops reaches only the one streaming.
func TestAudioMirrorsTurns(t *testing.T) {
	d := MustOpenDaemon(t)
	mustHear(t, d, 0)
	glasses := d.MustDial(t, d.Token)
	phone := d.MustDial(t, d.Token)
	glasses.Send(map[string]any{"type": "audio.start", "id": "a1"})
	sendSpeech(glasses, spoken(t, "enable alipay payment function"))
	glasses.Send(map[string]any{"type": "audio.stop", "id": "a1"})
	own := glasses.Replies(1)
	if got, want := EventTypes(own), "speech.started speech.stopped transcript.final intent reply"; got != want {
		t.Fatalf("the glasses got %q, want %q", got, want)
	}
	mirrored := phone.Replies(1)
	if got, want := EventTypes(mirrored), "transcript.final intent reply"; got != want {
		t.Fatalf("the phone got %q, want %q", got, want)
	}
	if mirrored[0].Text != own[2].Text || !mirrored[0].Mirror || mirrored[0].ReplyTo != "a1" {
		t.Errorf("mirrored transcript %v, want %v as a mirror", mirrored[0].Raw, own[2].Raw)
	}
}

// TestRevokeClosesConnections: revoking a device through the JSON API
// closes each of its open connections at once with code 4001, and leaves
// other devices' open.
func TestRevokeClosesConnections(t *testing.T) {
	d := MustOpenDaemon(t)
	token := d.MustPairUser("phone")
	first, second := d.MustDial(t, token), d.MustDial(t, token)
	other := d.MustDial(t, d.Token)
	start := time.Now()
	if r := d.MustDo(t, "POST", "/v1/devices/revoke", d.Token, []byte(`{"name":"phone"}`)); r.Status != http.StatusOK {
		t.Fatalf("revoke: status %d: %s", r.Status, r.Body)
	}
	for _, c := range []*Conn{first, second} {
		c.SetReadDeadline(time.Now().Add(time.Second))
		_, _, err := c.ReadMessage()
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != 4001 || ce.Text != "device revoked" {
			t.Errorf("read after the revoke: %v, want close 4001 device revoked", err)
		}
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("closing took %s", took)
	}
	other.Send(ws.ClientEvent{Type: "ping", ID: "p"})
	if ev := other.Next(); ev.Type != "pong" {
		t.Errorf("another device's connection after the revoke: %v", ev.Raw)
	}
}

// Replies reads events up to and including the nth reply, and returns them.
func (c *Conn) Replies(n int) []Event {
	c.tb.Helper()
	var out []Event
	for n > 0 {
		ev := c.Next()
		out = append(out, ev)
		if ev.Type == agent.EventReply {
			n--
		}
	}
	return out
}

// TestStreamTurnIDs: a text.input id names its turn for agent.TurnIDWindow.
// A client that resends a turn after a dropped connection, with the same
// id and text, moves no money twice; a client that numbers its events from
// 1 on each connection gets new turns, whether its text differs or the
// window has passed.
func TestStreamTurnIDs(t *testing.T) {
	d := MustOpenDaemon(t)
	c := d.MustDial(t, d.Token)
	c.Enable("e")
	c.Say("1", "buy two lattes from luckin coffee", agent.StateDrafted, "")
	c.Say("2", "confirm the order", agent.StateConfirmed, "")
	c.Say("3", "pay", agent.StateIdle, "")
	c.Close()

	// (a) The pay is resent after a reconnect: it is answered as it was,
	// and pays nothing more.
	c = d.MustDial(t, d.Token)
	if evs := c.Say("3", "pay", agent.StateIdle, ""); EventTypes(evs) != "intent payment.result reply" || evs[1].Raw["replayed"] != true {
		t.Errorf("the resent pay: %q, want the payment replayed", EventTypes(evs))
	}
	if got, want := d.Balance(), int64(Opening-3600); got != want {
		t.Fatalf("balance %d after the resent pay, want %d", got, want)
	}
	// Other text with the same id is a new turn, not a conflict.
	c.Say("1", "buy a cola from kfc", agent.StateDrafted, "")
	c.Say("1", "buy a cola from kfc", agent.StateDrafted, "") // and resent, the same one
	c.Say("2", "cancel order", agent.StateIdle, "")
	c.Close()

	// (b) After the window, a fresh connection numbering from 1 holds a
	// whole dialog, with the same text as before too.
	d.Clock.Advance(agent.TurnIDWindow + time.Minute)
	c = d.MustDial(t, d.Token)
	c.Say("1", "buy two lattes from luckin coffee", agent.StateDrafted, "")
	c.Say("2", "confirm the order", agent.StateConfirmed, "")
	c.Say("3", "pay", agent.StateIdle, "")
	if got, want := d.Balance(), int64(Opening-7200); got != want {
		t.Errorf("balance %d after the second dialog, want %d", got, want)
	}
}

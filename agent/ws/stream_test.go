package ws_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/internal/agenttest"
	"github.com/voicepay/voicepay/agent/ws"
	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/wallet"
)

func TestStreamReady(t *testing.T) {
	d := MustOpenDaemon(t)
	c := d.MustDial(t, d.Token)
	want := ws.SessionInfo{Device: "glasses", State: agent.StateInactive, Protocol: "voicepay.v1"}
	if c.Ready.Session == nil || *c.Ready.Session != want {
		t.Errorf("session.ready %+v, want %+v", c.Ready.Session, want)
	}
	if _, ok := c.Ready.Raw["reply_to"]; ok {
		t.Errorf("session.ready on connect has reply_to: %v", c.Ready.Raw)
	}

	c.Send(ws.ClientEvent{Type: "session.start", ID: "s1",
		Audio: &ws.AudioFormat{Encoding: "pcm16le", SampleRate: 16000, Channels: 1}})
	ev := c.Next()
	if ev.Type != "session.ready" || ev.ReplyTo != "s1" || ev.Session == nil || *ev.Session != want {
		t.Errorf("answer to session.start %+v, want session.ready for s1", ev)
	}
}

// TestStreamTurn holds a whole dialog over the websocket and checks the
// events against the protocol.
func TestStreamTurn(t *testing.T) {
	d := MustOpenDaemon(t)
	c := d.MustDial(t, d.Token)
	c.Enable("e")

	evs := c.Say("t1", "buy two lattes from luckin coffee", agent.StateDrafted, "")
	if got, want := EventTypes(evs), "intent order.updated reply"; got != want {
		t.Fatalf("events %q, want %q", got, want)
	}
	in := evs[0].Raw["intent"].(map[string]any)
	slots, _ := json.Marshal(in["slots"])
	if in["intent"] != "order.create" || in["text"] != "buy two lattes from luckin coffee" ||
		string(slots) != `{"item":"latte","merchant":"luckin_coffee","quantity":2}` {
		t.Errorf("intent event %v", evs[0].Raw)
	}
	o := evs[1].Order
	if o.State != "drafted" || o.Total != 3600 || o.Currency != "CNY" || o.Payee != "merchant:luckin_coffee" ||
		len(o.Lines) != 1 || o.Lines[0].Quantity != 2 {
		t.Errorf("order.updated %+v", o)
	}
	if got, want := evs[2].Text, "Two lattes from Luckin Coffee, 36 yuan. Say confirm to place the order."; got != want {
		t.Errorf("reply %q, want %q", got, want)
	}
	for _, e := range evs {
		if e.Raw["reply_to"] != "t1" {
			t.Errorf("event %v lacks reply_to t1", e.Raw)
		}
	}

	evs = c.Say("t2", "confirm the order", agent.StateConfirmed, "")
	if o := evs[1].Order; o == nil || o.State != "confirmed" || o.Risk == nil || o.Risk.Action != "allow" {
		t.Errorf("confirm events %+v", evs)
	}
	evs = c.Say("t3", "pay", agent.StateIdle, "")
	if got, want := EventTypes(evs), "intent payment.result reply"; got != want {
		t.Fatalf("pay events %q, want %q", got, want)
	}
	if r := evs[1]; r.Status != "paid" || r.Order.Receipt == nil || r.Order.Receipt.Signature == "" {
		t.Errorf("payment.result %+v, want paid with a signed receipt", r)
	}
	if got, want := evs[2].Text, "Paid 36 yuan to Luckin Coffee. Your balance is 964 yuan."; got != want {
		t.Errorf("reply %q, want %q", got, want)
	}

	evs = c.Say("t4", "pay", agent.StateIdle, wallet.ENOORDER)
	if got, want := EventTypes(evs), "intent error reply"; got != want {
		t.Errorf("refused events %q, want %q", got, want)
	}
	if got := d.Balance(); got != Opening-3600 {
		t.Errorf("balance %d, want %d", got, Opening-3600)
	}
}

// TestStreamReconnect: the dialog belongs to the device, not the connection.
func TestStreamReconnect(t *testing.T) {
	d := MustOpenDaemon(t)
	c := d.MustDial(t, d.Token)
	c.Enable("e")
	c.Say("t1", "buy two lattes", agent.StateDrafted, "")
	c.Close()

	c = d.MustDial(t, d.Token)
	if got := c.Ready.Session.State; got != agent.StateDrafted {
		t.Errorf("state on reconnect %q, want drafted", got)
	}
	// A second connection of the same device shares the dialog.
	c2 := d.MustDial(t, d.Token)
	// and sees its turns, as mirrors.
	own := c2.Say("t2", "confirm the order", agent.StateConfirmed, "")
	if got, want := EventTypes(c.Replies(1)), EventTypes(own); got != want {
		t.Errorf("the first connection got %q of the second's turn, want %q", got, want)
	}
	c.Say("t3", "pay", agent.StateIdle, "")
}

// TestStreamAuth refuses an upgrade without a user's token.
func TestStreamAuth(t *testing.T) {
	d := MustOpenDaemon(t)
	tests := []struct {
		name   string
		query  string
		header http.Header
	}{
		{"no token", "", nil},
		{"wrong token", "", Bearer("vp_u_0000")},
		{"not bearer", "", http.Header{"Authorization": {"Basic " + d.Token}}},
		{"agent token", "", Bearer(d.AgentToken)},
		{"agent token in query", "?access_token=" + d.AgentToken, nil},
		{"wrong token in query", "?access_token=nope", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, resp, err := websocket.DefaultDialer.Dial(d.StreamURL()+tt.query, tt.header)
			if err == nil {
				c.Close()
				t.Fatal("upgrade succeeded, want it refused")
			}
			if !errors.Is(err, websocket.ErrBadHandshake) || resp == nil {
				t.Fatalf("dial: %v, want a refused handshake", err)
			}
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("status %d, want 401", resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("content type %q, want application/json", ct)
			}
			var body struct{ Error *wallet.Error }
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Error == nil ||
				body.Error.Code != wallet.EUNAUTHORIZED || body.Error.Message == "" {
				t.Errorf("body %+v (%v), want a coded unauthorized error", body.Error, err)
			}
		})
	}
	t.Run("user token in query", func(t *testing.T) {
		c, _, err := websocket.DefaultDialer.Dial(d.StreamURL()+"?access_token="+d.Token, nil)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		defer c.Close()
		var ev ws.ServerEvent
		if err := c.ReadJSON(&ev); err != nil || ev.Type != "session.ready" {
			t.Errorf("first event %+v (%v), want session.ready", ev, err)
		}
	})
}

// TestStreamOrigin refuses a cross-origin upgrade and takes one from the
// daemon's own origin.
func TestStreamOrigin(t *testing.T) {
	d := MustOpenDaemon(t)
	for _, origin := range []string{"http://evil.example", "http://127.0.0.1.evil.example", "null", "http://localhost"} {
		t.Run(origin, func(t *testing.T) {
			h := Bearer(d.Token)
			h.Set("Origin", origin)
			c, resp, err := websocket.DefaultDialer.Dial(d.StreamURL(), h)
			if err == nil {
				c.Close()
				t.Fatal("cross-origin upgrade succeeded")
			}
			if resp == nil || resp.StatusCode != http.StatusForbidden {
				t.Errorf("dial: %v, response %v; want 403", err, resp)
			}
		})
	}
	t.Run("same origin", func(t *testing.T) {
		h := Bearer(d.Token)
		h.Set("Origin", d.Base)
		c, _, err := websocket.DefaultDialer.Dial(d.StreamURL(), h)
		if err != nil {
			t.Fatalf("same-origin dial: %v", err)
		}
		c.Close()
	})
}

// TestStreamBadEvents sends frames the server cannot take: each is answered
// with an error event and the connection stays usable.
func TestStreamBadEvents(t *testing.T) {
	d := MustOpenDaemon(t)
	c := d.MustDial(t, d.Token)
	tests := []struct {
		name    string
		kind    int
		frame   string
		code    string
		replyTo string
	}{
		{"garbage", websocket.TextMessage, "this is not json", wallet.EINVALID, ""},
		{"truncated", websocket.TextMessage, `{"type":"text.input","id":"x","text":"pay"`, wallet.EINVALID, ""},
		{"array", websocket.TextMessage, `[1,2,3]`, wallet.EINVALID, ""},
		{"wrong field type", websocket.TextMessage, `{"type":"text.input","id":7,"text":"pay"}`, wallet.EINVALID, ""},
		{"null", websocket.TextMessage, `null`, wallet.EINVALID, ""},
		{"empty", websocket.TextMessage, ``, wallet.EINVALID, ""},
		{"no type", websocket.TextMessage, `{"id":"n1"}`, wallet.EINVALID, "n1"},
		{"unknown type", websocket.TextMessage, `{"type":"order.create","id":"u1","text":"pay"}`, wallet.EINVALID, "u1"},
		{"client sends a server event", websocket.TextMessage, `{"type":"reply","id":"r1","text":"pay"}`, wallet.EINVALID, "r1"},
		{"text.input without text", websocket.TextMessage, `{"type":"text.input","id":"e1"}`, wallet.EINVALID, "e1"},
		{"text.input with invalid UTF-8", websocket.TextMessage, "{\"type\":\"text.input\",\"id\":\"i1\",\"text\":\"confirm \xff the order\"}",
			wallet.EINVALID, "i1"},
		{"binary", websocket.BinaryMessage, "\x00\x01\x02\x03", wallet.EUNSUPPORTED, ""},
		{"binary json", websocket.BinaryMessage, `{"type":"ping","id":"b1"}`, wallet.EUNSUPPORTED, ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.SendRaw(tt.kind, []byte(tt.frame))
			ev := c.Next()
			if ev.Type != agent.EventError || ev.Error == nil || ev.Error.Code != tt.code || ev.Error.Message == "" {
				t.Errorf("answer %+v, want an error %s", ev, tt.code)
			}
			if ev.ReplyTo != tt.replyTo {
				t.Errorf("reply_to %q, want %q", ev.ReplyTo, tt.replyTo)
			}
			id := "p" + string(rune('a'+i))
			c.Send(ws.ClientEvent{Type: "ping", ID: id})
			if ev := c.Next(); ev.Type != "pong" || ev.ReplyTo != id {
				t.Errorf("after the bad frame, ping answered with %+v", ev)
			}
		})
	}
	// And a turn still works.
	c.Say("t1", "what can I say", agent.StateInactive, "")
}

// TestStreamUnclean never confirms an order on text with garbage between
// its words: invalid UTF-8 is refused before the dialog, and a replacement
// or zero-width character reads as nothing.
func TestStreamUnclean(t *testing.T) {
	d := MustOpenDaemon(t)
	c := d.MustDial(t, d.Token)
	c.Enable("e")
	c.Say("t1", "buy two lattes from luckin coffee", agent.StateDrafted, "")
	c.SendRaw(websocket.TextMessage, []byte("{\"type\":\"text.input\",\"id\":\"t2\",\"text\":\"confirm \xff the order\"}"))
	if ev := c.Next(); ev.Type != agent.EventError || ev.Error.Code != wallet.EINVALID || ev.ReplyTo != "t2" {
		t.Errorf("answer %+v, want an invalid error", ev)
	}
	c.Say("t3", "confirm \ufffd the order", agent.StateDrafted, "")
	c.Say("t4", "confirm\u200b the order", agent.StateDrafted, "")
	c.Say("t5", "confirm the order", agent.StateConfirmed, "")
}

func TestStreamPing(t *testing.T) {
	d := MustOpenDaemon(t)
	c := d.MustDial(t, d.Token)
	c.Send(ws.ClientEvent{Type: "ping", ID: "p1"})
	ev := c.Next()
	if ev.Type != "pong" || ev.ReplyTo != "p1" {
		t.Errorf("answer %+v, want pong for p1", ev)
	}
	if len(ev.Raw) != 2 {
		t.Errorf("pong %v, want only type and reply_to", ev.Raw)
	}
	// A websocket ping frame is answered with a pong frame.
	pong := make(chan string, 1)
	c.SetPongHandler(func(data string) error { pong <- data; return nil })
	if err := c.WriteControl(websocket.PingMessage, []byte("hello"), time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	c.Send(ws.ClientEvent{Type: "ping", ID: "p2"})
	c.Next() // reading runs the pong handler
	select {
	case got := <-pong:
		if got != "hello" {
			t.Errorf("pong frame %q, want hello", got)
		}
	default:
		t.Error("no pong frame")
	}
}

// TestStreamOversized sends a frame over 64 KiB: the server closes that
// connection and keeps serving the others.
func TestStreamOversized(t *testing.T) {
	d := MustOpenDaemon(t)
	other := d.MustDial(t, d.Token)
	c := d.MustDial(t, d.Token)

	// Exactly 64 KiB is still a frame the server reads.
	frame := `{"type":"ping","id":"big","pad":"` + strings.Repeat("x", 64<<10) + `"}`
	frame = frame[:64<<10-2] + `"}`
	c.SendRaw(websocket.TextMessage, []byte(frame))
	if ev := c.Next(); ev.Type != "pong" || ev.ReplyTo != "big" {
		t.Errorf("answer to a 64 KiB frame %+v, want pong", ev)
	}

	c.SendRaw(websocket.TextMessage, []byte(strings.Repeat(" ", 64<<10+1)))
	_, err := c.TryNext()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseMessageTooBig {
		t.Errorf("after an oversized frame: %v, want close %d", err, websocket.CloseMessageTooBig)
	}

	other.Send(ws.ClientEvent{Type: "ping", ID: "still"})
	if ev := other.Next(); ev.Type != "pong" {
		t.Errorf("other connection answered %+v, want pong", ev)
	}
	d.MustDial(t, d.Token).Say("t1", "what can I say", agent.StateInactive, "")
}

// TestStreamSlowClient never reads: the server drops it once 64 events are
// queued behind a full socket, rather than wait, and keeps serving others.
func TestStreamSlowClient(t *testing.T) {
	d := MustOpenDaemon(t)
	slow, _, err := websocket.DefaultDialer.Dial(d.StreamURL(), Bearer(d.Token))
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	// Each frame is answered with an error that quotes its 32 KiB type.
	frame := []byte(`{"type":"` + strings.Repeat("z", 32<<10) + `"}`)
	written := make(chan error, 1)
	go func() {
		for {
			if err := slow.WriteMessage(websocket.TextMessage, frame); err != nil {
				written <- err
				return
			}
		}
	}()
	select {
	case err := <-written:
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("write: %v, want the connection closed", err)
		}
	case <-time.After(time.Minute):
		pprof.Lookup("goroutine").WriteTo(os.Stderr, 1)
		slow.Close()
		t.Fatal("the server still takes frames from a client that reads nothing")
	}
	// What was sent before the drop can be read; then the connection ends.
	slow.SetReadDeadline(time.Now().Add(time.Minute))
	for {
		if _, _, err := slow.ReadMessage(); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatal("the slow connection is still open")
			}
			break
		}
	}
	if w := d.Logs.Warnings(); len(w) != 1 || !strings.HasPrefix(w[0], "dropping slow websocket client") {
		t.Errorf("warnings %q, want the one that dropped the slow client", w)
	}
	c := d.MustDial(t, d.Token)
	c.Say("t1", "what can I say", agent.StateInactive, "")
}

// slowModel is an intent fallback as slow as a language model far away:
// each call says it has begun, then answers only when the test lets it,
// with two lattes from Luckin Coffee. (A remote model cannot run here.)
type slowModel struct {
	asked   chan string
	release chan struct{}
}

var _ agent.Fallback = (*slowModel)(nil)

func (m *slowModel) Parse(ctx context.Context, text string) (intent.Result, bool, error) {
	m.asked <- text
	<-m.release
	return intent.Result{Text: text, Intent: "order.create", Confidence: 0.9,
		Slots: intent.Slots{Merchant: "luckin_coffee", Item: "latte", Quantity: 2}}, true, nil
}

// TestServerClose closes the daemon with a connection open and a turn in
// flight: the turn finishes, the client is told, and nothing the server
// started touches the wallet after Close returns.
func TestServerClose(t *testing.T) {
	model := &slowModel{asked: make(chan string, 1), release: make(chan struct{})}
	d := MustOpenDaemonWith(t, func(h *agenttest.Hub) { h.Fallback = model })
	c := d.MustDial(t, d.Token)
	c.Enable("e")
	// The templates do not match this; the turn waits on the slow model.
	c.Send(ws.ClientEvent{Type: "text.input", ID: "t1", Text: "I could do with a couple of those coffees"})
	select {
	case <-model.asked:
	case <-time.After(10 * time.Second):
		t.Fatal("the turn never reached the intent fallback")
	}

	done := make(chan error, 1)
	go func() { done <- d.Server.Close() }()
	// The client is told at once, with a normal closure, while the turn
	// is still in flight; the turn's own events go nowhere.
	ev, err := c.TryNext()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseNormalClosure {
		t.Fatalf("after Close: event %+v, error %v; want the close frame %d", ev, err, websocket.CloseNormalClosure)
	}
	// Close waits for the turn.
	select {
	case err := <-done:
		t.Fatalf("Close returned with a turn in flight (%v)", err)
	default:
	}
	close(model.release)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("close did not return")
	}
	// The turn ran to its end: the order it drafted is on file.
	orders := d.MustOrders()
	if len(orders) != 1 || orders[0].State != wallet.Drafted || orders[0].Total != 3600 || orders[0].Payee != "merchant:luckin_coffee" {
		t.Fatalf("orders after Close %+v, want the two lattes the turn drafted", orders)
	}
	if _, _, err := websocket.DefaultDialer.Dial(d.StreamURL(), Bearer(d.Token)); err == nil {
		t.Error("dial after close succeeded")
	}
	// The ledger checks out, and the wallet closes and opens again, as at a
	// restart of the daemon.
	reopened := d.MustReopen()

	// A turn sent now reaches no one: the server's end of the socket is
	// closed, so reading finds the end of the connection, never an answer
	// and never a connection still open.
	raw := c.UnderlyingConn()
	raw.SetDeadline(time.Now().Add(5 * time.Second))
	raw.Write(clientFrame(websocket.TextMessage, `{"type":"text.input","id":"t2","text":"buy a cola"}`)) // may fail: nobody is there
	n, err := raw.Read(make([]byte, 512))
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("the server closed but still holds the connection open")
	}
	if n > 0 || err == nil {
		t.Fatalf("read %d bytes (%v) after Close, want the end of the connection", n, err)
	}
	// And the ledger holds only what the first turn did.
	if orders := reopened.MustOrders(); len(orders) != 1 {
		t.Errorf("%d orders after a turn sent to a closed server, want 1", len(orders))
	}
}

// clientFrame is one unfragmented websocket frame as a client sends it,
// masked, with a payload shorter than 126 bytes.
func clientFrame(kind int, payload string) []byte {
	mask := [4]byte{0x12, 0x34, 0x56, 0x78}
	b := []byte{0x80 | byte(kind), 0x80 | byte(len(payload))}
	b = append(b, mask[:]...)
	for i := range len(payload) {
		b = append(b, payload[i]^mask[i%4])
	}
	return b
}

// TestStreamReplacedDraft: a draft replaced by a new order is reported
// cancelled before the new draft, so that an order card never shows an
// order that is gone.
func TestStreamReplacedDraft(t *testing.T) {
	d := MustOpenDaemon(t)
	c := d.MustDial(t, d.Token)
	c.Enable("e")
	first := c.Say("t1", "buy two lattes from luckin coffee", agent.StateDrafted, "")[1].Order
	c.Say("t2", "buy a cola from kfc", agent.StateDrafted, "")
	evs := c.Say("t3", "replace it", agent.StateDrafted, "")
	if got, want := EventTypes(evs), "intent order.updated order.updated reply"; got != want {
		t.Fatalf("events %q, want %q", got, want)
	}
	if o := evs[1].Order; o.ID != first.ID || o.State != "cancelled" {
		t.Errorf("first order.updated %+v, want order %d cancelled", evs[1].Raw, first.ID)
	}
	if o := evs[2].Order; o.ID == first.ID || o.State != "drafted" || o.Payee != "merchant:kfc" {
		t.Errorf("second order.updated %+v, want the cola drafted", evs[2].Raw)
	}
}

package ws_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/internal/agenttest"
	"github.com/voicepay/voicepay/agent/ws"
	"github.com/voicepay/voicepay/wallet"
)

// Opening is what every daemon's wallet starts with: 1000 yuan.
const Opening = 100000

// Daemon is a real server on a loopback port over a real hub, with a user
// device "glasses" and an agent "claude" paired.
type Daemon struct {
	*agenttest.Hub
	Server     *ws.Server
	Token      string // the user device's
	AgentToken string
	Base       string // http://127.0.0.1:port
}

// MustOpenDaemon opens a hub with the opening balance and serves it on
// 127.0.0.1:0. Cleanup closes the server, then checks and closes the wallet.
func MustOpenDaemon(tb testing.TB, opt ...agenttest.Option) *Daemon {
	tb.Helper()
	return MustOpenDaemonWith(tb, nil, opt...)
}

// MustOpenDaemonWith is MustOpenDaemon with prep run on the hub before the
// server starts.
func MustOpenDaemonWith(tb testing.TB, prep func(*agenttest.Hub), opt ...agenttest.Option) *Daemon {
	tb.Helper()
	h := agenttest.MustOpenHub(tb, opt...)
	if prep != nil {
		prep(h)
	}
	h.MustTopup(Opening)
	_, token := h.MustPair("glasses", wallet.ScopeUser)
	_, agentToken := h.MustPair("claude", wallet.ScopeAgent)
	s := ws.NewServer(h.Hub, "127.0.0.1:0")
	s.Logger = h.Logger // the hub's logs, unless prep replaced them
	if err := s.Open(); err != nil {
		tb.Fatalf("open server: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("close server: %v", err)
		}
	})
	// Before the server closes: a connection the client dialed but never
	// used counts as active, and Shutdown would wait on it.
	tb.Cleanup(http.DefaultClient.CloseIdleConnections)
	return &Daemon{Hub: h, Server: s, Token: token, AgentToken: agentToken, Base: "http://" + s.Addr}
}

// StreamURL is the websocket address.
func (d *Daemon) StreamURL() string { return "ws://" + d.Server.Addr + "/v1/stream" }

// MustPairUser pairs another user device and returns its token.
func (d *Daemon) MustPairUser(id string) string {
	_, token := d.MustPair(id, wallet.ScopeUser)
	return token
}

// Conn is a websocket client of the daemon, on gorilla/websocket.
type Conn struct {
	*websocket.Conn
	tb    testing.TB
	Ready Event
}

// Event is a server event as decoded, and as it came on the wire.
type Event struct {
	ws.ServerEvent
	Raw map[string]any
}

// Bearer is the header that carries a token.
func Bearer(token string) http.Header { return http.Header{"Authorization": {"Bearer " + token}} }

// MustDial connects with token and reads session.ready.
func (d *Daemon) MustDial(tb testing.TB, token string) *Conn {
	tb.Helper()
	c, resp, err := websocket.DefaultDialer.Dial(d.StreamURL(), Bearer(token))
	if err != nil {
		tb.Fatalf("dial: %v (response %v)", err, resp)
	}
	conn := &Conn{Conn: c, tb: tb}
	tb.Cleanup(func() { c.Close() })
	conn.Ready = conn.Next()
	if conn.Ready.Type != "session.ready" {
		tb.Fatalf("first event %+v, want session.ready", conn.Ready)
	}
	return conn
}

// Send writes one JSON text frame.
func (c *Conn) Send(v any) {
	c.tb.Helper()
	c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if err := c.WriteJSON(v); err != nil {
		c.tb.Fatalf("send %v: %v", v, err)
	}
}

// SendRaw writes one frame as it is.
func (c *Conn) SendRaw(kind int, data []byte) {
	c.tb.Helper()
	c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if err := c.WriteMessage(kind, data); err != nil {
		c.tb.Fatalf("send %d bytes: %v", len(data), err)
	}
}

// Next reads the next event, waiting at most 10 seconds.
func (c *Conn) Next() Event {
	c.tb.Helper()
	ev, err := c.TryNext()
	if err != nil {
		c.tb.Fatalf("read event: %v", err)
	}
	return ev
}

// TryNext reads the next event, or the error that ended the connection.
func (c *Conn) TryNext() (Event, error) {
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	kind, data, err := c.ReadMessage()
	if err != nil {
		return Event{}, err
	}
	if kind != websocket.TextMessage {
		c.tb.Fatalf("server sent a frame of kind %d, want text", kind)
	}
	var ev Event
	if err := json.Unmarshal(data, &ev.ServerEvent); err != nil {
		c.tb.Fatalf("server event %s: %v", data, err)
	}
	if err := json.Unmarshal(data, &ev.Raw); err != nil {
		c.tb.Fatalf("server event %s: %v", data, err)
	}
	return ev, nil
}

// Turn sends text.input and returns the events that answer it, up to and
// including the reply. Each must carry id in reply_to.
func (c *Conn) Turn(id, text string) []Event {
	c.tb.Helper()
	c.Send(ws.ClientEvent{Type: "text.input", ID: id, Text: text})
	var out []Event
	for {
		ev := c.Next()
		if ev.ReplyTo != id {
			c.tb.Fatalf("turn %s %q: event %+v answers %q", id, text, ev, ev.ReplyTo)
		}
		out = append(out, ev)
		if ev.Type == agent.EventReply {
			return out
		}
	}
}

// Say runs a turn and checks the reply's state and the error code.
func (c *Conn) Say(id, text, state, code string) []Event {
	c.tb.Helper()
	evs := c.Turn(id, text)
	reply := evs[len(evs)-1]
	if reply.State != state {
		c.tb.Errorf("turn %s %q: state %q (%q), want %q", id, text, reply.State, reply.Text, state)
	}
	got := ""
	for _, e := range evs {
		if e.Type == agent.EventError {
			got = e.Error.Code
		}
	}
	if got != code {
		c.tb.Errorf("turn %s %q: error code %q, want %q", id, text, got, code)
	}
	return evs
}

// Enable activates payments on the connection's device.
func (c *Conn) Enable(prefix string) {
	c.tb.Helper()
	c.Say(prefix+"-enable", "enable alipay payment function", agent.StateInactive, "")
	c.Say(prefix+"-pin", "two four six eight", agent.StateIdle, "")
}

// EventTypes lists the types of events.
func EventTypes(evs []Event) string {
	var s []string
	for _, e := range evs {
		s = append(s, e.Type)
	}
	return strings.Join(s, " ")
}

// Response is an HTTP answer with its body read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Code is the code of a coded error body, or "".
func (r Response) Code() string {
	var body struct {
		Error *wallet.Error `json:"error"`
	}
	if json.Unmarshal(r.Body, &body) != nil || body.Error == nil {
		return ""
	}
	return body.Error.Code
}

// MustDo sends a request with a token ("" sends none) and reads the answer.
func (d *Daemon) MustDo(tb testing.TB, method, path, token string, body []byte) Response {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, d.Base+path, r)
	if err != nil {
		tb.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

package ws

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/voice"
	"github.com/voicepay/voicepay/wallet"
)

// Websocket limits.
const (
	writeWait      = 10 * time.Second  // to write one frame
	pongWait       = 60 * time.Second  // to hear back after a ping
	pingPeriod     = pongWait * 9 / 10 // how often to ping
	maxMessageSize = 64 << 10          // the largest frame a client may send
	sendBuffer     = 64                // events queued for a client before it counts as too slow
	maxBacklog     = 5 * time.Second   // audio a stream holds while it waits to be heard; frames beyond are refused
	protocol       = "voicepay.v1"     // the protocol version in session.ready
)

// ClientEvent is an event a client sends. docs/protocol.md has examples.
type ClientEvent struct {
	Type  string       `json:"type"`
	ID    string       `json:"id,omitempty"`    // the client's id; replies carry it in reply_to
	Text  string       `json:"text,omitempty"`  // text.input
	Audio *AudioFormat `json:"audio,omitempty"` // session.start, audio.start
	// Partials, in session.start, asks for transcript.partial (true) or
	// stops it (false) from the next stream of speech on; absent, it stays
	// as it was.
	Partials *bool `json:"partials,omitempty"`
}

// AudioFormat announces the format of binary audio frames.
type AudioFormat struct {
	Encoding   string `json:"encoding"`    // "pcm16le"
	SampleRate int    `json:"sample_rate"` // Hz
	Channels   int    `json:"channels"`
}

// ServerEvent is an event the server sends: a dialog event, or one of the
// session's own (session.ready, pong).
type ServerEvent struct {
	agent.Event
	ReplyTo string `json:"reply_to,omitempty"`
	// Mirror marks an event of a turn that another connection of the
	// device caused; ReplyTo is that connection's id.
	Mirror  bool         `json:"mirror,omitempty"`
	AudioMS int64        `json:"audio_ms,omitempty"` // speech.started, speech.stopped: where, in the stream's audio
	Session *SessionInfo `json:"session,omitempty"`
}

// SessionInfo describes the session in session.ready.
type SessionInfo struct {
	Device   string `json:"device"`
	State    string `json:"state"`
	Protocol string `json:"protocol"`
}

var upgrader = websocket.Upgrader{ReadBufferSize: 4096, WriteBufferSize: 4096} // keeps the same-origin check

// conn is one websocket client: one reader goroutine and one writer
// goroutine, and one more that passes on what agents propose.
type conn struct {
	s      *Server
	ws     *websocket.Conn
	device *wallet.Device
	sess   *agent.Session
	send   chan ServerEvent

	// Audio, used by the reader goroutine only.
	format    voice.Format   // of binary frames, as last announced
	audio     *audioIn       // the utterance stream open, if any
	listening sync.WaitGroup // the endpointer goroutines

	// partials says the client asked for transcript.partial. Set by the
	// reader, read by the listeners of the device's connections.
	partials atomic.Bool

	mu     sync.Mutex // guards closed, for the reader, the pusher and the listeners
	closed bool       // dropped as too slow
}

func (s *Server) stream(w http.ResponseWriter, r *http.Request) {
	s.conns.Add(1)
	defer s.conns.Done()
	d, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, err)
		return
	}
	sess, err := s.Hub.Session(r.Context(), d)
	if err != nil {
		s.writeError(w, err)
		return
	}
	c, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	cn := &conn{s: s, ws: c, device: d, sess: sess, send: make(chan ServerEvent, sendBuffer),
		format: voice.Format{SampleRate: voice.SampleRate, Channels: 1, BitDepth: 16}}
	cn.queue(ServerEvent{Event: agent.Event{Type: "session.ready"},
		Session: &SessionInfo{Device: d.ID, State: sess.State(), Protocol: protocol}})
	s.registry.add(cn) // the device's turns reach it from here on
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	written := make(chan struct{})
	go func() {
		defer close(written)
		cn.writeLoop(ctx)
	}()
	events, unsubscribe := s.Hub.Subscribe()
	pushed := make(chan struct{})
	go func() {
		defer close(pushed)
		cn.pushLoop(ctx, events)
	}()
	cn.readLoop(ctx)
	s.registry.remove(cn)
	cn.endAudio()
	cn.listening.Wait() // an utterance being heard runs to its end
	cancel()
	unsubscribe()
	<-pushed
	<-written
}

// pushLoop passes on what agents propose and charge, as it happens: server
// events of their own, with no reply_to.
func (c *conn) pushLoop(ctx context.Context, events <-chan agent.Event) {
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-events:
			if !ok {
				return
			}
			c.queue(ServerEvent{Event: e})
		}
	}
}

// readLoop reads client events and runs the turns they carry.
func (c *conn) readLoop(ctx context.Context) {
	defer c.ws.Close()
	c.ws.SetReadLimit(maxMessageSize)
	c.ws.SetReadDeadline(time.Now().Add(pongWait))
	c.ws.SetPongHandler(func(string) error { return c.ws.SetReadDeadline(time.Now().Add(pongWait)) })
	for {
		kind, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		if kind == websocket.BinaryMessage {
			if err := c.writeAudio(ctx, data); err != nil {
				c.fail(c.audioID(), wallet.AsError(err))
			}
			continue
		}
		var ev ClientEvent
		if err := json.Unmarshal(data, &ev); err != nil {
			c.fail("", wallet.Errorf(wallet.EINVALID, "Malformed event: %v.", err))
			continue
		}
		switch ev.Type {
		case "session.start":
			if !c.announce(ev) {
				continue
			}
			if ev.Partials != nil {
				c.partials.Store(*ev.Partials)
			}
			c.queue(ServerEvent{Event: agent.Event{Type: "session.ready"}, ReplyTo: ev.ID,
				Session: &SessionInfo{Device: c.device.ID, State: c.sess.State(), Protocol: protocol}})
		case "audio.start":
			if !c.announce(ev) {
				continue
			}
			if err := c.startAudio(ctx, ev.ID); err != nil {
				c.fail(ev.ID, wallet.AsError(err))
			}
		case "audio.stop":
			c.endAudio()
		case "ping":
			c.queue(ServerEvent{Event: agent.Event{Type: "pong"}, ReplyTo: ev.ID})
		case "text.input":
			if ev.Text == "" {
				c.fail(ev.ID, wallet.Errorf(wallet.EINVALID, "text.input needs text."))
				continue
			}
			if !utf8.Valid(data) { // decoding made the bytes U+FFFD; refuse them whole
				c.fail(ev.ID, wallet.Errorf(wallet.EINVALID, "text.input must be valid UTF-8."))
				continue
			}
			// A turn that has started runs to its end: Close waits for it
			// rather than leave it half done. Its events reach every
			// connection of the device.
			c.sess.Say(context.WithoutCancel(ctx), agent.Input{Text: ev.Text, ID: ev.ID, Channel: "text",
				Deliver: func(t *agent.Turn) { c.s.registry.deliver(c, ev.ID, t.Events, !t.Replayed) }})
		default:
			c.fail(ev.ID, wallet.Errorf(wallet.EINVALID, "Unknown event type %q.", ev.Type))
		}
	}
}

// audioID is the id the events of the open utterance stream carry.
func (c *conn) audioID() string {
	if c.audio != nil && !c.audio.ended {
		return c.audio.id
	}
	return ""
}

func (c *conn) fail(id string, e *wallet.Error) {
	c.queue(ServerEvent{Event: agent.Event{Type: agent.EventError, Error: e}, ReplyTo: id})
}

// queue hands an event to the writer. A client too slow to keep up is dropped
// rather than waited on.
func (c *conn) queue(e ServerEvent) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	select {
	case c.send <- e:
	default:
		c.s.Logger.Warn("dropping slow websocket client", "device", c.device.ID)
		c.closed = true
		c.ws.Close()
	}
}

// writeLoop writes queued events and pings until ctx is done.
func (c *conn) writeLoop(ctx context.Context) {
	ping := time.NewTicker(pingPeriod)
	defer ping.Stop()
	defer c.ws.Close()
	for {
		select {
		case <-ctx.Done():
			c.ws.SetWriteDeadline(time.Now().Add(writeWait))
			c.ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
			return
		case e := <-c.send:
			c.ws.SetWriteDeadline(time.Now().Add(writeWait))
			if err := c.ws.WriteJSON(e); err != nil {
				return
			}
		case <-ping.C:
			c.ws.SetWriteDeadline(time.Now().Add(writeWait))
			if err := c.ws.WriteMessage(websocket.PingMessage, nil); err != nil {
				return
			}
		}
	}
}

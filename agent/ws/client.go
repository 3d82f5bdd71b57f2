package ws

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/wallet"
)

// Client talks to a running daemon: dialog turns over the websocket, wallet
// requests over the JSON API.
type Client struct {
	Base  string // e.g. "http://127.0.0.1:8421", or https:// for a daemon serving TLS
	Token string
	// RootCAs are the authorities a daemon's TLS certificate is checked
	// against; nil means the system's. Set it before the first call.
	RootCAs *x509.CertPool

	// Pushed, when set, gets the events the daemon sends on its own, such
	// as what agents propose and charge, as they arrive. It is called from
	// the client's reader goroutine. Set it before Dial.
	Pushed func(ServerEvent)

	ws      *websocket.Conn
	Ready   *SessionInfo
	next    int
	http    http.Client
	setup   sync.Once         // gives http the RootCAs
	replies chan *ServerEvent // the events of turns, from the reader
	done    chan struct{}     // closed when the reader stops
	readErr error             // why it stopped; read after done is closed
}

// ErrDaemonDown means nothing answers at the daemon's address.
var ErrDaemonDown = errors.New("the voicepay daemon is not running")

// NewClient returns a client of the daemon at base.
func NewClient(base, token string) *Client {
	return &Client{Base: base, Token: token, http: http.Client{Timeout: 30 * time.Second}}
}

// Dial opens the dialog websocket and waits for session.ready.
func (c *Client) Dial(ctx context.Context) error {
	u, err := url.Parse(c.Base)
	if err != nil {
		return fmt.Errorf("daemon address %q: %w", c.Base, err)
	}
	u.Scheme = map[string]string{"https": "wss"}[u.Scheme]
	if u.Scheme == "" {
		u.Scheme = "ws"
	}
	u.Path = "/v1/stream"
	h := http.Header{"Authorization": {"Bearer " + c.Token}}
	dialer := *websocket.DefaultDialer
	dialer.TLSClientConfig = c.tlsConfig()
	ws, resp, err := dialer.DialContext(ctx, u.String(), h)
	if err != nil {
		if resp != nil {
			return apiError(resp)
		}
		return fmt.Errorf("%w at %s: %v", ErrDaemonDown, c.Base, err)
	}
	c.ws = ws
	for {
		ev, err := c.read(ctx)
		if err != nil {
			return err
		}
		if ev.Type == "session.ready" {
			c.Ready = ev.Session
			c.replies, c.done = make(chan *ServerEvent, 64), make(chan struct{})
			go c.readLoop()
			return nil
		}
	}
}

// readLoop reads the websocket until it closes, so that pushed events show
// at once and the daemon's pings are answered while no turn is running.
func (c *Client) readLoop() {
	defer close(c.done)
	for {
		c.ws.SetReadDeadline(time.Time{})
		var ev ServerEvent
		if err := c.ws.ReadJSON(&ev); err != nil {
			c.readErr = fmt.Errorf("read from daemon: %w", err)
			return
		}
		if ev.Mirror {
			continue // another connection's turn: this client answers only its own
		}
		if ev.ReplyTo == "" {
			if c.Pushed != nil && ev.Type != "session.ready" {
				c.Pushed(ev)
			}
			continue
		}
		c.replies <- &ev
	}
}

// Close closes the websocket.
func (c *Client) Close() error {
	if c.ws == nil {
		return nil
	}
	c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""),
		time.Now().Add(time.Second))
	return c.ws.Close()
}

func (c *Client) read(ctx context.Context) (*ServerEvent, error) {
	if dl, ok := ctx.Deadline(); ok {
		c.ws.SetReadDeadline(dl)
	} else {
		c.ws.SetReadDeadline(time.Now().Add(pongWait))
	}
	var ev ServerEvent
	if err := c.ws.ReadJSON(&ev); err != nil {
		return nil, fmt.Errorf("read from daemon: %w", err)
	}
	return &ev, nil
}

// newID is a new id for an event the client sends, starting with kind: "t"
// for a turn, "a" for an audio stream, "s" for a session.start.
func (c *Client) newID(kind string) string {
	c.next++
	return kind + strconv.Itoa(c.next) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
}

// send writes one client event.
func (c *Client) send(ev ClientEvent) error {
	if err := c.ws.WriteJSON(ev); err != nil {
		return fmt.Errorf("send to daemon: %w", err)
	}
	return nil
}

// resends is how many times Say reconnects and resends a turn whose
// connection dropped before its reply.
const resends = 2

// Say sends one typed utterance and returns the turn's events, ending with
// the reply. When the connection drops before the reply, Say reconnects and
// resends the turn with the same id: the daemon answers a resent turn as it
// did the first time (the events then carry Replayed), and moves no money
// twice.
func (c *Client) Say(ctx context.Context, text string) ([]ServerEvent, error) {
	return c.SayID(ctx, c.newID("t"), text)
}

// SayID is Say with the turn's id chosen by the caller: a client that
// outlives its connection, or the daemon, resends a turn under the id it
// first sent it with, and gets the turn's answer rather than a second turn.
func (c *Client) SayID(ctx context.Context, id, text string) ([]ServerEvent, error) {
	ev := ClientEvent{Type: "text.input", ID: id, Text: text}
	for try := 0; ; try++ {
		out, err := c.turn(ctx, ev)
		if err == nil || !errors.Is(err, errDropped) || try == resends || ctx.Err() != nil {
			return out, err
		}
		c.ws.Close()
		<-c.done // the reader has stopped, and touches nothing Dial sets
		if err := c.Dial(ctx); err != nil {
			return nil, err
		}
	}
}

// errDropped marks a turn whose connection dropped before its reply.
var errDropped = errors.New("connection dropped")

// turn sends ev and reads its events up to the reply.
func (c *Client) turn(ctx context.Context, ev ClientEvent) ([]ServerEvent, error) {
	if err := c.send(ev); err != nil {
		return nil, fmt.Errorf("%w: %w", errDropped, err)
	}
	var out []ServerEvent
	for {
		var e *ServerEvent
		select {
		case e = <-c.replies:
		case <-c.done:
			select {
			case e = <-c.replies: // what came before the drop comes first
			default:
				return out, fmt.Errorf("%w: %w", errDropped, c.readErr)
			}
		case <-ctx.Done():
			return out, ctx.Err()
		}
		if e.ReplyTo != ev.ID {
			continue
		}
		out = append(out, *e)
		if e.Type == agent.EventReply {
			return out, nil
		}
	}
}

// Speech goes to the daemon as a stream: StartAudio, then the audio in
// binary frames with SendAudio, in real time as a microphone gives it,
// then StopAudio. The events the stream causes (speech.started,
// speech.stopped, then each utterance's turn) come from Next as they
// arrive. Say must not run while a stream is being sent: the methods that
// send are not safe for concurrent use.

// StartAudio begins a stream of speech (audio.start) in format f, or in
// the format last announced when f is nil, and returns its id, which the
// events of the stream carry in reply_to.
func (c *Client) StartAudio(f *AudioFormat) (string, error) {
	id := c.newID("a")
	return id, c.send(ClientEvent{Type: "audio.start", ID: id, Audio: f})
}

// SendAudio sends one binary frame of the open stream: PCM16LE samples.
func (c *Client) SendAudio(pcm []byte) error {
	if err := c.ws.WriteMessage(websocket.BinaryMessage, pcm); err != nil {
		return fmt.Errorf("send audio to daemon: %w", err)
	}
	return nil
}

// StopAudio ends the open stream (audio.stop): what was sent is still
// heard, to its end.
func (c *Client) StopAudio(id string) error {
	return c.send(ClientEvent{Type: "audio.stop", ID: id})
}

// Settle announces format f again (session.start). The daemon answers with
// session.ready only once the streams sent before it have been heard to
// their end, so every event they cause comes before it. Settle returns the
// id that session.ready carries in reply_to.
func (c *Client) Settle(f AudioFormat) (string, error) {
	id := c.newID("s")
	return id, c.send(ClientEvent{Type: "session.start", ID: id, Audio: &f})
}

// Next returns the next event that answers something the client sent: a
// turn, a stream of speech, a session.start. Say, while it runs, takes the
// events of its own turn, and drops any others that arrive meanwhile.
func (c *Client) Next(ctx context.Context) (*ServerEvent, error) {
	select {
	case ev := <-c.replies:
		return ev, nil
	case <-c.done:
		return nil, c.readErr
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Get calls a JSON API endpoint.
func (c *Client) Get(ctx context.Context, path string, out any) error {
	return c.do(ctx, http.MethodGet, path, nil, out)
}

// Post calls a JSON API endpoint with a body.
func (c *Client) Post(ctx context.Context, path string, in, out any) error {
	return c.do(ctx, http.MethodPost, path, in, out)
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Content-Type", "application/json")
	c.setup.Do(func() {
		if c.RootCAs != nil {
			tr := http.DefaultTransport.(*http.Transport).Clone()
			tr.TLSClientConfig = c.tlsConfig()
			c.http.Transport = tr
		}
	})
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%w at %s: %v", ErrDaemonDown, c.Base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return apiError(resp)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// tlsConfig is how the client checks a daemon that serves TLS.
func (c *Client) tlsConfig() *tls.Config {
	return &tls.Config{RootCAs: c.RootCAs, MinVersion: tls.VersionTLS12}
}

// apiError reads the coded error of a failed response.
func apiError(resp *http.Response) error {
	var body struct {
		Error *wallet.Error `json:"error"`
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if json.Unmarshal(b, &body) == nil && body.Error != nil {
		return body.Error
	}
	return wallet.Errorf(wallet.EINTERNAL, "The daemon answered %s.", resp.Status)
}

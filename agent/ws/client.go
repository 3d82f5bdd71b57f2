package ws

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gorilla/websocket"
	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/wallet"
)

// Client talks to a running daemon: dialog turns over the websocket, wallet
// requests over the JSON API.
type Client struct {
	Base  string // e.g. "http://127.0.0.1:8421"
	Token string

	// Pushed, when set, gets the events the daemon sends on its own, such
	// as what agents propose and charge, as they arrive. It is called from
	// the client's reader goroutine. Set it before Dial.
	Pushed func(ServerEvent)

	ws      *websocket.Conn
	Ready   *SessionInfo
	next    int
	http    http.Client
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
	ws, resp, err := websocket.DefaultDialer.DialContext(ctx, u.String(), h)
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

// Say sends one typed utterance and returns the turn's events, ending with
// the reply.
func (c *Client) Say(ctx context.Context, text string) ([]ServerEvent, error) {
	c.next++
	id := "t" + strconv.Itoa(c.next) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if err := c.ws.WriteJSON(ClientEvent{Type: "text.input", ID: id, Text: text}); err != nil {
		return nil, fmt.Errorf("send to daemon: %w", err)
	}
	var out []ServerEvent
	for {
		var ev *ServerEvent
		select {
		case ev = <-c.replies:
		case <-c.done:
			return out, c.readErr
		case <-ctx.Done():
			return out, ctx.Err()
		}
		if ev.ReplyTo != id {
			continue
		}
		out = append(out, *ev)
		if ev.Type == agent.EventReply {
			return out, nil
		}
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

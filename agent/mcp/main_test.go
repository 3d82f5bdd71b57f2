package mcp_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/internal/agenttest"
	"github.com/voicepay/voicepay/agent/mcp"
	"github.com/voicepay/voicepay/agent/ws"
	"github.com/voicepay/voicepay/wallet"
)

// seed replays TestAgentAlone: go test -run AgentAlone -seed N.
var seed = flag.Uint64("seed", 0, "replay TestAgentAlone from this seed (0: a new one)")

// The daemon's HTTP server is where MCP is mounted.
var _ mcp.Mux = (*ws.Server)(nil)

// Opening is what every daemon's wallet starts with: 1000 yuan.
const Opening = 100000

// Daemon is the daemon's HTTP server over a real hub, with MCP mounted as
// voicepay serve mounts it, a user device "glasses" with payments enabled,
// and an agent "claude".
type Daemon struct {
	*agenttest.Hub
	Server     *ws.Server
	Tools      *mcp.Server
	Base       string // http://127.0.0.1:port
	User       *wallet.Device
	UserToken  string
	AgentToken string

	waits waits
}

// waits tells tests when wait_order is waiting on an order.
type waits struct {
	mu   sync.Mutex
	subs map[uint64][]chan struct{}
}

// Waiting returns a channel that is closed once wait_order has read order id
// undecided and waits for it to change: from then on, whatever the person
// does to it is what the wait returns. Ask before the wait starts.
func (d *Daemon) Waiting(id uint64) <-chan struct{} {
	d.waits.mu.Lock()
	defer d.waits.mu.Unlock()
	ch := make(chan struct{})
	if d.waits.subs == nil {
		d.waits.subs = map[uint64][]chan struct{}{}
	}
	d.waits.subs[id] = append(d.waits.subs[id], ch)
	return ch
}

func (w *waits) waiting(id uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, ch := range w.subs[id] {
		close(ch)
	}
	delete(w.subs, id)
}

// MustWaitFor waits until ch is closed, for at most 10 seconds.
func MustWaitFor(tb testing.TB, ch <-chan struct{}, what string) {
	tb.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		tb.Fatalf("%s did not happen in 10 s", what)
	}
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
	return mustOpenDaemon(tb, prep, nil, opt...)
}

// MustOpenDaemonTools is MustOpenDaemon with tune run on the MCP server
// before it serves.
func MustOpenDaemonTools(tb testing.TB, tune func(*mcp.Server), opt ...agenttest.Option) *Daemon {
	tb.Helper()
	return mustOpenDaemon(tb, nil, tune, opt...)
}

func mustOpenDaemon(tb testing.TB, prep func(*agenttest.Hub), tune func(*mcp.Server), opt ...agenttest.Option) *Daemon {
	tb.Helper()
	h := agenttest.MustOpenHub(tb, opt...)
	if prep != nil {
		prep(h)
	}
	h.MustTopup(Opening)
	user, userToken := h.MustPair("glasses", wallet.ScopeUser)
	if err := h.DB.ActivateDevice(context.Background(), user.ID, agenttest.PIN); err != nil {
		tb.Fatalf("enable payments: %v", err)
	}
	_, agentToken := h.MustPair("claude", wallet.ScopeAgent)
	// claude may read the balance, which the tests of get_balance read.
	if _, _, err := h.DB.PairAgent(context.Background(), "claude", []string{wallet.GrantBalance}, nil); err != nil {
		tb.Fatalf("grant claude the balance: %v", err)
	}
	s := ws.NewServer(h.Hub, "127.0.0.1:0")
	s.Logger = slog.New(h.Logs)
	tools := mcp.NewServer(h.Hub)
	tools.Logger = slog.New(h.Logs)
	tools.PollInterval = 10 * time.Millisecond
	if tune != nil {
		tune(tools)
	}
	d := &Daemon{Hub: h, Server: s, Tools: tools, User: user, UserToken: userToken, AgentToken: agentToken}
	mcp.SetWaiting(tools, d.waits.waiting)
	tools.Register(s)
	if err := s.Open(); err != nil {
		tb.Fatalf("open server: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("close server: %v", err)
		}
	})
	d.Base = "http://" + s.Addr
	return d
}

// Endpoint is the MCP endpoint.
func (d *Daemon) Endpoint() string { return d.Base + mcp.Path }

// bearer adds a token to every request, as an MCP client configured with an
// Authorization header does.
type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if b.token != "" {
		r.Header.Set("Authorization", "Bearer "+b.token)
	}
	return b.next.RoundTrip(r)
}

// Connect opens an MCP session with the SDK's client over streamable HTTP,
// on an HTTP transport of its own.
func Connect(ctx context.Context, endpoint, token string) (*sdk.ClientSession, error) {
	return connectWith(ctx, endpoint, token, &http.Transport{})
}

func connectWith(ctx context.Context, endpoint, token string, tr *http.Transport, opts ...*sdk.ClientOptions) (*sdk.ClientSession, error) {
	var o *sdk.ClientOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	client := sdk.NewClient(&sdk.Implementation{Name: "test-agent", Version: "1"}, o)
	hc := &http.Client{Transport: bearer{token, tr}}
	return client.Connect(ctx, &sdk.StreamableClientTransport{Endpoint: endpoint, HTTPClient: hc,
		DisableStandaloneSSE: true, MaxRetries: -1}, nil)
}

// MustConnect connects with token, and the client's options if given.
// Cleanup closes the session and its connections, so that none keeps the
// server from shutting down.
func (d *Daemon) MustConnect(tb testing.TB, token string, opts ...*sdk.ClientOptions) *sdk.ClientSession {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tr := &http.Transport{}
	cs, err := connectWith(ctx, d.Endpoint(), token, tr, opts...)
	if err != nil {
		tb.Fatalf("connect: %v", err)
	}
	tb.Cleanup(func() {
		cs.Close()
		tr.CloseIdleConnections()
	})
	return cs
}

// Call calls a tool and decodes its structured output into out. A tool
// error comes back as an *wallet.Error with the code and message the tool
// gave; anything else is a protocol or transport error.
func Call(ctx context.Context, cs *sdk.ClientSession, tool string, args, out any) error {
	res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		return err
	}
	if res.IsError {
		return ToolError(res)
	}
	if out == nil {
		return nil
	}
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

// ToolError reads the "code: message" of a tool error.
func ToolError(res *sdk.CallToolResult) *wallet.Error {
	var text string
	for _, c := range res.Content {
		if t, ok := c.(*sdk.TextContent); ok {
			text += t.Text
		}
	}
	code, msg, ok := strings.Cut(text, ": ")
	if !ok || strings.Contains(code, " ") {
		return &wallet.Error{Code: "uncoded", Message: text}
	}
	return &wallet.Error{Code: code, Message: msg}
}

// Code is the code of a tool error, "" for none.
func Code(err error) string {
	if err == nil {
		return ""
	}
	var e *wallet.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return "transport: " + err.Error()
}

// MustCall calls a tool that must succeed.
func MustCall(tb testing.TB, cs *sdk.ClientSession, tool string, args, out any) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := Call(ctx, cs, tool, args, out); err != nil {
		tb.Fatalf("%s %v: %v", tool, args, err)
	}
}

// MustFail calls a tool that must fail with code.
func MustFail(tb testing.TB, cs *sdk.ClientSession, tool string, args any, code string) *wallet.Error {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := Call(ctx, cs, tool, args, nil)
	if got := Code(err); got != code {
		tb.Fatalf("%s %v: error %v, want code %q", tool, args, err, code)
	}
	var e *wallet.Error
	errors.As(err, &e)
	return e
}

// Say runs one turn of the person's dialog on their device.
func (d *Daemon) Say(tb testing.TB, text string) *agent.Turn {
	tb.Helper()
	t := d.MustSession(d.User).Say(context.Background(), agent.Input{Text: text, Channel: "text"})
	return t
}

// PersonPays is the person confirming and authorizing the order an agent
// proposed, by voice: "confirm the order", "pay", and the PIN when risk
// control asks for it.
func (d *Daemon) PersonPays(tb testing.TB) {
	tb.Helper()
	if t := d.Say(tb, "confirm the order"); t.Err != nil || t.State != agent.StateConfirmed {
		tb.Fatalf("confirm the order: %q (%v), state %s", t.Reply, t.Err, t.State)
	}
	t := d.Say(tb, "pay")
	if t.Err == nil && strings.Contains(t.Reply, "PIN") {
		t = d.Say(tb, "two four six eight")
	}
	if t.Err != nil || t.State != agent.StateIdle {
		tb.Fatalf("pay: %q (%v), state %s", t.Reply, t.Err, t.State)
	}
}

// Money is what moved out of the person's account: posted debits, and holds.
type Money struct{ Paid, Held, Balance int64 }

func (d *Daemon) Money(tb testing.TB) Money {
	tb.Helper()
	a := d.MustAccount(wallet.UserAccount)
	return Money{Paid: a.DebitsPosted, Held: a.DebitsPending, Balance: a.Balance()}
}

func (m Money) String() string {
	return fmt.Sprintf("paid %d, held %d, balance %d", m.Paid, m.Held, m.Balance)
}

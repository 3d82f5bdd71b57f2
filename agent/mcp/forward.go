package mcp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/voicepay/voicepay/agent/ws"
	"github.com/voicepay/voicepay/wallet"
)

// ErrRefused means the daemon answered but refused the agent token. When
// nothing answers at all, the forwarder fails with ws.ErrDaemonDown, as every
// other client of the daemon does.
var ErrRefused = errors.New("the daemon refused the agent token")

// EUNAVAILABLE is the code of a tool error the forwarder gives when the
// daemon cannot be reached: the agent may retry the same call, with the same
// idempotency key, once the daemon is back.
const EUNAVAILABLE = "unavailable"

// Forwarder serves the payment tools over stdio for an agent that launches
// voicepay mcp, and forwards every call to the running daemon's /mcp with
// the agent's token. Its tools are the daemon's, as the daemon lists them.
type Forwarder struct {
	Endpoint string // e.g. http://127.0.0.1:8421/mcp
	Token    string // an agent-scope token
	Logger   *slog.Logger
	// Locate, when set, is asked for the endpoint before every connection,
	// in place of Endpoint: a daemon that listens on any free port (port 0)
	// comes back on another one after a restart.
	Locate func() (string, error)
	// RootCAs are the authorities a daemon's TLS certificate is checked
	// against; nil means the system's.
	RootCAs *x509.CertPool

	client *sdk.Client
	rt     *bearerTransport

	mu      sync.Mutex
	session *sdk.ClientSession
	tools   []*sdk.Tool
	init    *sdk.InitializeResult

	// waiting are the agent's calls in flight that carry a progress token,
	// by the token: where the daemon's progress notifications go.
	waiting sync.Map // progressKey → *sdk.ServerSession
}

// progressKey is a progress token as a map key: the same token, whether a
// number or a string, from the agent and back from the daemon.
func progressKey(token any) string { return fmt.Sprintf("%T:%v", token, token) }

// relay passes a progress notification of the daemon on to the agent whose
// call it is about.
func (f *Forwarder) relay(ctx context.Context, req *sdk.ProgressNotificationClientRequest) {
	v, ok := f.waiting.Load(progressKey(req.Params.ProgressToken))
	if !ok {
		return
	}
	if err := v.(*sdk.ServerSession).NotifyProgress(ctx, req.Params); err != nil {
		f.Logger.Warn("relay a progress notification", "err", err)
	}
}

// NewForwarder returns a forwarder to the daemon's MCP endpoint.
func NewForwarder(endpoint, token string) *Forwarder {
	return &Forwarder{Endpoint: endpoint, Token: token, Logger: slog.New(slog.DiscardHandler)}
}

// Open connects to the daemon and reads its tools. It fails with
// ws.ErrDaemonDown when nothing answers and ErrRefused when the token is wrong.
func (f *Forwarder) Open(ctx context.Context) error {
	var next http.RoundTripper = http.DefaultTransport
	if f.RootCAs != nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = &tls.Config{RootCAs: f.RootCAs, MinVersion: tls.VersionTLS12}
		next = tr
	}
	f.rt = &bearerTransport{token: f.Token, next: next}
	f.client = sdk.NewClient(&sdk.Implementation{Name: "voicepay-mcp", Version: "1"},
		&sdk.ClientOptions{ProgressNotificationHandler: f.relay})
	cs, err := f.connect(ctx)
	if err != nil {
		return err
	}
	var tools []*sdk.Tool
	for t, err := range cs.Tools(ctx, nil) {
		if err != nil {
			cs.Close()
			return f.explain(fmt.Errorf("list the daemon's tools: %w", err))
		}
		tools = append(tools, t)
	}
	f.mu.Lock()
	f.session, f.tools, f.init = cs, tools, cs.InitializeResult()
	f.mu.Unlock()
	return nil
}

// Tools returns the names of the tools forwarded.
func (f *Forwarder) Tools() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var names []string
	for _, t := range f.tools {
		names = append(names, t.Name)
	}
	return names
}

// Close ends the connection to the daemon.
func (f *Forwarder) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.session == nil {
		return nil
	}
	err := f.session.Close()
	f.session = nil
	return err
}

// Serve answers MCP on in and out, as voicepay mcp does on its stdin and
// stdout, until in ends or ctx is done. Open must have succeeded.
func (f *Forwarder) Serve(ctx context.Context, in io.ReadCloser, out io.WriteCloser) error {
	opts := &sdk.ServerOptions{Logger: f.Logger}
	impl := &sdk.Implementation{Name: "voicepay", Version: "1"}
	if f.init != nil {
		opts.Instructions = f.init.Instructions
		if f.init.ServerInfo != nil {
			impl = f.init.ServerInfo
		}
	}
	srv := sdk.NewServer(impl, opts)
	srv.AddReceivingMiddleware(codeErrors)
	for _, t := range f.tools {
		srv.AddTool(t, f.forward)
	}
	return srv.Run(ctx, &sdk.IOTransport{Reader: in, Writer: out})
}

// forward makes one call on the daemon. A call that cannot reach it is tried
// once more on a new connection, which is safe: every mutating tool is
// idempotent by its key, the others only read. The call's progress token
// goes with it, and the daemon's progress notifications come back to the
// agent.
func (f *Forwarder) forward(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
	params := &sdk.CallToolParams{Name: req.Params.Name, Arguments: req.Params.Arguments}
	if token := req.Params.GetProgressToken(); token != nil && req.Session != nil {
		params.Meta = sdk.Meta{"progressToken": token}
		k := progressKey(token)
		f.waiting.Store(k, req.Session)
		defer f.waiting.Delete(k)
	}
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		var cs *sdk.ClientSession
		if cs, err = f.current(ctx, attempt > 0); err != nil {
			break
		}
		var res *sdk.CallToolResult
		if res, err = cs.CallTool(ctx, params); err == nil {
			return res, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		err = f.explain(err)
		if errors.Is(err, ErrRefused) {
			break
		}
	}
	f.Logger.Warn("forward a tool call", "tool", req.Params.Name, "err", err)
	e := wallet.Errorf(EUNAVAILABLE, "%v; the person must start it (voicepay serve), then retry with the same idempotency key.", err)
	e.Retryable = true
	if errors.Is(err, ErrRefused) {
		e = wallet.Errorf(wallet.EUNAUTHORIZED, "%v; the person must issue a new one with voicepay agent add NAME.", err)
	}
	res := &sdk.CallToolResult{}
	setError(res, e)
	return res, nil
}

// current returns the session to the daemon, a new one when fresh is set.
func (f *Forwarder) current(ctx context.Context, fresh bool) (*sdk.ClientSession, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.session != nil && !fresh {
		return f.session, nil
	}
	if f.session != nil {
		f.session.Close()
		f.session = nil
	}
	cs, err := f.connect(ctx)
	if err != nil {
		return nil, err
	}
	f.session = cs
	return cs, nil
}

func (f *Forwarder) connect(ctx context.Context) (*sdk.ClientSession, error) {
	endpoint := f.Endpoint
	if f.Locate != nil {
		var err error
		if endpoint, err = f.Locate(); err != nil {
			return nil, fmt.Errorf("find the daemon: %w", err)
		}
	}
	f.rt.reset(endpoint)
	t := &sdk.StreamableClientTransport{Endpoint: endpoint, HTTPClient: &http.Client{Transport: f.rt},
		DisableStandaloneSSE: true, MaxRetries: 1}
	cs, err := f.client.Connect(ctx, t, nil)
	if err != nil {
		return nil, f.explain(err)
	}
	return cs, nil
}

// explain names what went wrong in the daemon's own terms, when it can.
func (f *Forwarder) explain(err error) error {
	endpoint := f.rt.where()
	if msg, ok := f.rt.refusal(); ok {
		return fmt.Errorf("%w at %s: %s", ErrRefused, endpoint, strings.TrimSuffix(msg, "."))
	}
	if f.rt.unreachable() {
		return fmt.Errorf("%w at %s", ws.ErrDaemonDown, strings.TrimSuffix(endpoint, Path))
	}
	return err
}

// bearerTransport adds the agent's token to every request and remembers
// where the last connection went, and whether the daemon refused it or
// could not be reached.
type bearerTransport struct {
	token string
	next  http.RoundTripper

	mu       sync.Mutex
	endpoint string
	refused  string // the daemon's reason, when it answered 401 or 403
	down     bool
}

func (b *bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	resp, err := b.next.RoundTrip(r)
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case err != nil && r.Context().Err() == nil:
		b.down = true
	case err == nil && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden):
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		resp.Body.Close()
		b.refused = refusalOf(body)
		resp.Body = io.NopCloser(strings.NewReader(string(body)))
	case err == nil:
		b.refused, b.down = "", false
	}
	return resp, err
}

// refusalOf is the reason in the daemon's 401 body: its JSON error's
// message, or the body as it is.
func refusalOf(body []byte) string {
	var r struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &r) == nil && r.Error.Message != "" {
		return r.Error.Message
	}
	return strings.TrimSpace(string(body))
}

// reset starts a connection to endpoint.
func (b *bearerTransport) reset(endpoint string) {
	b.mu.Lock()
	b.endpoint, b.refused, b.down = endpoint, "", false
	b.mu.Unlock()
}

func (b *bearerTransport) where() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.endpoint
}

func (b *bearerTransport) refusal() (string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.refused, b.refused != ""
}

func (b *bearerTransport) unreachable() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.down
}

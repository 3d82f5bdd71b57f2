// Package mcp is voicepay's Payment MCP server: the tools an AI agent uses to
// propose orders, ask for tips and meter usage under subscriptions, served
// over streamable HTTP at /mcp on the daemon and forwarded over stdio by
// voicepay mcp.
//
// An agent can only propose. The person confirms, authorizes and approves in
// their own session, by voice, glasses or typed text; no tool here does any
// of that, and within a mandate the person approved an agent may charge what
// it allows and nothing more. Agents authenticate with agent-scope device
// tokens; a user token is refused, so that no agent rides on a person's scope.
//
// The package hides the MCP SDK from the rest of voicepay.
package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/wallet"
)

// Path is where the daemon serves MCP.
const Path = "/mcp"

// Defaults of wait_order and wait_mandate. The default wait stays well
// under the 60 s request timeout common to MCP clients; a longer wait needs
// a client that resets its timeout on progress notifications.
const (
	DefaultWait      = 25 * time.Second  // when the agent gives no timeout
	MaxWait          = 300 * time.Second // the longest wait an agent may ask for
	ProgressInterval = 5 * time.Second   // between progress notifications
	// PollInterval is how often a wait looks again when nothing changed
	// what it waits on, for what lapses by the clock alone.
	PollInterval = 5 * time.Second
)

// Server serves the payment tools over a hub. Build it with NewServer, change
// the exported fields before serving, and mount it with Register.
type Server struct {
	Hub    *agent.Hub
	Logger *slog.Logger
	// PollInterval is how often a wait looks again at what it waits on
	// when no write changed it; a write wakes it at once.
	PollInterval time.Duration
	// ProgressInterval is how often a wait sends a progress notification,
	// when the client's request carries a progress token.
	ProgressInterval time.Duration

	mcp      *sdk.Server
	stop     chan struct{} // closed by Close
	stopOnce sync.Once
	// waiting, when set, is called each time a wait has read an order or
	// mandate that is still undecided and is about to wait for it to
	// change. Tests set it before serving (export_test.go), so as to act
	// only once a wait is under way.
	waiting func(id uint64)
}

// Mux is where Register mounts the server: the daemon's HTTP server.
type Mux interface {
	Handle(pattern string, h http.Handler)
}

// NewServer returns the payment tools over hub.
func NewServer(hub *agent.Hub) *Server {
	s := &Server{Hub: hub, Logger: slog.New(slog.DiscardHandler), PollInterval: PollInterval,
		ProgressInterval: ProgressInterval, stop: make(chan struct{})}
	s.mcp = sdk.NewServer(&sdk.Implementation{Name: "voicepay", Title: "voicepay payments", Version: "1"},
		&sdk.ServerOptions{Instructions: instructions})
	s.addTools()
	s.addAgentTools()
	s.mcp.AddReceivingMiddleware(codeErrors)
	return s
}

// Register mounts MCP at /mcp, for agent tokens. (A person pairs and
// revokes agents through the daemon's /v1/agents endpoints.) Each method
// of the streamable HTTP transport is registered on its own: a pattern
// without a method would conflict with the web companion's "GET /".
func (s *Server) Register(m Mux) {
	h := s.Handler()
	for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
		m.Handle(method+" "+Path, h)
	}
}

// Close ends every wait in progress, as a timeout would, so that the
// daemon's HTTP server can shut down without waiting for them.
func (s *Server) Close() error {
	s.stopOnce.Do(func() { close(s.stop) })
	return nil
}

// Handler serves MCP over streamable HTTP. Every request must carry an
// agent-scope bearer token; the agent it names is who the tools act for.
// The server is stateless: each request stands alone, so a revoked token is
// refused from its next request on. A call that carries a progress token is
// answered on an event stream, on which a long wait sends progress
// notifications before its result; any other with a single JSON response,
// which costs a charge less.
func (s *Server) Handler() http.Handler {
	serve := func(stream bool) http.Handler {
		h := sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return s.mcp },
			&sdk.StreamableHTTPOptions{Stateless: true, JSONResponse: !stream, Logger: s.Logger})
		return auth.RequireBearerToken(verified, &auth.RequireBearerTokenOptions{AllowMissingExpiration: true})(h)
	}
	return http.NewCrossOriginProtection().Handler(&front{s: s, plain: serve(false), stream: serve(true)})
}

// errWrongScope is why a user token is refused on /mcp.
var errWrongScope = errors.New("this is a user token; MCP takes an agent token: run voicepay agent add NAME for one")

// verify accepts agent-scope device tokens only. Its error is the coded
// refusal the client is shown.
func (s *Server) verify(ctx context.Context, token string) (*auth.TokenInfo, error) {
	d, err := s.Hub.DB.Authenticate(ctx, token)
	if errors.Is(err, wallet.ErrUnauthorized) || errors.Is(err, wallet.ErrNotFound) {
		return nil, wallet.Errorf(wallet.EUNAUTHORIZED, "The token is not valid or was revoked.")
	} else if err != nil {
		s.Logger.Error("authenticate an agent", "err", err)
		return nil, wallet.AsError(err)
	}
	if d.Scope != wallet.ScopeAgent {
		return nil, wallet.Errorf(wallet.EUNAUTHORIZED, "%s.", capitalize(errWrongScope.Error()))
	}
	return &auth.TokenInfo{UserID: d.ID, Scopes: []string{wallet.ScopeAgent}}, nil
}

// front is what answers /mcp before the SDK does: it refuses a request
// without a valid agent token with a 401 that says why, in JSON and in
// WWW-Authenticate; answers a call of a method MCP does not have with
// JSON-RPC's method-not-found error, as over stdio, where the SDK would
// answer HTTP 400 in plain text; and streams the answer to a call that
// carries a progress token.
type front struct {
	s             *Server
	plain, stream http.Handler
}

// tokenKey carries the token front verified to the SDK's bearer check.
type tokenKey struct{}

// verified hands the SDK the token front verified.
func verified(ctx context.Context, _ string, _ *http.Request) (*auth.TokenInfo, error) {
	if info, ok := ctx.Value(tokenKey{}).(*auth.TokenInfo); ok {
		return info, nil
	}
	return nil, auth.ErrInvalidToken
}

func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	kind, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(kind, "Bearer") || strings.TrimSpace(token) == "" {
		refuse(w, wallet.Errorf(wallet.EUNAUTHORIZED,
			"There is no bearer token: send Authorization: Bearer and an agent token (voicepay agent add NAME prints one)."))
		return
	}
	info, err := f.s.verify(r.Context(), strings.TrimSpace(token))
	if err != nil {
		refuse(w, err)
		return
	}
	r = r.WithContext(context.WithValue(r.Context(), tokenKey{}, info))
	call := f.peek(r)
	if call == nil {
		f.plain.ServeHTTP(w, r)
		return
	}
	next := f.plain
	if call.Params.Meta["progressToken"] != nil {
		next = f.stream
	}
	cw := &catchWriter{ResponseWriter: w}
	next.ServeHTTP(cw, r)
	cw.finish(call)
}

// refuse answers 401 with the refusal in the daemon's JSON error shape,
// and in WWW-Authenticate for clients that read only the header.
func refuse(w http.ResponseWriter, err error) {
	e := wallet.AsError(err)
	status := http.StatusUnauthorized
	if e.Code == wallet.EUNAUTHORIZED {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="voicepay", error="invalid_token", error_description=%q`,
			strings.ReplaceAll(e.Message, `"`, "'")))
	} else {
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": e})
}

// rpcCall is a JSON-RPC request that expects an answer.
type rpcCall struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params struct {
		Meta map[string]any `json:"_meta"`
	} `json:"params"`
}

// maxPeek bounds the body front reads to see which method is called.
const maxPeek = 4 << 20

// peek returns the request a POST carries when it is a single call, and
// leaves the body for the SDK to read.
func (f *front) peek(r *http.Request) *rpcCall {
	if r.Method != http.MethodPost || r.Body == nil {
		return nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxPeek))
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
	var c rpcCall
	if err != nil || json.Unmarshal(body, &c) != nil || len(c.ID) == 0 || string(c.ID) == "null" || c.Method == "" {
		return nil
	}
	return &c
}

// catchWriter holds back a plain-text 400 of the SDK, to answer a call of
// an unknown method as JSON-RPC does; anything else goes through as it is
// written, the event streams of calls included.
type catchWriter struct {
	http.ResponseWriter
	held *bytes.Buffer // the body of a 400 held back
}

func (c *catchWriter) WriteHeader(status int) {
	if status == http.StatusBadRequest && strings.HasPrefix(c.Header().Get("Content-Type"), "text/plain") {
		c.held = &bytes.Buffer{}
		return
	}
	c.ResponseWriter.WriteHeader(status)
}

func (c *catchWriter) Write(b []byte) (int, error) {
	if c.held != nil {
		return c.held.Write(b)
	}
	return c.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController flush the event stream.
func (c *catchWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// notHandled begins the SDK's refusal of a method it does not have.
const notHandled = "JSON RPC not handled"

// finish answers the call whose 400 was held back: -32601 for an unknown
// method, else the 400 as the SDK wrote it.
func (c *catchWriter) finish(call *rpcCall) {
	if c.held == nil {
		return
	}
	if !strings.HasPrefix(c.held.String(), notHandled) {
		c.ResponseWriter.WriteHeader(http.StatusBadRequest)
		c.ResponseWriter.Write(c.held.Bytes())
		return
	}
	c.Header().Set("Content-Type", "application/json")
	c.Header().Del("X-Content-Type-Options")
	c.ResponseWriter.WriteHeader(http.StatusOK)
	json.NewEncoder(c.ResponseWriter).Encode(map[string]any{"jsonrpc": "2.0", "id": call.ID,
		"error": map[string]any{"code": -32601, "message": fmt.Sprintf("Method not found: %s", call.Method)}})
}

// agentOf returns the id of the agent a tool call comes from.
func agentOf(req *sdk.CallToolRequest) (string, error) {
	if req.Extra == nil || req.Extra.TokenInfo == nil || req.Extra.TokenInfo.UserID == "" {
		return "", wallet.Errorf(wallet.EUNAUTHORIZED, "An agent token is required.")
	}
	return req.Extra.TokenInfo.UserID, nil
}

// fail turns err into the tool error an agent sees: the coded error's
// "code: message". Internal faults are logged here and shown as internal,
// retryable: the same call, with the same key, may go through later.
func (s *Server) fail(tool, ag string, err error) error {
	e := wallet.AsError(err)
	if e.Code == wallet.EINTERNAL {
		s.Logger.Error("tool failed", "tool", tool, "agent", ag, "err", err)
		internal := *e
		internal.Retryable = true
		return &internal
	}
	return e
}

// now is the wallet's clock.
func (s *Server) now() time.Time {
	if s.Hub.DB.Now != nil {
		return s.Hub.DB.Now()
	}
	return time.Now()
}

// text is a tool result whose text is summary; the SDK adds the structured
// output.
func text(summary string) *sdk.CallToolResult {
	return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: summary}}}
}

// ToolError is the structured content of every tool error, beside its text
// "code: message".
type ToolError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Retryable says the same call, with the same idempotency key, may
	// succeed if made again unchanged.
	Retryable bool `json:"retryable"`
}

// retryable are the codes of refusals that pass with time alone.
var retryable = map[string]bool{wallet.EBUSY: true, EUNAVAILABLE: true}

// setError makes r the tool error e: its text "code: message", and the
// same as structured content.
func setError(r *sdk.CallToolResult, e *wallet.Error) {
	r.IsError = true
	r.Content = []sdk.Content{&sdk.TextContent{Text: e.Error()}}
	r.StructuredContent = ToolError{Code: e.Code, Message: e.Message, Retryable: e.Retryable || retryable[e.Code]}
}

// codeErrors gives every tool error its code and structured content: the
// tools' own, and those the SDK makes for arguments that do not match a
// tool's schema, whose message it rewrites to read as a sentence.
func codeErrors(next sdk.MethodHandler) sdk.MethodHandler {
	return func(ctx context.Context, method string, req sdk.Request) (sdk.Result, error) {
		res, err := next(ctx, method, req)
		r, ok := res.(*sdk.CallToolResult)
		if err != nil || !ok || !r.IsError || r.StructuredContent != nil {
			return res, err
		}
		var e *wallet.Error
		if !errors.As(r.GetError(), &e) {
			e = wallet.Errorf(wallet.EINVALID, "%s", schemaMessage(r.GetError()))
		}
		setError(r, e)
		return r, nil
	}
}

// waitLength is how long a wait lasts for the timeout_seconds an agent gave.
func waitLength(seconds float64) (time.Duration, error) {
	switch {
	case seconds < 0 || seconds > MaxWait.Seconds() || math.IsNaN(seconds):
		return 0, wallet.Errorf(wallet.EINVALID, "timeout_seconds must be from 0 to %d.", int(MaxWait.Seconds()))
	case seconds == 0:
		return DefaultWait, nil
	}
	return time.Duration(seconds * float64(time.Second)), nil
}

// How a wait ended.
type waitEnd int

const (
	waitDecided  waitEnd = iota // look found the record decided
	waitTimedOut                // the time given passed first
	waitStopping                // the daemon is shutting down
)

// await waits up to wait for look to find the order or mandate (kind, id)
// decided, looking again after every committed write of it, and every
// PollInterval for what lapses by the clock. The time given is measured on
// the wallet's clock, which is the wall clock except in tests. While it
// waits it sends the client a progress notification every
// ProgressInterval, when the call carries a progress token, so that a
// client that resets its timeout on progress keeps waiting. what names the
// record in the notifications.
func (s *Server) await(ctx context.Context, req *sdk.CallToolRequest, kind string, id uint64, wait time.Duration,
	what string, look func() (decided bool, err error)) (waitEnd, error) {
	start, deadline := time.Now(), s.now().Add(wait)
	timer := time.NewTimer(wait)
	defer timer.Stop()
	poll := time.NewTicker(s.PollInterval)
	defer poll.Stop()
	var progress <-chan time.Time
	token := req.Params.GetProgressToken()
	if token != nil && req.Session != nil {
		t := time.NewTicker(s.ProgressInterval)
		defer t.Stop()
		progress = t.C
	}
	for {
		changed, stop := s.Hub.DB.Watch(kind, id)
		end, err := s.awaitOnce(ctx, deadline, id, look, func() (waitEnd, bool) {
			select {
			case <-ctx.Done():
			case <-timer.C:
				return waitTimedOut, true
			case <-s.stop:
				return waitStopping, true
			case <-changed:
			case <-poll.C:
			case <-progress:
				s.progress(ctx, req, token, start, wait, what)
			}
			return 0, false
		})
		stop()
		if err != nil || end >= 0 {
			return end, err
		}
	}
}

// awaitOnce looks once, and if the record is undecided, sleeps once; it
// returns -1 to go round again.
func (s *Server) awaitOnce(ctx context.Context, deadline time.Time, id uint64, look func() (bool, error),
	sleep func() (waitEnd, bool)) (waitEnd, error) {
	decided, err := look()
	switch {
	case err != nil:
		return 0, err
	case decided:
		return waitDecided, nil
	case !s.now().Before(deadline):
		return waitTimedOut, nil
	}
	if s.waiting != nil {
		s.waiting(id)
	}
	if end, ok := sleep(); ok {
		return end, nil
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return -1, nil
}

// progress tells the client how long the wait has lasted, of how long it
// may last. A failure to send is only logged: the wait goes on.
func (s *Server) progress(ctx context.Context, req *sdk.CallToolRequest, token any, start time.Time, wait time.Duration, what string) {
	waited := time.Since(start)
	err := req.Session.NotifyProgress(ctx, &sdk.ProgressNotificationParams{ProgressToken: token,
		Progress: waited.Seconds(), Total: wait.Seconds(),
		Message: fmt.Sprintf("Still waiting for the person to decide on %s: %d of %d s.", what,
			int(waited.Round(time.Second).Seconds()), int(wait.Seconds()))})
	if err != nil && ctx.Err() == nil {
		s.Logger.Warn("send a progress notification", "err", err)
	}
}

// counted is n of a thing, in the singular for one.
func counted(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// said is how a wait of tool ended, told to the agent: what to say before
// the summary, and whether the wait ran out without a decision.
func (e waitEnd) said(tool string) (lead string, timedOut bool) {
	switch e {
	case waitTimedOut:
		return "Still waiting for the person; call " + tool + " again to keep waiting. ", true
	case waitStopping:
		return "voicepay is stopping; call " + tool + " again once it is back. ", true
	}
	return "", false
}

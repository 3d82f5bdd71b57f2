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
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/wallet"
)

// Path is where the daemon serves MCP.
const Path = "/mcp"

// Defaults of wait_order.
const (
	DefaultWait  = 60 * time.Second  // when the agent gives no timeout
	MaxWait      = 300 * time.Second // the longest wait an agent may ask for
	PollInterval = 100 * time.Millisecond
)

// Server serves the payment tools over a hub. Build it with NewServer, change
// the exported fields before serving, and mount it with Register.
type Server struct {
	Hub    *agent.Hub
	Logger *slog.Logger
	// PollInterval is how often wait_order reads the order it waits on.
	PollInterval time.Duration

	mcp      *sdk.Server
	stop     chan struct{} // closed by Close
	stopOnce sync.Once
	// waiting, when set, is called each time wait_order has read an order
	// that is still undecided and is about to wait for it to change. Tests
	// set it before serving (export_test.go), so as to act only once a
	// wait is under way.
	waiting func(orderID uint64)
}

// Mux is where Register mounts the server: the daemon's HTTP server.
type Mux interface {
	Handle(pattern string, h http.Handler)
}

// NewServer returns the payment tools over hub.
func NewServer(hub *agent.Hub) *Server {
	s := &Server{Hub: hub, Logger: slog.New(slog.DiscardHandler), PollInterval: PollInterval, stop: make(chan struct{})}
	s.mcp = sdk.NewServer(&sdk.Implementation{Name: "voicepay", Title: "voicepay payments", Version: "1"},
		&sdk.ServerOptions{Instructions: instructions})
	s.addTools()
	s.addAgentTools()
	s.mcp.AddReceivingMiddleware(codeErrors)
	return s
}

// codeErrors gives the tool errors the SDK makes itself, for arguments that
// do not match a tool's schema, the code every other tool error carries.
func codeErrors(next sdk.MethodHandler) sdk.MethodHandler {
	return func(ctx context.Context, method string, req sdk.Request) (sdk.Result, error) {
		res, err := next(ctx, method, req)
		r, ok := res.(*sdk.CallToolResult)
		if err != nil || !ok || !r.IsError {
			return res, err
		}
		var e *wallet.Error
		if errors.As(r.GetError(), &e) {
			return res, err
		}
		msg := "The arguments do not match the tool's input schema."
		if r.GetError() != nil {
			msg = fmt.Sprintf("The arguments do not match the tool's input schema: %v.", r.GetError())
		}
		r.Content = []sdk.Content{&sdk.TextContent{Text: wallet.Errorf(wallet.EINVALID, "%s", msg).Error()}}
		return r, nil
	}
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

// Close ends every wait_order in progress, as a timeout would, so that the
// daemon's HTTP server can shut down without waiting for them.
func (s *Server) Close() error {
	s.stopOnce.Do(func() { close(s.stop) })
	return nil
}

// Handler serves MCP over streamable HTTP. Every request must carry an
// agent-scope bearer token; the agent it names is who the tools act for.
// The server is stateless: each request stands alone, so a revoked token is
// refused from its next request on.
func (s *Server) Handler() http.Handler {
	h := sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return s.mcp },
		&sdk.StreamableHTTPOptions{Stateless: true, JSONResponse: true, Logger: s.Logger})
	authed := auth.RequireBearerToken(s.verify, &auth.RequireBearerTokenOptions{AllowMissingExpiration: true})(h)
	return http.NewCrossOriginProtection().Handler(authed)
}

// errWrongScope is why a user token is refused on /mcp.
var errWrongScope = errors.New("this is a user token; MCP takes an agent token: run voicepay agent add NAME for one")

// verify accepts agent-scope device tokens only.
func (s *Server) verify(ctx context.Context, token string, _ *http.Request) (*auth.TokenInfo, error) {
	d, err := s.Hub.DB.Authenticate(ctx, token)
	if errors.Is(err, wallet.ErrUnauthorized) || errors.Is(err, wallet.ErrNotFound) {
		return nil, fmt.Errorf("%w: the token is not valid or was revoked", auth.ErrInvalidToken)
	} else if err != nil {
		s.Logger.Error("authenticate an agent", "err", err)
		return nil, err
	}
	if d.Scope != wallet.ScopeAgent {
		return nil, fmt.Errorf("%w: %w", auth.ErrInvalidToken, errWrongScope)
	}
	return &auth.TokenInfo{UserID: d.ID, Scopes: []string{wallet.ScopeAgent}}, nil
}

// agentOf returns the id of the agent a tool call comes from.
func agentOf(req *sdk.CallToolRequest) (string, error) {
	if req.Extra == nil || req.Extra.TokenInfo == nil || req.Extra.TokenInfo.UserID == "" {
		return "", wallet.Errorf(wallet.EUNAUTHORIZED, "An agent token is required.")
	}
	return req.Extra.TokenInfo.UserID, nil
}

// fail turns err into the tool error an agent sees: the coded error's
// "code: message". Internal faults are logged here and shown as internal.
func (s *Server) fail(tool, ag string, err error) error {
	e := wallet.AsError(err)
	if e.Code == wallet.EINTERNAL {
		s.Logger.Error("tool failed", "tool", tool, "agent", ag, "err", err)
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

// Package ws is voicepay's HTTP surface: the /v1/stream websocket that user
// devices talk to, the JSON API the CLI uses, the web companion at /,
// /healthz and /metrics. It hides net/http and gorilla/websocket from the
// rest of voicepay.
package ws

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/ws/web"
	"github.com/voicepay/voicepay/wallet"
)

// Server serves the daemon's HTTP endpoints. Build it with NewServer, add
// handlers with Handle, then Open.
type Server struct {
	Addr   string
	Hub    *agent.Hub
	Logger *slog.Logger
	// Transcriber answers /v1/audio/transcriptions; nil means no speech engine.
	Transcriber Transcriber
	// Recognizer hears the audio that clients send in binary frames on
	// /v1/stream; nil refuses audio frames.
	Recognizer agent.Recognizer
	// PasskeyRPID and PasskeyOrigins are the WebAuthn relying party id and
	// the origins passkey ceremonies may come from; see config Passkey.
	PasskeyRPID    string
	PasskeyOrigins []string

	webauthn   *webauthn.WebAuthn
	ceremonies ceremonies

	// IdleTimeout closes a keep-alive connection that sends no request for
	// that long; BodyTimeout cuts off a request whose body takes longer to
	// arrive. MaxConns bounds the connections open at once, websockets
	// included: past it, new connections wait to be accepted. NewServer sets
	// the defaults; zero means no bound.
	IdleTimeout time.Duration
	BodyTimeout time.Duration
	MaxConns    int

	// CertFile and KeyFile, when set, are the PEM files of the certificate
	// and key to serve https and wss with; unset serves plain http.
	CertFile, KeyFile string
	// AllowedHosts are more names the daemon answers to, besides localhost,
	// the loopback addresses, the listen host (or, listening on every
	// address, this machine's addresses) and the certificate's names. A
	// request for any other Host is refused (agent/ws/guard.go).
	AllowedHosts []string

	mux *http.ServeMux
	srv *http.Server
	ln  net.Listener

	// ctx is done once Close is called; it ends every websocket. conns
	// counts the websocket handlers still running, which Shutdown does not
	// wait for.
	ctx      context.Context
	cancel   context.CancelFunc
	conns    sync.WaitGroup
	registry registry // the open websockets, by device
}

// NewServer returns a server for hub on addr.
func NewServer(hub *agent.Hub, addr string) *Server {
	s := &Server{Addr: addr, Hub: hub, Logger: slog.New(slog.DiscardHandler), mux: http.NewServeMux(),
		IdleTimeout: 30 * time.Second, BodyTimeout: 30 * time.Second, MaxConns: 1024}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	for _, pattern := range web.Patterns() {
		s.mux.Handle(pattern, web.Handler())
	}
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /v1/stream", s.stream)
	s.mux.HandleFunc("GET /v1/wallet/balance", s.user(s.balance))
	s.mux.HandleFunc("GET /v1/wallet/history", s.user(s.history))
	s.mux.HandleFunc("POST /v1/wallet/topup", s.user(s.topup))
	s.mux.HandleFunc("POST /v1/wallet/unfreeze", s.user(s.unfreeze))
	s.mux.HandleFunc("GET /v1/audit/verify", s.user(s.verify))
	s.mux.HandleFunc("GET /v1/audit/log", s.user(s.auditLog))
	s.mux.HandleFunc("GET /v1/agents", s.user(s.agents))
	s.mux.HandleFunc("POST /v1/agents", s.user(s.addAgent))
	s.mux.HandleFunc("POST /v1/agents/revoke", s.user(s.revokeAgent))
	s.mux.HandleFunc("POST /v1/pair", s.pair())
	s.mux.HandleFunc("GET /v1/devices", s.user(s.devices))
	s.mux.HandleFunc("POST /v1/devices/pair", s.user(s.newPairingCode))
	s.mux.HandleFunc("POST /v1/devices/revoke", s.user(s.revokeDevice))
	s.mux.HandleFunc("GET /v1/mandates", s.user(s.mandates))
	s.mux.HandleFunc("POST /v1/mandates/revoke", s.user(s.revokeMandate))
	s.mux.HandleFunc("GET /v1/claims", s.user(s.claims))
	s.mux.HandleFunc("POST /v1/claims", s.user(s.fileClaim))
	s.mux.HandleFunc("POST /v1/claims/approve", s.user(s.approveClaim))
	s.mux.HandleFunc("POST /v1/claims/reject", s.user(s.rejectClaim))
	s.mux.HandleFunc("POST "+transcriptionPath, s.transcribe)
	s.mux.HandleFunc("POST /v1/passkeys/register/begin", s.user(s.registerBegin))
	s.mux.HandleFunc("POST /v1/passkeys/register/finish", s.user(s.registerFinish))
	s.mux.HandleFunc("POST /v1/passkeys/verify/begin", s.user(s.verifyBegin))
	s.mux.HandleFunc("POST /v1/passkeys/verify/finish", s.user(s.verifyFinish))
	s.mux.HandleFunc("GET /v1/passkeys", s.user(s.passkeys))
	s.mux.HandleFunc("POST /v1/passkeys/revoke", s.user(s.revokePasskey))
	s.mux.HandleFunc("POST /v1/passkeys/spoken-pin", s.user(s.spokenPIN))
	if hub.Metrics != nil {
		s.mux.Handle("GET /metrics", promhttp.HandlerFor(hub.Metrics.Registry, promhttp.HandlerOpts{}))
	}
	return s
}

// transcriptionPath is the OpenAI-compatible upload, whose bodies are larger.
const transcriptionPath = "/v1/audio/transcriptions"

// Handle adds a handler, for surfaces that live elsewhere (MCP, transcription).
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// Open starts listening. The actual address is in Addr afterwards, so ":0"
// works in tests. With CertFile and KeyFile set it serves TLS, 1.2 or later;
// a pair that cannot be read or does not match fails Open.
func (s *Server) Open() error {
	if err := s.openPasskeys(); err != nil {
		return err
	}
	var cfg *tls.Config
	var leaf *x509.Certificate
	if s.CertFile != "" || s.KeyFile != "" {
		cert, err := tls.LoadX509KeyPair(s.CertFile, s.KeyFile)
		if err != nil {
			return fmt.Errorf("tls certificate %s and key %s: %w", s.CertFile, s.KeyFile, err)
		}
		leaf = cert.Leaf
		// HTTP/1.1 only: the websocket upgrade needs it, and browsers then
		// share one connection for the page and the stream.
		cfg = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12,
			NextProtos: []string{"http/1.1"}}
	}
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", s.Addr, err)
	}
	guard := newHostGuard(s.Addr, ln.Addr().String(), leaf, s.AllowedHosts)
	s.Addr = ln.Addr().String()
	if s.MaxConns > 0 {
		ln = newLimitListener(ln, s.MaxConns)
	}
	if cfg != nil {
		ln = tls.NewListener(ln, cfg)
	}
	s.ln = ln
	s.srv = &http.Server{Handler: guard.wrap(s.limitBodies(s.mux), s.Logger), ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout: s.IdleTimeout, TLSConfig: cfg,
		ErrorLog: slog.NewLogLogger(s.Logger.Handler(), slog.LevelError)} // a handler's panic, too
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.Logger.Error("http server stopped", "err", err)
		}
	}()
	return nil
}

// URL is the server's base URL once it is open: https://host:port with TLS,
// else http://host:port.
func (s *Server) URL() string {
	if s.CertFile != "" {
		return "https://" + s.Addr
	}
	return "http://" + s.Addr
}

// Close stops accepting connections, waits briefly for open requests, and
// closes every websocket, waiting for a turn in progress to finish. Once it
// returns, nothing the server started touches the hub any more.
func (s *Server) Close() error {
	s.cancel()
	if s.srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	s.conns.Wait()
	return err
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// bearer returns the token of a request: the Authorization header, or, on
// a websocket upgrade only, the access_token query parameter, since browsers
// cannot set headers on a websocket. Anywhere else a token in the URL is
// ignored: a page on another site can post a form to a URL it chooses,
// but cannot add the header.
func bearer(r *http.Request) string {
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		return strings.TrimPrefix(h, "Bearer ")
	}
	if websocket.IsWebSocketUpgrade(r) {
		return r.URL.Query().Get("access_token")
	}
	return ""
}

// authenticate returns the device behind a request's token.
func (s *Server) authenticate(r *http.Request) (*wallet.Device, error) {
	token := bearer(r)
	if token == "" {
		s.Logger.Info("refused a request without a token", "remote", r.RemoteAddr, "path", r.URL.Path)
		return nil, wallet.Errorf(wallet.EUNAUTHORIZED, "A token is required: send Authorization: Bearer <token>.")
	}
	d, err := s.Hub.DB.Authenticate(r.Context(), token)
	if errors.Is(err, wallet.ErrUnauthorized) || errors.Is(err, wallet.ErrNotFound) {
		s.Logger.Warn("refused a token", "remote", r.RemoteAddr, "path", r.URL.Path) // never the token
		return nil, wallet.Errorf(wallet.EUNAUTHORIZED, "The token is not valid.")
	}
	return d, err
}

// user wraps a handler that needs a user-scope token.
func (s *Server) user(h func(http.ResponseWriter, *http.Request, *wallet.Device)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		d, err := s.authenticate(r)
		if err != nil {
			s.writeError(w, err)
			return
		}
		if d.Scope != wallet.ScopeUser {
			s.writeError(w, wallet.Errorf(wallet.EUNAUTHORIZED, "This needs a user token; agents may only propose."))
			return
		}
		h(w, r, d)
	}
}

var statusOf = map[string]int{
	wallet.EUNAUTHORIZED: http.StatusUnauthorized,
	wallet.EINVALID:      http.StatusBadRequest,
	wallet.ENOTFOUND:     http.StatusNotFound,
	wallet.ECONFLICT:     http.StatusConflict,
	wallet.EWRONGPIN:     http.StatusForbidden,
	wallet.ELOCKED:       http.StatusTooManyRequests,
	wallet.EINTERNAL:     http.StatusInternalServerError,
	wallet.EBUSY:         http.StatusServiceUnavailable,
}

func (s *Server) writeError(w http.ResponseWriter, err error) {
	e := wallet.AsError(err)
	if e.Code == wallet.EINTERNAL {
		s.Logger.Error("request failed", "err", err)
	}
	status, ok := statusOf[e.Code]
	if !ok {
		status = http.StatusUnprocessableEntity
	}
	writeJSON(w, status, map[string]any{"error": e})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

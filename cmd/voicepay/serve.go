package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/mcp"
	"github.com/voicepay/voicepay/agent/speech"
	"github.com/voicepay/voicepay/agent/ws"
	"github.com/voicepay/voicepay/config"
	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/intent/llm"
	"github.com/voicepay/voicepay/voice"
	"github.com/voicepay/voicepay/wallet"
)

// ServeCommand runs the daemon: the websocket, the JSON API, /healthz and
// /metrics. The wallet expires lapsed orders and holds by itself while it is
// open.
type ServeCommand struct{}

func (c *ServeCommand) Run(ctx context.Context, args []string) error {
	flags := newFlags("serve")
	mic := flags.fs.Bool("mic", false, "also listen on the local microphone and run every utterance through the dialog")
	speakReplies := flags.fs.Bool("speak", false, "with --mic, speak the replies through espeak-ng")
	sandbox := sandboxFlags(flags)
	cfg, err := flags.load(args)
	if err != nil {
		return err
	}
	if err := sandbox.configure(cfg); err != nil { // before anything reads the data directory
		return err
	}
	logger := newLogger(cfg, os.Stderr)
	cat, err := cfg.LoadCatalog()
	if err != nil {
		return err
	}
	parser, err := intent.Compile(intent.DefaultTemplates(), cat.Vocabulary())
	if err != nil {
		return fmt.Errorf("compile intents: %w", err)
	}
	db, err := openWallet(cfg, cat, logger.With("component", "wallet"), verifyOnOpen)
	if err != nil {
		return err
	}
	defer db.Close() // stops the wallet's sweeper and closes the ledger, last
	if err := sandbox.prepare(ctx, cfg, db); err != nil {
		return err
	}
	hub, err := newHub(ctx, cfg, cat, parser, db, logger)
	if err != nil {
		return err
	}
	srv, tools := newServer(cfg, hub, logger)
	sandbox.mark(hub, tools)
	// The websocket streams and the transcription endpoint share a pool of
	// decoders, one per core; the microphone has a decoder of its own, so
	// that it never waits on them.
	if sp, err := speech.New(parser, 0); err != nil {
		logger.Warn("speech-to-text is off", "err", err)
	} else {
		defer sp.Close()
		srv.Transcriber = sp
		srv.Recognizer = sp // audio sent in websocket binary frames
	}
	if err := srv.Open(); err != nil {
		return err
	}
	if err := writeAddress(cfg, srv); err != nil {
		srv.Close()
		return err
	}
	defer removeAddress(cfg) // after the server has closed; the wallet's lock is still held
	parts := sandbox.person(hub, logger)
	if *mic {
		parts = append(parts, func(ctx context.Context) error {
			return listen(ctx, hub, parser, *speakReplies, logger.With("component", "mic"))
		})
	}
	logger.Info("voicepay is listening", "url", srv.URL(), "data", cfg.DataDir, "tls_cert", cfg.TLSCert)
	if cfg.Exposed() && !cfg.TLS() { // allowed only by allow_insecure
		logger.Warn("serving plain http beyond loopback: tokens, PINs and speech cross the network in the clear",
			"addr", srv.Addr)
		fmt.Fprintf(os.Stderr, "voicepay: WARNING: serving plain http on %s, beyond loopback (allow_insecure): "+
			"tokens, PINs and speech cross the network in the clear; run voicepay tls init to serve TLS\n", srv.Addr)
	}
	fmt.Fprintf(os.Stderr, "voicepay: serving on %s (stop with Ctrl-C)\n", srv.URL())
	sandbox.announce(os.Stderr, cfg, srv)
	failure := runParts(ctx, parts)
	logger.Info("shutting down")
	tools.Close() // ends the agents' waits, which would hold up the HTTP server
	if err := srv.Close(); failure == nil {
		failure = err
	}
	return failure
}

// newHub is the dialog hub over the wallet, with the language-model
// fallback when the configuration turns it on.
func newHub(ctx context.Context, cfg *config.Config, cat *config.Catalog, parser *intent.Parser, db *wallet.DB,
	logger *slog.Logger) (*agent.Hub, error) {
	if ok, err := db.HasPIN(ctx); err != nil {
		return nil, err
	} else if !ok {
		logger.Warn("no PIN is set: run voicepay init before enabling payments")
	}
	hub := agent.NewHub(db, parser, cat)
	hub.Logger = logger.With("component", "agent")
	hub.Metrics = agent.NewMetrics()
	if cfg.LLM.Enabled() {
		fb, err := newFallback(cfg, cat)
		if err != nil {
			return nil, err
		}
		hub.Fallback = fb
		logger.Info("intent fallback on", "model", cfg.LLM.Model, "base_url", cfg.LLM.BaseURL)
	}
	return hub, nil
}

// newServer is the daemon's HTTP server, with the Payment MCP server on it.
func newServer(cfg *config.Config, hub *agent.Hub, logger *slog.Logger) (*ws.Server, *mcp.Server) {
	srv := ws.NewServer(hub, cfg.Listen)
	srv.PasskeyRPID, srv.PasskeyOrigins = cfg.Passkey()
	srv.Logger = logger.With("component", "http")
	srv.CertFile, srv.KeyFile = cfg.TLSCert, cfg.TLSKey
	tools := mcp.NewServer(hub)
	tools.Logger = logger.With("component", "mcp")
	tools.Register(srv)
	return srv, tools
}

// writeAddress says where the daemon listens, for the CLI when the
// configuration asks for any free port: the URL file, then the address file,
// which scripts wait for. Each is replaced whole (written to a temporary
// file, synced, renamed), so a reader never sees half an address. One left
// by a daemon that was killed names a port that is no longer the daemon's,
// until the next daemon replaces it.
func writeAddress(cfg *config.Config, srv *ws.Server) error {
	// The configured host, not the one the listener reports: Go listens on
	// every address as [::], whether 0.0.0.0 or [::] was asked for.
	scheme, _, _ := strings.Cut(srv.URL(), "://")
	host, _, _ := net.SplitHostPort(cfg.Listen)
	_, port, _ := net.SplitHostPort(srv.Addr)
	url := scheme + "://" + localAddr(net.JoinHostPort(host, port))
	if err := writeFileAtomic(urlPath(cfg), []byte(url+"\n"), 0o600); err != nil {
		return fmt.Errorf("address file: %w", err)
	}
	if err := writeFileAtomic(addrPath(cfg), []byte(srv.Addr+"\n"), 0o600); err != nil {
		os.Remove(urlPath(cfg))
		return fmt.Errorf("address file: %w", err)
	}
	return nil
}

// removeAddress removes the files writeAddress wrote.
func removeAddress(cfg *config.Config) {
	os.Remove(addrPath(cfg))
	os.Remove(urlPath(cfg))
}

// runParts runs the daemon's background parts (the microphone) until ctx
// is done or one of them fails. Either way it stops them all and waits for
// them; a failure is what it returns, so the daemon exits non-zero with it.
func runParts(ctx context.Context, parts []func(context.Context) error) error {
	partsCtx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	failed := make(chan error, 1)
	for _, run := range parts {
		wg.Go(func() {
			if err := run(partsCtx); err != nil {
				select {
				case failed <- err:
				default: // the first failure is the one reported
				}
			}
		})
	}
	var failure error
	select {
	case <-ctx.Done():
	case failure = <-failed:
	}
	stop()
	wg.Wait() // the microphone is released and its last turn done
	return failure
}

// micDevice is the device the local microphone speaks as. It is paired on
// first use; payments on it are enabled by voice, like any other device.
const micDevice = "mic"

// listen runs the microphone through the endpointer and the recognizer into
// the dialog of micDevice. It returns nil once ctx is done. Any other end is
// a failure of the microphone, and listen returns it: the device would not
// open, capture failed, or the device stopped by itself (unplugged, or its
// audio server went away). Either way it has released what it opened.
func listen(ctx context.Context, hub *agent.Hub, parser *intent.Parser, speakReplies bool, logger *slog.Logger) error {
	// The device first: when there is none, say so before anything slow.
	m, err := voice.OpenMic(&voice.MicOptions{Logger: logger})
	if err != nil {
		return fmt.Errorf("open the microphone: %w", err)
	}
	defer m.Close() // also ends a Read in progress
	dev, err := hub.DB.Device(ctx, micDevice)
	if errors.Is(err, wallet.ErrNotFound) {
		if _, err = hub.DB.AddDevice(ctx, micDevice, wallet.ScopeUser); err == nil {
			dev, err = hub.DB.Device(ctx, micDevice)
		}
	}
	if err != nil {
		return fmt.Errorf("microphone device: %w", err)
	}
	sess, err := hub.Session(ctx, dev)
	if err != nil {
		return err
	}
	sp, err := speech.New(parser, 1) // one person, one utterance at a time
	if err != nil {
		return err
	}
	defer sp.Close()
	fmt.Fprintln(os.Stderr, "voicepay: listening on the microphone; say \"enable alipay payment function\" to start")
	// The microphone is deaf while voicepay speaks next to it, and for a
	// moment after, so that it never hears voicepay's own words.
	ear := voice.NewHalfDuplex(m)
	var speaking sync.Mutex // one sentence at a time: a reply, or what an agent proposed
	say := func(text string) {
		speaking.Lock()
		defer speaking.Unlock()
		defer ear.Speaking()()
		if err := speak(ctx, text); err != nil {
			logger.Warn("speak", "err", err)
		}
	}
	// What agents propose is said at once; the person answers by voice.
	events, unsubscribe := hub.Subscribe()
	announced := make(chan struct{})
	go func() {
		defer close(announced)
		for e := range events {
			logger.Info("agent", "event", e.Type, "text", e.Text)
			fmt.Fprintf(os.Stderr, "agent: %s\n", e.Text)
			if speakReplies && e.Type == agent.EventProposal {
				say(e.Speech()) // never the agent's memo
			}
		}
	}()
	defer func() {
		unsubscribe()
		<-announced
	}()
	err = sess.Listen(ctx, ear, sp, agent.Listener{Turn: func(t *agent.Turn, heard agent.Heard) {
		logTurn(logger, os.Stderr, t, heard)
		if speakReplies {
			say(t.Reply)
		}
	}})
	switch {
	case ctx.Err() != nil:
		return nil
	case err == nil:
		return errors.New("the microphone stopped: the capture device ended")
	}
	return fmt.Errorf("the microphone stopped: %w", err)
}

// logTurn logs a turn the microphone heard, and shows it on w; what
// answered a PIN prompt is neither logged nor shown, as on the websocket.
func logTurn(logger *slog.Logger, w io.Writer, t *agent.Turn, heard agent.Heard) {
	logged, shown := heard.Text, fmt.Sprintf("%q", heard.Text)
	if t.Secret {
		logged, shown = agent.SecretText, agent.SecretText
	}
	logger.Info("turn", "heard", logged, "confidence", heard.Confidence, "reply", t.Reply, "state", t.State)
	fmt.Fprintf(w, "heard %s: %s\n", shown, t.Reply)
}

// newFallback is the language-model intent fallback the configuration
// describes.
func newFallback(cfg *config.Config, cat *config.Catalog) (*llm.Fallback, error) {
	key, err := cfg.LLM.APIKey(os.LookupEnv)
	if err != nil {
		return nil, err
	}
	fb, err := llm.New(cfg.LLM.BaseURL, cfg.LLM.Model, cat.Vocabulary())
	if err != nil {
		return nil, fmt.Errorf("intent fallback: %w", err)
	}
	fb.APIKey, fb.Timeout = key, cfg.LLM.Timeout
	return fb, nil
}

package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/ws"
	"github.com/voicepay/voicepay/intent"
)

// ServeCommand runs the daemon: the websocket, the JSON API, /healthz and
// /metrics, and the sweeper that expires orders and holds.
type ServeCommand struct{}

// sweepInterval is how often expired orders and holds are voided.
const sweepInterval = time.Second

func (c *ServeCommand) Run(ctx context.Context, args []string) error {
	flags := newFlags("serve")
	cfg, err := flags.load(args)
	if err != nil {
		return err
	}
	logger := newLogger(cfg, os.Stderr)
	cat, err := cfg.LoadCatalog()
	if err != nil {
		return err
	}
	parser, err := intent.Compile(intent.DefaultTemplates(), agent.Vocabulary(cat))
	if err != nil {
		return fmt.Errorf("compile intents: %w", err)
	}
	db, err := openWallet(cfg, cat, logger.With("component", "wallet"))
	if err != nil {
		return err
	}
	defer db.Close()
	if ok, err := db.HasPIN(ctx); err != nil {
		return err
	} else if !ok {
		logger.Warn("no PIN is set: run voicepay init before enabling payments")
	}

	hub := agent.NewHub(db, parser, cat)
	hub.Logger = logger.With("component", "agent")
	hub.Metrics = agent.NewMetrics()
	srv := ws.NewServer(hub, cfg.Listen)
	srv.Logger = logger.With("component", "http")
	if err := srv.Open(); err != nil {
		return err
	}
	swept := make(chan struct{})
	go func() {
		defer close(swept)
		db.RunSweeper(ctx, sweepInterval)
	}()
	logger.Info("voicepay is listening", "addr", srv.Addr, "data", cfg.DataDir)
	fmt.Fprintf(os.Stderr, "voicepay: serving on http://%s (stop with Ctrl-C)\n", srv.Addr)
	<-ctx.Done()

	// Stop taking turns, let the sweeper finish, then close the ledger.
	logger.Info("shutting down")
	err = srv.Close()
	<-swept
	return err
}

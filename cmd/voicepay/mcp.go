package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/voicepay/voicepay/agent/mcp"
	"github.com/voicepay/voicepay/agent/ws"
)

// MCPCommand serves the payment tools over stdio for an agent that launches
// it, such as Claude Code, and forwards every call to the running daemon's
// /mcp with the agent's token. It never opens the wallet itself.
type MCPCommand struct{}

const mcpUsage = "usage: voicepay mcp [--token-file FILE]; the agent token comes from FILE or VOICEPAY_AGENT_TOKEN"

func (c *MCPCommand) Run(ctx context.Context, args []string) error {
	flags := newFlags("mcp")
	tokenFile := flags.fs.String("token-file", "", "read the agent token from `file`; else VOICEPAY_AGENT_TOKEN")
	cfg, err := flags.load(args)
	if err != nil {
		return err
	}
	if len(flags.args) > 0 {
		return errors.New(mcpUsage)
	}
	token, err := agentToken(*tokenFile)
	if err != nil {
		return err
	}
	base, err := daemonURL(cfg)
	if err != nil {
		return err
	}
	f := mcp.NewForwarder(base+mcp.Path, token)
	// Found anew for every connection: a daemon on port 0 moves when it
	// restarts, and the agent's session outlives that.
	f.Locate = func() (string, error) {
		base, err := daemonURL(cfg)
		return base + mcp.Path, err
	}
	if f.RootCAs, err = trustedRoots(cfg); err != nil {
		return err
	}
	f.Logger = newLogger(cfg, os.Stderr).With("component", "mcp")
	if err := f.Open(ctx); err != nil {
		switch {
		case errors.Is(err, ws.ErrDaemonDown):
			return fmt.Errorf("%w: start it with voicepay serve", err)
		case errors.Is(err, mcp.ErrRefused):
			return fmt.Errorf("%w; voicepay agent add NAME prints an agent token", err)
		}
		return err
	}
	defer f.Close()
	err = f.Serve(ctx, os.Stdin, os.Stdout)
	if errors.Is(err, io.EOF) || ctx.Err() != nil {
		return nil // the agent went away, or we were told to stop
	}
	return err
}

// agentToken reads the agent's token from file, or else from the environment.
func agentToken(file string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("agent token: %w", err)
		}
		if t := strings.TrimSpace(string(b)); t != "" {
			return t, nil
		}
		return "", fmt.Errorf("agent token: %s is empty", file)
	}
	if t := strings.TrimSpace(os.Getenv("VOICEPAY_AGENT_TOKEN")); t != "" {
		return t, nil
	}
	return "", errors.New("no agent token: set VOICEPAY_AGENT_TOKEN or pass --token-file FILE " +
		"(voicepay agent add NAME prints one)")
}

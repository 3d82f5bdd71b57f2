package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/mcp"
	"github.com/voicepay/voicepay/agent/ws"
	"github.com/voicepay/voicepay/config"
	"github.com/voicepay/voicepay/wallet"
)

// voicepay serve --sandbox serves a wallet of test money in a data
// directory of its own, DATA/sandbox, with a fake person who approves every
// proposal (agent.SandboxPerson) and an agent paired for the developer. It
// never opens the real wallet, and it listens on the port after the
// configured one, so that it runs beside the real daemon. docs/sandbox.md
// says how to use it.

const (
	sandboxAgent   = "sandbox"         // the agent paired for the developer
	sandboxOpening = 1_000_000         // the test money the wallet starts with, minor units: 10,000 yuan
	sandboxTopup   = "sandbox-opening" // the key of that top-up
	sandboxPINLen  = 6                 // digits of the PIN the sandbox chooses
	sandboxDirName = "sandbox"         // under the data directory
	sandboxPINFile = "pin"             // the sandbox wallet's PIN, mode 0600
	sandboxToken   = "agent.token"     // the agent's token, mode 0600
)

// sandboxMode is voicepay serve's --sandbox and what it sets up. Its
// methods do nothing when the flag is off.
type sandboxMode struct {
	on     *bool
	delay  *time.Duration
	flags  *commonFlags
	pin    string
	token  string // where the agent's token is
	opened bool   // this start set the wallet up
}

// sandboxFlags adds --sandbox and --sandbox-delay to serve's flags.
func sandboxFlags(flags *commonFlags) *sandboxMode {
	return &sandboxMode{flags: flags,
		on: flags.fs.Bool("sandbox", false, "serve the sandbox: a wallet of test money in DATA/sandbox, an agent "+
			"\"sandbox\" whose token is in DATA/sandbox/agent.token, and a fake person who approves every proposal; "+
			"it listens on the port after the configured one"),
		delay: flags.fs.Duration("sandbox-delay", agent.DefaultSandboxDelay,
			"with --sandbox, how long the fake person takes to answer a proposal"),
	}
}

// configure makes cfg the sandbox's: its own data directory, and the port
// after the configured one, unless --listen was given (any free port, 0,
// stays 0).
func (m *sandboxMode) configure(cfg *config.Config) error {
	if !*m.on {
		return nil
	}
	cfg.DataDir = filepath.Join(cfg.DataDir, sandboxDirName)
	if *m.flags.settings["listen"] != "" {
		return nil
	}
	host, port, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen %q: %w", cfg.Listen, err)
	}
	if p, err := strconv.Atoi(port); err == nil && p > 0 && p < 65535 {
		cfg.Listen = net.JoinHostPort(host, strconv.Itoa(p+1))
	}
	return nil
}

// prepare sets the sandbox's wallet up on its first start: the opening
// balance, then a random PIN (kept in DATA/sandbox/pin), and pairs the
// agent, writing its token to DATA/sandbox/agent.token. A later start
// reuses all of it, and pairs the agent anew only when its token was lost
// or revoked.
func (m *sandboxMode) prepare(ctx context.Context, cfg *config.Config, db *wallet.DB) error {
	if !*m.on {
		return nil
	}
	pinPath := filepath.Join(cfg.DataDir, sandboxPINFile)
	has, err := db.HasPIN(ctx)
	if err != nil {
		return err
	}
	if !has {
		// The top-up first: its key makes it once, even when a start that
		// crashed before the PIN was set topped up already.
		if _, err := db.Topup(ctx, sandboxTopup, sandboxOpening); err != nil {
			return err
		}
		if m.pin, err = sandboxPIN(pinPath); err != nil {
			return err
		}
		if err := db.SetPIN(ctx, m.pin); err != nil {
			return err
		}
		m.opened = true
	} else if m.pin, err = readSandboxPIN(pinPath); err != nil {
		return err
	}
	m.token = filepath.Join(cfg.DataDir, sandboxToken)
	return pairSandboxAgent(ctx, db, m.token)
}

// sandboxPIN is the PIN in path, or a new random one written there.
func sandboxPIN(path string) (string, error) {
	if pin, err := readSandboxPIN(path); err == nil {
		return pin, nil
	}
	var b strings.Builder
	for range sandboxPINLen {
		d, err := rand.Int(rand.Reader, big.NewInt(10))
		if err != nil {
			return "", err
		}
		b.WriteString(d.String())
	}
	if err := writeFileAtomic(path, []byte(b.String()+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("the sandbox's PIN: %w", err)
	}
	return b.String(), nil
}

// readSandboxPIN reads the PIN the sandbox chose.
func readSandboxPIN(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("the sandbox's PIN: %w (to start the sandbox anew, remove %s)", err, filepath.Dir(path))
	}
	pin := strings.TrimSpace(string(b))
	if !wallet.ValidPIN(pin) {
		return "", fmt.Errorf("the sandbox's PIN in %s is not 4 to 12 digits (to start the sandbox anew, remove %s)",
			path, filepath.Dir(path))
	}
	return pin, nil
}

// pairSandboxAgent keeps the agent's token in path valid: the token there
// if the wallet still takes it, else a new pairing.
func pairSandboxAgent(ctx context.Context, db *wallet.DB, path string) error {
	if b, err := os.ReadFile(path); err == nil {
		d, err := db.Authenticate(ctx, strings.TrimSpace(string(b)))
		if err == nil && d.ID == sandboxAgent && d.Scope == wallet.ScopeAgent {
			if d.Granted(wallet.GrantBalance) {
				return nil
			}
			_, _, err := agent.AddAgent(ctx, db, sandboxAgent, wallet.AllGrants, nil)
			return err
		}
	}
	if _, err := db.Device(ctx, sandboxAgent); err == nil {
		if err := agent.RevokeAgent(ctx, db, sandboxAgent); err != nil {
			return fmt.Errorf("pair the sandbox's agent anew: %w", err)
		}
	} else if !errors.Is(err, wallet.ErrNotFound) {
		return err
	}
	_, token, err := agent.AddAgent(ctx, db, sandboxAgent, wallet.AllGrants, nil)
	if err != nil {
		return fmt.Errorf("pair the sandbox's agent: %w", err)
	}
	if err := writeFileAtomic(path, []byte(token+"\n"), 0o600); err != nil {
		return fmt.Errorf("the sandbox's agent token: %w", err)
	}
	return nil
}

// mark makes the hub's replies and the MCP server's results say that this
// is the sandbox.
func (m *sandboxMode) mark(hub *agent.Hub, tools *mcp.Server) {
	if !*m.on {
		return
	}
	hub.Sandbox = true
	tools.Sandbox()
}

// person is the fake person, as a part of the daemon.
func (m *sandboxMode) person(hub *agent.Hub, logger *slog.Logger) []func(context.Context) error {
	if !*m.on {
		return nil
	}
	p := agent.NewSandboxPerson(hub, m.pin)
	p.Delay = *m.delay
	p.Logger = logger.With("component", "sandbox")
	return []func(context.Context) error{p.Run}
}

// announce says where the sandbox is and how an agent reaches it.
func (m *sandboxMode) announce(w io.Writer, cfg *config.Config, srv *ws.Server) {
	if !*m.on {
		return
	}
	if m.opened {
		fmt.Fprintf(w, "voicepay: SANDBOX: a new test wallet in %s with %s of test money\n", cfg.DataDir,
			agent.Money(sandboxOpening, srv.Hub.Catalog.Currency))
	}
	fmt.Fprintln(w, "voicepay: SANDBOX: test money only, no real payment; the real wallet is never opened")
	fmt.Fprintf(w, "voicepay: SANDBOX: a fake person approves every proposal %v after it is made\n", *m.delay)
	fmt.Fprintf(w, "voicepay: SANDBOX: agent %q: MCP at %s%s, token in %s\n", sandboxAgent, srv.URL(), mcp.Path, m.token)
	fmt.Fprintln(w, "voicepay: SANDBOX: it listens on a port of its own, so that the real daemon can run beside it")
}

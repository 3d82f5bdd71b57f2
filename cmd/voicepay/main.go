// Command voicepay is the voicepay daemon and its command-line tools.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/voicepay/voicepay/agent/ws"
	"github.com/voicepay/voicepay/config"
	"github.com/voicepay/voicepay/risk/walletscreen"
	"github.com/voicepay/voicepay/wallet"
)

const usage = `voicepay pays by voice through AI agents.

Usage:
  voicepay serve                 run the daemon
  voicepay serve --sandbox       test money and a fake person who approves, for agent developers
  voicepay init                  create the wallet and set the PIN
  voicepay say TEXT              run one dialog turn on the daemon
  voicepay chat                  talk to the daemon interactively, by typing
  voicepay parse [--json] TEXT   show the intent of a sentence (no daemon needed)
  voicepay transcribe [--json] FILE...  speech to text and intents, offline
  voicepay wallet balance|history|topup AMOUNT|unfreeze|compact
  voicepay audit verify          check the audit chain and re-derive balances
  voicepay audit log             print the audit chain (--since 24h, --json)
  voicepay agent add NAME [--allow G,...] [--deny G,...]|list|revoke NAME
                                 pair, list or revoke AI agents; grants are
                                 orders, tips, subscriptions (by default) and balance
  voicepay device pair NAME|list|revoke NAME  pair, list or revoke your glasses or phone
  voicepay claim file TRANSFER [--reason TEXT]|list|approve ID|reject ID [--note TEXT]
                                 report an unauthorized payment; review claims
  voicepay mcp                   the payment MCP server over stdio, for an agent
  voicepay config check          list every problem in the configuration
  voicepay tls init [--name NAME] [--ip IP] [--force]
                                 make a local CA and a certificate, so that
                                 phones and glasses reach the daemon over TLS

Every command takes --config FILE, --data DIR, --listen ADDR, --log-level
LEVEL, --tls-cert FILE, --tls-key FILE and --insecure; VOICEPAY_* environment
variables set the same keys. Run 'voicepay COMMAND -h' for a command's own
flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	}
	if err != nil {
		var e *wallet.Error
		if errors.As(err, &e) {
			fmt.Fprintf(os.Stderr, "voicepay: %s (%s)\n", e.Message, e.Code)
		} else if code := wallet.AsError(err).Code; code != wallet.EINTERNAL {
			fmt.Fprintf(os.Stderr, "voicepay: %v (%s)\n", err, code)
		} else {
			fmt.Fprintf(os.Stderr, "voicepay: %v\n", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return flag.ErrHelp
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "serve":
		return (&ServeCommand{}).Run(ctx, args)
	case "init":
		return (&InitCommand{}).Run(ctx, args)
	case "say":
		return (&SayCommand{}).Run(ctx, args)
	case "chat":
		return (&ChatCommand{}).Run(ctx, args)
	case "transcribe":
		return (&TranscribeCommand{}).Run(ctx, args)
	case "parse":
		return (&ParseCommand{}).Run(ctx, args)
	case "wallet":
		return (&WalletCommand{}).Run(ctx, args)
	case "audit":
		return (&AuditCommand{}).Run(ctx, args)
	case "config":
		return (&ConfigCommand{}).Run(ctx, args)
	case "agent":
		return (&AgentCommand{}).Run(ctx, args)
	case "device":
		return (&DeviceCommand{}).Run(ctx, args)
	case "claim":
		return (&ClaimCommand{}).Run(ctx, args)
	case "mcp":
		return (&MCPCommand{}).Run(ctx, args)
	case "tls":
		return (&TLSCommand{}).Run(ctx, args)
	case "help", "-h", "--help":
		fmt.Fprint(os.Stdout, usage)
		return nil
	}
	fmt.Fprint(os.Stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// commonFlags are the flags every command takes; they override the file and
// the environment.
type commonFlags struct {
	fs       *flag.FlagSet
	file     string
	settings map[string]*string
	insecure *bool
	args     []string // the arguments that are not flags
	// fixed are settings the command itself makes, over every layer.
	fixed map[string]string
}

func newFlags(name string) *commonFlags {
	fs := flag.NewFlagSet("voicepay "+name, flag.ContinueOnError)
	c := &commonFlags{fs: fs, settings: map[string]*string{}}
	fs.StringVar(&c.file, "config", os.Getenv("VOICEPAY_CONFIG"), "configuration `file` (YAML); also VOICEPAY_CONFIG")
	for flagName, key := range map[string]string{"data": "data_dir", "listen": "listen", "log-level": "log_level",
		"catalog": "catalog", "tls-cert": "tls_cert", "tls-key": "tls_key"} {
		c.settings[key] = fs.String(flagName, "", "sets "+key)
	}
	c.insecure = fs.Bool("insecure", false, "sets allow_insecure: serve plain http beyond loopback")
	return c
}

// load parses args and reads the configuration: file, then environment, then
// flags. Flags may come before or after the other arguments, which are left
// in c.args; "--" ends the flags.
func (c *commonFlags) load(args []string) (*config.Config, error) {
	for {
		if err := c.fs.Parse(args); err != nil {
			return nil, err
		}
		left := c.fs.Args()
		if len(left) == 0 {
			break
		}
		if len(args) > len(left) && args[len(args)-len(left)-1] == "--" {
			c.args = append(c.args, left...)
			break
		}
		c.args = append(c.args, left[0])
		args = left[1:]
	}
	set := map[string]string{}
	for key, v := range c.settings {
		if *v != "" {
			set[key] = *v
		}
	}
	if *c.insecure {
		set["allow_insecure"] = "true"
	}
	maps.Copy(set, c.fixed)
	return config.Load(config.Source{File: c.file, Env: os.LookupEnv, Flags: set})
}

// newLogger sets up log/slog at the configured level.
func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(cfg.LogLevel))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

func walletPath(cfg *config.Config) string { return filepath.Join(cfg.DataDir, "wallet.db") }
func tokenPath(cfg *config.Config) string  { return filepath.Join(cfg.DataDir, "token") }

// addrPath is the daemon's address file: the host:port it listens on, which
// serve writes once it listens and removes when it stops. urlPath, written
// with it, is the base URL the CLI reaches it at: https when it serves TLS,
// and a loopback host when it listens on every address.
func addrPath(cfg *config.Config) string { return filepath.Join(cfg.DataDir, "addr") }
func urlPath(cfg *config.Config) string  { return filepath.Join(cfg.DataDir, "url") }

// daemonURL is where the CLI finds the daemon: the configured listen
// address, or, when that asks for any free port (port 0), the URL the
// running daemon wrote to its file. With no file there is no daemon, and
// the listen address stands, where nothing answers.
func daemonURL(cfg *config.Config) (string, error) {
	scheme := "http://"
	if cfg.TLS() {
		scheme = "https://"
	}
	if _, port, err := net.SplitHostPort(cfg.Listen); err != nil || port != "0" {
		return scheme + localAddr(cfg.Listen), nil
	}
	b, err := os.ReadFile(urlPath(cfg))
	if errors.Is(err, os.ErrNotExist) {
		return scheme + cfg.Listen, nil
	} else if err != nil {
		return "", fmt.Errorf("the daemon's address: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// localAddr is addr with an unspecified host (every address) made the
// loopback address, which this machine can dial and a certificate names.
func localAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	switch ip := net.ParseIP(host); {
	case host == "" || (ip != nil && ip.To4() != nil && ip.IsUnspecified()):
		host = "127.0.0.1"
	case ip != nil && ip.IsUnspecified():
		host = "::1"
	}
	return net.JoinHostPort(host, port)
}

// openWallet opens the ledger with the configured risk engine screening every debit.
// Options, such as verifyOnOpen, change the DB before it opens.
func openWallet(cfg *config.Config, cat *config.Catalog, logger *slog.Logger, opts ...func(*wallet.DB)) (*wallet.DB, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	if err := checkWalletExists(cfg); err != nil {
		return nil, err
	}
	db := newWallet(cfg, cat, logger)
	for _, o := range opts {
		o(db)
	}
	if err := db.Open(); err != nil {
		if errors.Is(err, wallet.ErrLocked) {
			return nil, fmt.Errorf("%w (is voicepay serve running? stop it first)", err)
		}
		return nil, err
	}
	return db, nil
}

// newWallet is the ledger as configured, not yet open.
func newWallet(cfg *config.Config, cat *config.Catalog, logger *slog.Logger) *wallet.DB {
	db := wallet.NewDB(walletPath(cfg), walletscreen.New(riskLimits(cfg)))
	db.Currency = cat.Currency
	db.OrderTimeout, db.HoldTimeout = cfg.Dialog.OrderTimeout, cfg.Dialog.HoldTimeout
	db.RepeatWindow = cfg.Risk.RepeatWindow
	db.PINAttempts, db.LockoutBase = cfg.Auth.PINAttempts, cfg.Auth.LockoutBase
	db.Logger = logger
	return db
}

// checkWalletExists refuses a data directory that was set up (it has the
// CLI's token) but whose wallet.db is gone: opening would silently start a
// new, empty ledger in its place. voicepay init creates the ledger in a new
// data directory; neither init nor serve re-creates a missing one.
func checkWalletExists(cfg *config.Config) error {
	if _, err := os.Stat(walletPath(cfg)); !errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if _, err := os.Stat(tokenPath(cfg)); err != nil {
		return nil
	}
	return fmt.Errorf("%s is missing but %s shows a wallet was set up here: restore wallet.db from a backup "+
		"(or, to start a new, empty wallet, remove %s and run voicepay init)", walletPath(cfg), tokenPath(cfg), tokenPath(cfg))
}

// verifyOnOpen makes the wallet verify the whole ledger, its records and
// its anchor, and refuse to open one that fails: the daemon serves only a
// ledger that verifies.
func verifyOnOpen(db *wallet.DB) { db.VerifyOnOpen = true }

// readToken reads the local CLI's user token from the data directory.
func readToken(cfg *config.Config) (string, error) {
	b, err := os.ReadFile(tokenPath(cfg))
	if errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("no token at %s: run voicepay init first", tokenPath(cfg))
	} else if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

// daemon returns a client of the running daemon, or ws.ErrDaemonDown.
func daemon(ctx context.Context, cfg *config.Config) (*ws.Client, error) {
	token, err := readToken(cfg)
	if err != nil {
		return nil, err
	}
	base, err := daemonURL(cfg)
	if err != nil {
		return nil, err
	}
	c := ws.NewClient(base, token)
	if strings.HasPrefix(base, "https:") {
		if c.RootCAs, err = trustedRoots(cfg); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var health map[string]string
	if err := c.Get(ctx, "/healthz", &health); err != nil {
		return nil, err
	}
	return c, nil
}

// writeFileAtomic writes a file by temp file, fsync and rename, so that a
// crash leaves the old file or the new one, never half of one.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/voicepay/voicepay/config"
	"github.com/voicepay/voicepay/wallet"
	"golang.org/x/term"
)

// InitCommand creates the wallet, sets the PIN, and pairs the local CLI with
// a user token stored in the data directory (mode 0600).
type InitCommand struct{}

func (c *InitCommand) Run(ctx context.Context, args []string) error {
	flags := newFlags("init")
	pinStdin := flags.fs.Bool("pin-stdin", false, "read the PIN from standard input instead of prompting")
	ifNeeded := flags.fs.Bool("if-needed", false, "do nothing when the wallet already has a PIN")
	withTOTP := flags.fs.Bool("totp", false, "also enroll an authenticator app: enabling payments then needs the PIN and its code")
	cfg, err := flags.load(args)
	if err != nil {
		return err
	}
	if len(flags.args) > 0 {
		return fmt.Errorf("init takes no arguments: %w", flag.ErrHelp)
	}
	cat, err := cfg.LoadCatalog()
	if err != nil {
		return err
	}
	db, err := openWallet(cfg, cat, newLogger(cfg, os.Stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	has, err := db.HasPIN(ctx)
	if err != nil {
		return err
	}
	_, tokenErr := os.Stat(tokenPath(cfg))
	if has && tokenErr == nil {
		if *withTOTP {
			return enrollTOTP(ctx, db, cfg)
		}
		if *ifNeeded {
			return nil
		}
		return fmt.Errorf("the wallet at %s is already set up (add --totp to enroll an authenticator)", walletPath(cfg))
	}
	if !has {
		pin, err := readPIN(*pinStdin)
		if err != nil {
			return err
		}
		if err := db.SetPIN(ctx, pin); err != nil {
			return err
		}
	}
	// A wallet with a PIN but no token file lost its CLI token: pair the
	// CLI anew, replacing the token that was lost.
	token, err := db.ReplaceDevice(ctx, "cli", wallet.ScopeUser)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(tokenPath(cfg), []byte(token+"\n"), 0o600); err != nil {
		return fmt.Errorf("write token: %w", err)
	}
	fmt.Printf("voicepay: wallet ready at %s\n", walletPath(cfg))
	fmt.Printf("voicepay: CLI token written to %s (mode 0600)\n", tokenPath(cfg))
	if *withTOTP {
		return enrollTOTP(ctx, db, cfg)
	}
	return nil
}

// enrollTOTP creates the authenticator secret and shows how to add it to an
// app. The secret is also written to DATA/totp-secret (mode 0600) so that it
// can be added to a second app later.
func enrollTOTP(ctx context.Context, db *wallet.DB, cfg *config.Config) error {
	secret, url, err := db.EnrollTOTP(ctx)
	if err != nil {
		return err
	}
	path := filepath.Join(cfg.DataDir, "totp-secret")
	if err := writeFileAtomic(path, []byte(secret+"\n"), 0o600); err != nil {
		return fmt.Errorf("write TOTP secret: %w", err)
	}
	fmt.Printf("voicepay: authenticator enrolled; add it to your app with this URL or the secret in %s:\n%s\n", path, url)
	return nil
}

// readPIN reads a new PIN: from a prompt on a terminal, asked twice, or from
// one line of standard input.
func readPIN(fromStdin bool) (string, error) {
	fd := int(os.Stdin.Fd())
	if fromStdin || !term.IsTerminal(fd) {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", errors.New("no PIN on standard input")
		}
		pin := strings.TrimSpace(line)
		if !wallet.ValidPIN(pin) {
			return "", errors.New("a PIN is 4 to 12 digits")
		}
		return pin, nil
	}
	for {
		fmt.Fprint(os.Stderr, "Choose a PIN (4 to 12 digits): ")
		a, err := term.ReadPassword(fd)
		fmt.Fprintln(os.Stderr)
		if err != nil {
			return "", err
		}
		if !wallet.ValidPIN(string(a)) {
			fmt.Fprintln(os.Stderr, "A PIN is 4 to 12 digits.")
			continue
		}
		fmt.Fprint(os.Stderr, "Type it again: ")
		b, err := term.ReadPassword(fd)
		fmt.Fprintln(os.Stderr)
		if err != nil {
			return "", err
		}
		if string(a) == string(b) {
			return string(a), nil
		}
		fmt.Fprintln(os.Stderr, "The two PINs differ; try again.")
	}
}

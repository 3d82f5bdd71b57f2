package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/ws"
	"github.com/voicepay/voicepay/config"
	"github.com/voicepay/voicepay/wallet"
)

// WalletCommand reads and funds the wallet: through the daemon when it runs,
// else on the ledger file directly.
type WalletCommand struct{}

const walletUsage = "usage: voicepay wallet balance | history [--limit N | --all] | topup AMOUNT [--key KEY] | unfreeze | compact"

func (c *WalletCommand) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New(walletUsage)
	}
	sub, args := args[0], args[1:]
	flags := newFlags("wallet " + sub)
	limit := flags.fs.Int("limit", 10, "history: how many transfers, newest first")
	all := flags.fs.Bool("all", false, "history: every transfer")
	key := flags.fs.String("key", "", "topup: idempotency key; a retry with the same key tops up once")
	cfg, err := flags.load(args)
	if err != nil {
		return err
	}
	rest := flags.args
	switch sub {
	case "balance":
		return withLedger(ctx, cfg, func(l ledger) error {
			b, err := l.balance(ctx)
			if err != nil {
				return err
			}
			printBalance(b)
			return nil
		})
	case "history":
		if *all {
			*limit = 0
		} else if *limit < 1 {
			return errors.New("wallet history: --limit is 1 or more; --all lists every transfer")
		}
		return withLedger(ctx, cfg, func(l ledger) error {
			ts, err := l.history(ctx, *limit)
			if err != nil {
				return err
			}
			if len(ts) == 0 {
				fmt.Println("no transfers yet")
			}
			for _, t := range ts {
				fmt.Printf("%-6d %s  %-9s %14s  %s\n", t.ID, t.Time.Local().Format(time.DateTime),
					t.Effect(wallet.UserAccount), agent.Money(t.Amount, t.Currency), t.Ref)
			}
			return nil
		})
	case "topup":
		if len(rest) != 1 {
			return fmt.Errorf("topup needs one AMOUNT in major units, e.g. 100 or 12.50: %w", flag.ErrHelp)
		}
		amount, err := config.ParseMoney(rest[0])
		if err != nil || amount <= 0 {
			return fmt.Errorf("amount %q: give a positive amount such as 100 or 12.50", rest[0])
		}
		k := *key
		if k == "" {
			k = randomKey()
		}
		return withLedger(ctx, cfg, func(l ledger) error {
			b, err := l.topup(ctx, k, int64(amount))
			if err != nil {
				return err
			}
			fmt.Printf("topped up %s\n", agent.Money(int64(amount), b.Currency))
			printBalance(b)
			return nil
		})
	case "unfreeze":
		pin, err := readPIN(true)
		if err != nil {
			return err
		}
		return withLedger(ctx, cfg, func(l ledger) error {
			if err := l.unfreeze(ctx, pin); err != nil {
				return err
			}
			fmt.Println("the wallet can pay again")
			return nil
		})
	case "compact":
		return compactWallet(ctx, cfg)
	}
	return fmt.Errorf("unknown wallet command %q; %s", sub, walletUsage)
}

// compactWallet rewrites the ledger file without its free pages, with the
// daemon stopped: it holds the file open, and compacting needs it alone.
func compactWallet(ctx context.Context, cfg *config.Config) error {
	if _, err := daemon(ctx, cfg); err == nil {
		return errors.New("wallet compact: the daemon is running: stop voicepay serve first, then compact")
	}
	if err := checkWalletExists(cfg); err != nil {
		return err
	}
	cat, err := cfg.LoadCatalog()
	if err != nil {
		return err
	}
	c, err := newWallet(cfg, cat, newLogger(cfg, os.Stderr)).Compact(ctx)
	if errors.Is(err, wallet.ErrLocked) {
		return fmt.Errorf("%w (is voicepay serve running? stop it first)", err)
	} else if err != nil {
		return err
	}
	fmt.Printf("compacted %s: %d bytes before, %d after\n", walletPath(cfg), c.Before, c.After)
	fmt.Printf("the old ledger is kept as %s: remove it once you no longer need it\n", c.Backup)
	return nil
}

func printBalance(b ws.Balance) {
	fmt.Printf("balance:   %s\n", agent.Money(b.Balance, b.Currency))
	if b.Held > 0 {
		fmt.Printf("on hold:   %s\n", agent.Money(b.Held, b.Currency))
		fmt.Printf("available: %s\n", agent.Money(b.Available, b.Currency))
	}
	if b.Frozen {
		fmt.Println("the wallet is frozen: run voicepay wallet unfreeze")
	}
}

func randomKey() string {
	b := make([]byte, 12)
	rand.Read(b)
	return "cli-" + hex.EncodeToString(b)
}

// ledger is what the wallet and audit commands need, from the daemon or the file.
type ledger interface {
	balance(ctx context.Context) (ws.Balance, error)
	history(ctx context.Context, limit int) ([]*wallet.Transfer, error)
	topup(ctx context.Context, key string, amount int64) (ws.Balance, error)
	unfreeze(ctx context.Context, pin string) error
	verify(ctx context.Context) (*wallet.AuditReport, error)
}

// withLedger runs fn against the daemon when it is running, and otherwise
// on the ledger file.
func withLedger(ctx context.Context, cfg *config.Config, fn func(ledger) error) error {
	return viaDaemon(ctx, cfg,
		func(c *ws.Client) error { return fn(remoteLedger{c}) },
		func(db *wallet.DB) error { return fn(localLedger{db}) })
}

// viaDaemon runs remote against the daemon when it is running, and
// otherwise local on the ledger file, which only one process may hold open.
func viaDaemon(ctx context.Context, cfg *config.Config, remote func(*ws.Client) error, local func(*wallet.DB) error) error {
	cl, err := daemon(ctx, cfg)
	if err == nil {
		return remote(cl)
	}
	if !errors.Is(err, ws.ErrDaemonDown) && !errors.Is(err, os.ErrNotExist) {
		if _, statErr := os.Stat(tokenPath(cfg)); statErr == nil {
			return err
		}
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
	return local(db)
}

type remoteLedger struct{ c *ws.Client }

func (r remoteLedger) balance(ctx context.Context) (b ws.Balance, err error) {
	return b, r.c.Get(ctx, "/v1/wallet/balance", &b)
}

// history pages through the daemon's history, up to limit transfers (all
// when limit is 0).
func (r remoteLedger) history(ctx context.Context, limit int) ([]*wallet.Transfer, error) {
	var out []*wallet.Transfer
	before := ""
	for {
		n := 1000
		if limit > 0 {
			n = min(limit-len(out), n)
		}
		path := fmt.Sprintf("/v1/wallet/history?limit=%d", n)
		if before != "" {
			path += "&before=" + before
		}
		var page ws.History
		if err := r.c.Get(ctx, path, &page); err != nil {
			return nil, err
		}
		out = append(out, page.Transfers...)
		if page.Next == "" || (limit > 0 && len(out) >= limit) {
			return out, nil
		}
		before = page.Next
	}
}

func (r remoteLedger) topup(ctx context.Context, key string, amount int64) (ws.Balance, error) {
	var out struct{ Balance ws.Balance }
	err := r.c.Post(ctx, "/v1/wallet/topup", ws.TopupRequest{Amount: amount, Key: key}, &out)
	return out.Balance, err
}

func (r remoteLedger) unfreeze(ctx context.Context, pin string) error {
	var out map[string]string
	return r.c.Post(ctx, "/v1/wallet/unfreeze", ws.UnfreezeRequest{PIN: pin}, &out)
}

func (r remoteLedger) verify(ctx context.Context) (*wallet.AuditReport, error) {
	var rep wallet.AuditReport
	if err := r.c.Get(ctx, "/v1/audit/verify", &rep); err != nil {
		return nil, err
	}
	if !rep.OK() {
		return &rep, fmt.Errorf("%w: %s", wallet.ErrAudit, rep.Problems[0])
	}
	return &rep, nil
}

type localLedger struct{ db *wallet.DB }

func (l localLedger) balance(ctx context.Context) (ws.Balance, error) {
	a, err := l.db.Account(ctx, wallet.UserAccount)
	if err != nil {
		return ws.Balance{}, err
	}
	return ws.BalanceOf(a), nil
}

func (l localLedger) history(ctx context.Context, limit int) ([]*wallet.Transfer, error) {
	return l.db.Transfers(ctx, wallet.UserAccount, limit)
}

func (l localLedger) topup(ctx context.Context, key string, amount int64) (ws.Balance, error) {
	if _, err := l.db.Topup(ctx, key, amount); err != nil {
		return ws.Balance{}, err
	}
	return l.balance(ctx)
}

func (l localLedger) unfreeze(ctx context.Context, pin string) error { return l.db.Unfreeze(ctx, pin) }

func (l localLedger) verify(ctx context.Context) (*wallet.AuditReport, error) {
	return l.db.VerifyAudit(ctx)
}

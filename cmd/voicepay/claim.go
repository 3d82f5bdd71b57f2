package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/ws"
	"github.com/voicepay/voicepay/config"
	"github.com/voicepay/voicepay/wallet"
)

// ClaimCommand files, lists and decides claims of unauthorized payments:
// through the daemon when it runs, else on the ledger file directly.
type ClaimCommand struct{}

const claimUsage = "usage: voicepay claim file TRANSFER [--reason TEXT] | list | approve ID [--note TEXT] | reject ID [--note TEXT]"

func (c *ClaimCommand) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New(claimUsage)
	}
	sub, args := args[0], args[1:]
	flags := newFlags("claim " + sub)
	reason := flags.fs.String("reason", "", "file: why the payment was not yours")
	note := flags.fs.String("note", "", "approve, reject: the reviewer's note")
	cfg, err := flags.load(args)
	if err != nil {
		return err
	}
	rest := flags.args
	if sub == "list" {
		if len(rest) != 0 {
			return errors.New(claimUsage)
		}
		return withClaims(ctx, cfg, func(d claimDesk) error {
			cs, err := d.list(ctx)
			if err != nil {
				return err
			}
			if len(cs) == 0 {
				fmt.Println("no claims")
			}
			for _, c := range cs {
				printClaim(c)
			}
			return nil
		})
	}
	if len(rest) != 1 {
		return fmt.Errorf("%s needs one id; %s", sub, claimUsage)
	}
	id, err := strconv.ParseUint(rest[0], 10, 64)
	if err != nil {
		return fmt.Errorf("%q is not an id; %s", rest[0], claimUsage)
	}
	var do func(claimDesk) (*wallet.Claim, error)
	switch sub {
	case "file":
		do = func(d claimDesk) (*wallet.Claim, error) { return d.file(ctx, id, *reason) }
	case "approve", "reject":
		do = func(d claimDesk) (*wallet.Claim, error) { return d.decide(ctx, sub, id, *note) }
	default:
		return fmt.Errorf("unknown claim command %q; %s", sub, claimUsage)
	}
	return withClaims(ctx, cfg, func(d claimDesk) error {
		c, err := do(d)
		if err != nil {
			return err
		}
		printClaim(c)
		return nil
	})
}

// printClaim prints one claim on a line.
func printClaim(c *wallet.Claim) {
	payee := c.PayeeName
	if payee == "" {
		payee = c.Payee
	}
	line := fmt.Sprintf("claim %d: payment %d, %s to %s on %s: %s", c.ID, c.Transfer,
		agent.Money(c.Amount, c.Currency), payee, c.Paid.Local().Format(time.DateTime), c.State)
	if len(c.Evidence) > 0 {
		line += " (" + strings.Join(c.Evidence, ", ") + ")"
	}
	if c.Reimbursement != 0 {
		line += fmt.Sprintf(", paid back by transfer %d", c.Reimbursement)
	}
	if c.Note != "" {
		line += fmt.Sprintf("; note: %s", c.Note)
	}
	fmt.Println(line)
}

// claimDesk is where claims are filed and decided: the daemon or the file.
type claimDesk interface {
	file(ctx context.Context, transfer uint64, reason string) (*wallet.Claim, error)
	list(ctx context.Context) ([]*wallet.Claim, error)
	decide(ctx context.Context, how string, id uint64, note string) (*wallet.Claim, error)
}

func withClaims(ctx context.Context, cfg *config.Config, fn func(claimDesk) error) error {
	return viaDaemon(ctx, cfg,
		func(c *ws.Client) error { return fn(remoteClaims{c}) },
		func(db *wallet.DB) error { return fn(localClaims{db}) })
}

type remoteClaims struct{ c *ws.Client }

func (r remoteClaims) file(ctx context.Context, transfer uint64, reason string) (*wallet.Claim, error) {
	var out struct{ Claim *wallet.Claim }
	err := r.c.Post(ctx, "/v1/claims", ws.FileClaimRequest{Transfer: transfer, Reason: reason}, &out)
	return out.Claim, err
}

func (r remoteClaims) list(ctx context.Context) ([]*wallet.Claim, error) {
	var out struct{ Claims []*wallet.Claim }
	err := r.c.Get(ctx, "/v1/claims", &out)
	return out.Claims, err
}

func (r remoteClaims) decide(ctx context.Context, how string, id uint64, note string) (*wallet.Claim, error) {
	var out struct{ Claim *wallet.Claim }
	err := r.c.Post(ctx, "/v1/claims/"+how, ws.DecideClaimRequest{ID: id, Note: note}, &out)
	return out.Claim, err
}

// localClaims works on the file, as the CLI device.
type localClaims struct{ db *wallet.DB }

func (l localClaims) file(ctx context.Context, transfer uint64, reason string) (*wallet.Claim, error) {
	key := fmt.Sprintf("cli:claim-%d-%x", transfer, sha256.Sum256([]byte(reason)))
	return l.db.FileClaim(ctx, key, wallet.ClaimRequest{Transfer: transfer, Reason: reason, Device: "cli"})
}

func (l localClaims) list(ctx context.Context) ([]*wallet.Claim, error) { return l.db.Claims(ctx) }

func (l localClaims) decide(ctx context.Context, how string, id uint64, note string) (*wallet.Claim, error) {
	if how == "approve" {
		return l.db.ApproveClaim(ctx, id, note, "cli")
	}
	return l.db.RejectClaim(ctx, id, note, "cli")
}

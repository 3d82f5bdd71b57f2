package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/wallet"
)

// AuditCommand checks the audit chain: every link and hash, and every
// balance re-derived from the transfers on it.
type AuditCommand struct{}

func (c *AuditCommand) Run(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		return fmt.Errorf("usage: voicepay audit verify [--json]")
	}
	flags := newFlags("audit verify")
	asJSON := flags.fs.Bool("json", false, "print the report as JSON")
	cfg, err := flags.load(args[1:])
	if err != nil {
		return err
	}
	return withLedger(ctx, cfg, func(l ledger) error {
		rep, err := l.verify(ctx)
		if rep == nil {
			return err
		}
		if *asJSON {
			json.NewEncoder(os.Stdout).Encode(rep)
			return err
		}
		printReport(rep)
		return err
	})
}

func printReport(rep *wallet.AuditReport) {
	fmt.Printf("entries:   %d\n", rep.Entries)
	fmt.Printf("transfers: %d\n", rep.Transfers)
	fmt.Printf("head:      %s\n", rep.Head)
	ids := make([]string, 0, len(rep.Balances))
	for id := range rep.Balances {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		fmt.Printf("  %-28s %s\n", id, agent.Money(rep.Balances[id], "CNY"))
	}
	for _, p := range rep.Problems {
		fmt.Printf("PROBLEM: %s\n", p)
	}
	if rep.OK() {
		fmt.Println("audit chain verified: balances re-derived and match the ledger")
	}
}

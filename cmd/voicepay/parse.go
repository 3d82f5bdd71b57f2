package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/intent"
)

// ParseCommand shows what the intent parser makes of a sentence. It needs no
// daemon.
type ParseCommand struct{}

func (c *ParseCommand) Run(ctx context.Context, args []string) error {
	flags := newFlags("parse")
	asJSON := flags.fs.Bool("json", false, "print the result as JSON")
	cfg, err := flags.load(args)
	if err != nil {
		return err
	}
	text := strings.Join(flags.args, " ")
	if strings.TrimSpace(text) == "" {
		return fmt.Errorf("parse what? usage: voicepay parse [--json] TEXT")
	}
	cat, err := cfg.LoadCatalog()
	if err != nil {
		return err
	}
	p, err := intent.Compile(intent.DefaultTemplates(), cat.Vocabulary())
	if err != nil {
		return err
	}
	res := p.Parse(text)
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(res)
	}
	fmt.Printf("intent:     %s\n", res.Intent)
	s := res.Slots
	for _, kv := range [][2]string{{"merchant", s.Merchant}, {"item", s.Item}, {"payee", s.Payee}} {
		if kv[1] != "" {
			fmt.Printf("%-11s %s\n", kv[0]+":", kv[1])
		}
	}
	if s.Quantity > 0 {
		fmt.Printf("quantity:   %d\n", s.Quantity)
	}
	if s.Amount > 0 {
		fmt.Printf("amount:     %s\n", agent.Money(s.Amount, cat.Currency))
	}
	fmt.Printf("confidence: %.2f\n", res.Confidence)
	return nil
}

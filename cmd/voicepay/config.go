package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/voicepay/voicepay/config"
)

// ConfigCommand checks the configuration and lists every problem in it.
type ConfigCommand struct{}

func (c *ConfigCommand) Run(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "check" && args[0] != "example") {
		return fmt.Errorf("usage: voicepay config check | example")
	}
	if args[0] == "example" {
		fmt.Print(config.Example())
		return nil
	}
	flags := newFlags("config check")
	cfg, err := flags.load(args[1:])
	var problems config.Problems
	if errors.As(err, &problems) {
		for _, p := range problems {
			fmt.Println(p)
		}
		return fmt.Errorf("%d problems in the configuration", len(problems))
	} else if err != nil {
		return err
	}
	tls := "plain http"
	if cfg.TLS() {
		tls = "TLS with " + cfg.TLSCert
	}
	fmt.Printf("configuration is valid (data directory %s, listening on %s, %s)\n", cfg.DataDir, cfg.Listen, tls)
	return nil
}

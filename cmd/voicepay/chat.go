package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/voicepay/voicepay/agent/ws"
	"github.com/voicepay/voicepay/wallet"
)

// ChatCommand is the interactive text fallback: each line typed is one turn.
type ChatCommand struct{}

func (c *ChatCommand) Run(ctx context.Context, args []string) error {
	flags := newFlags("chat")
	cfg, err := flags.load(args)
	if err != nil {
		return err
	}
	cl, err := daemon(ctx, cfg)
	if err != nil {
		return err
	}
	// What agents propose shows at once, between the person's turns.
	cl.Pushed = func(e ws.ServerEvent) {
		if e.Text != "" {
			fmt.Printf("\r%s\n> ", e.Text)
		}
	}
	if err := cl.Dial(ctx); err != nil {
		return err
	}
	defer cl.Close()
	fmt.Printf("voicepay chat: device %s, dialog %s. Type a command, \"what can I say\" for help, Ctrl-D to leave.\n",
		cl.Ready.Device, cl.Ready.State)
	// Ctrl-C ends the chat even while it waits for a line: a read from the
	// terminal cannot be interrupted.
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-ctx.Done():
			cl.Close()
			fmt.Println()
			os.Exit(130)
		case <-stop:
		}
	}()
	in := bufio.NewScanner(os.Stdin)
	for {
		fmt.Print("> ")
		if !in.Scan() {
			fmt.Println()
			return in.Err()
		}
		line := strings.TrimSpace(in.Text())
		if line == "" {
			continue
		}
		events, err := cl.Say(ctx, line)
		if err != nil {
			return err
		}
		var e *wallet.Error
		if err := printTurn(events, false); errors.As(err, &e) {
			fmt.Printf("  [%s]\n", e.Code)
		}
	}
}

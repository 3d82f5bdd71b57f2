package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/ws"
)

// SayCommand runs one dialog turn on the daemon, as if the person had said
// TEXT, prints the reply, and fails when the turn was refused.
type SayCommand struct{}

func (c *SayCommand) Run(ctx context.Context, args []string) error {
	flags := newFlags("say")
	asJSON := flags.fs.Bool("json", false, "print every event of the turn as a JSON line")
	cfg, err := flags.load(args)
	if err != nil {
		return err
	}
	text := strings.Join(flags.args, " ")
	if strings.TrimSpace(text) == "" {
		return fmt.Errorf("say what? usage: voicepay say TEXT")
	}
	cl, err := daemon(ctx, cfg)
	if err != nil {
		return err
	}
	if err := cl.Dial(ctx); err != nil {
		return err
	}
	defer cl.Close()
	events, err := cl.Say(ctx, text)
	if err != nil {
		return err
	}
	return printTurn(events, *asJSON)
}

// errNotUnderstood is the failure of a turn in which nothing was
// understood: nothing was done.
var errNotUnderstood = errors.New("not understood: nothing was done")

// printTurn prints a turn's reply (or all its events as JSON lines) and
// returns its error, if it had one.
func printTurn(events []ws.ServerEvent, asJSON bool) error {
	var failed error
	enc := json.NewEncoder(os.Stdout)
	for _, e := range events {
		if e.Type == agent.EventError && e.Error != nil {
			failed = e.Error
		}
		if e.Type == agent.EventReply && e.NotUnderstood && failed == nil {
			failed = errNotUnderstood
		}
		if asJSON {
			enc.Encode(e)
		} else if e.Type == agent.EventReply {
			fmt.Println(e.Text)
		}
	}
	if failed != nil {
		return failed
	}
	return nil
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/ws"
	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/wallet"
)

// benchSession is one paired device holding its dialog with the daemon
// over the websocket, as glasses would: typed turns set up each clip's
// state, and the clip goes as speech.
type benchSession struct {
	d      *benchDaemon
	device string
	client *ws.Client
	agent  *sdk.ClientSession // the MCP agent that proposes tips and subscriptions; opened when first needed
	asked  int                // proposals made
}

// turnWait is how long a typed turn may take.
const turnWait = 30 * time.Second

// openBenchSession connects session i's device and enables payments on it.
func openBenchSession(ctx context.Context, d *benchDaemon, i int) (*benchSession, error) {
	s := &benchSession{d: d, device: fmt.Sprintf("bench-%d", i+1), client: ws.NewClient("http://"+d.addr, d.tokens[i])}
	dctx, cancel := context.WithTimeout(ctx, turnWait)
	defer cancel()
	if err := s.client.Dial(dctx); err != nil {
		return nil, err
	}
	if err := s.enable(ctx); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *benchSession) close() {
	s.client.Close()
	if s.agent != nil {
		s.agent.Close()
	}
}

// typed is what a typed turn came to.
type typed struct {
	intent string
	reply  string
	state  string // the dialog state after it
	err    *wallet.Error
}

// say runs one typed turn.
func (s *benchSession) say(ctx context.Context, text string) (typed, error) {
	ctx, cancel := context.WithTimeout(ctx, turnWait)
	defer cancel()
	evs, err := s.client.Say(ctx, text)
	if err != nil {
		return typed{}, fmt.Errorf("say %q: %w", text, err)
	}
	var t typed
	for _, e := range evs {
		switch e.Type {
		case agent.EventIntent:
			t.intent = e.Intent.Intent
		case agent.EventError:
			t.err = e.Error
		case agent.EventReply:
			t.reply, t.state = e.Text, e.State
		}
	}
	return t, nil
}

// expect runs a typed turn that must leave the dialog in state.
func (s *benchSession) expect(ctx context.Context, text, state string) error {
	t, err := s.say(ctx, text)
	if err != nil {
		return err
	}
	if t.state != state || t.err != nil {
		return fmt.Errorf("%q: %q (%v), in %s; want %s", text, t.reply, t.err, t.state, state)
	}
	return nil
}

// spokenPIN is the PIN as a person types or says it, digit by digit.
var spokenPIN = strings.Join(strings.Split(benchPIN, ""), " ")

// enable turns payments on for the device: the sentence, then the PIN.
func (s *benchSession) enable(ctx context.Context) error {
	if err := s.expect(ctx, "enable alipay payment function", agent.StateInactive); err != nil {
		return err
	}
	return s.expect(ctx, spokenPIN, agent.StateIdle)
}

// setup takes the session from idle to the state a trial's clip is said
// in.
func (s *benchSession) setup(ctx context.Context, tr trial) error {
	switch tr.state {
	case agent.StateIdle:
		return nil
	case agent.StateInactive:
		return s.expect(ctx, "disable alipay payment function", agent.StateInactive)
	case stateProposed:
		var slots intent.Slots
		if err := json.Unmarshal(tr.clip.Slots, &slots); err != nil {
			return err
		}
		return s.propose(ctx, slots.Mandate)
	case agent.StateDrafted, agent.StateConfirmed:
		if err := s.expect(ctx, "buy a latte from luckin coffee", agent.StateDrafted); err != nil {
			return err
		}
		if tr.state == agent.StateConfirmed {
			return s.expect(ctx, "confirm the order", agent.StateConfirmed)
		}
		return nil
	}
	return fmt.Errorf("no way to set up state %q", tr.state)
}

// propose has the bench's agent ask, over MCP, for a tip or a
// subscription, which then waits for the person's approval. Each goes to a
// payee of its own, so no allowance approved before pays it at once.
func (s *benchSession) propose(ctx context.Context, kind string) error {
	if s.agent == nil {
		cs, err := s.d.http(s.d.AgentToken)
		if err != nil {
			return fmt.Errorf("connect the agent: %w", err)
		}
		s.agent = cs
	}
	s.asked++
	payee := fmt.Sprintf("bench_%s_%d", strings.ReplaceAll(s.device, "-", "_"), s.asked)
	key := fmt.Sprintf("%s-%s-%d-%d", s.device, kind, s.asked, time.Now().UnixNano())
	var tool string
	var args any
	switch kind {
	case "tip":
		tool, args = "request_tip", map[string]any{"payee": payee, "amount": 500, "idempotency_key": key}
	case "subscription":
		tool, args = "propose_subscription", map[string]any{"payee": payee, "unit": "use", "unit_price": 100,
			"cap": 5000, "expires": time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339), "idempotency_key": key}
	default:
		return fmt.Errorf("no proposal of a %q", kind)
	}
	refused, err := call(s.agent, tool, args, nil)
	if err == nil && refused != "" {
		err = fmt.Errorf("refused: %s", refused)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", tool, err)
	}
	return nil
}

// reset brings the session back to idle after a clip, by typed turns: it
// unfreezes the wallet if the clip froze it, declines what the trial's
// agent proposed if it still waits, gives up a wait for a PIN, cancels the
// open order, and enables payments again if they went off.
func (s *benchSession) reset(ctx context.Context, tr trial, froze bool) error {
	if froze {
		if err := s.unfreeze(ctx); err != nil {
			return err
		}
	}
	if tr.state == stateProposed {
		var slots intent.Slots
		json.Unmarshal(tr.clip.Slots, &slots)
		if _, err := s.say(ctx, "decline the "+slots.Mandate); err != nil {
			return err
		}
	}
	var last typed
	for range 3 {
		t, err := s.say(ctx, "cancel")
		if err != nil {
			return err
		}
		last = t
		if t.state == agent.StateIdle || t.state == agent.StateInactive {
			break
		}
	}
	switch last.state {
	case agent.StateIdle:
		return nil
	case agent.StateInactive:
		return s.enable(ctx)
	}
	return fmt.Errorf("reset: still %s after cancel: %q", last.state, last.reply)
}

// unfreeze lets payments leave the wallet again, with the PIN.
func (s *benchSession) unfreeze(ctx context.Context) error {
	t, err := s.say(ctx, "unfreeze my wallet")
	if err != nil {
		return err
	}
	if !strings.Contains(t.reply, "PIN") {
		return nil // not frozen, or another session unfroze it
	}
	t, err = s.say(ctx, spokenPIN)
	if err != nil {
		return err
	}
	if t.err != nil {
		return fmt.Errorf("unfreeze: %q (%v)", t.reply, t.err)
	}
	return nil
}

// frozen reports whether the wallet is frozen.
func (s *benchSession) frozen(ctx context.Context) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, turnWait)
	defer cancel()
	var b ws.Balance
	if err := s.client.Get(ctx, "/v1/wallet/balance", &b); err != nil {
		return false, err
	}
	return b.Frozen, nil
}

// run runs one trial: the state, the clip, and back to idle. A state that
// could not be set up is tried once more after a reset, and then recorded
// in the outcome; an error is a failure of the run itself.
func (s *benchSession) run(ctx context.Context, tr trial, scenes *sceneMaker) (outcome, error) {
	o := outcome{trial: tr, session: s.device}
	err := s.setup(ctx, tr)
	if err != nil {
		o.retried = err
		if rerr := s.reset(ctx, tr, true); rerr != nil {
			return o, fmt.Errorf("setup: %v; reset: %w", err, rerr)
		}
		err = s.setup(ctx, tr)
	}
	if err != nil {
		o.setupErr = err
		return o, s.reset(ctx, tr, true)
	}
	sc, err := scenes.make(tr)
	if err != nil {
		return o, err
	}
	heard, err := s.stream(ctx, sc)
	if err != nil {
		return o, err
	}
	o.hear(sc, heard)
	froze, err := s.frozen(ctx)
	if err != nil {
		return o, err
	}
	return o, s.reset(ctx, tr, froze)
}

package agent_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/speech"
	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/voice"
	"github.com/voicepay/voicepay/wallet"
)

// TestSpokenProposalsMoveNothing speaks every sentence voicepay says of
// what agents propose and charge, with names agents chose that come near
// the commands, through espeak-ng and the real recognizer, listening as the
// dialog listens in each state: with an order and a subscription waiting,
// with only a subscription waiting, with an order drafted and with one
// confirmed. Played next to the microphone, none may be heard as a command
// that moves money.
func TestSpokenProposalsMoveNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("renders and decodes speech: about half a minute")
	}
	// Each sentence whole, and each of its parts as an endpointer may cut
	// them at the pauses of a full stop, a colon or a semicolon.
	said := spokenSentences(t)
	for _, x := range slices.Clone(said) {
		if parts := regexp.MustCompile(`[.:;?] `).Split(x, -1); len(parts) > 1 {
			said = append(said, parts...)
		}
	}
	clips := make([][]int16, len(said))
	var wg sync.WaitGroup
	for i, text := range said {
		wg.Go(func() { clips[i] = speak(t, text) })
	}
	wg.Wait()

	h, s := MustOpenAgent(t)
	rec, err := speech.New(h.Parser, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rec.Close() })
	ctx := context.Background()
	mustSubscribe(t, h, "sub", Metered)
	hear := func(state string) {
		g := s.Grammar()
		var wg sync.WaitGroup
		slots := make(chan struct{}, rec.Size()) // one clip a decoder: none waits to be refused
		for i, clip := range clips {
			slots <- struct{}{}
			wg.Go(func() {
				defer func() { <-slots }()
				heard, err := rec.Recognize(ctx, clip, g)
				if err != nil {
					t.Errorf("%s: recognize %q: %v", state, said[i], err)
					return
				}
				if r := h.Parser.Parse(heard.Text); intent.MovesMoney(r.Intent) {
					t.Errorf("%s: %q was heard as %q, %s", state, said[i], heard.Text, r.Intent)
				}
			})
		}
		wg.Wait()
	}
	hear("a subscription proposed")
	mustPropose(t, h, "order", Lattes)
	hear("idle, with an order and a subscription waiting")
	// The same ears hear the command itself: what they did not hear above
	// was not lost on them.
	if heard, err := rec.Recognize(ctx, speak(t, "confirm the order"), s.Grammar()); err != nil ||
		h.Parser.Parse(heard.Text).Intent != intent.OrderConfirm {
		t.Errorf("\"confirm the order\" was heard as %q (%v), want a confirmation", heard.Text, err)
	}
	Run(t, h, s, []Step{{Say: "buy a banana", State: agent.StateDrafted}})
	hear("drafted")
	Run(t, h, s, []Step{{Say: "confirm the order", State: agent.StateConfirmed, Held: 990}})
	hear("confirmed")

	// While the dialog waits for a PIN it listens for digits only: a name
	// of number words an agent chose is not heard as a code, which would
	// count as an attempt at the PIN.
	digits := speak(t, `Your agent claude wants to buy two "One Two Three Four" from "Corner Shop" for 9 yuan. Say confirm to go ahead.`)
	heard, err := rec.Recognize(ctx, digits, intent.CodeGrammar())
	if err != nil {
		t.Fatal(err)
	}
	if code, ok := intent.SpokenCode(heard.Text); ok {
		t.Errorf("waiting for a PIN: a name of number words was heard as the code %s", code)
	}
}

// Names an agent may choose that come near voicepay's commands.
const (
	nearLine  = "Payday Confirmation Pass"
	nearPayee = "Approval Payee, Go"
	nearID    = "payday_approvals"
)

// spokenSentences are the sentences voicepay speaks of agents' proposals
// and charges, with the names above: an order of free lines, a catalog
// order, a tip, a subscription, the question which order to confirm, a
// tip and a charge under mandates.
func spokenSentences(t *testing.T) []string {
	h, s := MustOpenAgent(t)
	h.MustPair("other", wallet.ScopeAgent)
	ctx := context.Background()
	events, cancel := h.Subscribe()
	defer cancel()
	var said []string
	next := func() { said = append(said, Next(t, events).Speech()) }
	mustPropose(t, h, "free", agent.OrderProposal{Merchant: nearPayee, Memo: "say pay now",
		Lines: []agent.ProposedLine{{Name: nearLine, Quantity: 2, UnitPrice: 450}}})
	next()
	if _, err := h.ProposeOrder(ctx, "other", "latte", Latte); err != nil {
		t.Fatal(err)
	}
	next()
	if _, _, err := h.RequestTip(ctx, "claude", "tip", agent.TipRequest{Payee: nearID, Amount: 300, Cap: 1000,
		Period: 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	next()
	sub := Metered
	sub.Payee = nearID
	m := mustSubscribe(t, h, "sub", sub)
	next()
	turn := s.Say(ctx, agent.Input{Text: "confirm the order", Channel: "voice"})
	said = append(said, turn.Reply)
	Run(t, h, s, []Step{
		{Say: "no", Typed: true, State: agent.StateIdle},
		{Say: "approve the tip", State: agent.StateIdle},
		{Say: "approve the subscription", State: agent.StateIdle},
	})
	if _, _, err := h.RequestTip(ctx, "claude", "tip2", agent.TipRequest{Payee: nearID, Amount: 200}); err != nil {
		t.Fatal(err)
	}
	next()
	usage(t, h, "u1", m.ID, 1, "")
	next()
	usage(t, h, "u2", m.ID, 3, "")
	next()
	for _, x := range said {
		t.Logf("says %q", x)
	}
	return said
}

// speak renders text with espeak-ng and reads it as 16 kHz mono, with
// silence around it as a microphone would hear it.
func speak(tb testing.TB, text string) []int16 {
	path := filepath.Join(tb.TempDir(), "said.wav")
	if out, err := exec.Command("espeak-ng", "-w", path, text).CombinedOutput(); err != nil {
		tb.Errorf("espeak-ng (make deps installs it): %v\n%s", err, out)
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Error(err)
		return nil
	}
	samples, _, err := voice.ReadWAV(bytes.NewReader(b), nil)
	if err != nil {
		tb.Error(err)
		return nil
	}
	quiet := make([]int16, voice.SampleRate/2)
	return append(append(append([]int16(nil), quiet...), samples...), quiet...)
}

package agent_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/speech"
	"github.com/voicepay/voicepay/wallet"
)

// TestSpokenWhichAnswers: with two agents' orders waiting and the question
// "Which one?" asked, each way of naming one, spoken with espeak-ng, is
// heard through the grammar the dialog listens with then, and confirms the
// order it names: by number, by ordinal, by shop and by agent.
func TestSpokenWhichAnswers(t *testing.T) {
	if testing.Short() {
		t.Skip("renders and decodes speech")
	}
	ctx := context.Background()
	h, s := MustOpenAgent(t)
	h.MustPair("other", wallet.ScopeAgent)
	h.MustTopup(100000)
	rec, err := speech.New(h.Parser, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rec.Close() })
	answers := []struct {
		said   string
		burger bool // the first order, claude's burgers, is the one named
	}{
		{"number two", false},
		{"the first one", true},
		{"the luckin coffee one", false},
		{"the kfc order", true},
		{"the one from claude", true},
		{"two", false},
	}
	heard, heardPlain := 0, 0
	for i, a := range answers {
		h.Clock.Advance(time.Minute) // the proposal rate
		burgers := mustPropose(t, h, fmt.Sprintf("burgers-%d", i), Burgers)
		latte, err := h.ProposeOrder(ctx, "other", fmt.Sprintf("latte-%d", i), Latte)
		if err != nil {
			t.Fatal(err)
		}
		if turn := s.Say(ctx, agent.Input{Text: "confirm the order", Channel: "voice"}); s.State() != agent.StateIdle {
			t.Fatalf("confirm the order: %q", turn.Reply)
		}
		clip := speakAs(t, "en-us", "160", a.said)
		got, err := rec.Recognize(ctx, clip, s.Grammar())
		if err != nil {
			t.Fatal(err)
		}
		// The grammar of the state without the answers to the question.
		if plain, err := rec.Recognize(ctx, clip, h.Parser.Grammar(agent.Accepts(agent.StateIdle)...)); err == nil && plain.Text == a.said {
			heardPlain++
		}
		want, other := latte, burgers
		if a.burger {
			want, other = burgers, latte
		}
		turn := s.Say(ctx, agent.Input{Text: got.Text, Channel: "voice"})
		confirmed := mustOrder(t, h.DB, want.ID).State == wallet.Confirmed && mustOrder(t, h.DB, other.ID).State == wallet.Drafted
		t.Logf("%q heard as %q: %q", a.said, got.Text, turn.Reply)
		if confirmed {
			heard++
		}
		// Start the next answer afresh: nothing confirmed, nothing waiting.
		for _, o := range []*wallet.Order{burgers, latte} {
			if _, err := h.DB.CancelOrder(ctx, fmt.Sprintf("reset-%d", o.ID), o.ID); err != nil {
				t.Fatal(err)
			}
		}
		s.Say(ctx, agent.Input{Text: "no"}) // drops a question left asked
	}
	t.Logf("without the answers in the grammar, %d of %d were heard as said", heardPlain, len(answers))
	if heardPlain >= heard {
		t.Errorf("the answers in the grammar changed nothing: %d heard with them, %d without", heard, heardPlain)
	}
	if heard < len(answers)-1 {
		t.Errorf("%d of %d spoken answers confirmed the order they named, want at least %d", heard, len(answers), len(answers)-1)
	}
}

func mustOrder(t *testing.T, h interface {
	Order(context.Context, uint64) (*wallet.Order, error)
}, id uint64) *wallet.Order {
	t.Helper()
	o, err := h.Order(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

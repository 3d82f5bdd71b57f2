package speech_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/internal/agenttest"
	"github.com/voicepay/voicepay/agent/speech"
	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/voice"
)

// recording passes every utterance to the real recognizer and records
// what it was asked to hear.
type recording struct {
	r     *speech.Recognizer
	mu    sync.Mutex
	asked []asked
}

type asked struct {
	samples int
	grammar *intent.Graph
}

func (rc *recording) Recognize(ctx context.Context, samples []int16, grammar *intent.Graph) (agent.Heard, error) {
	rc.mu.Lock()
	rc.asked = append(rc.asked, asked{len(samples), grammar})
	rc.mu.Unlock()
	return rc.r.Recognize(ctx, samples, grammar)
}

func (rc *recording) calls() []asked {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.asked)
}

// earFixture is an enabled session hearing through an Ear.
type earFixture struct {
	sess *agent.Session
	rec  *recording
	ear  *agent.Ear
}

func newEarFixture(t *testing.T) *earFixture {
	h := agenttest.MustOpenHub(t)
	h.MustTopup(100000)
	d, _ := h.MustPair("glasses", "user")
	sess := h.MustSession(d)
	ctx := context.Background()
	sess.Say(ctx, agent.Input{Text: "enable alipay payment function"})
	if turn := sess.Say(ctx, agent.Input{Text: agenttest.PIN}); turn.State != agent.StateIdle {
		t.Fatalf("enabling payments: %s (%s)", turn.Reply, turn.State)
	}
	r, err := speech.New(h.Parser, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	rec := &recording{r: r}
	return &earFixture{sess: sess, rec: rec, ear: sess.Ear(rec)}
}

// hear writes samples to a new endpointer in 30 ms frames and gives every
// event to the Ear, calling before(ev) first and after(ev) then (either may
// be nil); it returns the turns.
func (f *earFixture) hear(t *testing.T, samples []int16, before, after func(voice.Event)) []*agent.Turn {
	t.Helper()
	ep, err := voice.NewEndpointer(voice.DefaultVADConfig())
	if err != nil {
		t.Fatal(err)
	}
	var turns []*agent.Turn
	take := func(events []voice.Event) {
		for _, ev := range events {
			if before != nil {
				before(ev)
			}
			turn, _, err := f.ear.Hear(context.Background(), ev)
			if err != nil {
				t.Fatal(err)
			}
			if turn != nil {
				turns = append(turns, turn)
			}
			if after != nil {
				after(ev)
			}
		}
	}
	step := voice.SampleCount(30 * time.Millisecond)
	for off := 0; off < len(samples); off += step {
		take(ep.Write(samples[off:min(off+step, len(samples))]))
	}
	take(ep.Flush())
	return turns
}

// heardIntent is the intent of a turn, or "" if none was recognized.
func heardIntent(turn *agent.Turn) string {
	for _, e := range turn.Events {
		if e.Intent != nil {
			return e.Intent.Intent
		}
	}
	return ""
}

// trimQuiet cuts the quiet before and after the speech of a clip.
func trimQuiet(samples []int16) []int16 {
	loud := func(v int16) bool { return v > 300 || v < -300 }
	start := slices.IndexFunc(samples, loud)
	if start < 0 {
		return nil
	}
	end := len(samples)
	for end > start && !loud(samples[end-1]) {
		end--
	}
	return samples[start:end]
}

// quiet is faint noise, about -64 dBFS, that the endpointer takes for a
// quiet room.
func quiet(d time.Duration) []int16 {
	out := make([]int16, voice.SampleCount(d))
	for i := range out {
		out[i] = int16((i*7919)%61 - 30)
	}
	return out
}

// The Ear recognizes an utterance once, at the endpointer's pause, and the
// stop takes that result.
func TestEarHearsAtThePause(t *testing.T) {
	f := newEarFixture(t)
	turns := f.hear(t, slices.Concat(quiet(500*time.Millisecond), mustClip(t, "in13-us140-clean.wav"), quiet(time.Second)),
		func(ev voice.Event) {
			if _, ok := ev.(voice.SpeechStopped); !ok {
				return
			}
			// The guess runs in the background: give it time to begin.
			for deadline := time.Now().Add(5 * time.Second); len(f.rec.calls()) == 0; time.Sleep(time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("nothing was being recognized when the utterance stopped")
				}
			}
		}, nil)
	if len(turns) != 1 || heardIntent(turns[0]) != intent.BalanceQuery {
		t.Fatalf("%d turns (%+v), want one balance query", len(turns), turns)
	}
	if calls := f.rec.calls(); len(calls) != 1 {
		t.Errorf("%d decodes, want 1", len(calls))
	}
}

// A pause the person speaks on after drops the guess made at it: the
// utterance is heard whole, once, at its real end.
func TestEarDropsAGuessWhenSpeechGoesOn(t *testing.T) {
	f := newEarFixture(t)
	balance := trimQuiet(mustClip(t, "in13-us140-clean.wav"))
	pauses := 0
	turns := f.hear(t, slices.Concat(quiet(500*time.Millisecond), balance, quiet(350*time.Millisecond), balance, quiet(time.Second)),
		func(ev voice.Event) {
			if _, ok := ev.(voice.SpeechPaused); ok {
				pauses++
			}
		}, nil)
	if len(turns) != 1 || pauses != 2 {
		t.Fatalf("%d turns and %d pauses, want one utterance with a pause inside", len(turns), pauses)
	}
	calls := f.rec.calls()
	if len(calls) != 2 {
		t.Fatalf("%d decodes, want 2 (the dropped guess and the utterance)", len(calls))
	}
	// The guesses run in goroutines of their own, so they may be recorded
	// in either order.
	if whole := max(calls[0].samples, calls[1].samples); whole < 2*len(balance) {
		t.Errorf("the turn was heard from %d samples; both phrases are %d", whole, 2*len(balance))
	}
}

// When the dialog moves on between the pause and the stop (a typed turn
// here), the utterance is heard again with the grammar of the new state.
func TestEarHearsAgainWhenTheStateChanges(t *testing.T) {
	f := newEarFixture(t)
	ctx := context.Background()
	turns := f.hear(t, slices.Concat(quiet(500*time.Millisecond), mustClip(t, "in13-us140-clean.wav"), quiet(time.Second)),
		nil, func(ev voice.Event) {
			if _, ok := ev.(voice.SpeechPaused); ok {
				if turn := f.sess.Say(ctx, agent.Input{Text: "buy a latte"}); turn.State != agent.StateDrafted {
					t.Fatalf("typed order: %s (%s)", turn.Reply, turn.State)
				}
			}
		})
	if len(turns) != 1 || heardIntent(turns[0]) != intent.BalanceQuery {
		t.Fatalf("%d turns (%+v), want one balance query", len(turns), turns)
	}
	calls := f.rec.calls()
	if len(calls) != 2 || calls[0].grammar == calls[1].grammar || calls[1].grammar != f.sess.Grammar() {
		t.Errorf("%d decodes; want the guess in the idle grammar, then the utterance in the drafted one", len(calls))
	}
}

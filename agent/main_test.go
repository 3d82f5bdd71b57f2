package agent_test

import (
	"context"
	"strings"
	"testing"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/internal/agenttest"
	"github.com/voicepay/voicepay/wallet"
)

// Opening is what every test tops up before it talks: 1000 yuan.
const Opening = 100000

// Step is one utterance of a scripted dialog and what it must lead to.
type Step struct {
	Say   string
	Reply string // the exact sentence; "" skips the check
	State string
	Code  string // the error code; "" means the turn must succeed
	Held  int64  // what the user has on hold afterwards
	ID    string // the turn's id; "" lets the session number it
	Typed bool   // typed text; else a transcript of speech
}

// Run says each step to s and compares what came back.
func Run(t *testing.T, h *agenttest.Hub, s *agent.Session, steps []Step) {
	t.Helper()
	for i, st := range steps {
		channel := "voice"
		if st.Typed {
			channel = "text"
		}
		got := s.Say(context.Background(), agent.Input{Text: st.Say, ID: st.ID, Channel: channel})
		CheckTurn(t, i, st, got)
		if held := h.Held(); held != st.Held {
			t.Errorf("step %d %q: held %d, want %d", i, st.Say, held, st.Held)
		}
	}
}

// CheckTurn compares one turn with its step: reply, state, error code and
// the shape of the events (intent first, reply last, an error event exactly
// when the turn failed).
func CheckTurn(t *testing.T, i int, st Step, got *agent.Turn) {
	t.Helper()
	if st.Reply != "" && got.Reply != st.Reply {
		t.Errorf("step %d %q: reply\n got %q\nwant %q", i, st.Say, got.Reply, st.Reply)
	}
	if got.State != st.State {
		t.Errorf("step %d %q: state %q, want %q", i, st.Say, got.State, st.State)
	}
	code := ""
	if got.Err != nil {
		code = got.Err.Code
	}
	if code != st.Code {
		t.Errorf("step %d %q: error code %q (%v), want %q", i, st.Say, code, got.Err, st.Code)
	}
	CheckEvents(t, st.Say, got)
}

// CheckEvents checks the events of a turn against the protocol: the intent
// first, the reply last with the turn's reply and state, and one error event
// exactly when the turn was refused.
func CheckEvents(t *testing.T, label string, got *agent.Turn) {
	t.Helper()
	ev := got.Events
	if len(ev) < 2 {
		t.Fatalf("%q: %d events, want at least intent and reply", label, len(ev))
	}
	if ev[0].Type != agent.EventIntent || ev[0].Intent == nil {
		t.Errorf("%q: first event %+v, want the intent", label, ev[0])
	}
	last := ev[len(ev)-1]
	if last.Type != agent.EventReply || last.Text != got.Reply || last.State != got.State {
		t.Errorf("%q: last event %+v, want the reply %q in state %q", label, last, got.Reply, got.State)
	}
	var errs int
	for _, e := range ev {
		if e.Type == agent.EventError {
			errs++
			if got.Err == nil || e.Error.Code != got.Err.Code {
				t.Errorf("%q: error event %+v but turn error %v", label, e.Error, got.Err)
			}
		}
	}
	if want := map[bool]int{true: 1, false: 0}[got.Err != nil]; errs != want {
		t.Errorf("%q: %d error events, want %d", label, errs, want)
	}
}

// Types lists the event types of a turn.
func Types(t *agent.Turn) string {
	var s []string
	for _, e := range t.Events {
		s = append(s, e.Type)
	}
	return strings.Join(s, " ")
}

// MustOpenSession opens a hub with the opening balance and a session of a
// new user device "glasses".
func MustOpenSession(t *testing.T, opt ...agenttest.Option) (*agenttest.Hub, *agent.Session) {
	t.Helper()
	h := agenttest.MustOpenHub(t, opt...)
	h.MustTopup(Opening)
	d, _ := h.MustPair("glasses", wallet.ScopeUser)
	return h, h.MustSession(d)
}

// Enable is the dialog that activates payments on a device.
var Enable = []Step{
	{Say: "enable alipay payment function", Reply: "To enable payments, say your PIN.", State: agent.StateInactive},
	{Say: "two four six eight", Reply: "Payments are enabled. What would you like to buy?", State: agent.StateIdle},
}

// MustOpenActive is MustOpenSession with payments enabled on the device.
func MustOpenActive(t *testing.T, opt ...agenttest.Option) (*agenttest.Hub, *agent.Session) {
	t.Helper()
	h, s := MustOpenSession(t, opt...)
	Run(t, h, s, Enable)
	return h, s
}

// Steps joins scripts.
func Steps(scripts ...[]Step) []Step {
	var out []Step
	for _, s := range scripts {
		out = append(out, s...)
	}
	return out
}

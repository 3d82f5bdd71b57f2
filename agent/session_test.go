package agent_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/internal/agenttest"
	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/wallet"
)

// TestRestart stops the daemon mid-dialog: a new hub over the reopened
// wallet carries on with the same order in the same state.
func TestRestart(t *testing.T) {
	order := []Step{{Say: "buy two lattes", State: agent.StateDrafted}}
	confirm := []Step{{Say: "confirm the order", State: agent.StateConfirmed, Held: 3600}}
	bigOrder := []Step{
		{Say: "buy twelve lattes", State: agent.StateDrafted},
		{Say: "confirm the order", State: agent.StateConfirmed, Held: 21600},
		{Say: "pay", State: agent.StateConfirmed, Held: 21600},
	}
	tests := []struct {
		name   string
		before []Step
		state  string
		after  []Step
		paid   int64
	}{
		{"awaiting PIN", Enable[:1], agent.StateInactive, Steps(Enable[1:], order, confirm, []Step{
			{Say: "pay", State: agent.StateIdle, Reply: "Paid 36 yuan to Luckin Coffee. Your balance is 964 yuan."},
		}), 3600},
		{"idle", Enable, agent.StateIdle, Steps(order, confirm, []Step{
			{Say: "pay", State: agent.StateIdle},
		}), 3600},
		{"drafted", Steps(Enable, order), agent.StateDrafted, []Step{
			{Say: "make it three", State: agent.StateDrafted, Reply: "Changed to three lattes, 54 yuan. Say confirm to place the order."},
			{Say: "confirm the order", State: agent.StateConfirmed, Held: 5400},
			{Say: "pay", State: agent.StateIdle, Reply: "Paid 54 yuan to Luckin Coffee. Your balance is 946 yuan."},
		}, 5400},
		{"confirmed", Steps(Enable, order, confirm), agent.StateConfirmed, []Step{
			{Say: "pay", State: agent.StateIdle, Reply: "Paid 36 yuan to Luckin Coffee. Your balance is 964 yuan."},
		}, 3600},
		{"awaiting step-up PIN", Steps(Enable, bigOrder), agent.StateConfirmed, []Step{
			{Say: "two four six eight", State: agent.StateIdle, Reply: "Paid 216 yuan to Luckin Coffee. Your balance is 784 yuan."},
		}, 21600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, s := MustOpenSession(t)
			Run(t, h, s, tt.before)
			d, err := h.DB.Device(context.Background(), "glasses")
			if err != nil {
				t.Fatal(err)
			}
			orders := h.MustOrders()

			h = h.MustReopen()
			s = h.MustSession(d)
			if got := s.State(); got != tt.state {
				t.Errorf("state after restart %q, want %q", got, tt.state)
			}
			if got := h.MustOrders(); len(got) != len(orders) || (len(got) > 0 && got[0].State != orders[0].State) {
				t.Errorf("orders after restart %v, want %v", orderStates(got), orderStates(orders))
			}
			Run(t, h, s, tt.after)
			if got, want := h.Balance(), Opening-tt.paid; got != want {
				t.Errorf("balance %d, want %d", got, want)
			}
		})
	}
}

// TestRestartLapsed restarts the daemon while a confirmed order's hold runs
// out, swept before it stops or after it loads the session: the next turn
// tells that the order expired, as it does without a restart, and not that
// there is no order. The turn may be a pay the daemon stopped in, resent.
func TestRestartLapsed(t *testing.T) {
	for _, swept := range []bool{false, true} {
		t.Run(fmt.Sprintf("swept %v", swept), func(t *testing.T) {
			h, s := MustOpenActive(t)
			ctx := context.Background()
			Run(t, h, s, []Step{
				{Say: "buy two lattes", State: agent.StateDrafted},
				{Say: "confirm the order", State: agent.StateConfirmed, Held: 3600},
			})
			d, err := h.DB.Device(ctx, "glasses")
			if err != nil {
				t.Fatal(err)
			}
			h.Clock.Advance(5 * time.Minute)
			sweep := func() {
				if _, err := h.DB.Sweep(ctx); err != nil {
					t.Fatalf("sweep: %v", err)
				}
			}
			if swept {
				sweep()
			}
			h = h.MustReopen()
			s = h.MustSession(d)
			if !swept {
				sweep() // after the restart loaded the session
			}
			if got := s.State(); got != agent.StateIdle {
				t.Errorf("state %q after the restart, want idle", got)
			}
			turn := s.Say(ctx, agent.Input{ID: "t3", Text: "pay", Channel: "text"})
			CheckTurn(t, 0, Step{Say: "pay", State: agent.StateIdle, Code: wallet.EEXPIRED,
				Reply: "Your order from Luckin Coffee expired; nothing was charged."}, turn)
			if got := Types(turn); got != "intent order.updated error reply" || turn.Events[1].Order.State != "expired" {
				t.Errorf("events %q, want the order updated as expired", got)
			}
			Run(t, h, s, []Step{{Say: "pay", State: agent.StateIdle, Code: wallet.ENOORDER, Reply: "There is no order to pay."}})
			if got := h.Balance(); got != Opening {
				t.Errorf("balance %d, want %d", got, Opening)
			}
		})
	}
}

// TestTurnIdempotency says every turn twice with the same id, as a client
// does that resends a turn after a dropped connection: the resend gets the
// answer the turn had, marked replayed, whatever happened since, and the
// money moves once.
func TestTurnIdempotency(t *testing.T) {
	h, s := MustOpenActive(t)
	const twoLattes = "Two lattes from Luckin Coffee, 36 yuan. Say confirm to place the order."
	Run(t, h, s, []Step{
		{ID: "t1", Say: "buy two lattes", State: agent.StateDrafted, Reply: twoLattes},
		{ID: "t1", Say: "buy two lattes", State: agent.StateDrafted, Reply: twoLattes},
		{ID: "t1b", Say: "make it three", State: agent.StateDrafted,
			Reply: "Changed to three lattes, 54 yuan. Say confirm to place the order."},
		// The resend is told what the turn said, not the order as it is now.
		{ID: "t1", Say: "buy two lattes", State: agent.StateDrafted, Reply: twoLattes},
		{ID: "t1c", Say: "make it two", State: agent.StateDrafted,
			Reply: "Changed to two lattes, 36 yuan. Say confirm to place the order."},
		{ID: "t2", Say: "confirm the order", State: agent.StateConfirmed, Held: 3600},
		{ID: "t2", Say: "confirm the order", State: agent.StateConfirmed, Held: 3600},
		{ID: "t3", Say: "pay", State: agent.StateIdle, Reply: "Paid 36 yuan to Luckin Coffee. Your balance is 964 yuan."},
		{ID: "t3", Say: "pay", State: agent.StateIdle, Reply: "Paid 36 yuan to Luckin Coffee. Your balance is 964 yuan."},
		// A resend that comes after its order was paid drafts nothing new.
		{ID: "t1", Say: "buy two lattes", State: agent.StateDrafted, Reply: twoLattes},
		{ID: "t4", Say: "buy a cola", State: agent.StateDrafted},
		{ID: "t1", Say: "buy two lattes", State: agent.StateDrafted, Reply: twoLattes},
		{ID: "t5", Say: "confirm the order", State: agent.StateConfirmed, Held: 800},
		{ID: "t5", Say: "confirm the order", State: agent.StateConfirmed, Held: 800},
		{ID: "t6", Say: "pay", State: agent.StateIdle, Reply: "Paid 8 yuan to KFC. Your balance is 956 yuan."},
		{ID: "t6", Say: "pay", State: agent.StateIdle, Reply: "Paid 8 yuan to KFC. Your balance is 956 yuan."},
	})
	if got, want := h.Balance(), int64(Opening-3600-800); got != want {
		t.Errorf("balance %d, want %d", got, want)
	}
	orders := h.MustOrders()
	if got, want := orderStates(orders), []wallet.OrderState{wallet.Paid, wallet.Paid}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("orders %v, want %v", got, want)
	}
	// The session went on from where its turns left it.
	if got := s.Say(context.Background(), agent.Input{ID: "t7", Text: "pay", Channel: "text"}); got.Err == nil ||
		got.Err.Code != wallet.ENOORDER || got.Replayed {
		t.Errorf("a new pay: %+v, want no_order", got)
	}
}

// TestTurnAnswerLost resends turns whose answers were lost: the daemon
// stopped after a turn's wallet writes but before the turn's answer was
// saved. The dialog runs again under the same key, moves no money twice,
// and says what the turn did; a "pay" whose payment went through says
// that it paid, with the receipt, rather than that there is no order.
func TestTurnAnswerLost(t *testing.T) {
	h, s := MustOpenActive(t)
	d, err := h.DB.Device(context.Background(), "glasses")
	if err != nil {
		t.Fatal(err)
	}
	steps := []Step{
		{ID: "t1", Say: "buy two lattes", State: agent.StateDrafted,
			Reply: "Two lattes from Luckin Coffee, 36 yuan. Say confirm to place the order."},
		{ID: "t1b", Say: "make it three", State: agent.StateDrafted,
			Reply: "Changed to three lattes, 54 yuan. Say confirm to place the order."},
		{ID: "t2", Say: "confirm the order", State: agent.StateConfirmed, Held: 5400,
			Reply: "Order confirmed; 54 yuan is on hold. Say pay to authorize the payment."},
		{ID: "t3", Say: "pay", State: agent.StateIdle,
			Reply: "Paid 54 yuan to Luckin Coffee. Your balance is 946 yuan."},
	}
	for _, st := range steps {
		first := s.Say(context.Background(), agent.Input{Text: st.Say, ID: st.ID, Channel: "text"})
		CheckTurn(t, 0, st, first)
		h = h.MustReopen()
		forgetAnswers(t, h, d.ID)
		s = h.MustSession(d)
		again := s.Say(context.Background(), agent.Input{Text: st.Say, ID: st.ID, Channel: "text"})
		CheckTurn(t, 1, st, again)
		if again.Replayed {
			t.Errorf("%s: replayed an answer that was lost", st.Say)
		}
		if got, want := Types(again), Types(first); got != want {
			t.Errorf("%s: events %s, want %s", st.Say, got, want)
		}
	}
	if got, want := h.Balance(), int64(Opening-5400); got != want {
		t.Errorf("balance %d, want %d", got, want)
	}
	if got, want := fmt.Sprint(orderStates(h.MustOrders())), "[paid]"; got != want {
		t.Errorf("orders %s, want %s", got, want)
	}
}

// forgetAnswers takes the turns' answers out of a device's saved session,
// as a daemon that stopped before saving them would have left it.
func forgetAnswers(t *testing.T, h *agenttest.Hub, device string) {
	t.Helper()
	ctx := context.Background()
	var st map[string]any
	if ok, err := h.DB.LoadSession(ctx, device, &st); err != nil || !ok {
		t.Fatalf("load session: %v %v", ok, err)
	}
	ids, _ := st["ids"].([]any)
	for _, u := range ids {
		delete(u.(map[string]any), "answer")
	}
	if err := h.DB.SaveSession(ctx, device, st); err != nil {
		t.Fatal(err)
	}
}

// TestTurnIDs keeps a client's turn ids apart from the session's own
// numbering of turns without one.
func TestTurnIDs(t *testing.T) {
	h, s := MustOpenActive(t) // turns 1 and 2
	Run(t, h, s, []Step{
		{Say: "buy two lattes", State: agent.StateDrafted}, // turn 3
		{Say: "confirm the order", State: agent.StateConfirmed, Held: 3600},
		{Say: "pay", State: agent.StateIdle},
		{ID: "turn-3", Say: "buy two lattes", State: agent.StateDrafted,
			Reply: "Two lattes from Luckin Coffee, 36 yuan. Say confirm to place the order."},
		// Over the draft, each new order asks; the one asked about before
		// is dropped.
		{ID: "turn:3", Say: "buy two lattes", State: agent.StateDrafted,
			Reply: "You already have two lattes drafted. Add two lattes to it, or replace it? Say add them, or replace it."},
		{ID: "3", Say: "buy two lattes", State: agent.StateDrafted,
			Reply: "You already have two lattes drafted. Add two lattes to it, or replace it? Say add them, or replace it."},
	})
	if got, want := orderStates(h.MustOrders()), "[drafted cancelled drafted paid]"; fmt.Sprint(got) != want {
		t.Errorf("orders %v, want %s", got, want)
	}
}

// TestTurnIdempotencyRestart resends a turn to a restarted daemon.
func TestTurnIdempotencyRestart(t *testing.T) {
	h, s := MustOpenActive(t)
	d, err := h.DB.Device(context.Background(), "glasses")
	if err != nil {
		t.Fatal(err)
	}
	steps := []Step{
		{ID: "t1", Say: "buy two lattes", State: agent.StateDrafted},
		{ID: "t2", Say: "confirm the order", State: agent.StateConfirmed, Held: 3600},
		{ID: "t3", Say: "pay", State: agent.StateIdle},
	}
	for _, st := range steps {
		Run(t, h, s, []Step{st})
		h = h.MustReopen()
		s = h.MustSession(d)
		Run(t, h, s, []Step{st}) // the answer, saved with the state
	}
	if got, want := h.Balance(), int64(Opening-3600); got != want {
		t.Errorf("balance %d, want %d", got, want)
	}
}

// TestSessions runs many devices at once against one wallet, each through
// a whole order, and checks the money at the end.
func TestSessions(t *testing.T) {
	l := agenttest.Limits()
	l.RepeatLimit, l.HourlyCount = 1000, 1000
	h := agenttest.MustOpenHub(t, agenttest.WithLimits(l))
	h.MustTopup(Opening)
	const n = 8
	var sessions []*agent.Session
	for i := range n {
		d, _ := h.MustPair(fmt.Sprintf("device-%d", i), wallet.ScopeUser)
		s := h.MustSession(d)
		Run(t, h, s, Enable)
		sessions = append(sessions, s)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 10*n)
	for i, s := range sessions {
		wg.Go(func() {
			ctx := context.Background()
			for j, text := range []string{"buy a latte", "make it two", "confirm the order", "what's my balance", "pay"} {
				turn := s.Say(ctx, agent.Input{Text: text, ID: fmt.Sprintf("%d-%d", i, j), Channel: "text"})
				if turn.Err != nil {
					errs <- fmt.Sprintf("device %d %q: %v", i, text, turn.Err)
				}
			}
			// Another turn on the same session at the same time as one on the
			// next: turns on one session run one at a time.
			var inner sync.WaitGroup
			for range 3 {
				inner.Go(func() { s.Say(ctx, agent.Input{Text: "what's my balance", Channel: "text"}) })
			}
			inner.Wait()
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if got, want := h.Balance(), int64(Opening-n*3600); got != want {
		t.Errorf("balance %d, want %d", got, want)
	}
	if got := h.Held(); got != 0 {
		t.Errorf("held %d, want 0", got)
	}
	for _, s := range sessions {
		if got := s.State(); got != agent.StateIdle {
			t.Errorf("state %q, want idle", got)
		}
	}
}

// TestFailedRead fails the ledger's reads in the middle of turns, with a
// confirmed order on hold: each turn fails with internal, and the session
// keeps its order, in memory and as saved, so that paying it still works.
func TestFailedRead(t *testing.T) {
	tests := []struct {
		read string // what fails
		say  string
	}{
		{"order", "buy a latte"},
		{"order", "make it three"},
		{"order", "pay"},
		{"order", "cancel order"},
		{"device", "pay"},
		{"device", "what's my balance"},
		{"account", "what's my balance"},
		{"orders", "what's my balance"}, // reads no list: succeeds
	}
	for _, tt := range tests {
		t.Run(tt.read+"/"+tt.say, func(t *testing.T) {
			h, s := MustOpenActive(t)
			Run(t, h, s, []Step{
				{Say: "buy two lattes", State: agent.StateDrafted},
				{Say: "confirm the order", State: agent.StateConfirmed, Held: 3600},
			})
			injected := errors.New("injected read failure")
			h.DB.ReadFault = func(what string) error {
				if what == tt.read {
					return injected
				}
				return nil
			}
			got := s.Say(context.Background(), agent.Input{Text: tt.say, Channel: "voice"})
			h.DB.ReadFault = nil
			if tt.read == "orders" {
				CheckTurn(t, 0, Step{Say: tt.say, State: agent.StateConfirmed}, got)
			} else {
				CheckTurn(t, 0, Step{Say: tt.say, State: agent.StateConfirmed, Code: wallet.EINTERNAL,
					Reply: "Something went wrong inside voicepay."}, got)
				if logged := h.Logs.TakeErrors(); len(logged) == 0 || !strings.Contains(logged[0], "injected read failure") {
					t.Errorf("logged %q, want the read failure", logged)
				}
			}
			if got := s.State(); got != agent.StateConfirmed {
				t.Errorf("state after the failed read %q, want confirmed", got)
			}
			d, err := h.DB.Device(context.Background(), "glasses")
			if err != nil {
				t.Fatal(err)
			}
			h = h.MustReopen()
			s = h.MustSession(d)
			Run(t, h, s, []Step{
				{Say: "pay", State: agent.StateIdle, Reply: "Paid 36 yuan to Luckin Coffee. Your balance is 964 yuan."},
			})
		})
	}
}

// blockingFallback holds a turn in the language-model fallback until
// released, as a slow model would.
type blockingFallback struct{ entered, release chan struct{} }

func (f blockingFallback) Parse(ctx context.Context, text string) (intent.Result, bool, error) {
	close(f.entered)
	<-f.release
	return intent.Result{}, false, nil
}

// TestStateDoesNotWait: while a turn waits on a slow fallback, State and
// Grammar answer at once, from where the last turn left the dialog.
func TestStateDoesNotWait(t *testing.T) {
	h, s := MustOpenActive(t)
	Run(t, h, s, []Step{{Say: "buy two lattes", State: agent.StateDrafted}})
	fb := blockingFallback{entered: make(chan struct{}), release: make(chan struct{})}
	h.Fallback = fb
	done := make(chan *agent.Turn)
	go func() { done <- s.Say(context.Background(), agent.Input{Text: "hum a little tune", Channel: "text"}) }()
	<-fb.entered
	answered := make(chan string)
	go func() { answered <- s.State() + " " + fmt.Sprint(s.Grammar().Accepts("confirm the order")) }()
	select {
	case got := <-answered:
		if got != agent.StateDrafted+" true" {
			t.Errorf("during a turn: %q, want drafted with a grammar", got)
		}
	case <-time.After(10 * time.Second):
		t.Errorf("State and Grammar waited for the turn in progress")
	}
	close(fb.release)
	if turn := <-done; turn.State != agent.StateDrafted || turn.Err != nil {
		t.Errorf("the slow turn: state %q, error %v", turn.State, turn.Err)
	}
}

// TestExpiryIsAnnounced: an order the sweeper expires reaches every open
// connection at once, as order.updated with state expired.
func TestExpiryIsAnnounced(t *testing.T) {
	h, s := MustOpenActive(t)
	events, cancel := h.Subscribe()
	defer cancel()
	Run(t, h, s, []Step{
		{Say: "buy two lattes", State: agent.StateDrafted},
		{Say: "confirm the order", State: agent.StateConfirmed, Held: 3600},
	})
	h.Clock.Advance(h.DB.HoldTimeout)
	expired, err := h.DB.Sweep(context.Background())
	if err != nil || len(expired) != 1 {
		t.Fatalf("sweep: %v, %d expired", err, len(expired))
	}
	select {
	case e := <-events:
		if e.Type != agent.EventOrderUpdated || e.Order == nil || e.Order.State != "expired" ||
			e.Text != "Your order from Luckin Coffee expired; nothing was charged." {
			t.Errorf("got %+v, want the order updated as expired", e)
		}
	default:
		t.Fatalf("no event after the sweep")
	}
	if got := h.Held(); got != 0 {
		t.Errorf("held %d after the expiry, want 0", got)
	}
}

// TestTurnSecret marks the turns that answered a PIN prompt, so that a
// surface that logs what was said can leave them out.
func TestTurnSecret(t *testing.T) {
	_, s := MustOpenSession(t)
	big := []Step{{Say: "buy twelve lattes", State: agent.StateDrafted},
		{Say: "confirm the order", State: agent.StateConfirmed, Held: 21600},
		{Say: "pay", State: agent.StateConfirmed, Held: 21600}}
	tests := []struct {
		steps  []Step
		secret bool
	}{
		{Enable[:1], false},
		{Enable[1:], true},
		{big, false},
		{[]Step{{Say: "two four six eight", State: agent.StateIdle}}, true},
		{[]Step{{Say: "what is my balance", State: agent.StateIdle}}, false},
	}
	for i, tt := range tests {
		for j, st := range tt.steps {
			got := s.Say(context.Background(), agent.Input{Text: st.Say, Channel: "voice"})
			CheckTurn(t, j, st, got)
			if want := tt.secret && j == len(tt.steps)-1; got.Secret != want {
				t.Errorf("step %d, %q: Secret %v, want %v", i, st.Say, got.Secret, want)
			}
		}
	}
}

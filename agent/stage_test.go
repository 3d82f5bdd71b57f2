package agent_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/internal/agenttest"
	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/wallet"
)

// A stage is a hub and a device session that stands in one dialog state
// before each sentence: payments off (inactive), on (idle), an order of
// two lattes from Luckin Coffee drafted, or confirmed with its 36 yuan on
// hold. An agent has asked for a tip and proposed a subscription, so that a
// sentence wrongly read as an approval would move money where the test sees
// it. A sentence that moves the session away is followed by a restore: by
// turns of the dialog where they bring it back exactly, else a new hub.
type stage struct {
	t     *testing.T
	state string
	h     *agenttest.Hub
	s     *agent.Session

	opened, restores int
}

// The order the drafted and confirmed stages stand on.
const (
	stageOrder = "buy two lattes from luckin coffee"
	stageTotal = 3600
)

// ready makes the stage stand in its state, and fails the test when it
// cannot.
func (st *stage) ready() {
	st.t.Helper()
	if st.h != nil && st.stands() == nil {
		return
	}
	if st.h != nil {
		st.restores++
		err := st.restore()
		if err == nil {
			err = st.stands()
		}
		if err == nil {
			return
		}
		st.t.Logf("the %s stage opens a new hub: %v", st.state, err)
		st.close()
	}
	st.open()
	if err := st.stands(); err != nil {
		st.t.Fatalf("a new %s stage: %v", st.state, err)
	}
}

// open sets the stage up on a new hub.
func (st *stage) open() {
	st.t.Helper()
	st.opened++
	st.h = agenttest.MustOpenHub(st.t)
	st.h.MustTopup(Opening)
	d, _ := st.h.MustPair("glasses", wallet.ScopeUser)
	st.s = st.h.MustSession(d)
	st.h.MustPair("claude", wallet.ScopeAgent)
	if err := st.propose(); err != nil {
		st.t.Fatalf("the agent's proposals: %v", err)
	}
	if err := st.reach(); err != nil {
		st.t.Fatalf("set up the %s stage: %v", st.state, err)
	}
}

// close checks the hub's ledger and closes it.
func (st *stage) close() {
	if st.h != nil {
		st.h.MustClose()
		st.h, st.s = nil, nil
	}
}

// say runs a turn of the set-up, which must succeed.
func (st *stage) say(text string) error {
	turn := st.s.Say(context.Background(), agent.Input{Text: text, Channel: "text"})
	if turn.Err != nil {
		return fmt.Errorf("%q: %s", text, turn.Err.Message)
	}
	return nil
}

// reach takes a session that is inactive, or idle and waiting for nothing,
// to the stage's state.
func (st *stage) reach() error {
	var script []string
	active := st.s.State() != agent.StateInactive
	switch {
	case st.state == agent.StateInactive && active:
		script = []string{"disable alipay payment function"}
	case st.state != agent.StateInactive && !active:
		script = []string{"enable alipay payment function", "two four six eight"}
	}
	switch st.state {
	case agent.StateDrafted:
		script = append(script, stageOrder)
	case agent.StateConfirmed:
		script = append(script, stageOrder, "confirm the order")
	}
	for _, text := range script {
		if err := st.say(text); err != nil {
			return err
		}
	}
	return nil
}

// restore brings the session back to the stage's state: it gives up a PIN
// prompt, cancels the open order and switches payments on or off by turns
// of the dialog, unfreezes the wallet, revokes what the person approved and
// has the agent ask again, and states the order again.
func (st *stage) restore() error {
	ctx := context.Background()
	if st.awaiting() {
		if err := st.say("cancel"); err != nil {
			return err
		}
	}
	if st.h.MustAccount(wallet.UserAccount).Frozen {
		if err := st.h.DB.Unfreeze(ctx, agenttest.PIN); err != nil {
			return err
		}
	}
	if st.s.State() == agent.StateDrafted || st.s.State() == agent.StateConfirmed {
		if err := st.say("cancel order"); err != nil {
			return err
		}
	}
	if st.awaiting() {
		return errors.New("still waiting for a code")
	}
	if err := st.propose(); err != nil {
		return err
	}
	return st.reach()
}

// propose revokes every mandate the person approved, and has the agent ask
// for a tip and propose a subscription unless one of each waits already.
func (st *stage) propose() error {
	ctx := context.Background()
	ms, err := st.h.DB.FindMandates(ctx, wallet.MandateFilter{})
	if err != nil {
		return err
	}
	waiting := map[wallet.MandateKind]bool{}
	for _, m := range ms {
		switch m.State {
		case wallet.MandateActive, wallet.MandateExhausted:
			if _, err := st.h.DB.RevokeMandate(ctx, agenttest.Key("revoke"), m.ID); err != nil {
				return err
			}
		case wallet.MandateProposed:
			waiting[m.Kind] = true
		}
	}
	if !waiting[wallet.MandateTip] {
		tip := agent.TipRequest{Payee: "claude_dev", Amount: 500}
		if _, _, err := st.h.RequestTip(ctx, "claude", agenttest.Key("tip"), tip); err != nil {
			return err
		}
	}
	if !waiting[wallet.MandateSubscription] {
		if _, err := st.h.ProposeSubscription(ctx, "claude", agenttest.Key("sub"), Metered); err != nil {
			return err
		}
	}
	return nil
}

// awaiting reports whether the session waits for a PIN or a code.
func (st *stage) awaiting() bool { return st.s.Grammar() == intent.CodeGrammar() }

// stands checks that the session is exactly in the stage's state, waiting
// for nothing, with the stage's order and the agent's two proposals open.
func (st *stage) stands() error {
	ctx := context.Background()
	if got := st.s.State(); got != st.state {
		return fmt.Errorf("state %s", got)
	}
	if st.awaiting() {
		return errors.New("waiting for a code")
	}
	dev, err := st.h.DB.Device(ctx, "glasses")
	if err != nil {
		return err
	}
	if dev.Active != (st.state != agent.StateInactive) {
		return fmt.Errorf("device active %v", dev.Active)
	}
	acct := st.h.MustAccount(wallet.UserAccount)
	if acct.Frozen {
		return errors.New("the wallet is frozen")
	}
	live, err := st.h.DB.FindOrders(ctx, wallet.OrderFilter{Live: true})
	if err != nil {
		return err
	}
	var wantHeld int64
	switch st.state {
	case agent.StateInactive, agent.StateIdle:
		if len(live) != 0 {
			return fmt.Errorf("%d open orders", len(live))
		}
	default:
		want := []wallet.Line{{Item: "latte", Name: "latte", Quantity: 2, UnitPrice: 1800, Amount: stageTotal}}
		wantState := map[string]wallet.OrderState{agent.StateDrafted: wallet.Drafted, agent.StateConfirmed: wallet.Confirmed}[st.state]
		if len(live) != 1 || live[0].State != wantState || live[0].Payee != wallet.MerchantAccount("luckin_coffee") ||
			!reflect.DeepEqual(live[0].Lines, want) {
			return fmt.Errorf("open orders %s, want two lattes from Luckin Coffee %s", orderList(live), wantState)
		}
		if st.state == agent.StateConfirmed {
			wantHeld = stageTotal
		}
	}
	if acct.DebitsPending != wantHeld {
		return fmt.Errorf("%d on hold, want %d", acct.DebitsPending, wantHeld)
	}
	ms, err := st.h.DB.FindMandates(ctx, wallet.MandateFilter{})
	if err != nil {
		return err
	}
	var kinds []string
	for _, m := range ms {
		switch m.State {
		case wallet.MandateProposed, wallet.MandateActive, wallet.MandateExhausted:
			kinds = append(kinds, fmt.Sprintf("%s %s", m.Kind, m.State))
		}
	}
	slices.Sort(kinds)
	if want := []string{"subscription proposed", "tip proposed"}; !slices.Equal(kinds, want) {
		return fmt.Errorf("mandates %v, want %v", kinds, want)
	}
	return nil
}

func orderList(os []*wallet.Order) string {
	var s []string
	for _, o := range os {
		s = append(s, fmt.Sprintf("%d %s %s %v", o.ID, o.State, o.Payee, o.Lines))
	}
	return "[" + strings.Join(s, "; ") + "]"
}

// money is what a turn that moves no money leaves as it was.
type money struct {
	Balance, Held   int64
	Confirmed, Paid int // orders in these states
	Approved        int // mandates approved, whatever they became since
	Charges         int // charges under mandates
}

// ledger reads the stage's money.
func (st *stage) ledger() money {
	st.t.Helper()
	ctx := context.Background()
	acct := st.h.MustAccount(wallet.UserAccount)
	m := money{Balance: acct.Balance(), Held: acct.DebitsPending}
	for _, o := range st.h.MustOrders() {
		switch o.State {
		case wallet.Confirmed:
			m.Confirmed++
		case wallet.Paid:
			m.Paid++
		}
	}
	ms, err := st.h.DB.FindMandates(ctx, wallet.MandateFilter{})
	if err != nil {
		st.t.Fatalf("mandates: %v", err)
	}
	for _, x := range ms {
		if !x.Approved.IsZero() {
			m.Approved++
		}
		m.Charges += x.Charges
	}
	return m
}

// Package agent is voicepay's voice agent runtime: the person's dialog, one
// state machine per device from a stated need through confirmation to an
// authorized payment on the wallet ledger; the sessions that hold it; how
// it hears speech; and the proposals AI agents make into it, which only the
// person can confirm, pay or approve. Its surfaces are subpackages: the
// websocket and the JSON API (agent/ws), the Payment MCP server
// (agent/mcp), and the offline recognizer as the dialog hears with it
// (agent/speech).
package agent

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/voicepay/voicepay/config"
	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/wallet"
)

// Dialog states.
const (
	StateInactive  = "inactive"  // payments not enabled on this device
	StateIdle      = "idle"      // enabled, no order in progress
	StateDrafted   = "drafted"   // an order is priced and read back; nothing held
	StateConfirmed = "confirmed" // the order's funds are held; waiting for authorization
)

// What a session waits for besides a command.
const (
	awaitNone        = ""
	awaitEnablePIN   = "enable_pin"   // the PIN that activates payments
	awaitEnableTOTP  = "enable_totp"  // the authenticator code that follows that PIN
	awaitStepUpPIN   = "step_up_pin"  // the PIN risk asked for before paying
	awaitUnfreezePIN = "unfreeze_pin" // the PIN that lets payments leave a frozen wallet
	awaitApprovePIN  = "approve_pin"  // the PIN that approves a subscription, with a passkey registered
)

// Fallback reads a sentence the intent templates did not match, such as a
// language model asked through intent/llm. ok reports that it found an
// intent; the hub never takes a money-moving one from it.
type Fallback interface {
	Parse(ctx context.Context, text string) (res intent.Result, ok bool, err error)
}

// Hub holds the sessions of all devices and what they share.
type Hub struct {
	DB      *wallet.DB
	Parser  *intent.Parser
	Catalog *config.Catalog
	Logger  *slog.Logger
	Metrics *Metrics
	// Fallback, when set, reads what the templates did not match; what it
	// gives is never a money-moving intent (see intent/llm).
	Fallback Fallback
	// VerifyTimeout is how long the dialog waits for a passkey verification
	// on the person's phone; 0 means two minutes.
	VerifyTimeout time.Duration
	Sandbox       bool // every reply begins with SandboxMark (sandbox.go)
	// ProposalsPerMinute is how many proposals an agent may make a minute,
	// and MaxWaiting how many of them may wait for the person at once
	// (agent/limit.go); 0 means DefaultProposalsPerMinute and
	// DefaultMaxWaiting.
	ProposalsPerMinute int
	MaxWaiting         int

	mu       sync.Mutex
	sessions map[string]*Session
	events   broadcaster
	limits   limits
}

// NewHub returns a hub over a wallet, a parser and the catalog they share.
func NewHub(db *wallet.DB, parser *intent.Parser, catalog *config.Catalog) *Hub {
	h := &Hub{DB: db, Parser: parser, Catalog: catalog, Logger: slog.New(slog.DiscardHandler),
		sessions: map[string]*Session{}}
	db.OnExpire(h.expired)
	return h
}

// expired tells every open connection that an order ran out of time.
func (h *Hub) expired(o *wallet.Order) {
	h.announce(fmt.Sprintf("expired:%d", o.ID), Event{Type: EventOrderUpdated, Order: ViewOrder(o, h.DB.Now()),
		Text: expiredSentence(o)})
}

// Session is one device's dialog. Turns on a session run one at a time.
type Session struct {
	hub    *Hub
	device string
	mu     sync.Mutex // held for a whole turn
	st     sessionState
	// epoch is new each time the session is loaded, so that turn keys of a
	// run that crashed before saving its turn count are never reused.
	epoch string
	// snap is where the dialog stood after its last turn, for those who
	// must not wait behind a turn in progress (an Ear choosing a grammar).
	snap atomic.Pointer[snapshot]
}

// snapshot is where a session's dialog stood after a turn.
type snapshot struct {
	state string
	await string
	order *wallet.Order // the open order then, if any
	asked *question     // what the dialog asked then, if anything
	now   func() time.Time
}

// State is the dialog state the snapshot gives now: an order that has
// lapsed since leaves the dialog idle.
func (sn *snapshot) State() string {
	if sn.order != nil && sn.order.Lapsed(sn.now()) {
		return StateIdle
	}
	return sn.state
}

// sessionState is what survives a restart, stored in the wallet.
type sessionState struct {
	OrderID uint64 `json:"order_id,omitempty"`
	Await   string `json:"await,omitempty"`
	Turn    uint64 `json:"turn"`
	// Pending is a new order said while another was drafted, drafted on
	// its own: the dialog asked whether to add it to the session's order
	// or to replace that order with it.
	Pending uint64 `json:"pending,omitempty"`
	// Asked is what the last turn asked that a bare answer completes:
	// which thing a general word meant, or how much to tip.
	Asked *question `json:"asked,omitempty"`
	// Verify is the passkey verification the await also takes (agent/verify.go).
	Verify *verifying `json:"verify,omitempty"`
	// IDs are the clients' ids of the typed turns of the last TurnIDWindow.
	IDs []idUse `json:"ids,omitempty"`
}

// Session returns the dialog of a user device, loading its saved state.
func (h *Hub) Session(ctx context.Context, device *wallet.Device) (*Session, error) {
	if device.Scope != wallet.ScopeUser {
		return nil, wallet.Errorf(wallet.EUNAUTHORIZED, "Only a user device can hold a payment dialog.")
	}
	h.mu.Lock()
	s, ok := h.sessions[device.ID]
	h.mu.Unlock()
	if ok {
		return s, nil
	}
	// The ledger is read without the hub's lock, so that loading one
	// device's session holds up no other device's.
	s = &Session{hub: h, device: device.ID, epoch: strconv.FormatInt(time.Now().UnixNano(), 36)}
	if _, err := h.DB.LoadSession(ctx, device.ID, &s.st); err != nil {
		return nil, err
	}
	if _, err := s.publish(ctx); err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if first, ok := h.sessions[device.ID]; ok {
		return first, nil // another connection of the device loaded it meanwhile
	}
	h.sessions[device.ID] = s
	return s, nil
}

// publish derives where the dialog stands from the ledger, and makes it the
// session's snapshot. The caller holds s.mu, or has s to itself.
func (s *Session) publish(ctx context.Context) (string, error) {
	d := &dialog{s: s, ctx: ctx}
	st, o, err := d.standing()
	if err != nil {
		return "", err
	}
	await := s.st.Await
	if await == awaitStepUpPIN && o == nil {
		await = awaitNone // the order it waits to pay is gone, and the next turn forgets the wait
	}
	s.snap.Store(&snapshot{state: st, await: await, order: o, asked: s.st.Asked, now: s.hub.DB.Now})
	return st, nil
}

// Input is one utterance: typed, or a final transcript of speech.
type Input struct {
	Text    string
	ID      string // the client's id for this turn; a retried turn with the same id moves money once
	Channel string // "voice" or "text"
	// Deliver, when set, is given the finished turn while the session still
	// holds it, before the session's next turn starts: a surface that passes
	// turns on to several connections keeps them in the order they ran. It
	// must not block, nor take a turn of its own.
	Deliver func(*Turn)
}

// SecretText stands in a log for what a turn that answered a PIN or code
// prompt said (Turn.Secret).
const SecretText = "(the answer to a PIN prompt)"

// Say runs one turn of the dialog. A turn resent with its id within
// TurnIDWindow gets the answer it had, and the dialog does not run again.
func (s *Session) Say(ctx context.Context, in Input) *Turn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if in.ID != "" {
		if t := s.replayed(in); t != nil {
			if in.Deliver != nil {
				in.Deliver(t)
			}
			return t
		}
	}
	start := time.Now()
	s.st.Turn++
	t := &Turn{Secret: s.st.Await != awaitNone} // a PIN, or an authenticator's code
	parse := s.hub.Parser.Parse
	if in.Channel == "voice" {
		parse = s.hub.Parser.ParseSpeech // a hesitation heard keeps money from moving
	}
	res := parse(in.Text)
	if s.st.Await == awaitNone { // an answer to a PIN prompt never leaves voicepay
		res = s.hub.fallback(ctx, in.Text, res)
	}
	d := &dialog{s: s, ctx: ctx, in: in, turn: t, res: res}
	// A client's id and the session's own turn count get keys of their own,
	// so that no id a client picks can replay another turn.
	var err error
	named := -1
	if in.ID != "" {
		d.key, named, err = s.clientKey(ctx, in, s.named(in))
	} else {
		d.key = fmt.Sprintf("%s/turn:%s:%d", s.device, s.epoch, s.st.Turn)
	}
	text := in.Text
	if t.Secret {
		text = SecretText // never log a PIN
	}
	if err != nil {
		t.emit(Event{Type: EventIntent, Intent: &res})
	} else {
		err = d.run()
	}
	if err != nil {
		if e := t.fail(err); e.Code == wallet.EINTERNAL {
			s.hub.Logger.Error("turn failed", "device", s.device, "text", text, "err", err)
		}
	}
	s.settle(ctx, t, named)
	s.logTurn(in, res, t)
	s.hub.Metrics.observeTurn(res.Intent, t, time.Since(start))
	if in.Deliver != nil {
		in.Deliver(t)
	}
	return t
}

// settle ends the turn with its reply, and saves where the turn left the
// dialog together with its answer, if the turn is the one at index named
// of the client's ids: a resend finds the answer, or a dialog that has not
// moved on. The caller holds s.mu.
func (s *Session) settle(ctx context.Context, t *Turn, named int) {
	s.st.dropStaleVerify()
	// The turn's wallet writes are done; the state that points at them must
	// be saved even when ctx was cancelled meanwhile.
	ctx = context.WithoutCancel(ctx)
	st, err := s.publish(ctx)
	if err != nil {
		s.hub.Logger.Error("read the dialog state", "device", s.device, "err", err)
		t.fail(err)
		st = s.snap.Load().State()
	}
	t.State = st
	t.Reply = s.hub.marked(t.Reply)
	t.emit(Event{Type: EventReply, Text: t.Reply, State: t.State, NotUnderstood: t.NotUnderstood})
	s.keepAnswer(named, t)
	if err := s.hub.DB.SaveSession(ctx, s.device, &s.st); err != nil {
		s.hub.Logger.Error("save session", "device", s.device, "err", err)
		if named >= 0 {
			s.st.IDs[named].Answer = nil // not saved: the turn failed after all
		}
		t.Events = t.Events[:len(t.Events)-1]
		t.fail(err)
		t.emit(Event{Type: EventReply, Text: t.Reply, State: t.State})
	}
}

// fail refuses the turn with err, as the person sees it, unless it was
// refused already; the reply says why unless the dialog said something.
func (t *Turn) fail(err error) *wallet.Error {
	e := wallet.AsError(err)
	if t.Err != nil {
		return e
	}
	t.Err = e
	t.emit(Event{Type: EventError, Error: e})
	if t.Reply == "" {
		t.Reply = e.Message
	}
	return e
}

// State is the dialog state of the session as its last turn left it, less
// an order that has lapsed since. It never waits for a turn in progress.
func (s *Session) State() string { return s.snap.Load().State() }

// fallback reads with the fallback an utterance the templates did not
// match. Money-moving intents come only from the templates.
func (h *Hub) fallback(ctx context.Context, text string, res intent.Result) intent.Result {
	if res.Intent != intent.None || h.Fallback == nil || strings.TrimSpace(text) == "" {
		return res
	}
	fb, ok, err := h.Fallback.Parse(ctx, text)
	if err != nil {
		h.Logger.Warn("intent fallback", "err", err)
	}
	if !ok || intent.MovesMoney(fb.Intent) {
		return res
	}
	return fb
}

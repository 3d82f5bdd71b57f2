package agent

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/voice"
	"github.com/voicepay/voicepay/wallet"
)

// Recognizer hears one utterance, listening only for the sentences of a
// grammar.
type Recognizer interface {
	Recognize(ctx context.Context, samples []int16, grammar *intent.Graph) (Heard, error)
}

// A PartialRecognizer also hears the speech so far of an utterance still
// going on, for showing the words as the person speaks them. TryRecognize
// is best-effort: it returns at once with ok false when it cannot decode
// right now, rather than wait.
type PartialRecognizer interface {
	TryRecognize(ctx context.Context, samples []int16, grammar *intent.Graph) (h Heard, ok bool, err error)
}

// ErrBusy is what a Recognizer returns when every decoder is busy and an
// utterance has waited as long as it may: the person is asked to say it
// again, and nothing else happens.
var ErrBusy = &wallet.Error{Code: wallet.EBUSY, Message: "I'm busy right now; please say that again.", Retryable: true}

// Heard is what a recognizer made of an utterance. Text is empty when it
// heard nothing it could accept.
type Heard struct {
	Text       string
	Confidence float64
}

// Grammar is the grammar of what the session listens for now: the
// sentences of the intents its state accepts, or, while it waits for a PIN
// or a code, digits and the words that give up or freeze. The same state,
// with the same kinds of agents' proposals waiting, gives the same
// *intent.Graph. Like State, it never waits for a turn in
// progress.
func (s *Session) Grammar() *intent.Graph {
	sn := s.snap.Load()
	if sn.await != awaitNone {
		return intent.CodeGrammar()
	}
	in := s.listening(sn.State())
	if sn.asked != nil && sn.asked.Report != 0 {
		in = append(in, intent.AnswerYes, intent.AnswerNo) // "File a claim for ...? Say yes to file."
	}
	var extra intent.Extra
	if slices.Contains(in, intent.SubscriptionCancel) {
		extra.Payees = s.hub.payeeNames()
	}
	if sn.asked != nil && len(sn.asked.Orders) > 0 {
		extra.Sentences = s.hub.whichAnswers(sn.asked.Orders)
	}
	return s.hub.Parser.GrammarPlus(extra, in...)
}

// payeeNames are the names of the payees of the tip allowances and
// subscriptions that are live, other than catalog merchants, whose names
// the grammar has: "cancel my subscription to acme cloud" is heard by the
// name the person hears. If the ledger cannot be read, there are none.
func (h *Hub) payeeNames() []string {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	ms, err := h.DB.FindMandates(ctx, wallet.MandateFilter{States: []wallet.MandateState{
		wallet.MandateProposed, wallet.MandateActive, wallet.MandateExhausted}})
	if err != nil {
		return nil
	}
	var names []string
	for _, m := range ms {
		if _, ok := wallet.MerchantOf(m.Payee); !ok {
			names = append(names, m.PayeeName)
		}
	}
	return names
}

// listening is what a state listens for (Accepts), less the answers to an
// agent's proposal while none waits: out of a draft, "confirm the order"
// can only confirm an order an agent proposed, and "approve the tip" only
// a tip or subscription an agent asked for, so without one they are not
// listened for, and speech that sounds like them cannot be taken for them.
// A proposal pushed while the person speaks is heard from the next
// utterance on. If the ledger cannot be read, nothing is left out.
func (s *Session) listening(state string) []string {
	in := Accepts(state)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	o, m, err := s.hub.proposed(ctx)
	if err != nil {
		return in
	}
	return slices.DeleteFunc(in, func(x string) bool {
		return x == intent.OrderConfirm && o == nil && state != StateDrafted || x == intent.SubscriptionApprove && m == nil
	})
}

// A Listener is told what Listen hears: each endpointer event as it comes
// (voice.SpeechStarted, SpeechPaused, SpeechStopped), then each utterance's
// turn with what was heard. Deliver is given the turn while the session
// still holds it (see Input.Deliver), Turn once it has let go. Any may be
// nil.
//
// Partial, when set and the recognizer is a PartialRecognizer, is given
// the words so far of an utterance while it is being spoken, about every
// PartialEvery of speech, when a decoder is free: each text once, never
// empty, and none of an utterance after its stop, so they come before its
// Deliver. They are only for showing; what acts is the turn.
type Listener struct {
	Speech  func(voice.Event)
	Deliver func(*Turn, Heard)
	Turn    func(*Turn, Heard)
	Partial func(Heard)
}

// Listen runs speech from src through an endpointer, an Ear and rec into
// the dialog, one turn per utterance, until src ends or ctx is done. It is
// the one way speech reaches the dialog, from the microphone and from
// websocket audio alike. An utterance heard as nothing in the grammar gets
// a turn that asks again and changes nothing; a turn that has started runs
// to its end, as a typed one does.
func (s *Session) Listen(ctx context.Context, src voice.Source, rec Recognizer, on Listener) error {
	ep, err := voice.NewEndpointer(voice.DefaultVADConfig())
	if err != nil {
		return err
	}
	ear := s.Ear(rec)
	ear.deliver = on.Deliver
	ear.partial = newPartials(s, rec, on.Partial)
	defer ear.partial.wait()
	return ep.Run(ctx, src, func(ev voice.Event) error {
		if on.Speech != nil {
			on.Speech(ev)
		}
		ear.partial.hear(ctx, ev, ear.guess != nil)
		t, heard, err := ear.Hear(context.WithoutCancel(ctx), ev)
		if err != nil || t == nil {
			return err
		}
		if on.Turn != nil {
			on.Turn(t, heard)
		}
		return nil
	})
}

// An Ear hears, for one session, the utterances an endpointer finds. The
// endpointer pauses (voice.SpeechPaused) as soon as the person has been
// quiet a moment, and only stops (voice.SpeechStopped) when its hangover
// has passed; the Ear starts recognizing at the pause, so that by the stop
// the words are usually known and the turn follows at once. If the person
// went on speaking, or the dialog moved on meanwhile, the guess is dropped
// and the utterance is heard anew. An Ear is used from one goroutine.
type Ear struct {
	s       *Session
	rec     Recognizer
	guess   *guess
	deliver func(*Turn, Heard) // Listener.Deliver
	partial *partials          // Listener.Partial's guesses, nil without
	// spoke is when the last speech the endpointer paused after ended, as
	// it heard it, and where in the stream.
	spoke     time.Time
	spokeAt   time.Duration
	spokeSeen bool
}

// A guess is an utterance being recognized ahead of its stop.
type guess struct {
	u       voice.Utterance
	grammar *intent.Graph
	cancel  context.CancelFunc // drops it, waiting or decoding, once it cannot be used
	done    chan struct{}      // closed when heard and err are set
	heard   Heard
	err     error
}

// Ear returns an Ear for the session that hears with rec.
func (s *Session) Ear(rec Recognizer) *Ear { return &Ear{s: s, rec: rec} }

// Hear takes the endpointer's next event. At voice.SpeechStopped it runs
// the utterance into the dialog and returns the turn and what was heard;
// for other events it returns no turn.
func (e *Ear) Hear(ctx context.Context, ev voice.Event) (*Turn, Heard, error) {
	switch ev := ev.(type) {
	case voice.SpeechAudio:
		// Audio after a pause means the person went on speaking: the guess
		// at the shorter utterance is of no use any more. Dropping it at
		// once frees its place in the decoders' queue for another stream.
		e.drop()
	case voice.SpeechPaused:
		// The pause comes Tail after the end of speech: that is when it
		// ended, for audio that arrives as it is spoken.
		e.spoke, e.spokeAt, e.spokeSeen = time.Now().Add(-(ev.At - ev.Utterance.SpeechEnd)), ev.Utterance.SpeechEnd, true
		e.drop()
		e.s.hub.Metrics.observeDecode("pause")
		gctx, cancel := context.WithCancel(ctx)
		g := &guess{u: ev.Utterance, grammar: e.s.Grammar(), cancel: cancel, done: make(chan struct{})}
		e.guess = g
		go func() {
			defer close(g.done)
			g.heard, g.err = e.rec.Recognize(gctx, g.u.Samples, g.grammar)
		}()
	case voice.SpeechStopped:
		stopped := time.Now()
		spoke := e.spokenEnd(ev, stopped)
		g := e.guess
		e.guess = nil
		u := ev.Utterance
		grammar := e.s.Grammar()
		var heard Heard
		var err error
		if g != nil && g.u.Same(u) && g.grammar.Key() == grammar.Key() {
			select {
			case <-g.done:
				heard, err = g.heard, g.err
			case <-ctx.Done():
				err = ctx.Err()
			}
			g.cancel()
		} else {
			if g != nil {
				g.cancel()
			}
			e.s.hub.Metrics.observeDecode("stop")
			heard, err = e.rec.Recognize(ctx, u.Samples, grammar)
		}
		var deliver func(*Turn)
		if e.deliver != nil {
			deliver = func(t *Turn) { e.deliver(t, heard) }
		}
		if errors.Is(err, ErrBusy) {
			return e.s.busy(deliver), Heard{}, nil
		}
		if err != nil {
			return nil, Heard{}, fmt.Errorf("recognize utterance at %s: %w", u.Start, err)
		}
		t := e.s.heard(ctx, heard, deliver)
		e.s.hub.Metrics.observeSpeech(time.Since(spoke), time.Since(stopped))
		return t, heard, nil
	}
	return nil, Heard{}, nil
}

// spokenEnd is when the speech of the utterance that stopped at stopped
// ended: where the endpointer last paused after it, or, with no pause
// (speech cut at its longest length, or at the end of the stream), the
// stop itself.
func (e *Ear) spokenEnd(ev voice.SpeechStopped, stopped time.Time) time.Time {
	defer func() { e.spokeSeen = false }()
	if e.spokeSeen && e.spokeAt == ev.Utterance.SpeechEnd {
		return e.spoke
	}
	return stopped
}

// heard takes what was heard into the dialog as a turn, handed to deliver
// (see Input.Deliver).
func (s *Session) heard(ctx context.Context, heard Heard, deliver func(*Turn)) *Turn {
	if heard.Text == "" {
		return s.unheard(deliver)
	}
	return s.Say(ctx, Input{Text: heard.Text, Channel: "voice", Deliver: deliver})
}

// unheard is the turn of an utterance heard as nothing the state accepts:
// it asks again and changes nothing. Like every turn, it begins with its
// intent: none, with no confidence.
func (s *Session) unheard(deliver func(*Turn)) *Turn {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &Turn{Reply: "Sorry, I didn't catch that.", State: s.State(), NotUnderstood: true}
	t.emit(Event{Type: EventIntent, Intent: &intent.Result{Intent: intent.None}})
	t.emit(Event{Type: EventReply, Text: t.Reply, State: t.State, NotUnderstood: true})
	if deliver != nil {
		deliver(t)
	}
	return t
}

// drop gives up the guess in progress, if any.
func (e *Ear) drop() {
	if e.guess != nil {
		e.guess.cancel()
		e.guess = nil
	}
}

// busy is the turn of an utterance the recognizer had no time for: it asks
// the person to say it again, and changes nothing. Like every turn, it
// begins with its intent, none, and goes to deliver.
func (s *Session) busy(deliver func(*Turn)) *Turn {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &Turn{State: s.State()}
	t.emit(Event{Type: EventIntent, Intent: &intent.Result{Intent: intent.None}})
	t.fail(ErrBusy)
	t.emit(Event{Type: EventReply, Text: t.Reply, State: t.State})
	s.hub.Metrics.observeTurn("", t, 0)
	if deliver != nil {
		deliver(t)
	}
	return t
}

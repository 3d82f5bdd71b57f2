// Package speech is the offline recognizer (voice/sphinx) as the dialog
// hears with it: listening with the intent templates' own grammar, whole
// for transcription and narrowed to the dialog's state for a session, and
// verifying every sentence that would act in a second pass.
//
// A Recognizer is a pool of decoders, one per core by default, so that
// audio streams (the microphone, each websocket connection) decode at the
// same time rather than in turn. A decoder keeps nothing of one utterance
// into the next (see TestNoCarryOver in voice/sphinx), so any decoder of
// the pool may hear any stream; what a stream keeps, its noise floor and
// its place in the dialog, lives in its own endpointer and session.
package speech

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/voice"
	"github.com/voicepay/voicepay/voice/sphinx"
)

// The defaults of how long, and how many, utterances wait for a decoder.
const (
	// DefaultQueueWait is how long an utterance waits for a decoder before
	// it is refused as busy. The endpointer hands it over 240 ms into the
	// pause and stops 360 ms later, so most of this wait shows as delay.
	DefaultQueueWait = 1500 * time.Millisecond
	// DefaultWaitingPerDecoder bounds the queue: with more utterances than
	// this per decoder already waiting, the next is refused at once, since
	// it would wait about that many decodes (100 to 200 ms each) anyway.
	DefaultWaitingPerDecoder = 4
)

// Recognizer hears utterances with a pool of sphinx recognizers. It is safe
// for concurrent use: up to Size utterances decode at once, the rest wait,
// first come first served, up to QueueWait, and at most MaxWaiting of them;
// an utterance that would wait longer, or more, is refused with
// agent.ErrBusy, so that under overload some streams are asked to say it
// again rather than every stream falling behind.
type Recognizer struct {
	// QueueWait is how long an utterance may wait for a free decoder.
	QueueWait time.Duration
	// MaxWaiting is how many utterances may wait at once.
	MaxWaiting int

	idle    chan *sphinx.Recognizer // the decoders free to use
	all     *intent.Graph           // the grammar of every intent
	size    int
	waiting atomic.Int64 // utterances waiting for a decoder
	busy    atomic.Int64 // utterances refused as busy

	closeOnce sync.Once
	done      chan struct{} // closed by Close
}

var (
	_ agent.Recognizer        = (*Recognizer)(nil)
	_ agent.PartialRecognizer = (*Recognizer)(nil)
	_ sphinx.Weighted         = (*intent.Graph)(nil)
)

// New starts a recognizer for the parser's templates with decoders
// decoders, or one per core (GOMAXPROCS) if decoders is 0. Each decoder
// loads its own copy of the acoustic model, about 25 MB.
func New(parser *intent.Parser, decoders int) (*Recognizer, error) {
	if decoders < 0 {
		return nil, fmt.Errorf("speech recognizer: %d decoders", decoders)
	}
	if decoders == 0 {
		decoders = runtime.GOMAXPROCS(0)
	}
	all := parser.Grammar()
	cfg := sphinx.Config{
		Grammar: all,
		// A sentence that would act (move money, change an order, freeze
		// the wallet) must pass the second, stricter pass too. Speech that
		// was not for voicepay is then far less often taken for a command:
		// on the broad fixture set, out-of-domain clips heard as nothing
		// rose from 45% to 73%, for about 6 points of clean commands
		// (BenchmarkAcceptance in voice/sphinx).
		Verify: func(text string) bool { return intent.Acts(parser.ParseSpeech(text).Intent) },
		// Of those, a sentence that moves money, or freezes the wallet,
		// must beat the pass's loop outright; the others may also pass by
		// their speech margin (voice/sphinx/confidence.go).
		Money: func(text string) bool {
			i := parser.ParseSpeech(text).Intent
			return intent.MovesMoney(i) || i == intent.WalletFreeze
		},
	}
	r := &Recognizer{QueueWait: DefaultQueueWait, MaxWaiting: DefaultWaitingPerDecoder * decoders,
		idle: make(chan *sphinx.Recognizer, decoders), all: all, size: decoders, done: make(chan struct{})}
	// The decoders load their models side by side.
	recs := make([]*sphinx.Recognizer, decoders)
	errs := make([]error, decoders)
	var wg sync.WaitGroup
	for i := range recs {
		wg.Go(func() { recs[i], errs[i] = sphinx.New(cfg) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		for _, rec := range recs {
			if rec != nil {
				rec.Close()
			}
		}
		return nil, fmt.Errorf("speech recognizer: %w (is pocketsphinx-en-us installed? run make deps)", err)
	}
	for _, rec := range recs {
		r.idle <- rec
	}
	return r, nil
}

// Size is the number of decoders: how many utterances decode at once.
func (r *Recognizer) Size() int { return r.size }

// Close frees the decoders, each after the utterance it is decoding, if
// any, ends. Calls after Close return sphinx.ErrClosed.
func (r *Recognizer) Close() error {
	r.closeOnce.Do(func() {
		close(r.done)
		for range r.size {
			rec := <-r.idle
			if rec != nil {
				rec.Close()
			}
		}
	})
	return nil
}

// Busy is how many utterances were refused with agent.ErrBusy.
func (r *Recognizer) Busy() int64 { return r.busy.Load() }

// take waits for a free decoder, up to QueueWait, unless MaxWaiting
// utterances wait already.
func (r *Recognizer) take(ctx context.Context) (*sphinx.Recognizer, error) {
	select {
	case <-r.done:
		return nil, sphinx.ErrClosed
	default:
	}
	select {
	case rec := <-r.idle:
		return rec, nil
	default:
	}
	if r.waiting.Add(1) > int64(r.MaxWaiting) {
		r.waiting.Add(-1)
		r.busy.Add(1)
		return nil, agent.ErrBusy
	}
	defer r.waiting.Add(-1)
	deadline := time.NewTimer(r.QueueWait)
	defer deadline.Stop()
	select {
	case rec := <-r.idle:
		return rec, nil
	case <-deadline.C:
		r.busy.Add(1)
		return nil, agent.ErrBusy
	case <-r.done:
		return nil, sphinx.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Recognize hears a whole utterance, listening for grammar: the person's
// own speech in it, without the quieter talk around (voice.Foreground).
func (r *Recognizer) Recognize(ctx context.Context, samples []int16, grammar *intent.Graph) (agent.Heard, error) {
	rec, err := r.take(ctx)
	if err != nil {
		return agent.Heard{}, err
	}
	defer func() { r.idle <- rec }()
	if err := rec.SetGrammar(ctx, grammar); err != nil {
		return agent.Heard{}, err
	}
	res, err := rec.Decode(ctx, voice.Foreground(samples))
	if err != nil {
		return agent.Heard{}, err
	}
	return agent.Heard{Text: res.Text, Confidence: res.Confidence}, nil
}

// TryRecognize hears the speech so far of an utterance still going on, if
// a decoder is free right now: with none idle (or after Close), it returns
// at once with ok false, and waits behind nothing, so that a partial never
// delays an utterance that has ended. It listens for grammar with the first
// pass only (see sphinx.Recognizer.DecodePartial); what garbage leads is
// heard as nothing.
func (r *Recognizer) TryRecognize(ctx context.Context, samples []int16, grammar *intent.Graph) (heard agent.Heard, ok bool, err error) {
	select {
	case <-r.done:
		return agent.Heard{}, false, nil
	default:
	}
	var rec *sphinx.Recognizer
	select {
	case rec = <-r.idle:
	default:
		return agent.Heard{}, false, nil
	}
	defer func() { r.idle <- rec }()
	if err := rec.SetGrammar(ctx, grammar); err != nil {
		return agent.Heard{}, true, err
	}
	res, err := rec.DecodePartial(ctx, samples)
	if err != nil {
		return agent.Heard{}, true, err
	}
	return agent.Heard{Text: res.Text, Confidence: res.Confidence}, true, nil
}

// Transcribe hears an utterance with the whole grammar.
func (r *Recognizer) Transcribe(ctx context.Context, samples []int16) (string, error) {
	h, err := r.Recognize(ctx, samples, r.all)
	return h.Text, err
}

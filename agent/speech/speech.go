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

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/voice/sphinx"
)

// Recognizer hears utterances with a pool of sphinx recognizers. It is safe
// for concurrent use: up to Size utterances decode at once, the rest wait.
type Recognizer struct {
	idle chan *sphinx.Recognizer // the decoders free to use
	all  *intent.Graph           // the grammar of every intent
	size int

	closeOnce sync.Once
	done      chan struct{} // closed by Close
}

var (
	_ agent.Recognizer = (*Recognizer)(nil)
	_ sphinx.Weighted  = (*intent.Graph)(nil)
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
	}
	r := &Recognizer{idle: make(chan *sphinx.Recognizer, decoders), all: all, size: decoders, done: make(chan struct{})}
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

// take waits for a free decoder.
func (r *Recognizer) take(ctx context.Context) (*sphinx.Recognizer, error) {
	select {
	case <-r.done:
		return nil, sphinx.ErrClosed
	default:
	}
	select {
	case rec := <-r.idle:
		return rec, nil
	case <-r.done:
		return nil, sphinx.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Recognize hears a whole utterance, listening for grammar.
func (r *Recognizer) Recognize(ctx context.Context, samples []int16, grammar *intent.Graph) (agent.Heard, error) {
	rec, err := r.take(ctx)
	if err != nil {
		return agent.Heard{}, err
	}
	defer func() { r.idle <- rec }()
	if err := rec.SetGrammar(ctx, grammar); err != nil {
		return agent.Heard{}, err
	}
	res, err := rec.Decode(ctx, samples)
	if err != nil {
		return agent.Heard{}, err
	}
	return agent.Heard{Text: res.Text, Confidence: res.Confidence}, nil
}

// Transcribe hears an utterance with the whole grammar.
func (r *Recognizer) Transcribe(ctx context.Context, samples []int16) (string, error) {
	h, err := r.Recognize(ctx, samples, r.all)
	return h.Text, err
}

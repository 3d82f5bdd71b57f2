// Package speech is the offline recognizer (voice/sphinx) as the dialog
// hears with it: listening with the intent templates' own grammar, whole
// for transcription and narrowed to the dialog's state for a session, and
// verifying every sentence that would move money in a second pass.
package speech

import (
	"context"
	"fmt"
	"sync"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/voice/sphinx"
)

// Recognizer hears utterances with one sphinx recognizer. It is safe for
// concurrent use: utterances take turns.
type Recognizer struct {
	mu  sync.Mutex // held from a grammar switch to the end of its utterance
	rec *sphinx.Recognizer
	all *intent.Graph // the grammar of every intent
}

var (
	_ agent.Recognizer = (*Recognizer)(nil)
	_ sphinx.Grammar   = (*intent.Graph)(nil)
)

// New starts a recognizer for the parser's templates.
func New(parser *intent.Parser) (*Recognizer, error) {
	all := parser.Grammar()
	rec, err := sphinx.New(sphinx.Config{
		Grammar: all,
		// A sentence that would move money must pass the second, stricter
		// pass too.
		Verify: func(text string) bool { return intent.MovesMoney(parser.ParseSpeech(text).Intent) },
	})
	if err != nil {
		return nil, fmt.Errorf("speech recognizer: %w (is pocketsphinx-en-us installed? run make deps)", err)
	}
	return &Recognizer{rec: rec, all: all}, nil
}

// Close frees the recognizer.
func (r *Recognizer) Close() error { return r.rec.Close() }

// Recognize hears a whole utterance, listening for grammar.
func (r *Recognizer) Recognize(ctx context.Context, samples []int16, grammar *intent.Graph) (agent.Heard, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.rec.SetGrammar(ctx, grammar); err != nil {
		return agent.Heard{}, err
	}
	res, err := r.rec.Decode(ctx, samples)
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

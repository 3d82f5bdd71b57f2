package main

import (
	"context"
	"fmt"
	"os/exec"
	"sync"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/voice/sphinx"
)

// speech is the offline recognizer, listening with the intent templates'
// own grammar: narrowed to the dialog state for the microphone, whole for
// the transcription endpoint and voicepay transcribe.
type speech struct {
	mu  sync.Mutex // a grammar switch and its decode go together
	rec *sphinx.Recognizer
	all string // the grammar of every intent
}

var (
	_ agent.Recognizer = (*speech)(nil)
)

func newSpeech(parser *intent.Parser) (*speech, error) {
	all := parser.JSGF()
	rec, err := sphinx.New(sphinx.Config{
		Grammar: all,
		// A sentence that would move money must pass the second,
		// stricter pass too.
		Verify: func(text string) bool { return intent.MovesMoney(parser.Parse(text).Intent) },
	})
	if err != nil {
		return nil, fmt.Errorf("speech recognizer: %w (is pocketsphinx-en-us installed? run make deps)", err)
	}
	return &speech{rec: rec, all: all}, nil
}

func (s *speech) Close() error { return s.rec.Close() }

// Recognize implements agent.Recognizer.
func (s *speech) Recognize(ctx context.Context, samples []int16, grammar string) (agent.Heard, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.rec.SetGrammar(ctx, grammar); err != nil {
		return agent.Heard{}, err
	}
	res, err := s.rec.Decode(ctx, samples)
	if err != nil {
		return agent.Heard{}, err
	}
	return agent.Heard{Text: res.Text, Confidence: res.Confidence}, nil
}

// Transcribe hears an utterance with the whole grammar.
func (s *speech) Transcribe(ctx context.Context, samples []int16) (string, error) {
	h, err := s.Recognize(ctx, samples, s.all)
	return h.Text, err
}

// speak says text through espeak-ng, when it is installed.
func speak(ctx context.Context, text string) error {
	bin, err := exec.LookPath("espeak-ng")
	if err != nil {
		return fmt.Errorf("--speak needs espeak-ng: %w", err)
	}
	return exec.CommandContext(ctx, bin, text).Run()
}

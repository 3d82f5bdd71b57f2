package agent

import (
	"context"
	"sync"
	"time"

	"github.com/voicepay/voicepay/voice"
)

// PartialEvery is how much new speech passes between two guesses at the
// words so far of an utterance still being spoken.
const PartialEvery = 700 * time.Millisecond

// partials guesses, for an Ear, at the words so far of the utterance being
// spoken, and hands each new guess to send. It is best-effort: a guess is
// decoded only when a decoder is idle right now, one at a time, never while
// the utterance itself is being recognized, and never acted on. Only the
// Ear's goroutine calls its methods but send, which runs on the guess's own.
type partials struct {
	rec     PartialRecognizer
	s       *Session
	send    func(Heard)
	samples []int16 // the utterance so far
	fresh   int     // samples of it since the last guess was tried
	wg      sync.WaitGroup

	mu      sync.Mutex // guards what follows, shared with the guess's goroutine
	utt     int        // counts utterances: a guess at an earlier one is dropped
	running bool       // a guess is being decoded
	last    string     // the text last sent for this utterance
}

// newPartials returns partials for s that hear with rec, or nil when send
// is nil or rec cannot guess.
func newPartials(s *Session, rec Recognizer, send func(Heard)) *partials {
	pr, ok := rec.(PartialRecognizer)
	if !ok || send == nil {
		return nil
	}
	return &partials{rec: pr, s: s, send: send}
}

// hear takes the endpointer's next event. recognizing says the utterance
// is being recognized already (the Ear guesses at it in a pause).
func (p *partials) hear(ctx context.Context, ev voice.Event, recognizing bool) {
	if p == nil {
		return
	}
	switch ev := ev.(type) {
	case voice.SpeechStarted, voice.SpeechStopped:
		// From here, nothing is sent of the utterance before: at the stop,
		// its transcript.final comes next.
		p.mu.Lock()
		p.utt++
		p.last = ""
		p.mu.Unlock()
		p.samples, p.fresh = nil, 0 // a new array: a guess may still read the old
	case voice.SpeechAudio:
		p.samples = append(p.samples, ev.Samples...)
		p.fresh += len(ev.Samples)
		if voice.Duration(p.fresh) >= PartialEvery && !recognizing {
			p.try(ctx)
		}
	}
}

// try starts a guess at the words so far, unless one is being decoded.
func (p *partials) try(ctx context.Context) {
	p.mu.Lock()
	if p.running {
		p.mu.Unlock()
		return
	}
	p.running = true
	utt := p.utt
	p.mu.Unlock()
	p.fresh = 0
	samples := p.samples[:len(p.samples):len(p.samples)]
	p.wg.Go(func() {
		h, ok, err := p.rec.TryRecognize(ctx, samples, p.s.Grammar())
		if ok {
			p.s.hub.Metrics.observeDecode("partial")
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		p.running = false
		// A guess that fails is dropped: the utterance's own recognition
		// reports what goes wrong.
		if !ok || err != nil || h.Text == "" || h.Text == p.last || utt != p.utt {
			return
		}
		p.last = h.Text
		p.send(h)
	})
}

// wait waits for the guess being decoded, if any.
func (p *partials) wait() {
	if p != nil {
		p.wg.Wait()
	}
}

package sphinx

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Stream is an utterance decoded as it arrives. It holds the recognizer
// until End.
type Stream struct {
	r       *Recognizer
	ctx     context.Context
	samples int
	keep    []int16 // the audio so far, when a result may need verification
	spent   time.Duration
	done    bool
}

// Start begins an utterance for samples to be fed as they arrive. Only one
// utterance runs at a time: Start waits for the one in progress. ctx bounds
// the wait and the verification at End.
func (r *Recognizer) Start(ctx context.Context) (*Stream, error) {
	if err := r.acquire(ctx); err != nil {
		return nil, err
	}
	r.floor.reset()
	if err := r.dec.startUtt(); err != nil {
		r.release()
		return nil, fmt.Errorf("sphinx: %w", err)
	}
	return &Stream{r: r, ctx: ctx}, nil
}

// Process decodes more samples and returns the best sentence so far, for
// showing while the person is still speaking: empty while garbage leads.
// A partial hypothesis may change; only End decides.
func (s *Stream) Process(samples []int16) (partial string, err error) {
	if s.done {
		return "", errors.New("sphinx: stream ended")
	}
	t := time.Now()
	err = s.r.dec.process(s.r.floor.add(samples), false)
	s.samples += len(samples)
	s.keep = append(s.keep, samples...)
	partial = s.r.dec.hyp()
	s.spent += time.Since(t)
	if err != nil {
		return "", fmt.Errorf("sphinx: %w", err)
	}
	if slices.ContainsFunc(strings.Fields(partial), isGarbage) {
		partial = ""
	}
	return partial, nil
}

// InSpeech reports whether the decoder's own voice activity detection found
// speech in the last samples processed.
func (s *Stream) InSpeech() bool { return !s.done && s.r.dec.inSpeech() }

// End finishes the utterance, returns its result and lets the next
// utterance start. Result.Elapsed counts only the time spent decoding.
func (s *Stream) End() (Result, error) {
	if s.done {
		return Result{}, errors.New("sphinx: stream ended")
	}
	s.done = true
	defer s.r.release()
	t := time.Now()
	if err := s.r.dec.endUtt(); err != nil {
		return Result{}, fmt.Errorf("sphinx: %w", err)
	}
	res := s.r.result(s.keep, false)
	if err := s.r.verify(s.ctx, &res, s.keep, false); err != nil {
		return Result{}, fmt.Errorf("sphinx: %w", err)
	}
	res.Elapsed = s.spent + time.Since(t)
	return res, nil
}

// DecodePartial decodes the speech so far of an utterance still going on,
// for showing the words as the person speaks them: the first pass only,
// with no verification, and the best path whether or not it has reached
// the end of a sentence. The word being spoken, which garbage or the
// silence after the words may match, is left out; a path that garbage
// leads, or that leaves speech unexplained before its last word, is
// Rejected with no Text. Nothing of it is kept.
func (r *Recognizer) DecodePartial(ctx context.Context, samples []int16) (Result, error) {
	return r.decodeWhole(ctx, samples, true)
}

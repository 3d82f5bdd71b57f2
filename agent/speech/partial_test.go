package speech_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/voicepay/voicepay/agent/speech"
)

// TestTryRecognize: a partial is decoded only when a decoder is free right
// now. With the pool's one decoder taken, TryRecognize returns at once,
// having decoded nothing and refused no one as busy; with it free, it hears
// the words so far; after Close, nothing.
func TestTryRecognize(t *testing.T) {
	parser := mustParser(t)
	r, err := speech.New(parser, 1)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	clip := mustClip(t, "in13-us140-clean.wav") // "what's my balance"
	release := speech.Hold(r)
	start := time.Now()
	h, ok, err := r.TryRecognize(ctx, clip, parser.Grammar())
	if took := time.Since(start); ok || err != nil || h.Text != "" || took > 100*time.Millisecond {
		t.Errorf("pool saturated: %+v, ok %v, err %v after %s; want ok false at once", h, ok, err, took)
	}
	if r.Busy() != 0 {
		t.Errorf("busy %d: a partial not decoded is no utterance refused", r.Busy())
	}
	release()
	h, ok, err = r.TryRecognize(ctx, clip, parser.Grammar())
	if !ok || err != nil || !strings.HasPrefix("what's my balance", h.Text) || h.Text == "" {
		t.Errorf("pool free: %+v, ok %v, err %v; want the words of what's my balance", h, ok, err)
	}
	r.Close()
	if _, ok, err := r.TryRecognize(ctx, clip, parser.Grammar()); ok || err != nil {
		t.Errorf("after Close: ok %v, err %v", ok, err)
	}
}

package voice

import (
	"context"
	"sync"
	"time"
)

// EchoTail is how long a HalfDuplex stays deaf after a sentence was said:
// the loudspeaker's last sound, and the room's echo of it.
const EchoTail = 400 * time.Millisecond

// HalfDuplex is a microphone next to the loudspeaker voicepay speaks
// through: while a sentence is said (between Speaking and its done), and
// for EchoTail after, what it reads is silence. voicepay then never hears
// its own words: a reply, or an agent's proposal read out while the person
// is asked for a PIN, whose numbers could be heard as one.
type HalfDuplex struct {
	Source
	mu       sync.Mutex
	speaking int       // sentences being said
	until    time.Time // deaf until then, after the last one
	now      func() time.Time
}

// NewHalfDuplex wraps src.
func NewHalfDuplex(src Source) *HalfDuplex { return &HalfDuplex{Source: src, now: time.Now} }

// Speaking marks a sentence being said; call done when it has been.
func (h *HalfDuplex) Speaking() (done func()) {
	h.mu.Lock()
	h.speaking++
	h.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			h.mu.Lock()
			h.speaking--
			h.until = h.now().Add(EchoTail)
			h.mu.Unlock()
		})
	}
}

// Deaf reports whether what the microphone hears now is silenced.
func (h *HalfDuplex) Deaf() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.speaking > 0 || h.now().Before(h.until)
}

// Read reads the microphone, silenced while voicepay speaks. The samples
// still arrive, at the microphone's pace, so that the endpointer's clock
// runs on.
func (h *HalfDuplex) Read(ctx context.Context, buf []int16) (int, error) {
	n, err := h.Source.Read(ctx, buf)
	if n > 0 && h.Deaf() {
		clear(buf[:n])
	}
	return n, err
}

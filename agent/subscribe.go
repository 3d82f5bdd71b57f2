package agent

import "sync"

// subscriberBuffer is how many events a subscriber may fall behind by before
// it misses some.
const subscriberBuffer = 64

// maxAnnounced bounds the memory of what was announced; past it, the memory
// starts again, and an agent's retry of an old request may be announced twice.
const maxAnnounced = 4096

// broadcaster hands what agents do to every open connection of the person.
// Its zero value is ready to use.
type broadcaster struct {
	mu   sync.Mutex
	subs map[chan Event]struct{}
	// announced remembers the proposals and charges already announced, so
	// that an agent retrying a request with the same key is announced once.
	announced map[string]bool
}

// Subscribe returns the events of what happens outside the person's turns,
// as they happen, for a connection to show or speak at once: a proposal of
// an order, a tip or a subscription; a charge under a mandate; an order an
// agent withdrew; an order that expired. cancel ends the subscription and
// closes the channel. A
// subscriber that falls subscriberBuffer events behind misses the newest
// ones rather than hold up the agent; what it missed is still in the wallet.
func (h *Hub) Subscribe() (events <-chan Event, cancel func()) {
	b := &h.events
	ch := make(chan Event, subscriberBuffer)
	b.mu.Lock()
	if b.subs == nil {
		b.subs = map[chan Event]struct{}{}
	}
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			b.mu.Lock()
			delete(b.subs, ch)
			b.mu.Unlock()
			close(ch)
		})
	}
}

// announce sends e to every subscriber, once per key: an empty key always
// sends.
func (h *Hub) announce(key string, e Event) {
	b := &h.events
	b.mu.Lock()
	defer b.mu.Unlock()
	if key != "" {
		if b.announced[key] {
			return
		}
		if b.announced == nil || len(b.announced) >= maxAnnounced {
			b.announced = map[string]bool{}
		}
		b.announced[key] = true
	}
	h.logProposal(e)
	for ch := range b.subs {
		select {
		case ch <- e:
		default:
			h.Logger.Warn("a subscriber is too slow; it misses an event", "type", e.Type)
		}
	}
}

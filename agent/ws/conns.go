package ws

import (
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/voicepay/voicepay/agent"
)

// Closing a device's connections.
const (
	closeRevoked = 4001            // the close code of a device whose token was revoked
	closeGrace   = 1 * time.Second // how long a closed connection may take to answer the close
)

// registry holds the open websocket connections of each device, so that
// every connection of a device sees the same dialog: glasses and the phone
// beside them show the same order card.
type registry struct {
	mu     sync.Mutex
	device map[string]map[*conn]struct{}
}

// add registers c as open.
func (r *registry) add(c *conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.device == nil {
		r.device = map[string]map[*conn]struct{}{}
	}
	if r.device[c.device.ID] == nil {
		r.device[c.device.ID] = map[*conn]struct{}{}
	}
	r.device[c.device.ID][c] = struct{}{}
}

// remove forgets c: it gets nothing more but what it causes itself.
func (r *registry) remove(c *conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.device[c.device.ID], c)
	if len(r.device[c.device.ID]) == 0 {
		delete(r.device, c.device.ID)
	}
}

// of lists the open connections of a device.
func (r *registry) of(device string) []*conn {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*conn, 0, len(r.device[device]))
	for c := range r.device[device] {
		out = append(out, c)
	}
	return out
}

// deliver queues the events of a turn that from caused: to from, carrying
// replyTo, and to every other open connection of the device, carrying it
// too and marked as a mirror. The session calls it while it holds the turn
// (agent.Input.Deliver), and the lock here keeps a turn's events together,
// so every connection sees the device's turns whole and in the order they
// ran. A resent turn's answer (mirror false) goes to from alone: the
// others saw the turn when it ran.
func (r *registry) deliver(from *conn, replyTo string, evs []agent.Event, mirror bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range evs {
		from.queue(ServerEvent{Event: e, ReplyTo: replyTo})
	}
	for c := range r.device[from.device.ID] {
		if c == from || !mirror {
			continue
		}
		for _, e := range evs {
			c.queue(ServerEvent{Event: e, ReplyTo: replyTo, Mirror: true})
		}
	}
}

// partial queues a transcript.partial that from's stream caused: to from,
// carrying replyTo, and, marked as a mirror, to the device's other open
// connections that asked for partials. Like a turn's events, it never
// comes between the events of another turn.
func (r *registry) partial(from *conn, replyTo string, e agent.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	from.queue(ServerEvent{Event: e, ReplyTo: replyTo})
	for c := range r.device[from.device.ID] {
		if c != from && c.partials.Load() {
			c.queue(ServerEvent{Event: e, ReplyTo: replyTo, Mirror: true})
		}
	}
}

// closeDevice closes every open connection of a device at once, with close
// code 4001, "device revoked": its token no longer opens a dialog, and
// what it had open must not go on hearing one. A turn in progress runs to
// its end.
func (s *Server) closeDevice(id string) {
	for _, c := range s.registry.of(id) {
		c.closeWith(closeRevoked, "device revoked")
	}
}

// closeWith sends a close frame with code and reason, queues nothing more,
// and gives the client closeGrace to answer before the connection drops.
func (c *conn) closeWith(code int, reason string) {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	msg := websocket.FormatCloseMessage(code, reason)
	if err := c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(writeWait)); err != nil {
		c.ws.Close()
		return
	}
	c.ws.SetReadDeadline(time.Now().Add(closeGrace))
}

package wallet

import (
	"sync"
	"sync/atomic"
)

// What Watch watches.
const (
	WatchOrder   = "order"
	WatchMandate = "mandate"
)

// watchKey names an order or a mandate.
type watchKey struct {
	kind string
	id   uint64
}

// watches are the channels Watch handed out, by what they watch. A channel
// is shared by every watcher of the same record until the next committed
// write of it closes the channel.
type watches struct {
	mu sync.Mutex
	m  map[watchKey]*watch
	// n is how many records are watched: a write whose records nobody
	// watches skips the lock.
	n atomic.Int64
}

type watch struct {
	ch   chan struct{}
	refs int
}

// Watch returns a channel that is closed after the next committed write
// that changes the order or mandate id (kind WatchOrder or WatchMandate):
// one of the person's or an agent's, a charge, or an expiry by the sweep.
// A record that lapses by the clock alone, such as a mandate that reaches
// its expiry, is not written, so a watcher must also look again now and
// then. Read the record after Watch returns, not before, so that no change
// falls between the read and the watch. Call stop once done waiting.
func (db *DB) Watch(kind string, id uint64) (changed <-chan struct{}, stop func()) {
	k := watchKey{kind, id}
	w := &db.watches
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.m == nil {
		w.m = map[watchKey]*watch{}
	}
	x := w.m[k]
	if x == nil {
		x = &watch{ch: make(chan struct{})}
		w.m[k] = x
		w.n.Add(1)
	}
	x.refs++
	var once sync.Once
	return x.ch, func() { once.Do(func() { w.release(k, x) }) }
}

// release drops a watcher of k; the last one of an unchanged record
// forgets it.
func (w *watches) release(k watchKey, x *watch) {
	w.mu.Lock()
	defer w.mu.Unlock()
	x.refs--
	if x.refs == 0 && w.m[k] == x {
		delete(w.m, k)
		w.n.Add(-1)
	}
}

// signal tells the watchers of the records a committed write changed.
func (w *watches) signal(changed []watchKey) {
	if len(changed) == 0 || w.n.Load() == 0 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, k := range changed {
		if x := w.m[k]; x != nil {
			close(x.ch)
			delete(w.m, k)
			w.n.Add(-1)
		}
	}
}

// changed notes that the write changes a record, for its watchers to be
// told once the write commits.
func (l *ltx) changed(kind string, id uint64) {
	l.touched = append(l.touched, watchKey{kind, id})
}

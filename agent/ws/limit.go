package ws

import (
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// maxRequestBody bounds every request body but an audio upload's, whatever
// the handler: the JSON endpoints bound theirs tighter (maxBody), and this
// covers the surfaces mounted from elsewhere, such as MCP.
const maxRequestBody = 1 << 20

// limitBodies bounds a request's body in size, and in time by BodyTimeout:
// the connection's read deadline holds until the body is read to its end,
// then it is cleared, so that it never ends a long handler that is done
// reading (net/http cancels a request's context when a read after the body
// fails). http.Server's own ReadTimeout would do that to the websocket
// upgrade's, and to MCP's long waits.
func (s *Server) limitBodies(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			h.ServeHTTP(w, r)
			return
		}
		limit := int64(maxRequestBody)
		if r.URL.Path == transcriptionPath {
			limit = maxAudioUpload
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		if s.BodyTimeout > 0 {
			rc := http.NewResponseController(w)
			if rc.SetReadDeadline(time.Now().Add(s.BodyTimeout)) == nil {
				r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
			}
		}
		h.ServeHTTP(w, r)
	})
}

// deadlineBody clears the connection's read deadline once its body has
// been read to the end. On any other error the deadline stays: net/http
// then reads what is left of the body before it answers, and must not wait
// on a client that stalled.
type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	once sync.Once
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.once.Do(func() { b.rc.SetReadDeadline(time.Time{}) })
	}
	return n, err
}

// limitListener accepts at most cap(slots) connections at once: Accept
// waits for one to close. Websockets count too, since a hijacked
// connection is still the one Accept returned.
type limitListener struct {
	net.Listener
	slots chan struct{}
	done  chan struct{} // closed by Close, to end a waiting Accept
	once  sync.Once
}

func newLimitListener(ln net.Listener, n int) *limitListener {
	return &limitListener{Listener: ln, slots: make(chan struct{}, n), done: make(chan struct{})}
}

func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.slots }}, nil
}

func (l *limitListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// limitConn gives its place back once, on its first Close.
type limitConn struct {
	net.Conn
	release func()
	once    sync.Once
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

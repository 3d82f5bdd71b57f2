package ws_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/internal/agenttest"
	"github.com/voicepay/voicepay/agent/ws"
)

// MustOpenLimitedDaemon is a daemon whose server has short timeouts and
// bounds, set by limit before it opens.
func MustOpenLimitedDaemon(tb testing.TB, limit func(*ws.Server)) *Daemon {
	tb.Helper()
	h := agenttest.MustOpenHub(tb)
	h.MustTopup(Opening)
	_, token := h.MustPair("glasses", "user")
	s := ws.NewServer(h.Hub, "127.0.0.1:0")
	limit(s)
	if err := s.Open(); err != nil {
		tb.Fatalf("open server: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return &Daemon{Hub: h, Server: s, Token: token, Base: "http://" + s.Addr}
}

// mustRaw dials the daemon with a bare TCP connection.
func mustRaw(tb testing.TB, d *Daemon) net.Conn {
	tb.Helper()
	c, err := net.Dial("tcp", d.Server.Addr)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// closedWithin reports whether the server closes c within d, reading and
// dropping anything it sends first.
func closedWithin(c net.Conn, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c)
	return err == nil // EOF: closed by the server; a timeout is an error
}

// TestIdleConnectionClosed: a keep-alive connection that sends nothing more
// after its request is closed after IdleTimeout.
func TestIdleConnectionClosed(t *testing.T) {
	d := MustOpenLimitedDaemon(t, func(s *ws.Server) { s.IdleTimeout = 300 * time.Millisecond })
	c := mustRaw(t, d)
	fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	if !closedWithin(c, 3*time.Second) {
		t.Error("an idle keep-alive connection is still open 3s after a 300ms idle timeout")
	}
}

// TestSlowBodyCutOff: an authenticated request whose body stalls is cut off
// after BodyTimeout, with a refusal.
func TestSlowBodyCutOff(t *testing.T) {
	d := MustOpenLimitedDaemon(t, func(s *ws.Server) { s.BodyTimeout = 300 * time.Millisecond })
	c := mustRaw(t, d)
	fmt.Fprintf(c, "POST /v1/wallet/topup HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"amount\":", d.Token)
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer 3s after a 300ms body timeout: %v", err)
	}
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("status %d, want 400", resp.StatusCode)
	}
	if b := d.MustAccount("user").Balance(); b != Opening {
		t.Errorf("balance %d after a cut-off top-up, want %d", b, Opening)
	}
}

// TestConnectionLimit: past MaxConns a new connection waits, while an open
// websocket keeps working, and is served once another closes. The websocket
// outlives the idle and body timeouts, which end only HTTP requests.
func TestConnectionLimit(t *testing.T) {
	d := MustOpenLimitedDaemon(t, func(s *ws.Server) {
		s.MaxConns, s.IdleTimeout, s.BodyTimeout = 2, time.Second, time.Second
	})
	ws := d.MustDial(t, d.Token) // one
	time.Sleep(1500 * time.Millisecond)
	ws.Say("w1", "enable alipay payment function", agent.StateInactive, "")

	idle := mustRaw(t, d) // two
	fmt.Fprintf(idle, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
	if _, err := http.ReadResponse(bufio.NewReader(idle), nil); err != nil {
		t.Fatal(err)
	}
	third := mustRaw(t, d)
	fmt.Fprintf(third, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
	third.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	br := bufio.NewReader(third)
	if resp, err := http.ReadResponse(br, nil); err == nil {
		t.Fatalf("a third connection was served past a limit of two: %d", resp.StatusCode)
	}
	ws.Say("w2", "two four six eight", agent.StateIdle, "")

	idle.Close()
	third.SetReadDeadline(time.Now().Add(3 * time.Second))
	if resp, err := http.ReadResponse(br, nil); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("the third connection once one closed: %v %v", resp, err)
	}
}

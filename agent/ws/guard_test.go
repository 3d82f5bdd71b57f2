package ws_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestHostGuard refuses a request that names another host, as a page that
// rebound its own name to the daemon's address sends, on every path.
func TestHostGuard(t *testing.T) {
	d := MustOpenDaemon(t)
	_, port, _ := strings.Cut(d.Server.Addr, ":")
	for _, tc := range []struct {
		host, path string
		want       int
	}{
		{d.Server.Addr, "/metrics", http.StatusOK},
		{"localhost:" + port, "/v1/wallet/balance", http.StatusOK},
		{"LOCALHOST.:" + port, "/healthz", http.StatusOK},
		{"[::1]:" + port, "/healthz", http.StatusOK},
		{"rebound.example:" + port, "/metrics", http.StatusMisdirectedRequest},
		{"rebound.example:" + port, "/v1/wallet/balance", http.StatusMisdirectedRequest},
		{"rebound.example", "/", http.StatusMisdirectedRequest},
		{"localhost:1", "/healthz", http.StatusMisdirectedRequest},
		{"localhost", "/healthz", http.StatusMisdirectedRequest},
	} {
		t.Run(tc.host+tc.path, func(t *testing.T) {
			got := hostGet(t, d, tc.host, tc.path, d.Token)
			if got.Status != tc.want {
				t.Errorf("status %d (%s), want %d", got.Status, got.Body, tc.want)
			}
			if tc.want == http.StatusMisdirectedRequest && got.Code() != "invalid" {
				t.Errorf("body %s, want a coded error", got.Body)
			}
		})
	}
	t.Run("websocket", func(t *testing.T) {
		h := Bearer(d.Token)
		h.Set("Host", "rebound.example:"+port)
		dialer := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
		c, resp, err := dialer.Dial(d.StreamURL(), h)
		if err == nil {
			c.Close()
			t.Fatal("dialed with another host")
		}
		if resp == nil || resp.StatusCode != http.StatusMisdirectedRequest {
			t.Errorf("response %v, want 421", resp)
		}
	})
}

// hostGet sends GET path with the Host header host.
func hostGet(t *testing.T, d *Daemon, host, path, token string) Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.Base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("get %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

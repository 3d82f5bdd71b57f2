package ws_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
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
		{"localhost:1", "/healthz", http.StatusOK}, // a tunnel on this machine
		{"127.0.0.1:2", "/healthz", http.StatusOK}, // a relay on this machine
		{"rebound.example:1", "/", http.StatusMisdirectedRequest},
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

// TestQueryToken takes a token in the query only on the websocket upgrade,
// which browsers cannot give a header: a cross-origin form posts text/plain
// with the token in its URL, and must not top up.
func TestQueryToken(t *testing.T) {
	d := MustOpenDaemon(t)
	q := "?access_token=" + url.QueryEscape(d.Token)
	resp, err := http.Post(d.Base+"/v1/wallet/topup"+q, "text/plain", strings.NewReader(`{"amount":500}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("top-up with the token in the query: status %d, want 401", resp.StatusCode)
	}
	if got := hostGet(t, d, d.Server.Addr, "/v1/wallet/balance"+q, ""); got.Status != http.StatusUnauthorized {
		t.Errorf("balance with the token in the query: status %d, want 401", got.Status)
	}
	c, _, err := websocket.DefaultDialer.Dial(d.StreamURL()+q, nil)
	if err != nil {
		t.Fatalf("websocket with the token in the query: %v", err)
	}
	c.Close()
}

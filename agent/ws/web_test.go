package ws_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/voicepay/voicepay/agent/ws/web"
)

// TestWebCompanion: the daemon serves the companion at /, with no token,
// under its Content-Security-Policy; the API keeps its own paths.
func TestWebCompanion(t *testing.T) {
	d := MustOpenDaemon(t)
	resp := d.MustDo(t, "GET", "/", "", nil)
	if resp.Status != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
		resp.Header.Get("Content-Security-Policy") != web.CSP || !strings.Contains(string(resp.Body), `src="app.js"`) {
		t.Errorf("GET /: %d %v", resp.Status, resp.Header)
	}
	if resp := d.MustDo(t, "GET", "/v1/wallet/balance", "", nil); resp.Status != http.StatusUnauthorized {
		t.Errorf("GET /v1/wallet/balance without a token: %d", resp.Status)
	}
	if resp := d.MustDo(t, "GET", "/v1/unknown", d.Token, nil); resp.Status != http.StatusNotFound {
		t.Errorf("GET /v1/unknown: %d", resp.Status)
	}
}

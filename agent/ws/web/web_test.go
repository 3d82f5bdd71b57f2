package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/voicepay/voicepay/agent/ws/web"
)

// TestServe checks the page's files, their content types and the headers
// that keep the page to its own code.
func TestServe(t *testing.T) {
	srv := httptest.NewServer(web.Handler())
	defer srv.Close()
	for _, c := range []struct {
		path, ctype string
		status      int
	}{
		{"/", "text/html; charset=utf-8", http.StatusOK},
		{"/index.html", "text/html; charset=utf-8", http.StatusOK},
		{"/app.css", "text/css; charset=utf-8", http.StatusOK},
		{"/app.js", "text/javascript; charset=utf-8", http.StatusOK},
		{"/worklet.js", "text/javascript; charset=utf-8", http.StatusOK},
		{"/passkey.js", "text/javascript; charset=utf-8", http.StatusOK},
		{"/passkey-ui.js", "text/javascript; charset=utf-8", http.StatusOK},
		{"/web.go", "", http.StatusNotFound},
		{"/missing.js", "", http.StatusNotFound},
		{"/v1/nothing", "", http.StatusNotFound},
		{"/../web.go", "", http.StatusNotFound},
	} {
		t.Run(c.path, func(t *testing.T) {
			resp, err := http.Get(srv.URL + c.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, c.status)
			}
			if c.status != http.StatusOK {
				return
			}
			if got := resp.Header.Get("Content-Type"); got != c.ctype {
				t.Errorf("content type %q, want %q", got, c.ctype)
			}
			if got := resp.Header.Get("Content-Security-Policy"); got != web.CSP {
				t.Errorf("CSP %q", got)
			}
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q", got)
			}
			if len(body) == 0 {
				t.Error("empty body")
			}
		})
	}
	if !strings.HasPrefix(web.CSP, "default-src 'self'; connect-src 'self' ws: wss:;") || strings.Contains(web.CSP, "unsafe") {
		t.Errorf("CSP %q", web.CSP)
	}
}

// TestNoInline: the page has no inline script, style or event handler,
// which the CSP would refuse.
func TestNoInline(t *testing.T) {
	srv := httptest.NewServer(web.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	page := string(b)
	for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(page, -1) {
		if !strings.Contains(tag, " src=") {
			t.Errorf("inline script %s", tag)
		}
	}
	for _, re := range []string{`\sstyle=`, `\son[a-z]+=`, `<style`, `javascript:`} {
		if m := regexp.MustCompile(re).FindString(page); m != "" {
			t.Errorf("index.html has %q", m)
		}
	}
}

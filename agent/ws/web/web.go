// Package web is voicepay's web companion: one page, in plain HTML, CSS and
// JavaScript, that pairs with the daemon and then works as smart glasses or
// as their phone companion. It streams the microphone to /v1/stream, takes
// typed turns, and shows the dialog, the order card, what agents propose,
// the balance with a 30-day spending chart, and the approved tips and
// subscriptions; it registers passkeys and approves with them what the
// dialog asks to have verified (passkey.js). The files are embedded in the binary; the page loads
// nothing from anywhere else.
package web

import (
	"embed"
	"net/http"
	"path"
)

//go:embed index.html app.css app.js passkey-ui.js passkey.js worklet.js
var files embed.FS

// CSP is the page's Content-Security-Policy: its own files only, no inline
// script or style, and websockets back to the daemon.
const CSP = "default-src 'self'; connect-src 'self' ws: wss:; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
}

// Handler serves the page at / and its files beside it; anything else is
// not found.
func Handler() http.Handler {
	return http.HandlerFunc(serve)
}

// Patterns are the request patterns the page answers: "/" itself and each
// of its files, and nothing else, so that the daemon's other paths
// (/mcp, /v1/…) stay theirs for every method.
func Patterns() []string {
	out := []string{"GET /{$}"}
	entries, _ := files.ReadDir(".")
	for _, e := range entries {
		if e.Name() != "index.html" {
			out = append(out, "GET /"+e.Name())
		}
	}
	return out
}

func serve(w http.ResponseWriter, r *http.Request) {
	name := path.Clean(r.URL.Path)
	if name == "/" {
		name = "/index.html"
	}
	ctype, ok := contentTypes[path.Ext(name)]
	if !ok {
		http.NotFound(w, r)
		return
	}
	b, err := files.ReadFile(name[1:])
	if err != nil {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Permissions-Policy", "microphone=(self), camera=(), geolocation=()")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(b)
	}
}

package ws

import (
	"crypto/x509"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/voicepay/voicepay/wallet"
)

// hostGuard refuses a request whose Host header names none of the daemon's
// own names. A page on another site can make a browser resolve the site's
// own name to the daemon's address (DNS rebinding); the browser then calls
// the page same-origin and lets it read /metrics and the API. Its requests
// still carry the site's name as Host, and hostGuard answers them 421.
type hostGuard struct {
	port  string          // the port the daemon listens on
	hosts map[string]bool // lower case, IPv6 addresses without brackets
}

// newHostGuard allows, on the listening port: localhost and the loopback
// addresses; the listen host unless it is the unspecified address, and
// then the addresses of this machine's interfaces, which glasses on the
// network use; the names and addresses the certificate carries; and extra.
func newHostGuard(listen, actual string, leaf *x509.Certificate, extra []string) *hostGuard {
	_, port, _ := net.SplitHostPort(actual)
	g := &hostGuard{port: port, hosts: map[string]bool{}}
	for _, h := range []string{"localhost", "127.0.0.1", "::1"} {
		g.allow(h)
	}
	host, _, _ := net.SplitHostPort(listen)
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		addrs, _ := net.InterfaceAddrs() // none known: only the names above
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok {
				g.allow(n.IP.String())
			}
		}
	} else {
		g.allow(host)
	}
	if leaf != nil {
		for _, name := range leaf.DNSNames {
			g.allow(name)
		}
		for _, ip := range leaf.IPAddresses {
			g.allow(ip.String())
		}
	}
	for _, h := range extra {
		g.allow(h)
	}
	return g
}

func (g *hostGuard) allow(host string) {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if ip := net.ParseIP(strings.Trim(host, "[]")); ip != nil {
		host = ip.String() // one spelling of each address
	}
	g.hosts[host] = true
}

// allows reports whether a Host header names the daemon: on its port, or
// a loopback name on any port. A Host without a port names the scheme's
// default port.
func (g *hostGuard) allows(hostport string, tls bool) bool {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		host, port = hostport, "80"
		if tls {
			port = "443"
		}
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if ip := net.ParseIP(host); ip != nil {
		host = ip.String()
	}
	// A loopback name on another port is a tunnel or a proxy on this
	// machine (ssh -L, a test's relay): no other site can make a browser
	// send it.
	if host == "localhost" || host == "127.0.0.1" || host == "::1" {
		return true
	}
	return port == g.port && host != "" && g.hosts[host]
}

// wrap refuses requests whose Host the guard does not allow, before next
// sees them.
func (g *hostGuard) wrap(next http.Handler, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !g.allows(r.Host, r.TLS != nil) {
			logger.Warn("refused a request for another host", "host", r.Host, "remote", r.RemoteAddr,
				"path", r.URL.Path)
			writeJSON(w, http.StatusMisdirectedRequest, map[string]any{"error": wallet.Errorf(wallet.EINVALID,
				"voicepay does not answer for this host name: use the address it listens on.")})
			return
		}
		next.ServeHTTP(w, r)
	})
}

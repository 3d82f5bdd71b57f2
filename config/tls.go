package config

import (
	"crypto/tls"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
)

// TLSDir is the directory, under the data directory, where voicepay tls
// init keeps the local certificate authority and the daemon's certificate.
const TLSDir = "tls"

// DataTLS returns the certificate and key files voicepay tls init writes
// in dataDir, which Load takes when neither tls_cert nor tls_key is set.
func DataTLS(dataDir string) (cert, key string) {
	dir := filepath.Join(dataDir, TLSDir)
	return filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
}

// TLS reports whether the daemon serves https and wss.
func (c *Config) TLS() bool { return c.TLSCert != "" && c.TLSKey != "" }

// Exposed reports whether the listen address reaches beyond this machine:
// anything but localhost and the loopback addresses (127.0.0.0/8, ::1).
func (c *Config) Exposed() bool {
	host, _, err := net.SplitHostPort(c.Listen)
	if err != nil {
		return true
	}
	if strings.EqualFold(host, "localhost") {
		return false
	}
	host, _, _ = strings.Cut(host, "%") // a zone, as in fe80::1%eth0
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

// dataTLS takes the certificate and key in the data directory when either
// is there; a half pair is then a problem Validate reports, not plain http.
func (l *loader) dataTLS() {
	if !filepath.IsAbs(l.cfg.DataDir) {
		return // Validate reports the data directory
	}
	cert, key := DataTLS(l.cfg.DataDir)
	found := false
	for _, p := range []string{cert, key} {
		_, err := os.Stat(p)
		switch {
		case err == nil:
			found = true
		case !errors.Is(err, fs.ErrNotExist):
			l.problem("tls_cert", "%v", err)
			l.failed["tls_cert"] = true
			return
		}
	}
	if found {
		l.cfg.TLSCert, l.cfg.TLSKey = cert, key
	}
}

// validateTLS adds the problems of tls_cert, tls_key and allow_insecure:
// the two files are set together, readable, and make a pair, and a daemon
// that listens beyond loopback serves TLS unless allow_insecure says not to.
func (c *Config) validateTLS(add func(key, format string, args ...any)) {
	switch {
	case c.TLSCert != "" && c.TLSKey == "":
		add("tls_key", "not set, but tls_cert is: set both, or neither")
	case c.TLSCert == "" && c.TLSKey != "":
		add("tls_cert", "not set, but tls_key is: set both, or neither")
	case c.TLS():
		checkKeyPair(c.TLSCert, c.TLSKey, add)
	}
	if checkListen(c.Listen) == nil && c.Exposed() && c.TLSCert == "" && c.TLSKey == "" && !c.AllowInsecure {
		add("listen", "%q reaches beyond this machine without TLS, so PINs, tokens and speech would cross the network "+
			"in the clear, and browsers would not allow the microphone: run voicepay tls init (or set tls_cert and "+
			"tls_key), or set allow_insecure (--insecure) to serve plain http anyway", c.Listen)
	}
}

// checkKeyPair adds a problem for each of the certificate and key files
// that cannot be read, or one when the two do not make a pair.
func checkKeyPair(certFile, keyFile string, add func(key, format string, args ...any)) {
	certPEM, certErr := os.ReadFile(certFile)
	if certErr != nil {
		add("tls_cert", "%v", certErr)
	}
	keyPEM, keyErr := os.ReadFile(keyFile)
	if keyErr != nil {
		add("tls_key", "%v", keyErr)
	}
	if certErr != nil || keyErr != nil {
		return
	}
	if _, err := tls.X509KeyPair(certPEM, keyPEM); err != nil {
		add("tls_key", "%s does not go with tls_cert %s: %v (voicepay tls init issues a new pair)", keyFile, certFile, err)
	}
}

package config_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voicepay/voicepay/config"
)

// MustWriteKeyPair writes a new self-signed certificate for localhost and
// its key to a temp dir and returns their paths.
func MustWriteKeyPair(tb testing.TB) (cert, key string) {
	tb.Helper()
	dir := tb.TempDir()
	cert, key = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	mustWritePair(tb, cert, key)
	return cert, key
}

// mustWritePair writes a new self-signed certificate and its key to the
// paths given.
func mustWritePair(tb testing.TB, cert, key string) {
	tb.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"localhost"}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		tb.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		tb.Fatal(err)
	}
}

func TestValidateTLS(t *testing.T) {
	cert, key := MustWriteKeyPair(t)
	otherCert, otherKey := MustWriteKeyPair(t)
	tests := []struct {
		name    string
		change  func(*config.Config)
		key     string // "" means valid
		message string
	}{
		{"pair", func(c *config.Config) { c.TLSCert, c.TLSKey = cert, key }, "", ""},
		{"cert only", func(c *config.Config) { c.TLSCert = cert }, "tls_key", "set both, or neither"},
		{"key only", func(c *config.Config) { c.TLSKey = key }, "tls_cert", "set both, or neither"},
		{"cert missing", func(c *config.Config) { c.TLSCert, c.TLSKey = "/nonexistent/cert.pem", key }, "tls_cert", "no such file"},
		{"key missing", func(c *config.Config) { c.TLSCert, c.TLSKey = cert, "/nonexistent/key.pem" }, "tls_key", "no such file"},
		{"mismatched", func(c *config.Config) { c.TLSCert, c.TLSKey = cert, otherKey }, "tls_key", "does not go with tls_cert"},
		{"not a cert", func(c *config.Config) { c.TLSCert, c.TLSKey = key, key }, "tls_key", "does not go with tls_cert"},
		{"other pair", func(c *config.Config) { c.TLSCert, c.TLSKey = otherCert, otherKey }, "", ""},
		{"loopback v4", func(c *config.Config) { c.Listen = "127.0.0.2:8421" }, "", ""},
		{"loopback v6", func(c *config.Config) { c.Listen = "[::1]:0" }, "", ""},
		{"localhost", func(c *config.Config) { c.Listen = "LocalHost:8421" }, "", ""},
		{"any address", func(c *config.Config) { c.Listen = "0.0.0.0:0" }, "listen", "voicepay tls init"},
		{"any v6 address", func(c *config.Config) { c.Listen = "[::]:8421" }, "listen", "allow_insecure (--insecure)"},
		{"lan address", func(c *config.Config) { c.Listen = "192.168.1.20:8421" }, "listen", "without TLS"},
		{"a hostname", func(c *config.Config) { c.Listen = "voicepay.lan:8421" }, "listen", "without TLS"},
		{"exposed with tls", func(c *config.Config) { c.Listen, c.TLSCert, c.TLSKey = "0.0.0.0:8421", cert, key }, "", ""},
		{"exposed insecure", func(c *config.Config) { c.Listen, c.AllowInsecure = "0.0.0.0:8421", true }, "", ""},
		{"exposed half a pair", func(c *config.Config) { c.Listen, c.TLSCert = "0.0.0.0:8421", cert }, "tls_key", "set both"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := config.Default()
			c.DataDir = "/var/lib/voicepay"
			tt.change(&c)
			ps := c.Validate()
			if tt.key == "" {
				if ps != nil {
					t.Errorf("got %v, want no problem", ps)
				}
				return
			}
			if len(ps) != 1 || ps[0].Key != tt.key || !strings.Contains(ps[0].Message, tt.message) {
				t.Errorf("got %q, want one problem for %s containing %q", ps, tt.key, tt.message)
			}
		})
	}
}

// Load takes the pair that voicepay tls init writes in the data directory,
// unless the configuration names its own or sets the keys to "".
func TestLoadDataTLS(t *testing.T) {
	data := t.TempDir()
	cert, key := config.DataTLS(data)
	src := config.Source{Env: env(map[string]string{"VOICEPAY_DATA": data})}
	c := MustLoad(t, src)
	if c.TLS() {
		t.Fatalf("no files: got tls_cert %q, tls_key %q, want none", c.TLSCert, c.TLSKey)
	}
	if err := os.MkdirAll(filepath.Dir(cert), 0o700); err != nil {
		t.Fatal(err)
	}
	mustWritePair(t, cert, key)
	c = MustLoad(t, src)
	if c.TLSCert != cert || c.TLSKey != key {
		t.Errorf("got tls_cert %q, tls_key %q, want %q and %q", c.TLSCert, c.TLSKey, cert, key)
	}

	off := MustWriteFile(t, "voicepay.yaml", "tls_cert: \"\"\ntls_key: \"\"\n")
	c = MustLoad(t, config.Source{File: off, Env: src.Env})
	if c.TLS() {
		t.Errorf("set to \"\": got tls_cert %q, want plain http", c.TLSCert)
	}

	otherCert, otherKey := MustWriteKeyPair(t)
	c = MustLoad(t, config.Source{Env: src.Env, Flags: map[string]string{"tls_cert": otherCert, "tls_key": otherKey}})
	if c.TLSCert != otherCert || c.TLSKey != otherKey {
		t.Errorf("named: got tls_cert %q, tls_key %q, want %q and %q", c.TLSCert, c.TLSKey, otherCert, otherKey)
	}

	// Half a pair is a problem, not a quiet fall back to plain http.
	if err := os.Remove(key); err != nil {
		t.Fatal(err)
	}
	ps := problems(t, src)
	if len(ps) != 1 || ps[0].Key != "tls_key" || !strings.Contains(ps[0].Message, "no such file") {
		t.Errorf("key removed: got %q, want one tls_key problem", ps)
	}
}

func TestLoadAllowInsecure(t *testing.T) {
	src := config.Source{Env: env(map[string]string{"VOICEPAY_LISTEN": "0.0.0.0:8421"})}
	ps := problems(t, src)
	if len(ps) != 1 || ps[0].Key != "listen" || !strings.Contains(ps[0].Message, "tls init") {
		t.Errorf("got %q, want one listen problem naming tls init", ps)
	}
	src.Flags = map[string]string{"allow_insecure": "true"}
	if c := MustLoad(t, src); !c.AllowInsecure || c.TLS() {
		t.Errorf("got allow_insecure %v, tls %v, want true and false", c.AllowInsecure, c.TLS())
	}
	src.Flags = map[string]string{"allow_insecure": "maybe"}
	ps = problems(t, src)
	if len(ps) == 0 || ps[0].Key != "allow_insecure" || !strings.Contains(ps[0].Message, "not true or false") {
		t.Errorf("got %q, want an allow_insecure problem first", ps)
	}
}

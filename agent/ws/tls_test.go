package ws_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/internal/agenttest"
	"github.com/voicepay/voicepay/agent/ws"
	"github.com/voicepay/voicepay/wallet"
)

// TestTLS serves https and wss with a certificate from a CA made here, and
// reaches it with an https client, a gorilla wss client and the CLI's client.
func TestTLS(t *testing.T) {
	ca, certFile, keyFile := MustIssue(t)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	h := agenttest.MustOpenHub(t)
	h.MustTopup(Opening)
	_, token := h.MustPair("glasses", wallet.ScopeUser)
	s := ws.NewServer(h.Hub, "127.0.0.1:0")
	s.CertFile, s.KeyFile = certFile, keyFile
	if err := s.Open(); err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if !strings.HasPrefix(s.URL(), "https://127.0.0.1:") {
		t.Fatalf("URL %q, want https://127.0.0.1:port", s.URL())
	}

	t.Run("https", func(t *testing.T) {
		client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: pool}}}
		resp, err := client.Get(s.URL() + "/healthz")
		if err != nil {
			t.Fatalf("get: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
			t.Errorf("status %d, tls %+v, want 200 over TLS 1.2 or later", resp.StatusCode, resp.TLS)
		}
	})
	t.Run("wss", func(t *testing.T) {
		dialer := websocket.Dialer{TLSClientConfig: &tls.Config{RootCAs: pool}, HandshakeTimeout: 10 * time.Second}
		c, _, err := dialer.Dial("wss://"+s.Addr+"/v1/stream", Bearer(token))
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		var ev ws.ServerEvent
		if err := c.ReadJSON(&ev); err != nil || ev.Type != "session.ready" {
			t.Errorf("first event %+v (%v), want session.ready", ev, err)
		}
	})
	t.Run("client", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c := ws.NewClient(s.URL(), token)
		c.RootCAs = pool
		if err := c.Dial(ctx); err != nil {
			t.Fatalf("dial: %v", err)
		}
		defer c.Close()
		evs, err := c.Say(ctx, "what is my balance")
		if err != nil || evs[len(evs)-1].Type != agent.EventReply || evs[len(evs)-1].State != agent.StateInactive {
			t.Errorf("say: %+v (%v), want a reply in state inactive", evs, err)
		}
		var b ws.Balance
		if err := c.Get(ctx, "/v1/wallet/balance", &b); err != nil || b.Balance != Opening {
			t.Errorf("balance %+v (%v), want %d", b, err, Opening)
		}
	})
	t.Run("untrusted", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c := ws.NewClient(s.URL(), token) // the system's roots know nothing of this CA
		var health map[string]string
		err := c.Get(ctx, "/healthz", &health)
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Errorf("got %v, want a certificate error", err)
		}
	})
}

// A pair that cannot be read or does not match fails Open with an error.
func TestTLSBadPair(t *testing.T) {
	_, certFile, _ := MustIssue(t)
	_, _, otherKey := MustIssue(t)
	h := agenttest.MustOpenHub(t)
	for _, tt := range []struct{ name, cert, key, want string }{
		{"mismatched", certFile, otherKey, "private key does not match"},
		{"missing", certFile, filepath.Join(t.TempDir(), "none.pem"), "no such file"},
		{"cert only", certFile, "", "no such file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := ws.NewServer(h.Hub, "127.0.0.1:0")
			s.CertFile, s.KeyFile = tt.cert, tt.key
			err := s.Open()
			if err == nil {
				s.Close()
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// MustIssue makes a CA and a certificate it signs for 127.0.0.1, ::1 and
// localhost, writes the certificate and its key as PEM files, and returns
// the CA with their paths.
func MustIssue(tb testing.TB) (ca *x509.Certificate, certFile, keyFile string) {
	tb.Helper()
	caKey := mustKey(tb)
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	ca = mustCreate(tb, caTmpl, caTmpl, caKey, caKey)
	leafKey := mustKey(tb)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), DNSNames: []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	cert := mustCreate(tb, leaf, ca, leafKey, caKey)
	keyDER, err := x509.MarshalPKCS8PrivateKey(leafKey)
	if err != nil {
		tb.Fatal(err)
	}
	dir := tb.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		tb.Fatal(err)
	}
	return ca, certFile, keyFile
}

func mustKey(tb testing.TB) *ecdsa.PrivateKey {
	tb.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

func mustCreate(tb testing.TB, tmpl, parent *x509.Certificate, key, signer *ecdsa.PrivateKey) *x509.Certificate {
	tb.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

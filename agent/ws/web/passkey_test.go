package web_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/voicepay/voicepay/agent/internal/agenttest"
	"github.com/voicepay/voicepay/agent/ws"
)

// The passkey tests serve the daemon over TLS at https://localhost:PORT,
// a secure context whose host is the WebAuthn relying party id, and give
// the page a virtual authenticator that answers as a phone's would.

// mustOpenTLSDaemon serves the daemon over TLS with a certificate made
// here for localhost, with passkeys for the RP id localhost and the origin
// https://localhost:PORT. It returns the Chromium flags that trust exactly
// that certificate's key.
func mustOpenTLSDaemon(t *testing.T, hear bool, opt ...agenttest.Option) (*daemon, []chromedp.ExecAllocatorOption) {
	t.Helper()
	certFile, keyFile, spki := mustSelfSigned(t)
	// The origin names the port, so the port is chosen before Open.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	origin := fmt.Sprintf("https://localhost:%d", port)
	d := openDaemon(t, hear, func(s *ws.Server) {
		s.Addr = fmt.Sprintf("127.0.0.1:%d", port)
		s.CertFile, s.KeyFile = certFile, keyFile
		s.PasskeyRPID, s.PasskeyOrigins = "localhost", []string{origin}
	}, opt...)
	d.Base = origin
	return d, []chromedp.ExecAllocatorOption{chromedp.Flag("ignore-certificate-errors-spki-list", spki)}
}

// mustSelfSigned writes a self-signed certificate for localhost and
// 127.0.0.1 and its key as PEM files, and returns them with the base64
// SHA-256 of the certificate's public key, as Chromium pins it.
func mustSelfSigned(t *testing.T) (certFile, keyFile, spki string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), DNSNames: []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return certFile, keyFile, base64.StdEncoding.EncodeToString(sum[:])
}

// mustAuthenticator gives the tab a virtual platform authenticator, as a
// phone has: CTAP2, resident keys, and user verification that succeeds.
func (b *browser) mustAuthenticator() {
	b.t.Helper()
	if _, err := chromedp.Call(b.ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		b.t.Fatalf("enable webauthn: %v", err)
	}
	_, err := chromedp.Call(b.ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{Protocol: webauthn.AuthenticatorProtocolCtap2,
			Ctap2version: webauthn.Ctap2versionCtap21, Transport: webauthn.AuthenticatorTransportInternal,
			HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true}})
	if err != nil {
		b.t.Fatalf("add a virtual authenticator: %v", err)
	}
}

// mustPaired opens the companion over TLS with an authenticator, paired as
// the glasses, with a passkey registered from the Passkey card.
func mustPaired(t *testing.T, d *daemon, b *browser) {
	t.Helper()
	b.mustAuthenticator()
	pairPage(b, d)
	if got := b.eval(`location.protocol + " " + window.isSecureContext`); got != "https: true" {
		t.Fatalf("the page is %s, want https and a secure context", got)
	}
	b.wait(`!document.getElementById("passkeys-empty").hidden`, 5*time.Second)
	if got := b.eval(`document.getElementById("spoken-pin").disabled`); got != "true" {
		t.Errorf("with no passkey the spoken-PIN switch is enabled")
	}
	b.do(chromedp.SetValue(chromedp.ID("passkey-name"), "test phone"), chromedp.Click(chromedp.ID("passkey-register")))
	b.wait(`document.getElementById("passkey-card").dataset.count === "1"`, 10*time.Second)
	if got := b.eval(`document.querySelector("#passkeys li").textContent`); !strings.HasPrefix(got, "test phone") {
		t.Errorf("the passkey shows as %q", got)
	}
	if got := b.eval(`document.getElementById("spoken-pin").disabled`); got != "false" {
		t.Errorf("with a passkey the spoken-PIN switch is still disabled")
	}
}

// verifyPrompt waits for the verify prompt to ask to verify purpose, and
// returns its question.
func (b *browser) verifyPrompt(purpose string) string {
	b.t.Helper()
	return b.wait(fmt.Sprintf(`(() => { const v = document.getElementById("verify");
		return !v.hidden && v.dataset.purpose === %q && v.dataset.outcome === "waiting" &&
			document.getElementById("verify-what").textContent })()`, purpose), 10*time.Second)
}

// verified clicks Verify and waits for the prompt's outcome.
func (b *browser) verified() string {
	b.t.Helper()
	b.do(chromedp.Click(chromedp.ID("verify-ok")))
	return b.wait(`(() => { const o = document.getElementById("verify").dataset.outcome;
		return o !== "waiting" && o + ": " + document.getElementById("verify-status").textContent })()`, 15*time.Second)
}

func (d *daemon) mustActive(t *testing.T, want bool) {
	t.Helper()
	dev, err := d.DB.Device(context.Background(), "glasses")
	if err != nil || dev.Active != want {
		t.Fatalf("glasses: %+v, %v; want active %v", dev, err, want)
	}
}

// TestCompanionPasskeyRevoked: a passkey revoked from the Passkey card no
// longer verifies. The prompt then says so, payments stay off, and the
// spoken PIN, which revoking the last passkey turns back on, still works.
func TestCompanionPasskeyRevoked(t *testing.T) {
	d, flags := mustOpenTLSDaemon(t, false)
	b := mustBrowser(t, "", flags...)
	mustPaired(t, d, b)

	if reply := b.say("enable alipay payment function"); reply != "To enable payments, verify on your phone, or say your PIN." {
		t.Errorf("enabling: reply %q", reply)
	}
	if got := b.verifyPrompt("activation"); got != "Verify: turn on payments on glasses?" {
		t.Errorf("the prompt asks %q", got)
	}
	b.do(chromedp.Click(chromedp.CSS("#passkeys li button")))
	b.wait(`document.getElementById("passkey-card").dataset.count === "0"`, 5*time.Second)
	got := b.verified()
	if want := "refused: Not verified: No passkey is registered."; !strings.HasPrefix(got, want) {
		t.Errorf("verifying with the revoked passkey: %q, want %q…", got, want)
	}
	d.mustActive(t, false)
	if got := b.eval(`document.getElementById("spoken-pin").checked && document.getElementById("spoken-pin").disabled`); got != "true" {
		t.Errorf("with no passkey left the spoken PIN is not on and fixed: %s", got)
	}
	b.screenshots("companion-passkey-revoked")
	if reply := b.say("2468"); !strings.Contains(reply, "enabled") {
		t.Errorf("the PIN after the passkey was revoked: %q", reply)
	}
	d.mustActive(t, true)
	b.wait(`document.getElementById("verify").hidden`, 5*time.Second)
}

// TestCompanionSpokenPINOff: with the spoken PIN turned off on the
// Passkey card, a PIN typed (or said) does not enable payments; the dialog
// asks for the phone, and Cancel ends the wait.
func TestCompanionSpokenPINOff(t *testing.T) {
	d, flags := mustOpenTLSDaemon(t, false)
	b := mustBrowser(t, "", flags...)
	mustPaired(t, d, b)

	b.do(chromedp.Click(chromedp.ID("spoken-pin")))
	b.wait(`document.getElementById("passkey-status").textContent.startsWith("Only your passkey")`, 5*time.Second)
	if on, err := d.DB.SpokenPIN(context.Background()); err != nil || on {
		t.Fatalf("spoken PIN %v, %v; want off", on, err)
	}
	b.do(chromedp.Reload())
	b.wait(`document.getElementById("passkey-card").dataset.count === "1"`, 5*time.Second)
	if got := b.eval(`document.getElementById("spoken-pin").checked`); got != "false" {
		t.Errorf("after a reload the switch shows the spoken PIN on")
	}
	b.wait(`document.getElementById("link").classList.contains("on")`, 5*time.Second)

	if reply := b.say("enable alipay payment function"); reply != "To enable payments, verify on your phone." {
		t.Errorf("enabling: reply %q", reply)
	}
	b.verifyPrompt("activation")
	if reply := b.say("2468"); reply != "Verify on your phone, or say cancel." {
		t.Errorf("the PIN: reply %q", reply)
	}
	d.mustActive(t, false)
	if log := b.log(); strings.Contains(log, "2468") {
		t.Errorf("the page shows the PIN:\n%s", log)
	}
	n := b.eval(`document.querySelectorAll("#log .entry.reply").length`)
	b.do(chromedp.Click(chromedp.ID("verify-cancel")))
	b.wait(fmt.Sprintf(`document.getElementById("verify").hidden && document.querySelectorAll("#log .entry.reply").length > %s`, n), 5*time.Second)
	if got := b.eval(`[...document.querySelectorAll("#log .entry.you")].pop().textContent`); got != "cancel" {
		t.Errorf("Cancel said %q, want cancel", got)
	}
	d.mustActive(t, false)
}

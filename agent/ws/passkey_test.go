package ws_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"
	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/internal/agenttest"
	"github.com/voicepay/voicepay/agent/ws"
	"github.com/voicepay/voicepay/wallet"
)

// origin is the web origin the daemon accepts by default.
const origin = "http://localhost"

var b64 = base64.RawURLEncoding

// Authenticator is a software passkey: one ECDSA P-256 credential for an
// RP id, with a signature counter.
type Authenticator struct {
	tb     testing.TB
	key    *ecdsa.PrivateKey
	id     []byte
	rpID   string
	Count  uint32
	Origin string
}

func NewAuthenticator(tb testing.TB) *Authenticator {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	id := make([]byte, 16)
	rand.Read(id)
	return &Authenticator{tb: tb, key: key, id: id, rpID: "localhost", Origin: origin}
}

// Flags of authenticator data.
const (
	flagUP = 0x01
	flagUV = 0x04
	flagAT = 0x40
)

// authData is rpIdHash ‖ flags ‖ signCount, and the attested credential
// data (AAGUID, id, COSE key) when flags has AT.
func (a *Authenticator) authData(flags byte) []byte {
	rp := sha256.Sum256([]byte(a.rpID))
	b := append(rp[:], flags)
	b = binary.BigEndian.AppendUint32(b, a.Count)
	if flags&flagAT == 0 {
		return b
	}
	b = append(b, make([]byte, 16)...) // AAGUID
	b = binary.BigEndian.AppendUint16(b, uint16(len(a.id)))
	b = append(b, a.id...)
	x, y := make([]byte, 32), make([]byte, 32)
	a.key.PublicKey.X.FillBytes(x)
	a.key.PublicKey.Y.FillBytes(y)
	em, _ := cbor.CoreDetEncOptions().EncMode()
	cose, err := em.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: x, -3: y}) // EC2, ES256, P-256
	if err != nil {
		a.tb.Fatal(err)
	}
	return append(b, cose...)
}

func (a *Authenticator) clientData(typ string, challenge []byte) []byte {
	b, _ := json.Marshal(map[string]string{"type": typ, "challenge": b64.EncodeToString(challenge), "origin": a.Origin})
	return b
}

// Create answers navigator.credentials.create with "none" attestation.
func (a *Authenticator) Create(challenge []byte) []byte {
	att, err := cbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{},
		"authData": a.authData(flagUP | flagUV | flagAT)})
	if err != nil {
		a.tb.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"id": b64.EncodeToString(a.id), "rawId": b64.EncodeToString(a.id),
		"type": "public-key", "response": map[string]string{
			"clientDataJSON":    b64.EncodeToString(a.clientData("webauthn.create", challenge)),
			"attestationObject": b64.EncodeToString(att)}})
	return b
}

// Get answers navigator.credentials.get: it counts up and signs
// authData ‖ SHA-256(clientDataJSON).
func (a *Authenticator) Get(challenge []byte) []byte {
	a.Count++
	auth, cd := a.authData(flagUP|flagUV), a.clientData("webauthn.get", challenge)
	cdHash := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte{}, auth...), cdHash[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, a.key, digest[:])
	if err != nil {
		a.tb.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"id": b64.EncodeToString(a.id), "rawId": b64.EncodeToString(a.id),
		"type": "public-key", "response": map[string]string{"clientDataJSON": b64.EncodeToString(cd),
			"authenticatorData": b64.EncodeToString(auth), "signature": b64.EncodeToString(sig)}})
	return b
}

// mustPost posts body and checks the status.
func (d *Daemon) mustPost(tb testing.TB, path string, body []byte, status int) Response {
	tb.Helper()
	r := d.MustDo(tb, "POST", path, d.Token, body)
	if r.Status != status {
		tb.Fatalf("POST %s: status %d, want %d: %s", path, r.Status, status, r.Body)
	}
	return r
}

// challengeOf reads the challenge of creation or request options.
func challengeOf(tb testing.TB, r Response) []byte {
	tb.Helper()
	var opts struct {
		PublicKey struct {
			Challenge string `json:"challenge"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal(r.Body, &opts); err != nil {
		tb.Fatalf("options %s: %v", r.Body, err)
	}
	c, err := b64.DecodeString(opts.PublicKey.Challenge)
	if err != nil || len(c) == 0 {
		tb.Fatalf("challenge %q: %v", opts.PublicKey.Challenge, err)
	}
	return c
}

// mustRegister registers a's passkey.
func (d *Daemon) mustRegister(tb testing.TB, a *Authenticator) string {
	tb.Helper()
	ch := challengeOf(tb, d.mustPost(tb, "/v1/passkeys/register/begin", nil, http.StatusOK))
	r := d.mustPost(tb, "/v1/passkeys/register/finish?name=phone", a.Create(ch), http.StatusOK)
	var got struct {
		Passkey ws.PasskeyView `json:"passkey"`
	}
	mustJSON(tb.(*testing.T), r, &got)
	if got.Passkey.ID != b64.EncodeToString(a.id) || got.Passkey.Name != "phone" || got.Passkey.Created == "" {
		tb.Fatalf("registered %+v", got.Passkey)
	}
	return got.Passkey.ID
}

// Push is a turn's events and the events pushed meanwhile.
type Push struct{ Turn, Pushed []Event }

// turnWithPush runs a turn, keeping apart the events pushed during it.
func turnWithPush(c *Conn, id, text string) Push {
	c.tb.Helper()
	c.Send(ws.ClientEvent{Type: "text.input", ID: id, Text: text})
	var p Push
	for {
		ev := c.Next()
		if ev.ReplyTo != id {
			p.Pushed = append(p.Pushed, ev)
			continue
		}
		p.Turn = append(p.Turn, ev)
		if ev.Type == agent.EventReply {
			return p
		}
	}
}

// pushedReply reads pushed events up to the reply a verification pushes.
func pushedReply(c *Conn) Event {
	c.tb.Helper()
	for {
		if ev := c.Next(); ev.Type == agent.EventReply && ev.ReplyTo == "" {
			return ev
		}
	}
}

func (p Push) reply() Event { return p.Turn[len(p.Turn)-1] }

// verifyRequest is the verify.request pushed during the turn or, since
// pushes pass through their own goroutine, right after it.
func (p Push) verifyRequest(c *Conn) *agent.Verification {
	c.tb.Helper()
	for _, e := range p.Pushed {
		if e.Type == agent.EventVerifyRequest {
			return e.Verify
		}
	}
	for {
		if e := c.Next(); e.Type == agent.EventVerifyRequest {
			return e.Verify
		}
	}
}

// stepUpDaemon is a daemon where two lattes need a step-up, with payments
// enabled by PIN and a passkey registered.
func stepUpDaemon(t *testing.T) (*Daemon, *Conn, *Authenticator) {
	l := agenttest.Limits()
	l.StepUpAbove = 1000
	d := MustOpenDaemon(t, agenttest.WithLimits(l))
	c := d.MustDial(t, d.Token)
	c.Enable("e")
	a := NewAuthenticator(t)
	d.mustRegister(t, a)
	return d, c, a
}

// askToPay drafts, confirms and says pay, and checks the request to verify.
func askToPay(t *testing.T, c *Conn, n string) *agent.Verification {
	c.Say(n+"1", "buy two lattes", agent.StateDrafted, "")
	c.Say(n+"2", "confirm the order", agent.StateConfirmed, "")
	p := turnWithPush(c, n+"3", "pay")
	if r := p.reply(); !strings.Contains(r.Text, "verify on your phone, or say your PIN") || r.State != agent.StateConfirmed {
		t.Fatalf("pay: %q in %s", r.Text, r.State)
	}
	v := p.verifyRequest(c)
	if v == nil || v.Purpose != wallet.PurposePayment || v.Order == nil || v.Device != "glasses" || v.Expires == "" {
		t.Fatalf("verify.request %+v", v)
	}
	return v
}

// newest is the order of the highest id.
func newest(d *Daemon) *wallet.Order {
	var out *wallet.Order
	for _, o := range d.MustOrders() {
		if out == nil || o.ID > out.ID {
			out = o
		}
	}
	return out
}

func TestPasskey_VerifyPayment(t *testing.T) {
	d, c, a := stepUpDaemon(t)
	askToPay(t, c, "a")
	begin := `{"purpose":"payment"}`
	if r := d.MustDo(t, "POST", "/v1/passkeys/verify/begin", d.Token, []byte(`{"purpose":"unfreeze"}`)); r.Status == http.StatusOK {
		t.Errorf("begin for another purpose: %d %s", r.Status, r.Body)
	}
	ch := challengeOf(t, d.mustPost(t, "/v1/passkeys/verify/begin", []byte(begin), http.StatusOK))
	assertion := a.Get(ch)
	r := d.mustPost(t, "/v1/passkeys/verify/finish", assertion, http.StatusOK)
	var got struct {
		Turn agent.Turn `json:"turn"`
	}
	mustJSON(t, r, &got)
	if got.Turn.State != agent.StateIdle || !strings.HasPrefix(got.Turn.Reply, "Paid") {
		t.Fatalf("finish: %+v", got.Turn)
	}
	if ev := pushedReply(c); ev.State != agent.StateIdle {
		t.Errorf("pushed reply %+v", ev)
	}
	if o := newest(d); o.State != wallet.Paid || o.Receipt == nil || o.Receipt.Method != "passkey" {
		t.Fatalf("order %+v receipt %+v, want paid by passkey", o, o.Receipt)
	}
	t.Run("replayed", func(t *testing.T) {
		if r := d.MustDo(t, "POST", "/v1/passkeys/verify/finish", d.Token, assertion); r.Status == http.StatusOK {
			t.Fatalf("replay without a ceremony: %d %s", r.Status, r.Body)
		}
		askToPay(t, c, "r")
		d.mustPost(t, "/v1/passkeys/verify/begin", []byte(begin), http.StatusOK)
		if r := d.MustDo(t, "POST", "/v1/passkeys/verify/finish", d.Token, assertion); r.Status != http.StatusUnauthorized {
			t.Fatalf("replay into a new ceremony: %d %s", r.Status, r.Body)
		}
	})
	t.Run("another order's hash", func(t *testing.T) {
		other, err := d.DB.Order(t.Context(), 1) // the order paid above
		if err != nil {
			t.Fatal(err)
		}
		d.mustPost(t, "/v1/passkeys/verify/begin", []byte(begin), http.StatusOK)
		forged := a.Get(ws.Challenge(wallet.PurposePayment, other.Hash(), []byte("0123456789abcdef")))
		if r := d.MustDo(t, "POST", "/v1/passkeys/verify/finish", d.Token, forged); r.Status != http.StatusUnauthorized {
			t.Fatalf("challenge mismatch: %d %s", r.Status, r.Body)
		}
	})
	t.Run("wrong origin", func(t *testing.T) {
		ch := challengeOf(t, d.mustPost(t, "/v1/passkeys/verify/begin", []byte(begin), http.StatusOK))
		a.Origin = "https://evil.example"
		defer func() { a.Origin = origin }()
		if r := d.MustDo(t, "POST", "/v1/passkeys/verify/finish", d.Token, a.Get(ch)); r.Status != http.StatusUnauthorized {
			t.Fatalf("wrong origin: %d %s", r.Status, r.Body)
		}
	})
	t.Run("sign count backwards", func(t *testing.T) {
		ch := challengeOf(t, d.mustPost(t, "/v1/passkeys/verify/begin", []byte(begin), http.StatusOK))
		a.Count = 0 // Get makes it 1, below the count of the payment above
		r := d.MustDo(t, "POST", "/v1/passkeys/verify/finish", d.Token, a.Get(ch))
		if r.Status != http.StatusUnauthorized || !strings.Contains(string(r.Body), "counter went backwards") {
			t.Fatalf("counter backwards: %d %s", r.Status, r.Body)
		}
		a.Count = 100
	})
	t.Run("revoked", func(t *testing.T) {
		ch := challengeOf(t, d.mustPost(t, "/v1/passkeys/verify/begin", []byte(begin), http.StatusOK))
		d.mustPost(t, "/v1/passkeys/revoke", []byte(`{"id":"`+b64.EncodeToString(a.id)+`"}`), http.StatusOK)
		if r := d.MustDo(t, "POST", "/v1/passkeys/verify/finish", d.Token, a.Get(ch)); r.Status != http.StatusUnauthorized {
			t.Fatalf("revoked: %d %s", r.Status, r.Body)
		}
		r := d.MustDo(t, "GET", "/v1/passkeys", d.Token, nil)
		if !strings.Contains(string(r.Body), `"revoked":true`) {
			t.Errorf("list after revoking: %s", r.Body)
		}
	})
	if o := newest(d); o.ID != 2 || o.State != wallet.Confirmed {
		t.Errorf("after the refused verifications, order %d is %s", o.ID, o.State)
	}
}

func TestPasskey_SpokenPINOff(t *testing.T) {
	d := MustOpenDaemon(t)
	c := d.MustDial(t, d.Token)
	off := []byte(`{"enabled":false}`)
	if r := d.MustDo(t, "POST", "/v1/passkeys/spoken-pin", d.Token, off); r.Code() != wallet.ESTATE {
		t.Fatalf("spoken PIN off without a passkey: %d %s", r.Status, r.Body)
	}
	a := NewAuthenticator(t)
	d.mustRegister(t, a)
	d.mustPost(t, "/v1/passkeys/spoken-pin", off, http.StatusOK)
	if r := d.MustDo(t, "GET", "/v1/passkeys", d.Token, nil); !strings.Contains(string(r.Body), `"spoken_pin":false`) {
		t.Errorf("list after turning the spoken PIN off: %s", r.Body)
	}

	p := turnWithPush(c, "e1", "enable alipay payment function")
	if r := p.reply(); r.Text != "To enable payments, verify on your phone." || r.State != agent.StateInactive {
		t.Fatalf("enable: %q in %s", r.Text, r.State)
	}
	if v := p.verifyRequest(c); v == nil || v.Purpose != wallet.PurposeActivation {
		t.Fatalf("verify.request %+v", v)
	}
	for i, pin := range []string{"two four six eight", agenttest.PIN} {
		evs := c.Say("p"+string(rune('0'+i)), pin, agent.StateInactive, "")
		if r := evs[len(evs)-1]; r.Text != "Verify on your phone, or say cancel." {
			t.Errorf("PIN %q: %q", pin, r.Text)
		}
	}
	ch := challengeOf(t, d.mustPost(t, "/v1/passkeys/verify/begin", []byte(`{"purpose":"activation"}`), http.StatusOK))
	d.mustPost(t, "/v1/passkeys/verify/finish", a.Get(ch), http.StatusOK)
	dev, err := d.DB.Device(t.Context(), "glasses")
	if err != nil || !dev.Active {
		t.Fatalf("device after verifying on the phone: %+v, %v", dev, err)
	}
}

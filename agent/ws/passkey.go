package ws

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	waproto "github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/wallet"
)

// ceremonyLife is how long a begun passkey ceremony may be finished.
const ceremonyLife = 5 * time.Minute

// challengeDomain starts every verification challenge, so that no other
// protocol's signature can pass for one of ours.
const challengeDomain = "voicepay/v1"

// Challenge is the WebAuthn challenge of a verification: SHA-256 of
// "voicepay/v1", the purpose, the hash of what is approved and the server's
// nonce, each after a zero byte. An assertion over it approves exactly that
// object, once.
func Challenge(purpose, subject string, nonce []byte) []byte {
	h := sha256.New()
	for _, part := range [][]byte{[]byte(challengeDomain), []byte(purpose), []byte(subject), nonce} {
		h.Write([]byte{0})
		h.Write(part)
	}
	return h.Sum(nil)
}

// ceremony is a begun registration or verification, kept server-side.
type ceremony struct {
	session webauthn.SessionData
	purpose string // "register", or what is verified
	device  string // the device whose dialog waits, for a verification
	expires time.Time
}

// ceremonies holds begun ceremonies, one of each kind per device.
type ceremonies struct {
	mu sync.Mutex
	m  map[string]*ceremony
}

func (c *ceremonies) put(key string, cer *ceremony) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*ceremony{}
	}
	c.m[key] = cer
}

// take removes and returns the ceremony under key, if it has not expired:
// a ceremony finishes once.
func (c *ceremonies) take(key string, now time.Time) *ceremony {
	c.mu.Lock()
	defer c.mu.Unlock()
	cer := c.m[key]
	delete(c.m, key)
	if cer == nil || !now.Before(cer.expires) {
		return nil
	}
	return cer
}

var errNoCeremony = wallet.Errorf(wallet.ESTATE, "No passkey ceremony was begun on this device, or it expired or was used. Begin again.")

// passkeyUser is the wallet's one person, as WebAuthn sees them.
type passkeyUser struct {
	id    []byte
	creds []webauthn.Credential // those not revoked
}

var _ webauthn.User = (*passkeyUser)(nil)

func (u *passkeyUser) WebAuthnID() []byte                         { return u.id }
func (u *passkeyUser) WebAuthnName() string                       { return "voicepay" }
func (u *passkeyUser) WebAuthnDisplayName() string                { return "voicepay wallet" }
func (u *passkeyUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

func (s *Server) passkeyUser(ctx context.Context) (*passkeyUser, error) {
	id, err := s.Hub.DB.PasskeyUser(ctx)
	if err != nil {
		return nil, err
	}
	all, err := s.Hub.DB.Passkeys(ctx)
	if err != nil {
		return nil, err
	}
	u := &passkeyUser{id: id}
	for _, p := range all {
		if !p.Revoked {
			u.creds = append(u.creds, p.Credential)
		}
	}
	return u, nil
}

// openPasskeys sets up the relying party from PasskeyRPID and PasskeyOrigins.
func (s *Server) openPasskeys() error {
	rpID, origins := s.PasskeyRPID, s.PasskeyOrigins
	if rpID == "" {
		rpID = "localhost"
	}
	if len(origins) == 0 {
		origins = []string{"http://localhost"}
	}
	wa, err := webauthn.New(&webauthn.Config{RPID: rpID, RPDisplayName: "voicepay", RPOrigins: origins,
		AuthenticatorSelection: waproto.AuthenticatorSelection{ResidentKey: waproto.ResidentKeyRequirementPreferred,
			UserVerification: waproto.VerificationRequired}})
	if err != nil {
		return fmt.Errorf("passkeys: %w", err)
	}
	s.webauthn = wa
	return nil
}

// refused is what a person sees when the WebAuthn checks fail; the detail
// is logged.
func (s *Server) refused(err error) error {
	var pe *waproto.Error
	if errors.As(err, &pe) {
		s.Logger.Warn("passkey refused", "type", pe.Type, "details", pe.Details, "debug", pe.DevInfo)
	} else {
		s.Logger.Warn("passkey refused", "err", err)
	}
	return wallet.Errorf(wallet.EUNAUTHORIZED, "The passkey response was not accepted.")
}

func (s *Server) registerBegin(w http.ResponseWriter, r *http.Request, d *wallet.Device) {
	u, err := s.passkeyUser(r.Context())
	if err != nil {
		s.writeError(w, err)
		return
	}
	exclude := make([]waproto.CredentialDescriptor, len(u.creds))
	for i, c := range u.creds {
		exclude[i] = c.Descriptor()
	}
	opts, sess, err := s.webauthn.BeginRegistration(u, webauthn.WithExclusions(exclude),
		webauthn.WithConveyancePreference(waproto.PreferNoAttestation))
	if err != nil {
		s.writeError(w, fmt.Errorf("begin passkey registration: %w", err))
		return
	}
	s.ceremonies.put("register:"+d.ID, &ceremony{session: *sess, purpose: "register",
		expires: s.Hub.DB.Now().Add(ceremonyLife)})
	writeJSON(w, http.StatusOK, opts)
}

// PasskeyView is a registered passkey as the API shows it.
type PasskeyView struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Created  string `json:"created"`
	LastUsed string `json:"last_used,omitempty"`
	Revoked  bool   `json:"revoked,omitempty"`
}

func viewPasskey(p *wallet.Passkey) PasskeyView {
	v := PasskeyView{ID: p.ID, Name: p.Name, Created: p.Created.UTC().Format(time.RFC3339), Revoked: p.Revoked}
	if !p.LastUsed.IsZero() {
		v.LastUsed = p.LastUsed.UTC().Format(time.RFC3339)
	}
	return v
}

// registerFinish takes the browser's attestation response; ?name= names
// the passkey.
func (s *Server) registerFinish(w http.ResponseWriter, r *http.Request, d *wallet.Device) {
	cer := s.ceremonies.take("register:"+d.ID, s.Hub.DB.Now())
	if cer == nil {
		s.writeError(w, errNoCeremony)
		return
	}
	parsed, err := waproto.ParseCredentialCreationResponseBody(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		s.writeError(w, s.refused(err))
		return
	}
	u, err := s.passkeyUser(r.Context())
	if err != nil {
		s.writeError(w, err)
		return
	}
	cred, err := s.webauthn.CreateCredential(u, cer.session, parsed)
	if err != nil {
		s.writeError(w, s.refused(err))
		return
	}
	p, err := s.Hub.DB.AddPasskey(r.Context(), r.URL.Query().Get("name"), *cred)
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"passkey": viewPasskey(p)})
}

// VerifyRequest begins a verification of what the dialog of Device (the
// caller's own device when empty) waits for.
type VerifyRequest struct {
	Purpose string `json:"purpose"`
	Device  string `json:"device,omitempty"`
}

// waiting is the user device named, or the caller, and what its dialog
// waits for.
func (s *Server) waiting(ctx context.Context, caller *wallet.Device, id string) (*wallet.Device, *agent.Verification, error) {
	dev := caller
	if id != "" && id != caller.ID {
		var err error
		if dev, err = s.Hub.DB.Device(ctx, id); err != nil {
			return nil, nil, err
		}
	}
	v, err := s.Hub.Awaiting(ctx, dev)
	return dev, v, err
}

func (s *Server) verifyBegin(w http.ResponseWriter, r *http.Request, d *wallet.Device) {
	var req VerifyRequest
	if !s.decode(w, r, &req) {
		return
	}
	dev, v, err := s.waiting(r.Context(), d, req.Device)
	if err != nil {
		s.writeError(w, err)
		return
	}
	if v.Purpose != req.Purpose {
		s.writeError(w, wallet.Errorf(wallet.ESTATE, "The dialog waits to verify %s, not %s.", v.Purpose, req.Purpose))
		return
	}
	u, err := s.passkeyUser(r.Context())
	if err != nil {
		s.writeError(w, err)
		return
	}
	if len(u.creds) == 0 {
		s.writeError(w, wallet.ErrNoPasskey)
		return
	}
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		s.writeError(w, err)
		return
	}
	opts, sess, err := s.webauthn.BeginLogin(u, webauthn.WithChallenge(Challenge(v.Purpose, v.Subject, nonce)),
		webauthn.WithUserVerification(waproto.VerificationRequired))
	if err != nil {
		s.writeError(w, fmt.Errorf("begin passkey verification: %w", err))
		return
	}
	s.ceremonies.put("verify:"+d.ID, &ceremony{session: *sess, purpose: v.Purpose, device: dev.ID,
		expires: s.Hub.DB.Now().Add(ceremonyLife)})
	writeJSON(w, http.StatusOK, opts)
}

// verifyFinish checks the browser's assertion against the begun ceremony,
// once, and completes what the dialog waits for.
func (s *Server) verifyFinish(w http.ResponseWriter, r *http.Request, d *wallet.Device) {
	ctx := r.Context()
	cer := s.ceremonies.take("verify:"+d.ID, s.Hub.DB.Now())
	if cer == nil {
		s.writeError(w, errNoCeremony)
		return
	}
	parsed, err := waproto.ParseCredentialRequestResponseBody(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		s.writeError(w, s.refused(err))
		return
	}
	dev, v, err := s.waiting(ctx, d, cer.device)
	if err != nil {
		s.writeError(w, err)
		return
	}
	// What waits must be what the challenge was made for: an order changed
	// since, or another request, needs a new ceremony.
	if v.Purpose != cer.purpose || v.Subject == "" {
		s.writeError(w, wallet.Errorf(wallet.ESTATE, "What waits for verification changed. Begin again."))
		return
	}
	u, err := s.passkeyUser(ctx)
	if err != nil {
		s.writeError(w, err)
		return
	}
	cred, err := s.webauthn.ValidateLogin(u, cer.session, parsed)
	if err != nil {
		s.writeError(w, s.refused(err))
		return
	}
	if !parsed.Response.AuthenticatorData.Flags.HasUserVerified() {
		s.writeError(w, s.refused(errors.New("user verification flag not set")))
		return
	}
	proof, err := s.Hub.DB.UsePasskey(ctx, wallet.PasskeyUse{CredentialID: cred.ID,
		SignCount: parsed.Response.AuthenticatorData.Counter, Purpose: v.Purpose, Device: dev.ID, Subject: v.Subject})
	if err != nil {
		s.writeError(w, err)
		return
	}
	turn, err := s.Hub.Verified(ctx, dev, proof)
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"passkey": proof.Credential, "turn": turn})
}

// passkeys lists the passkeys and says whether the spoken PIN is still
// accepted, for the companion's switch.
func (s *Server) passkeys(w http.ResponseWriter, r *http.Request, _ *wallet.Device) {
	all, err := s.Hub.DB.Passkeys(r.Context())
	if err != nil {
		s.writeError(w, err)
		return
	}
	spoken, err := s.Hub.DB.SpokenPIN(r.Context())
	if err != nil {
		s.writeError(w, err)
		return
	}
	out := make([]PasskeyView, len(all))
	for i, p := range all {
		out[i] = viewPasskey(p)
	}
	writeJSON(w, http.StatusOK, map[string]any{"passkeys": out, "spoken_pin": spoken})
}

func (s *Server) revokePasskey(w http.ResponseWriter, r *http.Request, _ *wallet.Device) {
	var req struct {
		ID string `json:"id"`
	}
	if !s.decode(w, r, &req) {
		return
	}
	if err := s.Hub.DB.RevokePasskey(r.Context(), req.ID); err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"revoked": req.ID})
}

func (s *Server) spokenPIN(w http.ResponseWriter, r *http.Request, _ *wallet.Device) {
	var req struct {
		Enabled *bool `json:"enabled"`
	}
	if !s.decode(w, r, &req) {
		return
	}
	if req.Enabled == nil {
		s.writeError(w, wallet.Errorf(wallet.EINVALID, "Say {\"enabled\": true} or {\"enabled\": false}."))
		return
	}
	if err := s.Hub.DB.SetSpokenPIN(r.Context(), *req.Enabled); err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"spoken_pin": *req.Enabled})
}

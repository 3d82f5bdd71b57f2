package agent

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"github.com/voicepay/voicepay/wallet"
)

// With a passkey registered, what needs the person's identity (enabling
// payments, a step-up before paying, unfreezing, approving a subscription)
// asks them to verify on their phone. The companion hears a verify.request
// event, runs the WebAuthn ceremony over agent/ws, and the verified
// assertion completes what waits, as the PIN would. The spoken PIN stays a
// fallback unless the person turned it off.

// defaultVerifyTimeout is how long the dialog waits for the phone.
const defaultVerifyTimeout = 2 * time.Minute

// timedOutSentence is said when the phone did not answer in time.
const timedOutSentence = "Verification timed out; nothing was done."

// verifying is a passkey verification the dialog waits for, alongside the
// PIN prompt of the same await.
type verifying struct {
	Purpose string    `json:"purpose"`
	Await   string    `json:"await"` // the await it belongs to; it ends with that await
	Order   uint64    `json:"order,omitempty"`
	Mandate uint64    `json:"mandate,omitempty"`
	Nonce   string    `json:"nonce"` // binds an activation or an unfreeze to this request
	Expires time.Time `json:"expires"`
}

// Verification is what a verify.request event and Hub.Awaiting tell: what
// the dialog of Device waits to have verified.
type Verification struct {
	Purpose string   `json:"purpose"`
	Device  string   `json:"device"`
	Order   *Order   `json:"order,omitempty"`   // payment
	Mandate *Mandate `json:"mandate,omitempty"` // subscription
	Expires string   `json:"expires"`
	// Subject is the hash the passkey's challenge is derived from: the
	// order's or the mandate's canonical hash, or, for an activation or an
	// unfreeze, a hash of the device, the purpose and a server nonce.
	Subject string `json:"-"`
}

// dropStaleVerify forgets a verification whose await has ended.
func (st *sessionState) dropStaleVerify() {
	if st.Verify != nil && st.Verify.Await != st.Await {
		st.Verify = nil
	}
}

func (h *Hub) verifyTimeout() time.Duration {
	if h.VerifyTimeout > 0 {
		return h.VerifyTimeout
	}
	return defaultVerifyTimeout
}

// askPasskey asks for a passkey verification when one is registered, and
// reports whether it asked; the await then takes the PIN too, unless the
// person turned the spoken PIN off. lead starts the sentence.
func (d *dialog) askPasskey(purpose, await string, order, mandate uint64, lead string) (bool, error) {
	h := d.s.hub
	if ok, err := h.DB.HasPasskey(d.ctx); err != nil || !ok {
		return false, err
	}
	spoken, err := h.DB.SpokenPIN(d.ctx)
	if err != nil {
		return false, err
	}
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		return false, err
	}
	v := &verifying{Purpose: purpose, Await: await, Order: order, Mandate: mandate,
		Nonce: hex.EncodeToString(nonce), Expires: h.DB.Now().Add(h.verifyTimeout())}
	view, err := d.s.verification(d.ctx, v)
	if err != nil {
		return false, err
	}
	d.s.st.Await, d.s.st.Verify = await, v
	h.announce("", Event{Type: EventVerifyRequest, Verify: view})
	h.armTimeout(d.s, v.Expires)
	if spoken {
		d.say("%sverify on your phone, or say your PIN.", lead)
	} else {
		d.say("%sverify on your phone.", lead)
	}
	return true, nil
}

// verifyPending handles a turn said while a passkey verification waits:
// past its time it ends the wait; with the spoken PIN off, no PIN is heard.
// done reports that the turn was handled.
func (d *dialog) verifyPending() (done bool, err error) {
	v := d.s.st.Verify
	if v != nil && !d.db().Now().Before(v.Expires) {
		d.s.st.Await, d.s.st.Verify = awaitNone, nil
		d.say(timedOutSentence)
		return true, nil
	}
	spoken, err := d.db().SpokenPIN(d.ctx)
	if err != nil || spoken {
		return false, err
	}
	d.say("Verify on your phone, or say cancel.")
	return true, nil
}

// approvePending approves the subscription the await is for with the PIN
// said. A wrong PIN may be said again; anything else ends the wait.
func (d *dialog) approvePending(pin string) error {
	v := d.s.st.Verify
	if v == nil {
		d.s.st.Await = awaitNone
		return wallet.Errorf(wallet.ENOORDER, "There is no subscription waiting for your approval.")
	}
	m, err := d.db().Mandate(d.ctx, v.Mandate)
	if err != nil {
		return err
	}
	err = d.approveOne(m, 0, wallet.Authorization{Device: d.s.device, Method: "session", PIN: pin})
	if err == nil || !errors.Is(err, wallet.ErrBadPIN) {
		d.s.st.Await = awaitNone
	}
	return err
}

// verification is what v waits for, as of now.
func (s *Session) verification(ctx context.Context, v *verifying) (*Verification, error) {
	db := s.hub.DB
	out := &Verification{Purpose: v.Purpose, Device: s.device, Expires: timestamp(v.Expires)}
	switch v.Purpose {
	case wallet.PurposePayment:
		o, err := db.Order(ctx, v.Order)
		if err != nil {
			return nil, err
		}
		out.Order, out.Subject = ViewOrder(o, db.Now()), o.Hash()
	case wallet.PurposeSubscription:
		m, err := db.Mandate(ctx, v.Mandate)
		if err != nil {
			return nil, err
		}
		out.Mandate, out.Subject = ViewMandate(m), m.Hash()
	default:
		sum := sha256.Sum256([]byte(s.device + "\x00" + v.Purpose + "\x00" + v.Nonce))
		out.Subject = hex.EncodeToString(sum[:])
	}
	return out, nil
}

// errNothingToVerify is the refusal when the device's dialog waits for no
// passkey verification.
var errNothingToVerify = wallet.Errorf(wallet.ESTATE, "Nothing on this device waits for verification.")

// Awaiting returns the verification the dialog of a user device waits for.
func (h *Hub) Awaiting(ctx context.Context, device *wallet.Device) (*Verification, error) {
	s, err := h.Session(ctx, device)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, err := s.waiting()
	if err != nil {
		return nil, err
	}
	return s.verification(ctx, v)
}

// waiting is the passkey verification the dialog waits for now. The caller
// holds s.mu.
func (s *Session) waiting() (*verifying, error) {
	v := s.st.Verify
	if v == nil || v.Await != s.st.Await || !s.hub.DB.Now().Before(v.Expires) {
		return nil, errNothingToVerify
	}
	return v, nil
}

// Verified completes what the dialog of device waits for with a passkey
// verification the wallet accepted, as a turn whose events go to every
// connection. It refuses a proof for anything else, or when nothing waits.
func (h *Hub) Verified(ctx context.Context, device *wallet.Device, proof *wallet.PasskeyProof) (*Turn, error) {
	s, err := h.Session(ctx, device)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, err := s.waiting()
	if err != nil {
		return nil, err
	}
	want, err := s.verification(ctx, v)
	if err != nil {
		return nil, err
	}
	if proof.Purpose != v.Purpose || proof.Subject != want.Subject || proof.Device != device.ID {
		return nil, wallet.Errorf(wallet.EUNAUTHORIZED, "That verification is not for what waits on this device.")
	}
	t := &Turn{}
	d := &dialog{s: s, ctx: ctx, turn: t, passkey: proof, key: s.device + "/verify:" + v.Nonce}
	if err := d.completeVerified(v); err != nil {
		t.fail(err)
	}
	s.st.Await, s.st.Verify = awaitNone, nil
	s.settle(ctx, t, -1)
	for _, e := range t.Events {
		h.announce("", e)
	}
	return t, nil
}

// completeVerified does what v waited for, with the turn's passkey.
func (d *dialog) completeVerified(v *verifying) error {
	db := d.db()
	switch v.Purpose {
	case wallet.PurposeActivation:
		if err := db.ActivateDevicePasskey(d.ctx, d.s.device, d.passkey); err != nil {
			return err
		}
		d.say("Payments are enabled. What would you like to buy?")
	case wallet.PurposeUnfreeze:
		if err := db.UnfreezePasskey(d.ctx, d.s.device, d.passkey); err != nil {
			return err
		}
		d.say("Your wallet is unfrozen: payments can leave it again.")
	case wallet.PurposePayment:
		return d.authorize("")
	case wallet.PurposeSubscription:
		m, err := db.Mandate(d.ctx, v.Mandate)
		if err != nil {
			return err
		}
		return d.approveOne(m, 0, wallet.Authorization{Device: d.s.device, Method: "session", Passkey: d.passkey})
	}
	return nil
}

// armTimeout ends the wait of s for a passkey at expires, unless it ended
// before, and tells every connection.
func (h *Hub) armTimeout(s *Session, expires time.Time) {
	time.AfterFunc(expires.Sub(h.DB.Now()), func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		v := s.st.Verify
		if v == nil || !v.Expires.Equal(expires) || v.Await != s.st.Await {
			return
		}
		s.st.Await, s.st.Verify = awaitNone, nil
		t := &Turn{Reply: timedOutSentence}
		s.settle(context.Background(), t, -1)
		for _, e := range t.Events {
			h.announce("", e)
		}
	})
}

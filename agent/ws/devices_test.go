package ws_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/voicepay/voicepay/agent/ws"
	"github.com/voicepay/voicepay/wallet"
)

// MustPairingCode asks the daemon, as the person's glasses, for a code that
// pairs name.
func (d *Daemon) MustPairingCode(t *testing.T, name string) ws.PairingCode {
	t.Helper()
	r := d.MustDo(t, "POST", "/v1/devices/pair", d.Token, fmt.Appendf(nil, `{"name":%q}`, name))
	if r.Status != http.StatusOK {
		t.Fatalf("pairing code for %s: status %d: %s", name, r.Status, r.Body)
	}
	var pc ws.PairingCode
	mustJSON(t, r, &pc)
	return pc
}

func pairBody(code string) []byte { return fmt.Appendf(nil, `{"code":%q}`, code) }

// wantError checks a refusal's status, code and message.
func wantError(t *testing.T, r Response, status int, code, msg string) {
	t.Helper()
	var body struct{ Error wallet.Error }
	json.Unmarshal(r.Body, &body)
	if r.Status != status || body.Error.Code != code || !strings.Contains(body.Error.Message, msg) {
		t.Errorf("got %d %s, want %d %s %q", r.Status, r.Body, status, code, msg)
	}
}

func TestPairDevice(t *testing.T) {
	d := MustOpenDaemon(t)
	pc := d.MustPairingCode(t, "phone")
	if want := d.Base + "/#pair=" + pc.Code; pc.Link != want {
		t.Errorf("link %q, want %q", pc.Link, want)
	}
	if want := d.Clock.Now().Add(wallet.PairingTTL); !pc.Expires.Equal(want) {
		t.Errorf("expires %s, want %s", pc.Expires, want)
	}

	// No token: the code is the credential, typed any way.
	typed := strings.ToLower(strings.ReplaceAll(pc.Code, "-", ""))
	r := d.MustDo(t, "POST", "/v1/pair", "", pairBody(typed))
	if r.Status != http.StatusOK {
		t.Fatalf("pair: status %d: %s", r.Status, r.Body)
	}
	var paired ws.PairResponse
	mustJSON(t, r, &paired)
	if paired.Device.ID != "phone" || paired.Device.Scope != wallet.ScopeUser || !strings.HasPrefix(paired.Token, "vp_u_") {
		t.Fatalf("paired %+v", paired)
	}
	if strings.Contains(string(r.Body), "token_hash") {
		t.Errorf("the answer shows the token's hash: %s", r.Body)
	}

	// The new token works, on the API and on the websocket.
	if r := d.MustDo(t, "GET", "/v1/wallet/balance", paired.Token, nil); r.Status != http.StatusOK {
		t.Errorf("balance with the new token: status %d: %s", r.Status, r.Body)
	}
	d.MustDial(t, paired.Token).Close()

	wantError(t, d.MustDo(t, "POST", "/v1/pair", "", pairBody(pc.Code)),
		http.StatusUnauthorized, wallet.EUNAUTHORIZED, "That pairing code was already used.")

	t.Run("list", func(t *testing.T) {
		r := d.MustDo(t, "GET", "/v1/devices", d.Token, nil)
		var body struct{ Devices []ws.DeviceInfo }
		mustJSON(t, r, &body)
		var got []string
		for _, dev := range body.Devices {
			got = append(got, fmt.Sprintf("%s/%s/%v", dev.ID, dev.Scope, dev.Active))
		}
		if want := "glasses/user/false phone/user/false"; strings.Join(got, " ") != want {
			t.Errorf("devices %q, want %q (no agents)", got, want)
		}
	})

	t.Run("user token only", func(t *testing.T) {
		for _, path := range []string{"/v1/devices", "/v1/devices/pair", "/v1/devices/revoke"} {
			method := "POST"
			if path == "/v1/devices" {
				method = "GET"
			}
			for _, token := range []string{"", d.AgentToken} {
				r := d.MustDo(t, method, path, token, []byte(`{"name":"watch"}`))
				if r.Status != http.StatusUnauthorized {
					t.Errorf("%s %s with %q: status %d, want 401", method, path, token, r.Status)
				}
			}
		}
	})

	t.Run("refusals", func(t *testing.T) {
		wantError(t, d.MustDo(t, "POST", "/v1/devices/pair", d.Token, []byte(`{"name":"phone"}`)),
			http.StatusConflict, wallet.ECONFLICT, "A device called phone is already paired; revoke it first with voicepay device revoke phone.")
		wantError(t, d.MustDo(t, "POST", "/v1/devices/revoke", d.Token, []byte(`{"name":"glasses"}`)),
			http.StatusBadRequest, wallet.EINVALID, "glasses is the device you are using")
		wantError(t, d.MustDo(t, "POST", "/v1/devices/revoke", d.Token, []byte(`{"name":"claude"}`)),
			http.StatusNotFound, wallet.ENOTFOUND, "claude is an agent")
		wantError(t, d.MustDo(t, "POST", "/v1/pair", "", []byte(`{"code":`)),
			http.StatusBadRequest, wallet.EINVALID, "malformed JSON")
		wantError(t, d.MustDo(t, "POST", "/v1/pair", "", []byte(`{}`)),
			http.StatusBadRequest, wallet.EINVALID, "Send the pairing code")
		wantError(t, d.MustDo(t, "POST", "/v1/pair", "", pairBody("nope")),
			http.StatusBadRequest, wallet.EINVALID, "A pairing code is 8 letters and digits")
	})

	t.Run("expired", func(t *testing.T) {
		pc := d.MustPairingCode(t, "watch")
		d.Clock.Advance(wallet.PairingTTL)
		wantError(t, d.MustDo(t, "POST", "/v1/pair", "", pairBody(pc.Code)),
			http.StatusUnprocessableEntity, wallet.EEXPIRED, "That pairing code has expired; run voicepay device pair watch again.")
	})

	t.Run("revoke", func(t *testing.T) {
		r := d.MustDo(t, "POST", "/v1/devices/revoke", d.Token, []byte(`{"name":"phone"}`))
		if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"revoked":"phone"`) {
			t.Fatalf("revoke: status %d: %s", r.Status, r.Body)
		}
		if r := d.MustDo(t, "GET", "/v1/wallet/balance", paired.Token, nil); r.Status != http.StatusUnauthorized {
			t.Errorf("balance with the revoked token: status %d, want 401", r.Status)
		}
		// Revoked, the name may be paired again.
		d.MustPairingCode(t, "phone")
	})
}

// TestPairRateLimit checks that wrong codes are limited across the server,
// whoever sends them, and that the limit lifts after its window.
func TestPairRateLimit(t *testing.T) {
	d := MustOpenDaemon(t)
	pc := d.MustPairingCode(t, "phone")
	for i := range 10 {
		r := d.MustDo(t, "POST", "/v1/pair", "", pairBody("ZZZZ-ZZZZ"))
		if r.Status != http.StatusUnauthorized {
			t.Fatalf("wrong code %d: status %d: %s", i+1, r.Status, r.Body)
		}
	}
	r := d.MustDo(t, "POST", "/v1/pair", "", pairBody(pc.Code))
	wantError(t, r, http.StatusTooManyRequests, wallet.ELOCKED, "Too many wrong pairing codes; try again in 1m0s.")
	if got := r.Header.Get("Retry-After"); got != "60" {
		t.Errorf("Retry-After %q, want 60", got)
	}
	d.Clock.Advance(time.Minute)
	if r := d.MustDo(t, "POST", "/v1/pair", "", pairBody(pc.Code)); r.Status != http.StatusOK {
		t.Fatalf("pair after the window: status %d: %s", r.Status, r.Body)
	}
	// A success takes no slot: nine more wrong codes still get an answer.
	for i := range 9 {
		if r := d.MustDo(t, "POST", "/v1/pair", "", pairBody("ZZZZ-ZZZZ")); r.Status != http.StatusUnauthorized {
			t.Fatalf("wrong code %d after a success: status %d: %s", i+1, r.Status, r.Body)
		}
	}
}

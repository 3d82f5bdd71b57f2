package wallet_test

import (
	"context"
	"strings"
	"testing"

	"github.com/voicepay/voicepay/wallet"
)

func TestDevices(t *testing.T) {
	ctx := context.Background()
	const pin = "1379"
	db := MustOpenDB(t, WithoutDevices())
	db.MustSetPIN(t, pin)

	glasses, err := db.AddDevice(ctx, "glasses", wallet.ScopeUser)
	if err != nil {
		t.Fatalf("add glasses: %v", err)
	}
	if !strings.HasPrefix(glasses, "vp_u_") {
		t.Errorf("user token %q, want the vp_u_ prefix", glasses)
	}
	agent, err := db.AddDevice(ctx, "claude-code", wallet.ScopeAgent)
	if err != nil {
		t.Fatalf("add agent: %v", err)
	}
	if !strings.HasPrefix(agent, "vp_a_") {
		t.Errorf("agent token %q, want the vp_a_ prefix", agent)
	}

	t.Run("authenticate", func(t *testing.T) {
		tests := []struct {
			token string
			id    string
			scope string
		}{
			{glasses, "glasses", wallet.ScopeUser},
			{agent, "claude-code", wallet.ScopeAgent},
		}
		for _, tt := range tests {
			d, err := db.Authenticate(ctx, tt.token)
			if err != nil {
				t.Fatalf("authenticate %s: %v", tt.id, err)
			}
			if d.ID != tt.id || d.Scope != tt.scope || d.Active {
				t.Errorf("got %s %s active=%v, want %s %s inactive", d.ID, d.Scope, d.Active, tt.id, tt.scope)
			}
			if strings.Contains(d.TokenHash, tt.token) {
				t.Errorf("the token is stored in the clear")
			}
		}
		for _, bad := range []string{"", "vp_u_", glasses + "x", strings.ToUpper(glasses)} {
			_, err := db.Authenticate(ctx, bad)
			WantErr(t, err, wallet.ErrUnauthorized)
		}
	})

	t.Run("invalid", func(t *testing.T) {
		tests := []struct{ id, scope string }{
			{"", wallet.ScopeUser},
			{"Glasses", wallet.ScopeUser},
			{"tok:x", wallet.ScopeUser},
			{"id:x", wallet.ScopeUser},
			{strings.Repeat("a", 65), wallet.ScopeUser},
			{"phone", "admin"},
			{"phone", ""},
		}
		for _, tt := range tests {
			_, err := db.AddDevice(ctx, tt.id, tt.scope)
			WantErr(t, err, wallet.ErrInvalid)
		}
	})

	t.Run("activate", func(t *testing.T) {
		WantErr(t, db.ActivateDevice(ctx, "glasses", "0000"), wallet.ErrBadPIN)
		if err := db.ActivateDevice(ctx, "glasses", pin); err != nil {
			t.Fatalf("activate: %v", err)
		}
		d, err := db.Authenticate(ctx, glasses)
		if err != nil || !d.Active || !d.ActivatedAt.Equal(Noon) {
			t.Errorf("after activation: %+v, %v, want active since %s", d, err, Noon)
		}
		// An agent can never enable payments, not even with the PIN.
		WantErr(t, db.ActivateDevice(ctx, "claude-code", pin), wallet.ErrUnauthorized)
		if d, _ := db.Device(ctx, "claude-code"); d.Active {
			t.Error("the agent is active")
		}
		WantErr(t, db.ActivateDevice(ctx, "nobody", pin), wallet.ErrNotFound)
		if err := db.DeactivateDevice(ctx, "glasses"); err != nil {
			t.Fatal(err)
		}
		if d, _ := db.Device(ctx, "glasses"); d.Active {
			t.Error("still active after deactivation")
		}
		if err := db.ActivateDevice(ctx, "glasses", pin); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("pair again", func(t *testing.T) {
		_, err := db.AddDevice(ctx, "glasses", wallet.ScopeUser)
		WantErr(t, err, wallet.ErrDevicePaired)
		again, err := db.ReplaceDevice(ctx, "glasses", wallet.ScopeUser)
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.Authenticate(ctx, glasses)
		WantErr(t, err, wallet.ErrUnauthorized)
		d, err := db.Authenticate(ctx, again)
		if err != nil {
			t.Fatalf("new token: %v", err)
		}
		if d.Active {
			t.Error("pairing again keeps the device active")
		}
		glasses = again
	})

	t.Run("list", func(t *testing.T) {
		devices, err := db.Devices(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range devices {
			got = append(got, d.ID+"/"+d.Scope)
		}
		if want := "claude-code/agent glasses/user"; strings.Join(got, " ") != want {
			t.Errorf("devices %q, want %q", got, want)
		}
	})

	t.Run("survives restart", func(t *testing.T) {
		db = db.MustReopen()
		if _, err := db.Authenticate(ctx, glasses); err != nil {
			t.Errorf("authenticate after restart: %v", err)
		}
	})

	t.Run("revoke", func(t *testing.T) {
		if err := db.RevokeDevice(ctx, "glasses"); err != nil {
			t.Fatalf("revoke: %v", err)
		}
		_, err := db.Authenticate(ctx, glasses)
		WantErr(t, err, wallet.ErrUnauthorized)
		_, err = db.Device(ctx, "glasses")
		WantErr(t, err, wallet.ErrNotFound)
		WantErr(t, db.RevokeDevice(ctx, "glasses"), wallet.ErrNotFound)
		if _, err := db.Authenticate(ctx, agent); err != nil {
			t.Errorf("revoking one device revoked another: %v", err)
		}
	})
}

func TestSessionSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	type dialog struct {
		State string `json:"state"`
		Order uint64 `json:"order"`
	}
	db := MustOpenDB(t)
	want := map[string]dialog{
		"glasses": {"confirmed", 7},
		"cli":     {"idle", 0},
	}
	for dev, st := range want {
		if err := db.SaveSession(ctx, dev, st); err != nil {
			t.Fatalf("save %s: %v", dev, err)
		}
	}
	// The last save wins.
	if err := db.SaveSession(ctx, "cli", dialog{"drafted", 3}); err != nil {
		t.Fatal(err)
	}
	want["cli"] = dialog{"drafted", 3}

	db = db.MustReopen()
	for dev, w := range want {
		var got dialog
		ok, err := db.LoadSession(ctx, dev, &got)
		if err != nil || !ok {
			t.Fatalf("load %s: %v, %v", dev, ok, err)
		}
		if got != w {
			t.Errorf("%s: got %+v, want %+v", dev, got, w)
		}
	}
	var none dialog
	if ok, err := db.LoadSession(ctx, "phone", &none); ok || err != nil {
		t.Errorf("load of a device without a session: %v, %v, want false, nil", ok, err)
	}
}

// TestAuthorizeNeedsActiveUserDevice checks that only a paired user device
// with payments enabled can authorize: not an unknown one, not an agent, and
// not one whose payments were disabled.
func TestAuthorizeNeedsActiveUserDevice(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	db.MustTopup(t, 10000)
	if _, err := db.AddDevice(ctx, "claude-code", wallet.ScopeAgent); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddDevice(ctx, "watch", wallet.ScopeUser); err != nil {
		t.Fatal(err)
	}
	o := db.MustConfirm(t, db.MustCreate(t, Lattes(1)).ID)
	for _, device := range []string{"", "nobody", "claude-code", "watch"} {
		t.Run(device, func(t *testing.T) {
			_, err := db.AuthorizeOrder(ctx, Key("authorize"), o.ID, wallet.Authorization{Device: device, Method: "session"})
			WantErr(t, err, wallet.ErrUnauthorized)
		})
	}
	if err := db.DeactivateDevice(ctx, "glasses"); err != nil {
		t.Fatal(err)
	}
	_, err := db.AuthorizeOrder(ctx, Key("authorize"), o.ID, wallet.Authorization{Device: "glasses", Method: "session"})
	WantErr(t, err, wallet.ErrUnauthorized)
	if got := db.MustOrder(t, o.ID).State; got != wallet.Confirmed {
		t.Errorf("order is %s after refused authorizations, want confirmed", got)
	}
	db.MustAuthorize(t, o.ID)
}

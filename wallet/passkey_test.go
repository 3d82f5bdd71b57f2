package wallet_test

import (
	"context"
	"errors"
	"testing"

	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/voicepay/voicepay/wallet"
)

// mustAddPasskey registers a credential with the given id and counter.
func mustAddPasskey(tb testing.TB, db *DB, id string, count uint32) *wallet.Passkey {
	tb.Helper()
	c := webauthn.Credential{ID: []byte(id), PublicKey: []byte("public key of " + id),
		Authenticator: webauthn.Authenticator{SignCount: count, AAGUID: make([]byte, 16)}}
	p, err := db.AddPasskey(context.Background(), "phone", c)
	if err != nil {
		tb.Fatalf("add passkey: %v", err)
	}
	return p
}

func TestPasskey_UseCountsForward(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	p := mustAddPasskey(t, db, "cred-1", 3)
	if p.ID != wallet.PasskeyID([]byte("cred-1")) || p.Name != "phone" {
		t.Fatalf("registered %+v", p)
	}
	use := wallet.PasskeyUse{CredentialID: []byte("cred-1"), SignCount: 4, Purpose: wallet.PurposeActivation, Device: "glasses"}
	if _, err := db.UsePasskey(ctx, use); err != nil {
		t.Fatalf("use with a higher count: %v", err)
	}
	for _, count := range []uint32{4, 2, 0} {
		use.SignCount = count
		if _, err := db.UsePasskey(ctx, use); !errors.Is(err, wallet.ErrPasskeyClone) {
			t.Errorf("use with count %d after 4: got %v, want %v", count, err, wallet.ErrPasskeyClone)
		}
	}
	list, err := db.Passkeys(ctx)
	if err != nil || len(list) != 1 || list[0].Credential.Authenticator.SignCount != 4 || list[0].LastUsed.IsZero() {
		t.Fatalf("passkeys after use: %+v, %v", list, err)
	}
}

func TestPasskey_Revoke(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	if err := db.SetSpokenPIN(ctx, false); !errors.Is(err, wallet.ErrNoPasskey) {
		t.Fatalf("spoken PIN off without a passkey: got %v, want %v", err, wallet.ErrNoPasskey)
	}
	p := mustAddPasskey(t, db, "cred-1", 0)
	if err := db.SetSpokenPIN(ctx, false); err != nil {
		t.Fatalf("spoken PIN off: %v", err)
	}
	if on, err := db.SpokenPIN(ctx); err != nil || on {
		t.Fatalf("SpokenPIN = %v, %v; want off", on, err)
	}
	if err := db.RevokePasskey(ctx, p.ID); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	use := wallet.PasskeyUse{CredentialID: []byte("cred-1"), SignCount: 0, Purpose: wallet.PurposeUnfreeze, Device: "glasses"}
	if _, err := db.UsePasskey(ctx, use); !errors.Is(err, wallet.ErrPasskeyRevoked) {
		t.Errorf("use revoked: got %v, want %v", err, wallet.ErrPasskeyRevoked)
	}
	if on, err := db.SpokenPIN(ctx); err != nil || !on {
		t.Errorf("SpokenPIN after the last passkey was revoked = %v, %v; want on", on, err)
	}
	if ok, err := db.HasPasskey(ctx); err != nil || ok {
		t.Errorf("HasPasskey after revoking = %v, %v", ok, err)
	}
}

func TestPasskey_StepUpBindsTheOrder(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t, WithScreen(NewFixedScreen(wallet.ActionStepUp)))
	db.MustTopup(t, 100000)
	mustAddPasskey(t, db, "cred-1", 0)
	a := db.MustConfirm(t, db.MustCreate(t, Lattes(1)).ID)
	b := db.MustConfirm(t, db.MustCreate(t, Lattes(2)).ID)
	use := wallet.PasskeyUse{CredentialID: []byte("cred-1"), SignCount: 1, Purpose: wallet.PurposePayment,
		Device: "glasses", Subject: b.Hash()}
	proof, err := db.UsePasskey(ctx, use)
	if err != nil {
		t.Fatal(err)
	}
	auth := wallet.Authorization{Device: "glasses", Method: "session", Passkey: proof}
	if _, err := db.AuthorizeOrder(ctx, Key("pay"), a.ID, auth); !errors.Is(err, wallet.ErrUnauthorized) {
		t.Errorf("pay order %d with a passkey bound to order %d: got %v, want %v", a.ID, b.ID, err, wallet.ErrUnauthorized)
	}
	forged := &wallet.PasskeyProof{Credential: proof.Credential, Purpose: wallet.PurposePayment, Device: "glasses",
		Subject: a.Hash(), At: proof.At}
	auth.Passkey = forged
	if _, err := db.AuthorizeOrder(ctx, Key("pay"), a.ID, auth); !errors.Is(err, wallet.ErrUnauthorized) {
		t.Errorf("pay with a proof the wallet did not issue: got %v, want %v", err, wallet.ErrUnauthorized)
	}
	auth.Passkey = proof
	paid, err := db.AuthorizeOrder(ctx, Key("pay"), b.ID, auth)
	if err != nil {
		t.Fatalf("pay the bound order: %v", err)
	}
	if got := paid.Receipt.Method; got != "passkey" {
		t.Errorf("receipt method = %q, want passkey", got)
	}
}

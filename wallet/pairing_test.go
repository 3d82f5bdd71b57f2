package wallet_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/voicepay/voicepay/wallet"
)

var codeFormat = regexp.MustCompile(`^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$`)

// MustPairingCode issues a pairing code for name.
func (db *DB) MustPairingCode(tb testing.TB, name string) string {
	tb.Helper()
	code, expires, err := db.NewPairingCode(context.Background(), name)
	if err != nil {
		tb.Fatalf("pairing code for %s: %v", name, err)
	}
	if !codeFormat.MatchString(code) {
		tb.Errorf("code %q, want 8 symbols grouped by a dash", code)
	}
	if want := db.Clock.Now().Add(wallet.PairingTTL); !expires.Equal(want) {
		tb.Errorf("expires %s, want %s", expires, want)
	}
	return code
}

func TestPairingCode(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	code := db.MustPairingCode(t, "phone")

	// Typed by a person: lower case, without the dash, with spaces.
	typed := " " + strings.ToLower(strings.ReplaceAll(code, "-", "")) + " "
	d, token, err := db.ExchangePairingCode(ctx, typed)
	if err != nil {
		t.Fatalf("exchange %q: %v", typed, err)
	}
	if d.ID != "phone" || d.Scope != wallet.ScopeUser || d.Active || !d.Created.Equal(Noon) {
		t.Errorf("device %+v, want an inactive user device phone created at noon", d)
	}
	if !strings.HasPrefix(token, "vp_u_") {
		t.Errorf("token %q, want the vp_u_ prefix", token)
	}
	got, err := db.Authenticate(ctx, token)
	if err != nil || got.ID != "phone" {
		t.Fatalf("authenticate the new token: %+v, %v", got, err)
	}

	t.Run("used twice", func(t *testing.T) {
		for _, c := range []string{code, typed} {
			_, _, err := db.ExchangePairingCode(ctx, c)
			WantErr(t, err, wallet.ErrPairingCodeUsed)
			if got := wallet.AsError(err).Message; got != "That pairing code was already used." {
				t.Errorf("message %q", got)
			}
		}
	})

	t.Run("name taken", func(t *testing.T) {
		for _, name := range []string{"phone", "cli"} {
			_, _, err := db.NewPairingCode(ctx, name)
			WantErr(t, err, wallet.ErrDevicePaired)
			want := "A device called " + name + " is already paired; revoke it first with voicepay device revoke " + name + "."
			if got := wallet.AsError(err).Message; got != want {
				t.Errorf("message %q, want %q", got, want)
			}
		}
		if _, err := db.AddDevice(ctx, "claude", wallet.ScopeAgent); err != nil {
			t.Fatal(err)
		}
		_, _, err := db.NewPairingCode(ctx, "claude")
		if got := wallet.AsError(err).Message; !strings.Contains(got, "voicepay agent revoke claude") {
			t.Errorf("message %q, want it to name voicepay agent revoke", got)
		}
	})

	t.Run("invalid", func(t *testing.T) {
		for _, c := range []string{"", "K7QM-3XP", "K7QM-3XPDX", "K7QM-3XP0", "K7QM_3XPD", "ÄÄÄÄ-ÄÄÄÄ"} {
			_, _, err := db.ExchangePairingCode(ctx, c)
			WantErr(t, err, wallet.ErrInvalid)
		}
		for _, name := range []string{"", "Glasses", "tok:x", strings.Repeat("a", 65)} {
			_, _, err := db.NewPairingCode(ctx, name)
			WantErr(t, err, wallet.ErrInvalid)
		}
	})

	t.Run("unknown", func(t *testing.T) {
		_, _, err := db.ExchangePairingCode(ctx, "ABCD-EFGH")
		WantErr(t, err, wallet.ErrPairingCodeUnknown)
	})

	t.Run("revoked token refused", func(t *testing.T) {
		if err := db.RevokeUserDevice(ctx, "phone", "cli"); err != nil {
			t.Fatalf("revoke: %v", err)
		}
		_, err := db.Authenticate(ctx, token)
		WantErr(t, err, wallet.ErrUnauthorized)
		// Revoked, the name may be paired again.
		code := db.MustPairingCode(t, "phone")
		if _, again, err := db.ExchangePairingCode(ctx, code); err != nil || again == token {
			t.Fatalf("pair phone again: %v", err)
		}
	})
}

func TestPairingCodeExpires(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	code := db.MustPairingCode(t, "phone")
	db.Clock.Advance(wallet.PairingTTL - time.Second)
	late := db.MustPairingCode(t, "watch")
	db.Clock.Advance(time.Second)

	_, _, err := db.ExchangePairingCode(ctx, code)
	WantErr(t, err, wallet.ErrPairingCodeExpired)
	want := "That pairing code has expired; run voicepay device pair phone again."
	if got := wallet.AsError(err); got.Code != wallet.EEXPIRED || got.Message != want {
		t.Errorf("got %s %q, want %s %q", got.Code, got.Message, wallet.EEXPIRED, want)
	}
	if _, err := db.Device(ctx, "phone"); !errors.Is(err, wallet.ErrNotFound) {
		t.Errorf("an expired code paired phone: %v", err)
	}
	// The code issued later still works.
	if _, _, err := db.ExchangePairingCode(ctx, late); err != nil {
		t.Errorf("exchange the later code: %v", err)
	}

	// Issuing a code sweeps the expired ones: the old code is now unknown.
	db.MustPairingCode(t, "phone")
	_, _, err = db.ExchangePairingCode(ctx, code)
	WantErr(t, err, wallet.ErrPairingCodeUnknown)
}

func TestPairingCodeReplaced(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	first := db.MustPairingCode(t, "phone")
	second := db.MustPairingCode(t, "phone")
	_, _, err := db.ExchangePairingCode(ctx, first)
	WantErr(t, err, wallet.ErrPairingCodeUnknown)
	if _, _, err := db.ExchangePairingCode(ctx, second); err != nil {
		t.Fatalf("exchange the new code: %v", err)
	}
}

// TestPairingCodeOnce exchanges one code from many goroutines at once:
// exactly one gets a token.
func TestPairingCodeOnce(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	code := db.MustPairingCode(t, "phone")
	const n = 12
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		tokens []string
		errs   = map[string]int{}
	)
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, token, err := db.ExchangePairingCode(ctx, code)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs[wallet.AsError(err).Message]++
				return
			}
			tokens = append(tokens, token)
		}()
	}
	close(start)
	wg.Wait()
	if len(tokens) != 1 || errs[wallet.ErrPairingCodeUsed.Message] != n-1 {
		t.Fatalf("%d exchanges succeeded, refusals %v; want 1 and %d used", len(tokens), errs, n-1)
	}
	if d, err := db.Authenticate(ctx, tokens[0]); err != nil || d.ID != "phone" {
		t.Errorf("the winner's token: %+v, %v", d, err)
	}
	paired := 0
	for _, e := range db.MustAudit(t) {
		if e.Kind == "device" && bytes.Contains(e.Data, []byte(`"device":"phone"`)) &&
			bytes.Contains(e.Data, []byte(`"event":"paired"`)) {
			paired++
		}
	}
	if paired != 1 {
		t.Errorf("%d pairings of phone on the audit chain, want 1", paired)
	}
}

// TestPairingCodeHashed checks that the ledger file never holds a code as
// issued or as typed.
func TestPairingCodeHashed(t *testing.T) {
	db := MustOpenDB(t)
	code := db.MustPairingCode(t, "phone")
	raw, err := os.ReadFile(db.Path)
	if err != nil {
		t.Fatal(err)
	}
	bare := strings.ReplaceAll(code, "-", "")
	for _, s := range []string{code, bare, strings.ToLower(bare)} {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("the wallet file holds the code %q", s)
		}
	}
	if !bytes.Contains(raw, []byte(`"device":"phone"`)) {
		t.Error("the pending code is not in the file at all: the test reads the wrong file")
	}
}

func TestRevokeUserDevice(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	if _, err := db.AddDevice(ctx, "claude", wallet.ScopeAgent); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, by, code, msg string
	}{
		{"cli", "cli", wallet.EINVALID, "cli is the device you are using; revoke it from another of your devices."},
		{"nobody", "cli", wallet.ENOTFOUND, "There is no device called nobody."},
		{"claude", "cli", wallet.ENOTFOUND, "There is no device called claude; claude is an agent: voicepay agent revoke claude."},
		{"glasses", "cli", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := db.RevokeUserDevice(ctx, tt.name, tt.by)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("revoke: %v", err)
				}
				return
			}
			if got := wallet.AsError(err); got.Code != tt.code || got.Message != tt.msg {
				t.Errorf("got %s %q, want %s %q", got.Code, got.Message, tt.code, tt.msg)
			}
		})
	}
	list, err := db.UserDevices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range list {
		got = append(got, d.ID)
	}
	if want := "cli"; strings.Join(got, " ") != want {
		t.Errorf("user devices %q, want %q", got, want)
	}
}

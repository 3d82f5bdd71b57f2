package ws_test

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/voicepay/voicepay/agent/internal/agenttest"
	"github.com/voicepay/voicepay/wallet"
)

// TestUnfreezeFloodWhileLocked fires 64 unfreeze requests at once while PIN
// verification is locked: each is refused as locked without hashing the
// PIN, so the flood costs no argon2id memory, and /healthz keeps answering.
func TestUnfreezeFloodWhileLocked(t *testing.T) {
	var hashes atomic.Int64
	d := MustOpenDaemonWith(t, func(h *agenttest.Hub) { h.DB.OnPINHash = func() { hashes.Add(1) } })
	wrong := []byte(`{"pin":"` + agenttest.WrongPIN + `"}`)
	for i := range 5 {
		d.MustDo(t, "POST", "/v1/wallet/unfreeze", d.Token, wrong)
		if got := hashes.Load(); got != int64(i+1) {
			t.Fatalf("after %d wrong PINs, %d hashes", i+1, got)
		}
	}
	hashes.Store(0)

	const flood = 64
	var wg sync.WaitGroup
	resps := make([]Response, flood)
	for i := range flood {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resps[i] = d.MustDo(t, "POST", "/v1/wallet/unfreeze", d.Token, wrong)
		}()
	}
	var lat []time.Duration
	for range 40 {
		start := time.Now()
		if r := d.MustDo(t, "GET", "/healthz", "", nil); r.Status != http.StatusOK {
			t.Errorf("healthz: status %d", r.Status)
		}
		lat = append(lat, time.Since(start))
	}
	wg.Wait()
	slices.Sort(lat)
	p95 := lat[len(lat)*95/100]
	t.Logf("/healthz during the flood: p50 %v, p95 %v", lat[len(lat)/2], p95)
	for i, r := range resps {
		if r.Status != http.StatusTooManyRequests || r.Code() != wallet.ELOCKED {
			t.Errorf("request %d: status %d %s, want 429 locked", i, r.Status, r.Body)
		}
	}
	if got := hashes.Load(); got != 0 {
		t.Errorf("%d argon2id hashes while locked, want none", got)
	}
	if p95 > 250*time.Millisecond {
		t.Errorf("/healthz p95 %v during the flood, want under 250ms", p95)
	}
}

// TestUnfreezeMalformedPIN: a PIN that is not 4 to 12 digits is refused as
// invalid, without hashing and without counting toward the lockout, so that
// it cannot lock the person out; the right PIN still works after many.
func TestUnfreezeMalformedPIN(t *testing.T) {
	var hashes atomic.Int64
	d := MustOpenDaemonWith(t, func(h *agenttest.Hub) { h.DB.OnPINHash = func() { hashes.Add(1) } })
	for i, pin := range []string{"", "", "", "", "", "abcd", "12", "1234567890123", "12 34", "", ""} {
		r := d.MustDo(t, "POST", "/v1/wallet/unfreeze", d.Token, []byte(fmt.Sprintf(`{"pin":%q}`, pin)))
		if r.Status != http.StatusBadRequest || r.Code() != wallet.EINVALID {
			t.Errorf("%d: PIN %q: status %d %s, want 400 invalid", i, pin, r.Status, r.Body)
		}
	}
	if got := hashes.Load(); got != 0 {
		t.Errorf("%d hashes of malformed PINs, want none", got)
	}
	r := d.MustDo(t, "POST", "/v1/wallet/unfreeze", d.Token, []byte(`{"pin":"`+agenttest.PIN+`"}`))
	if r.Status != http.StatusOK {
		t.Errorf("right PIN after malformed ones: status %d %s", r.Status, r.Body)
	}
}

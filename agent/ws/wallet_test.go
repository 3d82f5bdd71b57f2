package ws_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/internal/agenttest"
	"github.com/voicepay/voicepay/agent/ws"
	"github.com/voicepay/voicepay/wallet"
)

func mustJSON(t *testing.T, r Response, v any) {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("content type %q, want application/json", ct)
	}
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("body %s: %v", r.Body, err)
	}
}

func TestBalance(t *testing.T) {
	d := MustOpenDaemon(t)
	c := d.MustDial(t, d.Token)
	c.Enable("e")
	c.Say("t1", "buy two lattes", agent.StateDrafted, "")
	c.Say("t2", "confirm the order", agent.StateConfirmed, "")

	r := d.MustDo(t, "GET", "/v1/wallet/balance", d.Token, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	var got ws.Balance
	mustJSON(t, r, &got)
	if want := (ws.Balance{Balance: Opening, Available: Opening - 3600, Held: 3600, Currency: "CNY"}); got != want {
		t.Errorf("balance %+v, want %+v", got, want)
	}
}

func TestHistory(t *testing.T) {
	d := MustOpenDaemon(t)
	d.MustTopup(500)
	d.MustTopup(700)
	for _, tt := range []struct {
		query string
		want  []int64
	}{
		{"", []int64{700, 500, Opening}},
		{"?limit=2", []int64{700, 500}},
		{"?limit=1000", []int64{700, 500, Opening}},
	} {
		t.Run(tt.query, func(t *testing.T) {
			r := d.MustDo(t, "GET", "/v1/wallet/history"+tt.query, d.Token, nil)
			if r.Status != http.StatusOK {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			var body struct{ Transfers []wallet.Transfer }
			mustJSON(t, r, &body)
			var got []int64
			for _, tr := range body.Transfers {
				got = append(got, tr.Amount)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("amounts %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("amounts %v, want %v (newest first)", got, tt.want)
					break
				}
			}
		})
	}
}

// TestHistoryPaging pages through 2500 transfers 1000 at a time: every
// transfer comes exactly once, newest first, and the last page has no next
// cursor. A limit outside 1..1000, or a cursor that is not one, is refused.
func TestHistoryPaging(t *testing.T) {
	d := MustOpenDaemon(t)
	const n = 2500 // with the opening top-up, n+1 transfers
	var wg sync.WaitGroup
	for w := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 10 {
				if _, err := d.DB.Topup(t.Context(), fmt.Sprintf("page-%d", i), 1); err != nil {
					t.Errorf("top up %d: %v", i, err)
					return
				}
			}
		}()
	}
	wg.Wait()

	var ids []uint64
	pages, query := 0, "?limit=1000"
	for {
		r := d.MustDo(t, "GET", "/v1/wallet/history"+query, d.Token, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("%s: status %d: %s", query, r.Status, r.Body)
		}
		var body struct {
			Transfers []wallet.Transfer
			Next      *string
		}
		mustJSON(t, r, &body)
		pages++
		for _, tr := range body.Transfers {
			ids = append(ids, tr.ID)
		}
		if body.Next == nil {
			break
		}
		if pages > 5 {
			t.Fatalf("still a next cursor after %d pages", pages)
		}
		query = "?limit=1000&before=" + *body.Next
	}
	if pages != 3 || len(ids) != n+1 {
		t.Fatalf("%d transfers in %d pages, want %d in 3", len(ids), pages, n+1)
	}
	for i, id := range ids {
		if want := uint64(n + 1 - i); id != want {
			t.Fatalf("transfer %d has id %d, want %d: every id once, newest first", i, id, want)
		}
	}

	for _, q := range []string{"?limit=1001", "?limit=5000", "?limit=-1", "?limit=0", "?limit=abc",
		"?limit=", "?before=abc", "?before=-3", "?before=0"} {
		r := d.MustDo(t, "GET", "/v1/wallet/history"+q, d.Token, nil)
		if r.Status != http.StatusBadRequest || r.Code() != wallet.EINVALID {
			t.Errorf("%s: status %d %s, want 400 invalid", q, r.Status, r.Body)
		}
	}
}

// TestTopup tops up by API: the same key twice moves money once, and the
// same key for another amount is a conflict.
func TestTopup(t *testing.T) {
	d := MustOpenDaemon(t)
	post := func(body string) Response {
		return d.MustDo(t, "POST", "/v1/wallet/topup", d.Token, []byte(body))
	}
	r := post(`{"amount":5000,"key":"k1"}`)
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	var first struct {
		Transfer wallet.Transfer
		Balance  ws.Balance
	}
	mustJSON(t, r, &first)
	if first.Transfer.Amount != 5000 || first.Transfer.Credit != wallet.UserAccount || first.Balance.Balance != Opening+5000 {
		t.Errorf("top-up answer %+v", first)
	}

	r = post(`{"amount":5000,"key":"k1"}`)
	var again struct {
		Transfer wallet.Transfer
		Balance  ws.Balance
	}
	mustJSON(t, r, &again)
	if r.Status != http.StatusOK || again.Transfer.ID != first.Transfer.ID || again.Balance.Balance != Opening+5000 {
		t.Errorf("repeated top-up: status %d, %+v; want the first transfer and balance", r.Status, again)
	}

	tests := []struct {
		name, body string
		status     int
		code       string
	}{
		{"conflict", `{"amount":6000,"key":"k1"}`, http.StatusConflict, wallet.ECONFLICT},
		{"no key", `{"amount":6000}`, http.StatusBadRequest, wallet.EINVALID},
		{"zero", `{"amount":0,"key":"k2"}`, http.StatusBadRequest, wallet.EINVALID},
		{"negative", `{"amount":-5,"key":"k3"}`, http.StatusBadRequest, wallet.EINVALID},
		{"float", `{"amount":50.5,"key":"k4"}`, http.StatusBadRequest, wallet.EINVALID},
		{"string amount", `{"amount":"50","key":"k5"}`, http.StatusBadRequest, wallet.EINVALID},
		{"overflow", `{"amount":9223372036854775807,"key":"k6"}`, http.StatusBadRequest, wallet.EINVALID},
		{"malformed", `{"amount":5000,`, http.StatusBadRequest, wallet.EINVALID},
		{"not an object", `[5000]`, http.StatusBadRequest, wallet.EINVALID},
		{"unknown field", `{"amount":5000,"key":"k7","to":"me"}`, http.StatusBadRequest, wallet.EINVALID},
		{"empty", ``, http.StatusBadRequest, wallet.EINVALID},
		{"two objects", `{"amount":5000,"key":"k8"}{"amount":900000,"key":"k9"}`, http.StatusBadRequest, wallet.EINVALID},
		{"trailing garbage", `{"amount":5000,"key":"k10"} and more`, http.StatusBadRequest, wallet.EINVALID},
		{"too large", `{"amount":5000,"key":"` + strings.Repeat("k", 64<<10) + `"}`, http.StatusBadRequest, wallet.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := post(tt.body)
			if r.Status != tt.status || r.Code() != tt.code {
				t.Errorf("status %d code %q (%s), want %d %q", r.Status, r.Code(), r.Body, tt.status, tt.code)
			}
		})
	}
	if got := d.Balance(); got != Opening+5000 {
		t.Errorf("balance %d, want %d", got, Opening+5000)
	}
}

// TestAPIAuth needs a user's token for every wallet request.
func TestAPIAuth(t *testing.T) {
	d := MustOpenDaemon(t)
	requests := []struct{ method, path, body string }{
		{"GET", "/v1/wallet/balance", ""},
		{"GET", "/v1/wallet/history", ""},
		{"POST", "/v1/wallet/topup", `{"amount":100,"key":"a"}`},
		{"POST", "/v1/wallet/unfreeze", `{"pin":"2468"}`},
		{"GET", "/v1/audit/verify", ""},
	}
	for _, req := range requests {
		for _, who := range []struct{ name, token string }{{"no token", ""}, {"wrong token", "vp_u_nope"}, {"agent", d.AgentToken}} {
			t.Run(req.path+"/"+who.name, func(t *testing.T) {
				var body []byte
				if req.body != "" {
					body = []byte(req.body)
				}
				r := d.MustDo(t, req.method, req.path, who.token, body)
				if r.Status != http.StatusUnauthorized || r.Code() != wallet.EUNAUTHORIZED {
					t.Errorf("status %d code %q, want 401 unauthorized", r.Status, r.Code())
				}
			})
		}
	}
	if got := d.Balance(); got != Opening {
		t.Errorf("balance %d, want %d", got, Opening)
	}
}

func TestUnfreeze(t *testing.T) {
	d := MustOpenDaemon(t)
	c := d.MustDial(t, d.Token)
	c.Enable("e")
	c.Say("f", "freeze my wallet", agent.StateIdle, "")
	var b ws.Balance
	mustJSON(t, d.MustDo(t, "GET", "/v1/wallet/balance", d.Token, nil), &b)
	if !b.Frozen {
		t.Errorf("balance %+v, want frozen", b)
	}
	r := d.MustDo(t, "POST", "/v1/wallet/unfreeze", d.Token, []byte(`{"pin":"`+agenttest.WrongPIN+`"}`))
	if r.Status != http.StatusForbidden || r.Code() != wallet.EWRONGPIN {
		t.Errorf("wrong PIN: status %d code %q, want 403 wrong_pin", r.Status, r.Code())
	}
	r = d.MustDo(t, "POST", "/v1/wallet/unfreeze", d.Token, []byte(`{"pin":"`+agenttest.PIN+`"}`))
	if r.Status != http.StatusOK || string(r.Body) != "{\"status\":\"unfrozen\"}\n" {
		t.Errorf("unfreeze: status %d body %s", r.Status, r.Body)
	}
	c.Say("t1", "buy a latte", agent.StateDrafted, "")
	c.Say("t2", "confirm the order", agent.StateConfirmed, "")
}

func TestVerify(t *testing.T) {
	d := MustOpenDaemon(t)
	r := d.MustDo(t, "GET", "/v1/audit/verify", d.Token, nil)
	var rep wallet.AuditReport
	mustJSON(t, r, &rep)
	if r.Status != http.StatusOK || !rep.OK() || rep.Entries == 0 || rep.Balances[wallet.UserAccount] != Opening {
		t.Errorf("status %d report %+v", r.Status, rep)
	}
}

func TestHealthz(t *testing.T) {
	d := MustOpenDaemon(t)
	r := d.MustDo(t, "GET", "/healthz", "", nil)
	if r.Status != http.StatusOK || string(r.Body) != "{\"status\":\"ok\"}\n" {
		t.Errorf("status %d body %s", r.Status, r.Body)
	}
	if r := d.MustDo(t, "POST", "/healthz", "", nil); r.Status != http.StatusMethodNotAllowed {
		t.Errorf("POST /healthz: status %d, want 405", r.Status)
	}
}

func TestMetrics(t *testing.T) {
	d := MustOpenDaemon(t)
	c := d.MustDial(t, d.Token)
	c.Enable("e")
	c.Say("t1", "buy a latte", agent.StateDrafted, "")
	c.Say("t2", "confirm the order", agent.StateConfirmed, "")
	c.Say("t3", "pay", agent.StateIdle, "")
	c.Say("t4", "pay", agent.StateIdle, wallet.ENOORDER)

	r := d.MustDo(t, "GET", "/metrics", "", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("status %d", r.Status)
	}
	for _, want := range []string{
		`voicepay_turns_total{intent="order.create",outcome="ok"} 1`,
		`voicepay_turns_total{intent="payment.authorize",outcome="ok"} 1`,
		`voicepay_turns_total{intent="payment.authorize",outcome="no_order"} 1`,
		`voicepay_turns_total{intent="payment.enable",outcome="ok"} 1`,
		`voicepay_payments_total{status="paid"} 1`,
		`voicepay_risk_decisions_total{action="allow"} 1`,
		`voicepay_turn_seconds_count{intent="order.confirm"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(string(r.Body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

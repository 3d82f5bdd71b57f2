package ws_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/wallet"
)

var metered = agent.SubscriptionProposal{Payee: "acme_cloud", Note: "GPU time", Unit: "use",
	UnitPrice: 50, Cap: 300, Period: 24 * time.Hour}

type mandatesBody struct {
	Mandates []agent.Mandate `json:"mandates"`
	Mandate  *agent.Mandate  `json:"mandate"`
}

func (d *Daemon) mustMandates(t *testing.T, method, path, body string) mandatesBody {
	t.Helper()
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	resp := d.MustDo(t, method, path, d.Token, b)
	if resp.Status != http.StatusOK {
		t.Fatalf("%s %s: %d %s", method, path, resp.Status, resp.Body)
	}
	var out mandatesBody
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		t.Fatalf("%s %s: %v in %s", method, path, err, resp.Body)
	}
	return out
}

// TestMandatesAPI lists the tips and subscriptions waiting or approved, with
// what is left of each cap, and ends them: a waiting one is declined, an
// approved one revoked, and the agent can charge nothing more.
func TestMandatesAPI(t *testing.T) {
	d := MustOpenDaemon(t)
	ctx := context.Background()
	if got := d.mustMandates(t, "GET", "/v1/mandates", ""); got.Mandates == nil || len(got.Mandates) != 0 {
		t.Fatalf("no mandates: %+v, want an empty list", got)
	}
	sub, err := d.ProposeSubscription(ctx, "claude", "k1", metered)
	if err != nil {
		t.Fatal(err)
	}
	tip, _, err := d.RequestTip(ctx, "claude", "k2", agent.TipRequest{Payee: "claude_dev", Amount: 500})
	if err != nil {
		t.Fatal(err)
	}
	c := d.MustDial(t, d.Token)
	c.Enable("e")
	c.Say("t1", "approve the subscription", agent.StateIdle, "")
	if _, _, err := d.RecordUsage(ctx, "claude", "u1", sub.ID, 2); err != nil {
		t.Fatal(err)
	}
	got := d.mustMandates(t, "GET", "/v1/mandates", "").Mandates
	if len(got) != 2 || got[0].ID != sub.ID || got[0].State != "active" || got[0].Spent != 100 || got[0].Remaining != 200 ||
		got[1].ID != tip.ID || got[1].State != "proposed" || got[1].Kind != "tip" {
		t.Fatalf("mandates %+v", got)
	}

	for _, c := range []struct {
		name  string
		id    uint64
		state string
	}{
		{"approved is revoked", sub.ID, "revoked"},
		{"again answers the same", sub.ID, "revoked"},
		{"waiting is declined", tip.ID, "declined"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := d.mustMandates(t, "POST", "/v1/mandates/revoke", `{"id":`+jsonID(c.id)+`}`).Mandate
			if m == nil || m.ID != c.id || m.State != c.state || m.Remaining != 0 {
				t.Errorf("revoked %+v, want state %s", m, c.state)
			}
		})
	}
	if _, _, err := d.RecordUsage(ctx, "claude", "u2", sub.ID, 1); err == nil {
		t.Errorf("a charge under a revoked subscription went through")
	}
	if got := d.mustMandates(t, "GET", "/v1/mandates", "").Mandates; len(got) != 0 {
		t.Errorf("after revoking: %+v, want none", got)
	}
	if got, want := d.Balance(), int64(Opening-100); got != want {
		t.Errorf("balance %d, want %d", got, want)
	}
}

func TestMandatesAPIRefuses(t *testing.T) {
	d := MustOpenDaemon(t)
	for _, c := range []struct {
		name, method, path, token, body string
		status                          int
		code                            string
	}{
		{"no token", "GET", "/v1/mandates", "", "", http.StatusUnauthorized, wallet.EUNAUTHORIZED},
		{"agent token", "GET", "/v1/mandates", d.AgentToken, "", http.StatusUnauthorized, wallet.EUNAUTHORIZED},
		{"agent revokes", "POST", "/v1/mandates/revoke", d.AgentToken, `{"id":1}`, http.StatusUnauthorized, wallet.EUNAUTHORIZED},
		{"unknown", "POST", "/v1/mandates/revoke", d.Token, `{"id":99}`, http.StatusNotFound, wallet.ENOTFOUND},
		{"malformed", "POST", "/v1/mandates/revoke", d.Token, `{"id":"x"}`, http.StatusBadRequest, wallet.EINVALID},
	} {
		t.Run(c.name, func(t *testing.T) {
			var body []byte
			if c.body != "" {
				body = []byte(c.body)
			}
			resp := d.MustDo(t, c.method, c.path, c.token, body)
			if resp.Status != c.status || resp.Code() != c.code {
				t.Errorf("%d %s, want %d %s", resp.Status, resp.Body, c.status, c.code)
			}
		})
	}
}

func jsonID(id uint64) string {
	b, _ := json.Marshal(id)
	return string(b)
}

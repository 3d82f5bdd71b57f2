package ws_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/voicepay/voicepay/agent/ws"
	"github.com/voicepay/voicepay/wallet"
)

// TestAddAgentRace pairs the same agent name from twelve requests at once:
// exactly one is paired, with a token that works, and one pairing lands on
// the audit chain; the others are told to revoke it first.
func TestAddAgentRace(t *testing.T) {
	d := MustOpenDaemon(t)
	const n = 12
	var wg sync.WaitGroup
	resps := make([]Response, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resps[i] = d.MustDo(t, "POST", "/v1/agents", d.Token, []byte(`{"name":"racer"}`))
		}()
	}
	wg.Wait()

	var token string
	conflicts := 0
	for _, r := range resps {
		switch r.Status {
		case http.StatusOK:
			var got ws.AddAgentResponse
			if err := json.Unmarshal(r.Body, &got); err != nil {
				t.Fatalf("decode %s: %v", r.Body, err)
			}
			if token != "" {
				t.Errorf("a second token was handed out")
			}
			token = got.Token
		case http.StatusConflict:
			conflicts++
			var body struct{ Error wallet.Error }
			json.Unmarshal(r.Body, &body)
			want := "An agent called racer is already paired; revoke it first with voicepay agent revoke racer."
			if body.Error.Message != want {
				t.Errorf("conflict message %q, want %q", body.Error.Message, want)
			}
		default:
			t.Errorf("status %d %s, want 200 or 409", r.Status, r.Body)
		}
	}
	if token == "" || conflicts != n-1 {
		t.Fatalf("%d conflicts and token %q, want %d conflicts and one token", conflicts, token, n-1)
	}
	if dev, err := d.DB.Authenticate(t.Context(), token); err != nil || dev.ID != "racer" {
		t.Errorf("the one token: device %v, err %v", dev, err)
	}
	log, err := d.DB.AuditLog(t.Context(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	pairings := 0
	for _, e := range log {
		if e.Kind == "device" && strings.Contains(string(e.Data), `"device":"racer"`) {
			pairings++
		}
	}
	if pairings != 1 {
		t.Errorf("%d pairings of racer on the audit chain, want 1", pairings)
	}
}

// TestAgentGrantsEndpoint pairs agents with allow and deny over POST
// /v1/agents, lists their grants with GET /v1/agents, changes an agent's
// grants keeping its token, and refuses an unknown grant.
func TestAgentGrantsEndpoint(t *testing.T) {
	d := MustOpenDaemon(t)
	add := func(body string) (int, ws.AddAgentResponse, []byte) {
		r := d.MustDo(t, "POST", "/v1/agents", d.Token, []byte(body))
		var got ws.AddAgentResponse
		if r.Status == http.StatusOK {
			if err := json.Unmarshal(r.Body, &got); err != nil {
				t.Fatalf("decode %s: %v", r.Body, err)
			}
		}
		return r.Status, got, r.Body
	}
	status, plain, body := add(`{"name":"plain"}`)
	if status != http.StatusOK || plain.Token == "" || strings.Join(plain.Agent.Grants, ",") != "orders,tips,subscriptions" {
		t.Fatalf("plain: %d %s", status, body)
	}
	status, reader, body := add(`{"name":"reader","allow":["balance"],"deny":["tips,subscriptions"]}`)
	if status != http.StatusOK || reader.Token == "" || strings.Join(reader.Agent.Grants, ",") != "orders,balance" {
		t.Fatalf("reader: %d %s", status, body)
	}
	status, changed, body := add(`{"name":"plain","allow":["balance"]}`)
	if status != http.StatusOK || changed.Token != "" || strings.Join(changed.Agent.Grants, ",") != "orders,tips,subscriptions,balance" {
		t.Fatalf("change plain's grants: %d %s", status, body)
	}
	if dev, err := d.DB.Authenticate(t.Context(), plain.Token); err != nil || !dev.Granted(wallet.GrantBalance) {
		t.Errorf("plain's token after the change: %+v %v", dev, err)
	}
	if status, _, body := add(`{"name":"bad","allow":["money"]}`); status != http.StatusBadRequest || !strings.Contains(string(body), `There is no grant \"money\"`) {
		t.Errorf("an unknown grant: %d %s", status, body)
	}

	r := d.MustDo(t, "GET", "/v1/agents", d.Token, nil)
	var list struct {
		Agents []struct {
			Name   string
			Grants []string
		}
	}
	if err := json.Unmarshal(r.Body, &list); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
	got := map[string]string{}
	for _, a := range list.Agents {
		got[a.Name] = strings.Join(a.Grants, ",")
	}
	want := map[string]string{"plain": "orders,tips,subscriptions,balance", "reader": "orders,balance"}
	for name, g := range want {
		if got[name] != g {
			t.Errorf("GET /v1/agents: %s has %q, want %q (%s)", name, got[name], g, r.Body)
		}
	}
	if _, ok := got["bad"]; ok {
		t.Errorf("the refused agent was paired")
	}
}

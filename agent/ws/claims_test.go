package ws_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/wallet"
)

type claimsBody struct {
	Claims []wallet.Claim `json:"claims"`
	Claim  *wallet.Claim  `json:"claim"`
}

func (d *Daemon) doClaims(t *testing.T, method, path, body string, status int) claimsBody {
	t.Helper()
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	resp := d.MustDo(t, method, path, d.Token, b)
	if resp.Status != status {
		t.Fatalf("%s %s: %d %s, want %d", method, path, resp.Status, resp.Body, status)
	}
	var out claimsBody
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		t.Fatalf("%s %s: %v in %s", method, path, err, resp.Body)
	}
	return out
}

// TestClaimsAPI files a claim on a payment made in the dialog, which waits
// for review, refuses a second one and one from an agent, and approves it:
// the money comes back once.
func TestClaimsAPI(t *testing.T) {
	d := MustOpenDaemon(t)
	ctx := context.Background()
	c := d.MustDial(t, d.Token)
	c.Enable("e")
	c.Say("t1", "buy two lattes from luckin coffee", agent.StateDrafted, "")
	c.Say("t2", "confirm the order", agent.StateConfirmed, "")
	c.Say("t3", "pay", agent.StateIdle, "")
	ts, err := d.DB.Transfers(ctx, wallet.UserAccount, 1)
	if err != nil || len(ts) != 1 || ts[0].Kind != wallet.Post {
		t.Fatalf("last transfer %+v, %v", ts, err)
	}
	paid := ts[0]
	file := fmt.Sprintf(`{"transfer":%d,"reason":"my phone was stolen"}`, paid.ID)

	got := d.doClaims(t, "POST", "/v1/claims", file, http.StatusOK).Claim
	if got == nil || got.State != wallet.ClaimReview || got.Amount != paid.Amount || got.PayeeName != "Luckin Coffee" {
		t.Fatalf("filed %+v, want a claim in review", got)
	}
	if again := d.doClaims(t, "POST", "/v1/claims", file, http.StatusOK).Claim; again.ID != got.ID {
		t.Errorf("the same request again filed claim %d, want %d", again.ID, got.ID)
	}
	other := fmt.Sprintf(`{"transfer":%d,"reason":"again"}`, paid.ID)
	if r := d.MustDo(t, "POST", "/v1/claims", d.Token, []byte(other)); r.Status != http.StatusConflict {
		t.Errorf("second claim: %d %s, want 409", r.Status, r.Body)
	}
	if r := d.MustDo(t, "POST", "/v1/claims", d.AgentToken, []byte(file)); r.Status != http.StatusUnauthorized {
		t.Errorf("claim by an agent: %d %s, want 401", r.Status, r.Body)
	}
	d.doClaims(t, "POST", "/v1/claims", `{"transfer":999}`, http.StatusNotFound)

	if list := d.doClaims(t, "GET", "/v1/claims", "", http.StatusOK).Claims; len(list) != 1 || list[0].ID != got.ID {
		t.Fatalf("claims %+v", list)
	}
	before, _ := d.DB.Account(ctx, wallet.UserAccount)
	decide := fmt.Sprintf(`{"id":%d,"note":"shop confirmed"}`, got.ID)
	for range 2 {
		ok := d.doClaims(t, "POST", "/v1/claims/approve", decide, http.StatusOK).Claim
		if ok.State != wallet.ClaimApproved || ok.Note != "shop confirmed" || ok.DecidedBy != "glasses" {
			t.Fatalf("approved %+v", ok)
		}
	}
	after, _ := d.DB.Account(ctx, wallet.UserAccount)
	if after.Balance() != before.Balance()+paid.Amount {
		t.Errorf("balance %d, want %d: paid back once", after.Balance(), before.Balance()+paid.Amount)
	}
	if r := d.MustDo(t, "POST", "/v1/claims/reject", d.Token, []byte(decide)); r.Code() != wallet.ESTATE {
		t.Errorf("reject after approval: %d %s", r.Status, r.Body)
	}
	if rep, err := d.DB.VerifyAudit(ctx); err != nil {
		t.Errorf("audit: %v %+v", err, rep)
	}
}

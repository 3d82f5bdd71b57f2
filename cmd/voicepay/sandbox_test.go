package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// newSandboxDaemon is a liveDaemon over a new data directory, not started.
func newSandboxDaemon(t *testing.T) *liveDaemon {
	d := &liveDaemon{t: t, dir: t.TempDir()}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VOICEPAY_") {
			d.env = append(d.env, kv)
		}
	}
	d.env = append(d.env, "VOICEPAY_DATA="+filepath.Join(d.dir, "data"), "VOICEPAY_LISTEN=127.0.0.1:0",
		"VOICEPAY_LOG_LEVEL=warn", "HOME="+d.dir)
	return d
}

// startSandbox runs voicepay serve --sandbox and waits until it answers at
// the address in the sandbox's own address file. Its stderr is d.stderr,
// to be read once it has stopped.
func (d *liveDaemon) startSandbox() {
	d.t.Helper()
	d.serve = exec.Command(d.binary(), "serve", "--sandbox", "--sandbox-delay", "200ms")
	d.serve.Env = d.env
	d.stderr = &bytes.Buffer{}
	d.serve.Stderr = d.stderr
	if err := d.serve.Start(); err != nil {
		d.t.Fatal(err)
	}
	d.t.Cleanup(d.stop)
	addrFile := filepath.Join(d.dir, "data", "sandbox", "addr")
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if b, err := os.ReadFile(addrFile); err == nil {
			d.addr = strings.TrimSpace(string(b))
			if resp, err := http.Get("http://" + d.addr + "/healthz"); err == nil {
				resp.Body.Close()
				return
			}
		}
	}
	d.stop()
	d.t.Fatalf("the sandbox did not come up: %s", d.stderr)
}

// sandboxCall calls a tool that must succeed, checks that its text says it
// is the sandbox's and that its structured result has "sandbox": true, and
// decodes that result into out.
func sandboxCall(t *testing.T, cs *sdk.ClientSession, tool string, args, out any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	var text string
	for _, c := range res.Content {
		if tc, ok := c.(*sdk.TextContent); ok {
			text += tc.Text
		}
	}
	if res.IsError {
		t.Fatalf("%s %v: %s", tool, args, text)
	}
	if !strings.HasPrefix(text, "[sandbox] ") {
		t.Errorf("%s: text %q, want it to begin with [sandbox]", tool, text)
	}
	b, _ := json.Marshal(res.StructuredContent)
	var marked struct{ Sandbox bool }
	if err := json.Unmarshal(b, &marked); err != nil || !marked.Sandbox {
		t.Errorf("%s: structured result %s, want sandbox: true", tool, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s: %s: %v", tool, b, err)
		}
	}
}

type sandboxMandate struct {
	ID    uint64
	State string
}

// waitMandate polls get_subscription until the mandate is no longer
// proposed, for at most 20 s, and returns its state.
func waitMandate(t *testing.T, cs *sdk.ClientSession, id uint64) string {
	t.Helper()
	var m sandboxMandate
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		sandboxCall(t, cs, "get_subscription", map[string]any{"subscription_id": id}, &m)
		if m.State != "proposed" {
			return m.State
		}
	}
	t.Fatalf("mandate %d still waits for the person after 20 s", id)
	return ""
}

// sandboxPays has the agent propose an order and wait for it: the fake
// person confirms and pays it.
func sandboxPays(t *testing.T, cs *sdk.ClientSession, key string) {
	t.Helper()
	var order struct{ ID uint64 }
	sandboxCall(t, cs, "create_order", map[string]any{"merchant": "luckin_coffee", "idempotency_key": key,
		"items": []any{map[string]any{"item": "latte", "quantity": 2}}}, &order)
	var w struct {
		Order   struct{ State string }
		Decided bool
	}
	sandboxCall(t, cs, "wait_order", map[string]any{"order_id": order.ID, "timeout_seconds": 30}, &w)
	if w.Order.State != "paid" || !w.Decided {
		t.Fatalf("wait_order: %+v, want paid", w)
	}
}

func sandboxBalance(t *testing.T, cs *sdk.ClientSession) int64 {
	t.Helper()
	var b struct{ Balance int64 }
	sandboxCall(t, cs, "get_balance", nil, &b)
	return b.Balance
}

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// TestSandboxServe runs voicepay serve --sandbox as an agent developer
// would, with the SDK's MCP client on the token the sandbox wrote: an order
// is paid while wait_order waits, a tip and a subscription are approved and
// the subscription charged, and every result says it is the sandbox's. The
// sandbox never creates the real wallet, and leaves one that exists
// untouched. A restart reuses the wallet, the token and the person, and
// tops up nothing more; voicepay mcp reaches the sandbox over stdio.
func TestSandboxServe(t *testing.T) {
	d := newSandboxDaemon(t)
	data := filepath.Join(d.dir, "data")
	sandbox := filepath.Join(data, "sandbox")
	d.startSandbox()
	if _, err := os.Stat(filepath.Join(data, "wallet.db")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the sandbox touched the real wallet: %v", err)
	}
	for _, f := range []string{"agent.token", "pin"} {
		if fi, err := os.Stat(filepath.Join(sandbox, f)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, %v; want mode 0600", f, fi, err)
		}
	}
	token := strings.TrimSpace(readFile(t, filepath.Join(sandbox, "agent.token")))
	cs, err := d.http(token)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	if in := cs.InitializeResult().Instructions; !strings.HasPrefix(in, "[sandbox] ") {
		t.Errorf("instructions %q", in)
	}
	if got := sandboxBalance(t, cs); got != 1_000_000 {
		t.Errorf("opening balance %d, want 10,000 yuan", got)
	}
	sandboxPays(t, cs, "lattes-1")

	var tip struct{ Tip sandboxMandate }
	sandboxCall(t, cs, "request_tip", map[string]any{"payee": "claude_dev", "amount": 500, "idempotency_key": "tip-1"}, &tip)
	if st := waitMandate(t, cs, tip.Tip.ID); st == "declined" {
		t.Errorf("tip %s, want approved", st)
	}
	var sub sandboxMandate
	sandboxCall(t, cs, "propose_subscription", map[string]any{"payee": "acme_cloud", "unit": "use", "unit_price": 50,
		"cap": 1000, "period_seconds": 86400, "expires": time.Now().Add(7 * 24 * time.Hour).UTC().Format(time.RFC3339),
		"idempotency_key": "sub-1"}, &sub)
	if st := waitMandate(t, cs, sub.ID); st != "active" {
		t.Fatalf("subscription %s, want active", st)
	}
	var usage struct{ Charge struct{ Amount int64 } }
	sandboxCall(t, cs, "record_usage", map[string]any{"subscription_id": sub.ID, "units": 3, "idempotency_key": "use-1"}, &usage)
	if usage.Charge.Amount != 150 {
		t.Errorf("charged %d, want 150", usage.Charge.Amount)
	}
	want := int64(1_000_000 - 3600 - 500 - 150)
	if got := sandboxBalance(t, cs); got != want {
		t.Errorf("balance %d, want %d", got, want)
	}
	cs.Close()
	d.stop()
	for _, line := range []string{"SANDBOX: a new test wallet in " + sandbox, "token in " + filepath.Join(sandbox, "agent.token"),
		"MCP at http://127.0.0.1:"} {
		if !strings.Contains(d.stderr.String(), line) {
			t.Errorf("the startup lines do not say %q:\n%s", line, d.stderr)
		}
	}

	// A real wallet beside it: the sandbox leaves it as it was.
	d.runIn("1234\n", "init", "--pin-stdin")
	realHash := fileHash(t, filepath.Join(data, "wallet.db"))
	d.startSandbox()
	if got := strings.TrimSpace(readFile(t, filepath.Join(sandbox, "agent.token"))); got != token {
		t.Errorf("the restarted sandbox wrote a new token")
	}
	cs, err = d.http(token)
	if err != nil {
		t.Fatalf("connect after the restart: %v", err)
	}
	defer cs.Close()
	if got := sandboxBalance(t, cs); got != want {
		t.Errorf("balance after the restart %d, want %d", got, want)
	}
	sandboxPays(t, cs, "lattes-2")
	stdio, err := d.stdio(token, "--data", sandbox)
	if err != nil {
		t.Fatalf("voicepay mcp --data %s: %v", sandbox, err)
	}
	if got := sandboxBalance(t, stdio); got != want-3600 {
		t.Errorf("balance over stdio %d, want %d", got, want-3600)
	}
	stdio.Close()
	d.stop()
	if strings.Contains(d.stderr.String(), "a new test wallet") {
		t.Errorf("the restarted sandbox set up a new wallet:\n%s", d.stderr)
	}
	if fileHash(t, filepath.Join(data, "wallet.db")) != realHash {
		t.Error("the sandbox changed the real wallet")
	}
}

// TestSandboxConfigure: the sandbox keeps its wallet under the data
// directory, and listens on the port after the configured one unless
// --listen names one; any free port stays any free port.
func TestSandboxConfigure(t *testing.T) {
	tests := []struct {
		env, args []string
		data      string
		listen    string
	}{
		{env: []string{"VOICEPAY_LISTEN=127.0.0.1:9000"}, args: []string{"--sandbox"}, data: "/d/sandbox", listen: "127.0.0.1:9001"},
		{args: []string{"--sandbox"}, data: "/d/sandbox", listen: "127.0.0.1:8422"},
		{env: []string{"VOICEPAY_LISTEN=127.0.0.1:9000"}, args: []string{"--sandbox", "--listen", "127.0.0.1:7000"},
			data: "/d/sandbox", listen: "127.0.0.1:7000"},
		{env: []string{"VOICEPAY_LISTEN=127.0.0.1:0"}, args: []string{"--sandbox"}, data: "/d/sandbox", listen: "127.0.0.1:0"},
		{env: []string{"VOICEPAY_LISTEN=127.0.0.1:9000"}, data: "/d", listen: "127.0.0.1:9000"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(append(tt.env, tt.args...), " "), func(t *testing.T) {
			t.Setenv("VOICEPAY_DATA", "/d")
			for _, k := range []string{"VOICEPAY_LISTEN", "VOICEPAY_CONFIG"} {
				t.Setenv(k, "") // restored when the test ends
				os.Unsetenv(k)
			}
			for _, kv := range tt.env {
				k, v, _ := strings.Cut(kv, "=")
				t.Setenv(k, v)
			}
			flags := newFlags("serve")
			m := sandboxFlags(flags)
			cfg, err := flags.load(tt.args)
			if err != nil {
				t.Fatal(err)
			}
			if err := m.configure(cfg); err != nil {
				t.Fatal(err)
			}
			if cfg.DataDir != tt.data || cfg.Listen != tt.listen {
				t.Errorf("data %s, listen %s; want %s, %s", cfg.DataDir, cfg.Listen, tt.data, tt.listen)
			}
		})
	}
}

package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/voicepay/voicepay/agent/ws"
	"github.com/voicepay/voicepay/wallet"
)

// TestCrash runs the real daemon under load and kills it with SIGKILL at
// seeded random moments, restarting it each time on the same data
// directory. Four devices hold dialogs over the websocket (order, confirm,
// pay, again), a client tops up over the JSON API with keys, and an agent
// records usage over MCP under a subscription the person approved. Each
// client keeps what it sent and what was acknowledged, and resends a
// request the kill caught in flight, and the last one acknowledged, with
// the same id or key once the daemon is back: each must get its original
// answer. After every restart the audit chain verifies and every
// acknowledged payment, top-up and charge is in the ledger; at the end
// each is there exactly once, nothing else moved money, and the holds the
// kills left have expired.
//
// The seed is printed first; VOICEPAY_CRASH_SEED replays it.
// VOICEPAY_CRASH_KILLS sets the number of kills (default 50).
func TestCrash(t *testing.T) {
	opt := crashOptionsFromEnv(t)
	t.Logf("crash seed %d (replay: VOICEPAY_CRASH_SEED=%d)", opt.seed, opt.seed)
	fmt.Fprintf(os.Stderr, "crash seed %d (replay: VOICEPAY_CRASH_SEED=%d)\n", opt.seed, opt.seed)
	start := time.Now()
	d := startCrashDaemon(t)
	rec := newCrashRecord(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec.abort = cancel
	run := newCrashRun(t, ctx, d, rec, opt.seed)
	restarting, checking := crashLoop(ctx, d, rec, opt)
	run.stop()
	if t.Failed() {
		t.Fatalf("crash seed %d failed after %d kills (replay: VOICEPAY_CRASH_SEED=%d)\ndaemon log:\n%s",
			opt.seed, d.kills, opt.seed, d.log())
	}
	// The holds the kills left lapse, and the sweeper voids them.
	time.Sleep(crashHoldTimeout + 2*time.Second)
	rec.checkLedger(ctx, d, true)
	rec.checkHolds(ctx, d)
	if out := d.run("audit", "verify"); !strings.Contains(out, "audit chain verified") {
		t.Errorf("voicepay audit verify: %s", out)
	}
	s := fmt.Sprintf("%s (restarts %s, checks %s)", rec.summary(d.kills, time.Since(start)),
		restarting.Round(time.Second), checking.Round(time.Second))
	t.Log(s)
	fmt.Fprintln(os.Stderr, s)
	if t.Failed() {
		t.Fatalf("crash seed %d failed (replay: VOICEPAY_CRASH_SEED=%d)\ndaemon log:\n%s", opt.seed, opt.seed, d.log())
	}
}

// crashLoop kills the daemon opt.kills times, each after a life drawn
// from the seed, and restarts it after a pause drawn from it too. After
// each restart it checks the ledger, while the clients go on; a check
// longer than the next life puts off the kill. It returns the time spent
// restarting and checking.
func crashLoop(ctx context.Context, d *crashDaemon, rec *crashRecord, opt crashOptions) (restarting, checking time.Duration) {
	rng := rand.New(rand.NewPCG(opt.seed, 0x6b696c6c))
	for k := 0; k < opt.kills && ctx.Err() == nil; k++ {
		// Mostly short lives, so that kills land in every part of a
		// request; now and then a longer one, so that holds lapse.
		life := 30*time.Millisecond + time.Duration(rng.Int64N(int64(700*time.Millisecond)))
		if rng.IntN(10) == 0 {
			life += time.Duration(rng.Int64N(int64(3 * time.Second)))
		}
		down := time.Duration(rng.Int64N(int64(150 * time.Millisecond)))
		began := time.Now()
		if k > 0 {
			rec.checkLedger(ctx, d, false)
			checking += time.Since(began)
		}
		time.Sleep(life - time.Since(began))
		d.kill()
		time.Sleep(down)
		began = time.Now()
		d.restart()
		restarting += time.Since(began)
	}
	began := time.Now()
	rec.checkLedger(ctx, d, false)
	return restarting, checking + time.Since(began)
}

// crashOptions are the test's settings, from the environment.
type crashOptions struct {
	seed  uint64
	kills int
}

func crashOptionsFromEnv(t *testing.T) crashOptions {
	opt := crashOptions{seed: uint64(time.Now().UnixNano() % 1e6), kills: 50}
	if v := os.Getenv("VOICEPAY_CRASH_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("VOICEPAY_CRASH_SEED=%q: want a whole number", v)
		}
		opt.seed = n
	}
	if v := os.Getenv("VOICEPAY_CRASH_KILLS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("VOICEPAY_CRASH_KILLS=%q: want a whole number, 1 or more", v)
		}
		opt.kills = n
	}
	return opt
}

// Short timeouts, so that the holds a kill leaves lapse within the test.
const (
	crashHoldTimeout  = 3 * time.Second
	crashOrderTimeout = 6 * time.Second
)

// crashPIN is the wallet's PIN.
const crashPIN = "2580"

// crashDevices is how many devices hold dialogs at once.
const crashDevices = 4

// crashDaemon is voicepay serve, killed and restarted on one data
// directory. Clients ask it where the daemon is now, and wait while it is
// down.
type crashDaemon struct {
	*liveDaemon
	tokens []string // the dialog devices'
	cli    string   // the CLI's token

	mu    sync.Mutex
	base  string        // http://addr of the daemon that is up
	gen   int           // counts the daemons started
	up    chan struct{} // closed while a daemon is up
	kills int
	logs  bytes.Buffer // what the killed daemons wrote
}

// startCrashDaemon makes a wallet with a PIN and a large balance, pairs
// the dialog devices and an agent, and serves it, with risk limits raised
// so that no payment of the run is refused and short dialog timeouts.
func startCrashDaemon(t *testing.T) *crashDaemon {
	t.Helper()
	d := &crashDaemon{liveDaemon: &liveDaemon{t: t, dir: t.TempDir()}, up: make(chan struct{})}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VOICEPAY_") {
			d.env = append(d.env, kv)
		}
	}
	d.env = append(d.env, "VOICEPAY_DATA="+filepath.Join(d.dir, "data"), "VOICEPAY_LISTEN=127.0.0.1:0",
		"VOICEPAY_LOG_LEVEL=warn", "HOME="+d.dir,
		"VOICEPAY_DIALOG_HOLD_TIMEOUT="+crashHoldTimeout.String(),
		"VOICEPAY_DIALOG_ORDER_TIMEOUT="+crashOrderTimeout.String(),
		"VOICEPAY_RISK_ODD_HOURS_START=0", "VOICEPAY_RISK_ODD_HOURS_END=0",
		"VOICEPAY_RISK_MAX_PER_TRANSACTION=100000", "VOICEPAY_RISK_STEP_UP_ABOVE=100000",
		"VOICEPAY_RISK_DAILY_LIMIT=100000000", "VOICEPAY_RISK_NEW_PAYEE_STEP_UP_ABOVE=100000",
		"VOICEPAY_RISK_HOURLY_COUNT=100000000", "VOICEPAY_RISK_REPEAT_LIMIT=100000000",
		"VOICEPAY_RISK_MANDATE_REPEAT_LIMIT=100000000")
	d.runIn(crashPIN+"\n", "init", "--pin-stdin")
	d.run("wallet", "topup", "500000")
	d.cli = strings.TrimSpace(readFile(t, filepath.Join(d.dir, "data", "token")))
	d.tokens = pairBenchDevices(t, d.liveDaemon, crashDevices)
	d.AgentToken = strings.TrimSpace(d.run("agent", "add", "crash-agent"))
	d.restart()
	return d
}

// restart starts the daemon and marks it up once it answers.
func (d *crashDaemon) restart() {
	d.t.Helper()
	d.start()
	d.mu.Lock()
	d.base, d.gen = "http://"+d.addr, d.gen+1
	close(d.up)
	d.mu.Unlock()
}

// kill marks the daemon down, then kills it with SIGKILL, as a power cut
// or the OOM killer would, and keeps what it wrote.
func (d *crashDaemon) kill() {
	d.mu.Lock()
	d.up = make(chan struct{})
	d.kills++
	cmd := d.serve
	d.serve = nil
	d.mu.Unlock()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		d.t.Fatalf("kill the daemon: %v", err)
	}
	cmd.Wait()
	fmt.Fprintf(&d.logs, "--- daemon %d, killed\n%s", d.gen, d.stderr)
	// A killed daemon leaves its address file; start waits for the next's.
	if err := os.Remove(filepath.Join(d.dir, "data", "addr")); err != nil {
		d.t.Fatalf("remove the address file: %v", err)
	}
}

// current is where the daemon is now, waiting while it is down, and which
// daemon that is.
func (d *crashDaemon) current(ctx context.Context) (string, int, error) {
	for {
		d.mu.Lock()
		up, base, gen := d.up, d.base, d.gen
		d.mu.Unlock()
		select {
		case <-up:
			return base, gen, nil
		case <-ctx.Done():
			return "", 0, ctx.Err()
		}
	}
}

// log is what every daemon of the run wrote.
func (d *crashDaemon) log() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := d.logs.String()
	if d.serve == nil {
		return out
	}
	return out + fmt.Sprintf("--- daemon %d, running\n", d.gen)
}

// api is a JSON API client of the daemon as it is now, with the CLI's token.
func (d *crashDaemon) api(ctx context.Context) (*ws.Client, error) {
	base, _, err := d.current(ctx)
	if err != nil {
		return nil, err
	}
	return ws.NewClient(base, d.cliToken()), nil
}

// cliToken is the CLI's token, which init wrote.
func (d *crashDaemon) cliToken() string { return d.cli }

// history reads the user's whole history, a page of 1000 at a time.
func (d *crashDaemon) history(ctx context.Context) ([]*wallet.Transfer, error) {
	c, err := d.api(ctx)
	if err != nil {
		return nil, err
	}
	var all []*wallet.Transfer
	path := "/v1/wallet/history?limit=1000"
	for {
		var page ws.History
		if err := c.Get(ctx, path, &page); err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		all = append(all, page.Transfers...)
		if page.Next == "" {
			return all, nil
		}
		path = "/v1/wallet/history?limit=1000&before=" + page.Next
	}
}

// orderTransfers lists what the ledger holds of an order, for a failure's
// message.
func (d *crashDaemon) orderTransfers(ctx context.Context, order uint64) string {
	ts, err := d.history(ctx)
	if err != nil {
		return err.Error()
	}
	var out []string
	for _, t := range ts {
		if t.Ref == fmt.Sprintf("order:%d", order) {
			out = append(out, fmt.Sprintf("%s %d at %s", t.Kind, t.ID, t.Time.Format(time.StampMilli)))
		}
	}
	return strings.Join(out, ", ")
}

// verify runs the audit verification in the daemon.
func (d *crashDaemon) verify(ctx context.Context) (*wallet.AuditReport, error) {
	c, err := d.api(ctx)
	if err != nil {
		return nil, err
	}
	var rep wallet.AuditReport
	if err := c.Get(ctx, "/v1/audit/verify", &rep); err != nil {
		return nil, err
	}
	return &rep, nil
}

// crashRun is the clients of a run, each in its goroutine.
type crashRun struct {
	stopping atomic.Bool
	wg       sync.WaitGroup
}

// newCrashRun sets up the subscription the agent charges under, and starts
// the clients.
func newCrashRun(t *testing.T, ctx context.Context, d *crashDaemon, rec *crashRecord, seed uint64) *crashRun {
	t.Helper()
	r := &crashRun{}
	dialogs := make([]*dialogClient, crashDevices)
	for i := range dialogs {
		dialogs[i] = newDialogClient(d, rec, i, &r.stopping)
		if err := dialogs[i].enable(ctx); err != nil {
			t.Fatalf("%s: %v\ndaemon log:\n%s", dialogs[i].device, err, d.stderr)
		}
	}
	usage, err := newUsageClient(ctx, d, rec, dialogs[0], seed, &r.stopping)
	if err != nil {
		t.Fatalf("subscription: %v\ndaemon log:\n%s", err, d.stderr)
	}
	top := newTopupClient(d, rec, seed, &r.stopping)
	for _, c := range dialogs {
		r.wg.Go(func() { c.run(ctx) })
	}
	r.wg.Go(func() { usage.run(ctx) })
	r.wg.Go(func() { top.run(ctx) })
	return r
}

// stop lets each client finish the request it has in flight, and waits.
func (r *crashRun) stop() {
	r.stopping.Store(true)
	r.wg.Wait()
}

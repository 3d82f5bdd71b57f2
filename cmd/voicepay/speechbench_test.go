package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/config"
	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/voice/voicetest"
	"github.com/voicepay/voicepay/wallet"
)

// BenchmarkDialogSpeech measures what the daemon hears, end to end: the
// clips of the broad fixture set (testdata/audio/broad) are streamed over
// the websocket, in real time, into the real voicepay binary serving a real
// wallet, each in the dialog state its sentence is said in, and with
// steady noise of its kind before, under and after it. A clip counts as
// accepted when the turn its speech made has the right intent and every
// slot right.
//
// For each clip a device session is put in the clip's state by typed
// turns (idle; drafted by "buy a latte from luckin coffee"; confirmed by
// "confirm the order" too; inactive by disabling payments; proposed by an
// agent asking, over MCP, for a tip or a subscription), then the clip is
// sent as 20 ms PCM16 frames at the pace a microphone gives them: at least
// 1 s of noise, the clip, at least 1.5 s of noise. A noisy clip's noise
// goes on before and after it at the same level and of the same kind
// (white, pink and brown are made anew, babble from other clean clips of
// the set); a clean clip has a faint floor (-65 dBFS) around it. Typed
// turns then cancel what is open, so the next clip starts from idle.
// Out-of-domain clips are said in idle, drafted and confirmed in turn.
//
// Environment: VOICEPAY_BENCH_SESSIONS device sessions stream at once
// (default 4); VOICEPAY_BENCH_SAMPLE=N takes every Nth clip, spread over
// the voices and noises (default 1: all 918, about 22 minutes with 4
// sessions); VOICEPAY_BENCH_OOD=all says
// each out-of-domain clip in all three states. Run it with
//
//	go test -run '^$' -bench DialogSpeech -benchtime 1x ./cmd/voicepay
//
// It prints a table by state, voice, engine and noise, and reports the
// figures make bench shows (docs/benchmarks.md).
func BenchmarkDialogSpeech(b *testing.B) {
	opt := benchOptionsFromEnv(b)
	clips := mustBenchClips(b)
	trials := planTrials(clips, opt)
	var rep *speechReport
	for range b.N {
		rep = runDialogSpeech(b, opt, trials)
	}
	b.Logf("\n%s", rep.table())
	rep.logMisses(b)
	rep.reportMetrics(b)
}

// TestDialogSpeechStates checks the fixtures' states: the dialog listens
// for each command's intent in the state the manifest says it is said in,
// so that the benchmark hears it with a grammar that can hold it.
func TestDialogSpeechStates(t *testing.T) {
	for _, c := range mustBenchClips(t) {
		if c.OutDomain {
			if c.State != "any" {
				t.Errorf("%s: an out-of-domain sentence in state %q, want any", c.File, c.State)
			}
			continue
		}
		if st := dialogState(c.State); !slices.Contains(agent.Accepts(st), c.Intent) {
			t.Errorf("%s %q: said in %s, where the dialog does not listen for %s", c.File, c.Text, c.State, c.Intent)
		}
	}
}

// benchDir is the broad fixture set.
var benchDir = filepath.Join("..", "..", "testdata", "audio", "broad")

// mustBenchClips reads the broad set's manifest, or skips when there is
// none, or only one rendered by an older fixtures.sh.
func mustBenchClips(tb testing.TB) []voicetest.Clip {
	tb.Helper()
	clips, err := voicetest.ReadManifest(benchDir)
	if errors.Is(err, fs.ErrNotExist) {
		tb.Skipf("no speech fixtures in %s: run make fixtures (about a minute)", benchDir)
	}
	if err != nil {
		tb.Skipf("speech fixtures: %v", err)
	}
	return clips
}

// dialogState is the dialog state a manifest state stands for: proposed is
// idle, with an agent's proposal waiting.
func dialogState(s string) string {
	if s == stateProposed {
		return agent.StateIdle
	}
	return s
}

// stateProposed is the manifest's state for idle with a tip or a
// subscription an agent proposed waiting for approval.
const stateProposed = "proposed"

// benchOptions are the benchmark's settings, from the environment.
type benchOptions struct {
	sessions int  // device sessions streaming at once
	sample   int  // every Nth clip
	oodAll   bool // each out-of-domain clip in idle, drafted and confirmed, not one of them in turn
}

func benchOptionsFromEnv(tb testing.TB) benchOptions {
	tb.Helper()
	opt := benchOptions{sessions: 4, sample: 1, oodAll: os.Getenv("VOICEPAY_BENCH_OOD") == "all"}
	for name, p := range map[string]*int{"VOICEPAY_BENCH_SESSIONS": &opt.sessions, "VOICEPAY_BENCH_SAMPLE": &opt.sample} {
		v := os.Getenv(name)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			tb.Fatalf("%s=%q: want a whole number, 1 or more", name, v)
		}
		*p = n
	}
	return opt
}

// A trial is one clip said in one state.
type trial struct {
	n     int // its place in the run
	clip  voicetest.Clip
	state string // as the manifest names it: inactive, idle, drafted, confirmed, proposed
}

// oodStates are the states out-of-domain clips are said in.
var oodStates = []string{agent.StateIdle, agent.StateDrafted, agent.StateConfirmed}

// planTrials takes every opt.sample-th clip and the states it is said in.
// The clips are counted in the order of a hash of their names, not the
// manifest's, so that a sample spreads over the voices and noises as the
// whole set does; the trials keep the manifest's order.
func planTrials(clips []voicetest.Clip, opt benchOptions) []trial {
	order := make([]int, len(clips))
	for i := range order {
		order[i] = i
	}
	hash := func(i int) uint64 {
		h := fnv.New64a()
		h.Write([]byte(clips[i].File))
		return h.Sum64()
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(hash(a), hash(b)) })
	taken := make([]bool, len(clips))
	for k, i := range order {
		taken[i] = k%opt.sample == 0
	}
	var trials []trial
	ood := 0
	for i, c := range clips {
		if !taken[i] {
			continue
		}
		states := []string{c.State}
		if c.OutDomain {
			states = oodStates[ood%len(oodStates) : ood%len(oodStates)+1]
			if opt.oodAll {
				states = oodStates
			}
			ood++
		}
		for _, st := range states {
			trials = append(trials, trial{n: len(trials), clip: c, state: st})
		}
	}
	return trials
}

// benchPIN is the wallet's PIN.
const benchPIN = "2580"

// runDialogSpeech starts a daemon, runs every trial on opt.sessions
// device sessions, and sums up the outcomes.
func runDialogSpeech(b *testing.B, opt benchOptions, trials []trial) *speechReport {
	d := startBenchDaemon(b, opt.sessions)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sessions := make([]*benchSession, opt.sessions)
	for i := range sessions {
		s, err := openBenchSession(ctx, d, i)
		if err != nil {
			b.Fatalf("session %d: %v", i, err)
		}
		defer s.close()
		sessions[i] = s
	}
	start := time.Now()
	b.ResetTimer()
	outcomes, err := runTrials(ctx, sessions, trials, newSceneMaker(benchDir))
	b.StopTimer()
	if err != nil {
		b.Fatalf("%v\ndaemon log:\n%s", err, d.stderr)
	}
	rep := summarizeSpeech(outcomes)
	rep.sessions, rep.sample, rep.elapsed = opt.sessions, opt.sample, time.Since(start)
	if log := d.stderr.String(); strings.Contains(log, "level=") {
		b.Logf("the daemon's warnings:\n%s", log)
	}
	return rep
}

// runTrials runs the trials on the sessions, each taking the next trial
// when its last is done, and prints progress to standard error. A clip
// whose sentence freezes the wallet runs alone: a frozen wallet would
// refuse the other sessions' orders.
func runTrials(ctx context.Context, sessions []*benchSession, trials []trial, scenes *sceneMaker) ([]outcome, error) {
	outcomes := make([]outcome, len(trials))
	next := make(chan trial)
	var (
		wg        sync.WaitGroup
		alone     sync.RWMutex
		mu        sync.Mutex
		done      int
		failure   error
		start     = time.Now()
		ctx2, end = context.WithCancel(ctx)
	)
	defer end()
	for _, s := range sessions {
		wg.Go(func() {
			for tr := range next {
				exclusive := tr.clip.Intent == intent.WalletFreeze
				if exclusive {
					alone.Lock()
				} else {
					alone.RLock()
				}
				o, err := s.run(ctx2, tr, scenes)
				if exclusive {
					alone.Unlock()
				} else {
					alone.RUnlock()
				}
				mu.Lock()
				outcomes[tr.n] = o
				done++
				if err != nil && failure == nil {
					failure = fmt.Errorf("%s (%s, %s): %w", tr.clip.File, tr.state, s.device, err)
					end()
				}
				if done%25 == 0 || done == len(trials) {
					fmt.Fprintf(os.Stderr, "dialog speech: %d/%d clips, %s\n", done, len(trials), time.Since(start).Round(time.Second))
				}
				mu.Unlock()
			}
		})
	}
	for _, tr := range trials {
		select {
		case next <- tr:
		case <-ctx2.Done():
		}
	}
	close(next)
	wg.Wait()
	return outcomes, failure
}

// benchDaemon is the daemon the benchmark streams into.
type benchDaemon struct {
	*liveDaemon
	tokens []string // a user device's for each session
}

// startBenchDaemon builds voicepay into a temporary directory, makes a
// wallet with a PIN and a large balance, pairs a device for each session,
// and serves it on a free loopback port, with risk limits raised so that
// setting up a state is never refused.
func startBenchDaemon(b *testing.B, sessions int) *benchDaemon {
	b.Helper()
	d := &benchDaemon{liveDaemon: &liveDaemon{t: b, dir: b.TempDir()}}
	d.bin = filepath.Join(d.dir, "voicepay")
	if out, err := exec.Command(goTool(), "build", "-o", d.bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VOICEPAY_") {
			d.env = append(d.env, kv)
		}
	}
	d.env = append(d.env, "VOICEPAY_DATA="+filepath.Join(d.dir, "data"), "VOICEPAY_LISTEN=127.0.0.1:0",
		"VOICEPAY_LOG_LEVEL=warn", "HOME="+d.dir,
		"VOICEPAY_RISK_ODD_HOURS_START=0", "VOICEPAY_RISK_ODD_HOURS_END=0",
		"VOICEPAY_RISK_MAX_PER_TRANSACTION=100000", "VOICEPAY_RISK_STEP_UP_ABOVE=100000",
		"VOICEPAY_RISK_DAILY_LIMIT=1000000", "VOICEPAY_RISK_NEW_PAYEE_STEP_UP_ABOVE=100000",
		"VOICEPAY_RISK_HOURLY_COUNT=100000", "VOICEPAY_RISK_REPEAT_LIMIT=100000",
		"VOICEPAY_RISK_MANDATE_REPEAT_LIMIT=100000",
		// Noise heard as digits while a PIN is awaited must not lock it.
		"VOICEPAY_AUTH_PIN_ATTEMPTS=100000")
	d.runIn(benchPIN+"\n", "init", "--pin-stdin")
	d.run("wallet", "topup", "500000")
	d.tokens = pairBenchDevices(b, d.liveDaemon, sessions)
	d.AgentToken = strings.TrimSpace(d.run("agent", "add", "bench-agent"))
	d.start()
	return d
}

// pairBenchDevices pairs a user device for each session on the ledger
// file, before the daemon opens it: the CLI pairs only itself, and a
// device's dialog is one at a time.
func pairBenchDevices(tb testing.TB, d *liveDaemon, n int) []string {
	tb.Helper()
	cfg, err := config.Load(config.Source{Env: func(key string) (string, bool) {
		for _, kv := range slices.Backward(d.env) {
			if k, v, _ := strings.Cut(kv, "="); k == key {
				return v, true
			}
		}
		return "", false
	}})
	if err != nil {
		tb.Fatal(err)
	}
	cat, err := cfg.LoadCatalog()
	if err != nil {
		tb.Fatal(err)
	}
	db, err := openWallet(cfg, cat, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	tokens := make([]string, n)
	for i := range tokens {
		if tokens[i], err = db.AddDevice(context.Background(), fmt.Sprintf("bench-%d", i+1), wallet.ScopeUser); err != nil {
			tb.Fatal(err)
		}
	}
	return tokens
}

// goTool is the go command that runs this test.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

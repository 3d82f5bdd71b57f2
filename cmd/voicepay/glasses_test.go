package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/ws"
	"github.com/voicepay/voicepay/voice"
)

// BenchmarkGlasses measures how many smart glasses one daemon hears at
// once. Each pair of glasses is a websocket client of the real voicepay
// binary, on loopback, streaming its microphone in real time as 20 ms
// PCM16 frames: noise that never stops (white, pink, brown or babble, one
// kind per glasses in turn, 10 to 15 dB under speech), and over it, every
// 5 to 10 s, a clean command of the espeak-ng set said in idle that
// changes nothing ("what's my balance", "show my recent payments", "what
// can I say"), or one time in four an order, which the next command then
// cancels. A command counts as answered correctly when its turn's intent
// is the command's.
//
// For each number of glasses it reports, from the end of each command's
// speech to its reply on the websocket (the endpointer's 600 ms hangover
// included), the p50 and p95; the share answered correctly, refused as
// busy, heard wrong, and not answered at all; the daemon's CPU (utime and
// stime of /proc/PID/stat over the run, in % of one core); and its memory
// (VmRSS of /proc/PID/status: before, the peak during the run, and after
// the glasses left and the daemon idled for a while).
//
// Environment: VOICEPAY_GLASSES, the numbers of glasses, one run each, on
// one daemon (default 1,25,50,100,150); VOICEPAY_GLASSES_SECONDS, how long
// each run streams (default 60); VOICEPAY_GLASSES_IDLE, how long the
// daemon idles after each run before its memory is read (default 30);
// VOICEPAY_GLASSES_NOISE, the kinds of noise the glasses take in turn
// (default white,pink,brown,babble).
// Run it with
//
//	go test -run '^$' -bench Glasses -benchtime 1x ./cmd/voicepay
func BenchmarkGlasses(b *testing.B) {
	opt := glassesOptionsFromEnv(b)
	v, err := loadGlassesVoice()
	if err != nil {
		b.Skipf("speech fixtures: %v", err)
	}
	total := 0
	for _, n := range opt.levels {
		total += n
	}
	d := startBenchDaemon(b, total) // each run has devices of its own, fresh from pairing
	first := 0
	for _, n := range opt.levels {
		from := first
		first += n
		b.Run(fmt.Sprintf("glasses=%d", n), func(b *testing.B) {
			var r *glassesReport
			for range b.N {
				r = runGlasses(b, d, v, from, n, opt)
			}
			b.Logf("\n%s\nanswered correctly, by noise: %s\nheard wrong, the first few:\n%s", r.line(), r.byNoise(), strings.Join(r.misses, "\n"))
			r.reportMetrics(b)
		})
	}
	if log := d.stderr.String(); strings.Contains(log, "level=") {
		b.Logf("the daemon's warnings:\n%s", lastLines(log, 20))
	}
}

// glassesOptions are BenchmarkGlasses's settings, from the environment.
type glassesOptions struct {
	levels []int         // glasses at once, one run each
	run    time.Duration // how long each run streams
	idle   time.Duration // how long the daemon idles after a run before its memory is read
	noises []string      // the kinds of noise, one per glasses in turn
}

func glassesOptionsFromEnv(tb testing.TB) glassesOptions {
	tb.Helper()
	opt := glassesOptions{levels: []int{1, 25, 50, 100, 150}, run: time.Minute, idle: 30 * time.Second, noises: glassesNoises}
	if v := os.Getenv("VOICEPAY_GLASSES_NOISE"); v != "" {
		opt.noises = strings.Split(v, ",")
		for _, kind := range opt.noises {
			if !slices.Contains(glassesNoises, kind) {
				tb.Fatalf("VOICEPAY_GLASSES_NOISE=%q: want kinds of %v, separated by commas", v, glassesNoises)
			}
		}
	}
	if v := os.Getenv("VOICEPAY_GLASSES"); v != "" {
		opt.levels = nil
		for f := range strings.SplitSeq(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				tb.Fatalf("VOICEPAY_GLASSES=%q: want numbers of glasses, 1 or more, separated by commas", v)
			}
			opt.levels = append(opt.levels, n)
		}
	}
	for name, p := range map[string]*time.Duration{"VOICEPAY_GLASSES_SECONDS": &opt.run, "VOICEPAY_GLASSES_IDLE": &opt.idle} {
		if v := os.Getenv(name); v != "" {
			s, err := strconv.Atoi(v)
			if err != nil || s < 0 {
				tb.Fatalf("%s=%q: want whole seconds", name, v)
			}
			*p = time.Duration(s) * time.Second
		}
	}
	return opt
}

// runGlasses connects n glasses, with devices first to first+n-1, streams
// them for opt.run, and measures the daemon meanwhile and after.
func runGlasses(b *testing.B, d *benchDaemon, v *glassesVoice, first, n int, opt glassesOptions) *glassesReport {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pid := d.serve.Process.Pid
	sessions := make([]*benchSession, n)
	var wg sync.WaitGroup
	var failed error
	var mu sync.Mutex
	// Enabling takes the PIN, and each check of it (argon2id) takes 64 MiB
	// for a moment: two at a time, and the memory they leave is let go
	// before the run starts.
	gate := make(chan struct{}, 2)
	for i := range sessions {
		wg.Go(func() {
			gate <- struct{}{}
			defer func() { <-gate }()
			s, err := openBenchSession(ctx, d, first+i)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && failed == nil {
				failed = fmt.Errorf("glasses %d: %w", i, err)
			}
			sessions[i] = s
		})
	}
	wg.Wait()
	if failed != nil {
		b.Fatalf("%v\ndaemon log:\n%s", failed, lastLines(d.stderr.String(), 20))
	}
	r := &glassesReport{glasses: n, rssBefore: settledRSS(b, pid, opt.idle)}
	sample := sampleRSS(pid, &r.rssPeak)
	cpu0, self0, t0, dec0 := mustCPU(b, pid), mustCPU(b, os.Getpid()), time.Now(), decodes(b, d.addr)
	b.ResetTimer()
	heard := make([][]heardCommand, n)
	for i, s := range sessions {
		wg.Go(func() {
			g := &glasses{noise: opt.noises[i%len(opt.noises)], s: s, v: v, rng: rand.New(rand.NewPCG(uint64(first+i), 0x61a55e5))}
			g.mic = v.newMicrophone(g.rng, g.noise, 10+5*g.rng.Float64())
			h, turns, err := g.run(ctx, opt.run)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && failed == nil {
				failed = fmt.Errorf("glasses %d: %w", i, err)
			}
			heard[i] = h
			r.turns += turns
		})
	}
	wg.Wait()
	b.StopTimer()
	elapsed := time.Since(t0)
	r.cpu = (mustCPU(b, pid) - cpu0).Seconds() / elapsed.Seconds()
	r.benchCPU = (mustCPU(b, os.Getpid()) - self0).Seconds() / elapsed.Seconds()
	sample()
	r.decodes = decodes(b, d.addr) - dec0
	if failed != nil {
		b.Fatalf("%v\ndaemon log:\n%s", failed, lastLines(d.stderr.String(), 20))
	}
	for _, s := range sessions {
		s.close()
	}
	time.Sleep(opt.idle)
	r.idle, r.rssAfter = opt.idle, mustRSS(b, pid)
	r.add(heard)
	return r
}

// glasses is one pair of smart glasses: its session, what it says, and
// what its microphone hears.
type glasses struct {
	noise string // the kind the microphone hears
	s     *benchSession
	v     *glassesVoice
	mic   *microphone
	rng   *rand.Rand
}

// A heardCommand is a command the glasses said, and the turn it got.
type heardCommand struct {
	cmd      command
	noise    string
	start    time.Time // when its speech began, as captured
	end      time.Time // and ended
	answered bool
	reply    time.Time // when the reply came
	intent   string    // of the turn
	code     string    // the turn's error code, if any
}

// commandGap is how long after one command the next begins: 5 to 10 s.
const (
	commandGap    = 5 * time.Second
	commandJitter = 5 * time.Second
)

// run streams the microphone for d, one 20 ms frame as each is captured,
// saying a command every 5 to 10 s (the first within 5 s), then ends the
// stream, waits until it has all been heard, and matches the turns to the
// commands.
func (g *glasses) run(ctx context.Context, d time.Duration) (said []heardCommand, turns int, err error) {
	c := g.s.client
	id, err := c.StartAudio(&benchFormat)
	if err != nil {
		return nil, 0, err
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, d+turnWait)
	defer cancel()
	var state sync.Map // "state": the dialog state the last reply gave
	state.Store("state", agent.StateIdle)
	var heard []glassesTurn
	got := make(chan error, 1)
	go func() { got <- g.collect(ctx, id, start, &heard, &state) }()
	next := start.Add(time.Duration(g.rng.Int64N(int64(commandJitter))))
	frame := make([]byte, 2*frameSamples)
	for k := 0; ; k++ {
		at := start.Add(voice.Duration(k * frameSamples)) // the frame's first sample
		if at.Add(voice.Duration(frameSamples)).After(start.Add(d)) {
			break
		}
		if len(g.mic.say) == 0 && !at.Before(next) {
			st, _ := state.Load("state")
			cmd := g.v.next(g.rng, st.(string))
			if at.Add(voice.Duration(len(cmd.pcm)) + time.Second).Before(start.Add(d)) {
				g.mic.say = cmd.pcm
				said = append(said, heardCommand{cmd: cmd, noise: g.noise, start: at.Add(voice.Duration(cmd.from)), end: at.Add(voice.Duration(cmd.to))})
			}
			next = next.Add(commandGap + time.Duration(g.rng.Int64N(int64(commandJitter))))
		}
		g.mic.frame(frame)
		time.Sleep(time.Until(at.Add(voice.Duration(frameSamples))))
		if err := c.SendAudio(frame); err != nil {
			cancel()
			<-got
			return nil, 0, err
		}
	}
	if err := c.StopAudio(id); err == nil {
		_, err = c.Settle(benchFormat)
	}
	if err != nil {
		cancel()
		<-got
		return nil, 0, err
	}
	if err := <-got; err != nil {
		return nil, 0, err
	}
	return match(said, heard), len(heard), nil
}

// A glassesTurn is the events of one utterance the daemon heard.
type glassesTurn struct {
	from, to time.Time // where its speech began and ended, on the glasses' clock (audio_ms)
	reply    time.Time // when the reply came
	intent   string
	code     string
}

// collect reads the stream's events, as turns, until the session.ready
// that settles the stream, keeping the dialog state the last reply gave.
// The stream's audio began at start.
func (g *glasses) collect(ctx context.Context, id string, start time.Time, turns *[]glassesTurn, state *sync.Map) error {
	var t *glassesTurn
	for {
		ev, err := g.s.client.Next(ctx)
		if err != nil {
			return fmt.Errorf("the stream's events: %w", err)
		}
		at := time.Now()
		audio := start.Add(time.Duration(ev.AudioMS) * time.Millisecond)
		switch {
		case ev.Type == "session.ready":
			return nil
		case ev.ReplyTo != id:
		case ev.Type == ws.EventSpeechStarted:
			t = &glassesTurn{from: audio}
		case t == nil:
			// An error outside an utterance: a frame refused.
		case ev.Type == ws.EventSpeechStopped:
			t.to = audio
		case ev.Type == agent.EventIntent:
			t.intent = ev.Intent.Intent
		case ev.Type == agent.EventError:
			t.code = ev.Error.Code
		case ev.Type == agent.EventReply:
			t.reply = at
			state.Store("state", ev.State)
			*turns = append(*turns, *t)
			t = nil
		}
	}
}

// match gives each command the first turn whose speech, as the endpointer
// found it, overlaps the command's (allowing a frame either side). Turns
// come in order, since the endpointer hears one utterance at a time;
// those that overlap no command were noise.
func match(said []heardCommand, turns []glassesTurn) []heardCommand {
	const slack = 60 * time.Millisecond
	k := 0
	for i := range said {
		for k < len(turns) && turns[k].to.Before(said[i].start.Add(-slack)) {
			k++ // noise before the command
		}
		if k == len(turns) {
			break
		}
		t := turns[k]
		if t.from.After(said[i].end.Add(slack)) {
			continue // the command was not heard: the next turn is after it
		}
		said[i].answered, said[i].reply, said[i].intent, said[i].code = true, t.reply, t.intent, t.code
		k++
	}
	return said
}

// lastLines is the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

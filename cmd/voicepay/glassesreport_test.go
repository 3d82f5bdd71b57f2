package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/voicepay/voicepay/voice/voicetest"
	"github.com/voicepay/voicepay/wallet"
)

// glassesReport is what one run of BenchmarkGlasses measured.
type glassesReport struct {
	glasses  int
	said     int                         // commands said
	correct  int                         // answered with the command's intent
	busy     int                         // refused as busy
	wrong    int                         // answered otherwise
	missed   int                         // not answered
	turns    int                         // the daemon heard, commands and noise
	misses   []string                    // the first few commands heard wrong
	noises   map[string]*voicetest.Tally // answered correctly, by the noise the glasses hear
	decodes  float64                     // utterances handed to the recognizer, from the daemon's /metrics
	late     []time.Duration             // from the end of speech to the reply, for every answered command
	cpu      float64                     // the daemon's CPU time over the run's time: 1 is one core
	benchCPU float64                     // the benchmark's own, glasses and all

	rssBefore, rssAfter int64        // bytes
	rssPeak             atomic.Int64 // bytes
	idle                time.Duration
}

// add counts the commands of every glasses.
func (r *glassesReport) add(heard [][]heardCommand) {
	r.noises = map[string]*voicetest.Tally{}
	for _, hs := range heard {
		for _, h := range hs {
			r.said++
			if r.noises[h.noise] == nil {
				r.noises[h.noise] = &voicetest.Tally{}
			}
			r.noises[h.noise].Add(h.answered && h.code == "" && h.intent == h.cmd.intent)
			switch {
			case !h.answered:
				r.missed++
				continue
			case h.code == wallet.EBUSY:
				r.busy++
			case h.intent == h.cmd.intent:
				r.correct++
			default:
				r.wrong++
				if len(r.misses) < 10 {
					r.misses = append(r.misses, fmt.Sprintf("%s in %s noise: heard as %q (%s) after %s",
						h.cmd.file, h.noise, h.intent, h.code, h.reply.Sub(h.end).Round(time.Millisecond)))
				}
			}
			r.late = append(r.late, h.reply.Sub(h.end))
		}
	}
}

// byNoise is the share answered correctly under each kind of noise.
func (r *glassesReport) byNoise() string {
	var parts []string
	for _, kind := range glassesNoises {
		if t := r.noises[kind]; t != nil {
			parts = append(parts, fmt.Sprintf("%s %s", kind, t))
		}
	}
	return strings.Join(parts, ", ")
}

// share is k of the commands said, in percent.
func (r *glassesReport) share(k int) float64 { return 100 * float64(k) / float64(max(1, r.said)) }

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// line is the run's row of the table in docs/benchmarks.md.
func (r *glassesReport) line() string {
	return fmt.Sprintf("%7s %8s %8s %8s %8s %8s %8s %8s %8s %9s %9s %9s\n%7d %8d %6.0fms %6.0fms %7.1f%% %7.1f%% %7.1f%% %7.1f%% %7.0f%% %6.0fMiB %6.0fMiB %6.0fMiB",
		"glasses", "commands", "p50", "p95", "correct", "busy", "wrong", "missed", "cpu", "rss", "peak", "after",
		r.glasses, r.said, ms(percentile(r.late, 0.5)), ms(percentile(r.late, 0.95)),
		r.share(r.correct), r.share(r.busy), r.share(r.wrong), r.share(r.missed), 100*r.cpu,
		mib(r.rssBefore), mib(r.rssPeak.Load()), mib(r.rssAfter))
}

// reportMetrics gives the run's figures to the benchmark, for make bench.
func (r *glassesReport) reportMetrics(b *testing.B) {
	b.ReportMetric(float64(r.said), "commands")
	b.ReportMetric(ms(percentile(r.late, 0.5)), "p50-ms")
	b.ReportMetric(ms(percentile(r.late, 0.95)), "p95-ms")
	b.ReportMetric(r.share(r.correct), "correct-%")
	var steady voicetest.Tally // white, pink and brown: babble is the recognizer's weakness at any load
	for _, kind := range []string{"white", "pink", "brown"} {
		if t := r.noises[kind]; t != nil {
			steady = steady.Plus(*t)
		}
	}
	b.ReportMetric(100*steady.Rate(), "correct-steady-%")
	b.ReportMetric(r.share(r.busy), "busy-%")
	b.ReportMetric(r.share(r.wrong), "wrong-%")
	b.ReportMetric(r.share(r.missed), "missed-%")
	b.ReportMetric(float64(r.turns-(r.said-r.missed)), "noise-turns")
	b.ReportMetric(r.decodes/float64(max(1, r.turns)), "decodes/turn")
	b.ReportMetric(100*r.cpu, "cpu-%")
	b.ReportMetric(100*r.benchCPU, "bench-cpu-%")
	b.ReportMetric(mib(r.rssBefore), "rss-before-MiB")
	b.ReportMetric(mib(r.rssPeak.Load()), "rss-peak-MiB")
	b.ReportMetric(mib(r.rssAfter), "rss-after-MiB")
	b.ReportMetric(0, "ns/op") // the run's time says nothing
}

// decodes is how many utterances the daemon at addr has handed to its
// recognizer, at the pause or the stop, by its /metrics.
func decodes(tb testing.TB, addr string) float64 {
	tb.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	var sum float64
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "voicepay_speech_decodes_total{"); ok {
			_, v, _ := strings.Cut(rest, "} ")
			n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				tb.Fatalf("/metrics: %q", line)
			}
			sum += n
		}
	}
	return sum
}

// clockTick is the unit of utime and stime in /proc/PID/stat (USER_HZ),
// 100 on Linux everywhere.
const clockTick = 10 * time.Millisecond

// mustCPU is the CPU time process pid has used: utime plus stime.
func mustCPU(tb testing.TB, pid int) time.Duration {
	tb.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		tb.Fatal(err)
	}
	// The command name, in parentheses, may hold spaces: count the fields
	// after it. utime and stime are fields 14 and 15.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		tb.Fatalf("/proc/%d/stat: %q", pid, s)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		tb.Fatalf("/proc/%d/stat: %q", pid, s)
	}
	return time.Duration(utime+stime) * clockTick
}

// rss is the resident memory of process pid (VmRSS), in bytes.
func rss(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("/proc/%d/status has no VmRSS", pid)
}

func mustRSS(tb testing.TB, pid int) int64 {
	tb.Helper()
	n, err := rss(pid)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// settledRSS is the resident memory of process pid once it has stopped
// falling (by less than 1 MiB in 2 s), or after wait.
func settledRSS(tb testing.TB, pid int, wait time.Duration) int64 {
	tb.Helper()
	last := mustRSS(tb, pid)
	for end := time.Now().Add(wait); time.Now().Before(end); {
		time.Sleep(2 * time.Second)
		n := mustRSS(tb, pid)
		if last-n < 1<<20 {
			return n
		}
		last = n
	}
	return last
}

// sampleRSS keeps the largest resident memory of process pid in peak,
// reading it four times a second, until the function it returns is called.
func sampleRSS(pid int, peak *atomic.Int64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			if n, err := rss(pid); err == nil && n > peak.Load() {
				peak.Store(n)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}

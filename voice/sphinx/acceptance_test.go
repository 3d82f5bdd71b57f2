package sphinx_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/voice/sphinx"
)

// fixtureDir is where testdata/fixtures.sh writes the rendered speech.
var fixtureDir = filepath.Join("..", "..", "testdata", "audio")

// clip is a row of the fixtures' manifest.
type clip struct {
	file      string
	intent    string
	slots     intent.Slots
	noisy     bool
	outDomain bool
	text      string
}

var (
	fixturesOnce sync.Once
	fixtures     []clip
	fixturesErr  error
)

// MustFixtures renders the fixtures if they are missing or stale (the
// script does nothing when they are up to date) and reads the manifest.
func MustFixtures(tb testing.TB) []clip {
	tb.Helper()
	fixturesOnce.Do(func() {
		cmd := exec.Command("bash", filepath.Join("..", "..", "testdata", "fixtures.sh"))
		if out, err := cmd.CombinedOutput(); err != nil {
			fixturesErr = fmt.Errorf("testdata/fixtures.sh: %v\n%s", err, out)
			return
		}
		fixtures, fixturesErr = readManifest(filepath.Join(fixtureDir, "manifest.tsv"))
	})
	if fixturesErr != nil {
		tb.Fatalf("speech fixtures: %v", fixturesErr)
	}
	return fixtures
}

func readManifest(path string) ([]clip, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var clips []clip
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		if line == 1 {
			continue // header
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 6 {
			return nil, fmt.Errorf("%s:%d: want 6 columns, got %d", path, line, len(cols))
		}
		c := clip{file: cols[0], intent: cols[1], noisy: cols[3] == "noisy", outDomain: cols[4] == "out", text: cols[5]}
		if err := json.Unmarshal([]byte(cols[2]), &c.slots); err != nil {
			return nil, fmt.Errorf("%s:%d: slots: %w", path, line, err)
		}
		clips = append(clips, c)
	}
	return clips, sc.Err()
}

// outcome is what became of one clip.
type outcome struct {
	clip
	res    sphinx.Result
	parsed intent.Result
}

// accepted says the command came out exactly: the intent and every slot.
func (o outcome) accepted() bool {
	return o.parsed.Intent == o.intent && reflect.DeepEqual(o.parsed.Slots, o.slots)
}

// report sums up a run over the fixtures.
type report struct {
	outcomes                                  []outcome
	clean, cleanOK, noisy, noisyOK            int
	ood, oodNone, oodMoney, oodNoisy, oodNNon int
	audio, decode                             time.Duration
}

func (r report) rate(ok, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(ok) / float64(n)
}

func (r report) String() string {
	return fmt.Sprintf("command acceptance: clean %d/%d = %.1f%%, noisy %d/%d = %.1f%%; out of domain: none %d/%d = %.1f%% (clean), %d/%d = %.1f%% (noisy), money-moving intents %d; real-time factor %.4f (%.1f s of audio in %.2f s)",
		r.cleanOK, r.clean, 100*r.rate(r.cleanOK, r.clean),
		r.noisyOK, r.noisy, 100*r.rate(r.noisyOK, r.noisy),
		r.oodNone, r.ood, 100*r.rate(r.oodNone, r.ood),
		r.oodNNon, r.oodNoisy, 100*r.rate(r.oodNNon, r.oodNoisy),
		r.oodMoney, r.decode.Seconds()/r.audio.Seconds(), r.audio.Seconds(), r.decode.Seconds())
}

// evaluate decodes every clip with recognizers of cfg and parses what they
// heard. The clips of one voice in one condition are one channel, as one
// person's utterances into one microphone are: they are decoded in the
// manifest's order on a recognizer of their own, since the decoder's noise
// estimate carries from one utterance to the next. The channels share out
// among one worker per CPU, so every run gives the same results.
func evaluate(tb testing.TB, cfg sphinx.Config, clips []clip) report {
	tb.Helper()
	p := MustParser(tb)
	var channels [][]int
	byName := map[string]int{}
	for i, c := range clips {
		_, name, _ := strings.Cut(c.file, "-") // "in01-us140-clean.wav": "us140-clean.wav"
		k, ok := byName[name]
		if !ok {
			k = len(channels)
			byName[name] = k
			channels = append(channels, nil)
		}
		channels[k] = append(channels[k], i)
	}
	outcomes := make([]outcome, len(clips))
	next := make(chan []int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	fail := func(err error) {
		mu.Lock()
		firstErr = cmpOr(firstErr, err)
		mu.Unlock()
	}
	for range min(runtime.NumCPU(), 4) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for channel := range next {
				r, err := sphinx.New(withGrammar(tb, cfg))
				if err != nil {
					fail(err)
					continue
				}
				for _, i := range channel {
					c := clips[i]
					samples, err := readWAV(filepath.Join(fixtureDir, c.file))
					if err == nil {
						var res sphinx.Result
						res, err = r.Decode(context.Background(), samples)
						outcomes[i] = outcome{clip: c, res: res, parsed: p.Parse(res.Text)}
					}
					if err != nil {
						fail(fmt.Errorf("%s: %w", c.file, err))
					}
				}
				if err := r.Close(); err != nil {
					fail(err)
				}
			}
		}()
	}
	for _, ch := range channels {
		next <- ch
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		tb.Fatal(firstErr)
	}
	var rep report
	rep.outcomes = outcomes
	for _, o := range outcomes {
		rep.audio += o.res.Audio
		rep.decode += o.res.Elapsed
		switch {
		case o.outDomain:
			if intent.MovesMoney(o.parsed.Intent) {
				rep.oodMoney++
			}
			if o.noisy {
				rep.oodNoisy++
				if o.parsed.Intent == intent.None {
					rep.oodNNon++
				}
				continue
			}
			rep.ood++
			if o.parsed.Intent == intent.None {
				rep.oodNone++
			}
		case o.noisy:
			rep.noisy++
			if o.accepted() {
				rep.noisyOK++
			}
		default:
			rep.clean++
			if o.accepted() {
				rep.cleanOK++
			}
		}
	}
	return rep
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// TestManifestParses checks the fixtures' expected intents and slots
// against the parser reading the sentences as text: a clip that fails
// below is the recognizer's fault, not the manifest's.
func TestManifestParses(t *testing.T) {
	p := MustParser(t)
	for _, c := range MustFixtures(t) {
		got := p.Parse(c.text)
		if got.Intent != c.intent || !reflect.DeepEqual(got.Slots, c.slots) {
			t.Errorf("%s %q: the parser says %s %+v, the manifest %s %+v", c.file, c.text, got.Intent, got.Slots, c.intent, c.slots)
		}
	}
}

// MoneyConfig is the configuration voicepay runs the recognizer with: every
// hypothesis the parser would read as a money-moving intent must also pass
// the verification pass.
func MoneyConfig(tb testing.TB) sphinx.Config {
	p := MustParser(tb)
	return sphinx.Config{Verify: func(text string) bool { return intent.MovesMoney(p.Parse(text).Intent) }}
}

// logOutcomes logs every clip that did not come out right.
func logOutcomes(tb testing.TB, rep report) {
	for _, o := range rep.outcomes {
		switch {
		case o.outDomain && o.parsed.Intent != intent.None:
			tb.Logf("out of domain %s %q: heard %q → %s", o.file, o.text, o.res.Text, o.parsed.Intent)
		case !o.outDomain && !o.accepted():
			tb.Logf("missed %s %q: heard %q (%q, rejected %v) → %s %+v", o.file, o.text, o.res.Text, o.res.Heard, o.res.Rejected, o.parsed.Intent, o.parsed.Slots)
		}
	}
}

// TestAcceptance decodes every fixture (in-domain and out-of-domain, clean
// and noisy) through the recognizer with the full default grammar and
// parses what it heard. No out-of-domain clip may become a money-moving
// intent. The command acceptance rates are logged, with floors that catch
// a regression; BenchmarkAcceptance reports them to make bench against the
// targets (95% clean, 85% noisy), which espeak-ng's voices do not reach yet
// with money protected.
func TestAcceptance(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes 624 clips, about 2 min; run without -short")
	}
	rep := evaluate(t, MoneyConfig(t), MustFixtures(t))
	logOutcomes(t, rep)
	t.Log(rep)
	if rep.oodMoney > 0 {
		t.Errorf("%d out-of-domain clips became money-moving intents", rep.oodMoney)
	}
	if got := rep.rate(rep.cleanOK, rep.clean); got < 0.80 {
		t.Errorf("clean command acceptance %.3f, want at least 0.80", got)
	}
	if got := rep.rate(rep.noisyOK, rep.noisy); got < 0.70 {
		t.Errorf("noisy command acceptance %.3f, want at least 0.70", got)
	}
}

// BenchmarkAcceptance decodes every fixture as TestAcceptance does and
// reports the command acceptance rate (intent and every slot exactly right)
// on clean and noisy speech, the share of out-of-domain clips that yield
// none, how many out-of-domain clips became money-moving intents, and the
// real-time factor of the run; make bench prints them against their
// targets. Misses are logged with -v.
func BenchmarkAcceptance(b *testing.B) {
	clips := MustFixtures(b)
	var rep report
	for i := 0; i < b.N; i++ {
		rep = evaluate(b, MoneyConfig(b), clips)
	}
	logOutcomes(b, rep)
	b.Log(rep)
	b.ReportMetric(100*rep.rate(rep.cleanOK, rep.clean), "clean-%")
	b.ReportMetric(100*rep.rate(rep.noisyOK, rep.noisy), "noisy-%")
	b.ReportMetric(100*rep.rate(rep.oodNone+rep.oodNNon, rep.ood+rep.oodNoisy), "ood-none-%")
	b.ReportMetric(float64(rep.oodMoney), "ood-money")
	b.ReportMetric(rep.decode.Seconds()/rep.audio.Seconds(), "rtf")
}

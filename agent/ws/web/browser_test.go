package web_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/internal/agenttest"
	"github.com/voicepay/voicepay/agent/speech"
	"github.com/voicepay/voicepay/agent/ws"
	"github.com/voicepay/voicepay/intent"
)

// The browser tests drive the companion in a real Chromium, headless, with
// a fake microphone that plays a WAV file, against a real daemon.

const (
	chromium = "/usr/bin/chromium"
	opening  = 100000 // what each daemon's wallet starts with: 1000 yuan
)

// daemon is a real server over a real hub on a loopback port. The page
// pairs as the user device "glasses" with a pairing code (pairPage).
type daemon struct {
	*agenttest.Hub
	Server *ws.Server
	Token  string // the glasses', once the page has paired
	Base   string // http://127.0.0.1:port, or https://localhost:port over TLS
}

// mustOpenDaemon serves a hub on 127.0.0.1:0, with the recognizer the
// daemon hears websocket audio with when hear is true. The wallet's clock
// stands at the time the test starts, so that its payments are today's.
func mustOpenDaemon(t *testing.T, hear bool) *daemon {
	t.Helper()
	return openDaemon(t, hear, nil)
}

// openDaemon opens the daemon, setting up its server with setup (when not
// nil) before it is opened.
func openDaemon(t *testing.T, hear bool, setup func(*ws.Server), opt ...agenttest.Option) *daemon {
	t.Helper()
	h := agenttest.MustOpenHub(t, opt...)
	h.Clock.Set(time.Now().UTC().Truncate(time.Second))
	h.MustTopup(opening)
	s := ws.NewServer(h.Hub, "127.0.0.1:0")
	s.Logger = slog.New(h.Logs)
	if hear {
		r, err := speech.New(h.Parser, 1)
		if err != nil {
			t.Fatalf("speech recognizer: %v", err)
		}
		t.Cleanup(func() { r.Close() })
		s.Recognizer = &logged{r: r, t: t}
	}
	if setup != nil {
		setup(s)
	}
	if err := s.Open(); err != nil {
		t.Fatalf("open server: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close server: %v", err)
		}
	})
	return &daemon{Hub: h, Server: s, Base: s.URL()}
}

// mustPairingCode issues a pairing code for a user device called name.
func (d *daemon) mustPairingCode(t *testing.T, name string) string {
	t.Helper()
	code, _, err := d.DB.NewPairingCode(context.Background(), name)
	if err != nil {
		t.Fatalf("pairing code for %s: %v", name, err)
	}
	return code
}

// logged passes each utterance to the recognizer, and logs what it heard
// and keeps the audio in the artifacts directory, for a test that fails.
type logged struct {
	r *speech.Recognizer
	t *testing.T
	n atomic.Int32
}

func (l *logged) Recognize(ctx context.Context, samples []int16, grammar *intent.Graph) (agent.Heard, error) {
	h, err := l.r.Recognize(ctx, samples, grammar)
	file := filepath.Join(artifacts(l.t), fmt.Sprintf("%s-utterance%d.wav", l.t.Name(), l.n.Add(1)))
	if werr := writeWAV(file, samples); werr != nil {
		l.t.Errorf("keep the utterance: %v", werr)
	}
	l.t.Logf("the daemon heard %.2f s (%s): %q at %.2f, %v", float64(len(samples))/16000, file, h.Text, h.Confidence, err)
	return h, err
}

// writeWAV writes 16 kHz mono PCM16LE samples as a WAV file.
func writeWAV(name string, samples []int16) error {
	var b bytes.Buffer
	n := uint32(2 * len(samples))
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, 36+n)
	b.WriteString("WAVEfmt ")
	binary.Write(&b, binary.LittleEndian, []any{uint32(16), uint16(1), uint16(1), uint32(16000), uint32(32000), uint16(2), uint16(16)})
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, n)
	binary.Write(&b, binary.LittleEndian, samples)
	return os.WriteFile(name, b.Bytes(), 0o644)
}

// needChromium skips the test when Debian's chromium is not installed,
// except on CI, where it must be.
func needChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing on CI (make deps installs chromium): %v", chromium, err)
		}
		t.Skipf("%s is not installed (make deps installs chromium); skipping the browser test", chromium)
	}
}

// mustSpeechWAV speaks text with espeak-ng into a 16 kHz mono WAV, with
// 1.5 s of silence before it and 3 s after, for the fake microphone.
func mustSpeechWAV(t *testing.T, text string) string {
	t.Helper()
	dir := t.TempDir()
	raw, wav := filepath.Join(dir, "raw.wav"), filepath.Join(dir, "speech.wav")
	for _, cmd := range [][]string{
		{"espeak-ng", "-v", "en-us", "-s", "140", "-w", raw, text},
		{"sox", raw, "-r", "16000", "-c", "1", "-b", "16", wav, "pad", "1.5", "3"},
	} {
		if out, err := exec.Command(cmd[0], cmd[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(cmd, " "), err, out)
		}
	}
	return wav
}

// browser is a headless Chromium tab, with the page's console kept.
type browser struct {
	ctx context.Context
	t   *testing.T

	mu       sync.Mutex
	problems []string // exceptions and security refusals (CSP) the page met
}

// mustBrowser starts Chromium with a fresh profile, whose fake microphone
// plays wav over and over ("" plays a tone), with flags added. Cleanup fails the test on any exception
// or Content-Security-Policy refusal the page logged.
func mustBrowser(t *testing.T, wav string, flags ...chromedp.ExecAllocatorOption) *browser {
	t.Helper()
	needChromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
	)
	if wav != "" {
		opts = append(opts, chromedp.Flag("use-file-for-fake-audio-capture", wav))
	}
	opts = append(opts, flags...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	ctx, cancelTab := chromedp.NewContext(ctx)
	b := &browser{ctx: ctx, t: t}
	if err := chromedp.Do(ctx); err != nil { // starts the browser and the tab
		t.Fatalf("start chromium: %v", err)
	}
	var wg sync.WaitGroup
	wg.Go(func() { b.watch() })
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancel()
		wg.Wait()
		for _, p := range b.problems {
			t.Errorf("the page: %s", p)
		}
	})
	return b
}

// watch logs the page's console and keeps its problems, until the tab ends.
func (b *browser) watch() {
	for m, err := range chromedp.Console(b.ctx) {
		if err != nil {
			return
		}
		b.t.Logf("page console: %s", m)
		if m.IsException() || m.Source == "security" {
			b.mu.Lock()
			b.problems = append(b.problems, m.String())
			b.mu.Unlock()
		}
	}
}

func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// wait polls a JavaScript expression until it is truthy, and returns it.
func (b *browser) wait(expr string, timeout time.Duration) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Poll[any](expr, chromedp.WithPollingTimeout(timeout), chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		b.t.Fatalf("waiting for %s: %v\nlog: %s", expr, err, b.log())
	}
	return fmt.Sprint(v)
}

func (b *browser) eval(expr string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[any](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return fmt.Sprint(v)
}

// center is the middle of the element with the id, in the page's pixels.
func (b *browser) center(id string) (x, y float64) {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]float64](fmt.Sprintf(
		`(() => { const r = document.getElementById(%q).getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2] })()`, id)))
	if err != nil || len(v) != 2 {
		b.t.Fatalf("the center of #%s: %v %v", id, v, err)
	}
	return v[0], v[1]
}

// log is the conversation as the page shows it, one entry a line.
func (b *browser) log() string {
	v, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](
		`[...document.querySelectorAll("#log .entry")].map(e => e.className + ": " + e.textContent).join("\n")`))
	return v
}

// pairPage opens the companion with a pairing link for the glasses,
// /#pair=CODE, as the daemon prints it; the page exchanges the code for a
// token, which the test then keeps in d.Token, and clears the fragment.
func pairPage(b *browser, d *daemon) {
	b.t.Helper()
	b.do(chromedp.Navigate(d.Base + "/#pair=" + d.mustPairingCode(b.t, "glasses")))
	b.waitPaired(d, "glasses")
}

// waitPaired waits for the page to be paired as the device name and
// connected, and keeps its token in d.Token.
func (b *browser) waitPaired(d *daemon, name string) {
	b.t.Helper()
	b.wait(`document.body.dataset.paired === "true" && document.getElementById("link").classList.contains("on")`, 10*time.Second)
	if got := b.eval(`location.hash`); got != "" {
		b.t.Errorf("the pairing code stays in the address bar: %q", got)
	}
	if got := b.eval(`document.getElementById("device-name").textContent`); got != name {
		b.t.Errorf("device name %q, want %s", got, name)
	}
	d.Token = b.eval(`localStorage.getItem("voicepay.token")`)
	if !strings.HasPrefix(d.Token, "vp_u_") {
		b.t.Fatalf("the page keeps the token %q, want a user token", d.Token)
	}
}

// say types text into the page and returns the reply the page shows.
func (b *browser) say(text string) string {
	b.t.Helper()
	n := b.eval(`document.querySelectorAll("#log .entry.reply").length`)
	b.do(chromedp.SetValue(chromedp.ID("text-input"), text), chromedp.Click(chromedp.CSS("#text-form button")))
	return b.wait(fmt.Sprintf(`(() => { const r = document.querySelectorAll("#log .entry.reply");
		return r.length > %s && r[r.length - 1].textContent })()`, n), 15*time.Second)
}

// artifacts is where the tests keep screenshots and audio: the directory
// $VOICEPAY_ARTIFACTS, or else testdata/artifacts, which git ignores.
func artifacts(t *testing.T) string {
	dir := os.Getenv("VOICEPAY_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("testdata", "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// screenshots saves the page at desktop and phone width as name-desktop.png
// and name-phone.png, in $VOICEPAY_ARTIFACTS or else testdata/artifacts.
func (b *browser) screenshots(name string) {
	b.t.Helper()
	dir := artifacts(b.t)
	for _, size := range []struct {
		name string
		w, h int64
		opts []chromedp.EmulateViewportOption
	}{
		{"desktop", 1280, 800, nil},
		{"phone", 390, 844, []chromedp.EmulateViewportOption{chromedp.EmulateMobile}},
	} {
		b.do(chromedp.EmulateViewport(size.w, size.h, size.opts...))
		png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			b.t.Fatalf("screenshot: %v", err)
		}
		file := filepath.Join(dir, name+"-"+size.name+".png")
		if err := os.WriteFile(file, png, 0o644); err != nil {
			b.t.Fatal(err)
		}
		b.t.Logf("screenshot %s", file)
	}
	b.do(chromedp.EmulateViewport(1280, 800))
}

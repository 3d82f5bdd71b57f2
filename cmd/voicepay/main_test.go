package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/voicepay/voicepay/agent/ws"
	"github.com/voicepay/voicepay/voice"
)

// TestMain lets the test binary run as the voicepay binary inside scripts.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"voicepay": main})
}

// TestScripts drives the real binary through the scripts in testdata/script.
// Each script gets its own data directory. Its daemon listens on any free
// loopback port, which the kernel picks as it binds, and the CLI finds it in
// the daemon's address file.
func TestScripts(t *testing.T) {
	testscript.Run(t, scriptParams())
}

// scriptParams are how every script runs.
func scriptParams() testscript.Params {
	return testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("VOICEPAY_DATA", filepath.Join(env.WorkDir, "data"))
			env.Setenv("VOICEPAY_LISTEN", "127.0.0.1:0")
			env.Setenv("VOICEPAY_LOG_LEVEL", "warn")
			// No odd hours, so that the time of day a test runs at changes nothing.
			env.Setenv("VOICEPAY_RISK_ODD_HOURS_START", "0")
			env.Setenv("VOICEPAY_RISK_ODD_HOURS_END", "0")
			env.Setenv("HOME", env.WorkDir)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"waitserve":  waitServe,
			"totpcode":   totpCode,
			"micinput":   micInput,
			"waitpaid":   waitPaid,
			"exitwithin": exitWithin,
			"pushed":     pushed,
			"pairwith":   pairWith,
			"api":        api,
		},
	}
}

// waitServe waits until the daemon answers at the address in its address
// file, or, negated, until it no longer does. Once the CLI has a token, the
// daemon must also take it: an address file left by a killed daemon may name
// a port that another test's daemon has since bound. A daemon serving TLS
// is checked against the CA that voicepay tls init made.
func waitServe(ts *testscript.TestScript, neg bool, args []string) {
	client := http.Client{Timeout: time.Second}
	if ca, err := os.ReadFile(filepath.Join(ts.Getenv("VOICEPAY_DATA"), "tls", "ca.pem")); err == nil {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(ca)
		client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	}
	addr := ""
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		var up bool
		addr, up = daemonUp(ts, &client)
		if up != neg {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	if neg {
		ts.Fatalf("daemon still answers at %s", addr)
	}
	ts.Fatalf("daemon did not come up (last address %q)", addr)
}

// daemonUp reports whether this script's daemon answers, and where it looked.
func daemonUp(ts *testscript.TestScript, client *http.Client) (addr string, up bool) {
	data := ts.Getenv("VOICEPAY_DATA")
	b, err := os.ReadFile(filepath.Join(data, "addr"))
	if errors.Is(err, os.ErrNotExist) {
		return "", false
	}
	ts.Check(err)
	addr = strings.TrimSpace(string(b))
	base := "http://" + addr
	if b, err := os.ReadFile(filepath.Join(data, "url")); err == nil {
		base = strings.TrimSpace(string(b)) // https, for a daemon serving TLS
	}
	get := func(path, token string) bool {
		req, err := http.NewRequest(http.MethodGet, base+path, nil)
		ts.Check(err)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
	if !get("/healthz", "") {
		return addr, false
	}
	token, err := os.ReadFile(filepath.Join(data, "token"))
	if errors.Is(err, os.ErrNotExist) {
		return addr, true
	}
	ts.Check(err)
	return addr, get("/v1/wallet/balance", strings.TrimSpace(string(token)))
}

// scriptDaemonAddr is the address in the script's daemon's address file.
func scriptDaemonAddr(ts *testscript.TestScript) string {
	return strings.TrimSpace(ts.ReadFile(filepath.Join(ts.Getenv("VOICEPAY_DATA"), "addr")))
}

// exitWithin fails the script unless every command started in the
// background since the last wait has exited within the given time. It
// does not collect them: wait does, with their output and exit status.
func exitWithin(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: exitwithin DURATION")
	}
	limit, err := time.ParseDuration(args[0])
	ts.Check(err)
	start := time.Now()
	for _, cmd := range ts.BackgroundCmds() {
		// wait reaps a command as soon as it exits; signal 0 then finds
		// it gone.
		for cmd.Process.Signal(syscall.Signal(0)) == nil {
			if time.Since(start) > limit {
				ts.Fatalf("%s still runs after %v", strings.Join(cmd.Args, " "), limit)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	ts.Logf("exited within %v", time.Since(start).Round(time.Millisecond))
}

// totpCode puts the authenticator's current code, from the secret that
// init --totp wrote, in $TOTP_CODE, as an authenticator app would show it.
func totpCode(ts *testscript.TestScript, neg bool, args []string) {
	secret := strings.TrimSpace(ts.ReadFile(filepath.Join(ts.Getenv("VOICEPAY_DATA"), "totp-secret")))
	code, err := totp.GenerateCode(secret, time.Now())
	ts.Check(err)
	ts.Setenv("TOTP_CODE", code)
}

// micInput renders each argument as speech with espeak-ng, joins the
// utterances with a second of silence between them, and makes that the
// capture side of ALSA's default device for the commands that follow: a
// "file" plugin reading raw PCM16 mono 16 kHz, with a "null" playback side.
func micInput(ts *testscript.TestScript, neg bool, args []string) {
	dir := ts.MkAbs("mic")
	ts.Check(os.MkdirAll(dir, 0o755))
	silence := make([]int16, voice.SampleRate)
	pcm := append([]int16(nil), silence...)
	for i, text := range args {
		wav := filepath.Join(dir, fmt.Sprintf("%d.wav", i))
		out, err := exec.Command("espeak-ng", "-w", wav, text).CombinedOutput()
		if err != nil {
			ts.Fatalf("espeak-ng %q: %v\n%s", text, err, out)
		}
		f, err := os.Open(wav)
		ts.Check(err)
		samples, _, err := voice.ReadWAV(f, nil)
		f.Close()
		ts.Check(err)
		pcm = append(append(pcm, samples...), silence...)
	}
	pcm = append(pcm, silence...)
	raw := make([]byte, 0, 2*len(pcm))
	for _, v := range pcm {
		raw = binary.LittleEndian.AppendUint16(raw, uint16(v))
	}
	rawPath := filepath.Join(dir, "input.raw")
	ts.Check(os.WriteFile(rawPath, raw, 0o644))
	conf := filepath.Join(dir, "asound.conf")
	ts.Check(os.WriteFile(conf, []byte(fmt.Sprintf(`pcm.!default {
	type file
	slave.pcm "null"
	file "/dev/null"
	infile "%s"
	format "raw"
}
`, rawPath)), 0o644))
	ts.Setenv("ALSA_CONFIG_PATH", "/usr/share/alsa/alsa.conf:"+conf)
}

// waitPaid waits until the ledger has paid the given number of orders, as
// the daemon reports to the CLI's token.
func waitPaid(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: waitpaid COUNT")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	token := strings.TrimSpace(ts.ReadFile(filepath.Join(ts.Getenv("VOICEPAY_DATA"), "token")))
	url := "http://" + scriptDaemonAddr(ts) + "/v1/wallet/history?limit=1000"
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		var out struct{ Transfers []struct{ Kind string } }
		if resp, err := http.DefaultClient.Do(req); err == nil {
			json.NewDecoder(resp.Body).Decode(&out)
			resp.Body.Close()
		}
		paid := 0
		for _, t := range out.Transfers {
			if t.Kind == "post" {
				paid++
			}
		}
		if paid >= want {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	ts.Fatalf("fewer than %d payments after 90 s", want)
}

// pushed connects to the daemon as the CLI's device, as voicepay chat
// does, and prints each event the daemon pushes outside any turn as a JSON
// line, until one matches the regular expression; it fails if none has
// within the time given.
func pushed(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: pushed DURATION REGEXP")
	}
	limit, err := time.ParseDuration(args[0])
	ts.Check(err)
	re, err := regexp.Compile(args[1])
	ts.Check(err)
	token := strings.TrimSpace(ts.ReadFile(filepath.Join(ts.Getenv("VOICEPAY_DATA"), "token")))
	cl := ws.NewClient("http://"+scriptDaemonAddr(ts), token)
	events := make(chan ws.ServerEvent, 64)
	cl.Pushed = func(e ws.ServerEvent) {
		select {
		case events <- e:
		default:
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	ts.Check(cl.Dial(ctx))
	defer cl.Close()
	for {
		select {
		case e := <-events:
			b, err := json.Marshal(e)
			ts.Check(err)
			fmt.Fprintf(ts.Stdout(), "%s\n", b)
			if re.Match(b) {
				return
			}
		case <-ctx.Done():
			ts.Fatalf("no pushed event matched %q within %v", args[1], limit)
		}
	}
}

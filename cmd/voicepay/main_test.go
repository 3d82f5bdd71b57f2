package main

import (
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the test binary run as the voicepay binary inside scripts.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"voicepay": main})
}

// TestScripts drives the real binary through the scripts in testdata/script.
// Each script gets its own data directory and a free loopback port.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			port, err := freePort()
			if err != nil {
				return err
			}
			env.Setenv("VOICEPAY_DATA", filepath.Join(env.WorkDir, "data"))
			env.Setenv("VOICEPAY_LISTEN", fmt.Sprintf("127.0.0.1:%d", port))
			env.Setenv("VOICEPAY_LOG_LEVEL", "warn")
			// No odd hours, so that the time of day a test runs at changes nothing.
			env.Setenv("VOICEPAY_RISK_ODD_HOURS_START", "0")
			env.Setenv("VOICEPAY_RISK_ODD_HOURS_END", "0")
			env.Setenv("HOME", env.WorkDir)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"waitserve": waitServe,
			"totpcode":  totpCode,
		},
	})
}

// waitServe waits until the daemon answers /healthz, or, negated, until it no
// longer does.
func waitServe(ts *testscript.TestScript, neg bool, args []string) {
	url := "http://" + ts.Getenv("VOICEPAY_LISTEN") + "/healthz"
	client := http.Client{Timeout: time.Second}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := client.Get(url)
		up := err == nil && resp.StatusCode == http.StatusOK
		if resp != nil {
			resp.Body.Close()
		}
		if up != neg {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	if neg {
		ts.Fatalf("daemon still answers at %s", url)
	}
	ts.Fatalf("daemon did not come up at %s", url)
}

// totpCode puts the authenticator's current code, from the secret that
// init --totp wrote, in $TOTP_CODE, as an authenticator app would show it.
func totpCode(ts *testscript.TestScript, neg bool, args []string) {
	secret := strings.TrimSpace(ts.ReadFile(filepath.Join(ts.Getenv("VOICEPAY_DATA"), "totp-secret")))
	code, err := totp.GenerateCode(secret, time.Now())
	ts.Check(err)
	ts.Setenv("TOTP_CODE", code)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

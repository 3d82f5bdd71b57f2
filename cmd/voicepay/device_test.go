package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/voicepay/voicepay/agent/ws"
)

// pairWith does what a new device does with a pairing code: it posts the
// code that the previous command printed as JSON to the script's daemon's
// /v1/pair, with no token, and prints the answer. On success the device's
// token goes in $DEVICE_TOKEN.
func pairWith(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 0 {
		ts.Fatalf("usage: pairwith (after voicepay device pair --json)")
	}
	var pc ws.PairingCode
	if err := json.Unmarshal([]byte(ts.ReadFile("stdout")), &pc); err != nil || pc.Code == "" {
		ts.Fatalf("the previous command printed no pairing code as JSON: %v", err)
	}
	body, err := json.Marshal(ws.PairRequest{Code: pc.Code})
	ts.Check(err)
	status, answer := apiCall(ts, http.MethodPost, "/v1/pair", "", body)
	fmt.Fprintf(ts.Stdout(), "%d %s\n", status, answer)
	if (status == http.StatusOK) == neg {
		ts.Fatalf("pair: %d %s", status, answer)
	}
	if status == http.StatusOK {
		var out ws.PairResponse
		ts.Check(json.Unmarshal(answer, &out))
		ts.Setenv("DEVICE_TOKEN", out.Token)
	}
}

// api sends one request to the script's daemon with a token and prints
// the status and the answer; it fails unless the status is 200, or,
// negated, unless it is not.
func api(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: api METHOD PATH TOKEN")
	}
	status, answer := apiCall(ts, args[0], args[1], args[2], nil)
	fmt.Fprintf(ts.Stdout(), "%d %s\n", status, answer)
	if (status == http.StatusOK) == neg {
		ts.Fatalf("%s %s: %d %s", args[0], args[1], status, answer)
	}
}

func apiCall(ts *testscript.TestScript, method, path, token string, body []byte) (int, []byte) {
	req, err := http.NewRequest(method, "http://"+scriptDaemonAddr(ts)+path, bytes.NewReader(body))
	ts.Check(err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	client := http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	ts.Check(err)
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	ts.Check(err)
	return resp.StatusCode, bytes.TrimSpace(answer)
}

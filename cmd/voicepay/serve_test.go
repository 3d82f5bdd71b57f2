package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/voicepay/voicepay/agent"
)

// TestLogTurn never logs nor shows what answered a PIN prompt on the
// microphone.
func TestLogTurn(t *testing.T) {
	for _, tc := range []struct {
		turn  agent.Turn
		heard string
		shown bool
	}{
		{agent.Turn{Reply: "To enable payments, say your PIN.", State: agent.StateInactive}, "enable alipay payment function", true},
		{agent.Turn{Reply: "Payments are enabled.", State: agent.StateIdle, Secret: true}, "two four six eight", false},
	} {
		var logs, shown bytes.Buffer
		logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		logTurn(logger, &shown, &tc.turn, agent.Heard{Text: tc.heard, Confidence: 0.9})
		for name, out := range map[string]string{"log": logs.String(), "shown": shown.String()} {
			if got := strings.Contains(out, tc.heard); got != tc.shown {
				t.Errorf("%s %q: has the text %v, want %v", name, out, got, tc.shown)
			}
			if !strings.Contains(out, tc.turn.Reply) {
				t.Errorf("%s %q: no reply", name, out)
			}
		}
	}
}

package agent_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/internal/agenttest"
	"github.com/voicepay/voicepay/agent/speech"
	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/voice"
	"github.com/voicepay/voicepay/wallet"
)

// speakAs renders text with espeak-ng in a voice ("en-us", "en+m3", ...)
// at a speed in words a minute, with half a second of quiet either side.
func speakAs(tb testing.TB, voiceName string, speed, text string) []int16 {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "said.wav")
	if out, err := exec.Command("espeak-ng", "-v", voiceName, "-s", speed, "-w", path, text).CombinedOutput(); err != nil {
		tb.Fatalf("espeak-ng (make deps installs it): %v\n%s", err, out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	samples, _, err := voice.ReadWAV(bytes.NewReader(b), nil)
	if err != nil {
		tb.Fatal(err)
	}
	quiet := make([]int16, voice.SampleRate/2)
	return append(append(append([]int16(nil), quiet...), samples...), quiet...)
}

// TestSpokenPayeeName: with subscriptions to two payees an agent named, the
// grammar the dialog listens with takes their names, so that "cancel my
// subscription to acme cloud", spoken, is heard and revokes that one only;
// the grammar without the names cannot hear it.
func TestSpokenPayeeName(t *testing.T) {
	if testing.Short() {
		t.Skip("renders and decodes speech")
	}
	h, s := MustOpenAgent(t)
	rec, err := speech.New(h.Parser, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rec.Close() })
	ctx := context.Background()
	acme := mustSubscribe(t, h, "acme", Metered) // payee acme_cloud
	other := Metered
	other.Payee = "bright_data"
	bright := mustSubscribe(t, h, "bright", other)
	for range 2 {
		if turn := s.Say(ctx, agent.Input{Text: "approve the subscription"}); turn.Err != nil {
			t.Fatalf("approve: %q %v", turn.Reply, turn.Err)
		} else {
			t.Logf("approve: %q", turn.Reply)
		}
	}
	for _, id := range []uint64{acme.ID, bright.ID} {
		if m := mandate(t, h, id); m.State != wallet.MandateActive {
			t.Fatalf("mandate %d is %s, want active", id, m.State)
		}
	}

	const said = "cancel my subscription to acme cloud"
	named := s.Grammar()
	plain := h.Parser.Grammar(agent.Accepts(agent.StateIdle)...)
	heard := 0
	for _, v := range []struct{ voice, speed string }{{"en-us", "160"}, {"en+m3", "150"}, {"en-gb+f2", "170"}} {
		clip := speakAs(t, v.voice, v.speed, said)
		got, err := rec.Recognize(ctx, clip, named)
		if err != nil {
			t.Fatalf("%s: %v", v.voice, err)
		}
		t.Logf("%s: heard %q", v.voice, got.Text)
		if got.Text == said {
			heard++
		}
		if got, err := rec.Recognize(ctx, clip, plain); err != nil || got.Text == said {
			t.Errorf("%s: without the names the grammar heard %q (%v)", v.voice, got.Text, err)
		}
	}
	if heard < 2 {
		t.Fatalf("%q heard in %d of 3 voices, want at least 2", said, heard)
	}
	turn := s.Say(ctx, agent.Input{Text: said, Channel: "voice"})
	if turn.Err != nil || mandate(t, h, acme.ID).State != wallet.MandateRevoked || mandate(t, h, bright.ID).State != wallet.MandateActive {
		t.Errorf("heard %q: %q %v; want acme_cloud's revoked and bright_data's still active", said, turn.Reply, turn.Err)
	}
	if r := h.Parser.ParseSpeech(said); r.Intent != intent.None {
		t.Logf("the templates alone read it as %s", r.Intent)
	}
}

// mandate reads mandate id.
func mandate(t *testing.T, h *agenttest.Hub, id uint64) *wallet.Mandate {
	t.Helper()
	m, err := h.DB.Mandate(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

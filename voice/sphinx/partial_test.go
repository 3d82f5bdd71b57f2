package sphinx_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voicepay/voicepay/voice"
	"github.com/voicepay/voicepay/voice/sphinx"
)

// TestDecodePartial: the speech so far of an utterance is heard as the
// words of the sentence so far, with the first pass only: no verification,
// even of a sentence Verify picks. The word being spoken is left out,
// rather than the whole taken for speech the words do not explain.
func TestDecodePartial(t *testing.T) {
	const said = "buy two lattes from luckin coffee"
	r := MustRecognizer(t, sphinx.Config{Verify: func(string) bool { return true }})
	path := filepath.Join(t.TempDir(), "clip.wav")
	if out, err := exec.Command("espeak-ng", "-w", path, said).CombinedOutput(); err != nil {
		t.Fatalf("espeak-ng (make deps installs it): %v\n%s", err, out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	clip, _, err := voice.ReadWAV(bytes.NewReader(b), nil)
	if err != nil {
		t.Fatal(err)
	}
	// Quiet before, as the endpointer's pre-roll gives it, so that the
	// word being spoken is loud beside what came before.
	samples := append(make([]int16, sphinx.SampleRate/2), clip...)
	var heard []string
	for n := sphinx.SampleRate * 7 / 10; ; n += sphinx.SampleRate * 7 / 10 {
		n = min(n, len(samples))
		res, err := r.DecodePartial(context.Background(), samples[:n])
		if err != nil {
			t.Fatal(err)
		}
		if res.Verified {
			t.Errorf("%d ms: verified; a partial is the first pass only", n*1000/sphinx.SampleRate)
		}
		if res.Text != "" {
			heard = append(heard, res.Text)
			if !strings.HasPrefix(said, res.Text) {
				t.Errorf("%d ms: heard %q, not the start of %q", n*1000/sphinx.SampleRate, res.Text, said)
			}
		}
		if n == len(samples) {
			break
		}
	}
	if len(heard) < 3 || heard[len(heard)-1] != said || heard[0] == said {
		t.Errorf("heard %q as it went on, want words so far and %q at the end", heard, said)
	}
}

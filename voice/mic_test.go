//go:build cgo && linux

package voice_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/voicepay/voicepay/voice"
	"github.com/voicepay/voicepay/voice/voicetest"
)

// alsaFileDevice makes ALSA's default PCM device a "file" plugin whose
// capture side plays back the raw PCM16LE mono 16 kHz samples given, for
// this test process only (through ALSA_CONFIG_PATH).
func alsaFileDevice(t *testing.T, samples []int16) {
	t.Helper()
	const system = "/usr/share/alsa/alsa.conf"
	if _, err := os.Stat(system); err != nil {
		t.Fatalf("ALSA is not installed (%v): run make deps", err)
	}
	dir := t.TempDir()
	raw := filepath.Join(dir, "input.raw")
	if err := os.WriteFile(raw, pcmBytes(samples), 0o644); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "asound.conf")
	body := fmt.Sprintf(`pcm.!default {
	type file
	slave.pcm "null"
	file "/dev/null"
	infile %q
	format "raw"
}
`, raw)
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ALSA_CONFIG_PATH", system+":"+conf)
}

// TestMicCapturesALSAFile captures from a real ALSA device, fed from a
// file, through miniaudio, and expects exactly the file's samples. The
// device starts with one period of silence before the file, and repeats the
// file's last period after it.
func TestMicCapturesALSAFile(t *testing.T) {
	rng := rand.New(rand.NewPCG(seed(t), 7))
	want := pcm(append(voicetest.WhiteNoise(rng, 0.1, voice.SampleRate/4), tone(440, 0.5, voice.SampleRate, 250*time.Millisecond)...))
	want[0] = 1000 // the file starts where the first non-zero sample is
	alsaFileDevice(t, want)
	for _, realtime := range []bool{false, true} {
		t.Run(fmt.Sprintf("realtime=%v", realtime), func(t *testing.T) {
			mic, err := voice.OpenMic(&voice.MicOptions{Backend: "alsa", Realtime: realtime})
			if err != nil {
				t.Fatalf("OpenMic: %v", err)
			}
			defer mic.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			start := time.Now()
			var got []int16
			buf := make([]int16, 1000)
			for len(got) < len(want)+voice.SampleRate/10 {
				n, err := mic.Read(ctx, buf)
				if err != nil {
					t.Fatalf("Read after %d samples: %v", len(got), err)
				}
				got = append(got, buf[:n]...)
			}
			elapsed := time.Since(start)
			lead := 0
			for lead < len(got) && got[lead] == 0 {
				lead++
			}
			if lead > voice.SampleRate/10 {
				t.Fatalf("%d samples of silence before the file's", lead)
			}
			if !equal(got[lead:lead+len(want)], want) {
				first := 0
				for got[lead+first] == want[first] {
					first++
				}
				t.Fatalf("captured samples differ from the file's from sample %d", first)
			}
			if d := mic.Dropped(); d > 0 {
				t.Errorf("dropped %s of audio", d)
			}
			audio := voice.Duration(len(got))
			if realtime && elapsed < audio*8/10 {
				t.Errorf("captured %s of audio in %s in real time", audio, elapsed)
			}
			t.Logf("captured %s of audio in %s, %d samples of silence first", audio, elapsed, lead)
			if err := mic.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			if _, err := mic.Read(context.Background(), buf); !errors.Is(err, voice.ErrClosed) {
				t.Errorf("Read after Close: %v, want ErrClosed", err)
			}
		})
	}
}

func TestOpenMicUnknownBackend(t *testing.T) {
	if _, err := voice.OpenMic(&voice.MicOptions{Backend: "gramophone"}); err == nil {
		t.Error("OpenMic with an unknown backend did not fail")
	}
}

// TestMicEndpointsSpeech is the microphone path end to end: speech rendered
// by espeak-ng, played into an ALSA capture device, captured by miniaudio,
// and cut by the Endpointer into exactly one utterance.
func TestMicEndpointsSpeech(t *testing.T) {
	f, err := os.Open(espeak(t, "enable alipay payment function"))
	if err != nil {
		t.Fatal(err)
	}
	speech, _, err := voice.ReadWAV(f, nil)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed(t), 8))
	lead := pcm(voicetest.WhiteNoise(rng, 0.001, voice.SampleRate/2))
	input := append(append(lead, speech...), make([]int16, voice.SampleRate)...)
	alsaFileDevice(t, input)

	mic, err := voice.OpenMic(&voice.MicOptions{Backend: "alsa"})
	if err != nil {
		t.Fatalf("OpenMic: %v", err)
	}
	defer mic.Close()
	e, err := voice.NewEndpointer(voice.DefaultVADConfig())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var got []voice.SpeechStopped
	done := errors.New("done")
	err = e.Run(ctx, mic, func(ev voice.Event) error {
		if s, ok := ev.(voice.SpeechStopped); ok {
			got = append(got, s)
			return done
		}
		return nil
	})
	if !errors.Is(err, done) {
		t.Fatalf("Run: %v", err)
	}
	u := got[0].Utterance
	// The device adds one period (10 ms) of silence before the file.
	start := voice.Duration(len(lead))
	end := start + voice.Duration(len(speech))
	if u.SpeechStart < start || u.SpeechStart > start+200*time.Millisecond || u.SpeechEnd < end-400*time.Millisecond || u.SpeechEnd > end+50*time.Millisecond {
		t.Errorf("speech found at [%s, %s), rendered at [%s, %s)", u.SpeechStart, u.SpeechEnd, start, end)
	}
	t.Logf("speech found at [%s, %s), rendered at [%s, %s)", u.SpeechStart, u.SpeechEnd, start, end)
}

package voice_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voicepay/voicepay/voice"
	"github.com/voicepay/voicepay/voice/voicetest"
)

// snr compares got with the ideal signal want (both at int16 scale) and
// returns the signal-to-error ratio in dB.
func snr(got []int16, want []float64) float64 {
	var sig, noise float64
	for i := range got {
		w := want[i] * 32768
		d := float64(got[i]) - w
		sig += w * w
		noise += d * d
	}
	return 10 * math.Log10(sig/math.Max(noise, 1e-9))
}

func TestReadWAVFormats(t *testing.T) {
	for _, tt := range []struct {
		name   string
		spec   wavSpec
		minSNR float64 // dB, of the converted tone against the ideal one
	}{
		{"8-bit 16k mono", wavSpec{Rate: 16000, Channels: 1, Bits: 8}, 35},
		{"16-bit 16k mono", wavSpec{Rate: 16000, Channels: 1, Bits: 16}, 80},
		{"24-bit 16k mono", wavSpec{Rate: 16000, Channels: 1, Bits: 24}, 80},
		{"32-bit 16k mono", wavSpec{Rate: 16000, Channels: 1, Bits: 32}, 80},
		{"32-bit float 16k mono", wavSpec{Rate: 16000, Channels: 1, Bits: 32, Float: true}, 80},
		{"16-bit 8k mono", wavSpec{Rate: 8000, Channels: 1, Bits: 16}, 60},
		{"16-bit 11.025k mono", wavSpec{Rate: 11025, Channels: 1, Bits: 16}, 60},
		{"16-bit 22.05k mono", wavSpec{Rate: 22050, Channels: 1, Bits: 16}, 60},
		{"16-bit 44.1k stereo", wavSpec{Rate: 44100, Channels: 2, Bits: 16}, 60},
		{"16-bit 48k stereo", wavSpec{Rate: 48000, Channels: 2, Bits: 16}, 60},
		{"8-bit 48k stereo", wavSpec{Rate: 48000, Channels: 2, Bits: 8}, 35},
		{"24-bit 96k stereo extensible", wavSpec{Rate: 96000, Channels: 2, Bits: 24, Extensible: true}, 60},
		{"float 44.1k 6ch extensible", wavSpec{Rate: 44100, Channels: 6, Bits: 32, Float: true, Extensible: true}, 60},
		{"16-bit 12345 Hz mono", wavSpec{Rate: 12345, Channels: 1, Bits: 16}, 60},
	} {
		t.Run(tt.name, func(t *testing.T) {
			const freq, amp = 440, 0.5
			src := tone(freq, amp, tt.spec.Rate, time.Second)
			file := buildWAV(tt.spec, interleave(src, tt.spec.Channels))
			got, info, err := voice.ReadWAV(bytes.NewReader(file), nil)
			if err != nil {
				t.Fatalf("ReadWAV: %v", err)
			}
			wantFormat := voice.Format{SampleRate: tt.spec.Rate, Channels: tt.spec.Channels, BitDepth: tt.spec.Bits}
			if info.Format != wantFormat || info.Frames != int64(len(src)) || info.Float != tt.spec.Float {
				t.Errorf("info = %+v, want format %v, %d frames, float %v", info, wantFormat, len(src), tt.spec.Float)
			}
			wantLen := (len(src)*voice.SampleRate + tt.spec.Rate - 1) / tt.spec.Rate
			if len(got) != wantLen {
				t.Fatalf("got %d samples, want %d", len(got), wantLen)
			}
			ideal := tone(freq, amp, voice.SampleRate, time.Second)
			// Compare away from the edges, where the filter sees the
			// silence before and after the file.
			lo, hi := 800, min(len(got), len(ideal))-800
			if got := snr(got[lo:hi], ideal[lo:hi]); got < tt.minSNR {
				t.Errorf("SNR against the ideal tone = %.1f dB, want at least %.0f", got, tt.minSNR)
			}
		})
	}
}

func TestReadWAVIdentity(t *testing.T) {
	rng := rand.New(rand.NewPCG(seed(t), 1))
	want := pcm(voicetest.WhiteNoise(rng, 0.3, 16000))
	var x []float64
	for _, v := range want {
		x = append(x, float64(v)/32767)
	}
	got, _, err := voice.ReadWAV(bytes.NewReader(buildWAV(wavSpec{Rate: 16000, Channels: 1, Bits: 16}, x)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !equal(got, want) {
		t.Fatal("16 kHz mono PCM16 is not passed through unchanged")
	}
}

func TestReadWAVDownmixAverages(t *testing.T) {
	src := tone(440, 0.5, 16000, time.Second)
	for _, tt := range []struct {
		name  string
		right func(float64) float64
		want  float64 // amplitude after downmix
	}{
		{"same on both", func(v float64) float64 { return v }, 0.5},
		{"right silent", func(float64) float64 { return 0 }, 0.25},
		{"opposite phase", func(v float64) float64 { return -v }, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var x []float64
			for _, v := range src {
				x = append(x, v, tt.right(v))
			}
			got, _, err := voice.ReadWAV(bytes.NewReader(buildWAV(wavSpec{Rate: 16000, Channels: 2, Bits: 16}, x)), nil)
			if err != nil {
				t.Fatal(err)
			}
			if a := amplitudeAt(got, 440, voice.SampleRate); math.Abs(a-tt.want) > 0.002 {
				t.Errorf("amplitude = %.4f, want %.4f", a, tt.want)
			}
		})
	}
}

func TestReadWAVChunks(t *testing.T) {
	spec := wavSpec{Rate: 16000, Channels: 1, Bits: 8}
	samples := []float64{0.5, -0.5, 0.25} // odd length: the data chunk is padded
	info := chunk("LIST", append([]byte("INFO"), chunk("ICMT", []byte("made by a test"))...))
	junk := chunk("junk", []byte{1, 2, 3}) // odd size, padded
	for _, tt := range []struct {
		name string
		file []byte
	}{
		{"plain", buildWAV(spec, samples)},
		{"LIST and odd junk before data", buildWAV(wavSpec{Rate: 16000, Channels: 1, Bits: 8, Extra: append(info, junk...)}, samples)},
		{"chunks before fmt", func() []byte {
			f := buildWAV(spec, samples)
			out := append([]byte{}, f[:12]...)
			out = append(out, junk...)
			out = append(out, info...)
			out = append(out, f[12:]...)
			binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
			return out
		}()},
		{"LIST after data", append(buildWAV(spec, samples), info...)},
		{"data size unknown (streamed)", func() []byte {
			f := buildWAV(spec, samples)
			binary.LittleEndian.PutUint32(f[len(f)-4-4:], 0xFFFFFFFF) // the data chunk's size field
			return f[:len(f)-1]                                       // without the pad byte
		}()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, info, err := voice.ReadWAV(bytes.NewReader(tt.file), nil)
			if err != nil {
				t.Fatalf("ReadWAV: %v", err)
			}
			if info.Frames != 3 || len(got) != 3 {
				t.Fatalf("got %d frames, %d samples, want 3 and 3", info.Frames, len(got))
			}
			if want := []int16{64 * 256, -64 * 256, 32 * 256}; !equal(got, want) {
				t.Errorf("samples = %v, want %v", got, want)
			}
		})
	}
}

func TestReadWAVErrors(t *testing.T) {
	good := buildWAV(wavSpec{Rate: 16000, Channels: 1, Bits: 16}, tone(440, 0.5, 16000, 100*time.Millisecond))
	patch := func(off int, v ...byte) []byte {
		f := append([]byte{}, good...)
		copy(f[off:], v)
		return f
	}
	u16 := func(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
	u32 := func(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
	// Offsets in good: fmt chunk header at 12, its body at 20: tag 20,
	// channels 22, rate 24, byte rate 28, block align 32, bits 34; data
	// chunk header at 36, samples from 44.
	for _, tt := range []struct {
		name    string
		file    []byte
		want    error
		message string // a part of the error message
	}{
		{"empty", nil, voice.ErrBadAudio, "too short"},
		{"text", []byte("this is not a wav file at all, just words"), voice.ErrBadAudio, "not a RIFF/WAVE"},
		{"wrong form type", patch(8, []byte("AVI ")...), voice.ErrBadAudio, "not a RIFF/WAVE"},
		{"big-endian RIFX", patch(0, []byte("RIFX")...), voice.ErrUnsupportedAudio, "RIFX"},
		{"RF64", patch(0, []byte("RF64")...), voice.ErrUnsupportedAudio, "RF64"},
		{"header only", good[:30], voice.ErrBadAudio, "truncated"},
		{"truncated data", good[:len(good)/2], voice.ErrBadAudio, "truncated"},
		{"zero-length data", append(patch(40, u32(0)...)[:44:44], []byte{}...), voice.ErrBadAudio, "no samples"},
		{"no data chunk", good[:36], voice.ErrBadAudio, "no data chunk"},
		{"no fmt chunk", append(append([]byte{}, good[:12]...), good[36:]...), voice.ErrBadAudio, "before the fmt"},
		{"MP3", patch(20, u16(0x55)...), voice.ErrUnsupportedAudio, "MPEG Layer 3"},
		{"IMA ADPCM", patch(20, u16(0x11)...), voice.ErrUnsupportedAudio, "ADPCM"},
		{"unknown tag", patch(20, u16(0x1234)...), voice.ErrUnsupportedAudio, "0x1234"},
		{"64-bit float", buildWAV(wavSpec{Rate: 16000, Channels: 1, Bits: 64, Float: true}, make([]float64, 0)), voice.ErrUnsupportedAudio, "64-bit float"},
		{"12-bit PCM", patch(34, u16(12)...), voice.ErrUnsupportedAudio, "12-bit"},
		{"zero channels", patch(22, u16(0)...), voice.ErrBadAudio, "0 ch"},
		{"100 channels", patch(22, u16(100)...), voice.ErrUnsupportedAudio, "100 channels"},
		{"zero rate", patch(24, u32(0)...), voice.ErrBadAudio, "0 Hz"},
		{"1 MHz", patch(24, u32(1000000)...), voice.ErrUnsupportedAudio, "1000000 Hz"},
		{"block align", patch(32, u16(4)...), voice.ErrBadAudio, "block align 4"},
		{"huge fmt chunk", patch(16, u32(0xFFFFFFF0)...), voice.ErrBadAudio, "truncated"},
		{"short fmt chunk", patch(16, u32(8)...), voice.ErrBadAudio, "fmt chunk of 8 bytes"},
		{"huge LIST chunk", func() []byte {
			f := buildWAV(wavSpec{Rate: 16000, Channels: 1, Bits: 16, Extra: chunk("LIST", make([]byte, 70000))}, nil)
			return f
		}(), voice.ErrBadAudio, "LIST"},
		{"LIST entry overrun", buildWAV(wavSpec{Rate: 16000, Channels: 1, Bits: 16,
			Extra: chunk("LIST", append([]byte("INFOICMT"), u32(0xFFFFFF00)...))}, nil), voice.ErrBadAudio, "overruns"},
		{"extensible with unknown subformat", func() []byte {
			f := buildWAV(wavSpec{Rate: 16000, Channels: 1, Bits: 16, Extensible: true}, []float64{0})
			f[20+24+5] = 0x77 // spoil the GUID
			return f
		}(), voice.ErrUnsupportedAudio, "subformat"},
		{"too long", buildWAV(wavSpec{Rate: 8000, Channels: 1, Bits: 8}, make([]float64, 8000*301)), voice.ErrAudioTooLong, "5m0s"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := voice.ReadWAV(bytes.NewReader(tt.file), nil)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ReadWAV error = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not say %q", err, tt.message)
			}
			if got != nil {
				t.Errorf("got %d samples with the error", len(got))
			}
		})
	}
}

func TestReadWAVMaxDuration(t *testing.T) {
	file := buildWAV(wavSpec{Rate: 16000, Channels: 1, Bits: 16}, tone(440, 0.5, 16000, time.Second))
	if _, _, err := voice.ReadWAV(bytes.NewReader(file), &voice.WAVOptions{MaxDuration: 999 * time.Millisecond}); !errors.Is(err, voice.ErrAudioTooLong) {
		t.Errorf("1 s file with a 999 ms limit: error = %v, want ErrAudioTooLong", err)
	}
	if _, _, err := voice.ReadWAV(bytes.NewReader(file), &voice.WAVOptions{MaxDuration: time.Second}); err != nil {
		t.Errorf("1 s file with a 1 s limit: %v", err)
	}
}

// TestReadWAVEspeak converts real synthesized speech (espeak-ng writes 22050
// Hz mono) and checks it against sox's converter, when sox is installed.
func TestReadWAVEspeak(t *testing.T) {
	path := espeak(t, "buy two lattes from luckin coffee")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, info, err := voice.ReadWAV(f, nil)
	if err != nil {
		t.Fatalf("ReadWAV: %v", err)
	}
	if info.Format != (voice.Format{SampleRate: 22050, Channels: 1, BitDepth: 16}) {
		t.Errorf("espeak-ng format = %v, want 22050 Hz mono 16-bit", info.Format)
	}
	if d := voice.Duration(len(got)) - info.Duration; d < -time.Millisecond || d > time.Millisecond {
		t.Errorf("converted %s of audio from %s", voice.Duration(len(got)), info.Duration)
	}
	if level := voicetest.DBFS(got); level < -35 {
		t.Errorf("speech level %.1f dBFS, want louder than -35", level)
	}
	sox, err := exec.LookPath("sox")
	if err != nil {
		t.Log("sox is not installed: not comparing with its converter")
		return
	}
	ref := filepath.Join(t.TempDir(), "ref.wav")
	if out, err := exec.Command(sox, path, "-r", "16000", "-b", "16", ref).CombinedOutput(); err != nil {
		t.Fatalf("sox: %v\n%s", err, out)
	}
	rf, err := os.Open(ref)
	if err != nil {
		t.Fatal(err)
	}
	defer rf.Close()
	want, _, err := voice.ReadWAV(rf, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := min(len(got), len(want))
	var sig, diff float64
	for i := range n {
		sig += float64(want[i]) * float64(want[i])
		d := float64(got[i]) - float64(want[i])
		diff += d * d
	}
	if r := 10 * math.Log10(sig/diff); r < 30 {
		t.Errorf("voicepay's conversion differs from sox's: %.1f dB apart, want at least 30", r)
	} else {
		t.Logf("voicepay's conversion is %.1f dB from sox's", r)
	}
}

func equal(a, b []int16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

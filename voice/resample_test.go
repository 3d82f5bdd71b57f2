package voice_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/voicepay/voicepay/voice"
	"github.com/voicepay/voicepay/voice/voicetest"
)

// resampleTone converts a tone and measures the output, away from the
// edges.
func resampleTone(t *testing.T, freq float64, from, to int) []int16 {
	t.Helper()
	out, err := voice.Resample(pcm(tone(freq, 0.5, from, time.Second)), from, to)
	if err != nil {
		t.Fatal(err)
	}
	return out[to/10 : len(out)-to/10]
}

func TestResampleKeepsPassband(t *testing.T) {
	for _, tt := range []struct {
		from int
		freq float64
	}{
		{48000, 1000}, {48000, 3000}, {48000, 6000},
		{44100, 1000}, {22050, 1000}, {8000, 1000}, {8000, 3000},
	} {
		out := resampleTone(t, tt.freq, tt.from, 16000)
		amp := amplitudeAt(out, tt.freq, 16000)
		if db := 20 * math.Log10(amp/0.5); math.Abs(db) > 0.1 {
			t.Errorf("%d Hz → 16 kHz: %.0f Hz tone changed by %.2f dB, want within 0.1", tt.from, tt.freq, db)
		}
		// The tone's frequency is kept: count its cycles over 0.8 s.
		if got, want := risingZeroCrossings(out), int(tt.freq*0.8); got < want-1 || got > want+1 {
			t.Errorf("%d Hz → 16 kHz: %.0f Hz tone has %d cycles in 0.8 s, want %d", tt.from, tt.freq, got, want)
		}
	}
}

// TestResampleRejectsAliases checks the anti-aliasing filter: a tone the
// output rate cannot hold must vanish rather than fold back into the
// speech band.
func TestResampleRejectsAliases(t *testing.T) {
	for _, tt := range []struct {
		from   int
		freq   float64
		minAtt float64 // dB below the input tone
	}{
		{48000, 7900, 20},  // the transition band's far end
		{48000, 8500, 70},  // would alias to 7.5 kHz
		{48000, 10000, 70}, // would alias to 6 kHz
		{48000, 12000, 70}, // would alias to 4 kHz
		{48000, 20000, 70},
		{44100, 9000, 70},
		{22050, 10000, 70},
	} {
		out := resampleTone(t, tt.freq, tt.from, 16000)
		att := voicetest.DBFS(pcm(tone(tt.freq, 0.5, 16000, time.Second))) - voicetest.DBFS(out)
		if att < tt.minAtt {
			t.Errorf("%d Hz → 16 kHz: a %.0f Hz tone is attenuated %.1f dB, want at least %.0f", tt.from, tt.freq, att, tt.minAtt)
		} else {
			t.Logf("%d Hz → 16 kHz: a %.0f Hz tone is attenuated %.1f dB", tt.from, tt.freq, att)
		}
	}
}

// TestResampleRejectsImages checks upsampling: 8 kHz → 16 kHz must not
// add the mirror image of a tone above 4 kHz.
func TestResampleRejectsImages(t *testing.T) {
	out := resampleTone(t, 1000, 8000, 16000)
	if img := 20 * math.Log10(amplitudeAt(out, 7000, 16000)/0.5); img > -70 {
		t.Errorf("image of a 1 kHz tone at 7 kHz is %.1f dB, want below -70", img)
	}
}

func TestResampleLengthAndIdentity(t *testing.T) {
	rng := rand.New(rand.NewPCG(seed(t), 2))
	for _, from := range []int{8000, 11025, 16000, 22050, 44100, 48000, 96000, 12345} {
		for _, n := range []int{0, 1, 2, 3, 100, 4801} {
			in := pcm(voicetest.WhiteNoise(rng, 0.2, n))
			out, err := voice.Resample(in, from, 16000)
			if err != nil {
				t.Fatal(err)
			}
			if want := (n*16000 + from - 1) / from; len(out) != want {
				t.Errorf("%d samples at %d Hz → %d samples, want %d", n, from, len(out), want)
			}
			if from == 16000 && !equal(out, in) {
				t.Errorf("16 kHz → 16 kHz changed the samples")
			}
		}
	}
}

func TestResampleDCAndClipping(t *testing.T) {
	in := make([]int16, 48000)
	for i := range in {
		in[i] = 20000
	}
	out, _ := voice.Resample(in, 48000, 16000)
	for i := 200; i < len(out)-200; i++ {
		if out[i] < 19999 || out[i] > 20001 {
			t.Fatalf("constant 20000 became %d at %d", out[i], i)
		}
	}
	// A full-scale square wave rings past full scale: it must saturate,
	// not wrap around.
	for i := range in {
		in[i] = math.MaxInt16
		if i/100%2 == 1 {
			in[i] = math.MinInt16
		}
	}
	out, _ = voice.Resample(in, 48000, 16000)
	for i := 1; i < len(out)-1; i++ {
		if out[i-1] > 30000 && out[i] < -30000 && out[i+1] > 30000 {
			t.Fatalf("sample %d wrapped around: %v", i, out[i-1:i+2])
		}
	}
}

func TestResamplerChunking(t *testing.T) {
	rng := rand.New(rand.NewPCG(seed(t), 3))
	for _, from := range []int{8000, 22050, 44100, 48000} {
		in := pcm(voicetest.WhiteNoise(rng, 0.3, from))
		want, _ := voice.Resample(in, from, 16000)
		rs, err := voice.NewResampler(from, 16000)
		if err != nil {
			t.Fatal(err)
		}
		for round := range 3 { // a Resampler is reusable after Flush
			var got []int16
			for rest := in; len(rest) > 0; {
				k := min(len(rest), rng.IntN(700))
				got = rs.Append(got, rest[:k])
				rest = rest[k:]
			}
			got = rs.Flush(got)
			if !equal(got, want) {
				t.Fatalf("%d Hz, round %d: chunked output differs from whole", from, round)
			}
		}
	}
}

func TestNewResamplerRejectsRates(t *testing.T) {
	for _, rates := range [][2]int{{0, 16000}, {16000, 0}, {1000, 16000}, {16000, 1000000}, {-8000, 16000}} {
		if _, err := voice.NewResampler(rates[0], rates[1]); !errors.Is(err, voice.ErrUnsupportedAudio) {
			t.Errorf("NewResampler(%d, %d) error = %v, want ErrUnsupportedAudio", rates[0], rates[1], err)
		}
	}
}

// BenchmarkResample48kTo16k converts one second of 48 kHz audio per
// iteration and reports the real-time factor.
func BenchmarkResample48kTo16k(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	in := pcm(voicetest.WhiteNoise(rng, 0.3, 48000))
	rs, _ := voice.NewResampler(48000, 16000)
	out := make([]int16, 0, 17000)
	b.SetBytes(int64(2 * len(in)))
	b.ResetTimer()
	for b.Loop() {
		out = rs.Flush(rs.Append(out[:0], in))
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "rtf")
}

// BenchmarkResample44kTo16k is the same for 44.1 kHz, whose ratio
// (160/441) needs 160 filter phases.
func BenchmarkResample44kTo16k(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	in := pcm(voicetest.WhiteNoise(rng, 0.3, 44100))
	rs, _ := voice.NewResampler(44100, 16000)
	out := make([]int16, 0, 17000)
	b.SetBytes(int64(2 * len(in)))
	b.ResetTimer()
	for b.Loop() {
		out = rs.Flush(rs.Append(out[:0], in))
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "rtf")
}

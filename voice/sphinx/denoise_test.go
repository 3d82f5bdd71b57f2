package sphinx

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"slices"
	"testing"
)

// voiced is two seconds of a voice-like sound: a 200 Hz buzz with its
// harmonics to 3 kHz, rising and falling in syllables, between half a
// second of silence at each end.
func voiced() []float64 {
	out := make([]float64, 3*SampleRate)
	for i := SampleRate / 2; i < 5*SampleRate/2; i++ {
		t := float64(i) / SampleRate
		env := math.Max(0, math.Sin(2*math.Pi*2.5*t))
		for h := 1; h <= 15; h++ {
			out[i] += env * 2500 / float64(h) * math.Sin(2*math.Pi*200*float64(h)*t)
		}
	}
	return out
}

// mix adds noise to clean, as samples.
func mix(clean []float64, noise func(i int) float64) []int16 {
	out := make([]int16, len(clean))
	for i, c := range clean {
		out[i] = int16(max(math.MinInt16, min(math.MaxInt16, math.Round(c+noise(i)))))
	}
	return out
}

// snr is the ratio, in dB, of clean's power to that of what s differs from
// it by, away from the ends.
func snr(clean []float64, s []int16) float64 {
	var p, e float64
	for i := denoiseFrame; i < len(clean)-denoiseFrame; i++ {
		d := float64(s[i]) - clean[i]
		p += clean[i] * clean[i]
		e += d * d
	}
	return 10 * math.Log10(p/e)
}

func TestDenoiseSteadyNoise(t *testing.T) {
	clean := voiced()
	rng := rand.New(rand.NewPCG(1, 2))
	noisy := mix(clean, func(int) float64 { return 700 * rng.NormFloat64() })
	d := newDenoiser(DefaultDenoise)
	out := d.denoise(noisy)
	before, after := snr(clean, noisy), snr(clean, out)
	t.Logf("white noise: %.1f dB before, %.1f dB after", before, after)
	if after < before+4 {
		t.Errorf("white noise: %.1f dB after, want at least 4 dB over the %.1f before", after, before)
	}
	if off := newDenoiser(1).denoise(noisy); &off[0] != &noisy[0] {
		t.Error("a least gain of 1 changed the samples")
	}
}

// TestDenoiseLeaves checks that what is not steady noise to lower comes
// back as it is: a quiet room, noise that comes and goes like talk around,
// and rumble.
func TestDenoiseLeaves(t *testing.T) {
	clean := voiced()
	rng := rand.New(rand.NewPCG(3, 4))
	var brown float64
	for _, tc := range []struct {
		name  string
		noise func(i int) float64
	}{
		{"quiet room", func(int) float64 { return 20 * rng.NormFloat64() }},
		{"talk around", func(i int) float64 {
			// bursts of noise, on and off every 150 ms
			if (i/2400)%2 == 0 {
				return 1500 * rng.NormFloat64()
			}
			return 100 * rng.NormFloat64()
		}},
		{"rumble", func(int) float64 {
			brown = 0.999*brown + 60*rng.NormFloat64()
			return brown
		}},
	} {
		noisy := mix(clean, tc.noise)
		if out := newDenoiser(DefaultDenoise).denoise(noisy); !slices.Equal(out, noisy) {
			t.Errorf("%s: the samples were changed", tc.name)
		}
	}
}

func TestFFT(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	x := make([]complex128, 64)
	for i := range x {
		x[i] = complex(rng.NormFloat64(), rng.NormFloat64())
	}
	y := slices.Clone(x)
	fft(y, false)
	// the transform against its definition, at a few frequencies
	for _, k := range []int{0, 1, 17, 63} {
		var want complex128
		for n, v := range x {
			want += v * cmplx.Rect(1, -2*math.Pi*float64(k*n)/64)
		}
		if cmplx.Abs(y[k]-want) > 1e-9 {
			t.Errorf("bin %d = %v, want %v", k, y[k], want)
		}
	}
	fft(y, true)
	for i := range x {
		if cmplx.Abs(y[i]-x[i]) > 1e-9 {
			t.Fatalf("the inverse gave %v at %d, want %v", y[i], i, x[i])
		}
	}
}

// BenchmarkDenoise measures the filter on three seconds of speech in white
// noise, as a real-time factor: its time over the audio's.
func BenchmarkDenoise(b *testing.B) {
	clean := voiced()
	rng := rand.New(rand.NewPCG(7, 8))
	noisy := mix(clean, func(int) float64 { return 700 * rng.NormFloat64() })
	d := newDenoiser(DefaultDenoise)
	b.ResetTimer()
	for b.Loop() {
		d.denoise(noisy)
	}
	audio := float64(len(noisy)) / SampleRate
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)/audio, "rtf")
}

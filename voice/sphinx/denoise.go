package sphinx

import (
	"cmp"
	"math"
	"math/cmplx"
	"slices"
)

// Steady noise under the speech, the hiss of a fan, an engine or a street,
// buries the quieter sounds of words, and the acoustic model, trained on
// cleaner speech, hears them as other words or as none. Before an
// utterance is decoded, a Wiener filter in the frequency domain lowers
// such noise:
//
//   - The noise is learned from the utterance itself: its quietest fifth of
//     32 ms frames, by their power where most of a voice is (300 to
//     4000 Hz), is taken as noise alone, and their mean power in each
//     frequency as the noise's.
//   - Each frequency of each frame keeps the share of its power that is
//     speech, estimated by the decision-directed rule (the last frame's
//     clean estimate weighs in, so the gain moves smoothly), and never less
//     than Config.Denoise: the noise left is a steady floor, not the bursts
//     ("musical noise") a deeper cut leaves, which the model takes for
//     speech.
//   - The utterance is left as it is when there is little noise (below
//     denoiseLeast dBFS), when the noise is not steady (babble, where the
//     quietest frames are not the noise under the speech), or when it lies
//     almost all below 300 Hz (rumble and brown noise, which the model's
//     own features already discount).
//
// Measured by BenchmarkAcceptance on the broad fixture set (see
// docs/benchmarks.md): commands in noise heard right went from 59.0% to
// 65.2% (white noise 55.1% to 65.2%, pink 65.2% to 79.7%, brown and babble
// unchanged), clean commands did not change, and no more out-of-domain
// clips became money.
const (
	denoiseFrame = 512 // samples a frame: 32 ms
	denoiseHop   = denoiseFrame / 2
	denoiseBins  = denoiseFrame/2 + 1
	// denoiseQuiet is the share of frames taken as noise alone.
	denoiseQuiet = 0.2
	// denoiseSmooth weighs the last frame's clean estimate in the share of
	// speech (the decision-directed rule).
	denoiseSmooth = 0.96
	// denoiseLeast is the noise level, in dBFS, below which an utterance
	// is left as it is.
	denoiseLeast = -55.0
	// denoiseSteady is the most, in dB, that the 30th percentile of the
	// frames' power may lie over the 10th for the noise to be steady.
	denoiseSteady = 2.5
	// denoiseLow is the most of the noise's power that may lie below
	// 300 Hz.
	denoiseLow = 0.85
)

// denoiser holds what denoising one utterance needs, reused from one
// utterance to the next.
type denoiser struct {
	floor  float64 // the least gain; 1 or more: off
	window []float64
	buf    []complex128
}

func newDenoiser(floor float64) *denoiser {
	w := make([]float64, denoiseFrame)
	for i := range w {
		// the square root of a periodic Hann window, on analysis and on
		// synthesis: at half-frame hops the two sum to one
		w[i] = math.Sqrt(0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/denoiseFrame))
	}
	return &denoiser{floor: floor, window: w, buf: make([]complex128, denoiseFrame)}
}

// denoise returns samples with their steady noise lowered, in a new slice,
// or samples themselves when it leaves them as they are.
func (d *denoiser) denoise(samples []int16) []int16 {
	if d.floor >= 1 || len(samples) < 4*denoiseFrame {
		return samples
	}
	frames := (len(samples)-denoiseFrame)/denoiseHop + 1
	spec := make([][]complex128, frames)
	power := make([][]float64, frames)
	for f := range frames {
		spec[f], power[f] = d.analyse(samples[f*denoiseHop : f*denoiseHop+denoiseFrame])
	}
	noise, ok := d.noise(power)
	if !ok {
		return samples
	}
	out := make([]float64, len(samples))
	prev := make([]float64, denoiseBins) // the last frame's clean power
	for f := range frames {
		for k := range denoiseBins {
			n := max(noise[k], 1e-9)
			post := power[f][k] / n
			prior := max(post-1, 0)
			if f > 0 {
				prior = denoiseSmooth*prev[k]/n + (1-denoiseSmooth)*prior
			}
			g := max(prior/(1+prior), d.floor)
			spec[f][k] *= complex(g, 0)
			prev[k] = g * g * power[f][k]
		}
		d.synthesise(spec[f], out[f*denoiseHop:f*denoiseHop+denoiseFrame])
	}
	res := slices.Clone(samples)
	// The first and last half frames lie under one window, not two, and
	// keep their samples.
	for i := denoiseHop; i < frames*denoiseHop; i++ {
		res[i] = int16(max(math.MinInt16, min(math.MaxInt16, math.Round(out[i]))))
	}
	return res
}

// analyse returns the spectrum of one windowed frame and its power in each
// frequency.
func (d *denoiser) analyse(frame []int16) ([]complex128, []float64) {
	for i, s := range frame {
		d.buf[i] = complex(float64(s)*d.window[i], 0)
	}
	fft(d.buf, false)
	spec := slices.Clone(d.buf[:denoiseBins])
	power := make([]float64, denoiseBins)
	for k, c := range spec {
		power[k] = real(c)*real(c) + imag(c)*imag(c)
	}
	return spec, power
}

// synthesise adds the windowed frame of spectrum spec to out.
func (d *denoiser) synthesise(spec []complex128, out []float64) {
	copy(d.buf, spec)
	for k := denoiseBins; k < denoiseFrame; k++ {
		d.buf[k] = cmplx.Conj(d.buf[denoiseFrame-k])
	}
	fft(d.buf, true)
	for i := range out {
		out[i] += real(d.buf[i]) * d.window[i]
	}
}

// noise estimates the noise's power in each frequency from the quietest
// frames, and reports whether it is noise to lower: loud enough, steady,
// and not all rumble.
func (d *denoiser) noise(power [][]float64) ([]float64, bool) {
	lo, hi := 300*denoiseFrame/SampleRate, 4000*denoiseFrame/SampleRate
	band := make([]float64, len(power))
	for f, p := range power {
		for _, v := range p[lo : hi+1] {
			band[f] += v
		}
	}
	order := make([]int, len(power))
	for f := range order {
		order[f] = f
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(band[a], band[b]) })
	n := len(order)
	if 10*math.Log10(band[order[n*3/10]]/max(band[order[n/10]], 1e-30)) > denoiseSteady {
		return nil, false
	}
	quiet := order[:max(1, int(denoiseQuiet*float64(n)))]
	noise := make([]float64, denoiseBins)
	var total, low float64
	for k := range noise {
		for _, f := range quiet {
			noise[k] += power[f][k]
		}
		noise[k] /= float64(len(quiet))
		total += noise[k]
		if k < lo {
			low += noise[k]
		}
	}
	var energy float64 // of the window, for the level in dBFS
	for _, w := range d.window {
		energy += w * w
	}
	level := 10 * math.Log10(2*total/(denoiseFrame*energy)/(32768*32768)+1e-30)
	return noise, level >= denoiseLeast && low <= denoiseLow*total
}

// fft transforms x in place, radix 2; the inverse is scaled by 1/len(x).
// len(x) is a power of two.
func fft(x []complex128, inverse bool) {
	n := len(x)
	for i, j := 1, 0; i < n; i++ {
		bit := n >> 1
		for ; j&bit != 0; bit >>= 1 {
			j ^= bit
		}
		j |= bit
		if i < j {
			x[i], x[j] = x[j], x[i]
		}
	}
	sign := -1.0
	if inverse {
		sign = 1
	}
	for size := 2; size <= n; size <<= 1 {
		step := cmplx.Rect(1, sign*2*math.Pi/float64(size))
		for start := 0; start < n; start += size {
			w := complex(1, 0)
			for k := range size / 2 {
				a, b := x[start+k], x[start+k+size/2]*w
				x[start+k], x[start+k+size/2] = a+b, a-b
				w *= step
			}
		}
	}
	if inverse {
		for i := range x {
			x[i] /= complex(float64(n), 0)
		}
	}
}

package sphinx

import (
	"math"
	"math/rand/v2"
)

// The acoustic model was trained on recorded speech, which always carries
// some room and microphone noise. Audio with stretches of exact digital
// silence, or synthesized speech with spectral gaps no microphone would
// leave, puts the features far outside what the model has seen: the silence
// model then outscores real words, and sentences are lost. A faint noise
// floor, 57 dB below full scale by default (as quiet as a quiet room),
// brings such audio back into range and changes nothing that already has a
// floor of its own. The noise is pseudo-random from a fixed seed at the
// start of each utterance, so the same audio always decodes the same way.
//
// On voicepay's synthesized fixtures it raised clean command acceptance
// from 74% to about 90% (see the package tests). With the fixtures' quiet
// before each clip, the level mattered: at -60 dB clean acceptance was
// 93.8%, at -55 and -57 dB 95.2%, at -70 dB 88%; at -52 and -50 dB one
// out-of-domain clip became a tip, so -57 keeps 5 dB from that.

// The seed of the noise: "voic", "epay".
const seed1, seed2 = 0x766f6963, 0x65706179

// noiseFloor adds uniform noise of a given RMS to samples.
type noiseFloor struct {
	amp float64 // half-width of the uniform distribution, in sample units; 0 for none
	src *rand.PCG
	rng *rand.Rand
	buf []int16
}

func newNoiseFloor(dbfs float64) noiseFloor {
	if dbfs <= -140 {
		return noiseFloor{}
	}
	rms := 32768 * math.Pow(10, dbfs/20)
	src := rand.NewPCG(seed1, seed2)
	return noiseFloor{amp: rms * math.Sqrt(3), src: src, rng: rand.New(src)}
}

// reset starts the noise over, at the start of an utterance.
func (f *noiseFloor) reset() {
	if f.src != nil {
		f.src.Seed(seed1, seed2)
	}
}

// add returns samples plus the noise, in a buffer reused by the next call.
func (f *noiseFloor) add(samples []int16) []int16 {
	if f.amp == 0 {
		return samples
	}
	f.buf = append(f.buf[:0], samples...)
	for i, s := range f.buf {
		v := float64(s) + (2*f.rng.Float64()-1)*f.amp
		f.buf[i] = int16(max(math.MinInt16, min(math.MaxInt16, math.Round(v))))
	}
	return f.buf
}

package voicetest

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"

	"github.com/voicepay/voicepay/voice"
)

// DBFS is the RMS level of samples relative to full scale.
func DBFS(x []int16) float64 {
	var sq float64
	for _, v := range x {
		sq += float64(v) * float64(v)
	}
	return 10 * math.Log10(sq/float64(max(1, len(x)))/(32768*32768)+1e-15)
}

// RMS is the root mean square of samples, in sample units.
func RMS(x []int16) float64 {
	var sq float64
	for _, v := range x {
		sq += float64(v) * float64(v)
	}
	return math.Sqrt(sq / float64(max(1, len(x))))
}

// SpeechExtent is where a clean clip's speech is: from the start of the
// first to the end of the last 10 ms frame within 40 dB of its loudest.
// It is 0, 0 for a clip of digital silence.
func SpeechExtent(x []int16) (from, to int) {
	const n = voice.SampleRate / 100
	levels := make([]float64, len(x)/n)
	for i := range levels {
		levels[i] = DBFS(x[i*n : (i+1)*n])
	}
	peak := slices.Max(append(levels, -200))
	first, last := -1, -1
	for i, l := range levels {
		if l > peak-40 {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return 0, 0
	}
	return first * n, (last + 1) * n
}

// WhiteNoise is Gaussian noise of the given RMS level.
func WhiteNoise(rng *rand.Rand, rms float64, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64() * rms
	}
	return x
}

// PinkNoise is 1/f noise by the Voss-McCartney algorithm: sixteen white
// rows, row r drawn anew every 2^r samples, plus a white row every sample.
func PinkNoise(rng *rand.Rand, n int) []float64 {
	var rows [16]float64
	var sum float64
	for r := range rows {
		rows[r] = rng.NormFloat64()
		sum += rows[r]
	}
	x := make([]float64, n)
	for i := range x {
		// Sample i draws the row of the lowest set bit of i+1 anew.
		r := bits.TrailingZeros(uint(i+1)) % len(rows)
		v := rng.NormFloat64()
		sum += v - rows[r]
		rows[r] = v
		x[i] = sum + rng.NormFloat64()
	}
	return x
}

// BrownNoise is integrated white noise, high-passed at 20 Hz by a
// first-order DC blocker so that it does not drift.
func BrownNoise(rng *rand.Rand, n int) []float64 {
	r := math.Exp(-2 * math.Pi * 20 / voice.SampleRate)
	x := make([]float64, n)
	var integral, prev, hp float64
	for i := range x {
		integral += rng.NormFloat64()
		hp = r * (hp + integral - prev)
		prev = integral
		x[i] = hp
	}
	return x
}

// Babble is the talk of several people at once: each talker's speech
// said over and over with a short pause between (50 to 300 ms), from a
// random point in it, all at the same level.
func Babble(rng *rand.Rand, n int, talkers [][]int16) []float64 {
	x := make([]float64, n)
	for _, speech := range talkers {
		rms := RMS(speech)
		gap := voice.SampleRate/20 + rng.IntN(voice.SampleRate/4)
		period := len(speech) + gap
		at := rng.IntN(period)
		for j := range x {
			if k := (at + j) % period; k < len(speech) {
				x[j] += float64(speech[k]) / rms
			}
		}
	}
	return x
}

// Normalize scales x to unit RMS, in place, and returns it.
func Normalize(x []float64) []float64 {
	var sq float64
	for _, v := range x {
		sq += v * v
	}
	gain := 1 / math.Sqrt(sq/float64(len(x)))
	for i := range x {
		x[i] *= gain
	}
	return x
}

// MixedLevel is the RMS of the noise mixed into a noisy fixture clip:
// fixtures.sh mixes the clean clip at half its level with the noise,
// sample for sample.
func MixedLevel(noisy, clean []int16) float64 {
	n := min(len(noisy), len(clean))
	var sq float64
	for i := range n {
		v := float64(noisy[i]) - float64(clean[i])/2
		sq += v * v
	}
	return math.Sqrt(sq / float64(max(1, n)))
}

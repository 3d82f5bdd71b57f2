package sphinx

import (
	"math"
	"slices"
	"strings"
)

// A grammar search may explain any stretch of audio as silence: between two
// words of a sentence, or after its last word. The silence model then
// swallows speech that fits no sentence: "authorize the firmware update"
// decodes as "authorize that" and a second of "silence". The check below
// catches that. It measures the level of every 10 ms frame against the
// utterance's own quiet and loud levels; a stretch the decoder called
// silence (or noise) that holds more than maxLoudFrames loud frames held
// speech the sentence does not account for, and the result is rejected.

// frameSamples is the decoder's frame shift: 10 ms.
const frameSamples = SampleRate / 100

// maxLoudFrames is the most loud frames a stretch of silence may hold.
const maxLoudFrames = 12

// maxMoneyLoudFrames is the most a sentence that would move money may leave
// in a stretch of silence: a money sentence must account for all the
// speech. On the fixtures, with the quiet of the endpointer's pre-roll
// before each clip, no in-domain money command heard right left more than
// 2 loud frames, while "authorize the firmware update", heard as
// "authorize the payment", left 9 (and passed the verification pass under
// every setting tried).
const maxMoneyLoudFrames = 4

// loudSpan is how far below the utterance's loud level, in dB, a frame
// still counts as loud.
const loudSpan = 15

// frameLevels is the energy of each frame of samples, in dB.
func frameLevels(samples []int16) []float64 {
	n := len(samples) / frameSamples
	out := make([]float64, n)
	for i := range n {
		var sum float64
		for _, v := range samples[i*frameSamples : (i+1)*frameSamples] {
			sum += float64(v) * float64(v)
		}
		out[i] = 10 * math.Log10(sum/frameSamples+1)
	}
	return out
}

// percentile is the p-th percentile (0..1) of sorted values.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
}

// unexplained is the largest number of loud frames in any stretch the
// decoder's segments call silence or noise.
func unexplained(samples []int16, segs []segment) int {
	levels := frameLevels(samples)
	if len(levels) == 0 || len(segs) == 0 {
		return 0
	}
	sorted := slices.Clone(levels)
	slices.Sort(sorted)
	quiet, loud := percentile(sorted, 0.1), percentile(sorted, 0.95)
	if loud-quiet < 6 {
		return 0 // no speech stands out from the noise at all
	}
	// Halfway between quiet and loud in noise; in clean audio, whose quiet
	// may be digital silence, no more than loudSpan below loud, so that the
	// fading end of a word is not taken for speech.
	cut := max(quiet+(loud-quiet)/2, loud-loudSpan)
	// A streamed utterance may number its frames on from the one before.
	first := segs[0].start
	worst := 0
	for _, s := range segs {
		if !strings.HasPrefix(s.word, "<") && !strings.HasPrefix(s.word, "[") {
			continue
		}
		n := 0
		for f := max(s.start-first, 0); f <= s.end-first && f < len(levels); f++ {
			if levels[f] > cut {
				n++
			}
		}
		worst = max(worst, n)
	}
	return worst
}

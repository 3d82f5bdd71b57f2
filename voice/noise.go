package voice

import (
	"math"
	"slices"
	"time"
)

// noiseModel is what the Endpointer knows of the noise, and where it
// decides whether a frame is speech.
//
// Its level is the mean level, in dB, of the frames taken for noise,
// learnt frame by frame, and held within bounds set by the quieter frames
// of a window sliding over every frame, speech or not:
//
//   - no higher than the window's low quantile plus the usual distance of
//     the noise's mean above it (gap, learnt between utterances) and a
//     little slack. So the softer parts of speech, taken for noise, do not
//     lift the level, and the level follows the noise down within a
//     fraction of the window.
//   - once the window is full, no lower than that quantile. So a lasting
//     louder noise, even one that started with the speech and is taken
//     for it, is learnt within the window.
//   - no lower than the quietest frame of the last steadySpan, unless the
//     frame is voiced. So a steady noise that starts with the speech is
//     learnt within steadySpan of it, while a held vowel is not.
//
// A frame is speech when both its own level and the mean power of the
// last smoothSpan are MarginDB above the noise level. Steady noise of any
// colour, measured in the band speech is in, stays well within that; the
// louder moments of babble reach it now and then, but rarely for several
// frames.
type noiseModel struct {
	alpha, margin, floorMin, minLevel float64

	level  float64 // the noise level; NaN until set
	learnt float64 // what the frames taken for noise taught, unbounded
	gap    float64 // learnt's usual distance above the window's low quantile
	seen   int     // frames learnt from, counting the prior, while fewer than 1/alpha

	window  []float64 // the last levels, the oldest at next once full
	next    int
	sorted  []float64 // window, in order
	powers  []float64 // the last smoothSpan of frame powers, oldest first
	steady  int       // frames in steadySpan
	scratch []float64 // for voicing
}

const (
	// smoothSpan is how far back the smoothed level reaches.
	smoothSpan = 90 * time.Millisecond
	// windowQuantile is the low quantile of the window that bounds the
	// noise level: a fifth of the window is quiet even in speech.
	windowQuantile = 0.2
	// initialGapDB is the noise's distance above the window's low quantile
	// before any is learnt: that of babble, the noise that swings most.
	initialGapDB = 2.5
	// slackDB is how far above the learnt gap the level may still be.
	slackDB = 1
	// priorFrames is the weight of the initial level in the running mean
	// that starts the learning, in frames.
	priorFrames = 5
	// steadySpan: a sound that has not once fallen below its quietest
	// frame of the last steadySpan, and is not voiced, is noise at least
	// that loud (a fan switched on as the person spoke); a voice falls
	// quieter between its syllables.
	steadySpan = 600 * time.Millisecond
	// voicedAt is the voicing from which a frame is taken for a voice's.
	voicedAt = 0.6
)

func newNoiseModel(cfg VADConfig) noiseModel {
	return noiseModel{
		alpha:    1 - math.Exp(-cfg.Frame.Seconds()/cfg.NoiseTrack.Seconds()),
		margin:   cfg.MarginDB,
		floorMin: cfg.MinLevelDB - cfg.MarginDB,
		minLevel: cfg.MinLevelDB,
		window:   make([]float64, 0, max(1, ceilDiv(cfg.NoiseWindow, cfg.Frame))),
		sorted:   make([]float64, 0, max(1, ceilDiv(cfg.NoiseWindow, cfg.Frame))),
		powers:   make([]float64, 0, max(1, ceilDiv(smoothSpan, cfg.Frame))),
		steady:   ceilDiv(steadySpan, cfg.Frame),
	}
}

// reset starts the model over at the given level (NaN: not set).
func (n *noiseModel) reset(level float64) {
	n.level, n.learnt, n.gap, n.seen = level, level, initialGapDB, priorFrames
	n.window, n.sorted, n.powers, n.next = n.window[:0], n.sorted[:0], n.powers[:0], 0
}

// speech decides whether a frame of the given level (dBFS) is speech, and
// learns the noise from it. state is the Endpointer's before the frame;
// hiss makes the frame noise whatever its level.
func (n *noiseModel) speech(frame []int16, level float64, state vadState, hiss bool) bool {
	level = max(level, n.floorMin) // quieter makes no difference
	n.push(level)
	smooth := n.smoothed(level)
	low := n.sorted[int(windowQuantile*float64(len(n.sorted)-1))]
	n.level = min(n.learnt, low+n.gap+slackDB)
	if len(n.window) == cap(n.window) {
		n.level = max(n.level, low)
	}
	threshold := n.level + n.margin
	// A raise changes nothing for a frame below the threshold, or one that
	// would still be speech; voicing is computed only for the others.
	if least := n.recentMin(); least > n.level && level >= threshold && min(level, smooth) < least+n.margin && voicing(frame, &n.scratch) < voicedAt {
		n.level = least
		threshold = n.level + n.margin
	}
	speech := level >= threshold && smooth >= threshold && level >= n.minLevel && !hiss
	// Between utterances and in a candidate, the frames below the
	// threshold (and hiss) teach the level, so that a short word does not
	// teach it itself. Inside an utterance every frame does, speech too: the upper
	// bound keeps speech from lifting the level, and noise that opened
	// an utterance (babble from the first frame, before anything was
	// learnt) is learnt all the same, so that the utterance ends.
	if noise := hiss || !speech && level < threshold; noise || state == vadActive {
		a := n.alpha
		if n.seen < int(1/n.alpha) {
			n.seen++
			a = 1 / float64(n.seen)
		}
		n.learnt += a * (level - n.learnt)
		if state == vadIdle {
			n.gap += a * (n.learnt - low - n.gap)
		}
	}
	return speech
}

// recentMin is the quietest of the last steadySpan of frames, or -Inf
// before there are as many.
func (n *noiseModel) recentMin() float64 {
	if n.steady == 0 || len(n.window) < n.steady || n.steady > cap(n.window) {
		return math.Inf(-1)
	}
	least := math.Inf(1)
	for i := 1; i <= n.steady; i++ {
		least = min(least, n.window[(n.next-i+len(n.window))%len(n.window)])
	}
	return least
}

// voicing is how periodic a frame is at a voice's pitch, 0..1: the peak
// of its normalized autocorrelation at lags of 2.5 to 12.5 ms (400 to
// 80 Hz), computed at 4 kHz on the differences of sums of four samples,
// which keeps the band a voice's harmonics are strongest in. Steady noise
// of any colour stays below 0.55; loud frames of speech are mostly above
// 0.8. 0 for frames too short to tell.
func voicing(frame []int16, scratch *[]float64) float64 {
	d := (*scratch)[:0]
	var prev float64
	for i := 0; i+3 < len(frame); i += 4 {
		sum := float64(frame[i]) + float64(frame[i+1]) + float64(frame[i+2]) + float64(frame[i+3])
		if i > 0 {
			d = append(d, sum-prev)
		}
		prev = sum
	}
	*scratch = d
	const minLag, maxLag = SampleRate / 4 / 400, SampleRate / 4 / 80
	best := 0.0
	for lag := minLag; lag <= maxLag && 2*lag <= len(d); lag++ {
		var xy, xx, yy float64
		for i := 0; i+lag < len(d); i++ {
			xy += d[i] * d[i+lag]
			xx += d[i] * d[i]
			yy += d[i+lag] * d[i+lag]
		}
		if xx > 0 && yy > 0 {
			best = max(best, xy/math.Sqrt(xx*yy))
		}
	}
	return best
}

// push adds a level to the window.
func (n *noiseModel) push(level float64) {
	if len(n.window) < cap(n.window) {
		n.window = append(n.window, level)
	} else {
		old := n.window[n.next]
		n.window[n.next] = level
		n.next = (n.next + 1) % len(n.window)
		i, _ := slices.BinarySearch(n.sorted, old)
		n.sorted = slices.Delete(n.sorted, i, i+1)
	}
	i, _ := slices.BinarySearch(n.sorted, level)
	n.sorted = slices.Insert(n.sorted, i, level)
}

// smoothed adds a level to the recent frames and returns their mean power
// in dB.
func (n *noiseModel) smoothed(level float64) float64 {
	p := math.Pow(10, level/10)
	if len(n.powers) < cap(n.powers) {
		n.powers = append(n.powers, p)
	} else {
		copy(n.powers, n.powers[1:])
		n.powers[len(n.powers)-1] = p
	}
	var sum float64
	for _, q := range n.powers {
		sum += q
	}
	return 10 * math.Log10(sum/float64(len(n.powers)))
}

package voice

import (
	"fmt"
	"math"
	"sync"
)

// Resampler design. The rate ratio is reduced to up/down (16000/48000 is
// 1/3, 16000/44100 is 160/441). Output sample k sits at input time
// k*down/up; its value is the input convolved with a Kaiser-windowed sinc
// centred there. The sinc's cutoff is resampleRolloff times the lower of the
// two Nyquist frequencies, so when downsampling the same filter is the
// anti-aliasing low-pass. The kernel is precomputed for every fractional
// position (a polyphase table): one row per phase when up is small, else
// enough rows that the nearest is within 1/2048 of a sample at the lower
// rate (an error well below 16-bit noise for speech). Tables depend only on
// the two rates and are shared.
const (
	// resampleZeroCrossings is the kernel's half-width in zero crossings at
	// the lower rate. With the Kaiser beta below the transition band is
	// about 1.4 kHz wide at a 16 kHz output, so it ends before 8 kHz.
	resampleZeroCrossings = 32
	// resampleKaiserBeta sets the stopband attenuation (about 85 dB).
	resampleKaiserBeta = 8.6
	// resampleRolloff puts the cutoff at 90% of the lower Nyquist frequency.
	resampleRolloff = 0.9
	// resamplePhases is the table's resolution, in rows per sample at the
	// lower rate, for rate pairs whose exact ratio needs more (12345 Hz).
	resamplePhases = 1024
	// resampleCacheSize bounds the shared tables kept.
	resampleCacheSize = 16
)

// resampleTable is the filter for one pair of rates.
type resampleTable struct {
	half   int   // kernel half-width, in input samples
	taps   int   // 2*half
	phases int64 // rows in coef, less the extra row for fraction 1.0
	coef   []float32
}

var resampleCache struct {
	sync.Mutex
	tables map[[2]int64]*resampleTable
}

// Resampler converts a stream of mono samples from one rate to another with
// a band-limited (windowed-sinc, polyphase) filter. Output sample k
// corresponds to input time k*from/to: the output is aligned with the input,
// with no filter delay, and after Flush the whole output has
// ceil(n*to/from) samples for n input samples. Feeding the input in any
// chunking gives the same output. A Resampler is not safe for concurrent use.
type Resampler struct {
	from, to int
	up, down int64 // to/from reduced
	half     int   // kernel half-width, in input samples
	taps     int   // 2*half
	phases   int64 // rows in table, less the extra row for fraction 1.0
	table    []float32

	buf      []float32 // pending input, int16 scale; buf[0] is input index bufStart
	bufStart int64
	inEnd    int64 // input samples appended so far (excluding the lead-in)
	n, r     int64 // next output's input position: n + r/up
	k        int64 // outputs produced
	scratch  []float32
}

// NewResampler returns a Resampler from one rate to another, each within
// MinSampleRate..MaxSampleRate.
func NewResampler(from, to int) (*Resampler, error) {
	for _, rate := range []int{from, to} {
		if rate < MinSampleRate || rate > MaxSampleRate {
			return nil, fmt.Errorf("%w: sample rate %d Hz outside %d..%d", ErrUnsupportedAudio, rate, MinSampleRate, MaxSampleRate)
		}
	}
	g := gcd(from, to)
	rs := &Resampler{from: from, to: to, up: int64(to / g), down: int64(from / g)}
	if rs.up != rs.down {
		t := lookupTable(rs.up, rs.down)
		rs.half, rs.taps, rs.phases, rs.table = t.half, t.taps, t.phases, t.coef
	}
	rs.Reset()
	return rs, nil
}

// lookupTable returns the shared table for a reduced ratio, designing it
// the first time.
func lookupTable(up, down int64) *resampleTable {
	key := [2]int64{up, down}
	resampleCache.Lock()
	defer resampleCache.Unlock()
	if t := resampleCache.tables[key]; t != nil {
		return t
	}
	t := designTable(up, down)
	if resampleCache.tables == nil {
		resampleCache.tables = make(map[[2]int64]*resampleTable)
	}
	if len(resampleCache.tables) < resampleCacheSize {
		resampleCache.tables[key] = t
	}
	return t
}

// designTable computes the polyphase filter for output/input = up/down.
func designTable(up, down int64) *resampleTable {
	ratio := float64(up) / float64(down) // output per input sample
	scale := math.Min(1, ratio)          // lower Nyquist relative to the input's
	t := &resampleTable{half: int(math.Ceil(resampleZeroCrossings / scale))}
	t.taps = 2 * t.half
	t.phases = min(up, int64(math.Ceil(resamplePhases*scale)))
	fc := 0.5 * scale * resampleRolloff // cutoff, cycles per input sample
	i0beta := bessel0(resampleKaiserBeta)
	t.coef = make([]float32, int(t.phases+1)*t.taps)
	row := make([]float64, t.taps)
	for q := int64(0); q <= t.phases; q++ {
		frac := float64(q) / float64(t.phases)
		var sum float64
		for j := range t.taps {
			// tap j multiplies input n-half+1+j; its distance from the
			// output position n+frac is d.
			d := frac + float64(t.half-1-j)
			x := d / float64(t.half)
			var w float64
			if x > -1 && x < 1 {
				w = bessel0(resampleKaiserBeta*math.Sqrt(1-x*x)) / i0beta
			}
			row[j] = 2 * fc * sinc(2*fc*d) * w
			sum += row[j]
		}
		out := t.coef[int(q)*t.taps : int(q+1)*t.taps]
		for j := range out {
			out[j] = float32(row[j] / sum) // unity gain at DC in every phase
		}
	}
	return t
}

// Reset discards buffered input and restarts the output clock at zero.
func (rs *Resampler) Reset() {
	rs.buf = rs.buf[:0]
	for range rs.half {
		rs.buf = append(rs.buf, 0) // the input before time zero is silence
	}
	rs.bufStart = -int64(rs.half)
	rs.inEnd, rs.n, rs.r, rs.k = 0, 0, 0, 0
}

// Append resamples src, appends the output that is ready to dst and returns
// it. Up to half a kernel of output waits for later input or Flush.
func (rs *Resampler) Append(dst, src []int16) []int16 {
	rs.scratch = rs.scratch[:0]
	for _, s := range src {
		rs.scratch = append(rs.scratch, float32(s))
	}
	return rs.appendFloat(dst, rs.scratch)
}

// Flush appends the output still held back, treating the input as ended,
// and resets the Resampler for a new stream.
func (rs *Resampler) Flush(dst []int16) []int16 {
	if rs.up != rs.down {
		end := rs.inEnd
		for range rs.half {
			rs.buf = append(rs.buf, 0) // the input after its end is silence
		}
		// Emit every output whose position k*down/up lies before the end.
		for rs.k*rs.down < end*rs.up {
			dst = append(dst, clip16(rs.next()))
		}
	}
	rs.Reset()
	return dst
}

// appendFloat is Append for input already in float32 at int16 scale.
func (rs *Resampler) appendFloat(dst []int16, src []float32) []int16 {
	if rs.up == rs.down {
		for _, s := range src {
			dst = append(dst, clip16(s))
		}
		rs.inEnd += int64(len(src))
		return dst
	}
	rs.compact()
	rs.buf = append(rs.buf, src...)
	rs.inEnd += int64(len(src))
	for rs.n+int64(rs.half) < rs.inEnd {
		dst = append(dst, clip16(rs.next()))
	}
	return dst
}

// next computes the output at the current position and advances it. The
// caller guarantees the input it needs is buffered.
func (rs *Resampler) next() float32 {
	q := rs.r
	if rs.phases != rs.up {
		q = (rs.r*rs.phases + rs.up/2) / rs.up
	}
	coef := rs.table[int(q)*rs.taps : int(q+1)*rs.taps]
	start := int(rs.n - int64(rs.half) + 1 - rs.bufStart)
	x := rs.buf[start : start+rs.taps]
	var a0, a1, a2, a3 float32
	j := 0
	for ; j+4 <= len(coef); j += 4 {
		a0 += x[j] * coef[j]
		a1 += x[j+1] * coef[j+1]
		a2 += x[j+2] * coef[j+2]
		a3 += x[j+3] * coef[j+3]
	}
	for ; j < len(coef); j++ {
		a0 += x[j] * coef[j]
	}
	rs.k++
	rs.r += rs.down
	rs.n += rs.r / rs.up
	rs.r %= rs.up
	return (a0 + a1) + (a2 + a3)
}

// compact drops input no future output needs, once that is at least half of
// the buffer, so the buffer stays about one kernel plus one chunk long.
func (rs *Resampler) compact() {
	keep := rs.n - int64(rs.half) + 1 // first index the next output reads
	dead := int(keep - rs.bufStart)
	if dead <= 0 || dead < len(rs.buf)/2 {
		return
	}
	dead = min(dead, len(rs.buf))
	rs.buf = rs.buf[:copy(rs.buf, rs.buf[dead:])]
	rs.bufStart += int64(dead)
}

// Resample converts a whole buffer of mono samples from one rate to another.
func Resample(src []int16, from, to int) ([]int16, error) {
	rs, err := NewResampler(from, to)
	if err != nil {
		return nil, err
	}
	dst := make([]int16, 0, int(int64(len(src))*int64(to)/int64(from))+1)
	dst = rs.Append(dst, src)
	return rs.Flush(dst), nil
}

// clip16 rounds a sample at int16 scale and saturates it.
func clip16(v float32) int16 {
	switch {
	case v >= math.MaxInt16:
		return math.MaxInt16
	case v <= math.MinInt16:
		return math.MinInt16
	case v >= 0:
		return int16(v + 0.5)
	default:
		return int16(v - 0.5)
	}
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// bessel0 is the modified Bessel function of the first kind, order zero, by
// its power series (it converges fast for the arguments a Kaiser window
// uses).
func bessel0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 64; k++ {
		f := x / (2 * float64(k))
		term *= f * f
		sum += term
		if term < sum*1e-17 {
			break
		}
	}
	return sum
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

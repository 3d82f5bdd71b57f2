package voice

import "math"

// Frame levels are measured in the band where most of a voice is, and
// little of hum, rumble, the bulk of brown and pink noise, and the top
// half of white noise: above bandLow Hz, through a second-order
// Butterworth high-pass, and weighted towards the bottom half of the
// spectrum by the mean of each pair of samples, whose response falls from
// 1 at 0 Hz through half power at 4 kHz to nothing at 8 kHz.
const bandLow = 100

// bandLevel measures the level of frames in the band, keeping the filters'
// state from one frame to the next.
type bandLevel struct {
	b0, b1, b2, a1, a2 float64 // the high-pass
	x1, x2, y1, y2     float64
}

func newBandLevel() bandLevel {
	k := math.Tan(math.Pi * bandLow / SampleRate)
	norm := 1 / (1 + math.Sqrt2*k + k*k)
	return bandLevel{
		b0: norm, b1: -2 * norm, b2: norm,
		a1: 2 * (k*k - 1) * norm,
		a2: (1 - math.Sqrt2*k + k*k) * norm,
	}
}

func (b *bandLevel) reset() { b.x1, b.x2, b.y1, b.y2 = 0, 0, 0, 0 }

// level filters a frame, continuing from the previous one, and returns
// its power in the band in dBFS (at least -120).
func (b *bandLevel) level(frame []int16) float64 {
	x1, x2, y1, y2 := b.x1, b.x2, b.y1, b.y2
	var sq float64
	for _, s := range frame {
		x := float64(s)
		y := b.b0*x + b.b1*x1 + b.b2*x2 - b.a1*y1 - b.a2*y2
		z := (y + y1) / 2
		x2, x1, y2, y1 = x1, x, y1, y
		sq += z * z
	}
	b.x1, b.x2, b.y1, b.y2 = x1, x2, y1, y2
	power := sq / float64(len(frame)) / (32768 * 32768)
	return 10 * math.Log10(power+1e-12)
}

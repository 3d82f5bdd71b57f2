package sphinx

import (
	"math"
	"testing"
)

// tone is n frames of a loud tone, or of faint noise when loud is false.
func tone(n int, loud bool) []int16 {
	out := make([]int16, n*frameSamples)
	for i := range out {
		if loud {
			out[i] = int16(8000 * math.Sin(float64(i)*0.3))
		} else {
			out[i] = int16(i%7 - 3)
		}
	}
	return out
}

func TestUnexplained(t *testing.T) {
	// 20 frames quiet, 50 loud (a word), 40 loud (speech), 30 quiet.
	var audio []int16
	audio = append(audio, tone(20, false)...)
	audio = append(audio, tone(90, true)...)
	audio = append(audio, tone(30, false)...)
	for _, c := range []struct {
		name string
		segs []segment
		want int
	}{
		{"the sentence covers the speech", []segment{{word: "<sil>", start: 0, end: 19}, {word: "pay", start: 20, end: 109}, {word: "<sil>", start: 110, end: 139}}, 0},
		{"silence swallows speech", []segment{{word: "<sil>", start: 0, end: 19}, {word: "pay", start: 20, end: 69}, {word: "<sil>", start: 70, end: 139}}, 40},
		{"noise swallows speech", []segment{{word: "pay", start: 0, end: 89}, {word: "[NOISE]", start: 90, end: 109}, {word: "<sil>", start: 110, end: 139}}, 20},
		{"words are not checked", []segment{{word: "pay", start: 0, end: 139}}, 0},
	} {
		if got := unexplained(audio, c.segs); got != c.want {
			t.Errorf("%s: %d loud frames, want %d", c.name, got, c.want)
		}
		// A streamed utterance may number its frames on from the last one.
		shifted := make([]segment, len(c.segs))
		for i, s := range c.segs {
			shifted[i] = segment{word: s.word, start: s.start + 300, end: s.end + 300}
		}
		if got := unexplained(audio, shifted); got != c.want {
			t.Errorf("%s, frames numbered from 300: %d loud frames, want %d", c.name, got, c.want)
		}
	}
	if got := unexplained(tone(100, false), []segment{{word: "<sil>", start: 0, end: 99}}); got != 0 {
		t.Errorf("noise alone: %d loud frames, want 0", got)
	}
	if got := unexplained(nil, []segment{{word: "<sil>", start: 0, end: 99}}); got != 0 {
		t.Errorf("no audio: %d loud frames, want 0", got)
	}
}

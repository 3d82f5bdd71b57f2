package voice_test

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/voicepay/voicepay/voice"
)

// TestHalfDuplex reads a real speech clip through a HalfDuplex: the audio
// comes through as it is, but while a sentence is said, and for EchoTail
// after, it is silence of the same length.
func TestHalfDuplex(t *testing.T) {
	clip := espeak(t, "one two three four, say confirm to go ahead")
	read := func(h *voice.HalfDuplex, n int) []int16 {
		buf := make([]int16, n)
		for got := 0; got < n; {
			m, err := h.Read(context.Background(), buf[got:])
			if err != nil {
				t.Fatalf("read %d of %d: %v", got, n, err)
			}
			got += m
		}
		return buf
	}
	src, err := voice.OpenWAV(clip, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(clip)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want, _, err := voice.ReadWAV(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	const n = 4800 // 300 ms
	loud := func(x []int16) bool { return slices.ContainsFunc(x, func(s int16) bool { return s > 500 || s < -500 }) }
	if !loud(want[n:2*n]) || !loud(want[2*n:3*n]) {
		t.Fatal("the clip is silent where the test listens")
	}
	h := voice.NewHalfDuplex(src)
	defer h.Close()
	if got := read(h, n); !slices.Equal(got, want[:n]) {
		t.Fatal("the audio did not come through unchanged while nothing was said")
	}
	done := h.Speaking()
	if got := read(h, n); slices.ContainsFunc(got, func(s int16) bool { return s != 0 }) {
		t.Error("heard something while a sentence was said")
	}
	done()
	if !h.Deaf() {
		t.Error("not deaf just after the sentence: the echo would be heard")
	}
	time.Sleep(voice.EchoTail + 50*time.Millisecond)
	if h.Deaf() {
		t.Error("still deaf after the echo's tail")
	}
	if got := read(h, n); !slices.Equal(got, want[2*n:3*n]) {
		t.Error("the audio did not come back after the echo's tail")
	}
}

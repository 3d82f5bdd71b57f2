package voice_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// waitingCtx is a context that tells a test when a call has begun to wait
// on it: the first time Done is asked for, it runs onWait (if set) and
// closes waiting. Stream.Read and a paced WAVSource.Read ask for Done only
// in the select where they block (on entry they look at Err), so whatever
// onWait does, and whatever the test does once waiting is closed, happens
// while the call waits.
type waitingCtx struct {
	context.Context
	onWait  func()
	once    sync.Once
	waiting chan struct{}
}

func newWaitingCtx(parent context.Context, onWait func()) *waitingCtx {
	return &waitingCtx{Context: parent, onWait: onWait, waiting: make(chan struct{})}
}

func (c *waitingCtx) Done() <-chan struct{} {
	c.once.Do(func() {
		if c.onWait != nil {
			c.onWait()
		}
		close(c.waiting)
	})
	return c.Context.Done()
}

// waited reports whether a call has waited on c.
func (c *waitingCtx) waited() bool {
	select {
	case <-c.waiting:
		return true
	default:
		return false
	}
}

// mustWait waits until a call waits on c, for at most 5 seconds.
func (c *waitingCtx) mustWait(tb testing.TB) {
	tb.Helper()
	select {
	case <-c.waiting:
	case <-time.After(5 * time.Second):
		tb.Fatal("the call never waited on its context")
	}
}

// wavSpec describes a WAV file for buildWAV.
type wavSpec struct {
	Rate, Channels, Bits int
	Float                bool // IEEE float samples (Bits must be 32)
	Extensible           bool // WAVE_FORMAT_EXTENSIBLE fmt chunk
	Tag                  uint16
	// Extra chunks written between fmt and data, as raw bytes.
	Extra []byte
}

// buildWAV encodes interleaved samples in [-1, 1] as a WAV file.
func buildWAV(spec wavSpec, samples []float64) []byte {
	le := binary.LittleEndian
	var data bytes.Buffer
	for _, x := range samples {
		x = math.Max(-1, math.Min(1, x))
		switch {
		case spec.Float:
			binary.Write(&data, le, math.Float32bits(float32(x)))
		case spec.Bits == 8:
			data.WriteByte(byte(int(math.Round(x*127)) + 128))
		case spec.Bits == 16:
			binary.Write(&data, le, int16(math.Round(x*32767)))
		case spec.Bits == 24:
			v := int32(math.Round(x * 8388607))
			data.Write([]byte{byte(v), byte(v >> 8), byte(v >> 16)})
		case spec.Bits == 32:
			binary.Write(&data, le, int32(math.Round(x*2147483647)))
		}
	}
	tag := spec.Tag
	if tag == 0 {
		tag = 1
		if spec.Float {
			tag = 3
		}
	}
	blockAlign := spec.Channels * spec.Bits / 8
	var fmtc bytes.Buffer
	if spec.Extensible {
		binary.Write(&fmtc, le, uint16(0xFFFE))
	} else {
		binary.Write(&fmtc, le, tag)
	}
	binary.Write(&fmtc, le, uint16(spec.Channels))
	binary.Write(&fmtc, le, uint32(spec.Rate))
	binary.Write(&fmtc, le, uint32(spec.Rate*blockAlign))
	binary.Write(&fmtc, le, uint16(blockAlign))
	binary.Write(&fmtc, le, uint16(spec.Bits))
	if spec.Extensible {
		binary.Write(&fmtc, le, uint16(22))
		binary.Write(&fmtc, le, uint16(spec.Bits))
		binary.Write(&fmtc, le, uint32(0))
		binary.Write(&fmtc, le, tag)
		fmtc.Write([]byte{0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71})
	}
	var out bytes.Buffer
	out.WriteString("RIFF")
	binary.Write(&out, le, uint32(4+8+fmtc.Len()+len(spec.Extra)+8+data.Len()))
	out.WriteString("WAVE")
	out.Write(chunk("fmt ", fmtc.Bytes()))
	out.Write(spec.Extra)
	out.Write(chunk("data", data.Bytes()))
	return out.Bytes()
}

// chunk encodes one RIFF chunk, padded to an even length.
func chunk(id string, body []byte) []byte {
	var b bytes.Buffer
	b.WriteString(id)
	binary.Write(&b, binary.LittleEndian, uint32(len(body)))
	b.Write(body)
	if len(body)%2 == 1 {
		b.WriteByte(0)
	}
	return b.Bytes()
}

// tone is a sine of the given frequency and amplitude (1 is full scale).
func tone(freq, amp float64, rate int, d time.Duration) []float64 {
	n := int(d.Seconds() * float64(rate))
	x := make([]float64, n)
	for i := range x {
		x[i] = amp * math.Sin(2*math.Pi*freq*float64(i)/float64(rate))
	}
	return x
}

// interleave repeats a mono signal on every channel.
func interleave(mono []float64, channels int) []float64 {
	out := make([]float64, 0, len(mono)*channels)
	for _, v := range mono {
		for range channels {
			out = append(out, v)
		}
	}
	return out
}

// pcm converts [-1, 1] floats to int16 samples.
func pcm(x []float64) []int16 {
	out := make([]int16, len(x))
	for i, v := range x {
		out[i] = int16(math.Round(math.Max(-1, math.Min(1, v)) * 32767))
	}
	return out
}

// pcmBytes encodes int16 samples as PCM16LE.
func pcmBytes(x []int16) []byte {
	b := make([]byte, 2*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
	}
	return b
}

// amplitudeAt measures the amplitude of the component at freq (Goertzel on
// a Hann window), 1 being full scale.
func amplitudeAt(x []int16, freq float64, rate int) float64 {
	n := len(x)
	var re, im, wsum float64
	for i, v := range x {
		w := 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n-1))
		ph := 2 * math.Pi * freq * float64(i) / float64(rate)
		re += w * float64(v) * math.Cos(ph)
		im += w * float64(v) * math.Sin(ph)
		wsum += w
	}
	return 2 * math.Hypot(re, im) / wsum / 32768
}

// risingZeroCrossings counts upward sign changes.
func risingZeroCrossings(x []int16) int {
	n := 0
	for i := 1; i < len(x); i++ {
		if x[i-1] < 0 && x[i] >= 0 {
			n++
		}
	}
	return n
}

// seed returns the seed for a randomized test, from VOICEPAY_SEED if set,
// and logs it so that a failure can be replayed.
func seed(t testing.TB) uint64 {
	t.Helper()
	s := uint64(time.Now().UnixNano())
	if v := os.Getenv("VOICEPAY_SEED"); v != "" {
		var err error
		if s, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatalf("VOICEPAY_SEED: %v", err)
		}
	}
	t.Logf("seed %d (replay with VOICEPAY_SEED=%d)", s, s)
	return s
}

// espeak renders text to a WAV file in a temporary directory with espeak-ng
// and returns its path. make deps installs espeak-ng.
func espeak(t *testing.T, text string, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("espeak-ng")
	if err != nil {
		t.Fatal("espeak-ng is not installed: run make deps")
	}
	path := filepath.Join(t.TempDir(), "speech.wav")
	cmd := exec.Command(bin, append(append([]string{"-w", path}, args...), text)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("espeak-ng: %v\n%s", err, out)
	}
	return path
}

package voice_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/voicepay/voicepay/voice"
	"github.com/voicepay/voicepay/voice/voicetest"
)

// readAll reads a Source to its end.
func readAll(t testing.TB, src voice.Source) []int16 {
	t.Helper()
	var out []int16
	buf := make([]int16, 777)
	for {
		n, err := src.Read(context.Background(), buf)
		if n > 0 && err != nil {
			t.Fatalf("Read returned %d samples and error %v", n, err)
		}
		out = append(out, buf[:n]...)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
	}
}

// TestStreamMatchesWAV pushes PCM16LE in random chunks, odd byte counts and
// frames split across chunks included, and expects exactly what ReadWAV
// makes of the same audio.
func TestStreamMatchesWAV(t *testing.T) {
	rng := rand.New(rand.NewPCG(seed(t), 4))
	for _, in := range []voice.Format{
		{SampleRate: 16000, Channels: 1, BitDepth: 16},
		{SampleRate: 8000, Channels: 1, BitDepth: 16},
		{SampleRate: 44100, Channels: 2, BitDepth: 16},
		{SampleRate: 48000, Channels: 1, BitDepth: 16},
	} {
		t.Run(in.String(), func(t *testing.T) {
			x := voicetest.WhiteNoise(rng, 0.2, in.SampleRate*in.Channels/2)
			file := buildWAV(wavSpec{Rate: in.SampleRate, Channels: in.Channels, Bits: 16}, x)
			want, _, err := voice.ReadWAV(bytes.NewReader(file), nil)
			if err != nil {
				t.Fatal(err)
			}
			s, err := voice.NewStream(in, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			raw := pcmBytes(pcm(x))
			var wg sync.WaitGroup
			wg.Add(1)
			go func() { // write while the test reads
				defer wg.Done()
				for rest := raw; len(rest) > 0; {
					k := min(len(rest), 1+rng.IntN(999))
					if n, err := s.Write(rest[:k]); n != k || err != nil {
						t.Errorf("Write(%d bytes) = %d, %v", k, n, err)
						return
					}
					rest = rest[k:]
				}
				if err := s.CloseWrite(); err != nil {
					t.Errorf("CloseWrite: %v", err)
				}
			}()
			got := readAll(t, s)
			wg.Wait()
			if !equal(got, want) {
				t.Errorf("stream gave %d samples differing from the %d of ReadWAV", len(got), len(want))
			}
		})
	}
}

// TestStreamBufferPolicy checks that a client writing faster than the
// reader consumes is refused rather than buffered without bound.
func TestStreamBufferPolicy(t *testing.T) {
	s, err := voice.NewStream(voice.Format{SampleRate: 48000, Channels: 1, BitDepth: 16}, &voice.StreamOptions{MaxBuffered: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	chunk := pcmBytes(pcm(tone(440, 0.3, 48000, 100*time.Millisecond))) // 100 ms
	accepted := 0
	for range 1000 { // 100 s offered, nothing read
		n, err := s.Write(chunk)
		switch {
		case err == nil && n == len(chunk):
			accepted++
		case errors.Is(err, voice.ErrBufferFull) && n == 0:
		default:
			t.Fatalf("Write = %d, %v", n, err)
		}
		if b := s.Buffered(); b > time.Second {
			t.Fatalf("%s buffered, the limit is 1s", b)
		}
	}
	if accepted < 9 || accepted > 10 {
		t.Errorf("accepted %d chunks of 100 ms into a 1 s buffer, want 9 or 10", accepted)
	}
	// Reading makes room again, and the refused chunks left no trace.
	buf := make([]int16, voice.SampleRate/2)
	if n, err := s.Read(context.Background(), buf); err != nil || n != len(buf) {
		t.Fatalf("Read = %d, %v", n, err)
	}
	if n, err := s.Write(chunk); err != nil || n != len(chunk) {
		t.Fatalf("Write after reading = %d, %v", n, err)
	}
	if err := s.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	rest := readAll(t, s)
	if got, want := len(buf)+len(rest), (accepted+1)*1600; got != want {
		t.Errorf("read %d samples, want %d (%d chunks of 1600)", got, want, accepted+1)
	}
}

func TestStreamClose(t *testing.T) {
	s, err := voice.NewStream(voice.Internal, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Read waits for audio, and a cancelled context ends the wait.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := s.Read(ctx, make([]int16, 10)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Read with nothing written: %v, want deadline exceeded", err)
	}
	// A cancelled context ends Read even with audio queued: a microphone
	// that never runs dry still lets its reader stop.
	if _, err := s.Write(make([]byte, 20)); err != nil { // ten samples
		t.Fatal(err)
	}
	cancelled, stop := context.WithCancel(context.Background())
	stop()
	if n, err := s.Read(cancelled, make([]int16, 10)); !errors.Is(err, context.Canceled) || n != 0 {
		t.Fatalf("Read with audio queued and a cancelled context: %d, %v; want 0, canceled", n, err)
	}
	if n, err := s.Read(context.Background(), make([]int16, 10)); err != nil || n != 10 {
		t.Fatalf("Read after a cancelled Read: %d, %v; want the queued audio", n, err)
	}
	// Close ends a blocked Read.
	done := make(chan error)
	waiting := newWaitingCtx(context.Background(), nil)
	go func() {
		_, err := s.Read(waiting, make([]int16, 10))
		done <- err
	}()
	waiting.mustWait(t)
	s.Close()
	select {
	case err := <-done:
		if !errors.Is(err, voice.ErrClosed) {
			t.Errorf("blocked Read after Close: %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end a blocked Read")
	}
	if _, err := s.Write([]byte{1, 2}); !errors.Is(err, voice.ErrClosed) {
		t.Errorf("Write after Close: %v, want ErrClosed", err)
	}
}

func TestStreamOddTail(t *testing.T) {
	s, _ := voice.NewStream(voice.Internal, nil)
	defer s.Close()
	s.Write([]byte{0x34})       // half a sample
	s.Write([]byte{0x12, 0xff}) // its other half, then half of the next
	s.CloseWrite()              // the dangling byte is dropped
	if got := readAll(t, s); !equal(got, []int16{0x1234}) {
		t.Errorf("samples = %#v, want [0x1234]", got)
	}
	if _, err := s.Write([]byte{0, 0}); !errors.Is(err, voice.ErrClosed) {
		t.Errorf("Write after CloseWrite: %v, want ErrClosed", err)
	}
}

func TestNewStreamRejectsFormats(t *testing.T) {
	for _, f := range []voice.Format{
		{SampleRate: 16000, Channels: 1, BitDepth: 8},
		{SampleRate: 16000, Channels: 0, BitDepth: 16},
		{SampleRate: 100, Channels: 1, BitDepth: 16},
	} {
		if _, err := voice.NewStream(f, nil); !errors.Is(err, voice.ErrUnsupportedAudio) {
			t.Errorf("NewStream(%v) error = %v, want ErrUnsupportedAudio", f, err)
		}
	}
}

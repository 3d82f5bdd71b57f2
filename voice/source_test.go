package voice_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/voicepay/voicepay/voice"
)

func TestWAVSourceMatchesReadWAV(t *testing.T) {
	file := buildWAV(wavSpec{Rate: 44100, Channels: 2, Bits: 24}, interleave(tone(300, 0.4, 44100, 2*time.Second), 2))
	want, _, err := voice.ReadWAV(bytes.NewReader(file), nil)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "a.wav")
	if err := os.WriteFile(path, file, 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := voice.OpenWAV(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := src.Info().Format; got != (voice.Format{SampleRate: 44100, Channels: 2, BitDepth: 24}) {
		t.Errorf("Info().Format = %v", got)
	}
	if got := readAll(t, src); !equal(got, want) {
		t.Errorf("WAVSource gave %d samples differing from the %d of ReadWAV", len(got), len(want))
	}
	if err := src.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if _, err := src.Read(context.Background(), make([]int16, 10)); !errors.Is(err, voice.ErrClosed) {
		t.Errorf("Read after Close: %v, want ErrClosed", err)
	}
}

func TestOpenWAVErrors(t *testing.T) {
	if _, err := voice.OpenWAV(filepath.Join(t.TempDir(), "missing.wav"), nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := voice.NewWAVSource(bytes.NewReader([]byte("RIFF")), nil); !errors.Is(err, voice.ErrBadAudio) {
		t.Errorf("broken file: %v, want ErrBadAudio", err)
	}
}

func TestWAVSourceRealtime(t *testing.T) {
	file := buildWAV(wavSpec{Rate: 16000, Channels: 1, Bits: 16}, tone(300, 0.4, 16000, 300*time.Millisecond))
	src, err := voice.NewWAVSource(bytes.NewReader(file), &voice.WAVOptions{Realtime: true})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	got := readAll(t, src)
	if elapsed := time.Since(start); elapsed < 280*time.Millisecond {
		t.Errorf("300 ms of audio read in %s in real time", elapsed)
	}
	if len(got) != 4800 {
		t.Errorf("got %d samples, want 4800", len(got))
	}

	// Pacing waits on the context and on Close. Each wait is at most one
	// 20 ms chunk, too short for the test to catch in the act, so the
	// context cancels, or the source closes, as the Read starts to wait.
	long := buildWAV(wavSpec{Rate: 16000, Channels: 1, Bits: 16}, tone(300, 0.4, 16000, 10*time.Second))
	src, _ = voice.NewWAVSource(bytes.NewReader(long), &voice.WAVOptions{Realtime: true})
	buf := make([]int16, 4800)
	src.Read(context.Background(), buf) // starts the clock with 20 ms
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := src.Read(ctx, buf); !errors.Is(err, context.Canceled) {
		t.Errorf("Read with a cancelled context: %v", err)
	}
	// pacedRead reads until a Read waits for its audio's time, with stop
	// run as that wait begins, and returns what that Read gave. A Read that
	// finds itself behind real time does not wait; the next one will.
	pacedRead := func(parent context.Context, stop func()) error {
		for range 1000 {
			ctx := newWaitingCtx(parent, stop)
			_, err := src.Read(ctx, buf)
			if ctx.waited() {
				return err
			}
			if err != nil {
				t.Fatalf("a Read before any wait: %v", err)
			}
		}
		t.Fatal("no Read waited for its audio's time")
		return nil
	}
	ctx, cancel = context.WithCancel(context.Background())
	if err := pacedRead(ctx, cancel); !errors.Is(err, context.Canceled) {
		t.Errorf("a paced Read when its context is cancelled: %v, want context.Canceled", err)
	}
	// Close waits for the Read to let go of the source, so it runs apart
	// from it; the Read's wait ends as Close begins.
	closed := make(chan error, 1)
	if err := pacedRead(context.Background(), func() { go func() { closed <- src.Close() }() }); !errors.Is(err, voice.ErrClosed) {
		t.Errorf("a paced Read when the source is closed: %v, want ErrClosed", err)
	}
	if err := <-closed; err != nil {
		t.Errorf("Close: %v", err)
	}
}

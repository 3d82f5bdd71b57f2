package voice_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/voicepay/voicepay/voice"
)

// FuzzReadWAV: no input panics, every failure wraps one of the sentinel
// errors, and what is decoded is no bigger than the file allows (so no
// header can make ReadWAV allocate more than the input justifies).
func FuzzReadWAV(f *testing.F) {
	for _, spec := range []wavSpec{
		{Rate: 16000, Channels: 1, Bits: 16},
		{Rate: 8000, Channels: 1, Bits: 8},
		{Rate: 44100, Channels: 2, Bits: 24},
		{Rate: 48000, Channels: 2, Bits: 32},
		{Rate: 22050, Channels: 1, Bits: 32, Float: true},
		{Rate: 96000, Channels: 3, Bits: 24, Extensible: true},
		{Rate: 16000, Channels: 1, Bits: 16, Extra: chunk("LIST", append([]byte("INFO"), chunk("ICMT", []byte("x"))...))},
	} {
		f.Add(buildWAV(spec, interleave(tone(440, 0.5, spec.Rate, 5*time.Millisecond), spec.Channels)))
	}
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVE"))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, info, err := voice.ReadWAV(bytes.NewReader(data), nil)
		if err != nil {
			if !errors.Is(err, voice.ErrBadAudio) && !errors.Is(err, voice.ErrUnsupportedAudio) && !errors.Is(err, voice.ErrAudioTooLong) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			return
		}
		// At least one byte per frame, at MinSampleRate or more: at most
		// four output samples per input byte.
		if len(out) > 4*len(data)+1 {
			t.Fatalf("%d samples from %d bytes", len(out), len(data))
		}
		want := (info.Frames*voice.SampleRate + int64(info.Format.SampleRate) - 1) / int64(info.Format.SampleRate)
		if int64(len(out)) != want {
			t.Fatalf("%d samples from %d frames at %d Hz, want %d", len(out), info.Frames, info.Format.SampleRate, want)
		}
	})
}

// FuzzEndpointer: arbitrary samples in arbitrary chunks give the same
// events as the whole, and those events are consistent with the input.
func FuzzEndpointer(f *testing.F) {
	cfg := voice.DefaultVADConfig()
	// Short durations, so that small inputs reach every state.
	cfg.Frame = 10 * time.Millisecond
	cfg.PreRoll = 20 * time.Millisecond
	cfg.Hangover = 30 * time.Millisecond
	cfg.Tail = 20 * time.Millisecond
	cfg.MinSpeech = 20 * time.Millisecond
	cfg.MaxSpeech = 200 * time.Millisecond
	cfg.FloorWarmUp = 20 * time.Millisecond
	// Seeds stay small (the fuzzer minimizes every new input byte by byte).
	f.Add([]byte{7}, pcmBytes(pcm(append(tone(300, 0.001, 16000, 20*time.Millisecond), tone(300, 0.5, 16000, 50*time.Millisecond)...))))
	f.Add([]byte{1, 2, 3}, make([]byte, 1000))
	f.Add([]byte{0}, pcmBytes(pcm(tone(1000, 0.9, 16000, 60*time.Millisecond))))
	f.Fuzz(func(t *testing.T, cuts, raw []byte) {
		samples := make([]int16, len(raw)/2)
		for i := range samples {
			samples[i] = int16(binary.LittleEndian.Uint16(raw[2*i:]))
		}
		whole := endpoint(t, cfg, samples, 0)
		utterances(t, cfg, samples, whole)

		e, err := voice.NewEndpointer(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var chunked []voice.Event
		rest := samples
		for i := 0; len(rest) > 0; i++ {
			k := 1
			if len(cuts) > 0 {
				k += int(cuts[i%len(cuts)])
			}
			k = min(k, len(rest))
			chunked = append(chunked, e.Write(rest[:k])...)
			rest = rest[k:]
		}
		chunked = append(chunked, e.Flush()...)
		if !reflect.DeepEqual(chunked, whole) {
			t.Fatalf("chunked: %d events, whole: %d", len(chunked), len(whole))
		}
	})
}

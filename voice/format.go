// Package voice is voicepay's audio input: WAV files, the microphone and
// pushed PCM streams, all converted to one internal format, and the
// endpointer that cuts that audio into utterances.
//
// Every sample that leaves this package is PCM16 mono at 16 kHz (Internal).
// Times are always computed from sample counts, never from bytes or the wall
// clock, so the same audio always gives the same offsets.
package voice

import (
	"errors"
	"fmt"
	"time"
)

// The internal format: what every Source delivers and the Endpointer expects.
const (
	SampleRate = 16000
	Channels   = 1
	BitDepth   = 16
)

// Internal is the internal format as a Format value.
var Internal = Format{SampleRate: SampleRate, Channels: Channels, BitDepth: BitDepth}

// Limits on the formats voicepay accepts as input. They keep the resampler's
// tables and the per-frame buffers small whatever a file header claims.
const (
	MinSampleRate = 4000
	MaxSampleRate = 384000
	MaxChannels   = 16
)

// Sentinel errors. Errors returned by this package wrap one of them, so a
// caller can test with errors.Is and still show the wrapped message.
var (
	// ErrBadAudio: the input is not valid audio (not a WAV file, a broken or
	// truncated header or data chunk, no samples).
	ErrBadAudio = errors.New("bad audio")
	// ErrUnsupportedAudio: the input is well formed but in a format voicepay
	// does not decode (a compressed codec, 64-bit float, an odd bit depth, an
	// out-of-range rate or channel count).
	ErrUnsupportedAudio = errors.New("unsupported audio")
	// ErrAudioTooLong: the input is longer than the configured maximum.
	ErrAudioTooLong = errors.New("audio too long")
	// ErrBufferFull: a Stream refused a chunk because its buffer is full.
	ErrBufferFull = errors.New("audio buffer full")
	// ErrClosed: the source was closed.
	ErrClosed = errors.New("audio source closed")
)

// Format describes linear PCM audio.
type Format struct {
	SampleRate int // frames per second
	Channels   int // samples per frame
	BitDepth   int // bits per sample
}

// String gives the format as "16000 Hz, 1 ch, 16-bit".
func (f Format) String() string {
	return fmt.Sprintf("%d Hz, %d ch, %d-bit", f.SampleRate, f.Channels, f.BitDepth)
}

// validate checks the rate and channel count against the package limits.
func (f Format) validate() error {
	if f.SampleRate < MinSampleRate || f.SampleRate > MaxSampleRate {
		return fmt.Errorf("%w: sample rate %d Hz outside %d..%d", ErrUnsupportedAudio, f.SampleRate, MinSampleRate, MaxSampleRate)
	}
	if f.Channels < 1 || f.Channels > MaxChannels {
		return fmt.Errorf("%w: %d channels, want 1..%d", ErrUnsupportedAudio, f.Channels, MaxChannels)
	}
	return nil
}

// Duration is how long n samples of the internal format last.
func Duration(n int) time.Duration {
	return time.Duration(n) * (time.Second / SampleRate)
}

// SampleCount is how many samples of the internal format last d, rounded
// down.
func SampleCount(d time.Duration) int {
	return int(d / (time.Second / SampleRate))
}

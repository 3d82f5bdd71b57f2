//go:build !cgo

package voice

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// MicOptions configures the microphone; see the cgo build.
type MicOptions struct {
	Backend     string
	MaxBuffered time.Duration
	Logger      *slog.Logger
	Realtime    bool
}

// Mic is the microphone Source. Capture needs cgo (miniaudio); this build
// has none, so OpenMic always fails.
type Mic struct{}

// OpenMic fails: the microphone needs a build with cgo.
func OpenMic(*MicOptions) (*Mic, error) {
	return nil, errors.New("microphone: voicepay was built without cgo")
}

// Read implements Source.
func (*Mic) Read(context.Context, []int16) (int, error) { return 0, ErrClosed }

// Dropped is always zero.
func (*Mic) Dropped() time.Duration { return 0 }

// Close implements Source.
func (*Mic) Close() error { return nil }

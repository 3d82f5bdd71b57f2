//go:build cgo

package voice

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gen2brain/malgo"
)

// MicOptions configures the microphone. A nil *MicOptions means the
// defaults.
type MicOptions struct {
	// Backend picks the audio system: "alsa", "pulseaudio", "jack",
	// "coreaudio", "wasapi", "null", or "" to try the platform's in order
	// (on Linux PulseAudio, then ALSA, then JACK).
	Backend string
	// MaxBuffered bounds the captured audio waiting for the reader; older
	// audio is kept and newer dropped (see Mic.Dropped). Zero means
	// DefaultMaxBuffered.
	MaxBuffered time.Duration
	// Logger receives the audio system's diagnostics at debug level; nil
	// discards them.
	Logger *slog.Logger
	// Realtime holds capture back to real time. A microphone keeps time by
	// itself; a virtual device without a clock (ALSA's null and file
	// plugins, as the tests use) otherwise delivers audio thousands of
	// times faster than real time, spinning a core.
	Realtime bool
}

// micBackends maps MicOptions.Backend to miniaudio's backends.
var micBackends = map[string]malgo.Backend{
	"alsa":       malgo.BackendAlsa,
	"pulseaudio": malgo.BackendPulseaudio,
	"jack":       malgo.BackendJack,
	"coreaudio":  malgo.BackendCoreaudio,
	"wasapi":     malgo.BackendWasapi,
	"null":       malgo.BackendNull,
}

// Mic is a Source capturing the system's default input device. miniaudio
// (through malgo) opens it as PCM16 mono 16 kHz and converts from whatever
// the device delivers, so the samples are in the internal format as
// captured. Capture runs on the audio system's thread and never waits for
// the reader: when the reader falls MaxBuffered behind, new audio is
// dropped and counted.
type Mic struct {
	stream   *Stream
	actx     *malgo.AllocatedContext
	dev      *malgo.Device
	dropped  atomic.Int64 // samples
	realtime bool
	start    time.Time // of capture, when realtime; used on the audio thread only
	captured int       // samples, likewise
	once     sync.Once
	err      error
}

// OpenMic starts capturing from the default input device.
func OpenMic(opt *MicOptions) (*Mic, error) {
	if opt == nil {
		opt = &MicOptions{}
	}
	var backends []malgo.Backend
	if opt.Backend != "" {
		b, ok := micBackends[opt.Backend]
		if !ok {
			return nil, fmt.Errorf("microphone: unknown backend %q", opt.Backend)
		}
		backends = []malgo.Backend{b}
	}
	stream, err := NewStream(Internal, &StreamOptions{MaxBuffered: opt.MaxBuffered})
	if err != nil {
		return nil, err
	}
	logger := opt.Logger
	actx, err := malgo.InitContext(backends, malgo.ContextConfig{}, func(msg string) {
		if logger != nil {
			logger.Debug("audio system", "message", msg)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("microphone: init audio system: %w", err)
	}
	m := &Mic{stream: stream, actx: actx, realtime: opt.Realtime}

	cfg := malgo.DefaultDeviceConfig(malgo.Capture)
	cfg.Capture.Format = malgo.FormatS16
	cfg.Capture.Channels = Channels
	cfg.SampleRate = SampleRate
	cfg.Resampling.Algorithm = malgo.ResampleAlgorithmLinear
	cfg.Resampling.Linear.LpfOrder = 8 // miniaudio's highest: the best anti-aliasing it offers
	cfg.Alsa.NoMMap = 1                // plugin devices (file, dsnoop) are more reliable without mmap
	dev, err := malgo.InitDevice(actx.Context, cfg, malgo.DeviceCallbacks{
		Data: m.capture,
		Stop: func() { _ = m.stream.CloseWrite() },
	})
	if err != nil {
		m.freeContext()
		return nil, fmt.Errorf("microphone: open capture device: %w", err)
	}
	m.dev = dev
	if err := dev.Start(); err != nil {
		dev.Uninit()
		m.freeContext()
		return nil, fmt.Errorf("microphone: start capture: %w", err)
	}
	return m, nil
}

// capture runs on the audio thread with each period of captured frames.
func (m *Mic) capture(_, in []byte, frames uint32) {
	if _, err := m.stream.Write(in); errors.Is(err, ErrBufferFull) {
		m.dropped.Add(int64(frames))
	}
	if m.realtime {
		if m.start.IsZero() {
			m.start = time.Now()
		}
		m.captured += int(frames)
		if d := time.Until(m.start.Add(Duration(m.captured))); d > 0 {
			time.Sleep(d) // at most about one period
		}
	}
}

// Read implements Source. It returns io.EOF if the device stops by itself
// (it was unplugged, or its server went away).
func (m *Mic) Read(ctx context.Context, buf []int16) (int, error) {
	return m.stream.Read(ctx, buf)
}

// Dropped is how much captured audio was thrown away because the reader
// fell behind.
func (m *Mic) Dropped() time.Duration { return Duration(int(m.dropped.Load())) }

// Close stops capture and releases the device; a blocked Read returns
// ErrClosed.
func (m *Mic) Close() error {
	m.once.Do(func() {
		if m.dev != nil {
			m.err = m.dev.Stop()
			m.dev.Uninit()
		}
		m.freeContext()
		_ = m.stream.Close()
	})
	return m.err
}

func (m *Mic) freeContext() {
	if err := m.actx.Uninit(); err != nil && m.err == nil {
		m.err = err
	}
	m.actx.Free()
}

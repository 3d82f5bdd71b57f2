package voice

import (
	"context"
	"io"
	"os"
	"sync"
	"time"
)

// Source is a stream of audio in the internal format, PCM16 mono 16 kHz,
// whatever its origin: a WAV file, the microphone, or chunks pushed by a
// websocket client.
//
// Read blocks until at least one sample is ready, then copies up to
// len(buf) samples into buf and returns how many, with a nil error. It
// returns 0 and an error otherwise: io.EOF once the audio has ended,
// ctx.Err() when ctx is done first, ErrClosed after Close. A Source has one
// reader; Close may be called from any goroutine and ends a blocked Read.
type Source interface {
	Read(ctx context.Context, buf []int16) (int, error)
	Close() error
}

var (
	_ Source = (*WAVSource)(nil)
	_ Source = (*Stream)(nil)
	_ Source = (*Mic)(nil)
)

// realtimeChunk is the most a paced WAVSource returns per Read: about one
// period of a sound card, so that it behaves like a microphone.
const realtimeChunk = SampleRate / 50

// WAVSource is a Source reading a WAV file, converted as ReadWAV converts
// it but a block at a time, so that memory does not grow with the file.
type WAVSource struct {
	info     Info
	realtime bool
	done     chan struct{} // closed by Close
	once     sync.Once

	mu      sync.Mutex // guards the rest
	d       *wavDecoder
	closer  io.Closer
	block   []int16 // the last decoded block
	pending []int16 // its samples not yet read
	start   time.Time
	sent    int
	err     error // io.EOF, a decoding error, or ErrClosed
}

// OpenWAV opens the named WAV file as a Source; Close closes the file.
func OpenWAV(name string, opt *WAVOptions) (*WAVSource, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	s, err := NewWAVSource(f, opt)
	if err != nil {
		f.Close()
		return nil, err
	}
	s.closer = f
	return s, nil
}

// NewWAVSource reads the header of the WAV file in r and returns a Source
// for its audio. It fails as ReadWAV does for a bad, unsupported or too
// long file. Close does not close r.
func NewWAVSource(r io.ReadSeeker, opt *WAVOptions) (*WAVSource, error) {
	d, err := newWAVDecoder(r, opt.maxDuration())
	if err != nil {
		return nil, err
	}
	return &WAVSource{info: d.info, d: d, realtime: opt != nil && opt.Realtime, done: make(chan struct{})}, nil
}

// Info describes the file's audio as stored.
func (s *WAVSource) Info() Info { return s.info }

// Read implements Source.
func (s *WAVSource) Read(ctx context.Context, buf []int16) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.pending) == 0 {
		if s.err != nil {
			return 0, s.err
		}
		s.block, s.err = s.d.decode(s.block[:0])
		s.pending = s.block
	}
	if s.realtime {
		buf = buf[:min(len(buf), realtimeChunk)]
	}
	n := copy(buf, s.pending)
	if s.realtime && n > 0 {
		if s.start.IsZero() {
			s.start = time.Now()
		}
		if err := sleep(ctx, s.done, time.Until(s.start.Add(Duration(s.sent+n)))); err != nil {
			return 0, err
		}
	}
	s.pending = s.pending[n:]
	s.sent += n
	return n, nil
}

// Close implements Source; it closes the file when OpenWAV opened it.
func (s *WAVSource) Close() error {
	s.once.Do(func() { close(s.done) })
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err, s.pending, s.block = ErrClosed, nil, nil
	if s.closer != nil {
		c := s.closer
		s.closer = nil
		return c.Close()
	}
	return nil
}

// sleep waits for d, until ctx is done, or until done is closed.
func sleep(ctx context.Context, done <-chan struct{}, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-done:
		return ErrClosed
	}
}

package voice

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"
)

// DefaultMaxBuffered is how much converted audio a Stream holds for its
// reader when no limit is set.
const DefaultMaxBuffered = 30 * time.Second

// StreamOptions configures a Stream. A nil *StreamOptions means the
// defaults.
type StreamOptions struct {
	// MaxBuffered bounds the converted audio waiting for the reader. Zero
	// means DefaultMaxBuffered.
	MaxBuffered time.Duration
}

// Stream is a Source fed by pushed chunks of PCM16LE audio at an announced
// format, such as a websocket client's binary frames. It converts them to
// the internal format as they arrive.
//
// Chunks may have any length, odd byte counts and frames split across
// chunks included: the result depends only on the bytes, never on how they
// were cut. Memory is bounded: when the audio waiting for the reader would
// exceed MaxBuffered, Write refuses the whole chunk with ErrBufferFull and
// changes nothing, so a client sending faster than the reader consumes
// learns of it at once and can pace itself or be dropped. Write never
// blocks.
//
// Write and CloseWrite may be called from one goroutine while another
// reads.
type Stream struct {
	in         Format
	frameBytes int
	max        int // samples
	ready      chan struct{}
	done       chan struct{}
	closeOnce  sync.Once

	mu      sync.Mutex // guards the rest
	rs      *Resampler
	partial []byte    // bytes of an incomplete frame
	mono    []float32 // scratch
	queue   []int16   // converted audio; queue[head:] is unread
	head    int
	eof     bool // CloseWrite was called
	closed  bool // Close was called
}

// NewStream returns a Stream for PCM16LE audio of the given rate and
// channel count (in.BitDepth must be 16).
func NewStream(in Format, opt *StreamOptions) (*Stream, error) {
	if in.BitDepth != 16 {
		return nil, fmt.Errorf("%w: stream of %d-bit samples, want 16", ErrUnsupportedAudio, in.BitDepth)
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	rs, err := NewResampler(in.SampleRate, SampleRate)
	if err != nil {
		return nil, err
	}
	maxBuf := DefaultMaxBuffered
	if opt != nil && opt.MaxBuffered > 0 {
		maxBuf = opt.MaxBuffered
	}
	return &Stream{
		in:         in,
		frameBytes: 2 * in.Channels,
		max:        max(1, SampleCount(maxBuf)),
		ready:      make(chan struct{}, 1),
		done:       make(chan struct{}),
		rs:         rs,
	}, nil
}

// Write converts a chunk of PCM16LE audio and queues it for the reader. It
// returns len(p) and nil, or 0 and ErrBufferFull (nothing was taken; the
// chunk may be sent again once the reader catches up), or 0 and ErrClosed
// after CloseWrite or Close.
func (s *Stream) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.eof {
		return 0, ErrClosed
	}
	frames := int64(len(s.partial)+len(p)) / int64(s.frameBytes)
	// The most samples these frames can add: the resampler emits at most
	// ceil(frames*16000/rate) outputs for them, plus one for rounding.
	most := (frames*SampleRate+int64(s.in.SampleRate)-1)/int64(s.in.SampleRate) + 1
	if int64(len(s.queue)-s.head)+most > int64(s.max) {
		return 0, fmt.Errorf("%w: %s of audio waiting, the limit is %s", ErrBufferFull, Duration(len(s.queue)-s.head), Duration(s.max))
	}
	n := len(p)
	s.mono = s.mono[:0]
	if len(s.partial) > 0 {
		k := min(s.frameBytes-len(s.partial), len(p))
		s.partial = append(s.partial, p[:k]...)
		p = p[k:]
		if len(s.partial) == s.frameBytes {
			s.mono = downmix16(s.mono, s.partial, s.in.Channels)
			s.partial = s.partial[:0]
		}
	}
	whole := len(p) - len(p)%s.frameBytes
	s.mono = downmix16(s.mono, p[:whole], s.in.Channels)
	s.partial = append(s.partial, p[whole:]...)
	s.compact()
	s.queue = s.rs.appendFloat(s.queue, s.mono)
	s.signal()
	return n, nil
}

// CloseWrite marks the end of the audio: the reader gets what is queued,
// then io.EOF.
func (s *Stream) CloseWrite() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if !s.eof {
		s.eof = true
		s.queue = s.rs.Flush(s.queue)
		s.signal()
	}
	return nil
}

// Read implements Source. Once ctx is done it returns ctx's error, even
// with audio queued: a source that never runs dry (a microphone) still
// lets its reader stop.
func (s *Stream) Read(ctx context.Context, buf []int16) (int, error) {
	for {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		s.mu.Lock()
		switch {
		case s.closed:
			s.mu.Unlock()
			return 0, ErrClosed
		case len(s.queue) > s.head:
			n := copy(buf, s.queue[s.head:])
			s.head += n
			if s.head == len(s.queue) {
				s.drained()
			}
			s.mu.Unlock()
			return n, nil
		case s.eof:
			s.mu.Unlock()
			return 0, io.EOF
		}
		s.mu.Unlock()
		select {
		case <-s.ready:
		case <-s.done:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

// Close implements Source: it discards the queued audio, ends a blocked
// Read and refuses later writes.
func (s *Stream) Close() error {
	s.closeOnce.Do(func() { close(s.done) })
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.queue, s.head, s.partial = nil, 0, nil
	return nil
}

// Buffered is how much converted audio waits for the reader.
func (s *Stream) Buffered() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Duration(len(s.queue) - s.head)
}

// signal wakes a waiting reader; s.mu is held.
func (s *Stream) signal() {
	select {
	case s.ready <- struct{}{}:
	default:
	}
}

// keepQueue is the most converted audio whose room the queue keeps once
// read: room for a backlog beyond it is given back, so that a stream that
// fell behind a while does not hold its largest backlog's memory for good.
const keepQueue = SampleRate // 1 s

// drained empties the queue once it has all been read; s.mu is held.
func (s *Stream) drained() {
	s.head = 0
	if cap(s.queue) > keepQueue {
		s.queue = nil
		return
	}
	s.queue = s.queue[:0]
}

// compact moves the unread audio to the front of the queue once the read
// part is the larger; s.mu is held.
func (s *Stream) compact() {
	if s.head == 0 || s.head < len(s.queue)-s.head {
		return
	}
	s.queue = s.queue[:copy(s.queue, s.queue[s.head:])]
	s.head = 0
}

// downmix16 averages interleaved PCM16LE frames into mono float32 at int16
// scale.
func downmix16(dst []float32, p []byte, channels int) []float32 {
	fb := 2 * channels
	for i := 0; i+fb <= len(p); i += fb {
		var sum int32
		for c := i; c < i+fb; c += 2 {
			sum += int32(int16(uint16(p[c]) | uint16(p[c+1])<<8))
		}
		if channels == 1 {
			dst = append(dst, float32(sum))
		} else {
			dst = append(dst, float32(sum)/float32(channels))
		}
	}
	return dst
}

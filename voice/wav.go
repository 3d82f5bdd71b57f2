package voice

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/go-audio/audio"
	"github.com/go-audio/wav"
)

// DefaultMaxDuration is the longest WAV file read when no limit is set.
const DefaultMaxDuration = 5 * time.Minute

// Limits on the chunks read before the audio. go-audio/wav allocates the
// declared size of a fmt, LIST or smpl chunk, so these are checked first.
const (
	maxFmtChunk  = 256
	maxMetaChunk = 64 << 10
	maxChunks    = 1024
)

// WAVOptions configures reading a WAV file. A nil *WAVOptions means the
// defaults.
type WAVOptions struct {
	// MaxDuration refuses a file whose audio is longer, with
	// ErrAudioTooLong, before decoding any of it. Zero means
	// DefaultMaxDuration.
	MaxDuration time.Duration
	// Realtime paces a WAVSource: a sample is not delivered before as much
	// wall time has passed since the first Read as audio precedes it. It
	// has no effect on ReadWAV.
	Realtime bool
}

func (o *WAVOptions) maxDuration() time.Duration {
	if o == nil || o.MaxDuration <= 0 {
		return DefaultMaxDuration
	}
	return o.MaxDuration
}

// Info describes the audio a WAV file holds, before conversion.
type Info struct {
	Format   Format        // as stored: the rate, channels and container bit depth
	Float    bool          // samples are IEEE floats rather than integers
	Frames   int64         // sample frames in the data chunk
	Duration time.Duration // Frames at Format.SampleRate
}

// ReadWAV reads a whole WAV file, which r holds from its offset 0, and
// returns its audio converted to the internal format (PCM16 mono 16 kHz):
// channels are averaged and the rate is converted with the band-limited
// Resampler.
//
// It decodes integer PCM of 8 (unsigned), 16, 24 and 32 bits and 32-bit IEEE
// float, including WAVE_FORMAT_EXTENSIBLE files of those kinds, at
// MinSampleRate..MaxSampleRate with up to MaxChannels channels. Compressed
// formats (ADPCM, A-law, µ-law, MPEG, ...) and 64-bit float fail with
// ErrUnsupportedAudio. A file that is not a WAV file, has a broken header or
// a data chunk cut short, or holds no samples, fails with ErrBadAudio; one
// longer than the limit fails with ErrAudioTooLong. Chunk sizes are checked
// against the file's length before anything is allocated, so the memory used
// is bounded by the converted output.
func ReadWAV(r io.ReadSeeker, opt *WAVOptions) ([]int16, Info, error) {
	d, err := newWAVDecoder(r, opt.maxDuration())
	if err != nil {
		return nil, Info{}, err
	}
	out := make([]int16, 0, d.outLen())
	for {
		out, err = d.decode(out)
		if err == io.EOF {
			return out, d.info, nil
		}
		if err != nil {
			return nil, d.info, err
		}
	}
}

// wavHeader is what scanWAV learns from the RIFF structure.
type wavHeader struct {
	format     Format
	float      bool
	blockAlign int
	dataSize   int64 // bytes of whole frames in the data chunk
	sizeOffset int64 // where to patch the data chunk's size, if it was unknown
}

// wavDecoder turns a WAV file's data chunk into internal-format samples, a
// block at a time.
type wavDecoder struct {
	info    Info
	dec     *wav.Decoder
	ibuf    audio.IntBuffer
	left    int64 // samples (all channels) not yet decoded
	rs      *Resampler
	mono    []float32
	flushed bool
}

// newWAVDecoder validates the file's structure and positions go-audio/wav's
// decoder at the start of the samples.
func newWAVDecoder(r io.ReadSeeker, limit time.Duration) (*wavDecoder, error) {
	h, err := scanWAV(r)
	if err != nil {
		return nil, err
	}
	frames := h.dataSize / int64(h.blockAlign)
	info := Info{
		Format:   h.format,
		Float:    h.float,
		Frames:   frames,
		Duration: time.Duration(float64(frames) / float64(h.format.SampleRate) * float64(time.Second)),
	}
	if frames == 0 {
		return nil, fmt.Errorf("%w: the data chunk holds no samples", ErrBadAudio)
	}
	if info.Duration > limit {
		return nil, fmt.Errorf("%w: %s of audio, the limit is %s", ErrAudioTooLong, info.Duration.Round(time.Millisecond), limit)
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("seek wav: %w", err)
	}
	wr := &wavReader{r: r}
	if h.sizeOffset > 0 {
		wr.overlay, wr.at = binary.LittleEndian.AppendUint32(nil, uint32(h.dataSize)), h.sizeOffset
	}
	dec := wav.NewDecoder(wr)
	if err := dec.FwdToPCM(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadAudio, err)
	}
	if err := dec.Err(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadAudio, err)
	}
	if dec.PCMChunk == nil || int(dec.NumChans) != h.format.Channels || int(dec.SampleRate) != h.format.SampleRate || int(dec.BitDepth) != h.format.BitDepth {
		return nil, fmt.Errorf("%w: inconsistent WAV header", ErrBadAudio)
	}
	rs, err := NewResampler(h.format.SampleRate, SampleRate)
	if err != nil {
		return nil, err
	}
	// Decode about 4096 samples at a time, always whole frames.
	block := max(1, 4096/h.format.Channels) * h.format.Channels
	return &wavDecoder{
		info: info,
		dec:  dec,
		ibuf: audio.IntBuffer{Data: make([]int, block)},
		left: frames * int64(h.format.Channels),
		rs:   rs,
	}, nil
}

// outLen is the number of output samples the whole file converts to.
func (d *wavDecoder) outLen() int {
	return int((d.info.Frames*SampleRate + int64(d.info.Format.SampleRate) - 1) / int64(d.info.Format.SampleRate))
}

// decode appends the next block of converted samples to dst. It returns
// io.EOF, with nothing appended, after the last block.
func (d *wavDecoder) decode(dst []int16) ([]int16, error) {
	if d.left == 0 {
		if d.flushed {
			return dst, io.EOF
		}
		d.flushed = true
		return d.rs.Flush(dst), nil
	}
	d.ibuf.Data = d.ibuf.Data[:cap(d.ibuf.Data)]
	if int64(len(d.ibuf.Data)) > d.left {
		d.ibuf.Data = d.ibuf.Data[:d.left]
	}
	n, err := d.dec.PCMBuffer(&d.ibuf)
	if err != nil {
		return dst, fmt.Errorf("%w: reading samples: %w", ErrBadAudio, err)
	}
	ch := d.info.Format.Channels
	n -= n % ch
	if n == 0 {
		return dst, fmt.Errorf("%w: truncated: %d samples missing from the data chunk", ErrBadAudio, d.left)
	}
	d.left -= int64(n)
	d.mono = downmix(d.mono[:0], d.ibuf.Data[:n], ch, d.info.Format.BitDepth, d.info.Float)
	return d.rs.appendFloat(dst, d.mono), nil
}

// downmix averages interleaved integer samples of the given depth into mono
// float32 at int16 scale.
func downmix(dst []float32, src []int, channels, bits int, float bool) []float32 {
	var scale float64
	switch {
	case float:
		scale = 32768
	case bits == 8:
		scale = 256
	default:
		scale = math.Ldexp(1, 16-bits) // 16: 1, 24: 1/256, 32: 1/65536
	}
	scale /= float64(channels)
	for i := 0; i+channels <= len(src); i += channels {
		var sum float64
		for _, v := range src[i : i+channels] {
			switch {
			case float:
				f := float64(math.Float32frombits(uint32(int32(v))))
				if math.IsNaN(f) {
					f = 0
				}
				sum += math.Max(-8, math.Min(8, f)) // keep Inf out of the filter
			case bits == 8:
				sum += float64(v - 128) // 8-bit WAV is unsigned
			default:
				sum += float64(v)
			}
		}
		dst = append(dst, float32(sum*scale))
	}
	return dst
}

// Format tags of the fmt chunk.
const (
	wavePCM        = 0x0001
	waveFloat      = 0x0003
	waveExtensible = 0xFFFE
)

// waveFormatNames names the compressed formats a caller is likeliest to
// meet, for the error message.
var waveFormatNames = map[uint16]string{
	0x0002: "MS ADPCM",
	0x0006: "A-law",
	0x0007: "µ-law",
	0x0011: "IMA ADPCM",
	0x0031: "GSM 6.10",
	0x0050: "MPEG",
	0x0055: "MPEG Layer 3",
	0x0161: "WMA",
	0x1610: "AAC",
	0xF1AC: "FLAC",
}

// extensibleGUIDTail is bytes 2..15 of every KSDATAFORMAT_SUBTYPE GUID whose
// first two bytes are a plain format tag.
var extensibleGUIDTail = []byte{0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71}

// scanWAV walks the RIFF chunks up to the data chunk, checking every size
// against the file's length and every field voicepay relies on, so that a
// broken or hostile header is refused before go-audio/wav reads it.
func scanWAV(r io.ReadSeeker) (wavHeader, error) {
	var h wavHeader
	size, err := readRIFF(r)
	if err != nil {
		return h, err
	}
	pos, haveFmt := int64(12), false
	for range maxChunks {
		if pos+8 > size {
			break
		}
		id, csize, err := readChunkHeader(r, pos)
		if err != nil {
			return h, err
		}
		body := pos + 8
		if id == "data" {
			if !haveFmt {
				return h, fmt.Errorf("%w: data chunk before the fmt chunk", ErrBadAudio)
			}
			if err := h.setData(pos, csize, size); err != nil {
				return h, err
			}
			return h, nil
		}
		if body+csize > size {
			return h, fmt.Errorf("%w: truncated: the %q chunk declares %d bytes, the file holds %d", ErrBadAudio, id, csize, size-body)
		}
		switch id {
		case "fmt ":
			if haveFmt {
				return h, fmt.Errorf("%w: two fmt chunks", ErrBadAudio)
			}
			if err := h.readFmt(r, csize); err != nil {
				return h, err
			}
			haveFmt = true
		case "LIST", "smpl":
			if err := readMetaChunk(r, id, csize); err != nil {
				return h, err
			}
		}
		pos = body + csize + csize&1
	}
	if !haveFmt {
		return h, fmt.Errorf("%w: no fmt chunk", ErrBadAudio)
	}
	return h, fmt.Errorf("%w: no data chunk", ErrBadAudio)
}

// readRIFF returns the length of the file r holds, and checks that it
// starts with a RIFF/WAVE header.
func readRIFF(r io.ReadSeeker) (int64, error) {
	size, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, fmt.Errorf("seek wav: %w", err)
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return 0, fmt.Errorf("seek wav: %w", err)
	}
	var riff [12]byte
	if _, err := io.ReadFull(r, riff[:]); err != nil {
		return 0, fmt.Errorf("%w: %d bytes is too short for a WAV file", ErrBadAudio, size)
	}
	switch id := string(riff[0:4]); {
	case id == "RF64" || id == "RIFX":
		return 0, fmt.Errorf("%w: %s container", ErrUnsupportedAudio, id)
	case id != "RIFF" || string(riff[8:12]) != "WAVE":
		return 0, fmt.Errorf("%w: not a RIFF/WAVE file", ErrBadAudio)
	}
	return size, nil
}

// readChunkHeader reads the id and declared size of the chunk at pos,
// leaving r at the chunk's body.
func readChunkHeader(r io.ReadSeeker, pos int64) (string, int64, error) {
	var hdr [8]byte
	if _, err := r.Seek(pos, io.SeekStart); err != nil {
		return "", 0, fmt.Errorf("seek wav: %w", err)
	}
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return "", 0, fmt.Errorf("%w: reading chunk header at %d: %v", ErrBadAudio, pos, err)
	}
	return string(hdr[0:4]), int64(binary.LittleEndian.Uint32(hdr[4:8])), nil
}

// setData records the size of the data chunk at pos, which declares csize
// bytes, in a file of size bytes. A size of 0xFFFFFFFF, written while
// streaming, means the data runs to the end of the file.
func (h *wavHeader) setData(pos, csize, size int64) error {
	avail := size - (pos + 8)
	switch {
	case csize == math.MaxUint32:
		csize = min(avail, math.MaxUint32-1)
		h.sizeOffset = pos + 4
	case csize > avail:
		return fmt.Errorf("%w: truncated: the data chunk declares %d bytes, the file holds %d", ErrBadAudio, csize, avail)
	}
	h.dataSize = csize - csize%int64(h.blockAlign)
	return nil
}

// readFmt reads the fmt chunk's body of csize bytes and parses it.
func (h *wavHeader) readFmt(r io.Reader, csize int64) error {
	if csize < 16 || csize > maxFmtChunk {
		return fmt.Errorf("%w: fmt chunk of %d bytes", ErrBadAudio, csize)
	}
	buf := make([]byte, csize)
	if _, err := io.ReadFull(r, buf); err != nil {
		return fmt.Errorf("%w: reading fmt chunk: %v", ErrBadAudio, err)
	}
	return h.parseFmt(buf)
}

// readMetaChunk reads the body of a LIST or smpl chunk of csize bytes, which
// go-audio/wav reads whole, and checks the entries of a LIST/INFO chunk.
func readMetaChunk(r io.Reader, id string, csize int64) error {
	if csize > maxMetaChunk {
		return fmt.Errorf("%w: %q chunk of %d bytes", ErrBadAudio, id, csize)
	}
	buf := make([]byte, csize)
	if _, err := io.ReadFull(r, buf); err != nil {
		return fmt.Errorf("%w: reading %q chunk: %v", ErrBadAudio, id, err)
	}
	if id == "LIST" {
		return checkInfoList(buf)
	}
	return nil
}

// parseFmt reads and checks a fmt chunk's body.
func (h *wavHeader) parseFmt(b []byte) error {
	le := binary.LittleEndian
	tag := le.Uint16(b[0:2])
	h.format = Format{
		Channels:   int(le.Uint16(b[2:4])),
		SampleRate: int(le.Uint32(b[4:8])),
		BitDepth:   int(le.Uint16(b[14:16])),
	}
	h.blockAlign = int(le.Uint16(b[12:14]))
	if tag == waveExtensible {
		if len(b) < 40 || le.Uint16(b[16:18]) < 22 {
			return fmt.Errorf("%w: WAVE_FORMAT_EXTENSIBLE fmt chunk of %d bytes", ErrBadAudio, len(b))
		}
		guid := b[24:40]
		if !bytes.Equal(guid[2:], extensibleGUIDTail) {
			return fmt.Errorf("%w: WAVE_FORMAT_EXTENSIBLE subformat % x", ErrUnsupportedAudio, guid)
		}
		tag = le.Uint16(guid[0:2])
	}
	switch {
	case tag == wavePCM:
		switch h.format.BitDepth {
		case 8, 16, 24, 32:
		default:
			return fmt.Errorf("%w: %d-bit PCM", ErrUnsupportedAudio, h.format.BitDepth)
		}
	case tag == waveFloat:
		if h.format.BitDepth != 32 {
			return fmt.Errorf("%w: %d-bit float", ErrUnsupportedAudio, h.format.BitDepth)
		}
		h.float = true
	case waveFormatNames[tag] != "":
		return fmt.Errorf("%w: compressed format %s (0x%04x); convert it to PCM", ErrUnsupportedAudio, waveFormatNames[tag], tag)
	default:
		return fmt.Errorf("%w: format tag 0x%04x is not PCM", ErrUnsupportedAudio, tag)
	}
	if h.format.Channels == 0 || h.format.SampleRate == 0 {
		return fmt.Errorf("%w: fmt chunk declares %s", ErrBadAudio, h.format)
	}
	if err := h.format.validate(); err != nil {
		return err
	}
	if want := h.format.Channels * h.format.BitDepth / 8; h.blockAlign != want {
		return fmt.Errorf("%w: block align %d, want %d for %s", ErrBadAudio, h.blockAlign, want, h.format)
	}
	return nil
}

// checkInfoList checks that every entry of a LIST/INFO chunk fits inside it,
// since go-audio/wav allocates each entry's declared size.
func checkInfoList(b []byte) error {
	if len(b) < 4 || string(b[0:4]) != "INFO" {
		return nil // go-audio/wav skips other lists unread
	}
	for p := 4; p+8 <= len(b); {
		n := int64(binary.LittleEndian.Uint32(b[p+4 : p+8]))
		if n > int64(len(b)-p-8) {
			return fmt.Errorf("%w: LIST entry %q of %d bytes overruns its chunk", ErrBadAudio, b[p:p+4], n)
		}
		p += 8 + int(n+n&1)
	}
	return nil
}

// wavReader is what go-audio/wav reads through. Every Read fills its buffer
// unless the input ends, since go-audio/wav drops the bytes of a sample
// split across two short reads. It can overlay a few bytes, to give a
// data chunk of unknown size (0xFFFFFFFF, written while streaming) its real
// size, which go-audio/wav would otherwise take as zero.
type wavReader struct {
	r       io.ReadSeeker
	pos     int64
	overlay []byte // replaces the bytes at overlayAt
	at      int64
}

func (w *wavReader) Read(p []byte) (int, error) {
	n, err := io.ReadFull(w.r, p)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = nil // a short final block; the next Read reports io.EOF
	}
	for i := range w.overlay {
		if j := w.at + int64(i) - w.pos; j >= 0 && j < int64(n) {
			p[j] = w.overlay[i]
		}
	}
	w.pos += int64(n)
	return n, err
}

func (w *wavReader) Seek(offset int64, whence int) (int64, error) {
	pos, err := w.r.Seek(offset, whence)
	if err == nil {
		w.pos = pos
	}
	return pos, err
}

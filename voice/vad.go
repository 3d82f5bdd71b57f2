package voice

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"time"
)

// VADConfig configures an Endpointer. DefaultVADConfig gives the values
// voicepay uses; every duration is converted to a whole number of samples
// or frames of the internal format.
type VADConfig struct {
	// Frame is the analysis frame: each frame is classified speech or not
	// from its energy. 10..100 ms, a whole number of samples.
	Frame time.Duration
	// PreRoll is the audio kept from before the first speech frame and put
	// at the head of the utterance, so that a soft onset is not clipped.
	PreRoll time.Duration
	// Hangover is how long non-speech must last after the last speech
	// frame before the utterance ends; shorter pauses stay inside it.
	Hangover time.Duration
	// Tail is how much of that non-speech the utterance keeps, so that a
	// word's fading end is not clipped; the rest of the hangover is only
	// waited for. When Tail has passed, SpeechPaused gives the utterance as
	// it stands, for a recognizer to start on while the hangover runs.
	// At least a frame, less than Hangover.
	Tail time.Duration
	// MinSpeech is the speech an utterance needs (counting speech frames
	// only). SpeechStarted is held back until it is reached, and shorter
	// blips are dropped without any event.
	MinSpeech time.Duration
	// MaxSpeech cuts an utterance that has lasted this long since its first
	// speech frame (StopMaxLength); the next starts from there.
	MaxSpeech time.Duration
	// MarginDB: a frame is speech when its level, and its mean level over
	// the last 90 ms, are at least this many dB above the noise level.
	MarginDB float64
	// MinLevelDB: a frame quieter than this (dB relative to full scale) is
	// never speech, however quiet the noise.
	MinLevelDB float64
	// NoiseTrack is the time constant with which the noise level follows
	// the frames taken for noise (and, inside an utterance, every frame,
	// within the bounds NoiseWindow sets).
	NoiseTrack time.Duration
	// NoiseWindow is the stretch of recent frames whose quieter fifth
	// bounds the noise level: from above, so that speech does not lift it
	// and it follows the noise down within a fraction of the window; from
	// below once the window is full, so that a lasting louder noise is
	// learnt within the window even while it is taken for speech (at most
	// one utterance, cut by MaxSpeech if need be, while it is).
	NoiseWindow time.Duration
	// FloorWarmUp is the audio, from the first frame that is not digital
	// silence, whose quietest frame sets the initial noise level.
	// Decisions on it wait until it is complete (or Flush), so speech right
	// at the start is measured against its own pauses rather than taken
	// for the noise. Zero sets the level from that first frame alone.
	FloorWarmUp time.Duration
	// MaxZeroCrossings, when above zero, makes a frame whose zero-crossing
	// rate (sign changes per sample, 0..1) exceeds it non-speech whatever
	// its energy: it rejects hiss at the cost of some fricatives. Off by
	// default.
	MaxZeroCrossings float64
}

// DefaultVADConfig returns the configuration voicepay uses: 30 ms frames,
// 300 ms pre-roll, 600 ms hangover of which 240 ms are kept, utterances of
// 200 ms of speech to 10 s.
func DefaultVADConfig() VADConfig {
	return VADConfig{
		Frame:       30 * time.Millisecond,
		PreRoll:     300 * time.Millisecond,
		Hangover:    600 * time.Millisecond,
		Tail:        240 * time.Millisecond,
		MinSpeech:   200 * time.Millisecond,
		MaxSpeech:   10 * time.Second,
		MarginDB:    6,
		MinLevelDB:  -55,
		NoiseTrack:  time.Second,
		NoiseWindow: 1500 * time.Millisecond,
		FloorWarmUp: 300 * time.Millisecond,
	}
}

// validate checks the configuration and names the first bad field.
func (c VADConfig) validate() error {
	switch {
	case c.Frame < 10*time.Millisecond || c.Frame > 100*time.Millisecond:
		return fmt.Errorf("vad: Frame %s outside 10ms..100ms", c.Frame)
	case c.Frame%(time.Second/SampleRate) != 0:
		return fmt.Errorf("vad: Frame %s is not a whole number of samples", c.Frame)
	case c.PreRoll < 0:
		return fmt.Errorf("vad: PreRoll %s is negative", c.PreRoll)
	case c.Hangover < c.Frame:
		return fmt.Errorf("vad: Hangover %s is shorter than a frame", c.Hangover)
	case c.Tail < c.Frame || c.Tail >= c.Hangover:
		return fmt.Errorf("vad: Tail %s must be at least a frame and less than Hangover %s", c.Tail, c.Hangover)
	case c.MinSpeech < 0:
		return fmt.Errorf("vad: MinSpeech %s is negative", c.MinSpeech)
	case c.MaxSpeech <= c.MinSpeech || c.MaxSpeech < c.Frame:
		return fmt.Errorf("vad: MaxSpeech %s must exceed MinSpeech and a frame", c.MaxSpeech)
	case !(c.MarginDB > 0):
		return fmt.Errorf("vad: MarginDB %v must be positive", c.MarginDB)
	case math.IsNaN(c.MinLevelDB) || c.MinLevelDB > 0:
		return fmt.Errorf("vad: MinLevelDB %v must be at most 0", c.MinLevelDB)
	case c.NoiseTrack < c.Frame:
		return fmt.Errorf("vad: NoiseTrack %s is shorter than a frame", c.NoiseTrack)
	case c.NoiseWindow < c.Frame:
		return fmt.Errorf("vad: NoiseWindow %s is shorter than a frame", c.NoiseWindow)
	case c.FloorWarmUp < 0 || c.FloorWarmUp > c.MaxSpeech:
		return fmt.Errorf("vad: FloorWarmUp %s outside 0..MaxSpeech", c.FloorWarmUp)
	case math.IsNaN(c.MaxZeroCrossings) || c.MaxZeroCrossings < 0:
		return fmt.Errorf("vad: MaxZeroCrossings %v must be at least 0", c.MaxZeroCrossings)
	}
	return nil
}

// Event is what an Endpointer emits: SpeechStarted, SpeechAudio,
// SpeechPaused or SpeechStopped. For one utterance they come in that
// order, with one or more SpeechAudio between the first and the last, and
// SpeechAudio and SpeechPaused repeating while the person pauses and goes
// on.
type Event interface{ isEvent() }

// SpeechStarted: an utterance began. It is emitted once MinSpeech of speech
// has been heard, and At is the start of its first speech frame.
type SpeechStarted struct {
	At time.Duration
}

// SpeechAudio carries the next samples of the current utterance, starting
// with the pre-roll, as soon as they are known to belong to it; a
// recognizer can decode them while the person is still speaking. At is the
// offset of Samples[0]. The SpeechAudio events of an utterance, joined,
// are exactly its Utterance.Samples. Samples must not be modified.
type SpeechAudio struct {
	At      time.Duration
	Samples []int16
}

// SpeechPaused: Tail of non-speech has followed the last speech frame.
// Utterance is what SpeechStopped will carry if the person does not go on
// within the hangover, so a recognizer may start on it now and use its
// result at SpeechStopped when that utterance is the same (Same).
type SpeechPaused struct {
	At        time.Duration
	Utterance Utterance
}

// SpeechStopped: the utterance ended. At is the end of its last speech
// frame, or the cut for StopMaxLength.
type SpeechStopped struct {
	At        time.Duration
	Reason    StopReason
	Utterance Utterance
}

func (SpeechStarted) isEvent() {}
func (SpeechAudio) isEvent()   {}
func (SpeechPaused) isEvent()  {}
func (SpeechStopped) isEvent() {}

// StopReason says why an utterance ended.
type StopReason uint8

const (
	StopSilence    StopReason = iota + 1 // Hangover of non-speech followed it
	StopMaxLength                        // it reached MaxSpeech
	StopEndOfInput                       // Flush was called during it
)

func (r StopReason) String() string {
	switch r {
	case StopSilence:
		return "silence"
	case StopMaxLength:
		return "max_length"
	case StopEndOfInput:
		return "end_of_input"
	}
	return fmt.Sprintf("StopReason(%d)", uint8(r))
}

// Utterance is one stretch of speech, with its pre-roll before and up to
// Tail of the non-speech that ended it after.
type Utterance struct {
	Start       time.Duration // offset of Samples[0]
	SpeechStart time.Duration // start of the first speech frame
	SpeechEnd   time.Duration // end of the last speech frame
	Samples     []int16       // internal format
}

// End is the offset just after the last sample.
func (u Utterance) End() time.Duration { return u.Start + Duration(len(u.Samples)) }

// Same says u and v are the same audio: an utterance SpeechPaused gave
// and the one SpeechStopped gives, when the person did not go on.
func (u Utterance) Same(v Utterance) bool {
	return u.Start == v.Start && len(u.Samples) == len(v.Samples)
}

// Endpointer finds utterances in a stream of internal-format audio.
//
// Each frame's level is measured between 100 Hz and 4 kHz, where most of
// a voice is and little of hum, rumble, brown noise or the top half of
// white noise, and compared with a noise level (see noiseModel): a frame
// is speech when it, and the mean of the last 90 ms, are MarginDB above
// the noise level, and it is above MinLevelDB. The noise level starts at
// the quietest frame of the FloorWarmUp that follows any leading digital
// silence (a device warming up), then follows the frames taken for noise
// with the time constant NoiseTrack, bounded by the quieter frames of the
// last NoiseWindow, and is raised to a steady sound that is not voiced
// once it has lasted 600 ms. So steady noise of any colour, and babble, learnt as
// it goes on, neither opens utterances nor holds them open after the
// speech.
//
// A first speech frame opens a candidate; it becomes an utterance
// (SpeechStarted) once it holds MinSpeech of speech frames, and is dropped
// if Tail of non-speech comes first, so that a loud moment of the noise
// just before the speech does not become its start. An utterance ends
// after Hangover of non-speech, at MaxSpeech, or at Flush; once Tail of
// non-speech has passed (SpeechPaused), speech resumes only with two
// speech frames in a row, so that a lone loud moment of the noise does not
// hold it open. Its samples run from PreRoll before its first speech frame
// to the frame that ended it, but keep no more than Tail of non-speech
// after its last speech frame.
//
// All times are offsets from the first sample written (or since Flush or
// Reset), computed from sample counts, so the events depend only on the
// samples: writing them in any chunks gives the same events. An Endpointer
// is not safe for concurrent use.
type Endpointer struct {
	cfg                       VADConfig
	frameLen, preRoll, maxLen int // samples
	hangFrames, tailFrames    int
	minFrames, warmFrames     int
	floorMin                  float64

	frame  []int16   // the frame being filled
	warm   []int16   // frames held until the noise level is set
	levels []float64 // the levels of the frames in warm
	pre    []int16   // recent audio for the pre-roll; its tail is used
	pos    int       // samples classified so far
	band   bandLevel // measures frame levels
	noise  noiseModel
	events []Event

	state       vadState
	utt         []int16
	uttStart    int  // sample offset of utt[0]
	onset       int  // sample offset of the first speech frame
	lastSpeech  int  // end of the last speech frame
	speechCount int  // speech frames since the onset
	sent        int  // samples of utt already sent as SpeechAudio
	prevSpeech  bool // the last frame was taken for speech
	cut         bool // the last frame ended an utterance at MaxSpeech
}

// digitalSilenceDB: a frame quieter than this holds no signal at all (zeros,
// or the last bit toggling).
const digitalSilenceDB = -90

type vadState uint8

const (
	vadIdle    vadState = iota
	vadPending          // speech heard, MinSpeech not yet reached
	vadActive           // inside an utterance
)

// NewEndpointer returns an Endpointer for cfg, or an error naming the
// first invalid field.
func NewEndpointer(cfg VADConfig) (*Endpointer, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	e := &Endpointer{
		cfg:        cfg,
		frameLen:   SampleCount(cfg.Frame),
		preRoll:    SampleCount(cfg.PreRoll),
		maxLen:     SampleCount(cfg.MaxSpeech),
		hangFrames: ceilDiv(cfg.Hangover, cfg.Frame),
		tailFrames: ceilDiv(cfg.Tail, cfg.Frame),
		minFrames:  max(1, ceilDiv(cfg.MinSpeech, cfg.Frame)),
		warmFrames: max(1, ceilDiv(cfg.FloorWarmUp, cfg.Frame)),
		floorMin:   cfg.MinLevelDB - cfg.MarginDB,
		band:       newBandLevel(),
		noise:      newNoiseModel(cfg),
	}
	e.Reset()
	return e, nil
}

// Reset forgets all audio and state and restarts the clock at zero.
func (e *Endpointer) Reset() {
	e.frame = e.frame[:0]
	e.warm = e.warm[:0]
	e.levels = e.levels[:0]
	e.pre = e.pre[:0]
	e.pos = 0
	e.band.reset()
	e.prevSpeech = false
	e.noise.reset(math.NaN())
	e.state = vadIdle
	e.utt = nil
}

// Write feeds samples and returns the events they complete. The returned
// slice is reused by the next call.
func (e *Endpointer) Write(samples []int16) []Event {
	e.events = e.events[:0]
	for len(samples) > 0 {
		k := min(e.frameLen-len(e.frame), len(samples))
		e.frame = append(e.frame, samples[:k]...)
		samples = samples[k:]
		if len(e.frame) == e.frameLen {
			e.hold(e.frame)
			e.frame = e.frame[:0]
		}
	}
	return e.events
}

// hold measures a frame and passes it on to step, except while the noise
// level is being learnt: then it keeps the frame until FloorWarmUp is
// complete, sets the level from the quietest of them, and steps through
// them all.
func (e *Endpointer) hold(frame []int16) {
	level := e.band.level(frame)
	if !math.IsNaN(e.noise.level) {
		e.step(frame, level)
		return
	}
	if len(e.warm) == 0 && level < digitalSilenceDB {
		e.step(frame, level) // leading digital silence: nothing to learn
		return
	}
	e.warm = append(e.warm, frame...)
	e.levels = append(e.levels, level)
	if len(e.levels) >= e.warmFrames {
		e.endWarmUp()
	}
}

// endWarmUp sets the noise level from the held frames and steps through
// them.
func (e *Endpointer) endWarmUp() {
	if len(e.levels) == 0 {
		return
	}
	quietest := math.Inf(1)
	for _, level := range e.levels {
		if level >= digitalSilenceDB {
			quietest = min(quietest, level)
		}
	}
	e.noise.reset(max(quietest, e.floorMin))
	for i, level := range e.levels {
		e.step(e.warm[i*e.frameLen:(i+1)*e.frameLen], level)
	}
	e.warm = e.warm[:0]
	e.levels = e.levels[:0]
}

// Flush ends the input: an utterance in progress ends with StopEndOfInput,
// taking the last partial frame with it, and the Endpointer is Reset. The
// returned slice is reused by the next call.
func (e *Endpointer) Flush() []Event {
	e.events = e.events[:0]
	e.endWarmUp()
	if e.state == vadActive {
		e.utt = append(e.utt, e.frame...)
		e.stop(StopEndOfInput, e.lastSpeech)
	}
	events := e.events
	e.Reset()
	return events
}

// step classifies one frame and advances the state machine.
func (e *Endpointer) step(frame []int16, level float64) {
	speech := e.classify(frame, level)
	start := e.pos
	e.pos += len(frame)
	switch e.state {
	case vadIdle:
		if speech {
			e.state = vadPending
			pre := e.pre[max(0, len(e.pre)-e.preRoll):]
			e.utt = make([]int16, 0, len(pre)+len(frame)+SampleRate)
			e.utt = append(e.utt, pre...)
			e.uttStart = start - len(pre)
			e.onset, e.speechCount, e.sent = start, 0, 0
			e.extend(frame, speech)
		}
	case vadPending, vadActive:
		e.extend(frame, speech)
	}
	e.prevSpeech = speech
	e.remember(frame)
	if e.cut {
		// The utterance was cut at MaxSpeech: the next one continues it
		// and must not repeat its tail as pre-roll.
		e.pre, e.cut = e.pre[:0], false
	}
}

// extend adds a frame to the candidate or utterance and applies the rules
// that start and end it.
func (e *Endpointer) extend(frame []int16, speech bool) {
	e.utt = append(e.utt, frame...)
	if speech && e.state == vadActive && !e.prevSpeech && (e.pos-len(frame)-e.lastSpeech)/e.frameLen >= e.tailFrames {
		speech = false // after a pause, one speech frame alone does not resume
	}
	if speech {
		e.speechCount++
		e.lastSpeech = e.pos
	}
	silent := (e.pos - e.lastSpeech) / e.frameLen
	switch e.state {
	case vadPending:
		switch {
		case e.speechCount >= e.minFrames:
			e.state = vadActive
			e.events = append(e.events, SpeechStarted{At: Duration(e.onset)})
			e.sendAudio()
		case silent >= e.tailFrames || e.pos-e.onset >= e.maxLen:
			e.state, e.utt = vadIdle, nil // a blip: drop it
		}
	case vadActive:
		switch {
		case silent >= e.hangFrames:
			e.stop(StopSilence, e.lastSpeech)
		case e.pos-e.onset >= e.maxLen:
			e.stop(StopMaxLength, e.pos)
			e.cut = true
		default:
			e.sendAudio()
			if !speech && silent == e.tailFrames {
				e.events = append(e.events, SpeechPaused{At: Duration(e.pos), Utterance: e.utterance()})
			}
		}
	}
}

// kept is how many samples of utt the utterance keeps: all but the
// non-speech after the last speech frame beyond Tail.
func (e *Endpointer) kept() int {
	return max(0, min(len(e.utt), e.lastSpeech+e.tailFrames*e.frameLen-e.uttStart))
}

// utterance is the utterance as it stands.
func (e *Endpointer) utterance() Utterance {
	n := e.kept()
	return Utterance{
		Start:       Duration(e.uttStart),
		SpeechStart: Duration(e.onset),
		SpeechEnd:   Duration(e.lastSpeech),
		Samples:     e.utt[:n:n],
	}
}

// sendAudio emits the samples the utterance keeps that were not yet sent.
func (e *Endpointer) sendAudio() {
	if n := e.kept(); e.sent < n {
		e.events = append(e.events, SpeechAudio{
			At:      Duration(e.uttStart + e.sent),
			Samples: e.utt[e.sent:n:n],
		})
		e.sent = n
	}
}

// stop ends the utterance.
func (e *Endpointer) stop(reason StopReason, at int) {
	e.sendAudio()
	e.events = append(e.events, SpeechStopped{At: Duration(at), Reason: reason, Utterance: e.utterance()})
	e.state, e.utt = vadIdle, nil
}

// remember keeps the frame for a later pre-roll.
func (e *Endpointer) remember(frame []int16) {
	if e.preRoll == 0 {
		return
	}
	e.pre = append(e.pre, frame...)
	if len(e.pre) > 2*e.preRoll+e.frameLen {
		e.pre = e.pre[:copy(e.pre, e.pre[len(e.pre)-e.preRoll:])]
	}
}

// classify decides whether a frame of the given level is speech, learning
// the noise from it.
func (e *Endpointer) classify(frame []int16, level float64) bool {
	if math.IsNaN(e.noise.level) {
		return false // leading digital silence
	}
	hiss := e.cfg.MaxZeroCrossings > 0 && zeroCrossings(frame) > e.cfg.MaxZeroCrossings
	return e.noise.speech(frame, level, e.state, hiss)
}

// zeroCrossings is the fraction of adjacent sample pairs on opposite sides
// of the frame's mean.
func zeroCrossings(frame []int16) float64 {
	var sum float64
	for _, s := range frame {
		sum += float64(s)
	}
	mean := sum / float64(len(frame))
	var n int
	for i := 1; i < len(frame); i++ {
		if (float64(frame[i-1]) >= mean) != (float64(frame[i]) >= mean) {
			n++
		}
	}
	return float64(n) / float64(len(frame)-1)
}

// Run reads src until it ends, feeding e, and calls fn with every event.
// At the end of the audio it flushes e and returns nil; it returns early
// with ctx's error, src's error or fn's error.
func (e *Endpointer) Run(ctx context.Context, src Source, fn func(Event) error) error {
	buf := make([]int16, SampleRate/10)
	for {
		n, err := src.Read(ctx, buf)
		if n > 0 {
			for _, ev := range e.Write(buf[:n]) {
				if err := fn(ev); err != nil {
					return err
				}
			}
		}
		if errors.Is(err, io.EOF) {
			for _, ev := range e.Flush() {
				if err := fn(ev); err != nil {
					return err
				}
			}
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func ceilDiv(a, b time.Duration) int {
	return int((a + b - 1) / b)
}

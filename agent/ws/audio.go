package ws

import (
	"context"
	"errors"
	"fmt"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/voice"
	"github.com/voicepay/voicepay/wallet"
)

// Server events of speech arriving as binary frames.
const (
	EventSpeechStarted     = "speech.started"     // the endpointer heard speech begin
	EventSpeechStopped     = "speech.stopped"     // and end; recognition follows
	EventTranscriptFinal   = "transcript.final"   // what was heard: text, empty when nothing in the grammar
	EventTranscriptPartial = "transcript.partial" // the words so far, while the person speaks; never acted on
)

// audioIn is a client's audio on its way to the dialog: its binary frames
// fill a voice.Stream, which an endpointer reads in a goroutine of its own.
type audioIn struct {
	stream *voice.Stream
	id     string        // the id of the event that started it; its events carry it as reply_to
	ended  bool          // the client said audio.stop: new frames start a new stream
	done   chan struct{} // closed when the session has finished listening to the stream
}

// audioFormat checks an announced format, or gives the default: PCM16LE,
// 16 kHz, mono.
func audioFormat(a *AudioFormat) (voice.Format, error) {
	f := voice.Format{SampleRate: voice.SampleRate, Channels: 1, BitDepth: 16}
	if a == nil {
		return f, nil
	}
	if a.Encoding != "" && a.Encoding != "pcm16le" {
		return f, fmt.Errorf("encoding %q is not supported: send pcm16le", a.Encoding)
	}
	if a.SampleRate != 0 {
		f.SampleRate = a.SampleRate
	}
	if a.Channels != 0 {
		f.Channels = a.Channels
	}
	if f.SampleRate < 8000 || f.SampleRate > 48000 || f.Channels < 1 || f.Channels > 2 {
		return f, fmt.Errorf("audio of %d Hz and %d channels is not supported: send 8000 to 48000 Hz, mono or stereo",
			f.SampleRate, f.Channels)
	}
	return f, nil
}

// announce takes the audio format an event announces, if any, for the
// frames that follow; a format it cannot take is refused, and false.
func (c *conn) announce(ev ClientEvent) bool {
	if ev.Audio == nil {
		return true
	}
	f, err := audioFormat(ev.Audio)
	if err != nil {
		c.fail(ev.ID, wallet.Errorf(wallet.EINVALID, "%v.", err))
		return false
	}
	c.stopAudio()
	c.format = f
	return true
}

// startAudio begins a new utterance stream in the format last announced,
// ending the one before.
func (c *conn) startAudio(ctx context.Context, id string) error {
	if c.s.Recognizer == nil {
		return wallet.Errorf(wallet.EUNSUPPORTED, "This daemon has no speech engine; send typed text.")
	}
	c.stopAudio()
	st, err := voice.NewStream(c.format, &voice.StreamOptions{MaxBuffered: maxBacklog})
	if err != nil {
		return wallet.Errorf(wallet.EINVALID, "Audio format: %v.", err)
	}
	a := &audioIn{stream: st, id: id, done: make(chan struct{})}
	c.audio = a
	on := agent.Listener{
		Speech: func(ev voice.Event) { c.speech(a, ev) },
		// What was heard, and its turn, reach every connection of the
		// device; where speech starts and stops only this one.
		Deliver: func(t *agent.Turn, h agent.Heard) {
			heard := agent.Event{Type: EventTranscriptFinal, Text: h.Text}
			c.s.registry.deliver(c, a.id, append([]agent.Event{heard}, t.Events...), true)
		},
	}
	if c.partials.Load() {
		// The words so far reach this connection, and those of the
		// device's others that asked for them too.
		on.Partial = func(h agent.Heard) {
			c.s.registry.partial(c, a.id, agent.Event{Type: EventTranscriptPartial, Text: h.Text})
		}
	}
	c.listening.Add(1)
	go func() {
		defer c.listening.Done()
		defer close(a.done)
		err := c.sess.Listen(ctx, st, c.s.Recognizer, on)
		if err != nil && !errors.Is(err, voice.ErrClosed) && ctx.Err() == nil {
			c.s.Logger.Warn("websocket audio", "device", c.device.ID, "err", err)
			c.fail(a.id, wallet.AsError(err))
		}
	}()
	return nil
}

// speech passes on where the endpointer finds speech start and end, with
// where they are in the stream's audio.
func (c *conn) speech(a *audioIn, ev voice.Event) {
	switch ev := ev.(type) {
	case voice.SpeechStarted:
		c.queue(ServerEvent{Event: agent.Event{Type: EventSpeechStarted}, ReplyTo: a.id, AudioMS: ev.At.Milliseconds()})
	case voice.SpeechStopped:
		c.queue(ServerEvent{Event: agent.Event{Type: EventSpeechStopped}, ReplyTo: a.id, AudioMS: ev.At.Milliseconds()})
	}
}

// writeAudio adds one binary frame to the utterance stream, starting one
// if none is open.
func (c *conn) writeAudio(ctx context.Context, data []byte) error {
	if c.audio == nil || c.audio.ended {
		if err := c.startAudio(ctx, ""); err != nil {
			return err
		}
	}
	if _, err := c.audio.stream.Write(data); err != nil {
		if errors.Is(err, voice.ErrBufferFull) {
			return wallet.Errorf(wallet.EINVALID, "Audio is arriving faster than it can be heard (%s waits already); this frame was dropped.",
				maxBacklog)
		}
		return wallet.Errorf(wallet.EINVALID, "Audio frame: %v.", err)
	}
	return nil
}

// endAudio ends the utterance stream: what is buffered is still heard.
func (c *conn) endAudio() {
	if c.audio != nil {
		c.audio.stream.CloseWrite()
		c.audio.ended = true
	}
}

// stopAudio ends the utterance stream and waits until it has been heard,
// so that the turns of one stream come before those of the next.
func (c *conn) stopAudio() {
	if a := c.audio; a != nil {
		a.stream.CloseWrite()
		<-a.done
		c.audio = nil
	}
}

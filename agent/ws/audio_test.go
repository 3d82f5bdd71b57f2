package ws_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/speech"
	"github.com/voicepay/voicepay/voice"
	"github.com/voicepay/voicepay/wallet"
)

// spoken renders text with espeak-ng at 16 kHz mono, between stretches of
// silence as a person leaves them.
func spoken(tb testing.TB, text string) []int16 {
	tb.Helper()
	samples, _, err := voice.ReadWAV(bytes.NewReader(render(tb, text)), nil)
	if err != nil {
		tb.Fatal(err)
	}
	quiet := make([]int16, voice.SampleRate)
	return append(append(append([]int16(nil), quiet[:voice.SampleRate/2]...), samples...), quiet...)
}

// pcm encodes samples as PCM16LE at rate×3 (each sample repeated) and with
// the given number of channels, for a client that sends 48 kHz stereo.
func pcm(samples []int16, repeat, channels int) []byte {
	var b []byte
	for _, v := range samples {
		for range repeat * channels {
			b = binary.LittleEndian.AppendUint16(b, uint16(v))
		}
	}
	return b
}

// TestAudioFrames speaks to the dialog through binary frames: payments
// are enabled by voice and the PIN, and the balance is asked for, each as
// speech.started, speech.stopped, transcript.final and the turn's reply.
func TestAudioFrames(t *testing.T) {
	for _, c := range []struct {
		name     string
		format   map[string]any
		repeat   int
		channels int
	}{
		{"16 kHz mono", nil, 1, 1},
		{"48 kHz stereo", map[string]any{"encoding": "pcm16le", "sample_rate": 48000, "channels": 2}, 3, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := MustOpenDaemon(t)
			mustHear(t, d, 0)
			conn := d.MustDial(t, d.Token)
			for i, step := range []struct{ say, heard, reply string }{
				{"enable alipay payment function", "enable alipay payment function", "To enable payments, say your PIN."},
				{"two, four, six, eight", "two four six eight", "Payments are enabled."},
				{"what's my balance", "what's my balance", "Your balance is 1000 yuan."},
			} {
				id := "a" + string(rune('1'+i))
				conn.Send(map[string]any{"type": "audio.start", "id": id, "audio": c.format})
				b := pcm(spoken(t, step.say), c.repeat, c.channels)
				frame := 640 * c.repeat * c.channels // 20 ms
				for off := 0; off < len(b); off += frame {
					conn.SendRaw(websocket.BinaryMessage, b[off:min(off+frame, len(b))])
				}
				conn.Send(map[string]any{"type": "audio.stop", "id": id})
				var types []string
				for {
					ev := conn.Next()
					if ev.ReplyTo != id {
						continue
					}
					types = append(types, ev.Type)
					if ev.Type == "transcript.final" && ev.Text != step.heard {
						t.Errorf("%q: heard %q", step.say, ev.Text)
					}
					if ev.Type == agent.EventError {
						t.Fatalf("%q: error %+v", step.say, ev.Error)
					}
					if ev.Type == agent.EventReply {
						if !strings.HasPrefix(ev.Text, step.reply) {
							t.Errorf("%q: reply %q, want %q", step.say, ev.Text, step.reply)
						}
						break
					}
				}
				if want := "speech.started speech.stopped transcript.final"; !strings.HasPrefix(strings.Join(types, " "), want) {
					t.Errorf("%q: events %v, want %s first", step.say, types, want)
				}
			}
		})
	}
}

// TestAudioRefused: without a speech engine, and in a format the daemon
// cannot take, audio gets a clear error and the session goes on.
func TestAudioRefused(t *testing.T) {
	d := MustOpenDaemon(t)
	conn := d.MustDial(t, d.Token)
	conn.SendRaw(websocket.BinaryMessage, make([]byte, 640))
	if ev := conn.Next(); ev.Type != agent.EventError || ev.Error.Code != wallet.EUNSUPPORTED {
		t.Errorf("audio without a speech engine: %+v", ev)
	}
	conn.Send(map[string]any{"type": "session.start", "id": "s1", "audio": map[string]any{"encoding": "opus"}})
	if ev := conn.Next(); ev.Type != agent.EventError || ev.Error.Code != wallet.EINVALID || !strings.Contains(ev.Error.Message, "pcm16le") {
		t.Errorf("opus: %+v", ev)
	}
	conn.Send(map[string]any{"type": "session.start", "id": "s2", "audio": map[string]any{"sample_rate": 1000000}})
	if ev := conn.Next(); ev.Type != agent.EventError || ev.Error.Code != wallet.EINVALID {
		t.Errorf("a million Hz: %+v", ev)
	}
	conn.Send(map[string]any{"type": "ping", "id": "p"})
	if ev := conn.Next(); ev.Type != "pong" {
		t.Errorf("after refusals: %+v", ev)
	}
}

// mustHear gives the daemon's websocket a real recognizer with n decoders,
// closed when the test ends, and returns it.
func mustHear(tb testing.TB, d *Daemon, n int) *speech.Recognizer {
	tb.Helper()
	rec, err := speech.New(d.Parser, n)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { rec.Close() })
	d.Server.Recognizer = rec
	return rec
}

// TestAudioUnheardTurn: speech that fits nothing the state accepts is still
// a turn, and like every turn it begins with its intent: none, with no
// confidence, before the reply that asks again.
func TestAudioUnheardTurn(t *testing.T) {
	d := MustOpenDaemon(t)
	mustHear(t, d, 0)
	conn := d.MustDial(t, d.Token)
	conn.Send(map[string]any{"type": "audio.start", "id": "a1"})
	sendSpeech(conn, spoken(t, "please call my mother tonight"))
	conn.Send(map[string]any{"type": "audio.stop", "id": "a1"})
	var evs []Event
	for {
		ev := conn.Next()
		evs = append(evs, ev)
		if ev.Type == agent.EventReply {
			break
		}
	}
	if got, want := EventTypes(evs), "speech.started speech.stopped transcript.final intent reply"; got != want {
		t.Fatalf("events %q, want %q", got, want)
	}
	if evs[2].Text != "" {
		t.Fatalf("heard %q; the test needs speech that fits nothing", evs[2].Text)
	}
	in := evs[3].Raw["intent"].(map[string]any)
	if in["intent"] != "none" || in["confidence"] != 0.0 || evs[3].ReplyTo != "a1" {
		t.Errorf("intent event %v, want intent none with confidence 0 for a1", evs[3].Raw)
	}
	if evs[4].Text != "Sorry, I didn't catch that." || evs[4].State != agent.StateInactive {
		t.Errorf("reply %+v", evs[4].Raw)
	}
}

// sendSpeech sends samples as 16 kHz mono binary frames of 20 ms, as fast
// as the connection takes them.
func sendSpeech(conn *Conn, samples []int16) {
	b := pcm(samples, 1, 1)
	for off := 0; off < len(b); off += 640 {
		conn.SendRaw(websocket.BinaryMessage, b[off:min(off+640, len(b))])
	}
}

// TestAudioSpeechToReply: voicepay_speech_to_reply_seconds runs from the
// end of speech, so it holds the endpointer's hangover, which
// voicepay_speech_stopped_to_reply_seconds, from speech.stopped, does not.
// The speech is sent at once and the silence after it as it passes, as a
// microphone would give it.
func TestAudioSpeechToReply(t *testing.T) {
	d := MustOpenDaemon(t)
	mustHear(t, d, 0)
	conn := d.MustDial(t, d.Token)
	conn.Send(map[string]any{"type": "audio.start", "id": "a1"})
	said := spoken(t, "enable alipay payment function")
	quiet := voice.SampleRate // spoken ends in a second of silence
	sendSpeech(conn, said[:len(said)-quiet])
	step := voice.SampleRate / 50
	for off := len(said) - quiet; off < len(said); off += step {
		sendSpeech(conn, said[off:off+step])
		time.Sleep(20 * time.Millisecond)
	}
	for conn.Next().Type != agent.EventReply {
	}
	r := d.MustDo(t, "GET", "/metrics", "", nil)
	fromSpeech := metric(t, r.Body, "voicepay_speech_to_reply_seconds_sum")
	fromStop := metric(t, r.Body, "voicepay_speech_stopped_to_reply_seconds_sum")
	hangover := voice.DefaultVADConfig().Hangover
	t.Logf("from the end of speech %.3f s, from speech.stopped %.3f s", fromSpeech, fromStop)
	if fromSpeech-fromStop < hangover.Seconds()*0.7 {
		t.Errorf("from the end of speech %.3f s, from speech.stopped %.3f s: want the hangover (%s) between them",
			fromSpeech, fromStop, hangover)
	}
}

// metric is the value of a sample in a Prometheus text exposition.
func metric(tb testing.TB, body []byte, name string) float64 {
	tb.Helper()
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				tb.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	tb.Fatalf("no %s in the metrics", name)
	return 0
}

// TestAudioBusy: with one decoder, which an utterance may wait for only a
// moment, two devices speaking at once are both answered: one is heard,
// and the other is asked, with a retryable busy error, to say it again,
// which changes nothing. Neither stream stalls: each is heard afterwards.
func TestAudioBusy(t *testing.T) {
	d := MustOpenDaemon(t)
	rec := mustHear(t, d, 1)
	rec.QueueWait = time.Millisecond
	conns := []*Conn{d.MustDial(t, d.Token), d.MustDial(t, d.MustPairUser("glasses-2"))}
	for i, c := range conns {
		c.Enable(fmt.Sprintf("c%d", i))
	}
	b := pcm(spoken(t, "what's my balance"), 1, 1)
	// say streams the utterance on every connection at once, frame by
	// frame, and returns each one's reply and error.
	say := func(round int, conns ...*Conn) (replies []Event, errs []*wallet.Error) {
		id := fmt.Sprintf("a%d", round)
		for _, c := range conns {
			c.Send(map[string]any{"type": "audio.start", "id": id})
		}
		for off := 0; off < len(b); off += 640 {
			for _, c := range conns {
				c.SendRaw(websocket.BinaryMessage, b[off:min(off+640, len(b))])
			}
		}
		for _, c := range conns {
			c.Send(map[string]any{"type": "audio.stop", "id": id})
		}
		for _, c := range conns {
			var e *wallet.Error
			for {
				ev := c.Next() // a stalled stream fails here, after 10 s
				if ev.ReplyTo == id && ev.Type == agent.EventError {
					e = ev.Error
				}
				if ev.ReplyTo == id && ev.Type == agent.EventReply {
					replies, errs = append(replies, ev), append(errs, e)
					break
				}
			}
		}
		return replies, errs
	}
	busy := 0
	// Two utterances at once usually overlap; a few rounds make sure.
	for round := 0; round < 5 && busy == 0; round++ {
		replies, errs := say(round, conns...)
		for i, e := range errs {
			switch {
			case e == nil && strings.HasPrefix(replies[i].Text, "Your balance is"):
			case e != nil && e.Code == wallet.EBUSY:
				busy++
				if !e.Retryable || replies[i].Text != agent.ErrBusy.Message || replies[i].State != agent.StateIdle {
					t.Errorf("busy: error %+v, reply %+v", e, replies[i].Event)
				}
			default:
				t.Errorf("round %d, stream %d: error %+v, reply %q", round, i, e, replies[i].Text)
			}
		}
	}
	if busy == 0 || rec.Busy() != int64(busy) {
		t.Fatalf("%d streams refused as busy, the recognizer counted %d; want 1 or more, the same", busy, rec.Busy())
	}
	for i, c := range conns {
		replies, errs := say(10+i, c)
		if errs[0] != nil || !strings.HasPrefix(replies[0].Text, "Your balance is") {
			t.Errorf("stream %d alone afterwards: error %+v, reply %q", i, errs[0], replies[0].Text)
		}
	}
}

package ws_test

import (
	"strings"
	"testing"
	"time"

	"github.com/voicepay/voicepay/agent"
)

// TestAudioPartials: a connection that asked for partials (session.start
// with "partials":true) is shown the words so far while the person speaks,
// each a new start of what is said, all before transcript.final; so is the
// device's other connection that asked, as a mirror; the one that did not
// ask gets none. The turn is the one it would be without them.
func TestAudioPartials(t *testing.T) {
	const said = "buy two lattes from luckin coffee"
	d := MustOpenDaemon(t)
	mustHear(t, d, 2)
	speaker, phone, plain := d.MustDial(t, d.Token), d.MustDial(t, d.Token), d.MustDial(t, d.Token)
	speaker.Enable("e")
	for _, c := range []*Conn{speaker, phone} {
		c.Send(map[string]any{"type": "session.start", "id": "s1", "partials": true})
		for ev := c.Next(); ev.Type != "session.ready" || ev.ReplyTo != "s1"; ev = c.Next() {
		}
	}
	speaker.Send(map[string]any{"type": "audio.start", "id": "a1"})
	samples := spoken(t, said)
	step := 320 // 20 ms
	for off := 0; off < len(samples); off += step {
		sendSpeech(speaker, samples[off:min(off+step, len(samples))])
		time.Sleep(20 * time.Millisecond)
	}
	speaker.Send(map[string]any{"type": "audio.stop", "id": "a1"})

	evs := untilReply(t, speaker, "a1")
	types := EventTypes(evs)
	partials := texts(evs, "transcript.partial")
	t.Logf("events %s; partials %q", types, partials)
	if len(partials) == 0 {
		t.Fatalf("no transcript.partial before the reply: %s", types)
	}
	final := strings.Index(types, "transcript.final")
	if strings.LastIndex(types, "transcript.partial") > final {
		t.Errorf("a partial after transcript.final: %s", types)
	}
	for i, p := range partials {
		if p == "" || !strings.HasPrefix(said, p) {
			t.Errorf("partial %q: want a start of %q", p, said)
		}
		if i > 0 && p == partials[i-1] {
			t.Errorf("partial %q sent twice", p)
		}
	}
	if got := texts(evs, "transcript.final"); len(got) != 1 || got[0] != said {
		t.Errorf("transcript.final %q, want %q", got, said)
	}
	if want := "transcript.final intent order.updated reply"; !strings.HasSuffix(types, want) {
		t.Errorf("events %s, want the turn %s", types, want)
	}
	if got := texts(untilReply(t, phone, "a1"), "transcript.partial"); strings.Join(got, "|") != strings.Join(partials, "|") {
		t.Errorf("the phone, which asked too, got partials %q; want %q", got, partials)
	}
	if got := texts(untilReply(t, plain, "a1"), "transcript.partial"); len(got) != 0 {
		t.Errorf("a connection that did not ask got partials %q", got)
	}
	r := d.MustDo(t, "GET", "/metrics", "", nil)
	if n := metric(t, r.Body, `voicepay_speech_decodes_total{at="partial"}`); n < float64(len(partials)) {
		t.Errorf("%v partial decodes counted, %d partials sent", n, len(partials))
	}
}

// untilReply reads c's events up to the reply for id, and returns those
// for id.
func untilReply(t *testing.T, c *Conn, id string) []Event {
	t.Helper()
	var out []Event
	for {
		ev := c.Next()
		if ev.ReplyTo != id {
			continue
		}
		if ev.Type == agent.EventError {
			t.Fatalf("error %+v", ev.Error)
		}
		out = append(out, ev)
		if ev.Type == agent.EventReply {
			return out
		}
	}
}

// texts is the text of each event of the given type.
func texts(evs []Event, typ string) []string {
	var out []string
	for _, e := range evs {
		if e.Type == typ {
			out = append(out, e.Text)
		}
	}
	return out
}

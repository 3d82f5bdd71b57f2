package ws_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/wallet"
)

// FuzzClientEvent sends arbitrary bytes as a text frame to the real server.
// The server must answer every frame with at least one well-formed event and
// keep the connection open; a frame over 64 KiB must close it. Cleanup
// checks the ledger and that nothing was logged as an internal error.
func FuzzClientEvent(f *testing.F) {
	for _, seed := range []string{
		`{"type":"session.start","id":"s1","audio":{"encoding":"pcm16le","sample_rate":16000,"channels":1}}`,
		`{"type":"text.input","id":"t1","text":"buy two lattes from luckin coffee"}`,
		`{"type":"text.input","id":"t2","text":"enable alipay payment function"}`,
		`{"type":"text.input","id":"t3","text":"two four six eight"}`,
		`{"type":"text.input","id":"t4","text":"confirm the order"}`,
		`{"type":"text.input","id":"t5","text":"pay"}`,
		`{"type":"text.input","id":"t6","text":"tip the developer five yuan"}`,
		`{"type":"text.input","id":"t7","text":""}`,
		`{"type":"text.input","text":"freeze my wallet"}`,
		`{"type":"ping","id":"p1"}`,
		`{"type":"ping","id":null}`,
		`{"type":"pong"}`,
		`{"type":"ping","id":"p1","extra":{"deep":[[[[[[[[]]]]]]]]}}`,
		`{"type":1}`,
		`{"type":"text.input","id":"t8","text":"\u0000\ud800"}`,
		`{"type":"text.input","id":"t9","text":"buy 1000 lattes"}`,
		`{}`,
		`[]`,
		`null`,
		`""`,
		`1e999`,
		``,
		"\xff\xfe\x00",
		`{"type":"ping","id":"p2"}{"type":"ping","id":"p3"}`,
	} {
		f.Add([]byte(seed))
	}
	d := MustOpenDaemon(f)
	var c *websocket.Conn
	dial := func(t *testing.T) *websocket.Conn {
		if c != nil {
			return c
		}
		conn, _, err := websocket.DefaultDialer.Dial(d.StreamURL(), Bearer(d.Token))
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		c = conn
		if ev := read(t, c); ev.Type != "session.ready" {
			t.Fatalf("first event %+v, want session.ready", ev)
		}
		return c
	}
	f.Cleanup(func() {
		if c != nil {
			c.Close()
		}
	})
	n := 0
	f.Fuzz(func(t *testing.T, data []byte) {
		c := dial(t)
		c.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if err := c.WriteMessage(websocket.TextMessage, data); err != nil {
			t.Fatalf("write: %v", err)
		}
		if len(data) > 64<<10 {
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			if _, _, err := c.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
				t.Fatalf("after %d bytes: %v, want close %d", len(data), err, websocket.CloseMessageTooBig)
			}
			c.Close()
			c = nil
			return
		}
		// A ping after the frame fences off the events that answer it.
		n++
		fence := fmt.Sprintf("fence-%d", n)
		c.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if err := c.WriteJSON(map[string]string{"type": "ping", "id": fence}); err != nil {
			t.Fatalf("write the fence: %v", err)
		}
		var answers []string
		for {
			ev := read(t, c)
			if ev.Type == "pong" && ev.ReplyTo == fence {
				break
			}
			answers = append(answers, ev.Type)
		}
		if len(answers) == 0 {
			t.Fatalf("frame %q got no answer", data)
		}
	})
}

// read reads one event and checks it is a JSON object with a known type.
func read(t *testing.T, c *websocket.Conn) Event {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	kind, data, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	var ev Event
	if kind != websocket.TextMessage || json.Unmarshal(data, &ev.ServerEvent) != nil || json.Unmarshal(data, &ev.Raw) != nil {
		t.Fatalf("server sent %d %q, want a JSON text frame", kind, data)
	}
	switch ev.Type {
	case "session.ready", "pong", agent.EventIntent, agent.EventReply, agent.EventOrderUpdated,
		agent.EventPaymentResult:
	case agent.EventError:
		if ev.Error == nil || ev.Error.Code == "" || ev.Error.Code == wallet.EINTERNAL {
			t.Fatalf("error event %s", data)
		}
	default:
		t.Fatalf("event of unknown type: %s", data)
	}
	return ev
}

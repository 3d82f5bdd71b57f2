package ws_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/voicepay/voicepay/agent/internal/agenttest"
	"github.com/voicepay/voicepay/agent/ws"
	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/voice"
	"github.com/voicepay/voicepay/voice/openai"
	"github.com/voicepay/voicepay/voice/sphinx"
	"github.com/voicepay/voicepay/wallet"
)

// sphinxSTT is the offline recognizer with the whole grammar, as the daemon
// answers the transcription endpoint with it.
type sphinxSTT struct{ rec *sphinx.Recognizer }

var _ ws.Transcriber = sphinxSTT{}

func (s sphinxSTT) Transcribe(ctx context.Context, samples []int16) (string, error) {
	res, err := s.rec.Decode(ctx, samples)
	return res.Text, err
}

// clip is a spoken sentence and what the parser must make of it.
type clip struct {
	text   string
	intent string
	slots  intent.Slots
}

var clips = []clip{
	{"enable alipay payment function", intent.PaymentEnable, intent.Slots{}},
	{"buy two lattes from luckin coffee", intent.OrderCreate, intent.Slots{Merchant: "luckin_coffee", Item: "latte", Quantity: 2}},
	{"make it three", intent.OrderModify, intent.Slots{Quantity: 3}},
	{"confirm the order", intent.OrderConfirm, intent.Slots{}},
	{"authorize payment", intent.PaymentAuthorize, intent.Slots{}},
	{"cancel order", intent.OrderCancel, intent.Slots{}},
	{"what's my balance", intent.BalanceQuery, intent.Slots{}},
	{"tip the developer five yuan", intent.TipSend, intent.Slots{Amount: 500, Payee: "developer"}},
	{"freeze my wallet", intent.WalletFreeze, intent.Slots{}},
	{"what's the weather like tomorrow", intent.None, intent.Slots{}},
	{"please call my mother tonight", intent.None, intent.Slots{}},
}

// render speaks text with espeak-ng and returns the WAV file's bytes.
func render(tb testing.TB, text string) []byte {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "clip.wav")
	if out, err := exec.Command("espeak-ng", "-w", path, text).CombinedOutput(); err != nil {
		tb.Fatalf("espeak-ng (make deps installs it): %v\n%s", err, out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// TestTranscriptionBackends runs one suite against both speech-to-text
// backends: the offline recognizer directly, and the OpenAI-compatible
// client pointed at the daemon's own /v1/audio/transcriptions, served by a
// recognizer of the same configuration. The two must hear the same text for
// every clip; both must get nearly every command right (make bench measures
// the rate over all fixtures) and never turn an out-of-domain clip into a
// money-moving intent.
func TestTranscriptionBackends(t *testing.T) {
	h := agenttest.MustOpenHub(t)
	_, token := h.MustPair("glasses", wallet.ScopeUser)
	newSTT := func() sphinxSTT {
		rec, err := sphinx.New(sphinx.Config{Grammar: h.Parser.Grammar()})
		if err != nil {
			t.Fatalf("recognizer (make deps installs pocketsphinx): %v", err)
		}
		t.Cleanup(func() { rec.Close() })
		return sphinxSTT{rec}
	}
	// The recognizer adapts to the audio it hears (cepstral mean
	// normalization), so each backend gets a recognizer of its own that
	// hears the same clips in the same order.
	direct := newSTT()
	srv := ws.NewServer(h.Hub, "127.0.0.1:0")
	srv.Transcriber = newSTT()
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	remote := openai.New("http://"+srv.Addr+"/v1", token)
	remote.Prompt = openai.Vocabulary(h.Parser.Words())

	backends := []struct {
		name string
		stt  ws.Transcriber
	}{{"sphinx", direct}, {"openai", remote}}
	ctx := context.Background()
	right := map[string]int{}
	var commands int
	for _, c := range clips {
		samples, _, err := voice.ReadWAV(bytes.NewReader(render(t, c.text)), nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.intent != intent.None {
			commands++
		}
		heard := map[string]string{}
		for _, b := range backends {
			text, err := b.stt.Transcribe(ctx, samples)
			if err != nil {
				t.Fatalf("%s %q: transcribe: %v", b.name, c.text, err)
			}
			heard[b.name] = text
			got := h.Parser.Parse(text)
			switch {
			case c.intent == intent.None && intent.MovesMoney(got.Intent):
				t.Errorf("%s: out-of-domain %q heard as %q → %s", b.name, c.text, text, got.Intent)
			case got.Intent == c.intent && reflect.DeepEqual(got.Slots, c.slots):
				if c.intent != intent.None {
					right[b.name]++
				}
			default:
				t.Logf("%s: %q heard as %q → %s %+v", b.name, c.text, text, got.Intent, got.Slots)
			}
		}
		if heard["sphinx"] != heard["openai"] {
			t.Errorf("%q: sphinx heard %q, the daemon's endpoint %q", c.text, heard["sphinx"], heard["openai"])
		}
	}
	for _, b := range backends {
		if right[b.name]*10 < commands*8 {
			t.Errorf("%s got %d of %d commands right, want at least 80%%", b.name, right[b.name], commands)
		}
	}
}

// TestTranscriptionEndpoint checks the endpoint's formats and refusals.
func TestTranscriptionEndpoint(t *testing.T) {
	h := agenttest.MustOpenHub(t)
	_, token := h.MustPair("glasses", wallet.ScopeUser)
	_, agentToken := h.MustPair("claude", wallet.ScopeAgent)
	rec, err := sphinx.New(sphinx.Config{Grammar: h.Parser.Grammar()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rec.Close() })
	srv := ws.NewServer(h.Hub, "127.0.0.1:0")
	srv.Transcriber = sphinxSTT{rec}
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	wav := render(t, "confirm the order")

	post := func(token string, fields map[string]string, file []byte) (int, string) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for k, v := range fields {
			mw.WriteField(k, v)
		}
		if file != nil {
			fw, _ := mw.CreateFormFile("file", "clip.wav")
			fw.Write(file)
		}
		mw.Close()
		req, _ := http.NewRequest(http.MethodPost, "http://"+srv.Addr+"/v1/audio/transcriptions", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	tests := []struct {
		name   string
		token  string
		fields map[string]string
		file   []byte
		status int
		want   string
	}{
		{"json", token, map[string]string{"model": "whisper-1"}, wav, 200, `{"text":"confirm the order"}`},
		{"text", token, map[string]string{"model": "whisper-1", "response_format": "text"}, wav, 200, "confirm the order\n"},
		{"verbose_json", token, map[string]string{"response_format": "verbose_json"}, wav, 200, `"task":"transcribe"`},
		{"no token", "", map[string]string{"model": "whisper-1"}, wav, 401, wallet.EUNAUTHORIZED},
		{"agent token", agentToken, map[string]string{"model": "whisper-1"}, wav, 401, "user token"},
		{"no file", token, map[string]string{"model": "whisper-1"}, nil, 400, "file field"},
		{"not audio", token, nil, []byte("this is not a wav file"), 400, wallet.EINVALID},
		{"truncated", token, nil, wav[:60], 400, wallet.EINVALID},
		{"unknown format", token, map[string]string{"response_format": "srt"}, wav, 400, "response_format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := post(tt.token, tt.fields, tt.file)
			if status != tt.status || !strings.Contains(body, tt.want) {
				t.Errorf("got %d %s, want %d containing %q", status, body, tt.status, tt.want)
			}
		})
	}
}

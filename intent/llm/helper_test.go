package llm_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/voicepay/voicepay/config"
	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/intent/llm"
)

// testKey is the API key the tests send.
const testKey = "sk-test-voicepay"

// Request is one request the test server received.
type Request struct {
	Method, Path, Auth string
	Body               map[string]any
}

// Server is a local OpenAI-compatible chat endpoint: it serves
// POST /v1/chat/completions with whatever Reply says, and records each
// request.
type Server struct {
	*httptest.Server

	mu       sync.Mutex
	requests []Request
	reply    func(w http.ResponseWriter, r *http.Request)
}

// MustOpenServer starts a server that answers every request with a call of
// the intent function with args, and closes it when the test ends.
func MustOpenServer(tb testing.TB, args string) *Server {
	tb.Helper()
	s := &Server{}
	s.SetArguments(args)
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.Close)
	return s
}

// SetReply makes the server answer with h.
func (s *Server) SetReply(h func(w http.ResponseWriter, r *http.Request)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reply = h
}

// SetArguments makes the server answer with one call of the intent function
// with args.
func (s *Server) SetArguments(args string) {
	s.SetReply(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, completion(call(llm.FunctionName, args)))
	})
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	req := Request{Method: r.Method, Path: r.URL.Path, Auth: r.Header.Get("Authorization")}
	json.Unmarshal(b, &req.Body)
	s.mu.Lock()
	s.requests = append(s.requests, req)
	reply := s.reply
	s.mu.Unlock()
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		writeJSON(w, http.StatusNotFound, `{"error":{"message":"not found","type":"invalid_request_error"}}`)
		return
	}
	reply(w, r)
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// call is the JSON of one tool call.
func call(name, args string) string {
	a, _ := json.Marshal(args)
	n, _ := json.Marshal(name)
	return fmt.Sprintf(`{"id":"call_1","type":"function","function":{"name":%s,"arguments":%s}}`, n, a)
}

// completion is the JSON of a chat completion whose message makes the given
// tool calls.
func completion(calls ...string) string {
	list := "["
	for i, c := range calls {
		if i > 0 {
			list += ","
		}
		list += c
	}
	list += "]"
	return `{"id":"chatcmpl-1","object":"chat.completion","created":1767225600,"model":"test-model",` +
		`"choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":` + list + `},` +
		`"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`
}

// MustNew returns a fallback for the default catalog that asks s.
func MustNew(tb testing.TB, s *Server) *llm.Fallback {
	tb.Helper()
	f, err := llm.New(s.URL+"/v1", "test-model", config.DefaultCatalog().Vocabulary())
	if err != nil {
		tb.Fatalf("new fallback: %v", err)
	}
	f.APIKey = testKey
	return f
}

var (
	parserOnce sync.Once
	parser     *intent.Parser
	parserErr  error
)

// MustDefaultParser returns the parser of the default templates and
// catalog, compiled once.
func MustDefaultParser(tb testing.TB) *intent.Parser {
	tb.Helper()
	parserOnce.Do(func() {
		parser, parserErr = intent.Compile(intent.DefaultTemplates(), config.DefaultCatalog().Vocabulary())
	})
	if parserErr != nil {
		tb.Fatalf("compile default templates: %v", parserErr)
	}
	return parser
}

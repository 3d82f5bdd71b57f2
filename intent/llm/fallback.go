// Package llm is voicepay's optional language-model intent fallback. When
// the templates of package intent do not match what a person typed or what
// a free-form transcriber heard, a Fallback asks an OpenAI-compatible chat
// endpoint to pick an intent and its slots through function calling.
//
// The fallback never moves money. The function it offers the model lists
// only the intents that do not move money (see intent.MovesMoney), and the
// answer is checked on the way back: an intent that moves money, an unknown
// intent or catalog id, malformed arguments, no function call, an HTTP error
// or a timeout all give intent none, with an error that says why. Slots are
// normalized as the parser normalizes them, and every result the model gave
// has the low, fixed confidence Confidence, below any template match.
//
// The fallback is for text typed or heard by a free-form transcriber: a
// recognizer constrained to the templates' grammar only ever hears sentences
// the templates match.
package llm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/sashabaranov/go-openai"

	"github.com/voicepay/voicepay/intent"
)

const (
	// Confidence is the confidence of every intent the model gave. It is
	// below that of any template match (0.67 at the least), so a caller can
	// tell the two apart, though Parse also says so.
	Confidence = 0.5
	// DefaultTimeout bounds one request when Fallback.Timeout is zero.
	DefaultTimeout = 3 * time.Second
	// FunctionName is the name of the one function offered to the model.
	FunctionName = "choose_intent"
	// maxResponse bounds the body of a response; a longer one fails to decode.
	maxResponse = 1 << 20
)

// The reasons an answer of the model is not used. Parse wraps them; test
// with errors.Is.
var (
	// ErrNoCall means the model answered without calling FunctionName once.
	ErrNoCall = errors.New("the model called no intent function")
	// ErrBadArguments means the call's arguments are not the object the
	// schema describes.
	ErrBadArguments = errors.New("malformed function arguments")
	// ErrMovesMoney means the model chose an intent that moves money.
	ErrMovesMoney = errors.New("the model chose an intent that moves money")
	// ErrUnknownIntent means the model chose an intent that is not offered.
	ErrUnknownIntent = errors.New("the model chose an unknown intent")
	// ErrUnknownID means a merchant or item is not a catalog id.
	ErrUnknownID = errors.New("the model named an id not in the catalog")
	// ErrMissingSlot means an order intent came without what the dialog
	// needs: order.create without an item, order.modify with neither an
	// item nor a quantity.
	ErrMissingSlot = errors.New("the model left out a required slot")
)

// Fallback asks a chat model about text the templates did not match. Build
// it with New and set the exported fields before the first Parse; it is safe
// for concurrent use after that.
type Fallback struct {
	// APIKey is sent as a bearer token; "" sends none, as a local server
	// usually wants.
	APIKey string
	// Timeout bounds one request; zero means DefaultTimeout. A deadline of
	// the caller's context that comes sooner wins.
	Timeout time.Duration
	// HTTPClient sends the requests; nil means a client that follows no
	// redirects.
	HTTPClient *http.Client

	baseURL string
	model   string
	offered []string
	tool    openai.Tool
	system  string
	catalog catalog
}

// New returns a fallback that asks model at baseURL, the base of an
// OpenAI-compatible API such as http://127.0.0.1:8080/v1, about the intents
// voicepay knows and the merchants and items of v.
func New(baseURL, model string, v intent.Vocabulary) (*Fallback, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("llm: base url %q is not an http or https URL", baseURL)
	}
	if model == "" {
		return nil, errors.New("llm: no model")
	}
	cat, err := newCatalog(v)
	if err != nil {
		return nil, fmt.Errorf("llm: %w", err)
	}
	f := &Fallback{baseURL: baseURL, model: model, offered: Offered(), catalog: cat}
	f.tool, err = tool(f.offered, cat)
	if err != nil {
		return nil, fmt.Errorf("llm: %w", err)
	}
	f.system = systemPrompt(f.offered, cat)
	return f, nil
}

// Parse asks the model what text means. ok reports whether the model chose
// an intent: then res holds it, with its slots normalized as the parser
// normalizes them and confidence Confidence, and res came from the model,
// not the templates. Otherwise res is intent none with no slots and
// confidence 0, and err, when not nil, says what went wrong: a failed or
// timed-out request, or an answer that was refused (ErrMovesMoney,
// ErrUnknownIntent, ErrUnknownID, ErrBadArguments, ErrMissingSlot,
// ErrNoCall). The model choosing none is not an error.
//
// Text longer than intent.MaxBytes, or empty, is none without a request.
func (f *Fallback) Parse(ctx context.Context, text string) (res intent.Result, ok bool, err error) {
	res = intent.Result{Text: text, Intent: intent.None}
	if text == "" || len(text) > intent.MaxBytes {
		return res, false, nil
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout())
	defer cancel()
	resp, err := f.client().CreateChatCompletion(ctx, f.request(text))
	if err != nil {
		return res, false, fmt.Errorf("chat completion: %w", err)
	}
	name, slots, err := f.answer(resp)
	if err != nil {
		return res, false, err
	}
	if name == intent.None {
		return res, false, nil
	}
	res.Intent, res.Slots, res.Confidence = name, slots, Confidence
	return res, true, nil
}

func (f *Fallback) timeout() time.Duration {
	if f.Timeout > 0 {
		return f.Timeout
	}
	return DefaultTimeout
}

func (f *Fallback) client() *openai.Client {
	cfg := openai.DefaultConfig(f.APIKey)
	cfg.BaseURL = f.baseURL
	hc := f.HTTPClient
	if hc == nil {
		hc = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	cfg.HTTPClient = limitDoer{hc}
	return openai.NewClientWithConfig(cfg)
}

// request is the chat request for text. tool_choice is "required" rather
// than the named-function object: with one function offered the two mean
// the same, and more OpenAI-compatible servers accept the string.
func (f *Fallback) request(text string) openai.ChatCompletionRequest {
	return openai.ChatCompletionRequest{
		Model: f.model,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: f.system},
			{Role: openai.ChatMessageRoleUser, Content: text},
		},
		Tools:             []openai.Tool{f.tool},
		ToolChoice:        "required",
		ParallelToolCalls: false,
	}
}

// limitDoer refuses a redirect and cuts a response body off at maxResponse
// bytes.
type limitDoer struct{ c *http.Client }

func (d limitDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.c.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		resp.Body.Close()
		return nil, fmt.Errorf("%s: redirects are not followed", resp.Status)
	}
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.LimitReader(resp.Body, maxResponse), resp.Body}
	return resp, nil
}

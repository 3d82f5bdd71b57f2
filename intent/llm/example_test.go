package llm_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/voicepay/voicepay/config"
	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/intent/llm"
)

func ExampleFallback_Parse() {
	// A stand-in for an OpenAI-compatible server whose model reads the text
	// as an order of two lattes.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, completion(call(llm.FunctionName, `{"intent":"order.create","item":"latte","quantity":2}`)))
	}))
	defer srv.Close()

	vocab := config.DefaultCatalog().Vocabulary()
	p, _ := intent.Compile(intent.DefaultTemplates(), vocab)
	fb, err := llm.New(srv.URL+"/v1", "small-model", vocab)
	if err != nil {
		fmt.Println(err)
		return
	}

	text := "I'd kill for a couple of lattes right about now"
	res := p.Parse(text)
	if res.Intent == intent.None {
		r, ok, err := fb.Parse(context.Background(), text)
		if err != nil {
			fmt.Println("fallback:", err) // log it; the text stays none
		}
		if ok {
			res = r
		}
	}
	b, _ := json.Marshal(res)
	fmt.Println(string(b))
	// Output:
	// {"text":"I'd kill for a couple of lattes right about now","intent":"order.create","slots":{"merchant":"luckin_coffee","item":"latte","quantity":2},"confidence":0.5}
}

package agent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/intent/llm"
)

// modelServer is an OpenAI-compatible chat endpoint whose every answer
// calls the intent function with the given arguments. It stands in for a
// remote language model, which cannot run here.
func modelServer(t *testing.T, args *atomic.Value, calls *atomic.Int32) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		answer := map[string]any{
			"id": "chatcmpl-1", "object": "chat.completion", "model": "small-model",
			"choices": []any{map[string]any{
				"index": 0, "finish_reason": "tool_calls",
				"message": map[string]any{"role": "assistant", "tool_calls": []any{map[string]any{
					"id": "call_1", "type": "function",
					"function": map[string]any{"name": llm.FunctionName, "arguments": args.Load().(string)},
				}}},
			}},
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(answer)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestFallback sends sentences the templates do not match through the hub
// with a language-model fallback: a non-money intent it picks is acted on;
// a money-moving one never is, and a sentence the templates match never
// reaches the model.
func TestFallback(t *testing.T) {
	var args atomic.Value
	var calls atomic.Int32
	srv := modelServer(t, &args, &calls)
	h, s := MustOpenSession(t)
	fb, err := llm.New(srv.URL+"/v1", "small-model", h.Catalog.Vocabulary())
	if err != nil {
		t.Fatal(err)
	}
	h.Fallback = fb
	args.Store(`{"intent":"balance.query"}`)
	Run(t, h, s, Enable)
	if n := calls.Load(); n != 0 {
		t.Fatalf("%d requests to the model while enabling payments: the PIN must never leave voicepay", n)
	}
	ctx := context.Background()

	turn := s.Say(ctx, agent.Input{Text: "how are my finances looking", Channel: "text"})
	if want := fmt.Sprintf("Your balance is %s.", "1000 yuan"); turn.Reply != want || turn.Err != nil {
		t.Errorf("balance by the fallback: reply %q, err %v; want %q", turn.Reply, turn.Err, want)
	}

	Run(t, h, s, []Step{{Say: "buy two lattes", State: agent.StateDrafted}})
	for _, money := range []string{"order.confirm", "payment.authorize", "tip.send", "subscription.approve"} {
		args.Store(fmt.Sprintf(`{"intent":%q}`, money))
		turn := s.Say(ctx, agent.Input{Text: "sure whatever you think is best", Channel: "text"})
		if turn.State != agent.StateDrafted {
			t.Errorf("the model answered %s: state %s, want drafted (reply %q)", money, turn.State, turn.Reply)
		}
	}
	if got := h.Balance(); got != Opening || h.Held() != 0 {
		t.Errorf("balance %d, held %d after money answers from the model; want %d, 0", got, h.Held(), Opening)
	}

	before := calls.Load()
	Run(t, h, s, []Step{{Say: "cancel order", State: agent.StateIdle}})
	if calls.Load() != before {
		t.Error("a sentence the templates match was sent to the model")
	}
}

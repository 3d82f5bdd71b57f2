package llm_test

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/voicepay/voicepay/config"
	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/intent/llm"
)

// FuzzArguments has the server call the intent function with any arguments
// and checks that no intent that moves money ever comes back, that an
// answer holds only offered intents and catalog ids, and that anything else
// is none.
func FuzzArguments(f *testing.F) {
	for _, args := range moneyAnswers() {
		f.Add(args)
	}
	for _, args := range []string{
		`{"intent":"balance.query"}`,
		`{"intent":"order.create","merchant":"kfc","item":"cola","quantity":3}`,
		`{"intent":"order.modify","quantity":99}`,
		`{"intent":"none"}`,
		`{"intent":"help","intent":"tip.send"}`,
		`{"INTENT":"payment.authorize"}`,
		`{"intent":"order.create","item":"latte","quantity":2,"quantity":0}`,
		`{"intent":"order.cancel"} `,
		``, `{`, `null`, `[]`, `{"intent":null}`,
	} {
		f.Add(args)
	}
	cat := config.DefaultCatalog()
	s := MustOpenServer(f, "")
	fb := MustNew(f, s)
	offered := llm.Offered()
	f.Fuzz(func(t *testing.T, args string) {
		s.SetArguments(args)
		res, ok, err := fb.Parse(context.Background(), "text the templates did not match")
		if intent.MovesMoney(res.Intent) {
			t.Fatalf("arguments %q gave %s, which moves money", args, res.Intent)
		}
		if !ok {
			if res.Intent != intent.None || !reflect.DeepEqual(res.Slots, (intent.Slots{})) || res.Confidence != 0 {
				t.Fatalf("arguments %q: not ok, but got %+v", args, res)
			}
			return
		}
		if err != nil || res.Intent == intent.None || !slices.Contains(offered, res.Intent) || res.Confidence != llm.Confidence {
			t.Fatalf("arguments %q: got %+v, error %v", args, res, err)
		}
		sl := res.Slots
		if sl.Amount != 0 || sl.Payee != "" {
			t.Fatalf("arguments %q: money slots in %+v", args, sl)
		}
		if sl.Merchant != "" {
			if _, found := cat.Merchant(sl.Merchant); !found {
				t.Fatalf("arguments %q: merchant %q not in the catalog", args, sl.Merchant)
			}
		}
		if sl.Item != "" && !slices.ContainsFunc(cat.Merchants, func(m config.Merchant) bool { _, found := m.Item(sl.Item); return found }) {
			t.Fatalf("arguments %q: item %q not in the catalog", args, sl.Item)
		}
		if sl.Quantity < 0 || sl.Quantity > 99 || res.Intent == intent.OrderCreate && (sl.Quantity == 0 || sl.Item == "") {
			t.Fatalf("arguments %q: slots %+v out of range", args, sl)
		}
	})
}

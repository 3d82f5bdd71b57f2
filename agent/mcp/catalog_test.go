package mcp_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/voicepay/voicepay/agent/mcp"
	"github.com/voicepay/voicepay/wallet"
)

// TestCatalog lists the catalog as the hub has it: every merchant with its
// items and prices.
func TestCatalog(t *testing.T) {
	d := MustOpenDaemon(t)
	cs := d.MustConnect(t, d.AgentToken)
	var c mcp.CatalogOut
	MustCall(t, cs, "list_catalog", nil, &c)
	if c.Currency != d.Catalog.Currency || len(c.Merchants) != len(d.Catalog.Merchants) {
		t.Fatalf("got %d merchants in %s, want %d", len(c.Merchants), c.Currency, len(d.Catalog.Merchants))
	}
	for i, m := range d.Catalog.Merchants {
		got := c.Merchants[i]
		if got.ID != m.ID || got.Name != m.Name() || len(got.Items) != len(m.Items) {
			t.Errorf("merchant %d: %+v, want %s", i, got, m.ID)
			continue
		}
		for j, it := range m.Items {
			if g := got.Items[j]; g.ID != it.ID || g.Name != it.Name() || g.Price != it.Price {
				t.Errorf("%s item %d: %+v, want %s at %d", m.ID, j, g, it.ID, it.Price)
			}
		}
	}
}

// TestSearchCatalog finds items and merchants by id or name, in any case,
// best first, and near spellings last.
func TestSearchCatalog(t *testing.T) {
	d := MustOpenDaemon(t)
	cs := d.MustConnect(t, d.AgentToken)
	search := func(q string) []mcp.CatalogMatch {
		var out mcp.CatalogMatches
		MustCall(t, cs, "search_catalog", map[string]any{"query": q}, &out)
		return out.Matches
	}
	for _, tc := range []struct{ q, kind, merchant, item string }{
		{"latte", "item", "luckin_coffee", "latte"},
		{"LATTE", "item", "luckin_coffee", "latte"},
		{"luckin", "merchant", "luckin_coffee", ""},
		{"Freshippo", "merchant", "hema", ""},
		{"coke", "item", "kfc", "cola"},
		{"zinger", "item", "kfc", "zinger_burger"},
		{"capuccino", "item", "luckin_coffee", "cappuccino"}, // misspelt
	} {
		ms := search(tc.q)
		if len(ms) == 0 {
			t.Errorf("%q found nothing", tc.q)
			continue
		}
		if m := ms[0]; m.Kind != tc.kind || m.Merchant != tc.merchant || m.Item != tc.item {
			t.Errorf("%q: first %+v, want %s %s %s", tc.q, m, tc.kind, tc.merchant, tc.item)
		}
	}
	if ms := search("latte"); len(ms) < 2 || ms[1].Item != "coconut_latte" || ms[0].Price != 1800 {
		t.Errorf("latte: %+v, want latte at 1800 first, then coconut_latte", ms)
	}
	if ms := search("xyzzy"); len(ms) != 0 {
		t.Errorf("xyzzy found %+v", ms)
	}
}

// TestSuggestions has create_order's refusal of an unknown merchant or
// item name the nearest ids of the catalog.
func TestSuggestions(t *testing.T) {
	d := MustOpenDaemon(t)
	cs := d.MustConnect(t, d.AgentToken)
	for _, tc := range []struct {
		merchant, item, says string
	}{
		{"luckin", "latte", `There is no merchant "luckin" in the catalog; did you mean luckin_coffee?`},
		{"Luckin_Coffe", "latte", `There is no merchant "Luckin_Coffe" in the catalog; did you mean luckin_coffee?`},
		{"starbucks", "latte", `There is no merchant "starbucks" in the catalog. list_catalog lists every merchant and item.`},
		{"luckin_coffee", "lattes", `Luckin Coffee (luckin_coffee) doesn't sell "lattes"; did you mean latte?`},
		{"luckin_coffee", "cola", `Luckin Coffee (luckin_coffee) doesn't sell "cola". kfc sells cola.`},
		{"kfc", "burger", `KFC (kfc) doesn't sell "burger"; did you mean zinger_burger?`},
		{"kfc", "sushi", `KFC (kfc) doesn't sell "sushi". search_catalog finds items by name.`},
	} {
		e := MustFail(t, cs, "create_order", map[string]any{"merchant": tc.merchant, "idempotency_key": tc.merchant + tc.item,
			"items": []any{map[string]any{"item": tc.item}}}, wallet.ENOTFOUND)
		if e.Message != tc.says {
			t.Errorf("%s %s: %q, want %q", tc.merchant, tc.item, e.Message, tc.says)
		}
	}
}

// TestBalanceExact reads a balance exactly, on the wire: the structured
// output is written as the wallet's integers, never re-encoded through a
// float64. (Balances are bounded by wallet.MaxBalance, 2^53-1, so that
// every amount is exact in any JSON reader.)
func TestBalanceExact(t *testing.T) {
	d := MustOpenDaemon(t)
	d.MustTopup(wallet.MaxTopup - 7)
	resp, body := post(t, d, d.AgentToken, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_balance","arguments":{}}}`)
	want := fmt.Sprintf(`"structuredContent":{"balance":%d,`, Opening+wallet.MaxTopup-7)
	if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
		t.Errorf("%d %s, want %s", resp.StatusCode, body, want)
	}
}

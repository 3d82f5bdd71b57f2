package config_test

import (
	"strings"
	"testing"

	"github.com/voicepay/voicepay/config"
)

func TestDefaultCatalog(t *testing.T) {
	c := config.DefaultCatalog()
	if c.Currency != "CNY" {
		t.Errorf("currency: got %q, want CNY", c.Currency)
	}
	m, ok := c.Merchant("luckin_coffee")
	if !ok {
		t.Fatal("no luckin_coffee")
	}
	if m.Name() != "Luckin Coffee" {
		t.Errorf("name: got %q, want Luckin Coffee", m.Name())
	}
	if it, ok := m.Item("coconut_latte"); !ok || it.Price != 1900 || it.Name() != "coconut latte" {
		t.Errorf("coconut_latte: got %+v, %v", it, ok)
	}
	if _, ok := m.Item("zinger_burger"); ok {
		t.Error("luckin_coffee sells a zinger_burger")
	}
	if _, ok := c.Merchant("starbucks"); ok {
		t.Error("found a merchant not in the catalog")
	}

	var cfg config.Config
	got, err := cfg.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Merchants) != len(c.Merchants) {
		t.Errorf("an empty catalog path does not give the embedded catalog")
	}
}

// validMerchant is one well-formed merchant to build broken catalogs around.
const validMerchant = "  - {id: kfc, say: [KFC], items: [{id: cola, say: [cola], price: 800}]}\n"

var brokenCatalogs = []struct {
	name, yaml, want string
}{
	{"currency", "currency: yuan\nmerchants:\n" + validMerchant, "currency:"},
	{"no merchants", "currency: CNY\nmerchants: []\n", "merchants: the catalog lists no merchant"},
	{"merchant id", "currency: CNY\nmerchants:\n  - {id: KFC!, say: [KFC], items: [{id: cola, say: [cola], price: 800}]}\n", "merchants[0].id:"},
	{"duplicate merchant", "currency: CNY\nmerchants:\n" + validMerchant + validMerchant, `merchants[1].id: "kfc" appears twice`},
	{"merchant say", "currency: CNY\nmerchants:\n  - {id: kfc, items: [{id: cola, say: [cola], price: 800}]}\n", "merchants[0].say:"},
	{"no items", "currency: CNY\nmerchants:\n  - {id: kfc, say: [KFC]}\n", "merchants[0].items:"},
	{"item id", "currency: CNY\nmerchants:\n  - {id: kfc, say: [KFC], items: [{id: 1cola, say: [cola], price: 800}]}\n", "merchants[0].items[0].id:"},
	{"duplicate item", "currency: CNY\nmerchants:\n  - {id: kfc, say: [KFC], items: [{id: cola, say: [cola], price: 800}, {id: cola, say: [coke], price: 800}]}\n", "merchants[0].items[1].id:"},
	{"item say", "currency: CNY\nmerchants:\n  - {id: kfc, say: [KFC], items: [{id: cola, price: 800}]}\n", "merchants[0].items[0].say:"},
	{"price", "currency: CNY\nmerchants:\n  - {id: kfc, say: [KFC], items: [{id: cola, say: [cola], price: -8}]}\n", "merchants[0].items[0].price:"},
	{"unknown field", "currency: CNY\nshops: []\nmerchants:\n" + validMerchant, "shops"},
	{"not yaml", "currency: [\n", "decode"},
}

func TestParseCatalogBroken(t *testing.T) {
	for _, tt := range brokenCatalogs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.ParseCatalog([]byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestParseCatalogEveryProblem(t *testing.T) {
	_, err := config.ParseCatalog([]byte("currency: cny\nmerchants:\n  - {id: kfc, items: [{id: cola, say: [cola], price: 0}]}\n"))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"currency:", "merchants[0].say:", "merchants[0].items[0].price:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%v: lacks %q", err, want)
		}
	}
}

func TestLoadBrokenCatalog(t *testing.T) {
	for _, tt := range brokenCatalogs {
		t.Run(tt.name, func(t *testing.T) {
			ps := problems(t, config.Source{Env: env(map[string]string{"VOICEPAY_CATALOG": MustWriteFile(t, "catalog.yaml", tt.yaml)})})
			got := find(ps, "catalog")
			if len(got) != 1 || !strings.Contains(got[0], tt.want) || strings.HasPrefix(got[0], "catalog") || strings.Contains(got[0], "\n") {
				t.Errorf("got %q, want one catalog problem containing %q", ps, tt.want)
			}
		})
	}
}

func FuzzParseCatalog(f *testing.F) {
	f.Add("currency: CNY\nmerchants:\n" + validMerchant)
	for _, tt := range brokenCatalogs {
		f.Add(tt.yaml)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := config.ParseCatalog([]byte(s))
		if (c == nil) == (err == nil) {
			t.Fatalf("got catalog %v and error %v; want exactly one", c, err)
		}
	})
}

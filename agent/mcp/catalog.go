package mcp

import (
	"context"
	"fmt"
	"slices"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/config"
	"github.com/voicepay/voicepay/wallet"
)

// CatalogItem is an item a merchant sells.
type CatalogItem struct {
	ID    string `json:"id" jsonschema:"the item id create_order takes, e.g. latte"`
	Name  string `json:"name" jsonschema:"the name the person hears"`
	Price int64  `json:"price" jsonschema:"the price of one, in minor units (1800 is 18 yuan)"`
}

// CatalogMerchant is a merchant and what it sells.
type CatalogMerchant struct {
	ID    string        `json:"id" jsonschema:"the merchant id create_order takes, e.g. luckin_coffee"`
	Name  string        `json:"name" jsonschema:"the name the person hears"`
	Items []CatalogItem `json:"items" jsonschema:"what this merchant sells"`
}

// CatalogOut is what list_catalog returns.
type CatalogOut struct {
	Currency  string            `json:"currency" jsonschema:"the currency of every price, ISO 4217"`
	Merchants []CatalogMerchant `json:"merchants"`
}

// SearchCatalogIn is what search_catalog takes.
type SearchCatalogIn struct {
	Query string `json:"query" jsonschema:"words of a merchant's or an item's id or name, e.g. latte or luckin"`
}

// CatalogMatch is a merchant, or an item of a merchant, that matches a search.
type CatalogMatch struct {
	Kind         string `json:"kind" jsonschema:"merchant or item"`
	Merchant     string `json:"merchant" jsonschema:"the merchant id"`
	MerchantName string `json:"merchant_name"`
	Item         string `json:"item,omitempty" jsonschema:"the item id, for an item"`
	Name         string `json:"name" jsonschema:"the item's name, or the merchant's"`
	Price        int64  `json:"price,omitempty" jsonschema:"for an item: the price of one, in minor units"`
}

// CatalogMatches is what search_catalog returns, best match first.
type CatalogMatches struct {
	Currency string         `json:"currency"`
	Matches  []CatalogMatch `json:"matches"`
}

// maxMatches bounds what search_catalog returns.
const maxMatches = 20

func (s *Server) listCatalog(_ context.Context, _ *sdk.CallToolRequest, _ NoInput) (*sdk.CallToolResult, *CatalogOut, error) {
	c := s.Hub.Catalog
	out := &CatalogOut{Currency: c.Currency, Merchants: []CatalogMerchant{}}
	var b strings.Builder
	fmt.Fprintf(&b, "%d merchants; prices in minor units of %s.", len(c.Merchants), c.Currency)
	for _, m := range c.Merchants {
		cm := CatalogMerchant{ID: m.ID, Name: m.Name(), Items: []CatalogItem{}}
		fmt.Fprintf(&b, "\n%s (%s):", m.ID, m.Name())
		for _, it := range m.Items {
			cm.Items = append(cm.Items, CatalogItem{ID: it.ID, Name: it.Name(), Price: it.Price})
			fmt.Fprintf(&b, " %s %d,", it.ID, it.Price)
		}
		out.Merchants = append(out.Merchants, cm)
	}
	return text(strings.TrimSuffix(b.String(), ",")), out, nil
}

func (s *Server) searchCatalog(_ context.Context, _ *sdk.CallToolRequest, in SearchCatalogIn) (*sdk.CallToolResult, *CatalogMatches, error) {
	q := strings.ToLower(strings.TrimSpace(in.Query))
	if q == "" {
		return nil, nil, wallet.Errorf(wallet.EINVALID, "query must not be empty.")
	}
	type scored struct {
		CatalogMatch
		score int
	}
	var found []scored
	c := s.Hub.Catalog
	for _, m := range c.Merchants {
		if sc, ok := match(q, m.ID, m.Say); ok {
			found = append(found, scored{CatalogMatch{Kind: "merchant", Merchant: m.ID, MerchantName: m.Name(), Name: m.Name()}, sc})
		}
		for _, it := range m.Items {
			if sc, ok := match(q, it.ID, slices.Concat(it.Say, it.Also)); ok {
				found = append(found, scored{CatalogMatch{Kind: "item", Merchant: m.ID, MerchantName: m.Name(),
					Item: it.ID, Name: it.Name(), Price: it.Price}, sc})
			}
		}
	}
	slices.SortStableFunc(found, func(a, b scored) int { return a.score - b.score })
	out := &CatalogMatches{Currency: c.Currency, Matches: []CatalogMatch{}}
	var b strings.Builder
	fmt.Fprintf(&b, "%s for %q, best first.", counted(min(len(found), maxMatches), "match", "matches"), in.Query)
	for _, f := range found[:min(len(found), maxMatches)] {
		out.Matches = append(out.Matches, f.CatalogMatch)
		if f.Kind == "merchant" {
			fmt.Fprintf(&b, "\nmerchant %s (%s)", f.Merchant, f.Name)
		} else {
			fmt.Fprintf(&b, "\nitem %s (%s) at %s, %s", f.Item, f.Name, f.Merchant, agent.Money(f.Price, c.Currency))
		}
	}
	return text(b.String()), out, nil
}

// match scores how well q names an entry of the catalog, by its id and its
// names, lower is better: the whole id or name, then a prefix, a word's
// prefix, a part, and last a near spelling.
func match(q, id string, names []string) (int, bool) {
	best, ok := 0, false
	for _, n := range append([]string{id}, names...) {
		n = strings.ToLower(n)
		var sc int
		switch {
		case n == q:
			sc = 0
		case strings.HasPrefix(n, q):
			sc = 1
		case wordPrefix(n, q):
			sc = 2
		case strings.Contains(n, q):
			sc = 3
		default:
			d := distance(q, n)
			if d > near(q) {
				continue
			}
			sc = 4 + d
		}
		if !ok || sc < best {
			best, ok = sc, true
		}
	}
	return best, ok
}

// wordPrefix reports whether a word of n, split at spaces and _, begins
// with q.
func wordPrefix(n, q string) bool {
	for _, w := range strings.FieldsFunc(n, func(r rune) bool { return r == ' ' || r == '_' || r == '-' }) {
		if strings.HasPrefix(w, q) {
			return true
		}
	}
	return false
}

// near is how many edits still make a near spelling of q.
func near(q string) int { return max(1, len([]rune(q))/3) }

// distance is the edit distance between a and b.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// nearest returns up to three ids of entries that q may have meant, best
// first.
func nearest(q string, ids []string, names func(i int) []string) []string {
	type cand struct {
		id    string
		score int
	}
	var cs []cand
	q = strings.ToLower(strings.TrimSpace(q))
	for i, id := range ids {
		if sc, ok := match(q, id, names(i)); ok {
			cs = append(cs, cand{id, sc})
		}
	}
	slices.SortStableFunc(cs, func(a, b cand) int { return a.score - b.score })
	var out []string
	for _, c := range cs[:min(len(cs), 3)] {
		out = append(out, c.id)
	}
	return out
}

// didYouMean is " did you mean a, b or c?" for ids, or "" for none.
func didYouMean(ids []string) string {
	switch len(ids) {
	case 0:
		return ""
	case 1:
		return "; did you mean " + ids[0] + "?"
	}
	return "; did you mean " + strings.Join(ids[:len(ids)-1], ", ") + " or " + ids[len(ids)-1] + "?"
}

// suggest adds to create_order's refusal of an unknown merchant or item the
// ids the agent may have meant, from the catalog.
func (s *Server) suggest(err error, in CreateOrderIn) error {
	if wallet.ErrorCode(err) != wallet.ENOTFOUND || len(in.Items) == 0 {
		return err
	}
	return suggestion(s.Hub.Catalog, in.Merchant, in.Items, err)
}

func suggestion(c *config.Catalog, merchant string, items []ItemIn, err error) error {
	m, ok := c.Merchant(merchant)
	if !ok {
		ids := nearest(merchant, merchantIDs(c), func(i int) []string { return c.Merchants[i].Say })
		return wallet.Errorf(wallet.ENOTFOUND, "There is no merchant %q in the catalog%s%s", merchant, didYouMean(ids),
			tail(ids, " list_catalog lists every merchant and item."))
	}
	for _, want := range items {
		if _, ok := m.Item(want.Item); ok {
			continue
		}
		ids := nearest(want.Item, itemIDs(m), func(i int) []string { return m.Items[i].Say })
		msg := fmt.Sprintf("%s (%s) doesn't sell %q%s", m.Name(), m.ID, want.Item, didYouMean(ids))
		if len(ids) == 0 {
			msg += "."
		}
		if sellers := sellersOf(c, want.Item); len(sellers) > 0 {
			msg += fmt.Sprintf(" %s sells %s.", strings.Join(sellers, " and "), want.Item)
		} else if len(ids) == 0 {
			msg += " search_catalog finds items by name."
		}
		return wallet.Errorf(wallet.ENOTFOUND, "%s", msg)
	}
	return err
}

// tail ends a refusal: with a question when it suggests, else with a full
// stop and the tool that finds more.
func tail(ids []string, more string) string {
	if len(ids) > 0 {
		return ""
	}
	return "." + more
}

func merchantIDs(c *config.Catalog) []string {
	ids := make([]string, len(c.Merchants))
	for i, m := range c.Merchants {
		ids[i] = m.ID
	}
	return ids
}

func itemIDs(m config.Merchant) []string {
	ids := make([]string, len(m.Items))
	for i, it := range m.Items {
		ids[i] = it.ID
	}
	return ids
}

// sellersOf are the merchants that sell an item of that id.
func sellersOf(c *config.Catalog, item string) []string {
	var out []string
	for _, m := range c.Merchants {
		if _, ok := m.Item(item); ok {
			out = append(out, m.ID)
		}
	}
	return out
}

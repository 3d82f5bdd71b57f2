package config

import (
	_ "embed"
	"fmt"
	"os"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/voicepay/voicepay/intent"
)

//go:embed catalog.yaml
var defaultCatalog []byte

// Catalog lists the merchants and items a person can order by voice. Prices are
// in minor units of Currency.
type Catalog struct {
	Currency  string     `yaml:"currency"`
	Merchants []Merchant `yaml:"merchants"`
}

// Merchant is one shop in the catalog. Say lists how people name it; the first
// entry is the display name.
type Merchant struct {
	ID    string   `yaml:"id"`
	Say   []string `yaml:"say"`
	Items []Item   `yaml:"items"`
}

// Item is one thing a merchant sells, priced in minor units.
type Item struct {
	ID    string   `yaml:"id"`
	Say   []string `yaml:"say"`
	Price int64    `yaml:"price"`
	// Class lists the general words the item goes by ("coffee", "drink"):
	// "a coffee" asks which of the shop's coffees.
	Class []string `yaml:"class,omitempty"`
	// Also lists other names people type ("soda" for cola). They are read
	// from text only: spoken, everyday words like these were heard in
	// everyday speech.
	Also []string `yaml:"also,omitempty"`
}

// Vocabulary is what the intent parser needs of the catalog: the names of
// its merchants and items.
func (c *Catalog) Vocabulary() intent.Vocabulary {
	var v intent.Vocabulary
	for _, m := range c.Merchants {
		im := intent.Merchant{ID: m.ID, Say: m.Say}
		for _, it := range m.Items {
			im.Items = append(im.Items, intent.Entity{ID: it.ID, Say: it.Say, Classes: it.Class, Typed: it.Also})
		}
		v.Merchants = append(v.Merchants, im)
	}
	return v
}

// Name is the merchant's display name.
func (m Merchant) Name() string { return firstOr(m.Say, m.ID) }

// Name is the item's display name.
func (it Item) Name() string { return firstOr(it.Say, it.ID) }

func firstOr(say []string, id string) string {
	if len(say) > 0 {
		return say[0]
	}
	return id
}

// Merchant returns the merchant with the given id.
func (c *Catalog) Merchant(id string) (Merchant, bool) {
	for _, m := range c.Merchants {
		if m.ID == id {
			return m, true
		}
	}
	return Merchant{}, false
}

// Item returns the item with the given id sold by merchant.
func (m Merchant) Item(id string) (Item, bool) {
	for _, it := range m.Items {
		if it.ID == id {
			return it, true
		}
	}
	return Item{}, false
}

// DefaultCatalog returns the embedded demo catalog.
func DefaultCatalog() *Catalog {
	c, err := ParseCatalog(defaultCatalog)
	if err != nil {
		panic(fmt.Sprintf("embedded catalog: %v", err))
	}
	return c
}

// LoadCatalog reads and validates a catalog file.
func LoadCatalog(path string) (*Catalog, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	c, err := ParseCatalog(b)
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", path, err)
	}
	return c, nil
}

var (
	idPattern       = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)
)

// ParseCatalog decodes a catalog and checks it: ids are lowercase snake case
// and unique, every entry has a spoken name, and prices are positive.
func ParseCatalog(b []byte) (*Catalog, error) {
	var c Catalog
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if problems := c.problems(); len(problems) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return &c, nil
}

func (c *Catalog) problems() []string {
	var out []string
	if !currencyPattern.MatchString(c.Currency) {
		out = append(out, fmt.Sprintf("currency: %q is not an ISO 4217 code such as CNY", c.Currency))
	}
	if len(c.Merchants) == 0 {
		out = append(out, "merchants: the catalog lists no merchant")
	}
	seen := map[string]bool{}
	for i, m := range c.Merchants {
		at := fmt.Sprintf("merchants[%d]", i)
		if !idPattern.MatchString(m.ID) {
			out = append(out, fmt.Sprintf("%s.id: %q must be lowercase letters, digits and underscores", at, m.ID))
		}
		if seen[m.ID] {
			out = append(out, fmt.Sprintf("%s.id: %q appears twice", at, m.ID))
		}
		seen[m.ID] = true
		if len(m.Say) == 0 {
			out = append(out, fmt.Sprintf("%s.say: give at least one spoken name", at))
		}
		if len(m.Items) == 0 {
			out = append(out, fmt.Sprintf("%s.items: the merchant sells nothing", at))
		}
		items := map[string]bool{}
		for j, it := range m.Items {
			at := fmt.Sprintf("%s.items[%d]", at, j)
			if !idPattern.MatchString(it.ID) {
				out = append(out, fmt.Sprintf("%s.id: %q must be lowercase letters, digits and underscores", at, it.ID))
			}
			if items[it.ID] {
				out = append(out, fmt.Sprintf("%s.id: %q appears twice", at, it.ID))
			}
			items[it.ID] = true
			if len(it.Say) == 0 {
				out = append(out, fmt.Sprintf("%s.say: give at least one spoken name", at))
			}
			if it.Price <= 0 {
				out = append(out, fmt.Sprintf("%s.price: %d must be a positive amount in minor units", at, it.Price))
			}
		}
	}
	return out
}

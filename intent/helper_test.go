package intent_test

import (
	"sync"
	"testing"

	"github.com/voicepay/voicepay/config"
	"github.com/voicepay/voicepay/intent"
)

// Vocabulary converts a config catalog to what the parser needs.
func Vocabulary(c *config.Catalog) intent.Vocabulary {
	var v intent.Vocabulary
	for _, m := range c.Merchants {
		im := intent.Merchant{ID: m.ID, Say: m.Say}
		for _, it := range m.Items {
			im.Items = append(im.Items, intent.Entity{ID: it.ID, Say: it.Say})
		}
		v.Merchants = append(v.Merchants, im)
	}
	return v
}

var (
	defaultOnce   sync.Once
	defaultParser *intent.Parser
	defaultErr    error
)

// MustDefaultParser returns the parser of the default templates and the
// default catalog, compiled once.
func MustDefaultParser(tb testing.TB) *intent.Parser {
	tb.Helper()
	defaultOnce.Do(func() {
		defaultParser, defaultErr = intent.Compile(intent.DefaultTemplates(), Vocabulary(config.DefaultCatalog()))
	})
	if defaultErr != nil {
		tb.Fatalf("compile default templates: %v", defaultErr)
	}
	return defaultParser
}

// MustDefaultParserFresh compiles the default templates and catalog anew.
func MustDefaultParserFresh(tb testing.TB) *intent.Parser {
	tb.Helper()
	p, err := intent.Compile(intent.DefaultTemplates(), Vocabulary(config.DefaultCatalog()))
	if err != nil {
		tb.Fatalf("compile default templates: %v", err)
	}
	return p
}

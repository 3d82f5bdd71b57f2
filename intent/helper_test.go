package intent_test

import (
	"sync"
	"testing"

	"github.com/voicepay/voicepay/config"
	"github.com/voicepay/voicepay/intent"
)

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
		defaultParser, defaultErr = intent.Compile(intent.DefaultTemplates(), config.DefaultCatalog().Vocabulary())
	})
	if defaultErr != nil {
		tb.Fatalf("compile default templates: %v", defaultErr)
	}
	return defaultParser
}

// MustDefaultParserFresh compiles the default templates and catalog anew.
func MustDefaultParserFresh(tb testing.TB) *intent.Parser {
	tb.Helper()
	p, err := intent.Compile(intent.DefaultTemplates(), config.DefaultCatalog().Vocabulary())
	if err != nil {
		tb.Fatalf("compile default templates: %v", err)
	}
	return p
}

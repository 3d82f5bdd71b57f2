package sphinx_test

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/voicepay/voicepay/config"
	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/voice/sphinx"
)

var (
	parserOnce sync.Once
	parser     *intent.Parser
	parserErr  error
)

// MustParser returns the parser of the default templates and catalog,
// compiled once.
func MustParser(tb testing.TB) *intent.Parser {
	tb.Helper()
	parserOnce.Do(func() {
		parser, parserErr = intent.Compile(intent.DefaultTemplates(), config.DefaultCatalog().Vocabulary())
	})
	if parserErr != nil {
		tb.Fatalf("compile default templates: %v", parserErr)
	}
	return parser
}

// withGrammar gives cfg the full default grammar if it has none.
func withGrammar(tb testing.TB, cfg sphinx.Config) sphinx.Config {
	if cfg.Grammar == nil {
		cfg.Grammar = MustParser(tb).Grammar()
	}
	return cfg
}

// MustRecognizer returns a recognizer listening with the full default
// grammar, closed at the end of the test.
func MustRecognizer(tb testing.TB, cfg sphinx.Config) *sphinx.Recognizer {
	tb.Helper()
	r, err := sphinx.New(withGrammar(tb, cfg))
	if err != nil {
		tb.Fatalf("new recognizer: %v", err)
	}
	tb.Cleanup(func() {
		if err := r.Close(); err != nil {
			tb.Errorf("close recognizer: %v", err)
		}
	})
	return r
}

// readWAV reads a 16 kHz mono PCM16 WAV file, as the fixtures are written.
func readWAV(path string) ([]int16, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, errors.New("not a WAV file")
	}
	var fmtOK bool
	for p := 12; p+8 <= len(b); {
		id, size := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:p+8]))
		body := b[p+8 : min(p+8+size, len(b))]
		switch id {
		case "fmt ":
			if len(body) < 16 {
				return nil, errors.New("short fmt chunk")
			}
			format, channels := binary.LittleEndian.Uint16(body[0:2]), binary.LittleEndian.Uint16(body[2:4])
			rate, bits := binary.LittleEndian.Uint32(body[4:8]), binary.LittleEndian.Uint16(body[14:16])
			if format != 1 || channels != 1 || rate != sphinx.SampleRate || bits != 16 {
				return nil, fmt.Errorf("want 16 kHz mono PCM16, got format %d, %d channels, %d Hz, %d bits", format, channels, rate, bits)
			}
			fmtOK = true
		case "data":
			if !fmtOK {
				return nil, errors.New("data before fmt")
			}
			out := make([]int16, len(body)/2)
			for i := range out {
				out[i] = int16(binary.LittleEndian.Uint16(body[2*i:]))
			}
			return out, nil
		}
		p += 8 + size + size%2
	}
	return nil, errors.New("no data chunk")
}

var seedFlag = flag.Uint64("seed", 0, "seed for the randomized tests; 0 picks one from the clock")

// seed returns the seed of a randomized test and logs how to replay it.
func seed(t *testing.T) uint64 {
	t.Helper()
	s := *seedFlag
	if s == 0 {
		s = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (replay: go test ./voice/sphinx/ -run '^%s$' -seed %d)", s, t.Name(), s)
	return s
}

package intent_test

import (
	"slices"
	"testing"
	"time"
)

// BenchmarkParse parses a mix of in-domain and out-of-domain sentences, one
// per iteration.
func BenchmarkParse(b *testing.B) {
	p := MustDefaultParser(b)
	var texts []string
	for _, tc := range inDomain {
		texts = append(texts, tc.text)
	}
	texts = append(texts, outOfDomain...)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		p.Parse(texts[i%len(texts)])
	}
}

// BenchmarkCompile builds the default parser.
func BenchmarkCompile(b *testing.B) {
	for b.Loop() {
		MustDefaultParserFresh(b)
	}
}

// BenchmarkParseLatency times every call and reports the median and the 99th
// percentile, which is what a spoken turn waits on. `make bench` prints them.
func BenchmarkParseLatency(b *testing.B) {
	p := MustDefaultParser(b)
	var texts []string
	for _, tc := range inDomain {
		texts = append(texts, tc.text)
	}
	texts = append(texts, outOfDomain...)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		p.Parse(texts[i%len(texts)])
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
}

package sphinx_test

import (
	"context"
	"runtime"
	"testing"

	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/voice/sphinx"
	"github.com/voicepay/voicepay/voice/sphinx/internal/cheap"
)

// heap is the C heap in use, in bytes. Resident memory is no measure
// here: malloc keeps freed memory in per-thread arenas, and cgo calls run
// on whichever thread is free, so resident memory grows for a while even
// when nothing leaks.
func heap() int64 {
	runtime.GC()
	return cheap.InUse()
}

// TestNoLeak runs 200 utterances (whole and streamed, with grammar
// switches and verification passes) and then whole recognizers through
// New and Close: the C memory the library holds must not grow with use.
func TestNoLeak(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about 20 s")
	}
	p := MustParser(t)
	r := MustRecognizer(t, sphinx.Config{Verify: func(text string) bool { return intent.MovesMoney(p.Parse(text).Intent) }})
	ctx := context.Background()
	clips := [][]int16{
		MustClip(t, "in04-us140-clean.wav"),
		MustClip(t, "in15-f3175-noisy.wav"),
		MustClip(t, "in11-gb140-clean.wav"),
		MustClip(t, "out02-m7175-clean.wav"),
	}
	grammars := []*intent.Graph{p.Grammar(), p.Grammar(intent.OrderConfirm, intent.OrderCancel, intent.OrderModify), p.Grammar(intent.PaymentAuthorize, intent.OrderCancel)}
	run := func(n int) {
		for i := range n {
			if err := r.SetGrammar(ctx, grammars[i%len(grammars)]); err != nil {
				t.Fatal(err)
			}
			s := clips[i%len(clips)]
			if i%2 == 0 {
				if _, err := r.Decode(ctx, s); err != nil {
					t.Fatal(err)
				}
				continue
			}
			st, err := r.Start(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for off := 0; off < len(s); off += 1600 {
				if _, err := st.Process(s[off:min(off+1600, len(s))]); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := st.End(); err != nil {
				t.Fatal(err)
			}
		}
	}
	run(200) // warm up: compiled grammars, garbage words, buffers
	before := heap()
	run(400)
	after := heap()
	t.Logf("C heap %.1f MB before 200 utterances, %.1f MB after", float64(before)/1e6, float64(after)/1e6)
	if grew := after - before; grew > 1<<20 {
		t.Errorf("C heap grew by %.1f MB over 200 utterances", float64(grew)/1e6)
	}

	cfg := sphinx.Config{Grammar: p.Grammar()}
	cycle := func() {
		r, err := sphinx.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Decode(ctx, clips[0]); err != nil {
			t.Fatal(err)
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
	}
	cycle()
	before = heap()
	for range 10 {
		cycle()
	}
	after = heap()
	t.Logf("C heap %.1f MB before 10 recognizers, %.1f MB after", float64(before)/1e6, float64(after)/1e6)
	if grew := after - before; grew > 1<<20 {
		t.Errorf("C heap grew by %.1f MB over 10 recognizers made and closed", float64(grew)/1e6)
	}
}

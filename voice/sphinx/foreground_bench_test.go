package sphinx_test

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/voice"
	"github.com/voicepay/voicepay/voice/voicetest"
)

// BenchmarkForeground measures what voice.Foreground does for the
// recognizer: each clip of the broad set is placed between a second and a
// second and a half of its own noise (babble of four other clips for a
// babble clip, a quiet room for a clean one), the real endpointer cuts the
// utterance, and it is decoded whole and trimmed, with the full grammar
// and verification as the daemon runs them. Run it with:
//
//	go test -run '^$' -bench Foreground -benchtime 1x -v ./voice/sphinx
func BenchmarkForeground(b *testing.B) {
	clips := MustBroadFixtures(b)
	var cleans []clip
	for _, c := range clips {
		if !c.noisy {
			cleans = append(cleans, c)
		}
	}
	r := MustRecognizer(b, MoneyConfig(b))
	p := MustParser(b)
	e, err := voice.NewEndpointer(voice.DefaultVADConfig())
	if err != nil {
		b.Fatal(err)
	}
	var whole, trimmed map[string]*group
	for range b.N {
		whole, trimmed = map[string]*group{}, map[string]*group{}
		for n, c := range clips {
			x, from, to := noiseAround(b, c, n, cleans)
			utt := utteranceOver(e, x, from, to)
			if utt == nil {
				continue
			}
			for _, v := range []struct {
				samples []int16
				into    map[string]*group
				name    string
			}{{utt, whole, "whole"}, {voice.Foreground(utt), trimmed, "trimmed"}} {
				res, err := r.Decode(context.Background(), v.samples)
				if err != nil {
					b.Fatal(err)
				}
				o := outcome{clip: c, res: res, parsed: p.Parse(res.Text)}
				for _, k := range []string{"all", noiseOf(c)} {
					if v.into[k] == nil {
						v.into[k] = &group{}
					}
					v.into[k].add(o)
				}
				if c.outDomain && intent.Acts(o.parsed.Intent) && !asksNothing(o.parsed) {
					b.Logf("out of domain, %s: %s %q heard %q", v.name, c.file, c.text, res.Text)
				}
			}
		}
	}
	for _, k := range []string{"all", "clean", "white", "pink", "brown", "babble"} {
		w, t := whole[k], trimmed[k]
		if w == nil || t == nil {
			continue
		}
		b.Logf("%-7s commands %s -> %s   out of domain heard as nothing %s -> %s, as money %d -> %d", k,
			w.commands(), t.commands(), w.ood, t.ood, w.money, t.money)
	}
	b.ReportMetric(100*whole["all"].commands().Rate(), "whole-commands-%")
	b.ReportMetric(100*trimmed["all"].commands().Rate(), "trimmed-commands-%")
	b.ReportMetric(100*trimmed["babble"].commands().Rate(), "trimmed-babble-%")
	b.ReportMetric(100*trimmed["all"].ood.Rate(), "trimmed-ood-none-%")
}

func noiseOf(c clip) string {
	if !c.noisy {
		return "clean"
	}
	return c.noise
}

// noiseAround is clip c between 1 to 1.25 s of its noise before and 1.5 to
// 1.75 s after, and where its speech is.
func noiseAround(tb testing.TB, c clip, n int, cleans []clip) (x []int16, from, to int) {
	noisy, err := readWAV(filepath.Join(fixtureDir, c.file))
	if err != nil {
		tb.Fatal(err)
	}
	clean, err := readWAV(filepath.Join(fixtureDir, strings.Replace(c.file, "-noisy.wav", "-clean.wav", 1)))
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(n), 7))
	before, after := voice.SampleRate+rng.IntN(voice.SampleRate/4), voice.SampleRate*3/2+rng.IntN(voice.SampleRate/4)
	level := 32768 * math.Pow(10, -65/20.0) // a quiet room
	var noise []float64
	switch c.noise {
	case "white":
		noise = voicetest.WhiteNoise(rng, 1, before+after)
	case "pink":
		noise = voicetest.PinkNoise(rng, before+after)
	case "brown":
		noise = voicetest.BrownNoise(rng, before+after)
	case "babble":
		var talkers [][]int16
		for len(talkers) < 4 {
			if o := cleans[rng.IntN(len(cleans))]; o.text != c.text {
				w, err := readWAV(filepath.Join(fixtureDir, o.file))
				if err != nil {
					tb.Fatal(err)
				}
				talkers = append(talkers, w)
			}
		}
		noise = voicetest.Babble(rng, before+after, talkers)
	default:
		noise = voicetest.WhiteNoise(rng, 1, before+after)
	}
	if c.noisy {
		level = voicetest.MixedLevel(noisy, clean)
		voicetest.Normalize(noise)
	}
	x = make([]int16, 0, before+len(noisy)+after)
	put := func(v float64) { x = append(x, int16(max(-32768, min(32767, math.Round(v*level))))) }
	for _, v := range noise[:before] {
		put(v)
	}
	x = append(x, noisy...)
	for _, v := range noise[before:] {
		put(v)
	}
	from, to = voicetest.SpeechExtent(clean)
	return x, before + from, before + to
}

// utteranceOver runs the endpointer over x and returns the first utterance
// that overlaps the speech at from..to, or nil.
func utteranceOver(e *voice.Endpointer, x []int16, from, to int) []int16 {
	e.Reset()
	var utt []int16
	take := func(evs []voice.Event) {
		for _, ev := range evs {
			s, ok := ev.(voice.SpeechStopped)
			start := voice.SampleCount(s.Utterance.Start)
			if ok && utt == nil && start < to && start+len(s.Utterance.Samples) > from {
				utt = s.Utterance.Samples
			}
		}
	}
	const chunk = voice.SampleRate / 100
	for off := 0; off < len(x); off += chunk {
		take(e.Write(x[off:min(off+chunk, len(x))]))
	}
	take(e.Flush())
	return utt
}

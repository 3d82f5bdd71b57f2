package voice_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/voicepay/voicepay/voice"
	"github.com/voicepay/voicepay/voice/voicetest"
)

// speechLike is a voiced, syllabic stand-in for speech: the first twenty
// harmonics of a 140 Hz voice under a 4 Hz syllable envelope that falls to
// zero between syllables, at the given RMS level in dBFS.
func speechLike(d time.Duration, levelDB float64) []float64 {
	n := voice.SampleCount(d)
	x := make([]float64, n)
	var sq float64
	for i := range x {
		t := float64(i) / voice.SampleRate
		var v float64
		for k := 1; k <= 20; k++ {
			v += math.Sin(2*math.Pi*140*float64(k)*t) / float64(k)
		}
		x[i] = v * math.Abs(math.Sin(2*math.Pi*2*t))
		sq += x[i] * x[i]
	}
	gain := math.Pow(10, levelDB/20) / math.Sqrt(sq/float64(max(n, 1)))
	for i := range x {
		x[i] *= gain
	}
	return x
}

// span is a stretch of time.
type span struct{ from, to time.Duration }

// scene is total audio of white noise at noiseDB (none if below -100) with
// speechLike at speechDB over each span.
func scene(rng *rand.Rand, total time.Duration, noiseDB, speechDB float64, spans ...span) []int16 {
	x := make([]float64, voice.SampleCount(total))
	if noiseDB > -100 {
		x = voicetest.WhiteNoise(rng, math.Pow(10, noiseDB/20), len(x))
	}
	for _, s := range spans {
		at := voice.SampleCount(s.from)
		for i, v := range speechLike(s.to-s.from, speechDB) {
			x[at+i] += v
		}
	}
	return pcm(x)
}

// endpoint runs samples through a new Endpointer with cfg, in chunks of the
// given size (all at once if 0), then flushes it, and returns every event.
func endpoint(t testing.TB, cfg voice.VADConfig, samples []int16, chunk int) []voice.Event {
	t.Helper()
	e, err := voice.NewEndpointer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var events []voice.Event
	if chunk <= 0 {
		chunk = max(1, len(samples))
	}
	for rest := samples; len(rest) > 0; {
		k := min(chunk, len(rest))
		events = append(events, e.Write(rest[:k])...)
		rest = rest[k:]
	}
	return append(events, e.Flush()...)
}

// utterances checks the order and consistency of events against the input
// they came from, and returns the utterances.
func utterances(t testing.TB, cfg voice.VADConfig, samples []int16, events []voice.Event) []voice.SpeechStopped {
	t.Helper()
	var out []voice.SpeechStopped
	var started *voice.SpeechStarted
	var audio []int16
	var audioStart time.Duration
	var paused *voice.SpeechPaused // the last SpeechPaused, unless audio came after it
	for _, ev := range events {
		switch ev := ev.(type) {
		case voice.SpeechStarted:
			if started != nil {
				t.Fatalf("SpeechStarted at %s inside an utterance", ev.At)
			}
			started, audio = &ev, nil
		case voice.SpeechAudio:
			if started == nil {
				t.Fatalf("SpeechAudio at %s outside an utterance", ev.At)
			}
			if len(audio) == 0 {
				audioStart = ev.At
			} else if want := audioStart + voice.Duration(len(audio)); ev.At != want {
				t.Errorf("SpeechAudio at %s, want %s right after the previous", ev.At, want)
			}
			audio = append(audio, ev.Samples...)
			paused = nil
		case voice.SpeechPaused:
			if started == nil {
				t.Fatalf("SpeechPaused at %s outside an utterance", ev.At)
			}
			if !equal(audio, ev.Utterance.Samples) || audioStart != ev.Utterance.Start {
				t.Errorf("SpeechPaused at %s: its utterance is not the audio sent so far", ev.At)
			}
			if d := ev.At - ev.Utterance.SpeechEnd; d < cfg.Tail || d >= cfg.Hangover {
				t.Errorf("SpeechPaused %s after the speech, want %s..%s", d, cfg.Tail, cfg.Hangover)
			}
			paused = &ev
		case voice.SpeechStopped:
			if started == nil {
				t.Fatalf("SpeechStopped at %s without SpeechStarted", ev.At)
			}
			u := ev.Utterance
			if u.SpeechStart != started.At {
				t.Errorf("utterance SpeechStart %s, SpeechStarted.At %s", u.SpeechStart, started.At)
			}
			if !equal(audio, u.Samples) || audioStart != u.Start {
				t.Errorf("SpeechAudio events (%d samples) do not join into the utterance (%d)", len(audio), len(u.Samples))
			}
			start := voice.SampleCount(u.Start)
			if start < 0 || start+len(u.Samples) > len(samples) || !equal(u.Samples, samples[start:start+len(u.Samples)]) {
				t.Errorf("utterance [%s, %s) is not the input's samples there", u.Start, u.End())
			}
			if pre := u.SpeechStart - u.Start; pre < 0 || pre > cfg.PreRoll {
				t.Errorf("pre-roll of %s, want 0..%s", pre, cfg.PreRoll)
			}
			if d := u.End() - u.SpeechStart; d > cfg.MaxSpeech+cfg.Frame {
				t.Errorf("utterance of %s since its start, MaxSpeech is %s", d, cfg.MaxSpeech)
			}
			if tail := u.End() - u.SpeechEnd; tail > cfg.Tail || ev.Reason == voice.StopSilence && tail != cfg.Tail {
				t.Errorf("utterance stopped by %s keeps %s after the speech, Tail is %s", ev.Reason, tail, cfg.Tail)
			}
			if ev.Reason == voice.StopSilence && (paused == nil || !paused.Utterance.Same(u)) {
				t.Errorf("utterance stopped by silence at %s was not given by a SpeechPaused just before", ev.At)
			}
			paused = nil
			out = append(out, ev)
			started = nil
		}
	}
	if started != nil {
		t.Errorf("SpeechStarted at %s never stopped", started.At)
	}
	return out
}

func TestEndpointerScenes(t *testing.T) {
	cfg := voice.DefaultVADConfig()
	s := time.Second
	ms := time.Millisecond
	for _, tt := range []struct {
		name              string
		total             time.Duration
		noiseDB, speechDB float64
		speech            []span
		want              []span // the speech found; nil for none
		reasons           []voice.StopReason
	}{
		{name: "quiet room", total: 4 * s, noiseDB: -60, speechDB: -25,
			speech: []span{{1 * s, 2500 * ms}}, want: []span{{1 * s, 2500 * ms}}},
		{name: "10 dB SNR", total: 4 * s, noiseDB: -35, speechDB: -25,
			speech: []span{{1 * s, 2500 * ms}}, want: []span{{1 * s, 2500 * ms}}},
		{name: "5 dB SNR", total: 4 * s, noiseDB: -30, speechDB: -25,
			speech: []span{{1 * s, 2500 * ms}}, want: []span{{1 * s, 2500 * ms}}},
		{name: "digital silence around", total: 4 * s, noiseDB: -200, speechDB: -20,
			speech: []span{{1 * s, 2 * s}}, want: []span{{1 * s, 2 * s}}},
		{name: "speech from the first sample", total: 3 * s, noiseDB: -60, speechDB: -25,
			speech: []span{{0, 1500 * ms}}, want: []span{{0, 1500 * ms}}},
		{name: "two utterances", total: 6 * s, noiseDB: -50, speechDB: -25,
			speech: []span{{1 * s, 2 * s}, {3 * s, 4500 * ms}}, want: []span{{1 * s, 2 * s}, {3 * s, 4500 * ms}}},
		{name: "a pause shorter than the hangover", total: 5 * s, noiseDB: -50, speechDB: -25,
			speech: []span{{1 * s, 2 * s}, {2400 * ms, 3 * s}}, want: []span{{1 * s, 3 * s}}},
		{name: "a blip is dropped", total: 3 * s, noiseDB: -50, speechDB: -20,
			speech: []span{{1 * s, 1100 * ms}}},
		{name: "ends with the input", total: 2 * s, noiseDB: -50, speechDB: -25,
			speech: []span{{1 * s, 2 * s}}, want: []span{{1 * s, 2 * s}}, reasons: []voice.StopReason{voice.StopEndOfInput}},
		{name: "cut at MaxSpeech", total: 24 * s, noiseDB: -50, speechDB: -25,
			speech: []span{{1 * s, 23 * s}}, want: []span{{1 * s, 0}, {11 * s, 0}, {21 * s, 23 * s}},
			reasons: []voice.StopReason{voice.StopMaxLength, voice.StopMaxLength, voice.StopSilence}},
		{name: "silence", total: 5 * s, noiseDB: -200},
		{name: "60 s of noise", total: 60 * s, noiseDB: -30},
		{name: "digital silence, then 59 s of noise", total: 60 * s, noiseDB: -30,
			speech: nil, want: nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			samples := scene(rng, tt.total, tt.noiseDB, tt.speechDB, tt.speech...)
			if strings.HasPrefix(tt.name, "digital silence, then") {
				clear(samples[:voice.SampleRate])
			}
			got := utterances(t, cfg, samples, endpoint(t, cfg, samples, 0))
			if len(got) != len(tt.want) {
				for _, u := range got {
					t.Logf("found speech %s..%s (%s)", u.Utterance.SpeechStart, u.Utterance.SpeechEnd, u.Reason)
				}
				t.Fatalf("found %d utterances, want %d", len(got), len(tt.want))
			}
			for i, w := range tt.want {
				u := got[i].Utterance
				// The envelope starts and ends at zero: allow a few
				// frames for it to rise above the noise.
				if u.SpeechStart < w.from-cfg.Frame || u.SpeechStart > w.from+4*cfg.Frame {
					t.Errorf("utterance %d: speech starts at %s, want about %s", i, u.SpeechStart, w.from)
				}
				reason := voice.StopSilence
				if tt.reasons != nil {
					reason = tt.reasons[i]
				}
				if reason == voice.StopMaxLength {
					// Cut MaxSpeech after its start, at a frame's end.
					if d := got[i].At - u.SpeechStart; d < cfg.MaxSpeech || d >= cfg.MaxSpeech+cfg.Frame {
						t.Errorf("utterance %d: cut %s after its start, want %s", i, d, cfg.MaxSpeech)
					}
				} else if u.SpeechEnd < w.to-4*cfg.Frame || u.SpeechEnd > w.to+cfg.Frame {
					t.Errorf("utterance %d: speech ends at %s, want about %s", i, u.SpeechEnd, w.to)
				}
				if got[i].Reason != reason {
					t.Errorf("utterance %d stopped for %s, want %s", i, got[i].Reason, reason)
				}
			}
		})
	}
}

// TestEndpointerLouderNoise: when the noise jumps 30 dB, the floor catches
// up within seconds, with at most one utterance while it does.
func TestEndpointerLouderNoise(t *testing.T) {
	cfg := voice.DefaultVADConfig()
	rng := rand.New(rand.NewPCG(1, 3))
	quiet := scene(rng, 5*time.Second, -60, 0)
	loud := scene(rng, 30*time.Second, -30, 0)
	got := utterances(t, cfg, append(quiet, loud...), endpoint(t, cfg, append(quiet, loud...), 0))
	if len(got) > 1 {
		t.Fatalf("%d utterances, want at most 1", len(got))
	}
	for _, u := range got {
		if u.At > 15*time.Second {
			t.Errorf("the floor took until %s to learn the louder noise", u.At)
		}
	}
}

// TestEndpointerChunking feeds the same random scenes whole and in random
// chunks, and expects the same events.
func TestEndpointerChunking(t *testing.T) {
	rng := rand.New(rand.NewPCG(seed(t), 5))
	cfg := voice.DefaultVADConfig()
	for round := range 20 {
		var spans []span
		at := time.Duration(rng.IntN(2000)) * time.Millisecond
		for range 1 + rng.IntN(4) {
			d := time.Duration(50+rng.IntN(3000)) * time.Millisecond
			spans = append(spans, span{at, at + d})
			at += d + time.Duration(rng.IntN(2000))*time.Millisecond
		}
		samples := scene(rng, at+time.Duration(rng.IntN(1000))*time.Millisecond, -70+40*rng.Float64(), -30+10*rng.Float64(), spans...)
		whole := endpoint(t, cfg, samples, 0)
		utterances(t, cfg, samples, whole)
		for _, chunk := range []int{1, 7, 160, 479, 480, 481, 4096, 1 + rng.IntN(20000)} {
			if got := endpoint(t, cfg, samples, chunk); !reflect.DeepEqual(got, whole) {
				t.Fatalf("round %d: chunks of %d gave %d events, whole gave %d", round, chunk, len(got), len(whole))
			}
		}
	}
}

// TestEndpointerEspeak runs real synthesized speech, clean and in noise,
// and expects exactly one utterance covering it.
func TestEndpointerEspeak(t *testing.T) {
	cfg := voice.DefaultVADConfig()
	for _, text := range []string{"buy two lattes from luckin coffee", "enable alipay payment function", "cancel order"} {
		f, err := os.Open(espeak(t, text))
		if err != nil {
			t.Fatal(err)
		}
		speech, _, err := voice.ReadWAV(f, nil)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		// Where the speech is loud, frame by frame.
		frame := voice.SampleCount(cfg.Frame)
		first, last := -1, -1
		for i := 0; i+frame <= len(speech); i += frame {
			if voicetest.DBFS(speech[i:i+frame]) > -40 {
				if first < 0 {
					first = i
				}
				last = i + frame
			}
		}
		for _, tt := range []struct {
			name    string
			pad     time.Duration
			noiseDB float64
		}{
			{"as rendered", 0, -200},
			{"in a quiet room", time.Second, -60},
			{"at about 10 dB SNR", time.Second, voicetest.DBFS(speech) - 10},
		} {
			t.Run(text+"/"+tt.name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(1, 4))
				pad := voice.SampleCount(tt.pad)
				total := 2*pad + len(speech)
				samples := scene(rng, voice.Duration(total), tt.noiseDB, 0)
				for i, v := range speech {
					samples[pad+i] = int16(max(-32768, min(32767, int(samples[pad+i])+int(v))))
				}
				got := utterances(t, cfg, samples, endpoint(t, cfg, samples, 0))
				if len(got) != 1 {
					for _, u := range got {
						t.Logf("found speech %s..%s", u.Utterance.SpeechStart, u.Utterance.SpeechEnd)
					}
					t.Fatalf("found %d utterances, want 1", len(got))
				}
				u := got[0].Utterance
				loud := span{voice.Duration(pad + first), voice.Duration(pad + last)}
				if u.Start > loud.from || u.End() < loud.to {
					t.Errorf("utterance [%s, %s) does not cover the loud speech [%s, %s)", u.Start, u.End(), loud.from, loud.to)
				}
				if u.SpeechStart < tt.pad-cfg.Frame || u.SpeechEnd > voice.Duration(pad+len(speech))+cfg.Frame {
					t.Errorf("speech found at [%s, %s), outside the speech at [%s, %s)", u.SpeechStart, u.SpeechEnd, tt.pad, voice.Duration(pad+len(speech)))
				}
				t.Logf("speech [%s, %s), utterance [%s, %s)", u.SpeechStart, u.SpeechEnd, u.Start, u.End())
			})
		}
	}
}

func TestNewEndpointerValidates(t *testing.T) {
	for _, tt := range []struct {
		field string
		edit  func(*voice.VADConfig)
	}{
		{"Frame", func(c *voice.VADConfig) { c.Frame = 5 * time.Millisecond }},
		{"Frame", func(c *voice.VADConfig) { c.Frame = 30*time.Millisecond + 1 }},
		{"PreRoll", func(c *voice.VADConfig) { c.PreRoll = -1 }},
		{"Hangover", func(c *voice.VADConfig) { c.Hangover = time.Millisecond }},
		{"Tail", func(c *voice.VADConfig) { c.Tail = 0 }},
		{"Tail", func(c *voice.VADConfig) { c.Tail = c.Hangover }},
		{"MinSpeech", func(c *voice.VADConfig) { c.MinSpeech = -1 }},
		{"MaxSpeech", func(c *voice.VADConfig) { c.MaxSpeech = c.MinSpeech }},
		{"MarginDB", func(c *voice.VADConfig) { c.MarginDB = math.NaN() }},
		{"MinLevelDB", func(c *voice.VADConfig) { c.MinLevelDB = 3 }},
		{"NoiseTrack", func(c *voice.VADConfig) { c.NoiseTrack = time.Millisecond }},
		{"NoiseWindow", func(c *voice.VADConfig) { c.NoiseWindow = 0 }},
		{"MaxZeroCrossings", func(c *voice.VADConfig) { c.MaxZeroCrossings = -1 }},
	} {
		cfg := voice.DefaultVADConfig()
		tt.edit(&cfg)
		if _, err := voice.NewEndpointer(cfg); err == nil || !strings.Contains(err.Error(), tt.field) {
			t.Errorf("bad %s: error %v does not name it", tt.field, err)
		}
	}
}

// TestEndpointerPause: SpeechPaused comes Tail after the last speech frame,
// while the hangover still runs, and SpeechStopped a Hangover after it.
// A pause the person speaks on after gives a SpeechPaused whose utterance
// is not the one that stops; the last pause's is.
func TestEndpointerPause(t *testing.T) {
	cfg := voice.DefaultVADConfig()
	ms := time.Millisecond
	rng := rand.New(rand.NewPCG(3, 4))
	samples := scene(rng, 4*time.Second, -55, -25, span{1000 * ms, 1600 * ms}, span{2000 * ms, 2600 * ms})
	e, err := voice.NewEndpointer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var paused []voice.SpeechPaused
	var pausedAt []time.Duration // how much input had been written
	var stopped []voice.SpeechStopped
	var stoppedAt time.Duration
	step := voice.SampleCount(cfg.Frame)
	for off := 0; off < len(samples); off += step {
		for _, ev := range e.Write(samples[off:min(off+step, len(samples))]) {
			switch ev := ev.(type) {
			case voice.SpeechPaused:
				paused = append(paused, ev)
				pausedAt = append(pausedAt, voice.Duration(off+step))
			case voice.SpeechStopped:
				stopped = append(stopped, ev)
				stoppedAt = voice.Duration(off + step)
			}
		}
	}
	if len(paused) != 2 || len(stopped) != 1 {
		t.Fatalf("%d pauses and %d stops, want 2 and 1", len(paused), len(stopped))
	}
	u := stopped[0].Utterance
	for i, p := range paused {
		if d := pausedAt[i] - p.Utterance.SpeechEnd; d != cfg.Tail {
			t.Errorf("pause %d came %s after the speech, want Tail (%s)", i, d, cfg.Tail)
		}
	}
	if d := stoppedAt - u.SpeechEnd; d != cfg.Hangover {
		t.Errorf("stop came %s after the speech, want Hangover (%s)", d, cfg.Hangover)
	}
	if paused[0].Utterance.Same(u) || !paused[1].Utterance.Same(u) {
		t.Errorf("the first pause's utterance is the stopped one: %v; the second's: %v", paused[0].Utterance.Same(u), paused[1].Utterance.Same(u))
	}
	if u.SpeechEnd < 2500*ms || u.SpeechEnd > 2700*ms {
		t.Errorf("speech ended at %s, want about 2.6s", u.SpeechEnd)
	}
}

// TestEndpointerZeroCrossings: with the check on, hiss loud enough to pass
// the energy test is still not speech, while voiced speech is.
func TestEndpointerZeroCrossings(t *testing.T) {
	cfg := voice.DefaultVADConfig()
	cfg.MaxZeroCrossings = 0.3
	rng := rand.New(rand.NewPCG(1, 5))
	quiet := scene(rng, time.Second, -60, 0)
	hiss := scene(rng, 2*time.Second, -20, 0) // white noise crosses zero about half the time
	samples := append(append(quiet, hiss...), scene(rng, 3*time.Second, -60, -25, span{time.Second, 2 * time.Second})...)
	got := utterances(t, cfg, samples, endpoint(t, cfg, samples, 0))
	for _, u := range got {
		t.Logf("found speech %s..%s", u.Utterance.SpeechStart, u.Utterance.SpeechEnd)
	}
	if len(got) != 1 || got[0].Utterance.SpeechStart < 4*time.Second-cfg.Frame {
		t.Fatalf("found %d utterances, want the speech at 4s only", len(got))
	}
}

// BenchmarkEndpointer runs 10 s of speech in noise per iteration and
// reports the real-time factor and the time per 30 ms frame.
func BenchmarkEndpointer(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 6))
	samples := scene(rng, 10*time.Second, -45, -25, span{time.Second, 4 * time.Second}, span{6 * time.Second, 9 * time.Second})
	e, _ := voice.NewEndpointer(voice.DefaultVADConfig())
	b.SetBytes(int64(2 * len(samples)))
	b.ResetTimer()
	for b.Loop() {
		for i := 0; i < len(samples); i += 320 {
			e.Write(samples[i:min(i+320, len(samples))])
		}
		e.Flush()
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)/10, "rtf")
	frames := len(samples) / voice.SampleCount(voice.DefaultVADConfig().Frame)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(frames), "ns/frame")
}

// TestEndpointerRun reads a WAV file and a pushed stream through Run, and
// expects the events of the same samples written directly.
func TestEndpointerRun(t *testing.T) {
	cfg := voice.DefaultVADConfig()
	rng := rand.New(rand.NewPCG(1, 7))
	x := scene(rng, 5*time.Second, -50, -25, span{time.Second, 2 * time.Second}, span{3 * time.Second, 3500 * time.Millisecond})
	want := endpoint(t, cfg, x, 0)
	if len(utterances(t, cfg, x, want)) != 2 {
		t.Fatal("the scene should hold two utterances")
	}
	run := func(src voice.Source) []voice.Event {
		t.Helper()
		e, err := voice.NewEndpointer(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var got []voice.Event
		if err := e.Run(context.Background(), src, func(ev voice.Event) error {
			got = append(got, ev)
			return nil
		}); err != nil {
			t.Fatalf("Run: %v", err)
		}
		return got
	}
	floats := make([]float64, len(x))
	for i, v := range x {
		floats[i] = float64(v) / 32767
	}
	src, err := voice.NewWAVSource(bytes.NewReader(buildWAV(wavSpec{Rate: 16000, Channels: 1, Bits: 16}, floats)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := run(src); !reflect.DeepEqual(got, want) {
		t.Errorf("Run over a WAVSource: %d events, want %d", len(got), len(want))
	}

	stream, err := voice.NewStream(voice.Internal, nil)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		raw := pcmBytes(x)
		for len(raw) > 0 {
			k := min(len(raw), 1+rng.IntN(3000))
			stream.Write(raw[:k])
			raw = raw[k:]
		}
		stream.CloseWrite()
	}()
	if got := run(stream); !reflect.DeepEqual(got, want) {
		t.Errorf("Run over a Stream: %d events, want %d", len(got), len(want))
	}

	// Run stops at the first error from fn.
	stop := errors.New("stop")
	src, _ = voice.NewWAVSource(bytes.NewReader(buildWAV(wavSpec{Rate: 16000, Channels: 1, Bits: 16}, floats)), nil)
	e, _ := voice.NewEndpointer(cfg)
	if err := e.Run(context.Background(), src, func(voice.Event) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("Run returned %v, want fn's error", err)
	}
}

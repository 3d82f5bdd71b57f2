package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/voicepay/voicepay/agent/ws"
	"github.com/voicepay/voicepay/voice"
	"github.com/voicepay/voicepay/voice/voicetest"
)

// A scene is what a session's microphone hears for one trial: noise, the
// clip, more noise.
type scene struct {
	pcm      []int16
	from, to int // where the speech is, in samples of pcm
}

// The noise around a clip: at least lead before it and trail after it, each
// up to jitter longer, so that the sessions' streams do not run in step.
const (
	lead   = time.Second
	trail  = 1500 * time.Millisecond
	jitter = 250 * time.Millisecond
)

// floorDB is the level of the faint noise around a clean clip: a quiet
// room, which no microphone captures as digital silence.
const floorDB = -65

// babbleTalkers is how many people the babble around a clip is, and
// babbleClips how many clips each says, one after another, as
// testdata/fixtures.sh mixes it.
const (
	babbleTalkers = 4
	babbleClips   = 3
)

// sceneMaker makes the scenes of a fixture set's clips.
type sceneMaker struct {
	dir   string
	clean []voicetest.Clip // the set's clean clips, that babble is made of
}

func newSceneMaker(dir string) *sceneMaker {
	m := &sceneMaker{dir: dir}
	clips, _ := voicetest.ReadManifest(dir) // read before, by mustBenchClips
	for _, c := range clips {
		if !c.Noisy {
			m.clean = append(m.clean, c)
		}
	}
	return m
}

// make builds a trial's scene. Its noise is drawn from a random stream of
// the trial's own, so a run is the same every time.
func (m *sceneMaker) make(tr trial) (scene, error) {
	clip, err := voicetest.ReadWAV(filepath.Join(m.dir, tr.clip.File))
	if err != nil {
		return scene{}, err
	}
	clean := clip
	if tr.clip.Noisy {
		if clean, err = voicetest.ReadWAV(filepath.Join(m.dir, tr.clip.CleanFile())); err != nil {
			return scene{}, err
		}
	}
	from, to := voicetest.SpeechExtent(clean)
	if to <= from {
		return scene{}, fmt.Errorf("%s: no speech found", tr.clip.File)
	}
	rng := rand.New(rand.NewPCG(uint64(tr.n), 0x5eec4))
	before := voice.SampleCount(lead + time.Duration(rng.Int64N(int64(jitter))))
	after := voice.SampleCount(trail + time.Duration(rng.Int64N(int64(jitter))))
	noise, err := m.noise(rng, tr.clip, clip, clean, before+after)
	if err != nil {
		return scene{}, err
	}
	pcm := make([]int16, 0, before+len(clip)+after)
	pcm = appendPCM(pcm, noise[:before])
	pcm = append(pcm, clip...)
	pcm = appendPCM(pcm, noise[before:])
	return scene{pcm: pcm, from: before + from, to: before + to}, nil
}

// noise is n samples of the noise that goes on around a clip: of the
// clip's kind and level when it is noisy, a faint floor when it is clean.
func (m *sceneMaker) noise(rng *rand.Rand, c voicetest.Clip, clip, clean []int16, n int) ([]float64, error) {
	if !c.Noisy {
		return voicetest.WhiteNoise(rng, 32768*math.Pow(10, floorDB/20.0), n), nil
	}
	var x []float64
	switch c.Noise {
	case "white":
		x = voicetest.WhiteNoise(rng, 1, n)
	case "pink":
		x = voicetest.PinkNoise(rng, n)
	case "brown":
		x = voicetest.BrownNoise(rng, n)
	case "babble":
		talkers, err := m.talkers(rng, sentence(c.File))
		if err != nil {
			return nil, err
		}
		x = voicetest.Babble(rng, n, talkers)
	default:
		return nil, fmt.Errorf("%s: no noise %q", c.File, c.Noise)
	}
	level := voicetest.MixedLevel(clip, clean)
	for i, v := range voicetest.Normalize(x) {
		x[i] = v * level
	}
	return x, nil
}

// talkers picks the babble's talkers: each says clean clips of the set, of
// sentences other than the clip's own and each other's, one after another.
func (m *sceneMaker) talkers(rng *rand.Rand, self string) ([][]int16, error) {
	used := map[string]bool{self: true}
	talkers := make([][]int16, babbleTalkers)
	for t := range talkers {
		for range babbleClips {
			c := m.clean[rng.IntN(len(m.clean))]
			for used[sentence(c.File)] {
				c = m.clean[rng.IntN(len(m.clean))]
			}
			used[sentence(c.File)] = true
			x, err := voicetest.ReadWAV(filepath.Join(m.dir, c.File))
			if err != nil {
				return nil, err
			}
			talkers[t] = append(talkers[t], x...)
		}
	}
	return talkers, nil
}

// sentence is the id of a clip's sentence: "in04" of "in04-us140-clean.wav".
func sentence(file string) string {
	id, _, _ := strings.Cut(file, "-")
	return id
}

// appendPCM appends x, rounded and clipped to 16 bits.
func appendPCM(dst []int16, x []float64) []int16 {
	for _, v := range x {
		dst = append(dst, int16(max(-32768, min(32767, math.Round(v)))))
	}
	return dst
}

// frameSamples is the length of one binary frame: 20 ms.
const frameSamples = voice.SampleRate / 50

// benchFormat is the format of the frames.
var benchFormat = ws.AudioFormat{Encoding: "pcm16le", SampleRate: voice.SampleRate, Channels: 1}

// arrival is a server event and when it came.
type arrival struct {
	ws.ServerEvent
	at time.Time
}

// streamed is what the daemon sent back for a scene.
type streamed struct {
	start    time.Time     // when the scene's first sample was captured
	sent     []time.Time   // when each frame had gone
	samples  int           // in the scene
	stopSent time.Time     // when the last frame and audio.stop went
	late     time.Duration // the most a frame went after it was captured
	events   []arrival
}

// at is when the scene's sample i was captured, as a microphone gives it.
func (s streamed) at(i int) time.Time {
	return s.start.Add(voice.Duration(i))
}

// streamTime is how much of the scene had gone to the daemon at t, and,
// after the last frame, how long after it t is. It is the clock of the
// speech as the daemon hears it: were this process held up, it would stop
// rather than count time the daemon had no audio for.
func (s streamed) streamTime(t time.Time) time.Duration {
	k, _ := slices.BinarySearchFunc(s.sent, t, func(sent, t time.Time) int {
		if sent.After(t) {
			return 1
		}
		return -1
	})
	if k == 0 {
		return 0
	}
	if k < len(s.sent) {
		return voice.Duration(k*frameSamples) + min(t.Sub(s.sent[k-1]), voice.Duration(frameSamples))
	}
	return voice.Duration(s.samples) + max(0, t.Sub(s.stopSent))
}

// stream sends a scene in real time, one 20 ms frame as each is
// captured, then ends the stream and settles it, collecting every event
// of the stream with when it came.
func (s *benchSession) stream(ctx context.Context, sc scene) (streamed, error) {
	ctx, cancel := context.WithTimeout(ctx, voice.Duration(len(sc.pcm))+turnWait)
	defer cancel()
	id, err := s.client.StartAudio(&benchFormat)
	if err != nil {
		return streamed{}, err
	}
	out := streamed{start: time.Now(), samples: len(sc.pcm)}
	got := make(chan error, 1)
	go func() { got <- s.collect(ctx, id, &out) }()
	frame := make([]byte, 2*frameSamples)
	for k := 0; k*frameSamples < len(sc.pcm); k++ {
		samples := sc.pcm[k*frameSamples : min((k+1)*frameSamples, len(sc.pcm))]
		captured := out.at(k*frameSamples + len(samples))
		time.Sleep(time.Until(captured))
		out.late = max(out.late, time.Since(captured))
		for i, v := range samples {
			binary.LittleEndian.PutUint16(frame[2*i:], uint16(v))
		}
		if err := s.client.SendAudio(frame[:2*len(samples)]); err != nil {
			cancel()
			<-got
			return out, err
		}
		out.sent = append(out.sent, time.Now())
	}
	out.stopSent = time.Now()
	if err := s.client.StopAudio(id); err == nil {
		_, err = s.client.Settle(benchFormat)
	}
	if err != nil {
		cancel()
		<-got
		return out, err
	}
	return out, <-got
}

// collect reads the stream's events until the session.ready that settles
// it. The Settle is the only session.start the session sends.
func (s *benchSession) collect(ctx context.Context, id string, out *streamed) error {
	for {
		ev, err := s.client.Next(ctx)
		if err != nil {
			return fmt.Errorf("the stream's events: %w", err)
		}
		at := time.Now()
		switch {
		case ev.Type == "session.ready":
			return nil
		case ev.ReplyTo == id:
			out.events = append(out.events, arrival{ServerEvent: *ev, at: at})
		}
	}
}

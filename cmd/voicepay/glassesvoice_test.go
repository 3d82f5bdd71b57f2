package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"time"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/voice"
	"github.com/voicepay/voicepay/voice/voicetest"
)

// What the glasses of BenchmarkGlasses hear: commands of the espeak-ng
// fixture set, clean, over noise that never stops.

// glassesDir is the espeak-ng fixture set.
var glassesDir = filepath.Join("..", "..", "testdata", "audio")

// glassesQuestions are the intents said in idle that change nothing: most
// of what the glasses say.
var glassesQuestions = []string{intent.BalanceQuery, intent.HistoryQuery, intent.Help}

// A command is one clean clip the glasses say.
type command struct {
	file     string
	intent   string  // the intent it must be heard as
	pcm      []int16 // the clip, with its lead of quiet
	from, to int     // where its speech is, in samples of pcm
}

// glassesVoice is the material of the glasses: the commands, by the
// state they are said in, and loops of each kind of noise.
type glassesVoice struct {
	questions, orders, cancels []command
	level                      float64              // the median RMS of the commands' speech
	noises                     map[string][]float64 // unit RMS, looped
}

// glassesNoises are the kinds of noise the glasses hear, one per glasses
// in turn.
var glassesNoises = []string{"white", "pink", "brown", "babble"}

// noiseLoop is the length of each kind of noise, looped.
const noiseLoop = 20 * time.Second

// loadGlassesVoice reads the espeak-ng set's clean commands that the
// glasses say: questions in idle, orders in idle, and cancels of a draft.
// Babble is made of the broad set's clean clips, as BenchmarkDialogSpeech
// makes it.
func loadGlassesVoice() (*glassesVoice, error) {
	clips, err := voicetest.ReadManifest(glassesDir)
	if err != nil {
		return nil, err
	}
	v := &glassesVoice{noises: map[string][]float64{}}
	var levels []float64
	for _, c := range clips {
		if c.Noisy || c.OutDomain {
			continue
		}
		var to *[]command
		switch {
		case c.State == agent.StateIdle && slices.Contains(glassesQuestions, c.Intent):
			to = &v.questions
		case c.State == agent.StateIdle && c.Intent == intent.OrderCreate:
			to = &v.orders
		case c.State == agent.StateDrafted && c.Intent == intent.OrderCancel:
			to = &v.cancels
		default:
			continue
		}
		pcm, err := voicetest.ReadWAV(filepath.Join(glassesDir, c.File))
		if err != nil {
			return nil, err
		}
		from, to2 := voicetest.SpeechExtent(pcm)
		if to2 <= from {
			return nil, fmt.Errorf("%s: no speech found", c.File)
		}
		*to = append(*to, command{file: c.File, intent: c.Intent, pcm: pcm, from: from, to: to2})
		levels = append(levels, voicetest.RMS(pcm[from:to2]))
	}
	if len(v.questions) == 0 || len(v.orders) == 0 || len(v.cancels) == 0 {
		return nil, fmt.Errorf("%s: %d questions, %d orders, %d cancels: run make fixtures",
			glassesDir, len(v.questions), len(v.orders), len(v.cancels))
	}
	slices.Sort(levels)
	v.level = levels[len(levels)/2]
	rng := rand.New(rand.NewPCG(11, 0x91a55e5))
	n := voice.SampleCount(noiseLoop)
	talkers, err := newSceneMaker(benchDir).talkers(rng, "")
	if err != nil {
		return nil, fmt.Errorf("babble: %w", err)
	}
	v.noises["white"] = voicetest.WhiteNoise(rng, 1, n)
	v.noises["pink"] = voicetest.Normalize(voicetest.PinkNoise(rng, n))
	v.noises["brown"] = voicetest.Normalize(voicetest.BrownNoise(rng, n))
	v.noises["babble"] = voicetest.Normalize(voicetest.Babble(rng, n, talkers))
	return v, nil
}

// next picks what to say in state: a cancel of a draft, else a question,
// or one time in four an order.
func (v *glassesVoice) next(rng *rand.Rand, state string) command {
	switch {
	case state == agent.StateDrafted:
		return v.cancels[rng.IntN(len(v.cancels))]
	case rng.IntN(4) == 0:
		return v.orders[rng.IntN(len(v.orders))]
	}
	return v.questions[rng.IntN(len(v.questions))]
}

// A microphone is what one pair of glasses captures: its noise, from a
// place of its own in the loop, at a level of its own under speech, with
// the commands said over it.
type microphone struct {
	noise []float64
	at    int     // the next sample of noise
	gain  float64 // of the noise
	say   []int16 // what is left of the command being said
}

// newMicrophone hears noise of a kind at snr dB under the commands'
// speech.
func (v *glassesVoice) newMicrophone(rng *rand.Rand, kind string, snr float64) *microphone {
	noise := v.noises[kind]
	return &microphone{noise: noise, at: rng.IntN(len(noise)), gain: v.level * math.Pow(10, -snr/20)}
}

// frame fills pcm (PCM16LE) with the next samples, len(pcm)/2 of them.
func (m *microphone) frame(pcm []byte) {
	for i := 0; i+1 < len(pcm); i += 2 {
		x := m.noise[m.at] * m.gain
		m.at = (m.at + 1) % len(m.noise)
		if len(m.say) > 0 {
			x += float64(m.say[0])
			m.say = m.say[1:]
		}
		v := uint16(int16(max(-32768, min(32767, math.Round(x)))))
		pcm[i], pcm[i+1] = byte(v), byte(v>>8)
	}
}

// Package sphinx is voicepay's offline speech-to-text backend: CMU
// PocketSphinx (the Debian libpocketsphinx 0.8+5prealpha library and its
// pocketsphinx-en-us model) listening with a grammar, not a language model.
//
// The grammar is JSGF text, normally intent.Parser.JSGF: the recognizer can
// only hear sentences the parser understands. Words the model's dictionary
// lacks get pronunciations made by Pronounce (or given in
// Config.Pronunciations) when a grammar is loaded.
//
// # Rejection
//
// Speech outside the grammar must not come out as the nearest command. Two
// defences run on every utterance: a garbage loop of phones competes with
// the grammar (see Config.GarbageWeight), and the posterior probability of
// the winning sentence must reach Config.MinConfidence. A rejected
// utterance has Rejected set and no Text, so the parser yields none.
//
// # Concurrency
//
// A pocketsphinx decoder is not safe for concurrent use. A Recognizer owns
// one and lets one utterance through at a time: Decode, a Stream from
// Start until its End, and SetGrammar wait for each other, respecting their
// context while they wait. For parallel decoding, make several Recognizers;
// each loads its own copy of the model (about 25 MB).
package sphinx

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SampleRate is the only rate the recognizer takes: 16 kHz, mono, PCM16.
const SampleRate = 16000

// DefaultModelDir is where Debian's pocketsphinx-en-us package puts the
// model: the acoustic model in en-us/ and the dictionary
// cmudict-en-us.dict.
const DefaultModelDir = "/usr/share/pocketsphinx/model/en-us"

// Defaults of Config, measured on voicepay's fixtures (see the package
// tests).
const (
	DefaultGarbageWeight     = 1e-4
	DefaultPhoneWeight       = 0.05
	DefaultGarbageWordWeight = 0.01
	DefaultMinConfidence     = 0.0
	DefaultBeam              = 1e-48
	DefaultWordBeam          = 7e-29
	DefaultPhoneBeam         = 1e-48
	DefaultLanguageWeight    = 6.5
	DefaultMaxGrammars       = 16
	DefaultNoiseFloor        = -60.0
)

// ErrClosed is returned by a Recognizer after Close.
var ErrClosed = errors.New("sphinx: recognizer closed")

// Config configures a Recognizer. Zero fields take the defaults.
type Config struct {
	// ModelDir holds the acoustic model (en-us/) and the dictionary
	// (cmudict-en-us.dict). Default: DefaultModelDir.
	ModelDir string
	// Grammar is the JSGF text first listened for, with exactly one public
	// rule. Required.
	Grammar string
	// Pronunciations are phones (in Phones, space-separated) for words, used
	// instead of the dictionary and the generator.
	Pronunciations map[string]string

	// GarbageWeight is the weight (0..1] of the garbage loop against the
	// grammar: higher rejects more. Negative turns the loop off.
	GarbageWeight float64
	// GarbageWordWeight and PhoneWeight are the weights (0..1] of each
	// word and each phone in the garbage loop: higher rejects more.
	GarbageWordWeight float64
	PhoneWeight       float64
	// MinConfidence is the posterior probability below which a sentence is
	// rejected. Negative turns the threshold off.
	MinConfidence float64
	// NoiseFloor is the level, in dB below full scale, of the faint noise
	// added to all audio before decoding (see noiseFloor). -140 or lower
	// adds none. Default: DefaultNoiseFloor.
	NoiseFloor float64

	// Search beams and the language weight, as pocketsphinx's -beam,
	// -wbeam, -pbeam and -lw.
	Beam, WordBeam, PhoneBeam float64
	LanguageWeight            float64
	// Options are further pocketsphinx options ("-topn": "2"); they win
	// over everything above.
	Options map[string]string

	// MaxGrammars is how many compiled grammars SetGrammar keeps for
	// switching back cheaply. Default: DefaultMaxGrammars.
	MaxGrammars int
}

func (c *Config) setDefaults() {
	if c.ModelDir == "" {
		c.ModelDir = DefaultModelDir
	}
	or := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	or(&c.GarbageWeight, DefaultGarbageWeight)
	or(&c.PhoneWeight, DefaultPhoneWeight)
	or(&c.GarbageWordWeight, DefaultGarbageWordWeight)
	or(&c.MinConfidence, DefaultMinConfidence)
	or(&c.NoiseFloor, DefaultNoiseFloor)
	or(&c.Beam, DefaultBeam)
	or(&c.WordBeam, DefaultWordBeam)
	or(&c.PhoneBeam, DefaultPhoneBeam)
	or(&c.LanguageWeight, DefaultLanguageWeight)
	if c.MaxGrammars <= 0 {
		c.MaxGrammars = DefaultMaxGrammars
	}
}

// args are the decoder's options.
func (c *Config) args() []string {
	f := func(v float64) string { return fmt.Sprintf("%g", v) }
	opts := map[string]string{
		"-hmm":      filepath.Join(c.ModelDir, "en-us"),
		"-dict":     filepath.Join(c.ModelDir, "cmudict-en-us.dict"),
		"-samprate": "16000",
		"-beam":     f(c.Beam),
		"-wbeam":    f(c.WordBeam),
		"-pbeam":    f(c.PhoneBeam),
		"-lw":       f(c.LanguageWeight),
		"-bestpath": "yes",
	}
	for k, v := range c.Options {
		opts[k] = v
	}
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	args := []string{"voicepay"}
	for _, k := range keys {
		args = append(args, k, opts[k])
	}
	return args
}

// Result is what the recognizer heard in one utterance.
type Result struct {
	// Text is the sentence of the grammar heard, in its words; empty when
	// nothing was heard or the utterance was rejected.
	Text string
	// Confidence is the posterior probability of Text given the audio,
	// from the decoder's word lattice: 0..1, 0 when Text is empty. It
	// measures how much better this sentence explains the audio than the
	// other sentences and garbage paths the search kept.
	Confidence float64
	// Rejected says speech was heard but did not pass: garbage beat the
	// grammar, or Confidence fell below Config.MinConfidence.
	Rejected bool
	// Heard is the decoder's raw hypothesis, garbage phones included
	// ("_p _ey _t"), for logs.
	Heard string
	// Words are the words of Text with their times in the audio.
	Words []Word
	// Audio is the length of the audio; Elapsed the time spent decoding it.
	Audio, Elapsed            time.Duration
	MarginA, MarginB, MarginN int
}

// Word is a word of a result, with its start and end in the audio.
type Word struct {
	Text       string
	Start, End time.Duration
	Confidence float64
	Ascr       int
}

// Recognizer decodes speech with a grammar. See the package comment for
// its concurrency rules.
type Recognizer struct {
	cfg     Config
	dec     *decoder
	turn    chan struct{}   // holds one token: whoever has it may use dec
	names   []string        // compiled searches, least recently used first
	cur     string          // the search in use
	added   map[string]bool // words given pronunciations
	garbage map[string]bool // words with a garbage pseudo-word
	floor   noiseFloor
}

// New loads the model and the grammar of cfg.
func New(cfg Config) (*Recognizer, error) {
	cfg.setDefaults()
	if cfg.Grammar == "" {
		return nil, errors.New("sphinx: no grammar")
	}
	for _, f := range []string{filepath.Join(cfg.ModelDir, "en-us", "mdef"), filepath.Join(cfg.ModelDir, "cmudict-en-us.dict")} {
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("sphinx: model: %w (install the pocketsphinx-en-us package)", err)
		}
	}
	for w, p := range cfg.Pronunciations {
		if err := checkPhones(strings.Fields(p)); err != nil {
			return nil, fmt.Errorf("sphinx: pronunciation of %q: %w", w, err)
		}
	}
	dec, err := newDecoder(cfg.args())
	if err != nil {
		return nil, fmt.Errorf("sphinx: %w", err)
	}
	r := &Recognizer{cfg: cfg, dec: dec, turn: make(chan struct{}, 1), added: map[string]bool{}, garbage: map[string]bool{}, floor: newNoiseFloor(cfg.NoiseFloor)}
	r.turn <- struct{}{}
	for _, p := range Phones {
		if err := dec.addWord(garbagePhone(p), []string{p}); err != nil {
			dec.close()
			return nil, fmt.Errorf("sphinx: %w", err)
		}
	}
	if err := r.setGrammar(cfg.Grammar); err != nil {
		dec.close()
		return nil, err
	}
	return r, nil
}

func checkPhones(phones []string) error {
	if len(phones) == 0 {
		return errors.New("no phones")
	}
	for _, p := range phones {
		if !phoneSet[p] {
			return fmt.Errorf("unknown phone %q", p)
		}
	}
	return nil
}

// acquire waits for the decoder.
func (r *Recognizer) acquire(ctx context.Context) error {
	select {
	case _, ok := <-r.turn:
		if !ok {
			return ErrClosed
		}
		if r.dec == nil {
			r.turn <- struct{}{}
			return ErrClosed
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *Recognizer) release() { r.turn <- struct{}{} }

// Close frees the decoder and all its C memory, after the utterance in
// progress, if any, ends.
func (r *Recognizer) Close() error {
	if _, ok := <-r.turn; !ok {
		return nil
	}
	if r.dec != nil {
		r.dec.close()
		r.dec = nil
	}
	close(r.turn)
	return nil
}

// SetGrammar switches to another JSGF grammar, such as the narrower one of
// a dialog state. A grammar used recently is switched to without compiling
// it again.
func (r *Recognizer) SetGrammar(ctx context.Context, jsgf string) error {
	if err := r.acquire(ctx); err != nil {
		return err
	}
	defer r.release()
	return r.setGrammar(jsgf)
}

func (r *Recognizer) setGrammar(jsgf string) error {
	sum := sha256.Sum256([]byte(jsgf))
	name := "g" + hex.EncodeToString(sum[:8])
	if i := slices.Index(r.names, name); i >= 0 {
		if err := r.dec.useSearch(name); err != nil {
			return fmt.Errorf("sphinx: %w", err)
		}
		r.names = append(slices.Delete(r.names, i, i+1), name)
		r.cur = name
		return nil
	}
	wg, err := compileJSGF(jsgf)
	if err != nil {
		return fmt.Errorf("sphinx: %w", err)
	}
	if err := r.addPronunciations(wg.usedWords()); err != nil {
		return fmt.Errorf("sphinx: %w", err)
	}
	g := garbageWeights{enter: max(r.cfg.GarbageWeight, 0), word: r.cfg.GarbageWordWeight, phone: r.cfg.PhoneWeight}
	var loop []string
	if g.enter > 0 {
		if loop, err = r.addGarbage(wg.usedWords()); err != nil {
			return fmt.Errorf("sphinx: %w", err)
		}
	}
	f := r.dec.buildFSG(name, wg, r.cfg.LanguageWeight, g, loop, 0)
	defer f.free()
	if err := r.dec.addSearch(name, f); err != nil {
		return fmt.Errorf("sphinx: %w", err)
	}
	if err := r.dec.useSearch(name); err != nil {
		r.dec.removeSearch(name)
		return fmt.Errorf("sphinx: %w", err)
	}
	r.names = append(r.names, name)
	r.cur = name
	for len(r.names) > r.cfg.MaxGrammars {
		r.dec.removeSearch(r.names[0])
		r.names = r.names[1:]
	}
	return nil
}

// addGarbage gives the garbage loop's pseudo-words for the common words
// and the grammar's words pronunciations, and returns the loop's words.
func (r *Recognizer) addGarbage(grammarWords []string) ([]string, error) {
	seen := map[string]bool{}
	var loop []string
	for _, w := range append(slices.Clone(commonWords), grammarWords...) {
		if seen[w] {
			continue
		}
		seen[w] = true
		if !r.garbage[w] {
			phones, ok := r.dec.Lookup(w)
			if !ok {
				continue // a common word this dictionary lacks
			}
			if err := r.dec.addWord(garbageWord(w), phones); err != nil {
				return nil, err
			}
			r.garbage[w] = true
		}
		loop = append(loop, w)
	}
	return loop, nil
}

// addPronunciations gives the decoder a pronunciation of every word it
// lacks, from Config.Pronunciations or Pronounce.
func (r *Recognizer) addPronunciations(words []string) error {
	for _, w := range words {
		if isGarbage(w) || r.added[w] {
			continue
		}
		var prons [][]string
		if p, ok := r.cfg.Pronunciations[w]; ok {
			prons = [][]string{strings.Fields(p)}
		} else if _, ok := r.dec.Lookup(w); ok {
			continue
		} else {
			for _, p := range pronounce(r.dec, w) {
				prons = append(prons, p.Phones)
			}
		}
		if len(prons) == 0 {
			return fmt.Errorf("no pronunciation for %q", w)
		}
		for i, p := range prons {
			name := w
			if i > 0 {
				name = fmt.Sprintf("%s(%d)", w, i+1)
			}
			if err := r.dec.addWord(name, p); err != nil {
				return err
			}
		}
		r.added[w] = true
	}
	return nil
}

// Decode decodes one whole utterance of PCM16 samples at SampleRate. An
// utterance with no speech in the grammar gives a Result with no Text.
func (r *Recognizer) Decode(ctx context.Context, samples []int16) (Result, error) {
	if err := r.acquire(ctx); err != nil {
		return Result{}, err
	}
	defer r.release()
	start := time.Now()
	if err := r.dec.startUtt(); err != nil {
		return Result{}, fmt.Errorf("sphinx: %w", err)
	}
	r.floor.reset()
	err := r.dec.process(r.floor.add(samples), true)
	if endErr := r.dec.endUtt(); err == nil {
		err = endErr
	}
	if err != nil {
		return Result{}, fmt.Errorf("sphinx: %w", err)
	}
	res := r.result(len(samples), time.Since(start))
	if os.Getenv("VP_MARGIN") != "" && res.Text != "" {
		a, b, n, err := r.margin(samples, res.Text)
		if err != nil {
			return res, err
		}
		res.MarginA, res.MarginB, res.MarginN = a, b, n
	}
	return res, nil
}

func (r *Recognizer) margin(samples []int16, text string) (int, int, int, error) {
	cur := r.cur
	defer r.dec.useSearch(cur)
	// sentence only
	sent := &wordGraph{words: strings.Fields(text)}
	for i := range sent.words {
		sent.states = append(sent.states, graphState{edges: []graphEdge{{int32(i), int32(i + 1)}}})
	}
	sent.states = append(sent.states, graphState{accept: true})
	score := func(wg *wordGraph, g garbageWeights, loop []string) (int, int, error) {
		sil, _ := strconv.ParseFloat(os.Getenv("VP_SIL"), 64)
		f := r.dec.buildFSG("verify", wg, r.cfg.LanguageWeight, g, loop, sil)
		defer f.free()
		if err := r.dec.addSearch("verify", f); err != nil {
			return 0, 0, err
		}
		if err := r.dec.useSearch("verify"); err != nil {
			return 0, 0, err
		}
		r.dec.startUtt()
		r.floor.reset()
		r.dec.process(r.floor.add(samples), true)
		r.dec.endUtt()
		n := 0
		for _, s := range r.dec.segments() {
			n = max(n, s.end+1)
		}
		return r.dec.score(), n, nil
	}
	a, n, err := score(sent, garbageWeights{}, nil)
	if err != nil {
		return 0, 0, 0, err
	}
	loop, err := r.addGarbage(nil)
	if err != nil {
		return 0, 0, 0, err
	}
	if os.Getenv("VP_MARGIN") == "phones" {
		loop = nil
	}
	// loop only: a graph with no sentences, the loop entered for free
	empty := &wordGraph{states: []graphState{{}}}
	b, _, err := score(empty, garbageWeights{enter: 1, word: r.cfg.GarbageWordWeight, phone: r.cfg.PhoneWeight}, loop)
	return a, b, n, err
}

// result reads the final hypothesis of the utterance just ended.
func (r *Recognizer) result(samples int, elapsed time.Duration) Result {
	res := Result{
		Heard:   r.dec.hyp(),
		Audio:   time.Duration(samples) * time.Second / SampleRate,
		Elapsed: elapsed,
	}
	if os.Getenv("VP_DEBUG") != "" {
		fmt.Println("segments:", r.dec.segments(), "score:", r.dec.score())
	}
	if res.Heard == "" {
		return res
	}
	if slices.ContainsFunc(strings.Fields(res.Heard), isGarbage) {
		res.Rejected = true
		return res
	}
	conf := r.dec.prob()
	if r.cfg.MinConfidence > 0 && conf < r.cfg.MinConfidence {
		res.Rejected = true
		return res
	}
	res.Text, res.Confidence = res.Heard, conf
	for _, s := range r.dec.segments() {
		if os.Getenv("VP_ALLSEG") == "" && (strings.HasPrefix(s.word, "<") || strings.HasPrefix(s.word, "[") || isGarbage(s.word)) {
			continue // silence, noise and sentence marks
		}
		w := s.word
		if i := strings.IndexByte(w, '('); i > 0 {
			w = w[:i] // an alternative pronunciation
		}
		res.Words = append(res.Words, Word{
			Text:       w,
			Start:      time.Duration(s.start) * frameDuration,
			End:        time.Duration(s.end+1) * frameDuration,
			Confidence: s.prob,
			Ascr:       s.ascr,
		})
	}
	return res
}

// Stream is an utterance decoded as it arrives. It holds the recognizer
// until End.
type Stream struct {
	r       *Recognizer
	samples int
	start   time.Time
	spent   time.Duration
	done    bool
}

// Start begins an utterance for samples to be fed as they arrive. Only one
// utterance runs at a time: Start waits for the one in progress.
func (r *Recognizer) Start(ctx context.Context) (*Stream, error) {
	if err := r.acquire(ctx); err != nil {
		return nil, err
	}
	r.floor.reset()
	if err := r.dec.startUtt(); err != nil {
		r.release()
		return nil, fmt.Errorf("sphinx: %w", err)
	}
	return &Stream{r: r, start: time.Now()}, nil
}

// Process decodes more samples and returns the best sentence so far, for
// showing while the person is still speaking: empty while garbage leads.
// A partial hypothesis has no confidence and may change; only End decides.
func (s *Stream) Process(samples []int16) (partial string, err error) {
	if s.done {
		return "", errors.New("sphinx: stream ended")
	}
	t := time.Now()
	err = s.r.dec.process(s.r.floor.add(samples), false)
	s.samples += len(samples)
	partial = s.r.dec.hyp()
	s.spent += time.Since(t)
	if err != nil {
		return "", fmt.Errorf("sphinx: %w", err)
	}
	if slices.ContainsFunc(strings.Fields(partial), isGarbage) {
		partial = ""
	}
	return partial, nil
}

// InSpeech reports whether the decoder's own voice activity detection found
// speech in the last samples processed.
func (s *Stream) InSpeech() bool { return !s.done && s.r.dec.inSpeech() }

// End finishes the utterance, returns its result and lets the next
// utterance start. Result.Elapsed counts only the time spent decoding.
func (s *Stream) End() (Result, error) {
	if s.done {
		return Result{}, errors.New("sphinx: stream ended")
	}
	s.done = true
	defer s.r.release()
	t := time.Now()
	if err := s.r.dec.endUtt(); err != nil {
		return Result{}, fmt.Errorf("sphinx: %w", err)
	}
	return s.r.result(s.samples, s.spent+time.Since(t)), nil
}

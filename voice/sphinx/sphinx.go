// Package sphinx is voicepay's offline speech-to-text backend: CMU
// PocketSphinx (the Debian libpocketsphinx 0.8+5prealpha library and its
// pocketsphinx-en-us model) listening with a grammar, not a language model.
//
// The grammar is a graph of words (see Grammar), normally intent's
// Parser.Grammar, so the recognizer can only hear sentences the parser
// understands. It becomes the decoder's state graph, whose choices share
// their probability evenly, only when it is loaded. Words the model's
// dictionary lacks get pronunciations made by Pronounce, or given in
// Config.Pronunciations, at that point too.
//
// The library's own JSGF compiler is not used: it copies every rule at
// every use and links the copies with null transitions, and the
// 0.8+5prealpha search loses sentences in the resulting graph (a grammar
// with the parser's optional lead-in rules heard "help" as nothing). A
// minimal deterministic graph is handled well, and is far smaller.
//
// # Rejection
//
// Speech outside the grammar must not come out as the nearest command. A
// garbage loop of phones competes with the grammar on every utterance
// (Config.Garbage); what it wins is Rejected, with no Text, so the parser
// yields none. Hypotheses the caller would act on with money can be
// picked by Config.Verify for two further checks: their silences must hold
// next to no loud audio (silence.go), and in a second pass over the same
// audio the one sentence heard must beat a stricter loop of free words and
// phones (Config.Verification), or, if it moves no money (Config.Money),
// explain the speech clearly better than the loop's path does
// (confidence.go).
//
// The library's grammar search computes no posterior probabilities (its
// ps_get_prob is 0, probability 1, for every grammar hypothesis), so
// Result.Confidence only says how the hypothesis was checked: see its
// comment.
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
	"strings"
	"time"
)

// ErrClosed is returned by a Recognizer after Close.
var ErrClosed = errors.New("sphinx: recognizer closed")

// Confidence levels of a Result; see Result.Confidence.
const (
	// Heard is the confidence of a sentence that beat the garbage loop.
	Heard = 0.9
	// Verified is the confidence of a sentence that also beat the stricter
	// loop of the verification pass.
	Verified = 0.99
)

// Result is what the recognizer heard in one utterance.
type Result struct {
	// Text is the sentence of the grammar heard, in its words; empty when
	// nothing was heard or the utterance was rejected.
	Text string
	// Confidence is 0 without Text, Heard (0.9) for a sentence that beat
	// the garbage loop, and Verified (0.99) for one that also passed the
	// verification pass. (It is not a posterior probability: this library
	// computes none for grammars.)
	Confidence float64
	// Rejected says speech was heard but garbage won, in the first pass or
	// in verification, or speech was left over that the sentence heard
	// does not account for (see silence.go).
	Rejected bool
	// Why names the check that rejected it, for logs: "garbage" (the
	// first pass's loop won), "unexplained" (a silence held speech; see
	// silence.go), "unexplained money" (the stricter count for sentences
	// Config.Verify picks) or "verification" (the second pass's loop won,
	// and the speech margin did not make up for it).
	Why string
	// Verified says the sentence passed the verification pass: it beat the
	// loop, or, moving no money, lost to it but had a speech margin of at
	// least Config.Margin (see confidence.go).
	Verified bool
	// Margin is the speech margin, in nats per frame, of a sentence the
	// verification loop beat, accepted or not; 0 for any other.
	Margin float64
	// Heard is the decoder's raw hypothesis, garbage included ("_/p _the"),
	// for logs.
	Heard string
	// Words are the words of Text with their times in the audio.
	Words []Word
	// Audio is the length of the audio; Elapsed the time spent decoding it.
	Audio, Elapsed time.Duration

	loud  int       // the most loud frames in a stretch the decoder called silence
	score int       // the decoder's path score of Heard
	segs  []segment // the segments of Heard
}

// Word is a word of a result, with its start and end in the audio.
type Word struct {
	Text       string
	Start, End time.Duration
}

// Recognizer decodes speech with a grammar. See the package comment for
// its concurrency rules.
type Recognizer struct {
	cfg      Config
	dec      *decoder
	turn     chan struct{}       // holds one token: whoever has it may use dec
	names    []string            // compiled searches, least recently used first
	cur      string              // the search in use
	words    []string            // the words of the grammar in use
	grammars map[string][]string // the words of each kept grammar search
	added    map[string]bool
	garbage  map[string]bool // words with a garbage pseudo-word
	floor    noiseFloor
	den      *denoiser
}

// New loads the model and the grammar of cfg.
func New(cfg Config) (*Recognizer, error) {
	cfg.setDefaults()
	if cfg.Grammar == nil {
		return nil, errors.New("sphinx: no grammar")
	}
	for _, f := range []string{filepath.Join(cfg.ModelDir, "en-us", "mdef"), filepath.Join(cfg.ModelDir, "cmudict-en-us.dict")} {
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("sphinx: model: %w (install the pocketsphinx-en-us package)", err)
		}
	}
	for w, ps := range cfg.Pronunciations {
		for _, p := range ps {
			if err := checkPhones(strings.Fields(p)); err != nil {
				return nil, fmt.Errorf("sphinx: pronunciation of %q: %w", w, err)
			}
		}
	}
	dec, err := newDecoder(cfg.args())
	if err != nil {
		return nil, fmt.Errorf("sphinx: %w", err)
	}
	r := &Recognizer{
		cfg: cfg, dec: dec, turn: make(chan struct{}, 1),
		added: map[string]bool{}, garbage: map[string]bool{}, grammars: map[string][]string{},
		floor: newNoiseFloor(cfg.NoiseFloor), den: newDenoiser(cfg.Denoise),
	}
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
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *Recognizer) release() { r.turn <- struct{}{} }

// Close frees the decoder and all its C memory, after the utterance in
// progress, if any, ends. Calls after Close return ErrClosed.
func (r *Recognizer) Close() error {
	if _, ok := <-r.turn; !ok {
		return nil
	}
	r.dec.close()
	r.dec = nil
	close(r.turn)
	return nil
}

// SetGrammar switches to another grammar, such as the narrower one of a
// dialog state. A grammar used recently, by its Key, is switched to without
// compiling it again.
func (r *Recognizer) SetGrammar(ctx context.Context, g Grammar) error {
	if err := r.acquire(ctx); err != nil {
		return err
	}
	defer r.release()
	return r.setGrammar(g)
}

// searchName names a compiled search by what it was compiled from.
func searchName(kind, text string) string {
	sum := sha256.Sum256([]byte(text))
	return kind + hex.EncodeToString(sum[:8])
}

func (r *Recognizer) setGrammar(g Grammar) error {
	name := searchName("g", g.Key())
	words, ok := r.grammars[name]
	if ok && slices.Contains(r.names, name) {
		r.touch(name)
	} else {
		var err error
		if words, err = grammarWords(g); err != nil {
			return fmt.Errorf("sphinx: %w", err)
		}
		if err := r.ensureSearch(name, g, words, r.cfg.Garbage, words, [3]float64{}); err != nil {
			return fmt.Errorf("sphinx: %w", err)
		}
		r.grammars[name] = words
	}
	if err := r.dec.useSearch(name); err != nil {
		return fmt.Errorf("sphinx: %w", err)
	}
	r.cur, r.words = name, words
	return nil
}

// touch marks a kept search as the most recently used.
func (r *Recognizer) touch(name string) {
	if i := slices.Index(r.names, name); i >= 0 {
		r.names = append(slices.Delete(r.names, i, i+1), name)
	}
}

// ensureSearch compiles a grammar, whose words are words, and its garbage
// loop into a named search, unless one of that name is kept already, and
// marks it used. The grammar must have passed grammarWords.
func (r *Recognizer) ensureSearch(name string, gr Grammar, words []string, g Garbage, grammarWords []string, beams [3]float64) error {
	if slices.Contains(r.names, name) {
		r.touch(name)
		return nil
	}
	if err := r.addPronunciations(words); err != nil {
		return err
	}
	var loop []string
	if g.on() && g.Word > 0 {
		var err error
		if loop, err = r.addGarbage(grammarWords); err != nil {
			return err
		}
	}
	f := r.dec.buildFSG(name, gr, r.cfg.LanguageWeight, g, loop)
	defer f.free()
	if beams != ([3]float64{}) {
		old := r.dec.setBeams(beams)
		defer r.dec.setBeams(old)
	}
	if err := r.dec.addSearch(name, f); err != nil {
		return err
	}
	r.names = append(r.names, name)
	for len(r.names) > r.cfg.MaxGrammars {
		old := r.names[0]
		if old == r.cur {
			old = r.names[1]
		}
		r.dec.removeSearch(old)
		r.names = slices.DeleteFunc(r.names, func(n string) bool { return n == old })
		delete(r.grammars, old)
	}
	return nil
}

// addGarbage gives the garbage pseudo-words of the grammar's words their
// first pronunciation, and returns the loop's words.
func (r *Recognizer) addGarbage(grammarWords []string) ([]string, error) {
	var loop []string
	for _, w := range grammarWords {
		if !r.garbage[w] {
			phones, ok := r.dec.Lookup(w)
			if !ok {
				continue
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
// lacks, from Config.Pronunciations or Pronounce, and adds the configured
// ones for words it has as further ways to say them, and the variants
// generated from the main reading (see variants).
func (r *Recognizer) addPronunciations(words []string) error {
	for _, w := range words {
		if r.added[w] {
			continue
		}
		main, inDict := r.dec.Lookup(w)
		var prons [][]string
		if ps, ok := r.cfg.Pronunciations[w]; ok {
			for _, p := range ps {
				prons = append(prons, strings.Fields(p))
			}
		} else if !inDict {
			for _, p := range pronounce(r.dec, w) {
				prons = append(prons, p.Phones)
			}
			if len(prons) == 0 {
				return fmt.Errorf("no pronunciation for %q", w)
			}
		}
		known := prons
		if inDict {
			known = append([][]string{main}, prons...)
		}
		prons = append(prons, variants(w, known, slices.Contains(r.cfg.Pinyin, w))...)
		alt := 1
		for _, p := range prons {
			name := w
			if inDict || alt > 1 {
				for {
					alt++
					name = fmt.Sprintf("%s(%d)", w, alt)
					if _, taken := r.dec.Lookup(name); !taken {
						break
					}
				}
			}
			if err := r.dec.addWord(name, p); err != nil {
				return err
			}
			if !inDict && alt == 1 {
				alt = 2
				inDict = true
			}
		}
		r.added[w] = true
	}
	return nil
}

// Decode decodes one whole utterance of PCM16 samples at SampleRate. An
// utterance with no speech in the grammar gives a Result with no Text.
func (r *Recognizer) Decode(ctx context.Context, samples []int16) (Result, error) {
	return r.decodeWhole(ctx, samples, false)
}

// decodeWhole decodes samples as one utterance: whole, checked and
// verified, or, partial, the words so far of one still going on, with no
// verification (see DecodePartial).
func (r *Recognizer) decodeWhole(ctx context.Context, samples []int16, partial bool) (Result, error) {
	if err := r.acquire(ctx); err != nil {
		return Result{}, err
	}
	defer r.release()
	start := time.Now()
	samples = r.den.denoise(samples)
	if err := r.decode(samples); err != nil {
		return Result{}, fmt.Errorf("sphinx: %w", err)
	}
	res := r.result(samples, partial)
	if !partial {
		if err := r.verify(ctx, &res, samples, true); err != nil {
			return Result{}, fmt.Errorf("sphinx: %w", err)
		}
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// decode runs one whole utterance through the search in use.
func (r *Recognizer) decode(samples []int16) error {
	if err := r.dec.startUtt(); err != nil {
		return err
	}
	r.floor.reset()
	err := r.dec.process(r.floor.add(samples), true)
	if endErr := r.dec.endUtt(); err == nil {
		err = endErr
	}
	return err
}

// result reads the final hypothesis of the utterance just ended. goesOn
// says the person is still speaking (DecodePartial): the word being spoken
// may then be matched by garbage, or left to the silence after the words,
// and what comes before it is still heard.
func (r *Recognizer) result(samples []int16, goesOn bool) Result {
	res := Result{Audio: time.Duration(len(samples)) * time.Second / SampleRate}
	res.Heard, res.score = r.dec.scoredHyp()
	text, segs := res.Heard, []segment(nil)
	if goesOn {
		words := strings.Fields(text)
		for len(words) > 0 && isGarbage(words[len(words)-1]) {
			words = words[:len(words)-1]
		}
		text = strings.Join(words, " ")
	}
	if text == "" {
		return res
	}
	if slices.ContainsFunc(strings.Fields(text), isGarbage) {
		res.Rejected, res.Why = true, "garbage"
		return res
	}
	segs = r.dec.segments()
	res.segs = segs
	checked := segs
	for goesOn && len(checked) > 0 && !isWord(checked[len(checked)-1].word) {
		checked = checked[:len(checked)-1]
	}
	res.loud = unexplained(samples, checked)
	if res.loud > maxLoudFrames {
		res.Rejected, res.Why = true, "unexplained"
		return res
	}
	res.Text, res.Confidence = text, Heard
	for _, s := range segs {
		if !isWord(s.word) {
			continue
		}
		w := s.word
		if i := strings.IndexByte(w, '('); i > 0 {
			w = w[:i] // another way to say the word
		}
		res.Words = append(res.Words, Word{
			Text:  w,
			Start: time.Duration(s.start) * frameDuration,
			End:   time.Duration(s.end+1) * frameDuration,
		})
	}
	return res
}

// isWord says a segment is a word of the grammar, not silence, noise, a
// sentence mark, a null move or garbage.
func isWord(w string) bool {
	return !strings.HasPrefix(w, "<") && !strings.HasPrefix(w, "[") && w != "(NULL)" && !isGarbage(w)
}

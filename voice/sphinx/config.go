package sphinx

import (
	"path/filepath"
	"slices"
	"strconv"
)

// SampleRate is the only rate the recognizer takes: 16 kHz, mono, PCM16.
const SampleRate = 16000

// DefaultModelDir is where Debian's pocketsphinx-en-us package puts the
// model: the acoustic model in en-us/ and the dictionary
// cmudict-en-us.dict.
const DefaultModelDir = "/usr/share/pocketsphinx/model/en-us"

// Defaults of Config, measured on voicepay's fixtures (see the package
// tests and docs in the package comment).
const (
	DefaultBeam           = 1e-64
	DefaultWordBeam       = 1e-40
	DefaultPhoneBeam      = 1e-64
	DefaultLanguageWeight = 3.0
	DefaultTopN           = 8
	DefaultNoiseFloor     = -57.0
	// DefaultDenoise lowers steady noise by at most 10 dB. Measured on the
	// broad fixture set, a least gain of 0.2 heard one more command in
	// noise, but 4 points fewer out-of-domain clips in noise as nothing and
	// one more as money; 0.4 heard 14 fewer commands in noise.
	DefaultDenoise     = 0.3
	DefaultMaxGrammars = 16
	// DefaultMaxActive caps the HMMs the search keeps per frame. The wide
	// beams keep every first word of the grammar alive through the quiet
	// before speech; on the fixtures this cap took about 7% off decoding
	// time with acceptance unchanged (a cap of 1000 took 12% but lost
	// three noisy commands).
	DefaultMaxActive = 1500
)

// DefaultGarbage is the loop beside the grammar on every utterance: phones
// only, cheap enough to run always.
var DefaultGarbage = Garbage{Enter: 1e-4, Word: -1, Phone: 0.001}

// DefaultVerification is the stricter loop a hypothesis picked by
// Config.Verify must also beat: the grammar's words in any order and
// phones. Measured on voicepay's fixtures, with the grammar's money
// sentences in their plain spoken forms: an entry weight ten times lower
// still let no out-of-domain clip through as a money-moving intent, and
// word and phone weights three times lower again let one through; this
// setting keeps a step of margin below the first.
var DefaultVerification = Garbage{Enter: 1e-4, Word: 0.003, Phone: 3e-4}

// DefaultVerificationBeams are the beam, phone beam and word beam of the
// verification pass: narrower than the first pass's, which makes it about
// a third cheaper. On the fixtures, beams down to 1e-30 still let no
// out-of-domain clip through; 1e-25 let one through.
var DefaultVerificationBeams = [3]float64{1e-35, 1e-35, 1e-25}

// DefaultPinyin are the words of voicepay's grammar that are Mandarin: the
// money units. Besides their English reading they are heard as pinyin
// reads (see variants in pronounce.go). The dictionary has yuan only as
// "Y UW AA N"; Mandarin has it closer to "yü-en", and English speakers
// mostly reduce its second vowel ("you-un", which the reduction rule
// generates).
var DefaultPinyin = []string{"yuan", "kuai", "jiao", "mao", "fen"}

// Garbage weighs a garbage loop (see garbage.go) against the grammar. Each
// weight is a probability in (0, 1]: higher makes garbage win more often.
// A zero field takes the default; a negative one leaves that part out.
type Garbage struct {
	// Enter is the weight of taking the loop instead of a sentence.
	// Negative: no loop at all.
	Enter float64
	// Word is the weight of each word in the loop (the grammar's own
	// words). Negative: no words.
	Word float64
	// Phone is the weight of each single phone in the loop. Negative: no
	// phones.
	Phone float64
}

func (g Garbage) withDefaults(d Garbage) Garbage {
	or := func(v, d float64) float64 {
		if v == 0 {
			return d
		}
		return v
	}
	return Garbage{Enter: or(g.Enter, d.Enter), Word: or(g.Word, d.Word), Phone: or(g.Phone, d.Phone)}
}

func (g Garbage) on() bool { return g.Enter > 0 && (g.Word > 0 || g.Phone > 0) }

// Config configures a Recognizer. Zero fields take the defaults.
type Config struct {
	// ModelDir holds the acoustic model (en-us/) and the dictionary
	// (cmudict-en-us.dict). Default: DefaultModelDir.
	ModelDir string
	// Grammar is what is first listened for. Required.
	Grammar Grammar
	// Pronunciations are ways to say words, each as phones (in Phones,
	// space-separated): for a word the dictionary lacks, they are used
	// instead of the generator; for a word it has, they are added as
	// further ways to say it.
	Pronunciations map[string][]string
	// Pinyin are the words that are Mandarin, heard as their pinyin reads
	// too. Default (nil): DefaultPinyin.
	Pinyin []string

	// Garbage is the loop that competes with the grammar on every
	// utterance. Default: DefaultGarbage.
	Garbage Garbage
	// Verify picks the hypotheses that must also beat a stricter loop,
	// Verification, in a second pass over the same audio: those a caller
	// would act on with money. Nil verifies nothing.
	Verify func(text string) bool
	// Money picks, among the hypotheses Verify picks, those that would
	// move money: they must beat the verification loop outright. The
	// others also pass with a speech margin of at least Margin (see
	// confidence.go). Nil picks all of them.
	Money func(text string) bool
	// Margin is the least speech margin, in nats per frame, that passes a
	// hypothesis the verification loop beat. Default: DefaultMargin;
	// negative: none passes that way.
	Margin float64
	// Verification is the loop of that second pass. Default:
	// DefaultVerification.
	Verification Garbage
	// VerificationBeams are the beam, phone beam and word beam of the
	// second pass. Default: DefaultVerificationBeams.
	VerificationBeams [3]float64

	// NoiseFloor is the level, in dB below full scale, of the faint noise
	// added to all audio before decoding (see noise.go). -140 or lower adds
	// none. Default: DefaultNoiseFloor.
	NoiseFloor float64
	// Denoise is the least gain, in (0, 1), of the filter that lowers
	// steady noise before each whole utterance is decoded (see
	// denoise.go): the most it lowers the noise by. 1 or more turns it
	// off. Default: DefaultDenoise.
	Denoise float64

	// Search beams, language weight, Gaussians per frame and the most HMMs
	// active per frame, as pocketsphinx's -beam, -wbeam, -pbeam, -lw,
	// -topn and -maxhmmpf.
	Beam, WordBeam, PhoneBeam float64
	LanguageWeight            float64
	TopN                      int
	MaxActive                 int
	// Options are further pocketsphinx options ("-fillprob": "1e-6");
	// they win over everything above.
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
	or(&c.NoiseFloor, DefaultNoiseFloor)
	or(&c.Denoise, DefaultDenoise)
	or(&c.Margin, DefaultMargin)
	or(&c.Beam, DefaultBeam)
	or(&c.WordBeam, DefaultWordBeam)
	or(&c.PhoneBeam, DefaultPhoneBeam)
	or(&c.LanguageWeight, DefaultLanguageWeight)
	if c.TopN <= 0 {
		c.TopN = DefaultTopN
	}
	if c.MaxActive <= 0 {
		c.MaxActive = DefaultMaxActive
	}
	if c.MaxGrammars <= 0 {
		c.MaxGrammars = DefaultMaxGrammars
	}
	c.Garbage = c.Garbage.withDefaults(DefaultGarbage)
	c.Verification = c.Verification.withDefaults(DefaultVerification)
	if c.Pinyin == nil {
		c.Pinyin = DefaultPinyin
	}
	if c.VerificationBeams == ([3]float64{}) {
		c.VerificationBeams = DefaultVerificationBeams
	}
}

// args are the decoder's options.
func (c *Config) args() []string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	opts := map[string]string{
		"-hmm":      filepath.Join(c.ModelDir, "en-us"),
		"-dict":     filepath.Join(c.ModelDir, "cmudict-en-us.dict"),
		"-samprate": "16000",
		"-beam":     f(c.Beam),
		"-wbeam":    f(c.WordBeam),
		"-pbeam":    f(c.PhoneBeam),
		"-lw":       f(c.LanguageWeight),
		"-topn":     strconv.Itoa(c.TopN),
		"-maxhmmpf": strconv.Itoa(c.MaxActive),
		// The grammar search of this library version computes no
		// posteriors, so the lattice pass would only cost time.
		"-bestpath": "no",
		// The endpointer before the recognizer finds speech already; the
		// decoder's own silence removal would drop frames and leave the
		// word times out of step with the audio (see silence.go).
		"-remove_silence": "no",
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

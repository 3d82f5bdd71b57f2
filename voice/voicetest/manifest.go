// Package voicetest serves the tests and benchmarks that hear voicepay's
// speech fixtures (testdata/fixtures.sh): it reads a fixture set's
// manifest, finds where a clip's speech is, makes the steady noises the
// speech is put in, and counts outcomes. It imports voice only, so that any
// package above voice may use it.
package voicetest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/voicepay/voicepay/voice"
)

// Clip is one row of a fixture set's manifest.tsv.
type Clip struct {
	File      string          // the clip's WAV file in the set's directory: "in04-us140-clean.wav"
	Intent    string          // the intent the text means; none out of domain
	Slots     json.RawMessage // the slots it carries, as JSON written by hand: {"quantity":3}
	Noisy     bool            // mixed with noise
	OutDomain bool            // a sentence voicepay must not take as a command
	Text      string
	Voice     string // the synthesizer's voice, as testdata/fixtures.sh names it: "us140", "kevin16"
	Engine    string // espeak-ng, freetts, festival or flite
	Noise     string // clean, white, pink, brown or babble
	SNR       int    // dB; 0 for a clean clip
	// State is the dialog state the sentence is said in: inactive, idle,
	// drafted, confirmed or proposed (idle with an agent's tip or
	// subscription waiting), or "any" for an out-of-domain sentence.
	State string
}

// manifestColumns are the columns of manifest.tsv, in order.
var manifestColumns = []string{"file", "intent", "slots", "condition", "domain", "text", "voice", "engine", "noise", "snr", "state"}

// ReadManifest reads the manifest.tsv of the fixture set in dir. A
// manifest whose columns are not these (one rendered by an older
// fixtures.sh) is an error that says to run make fixtures.
func ReadManifest(dir string) ([]Clip, error) {
	path := filepath.Join(dir, "manifest.tsv")
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w (make fixtures renders it)", err)
	}
	defer f.Close()
	var clips []Clip
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		cols := strings.Split(sc.Text(), "\t")
		if line == 1 {
			if strings.Join(cols, " ") != strings.Join(manifestColumns, " ") {
				return nil, fmt.Errorf("%s: the columns are %q, want %q: run make fixtures", path, cols, manifestColumns)
			}
			continue
		}
		c, err := parseRow(cols)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		clips = append(clips, c)
	}
	return clips, sc.Err()
}

// parseRow reads one row of the manifest.
func parseRow(cols []string) (Clip, error) {
	if len(cols) != len(manifestColumns) {
		return Clip{}, fmt.Errorf("want %d columns, got %d", len(manifestColumns), len(cols))
	}
	c := Clip{File: cols[0], Intent: cols[1], Slots: json.RawMessage(cols[2]), Noisy: cols[3] == "noisy",
		OutDomain: cols[4] == "out", Text: cols[5], Voice: cols[6], Engine: cols[7], Noise: cols[8], State: cols[10]}
	if !json.Valid(c.Slots) {
		return Clip{}, fmt.Errorf("slots %q are not JSON", cols[2])
	}
	if c.Noisy != (c.Noise != "clean") {
		return Clip{}, fmt.Errorf("condition %s with noise %s", cols[3], c.Noise)
	}
	if c.Noisy {
		snr, err := strconv.Atoi(cols[9])
		if err != nil {
			return Clip{}, fmt.Errorf("snr: %w", err)
		}
		c.SNR = snr
	}
	return c, nil
}

// CleanFile is the clean clip of the same sentence in the same voice: the
// clip itself when it is clean. A noisy clip is its clean one with noise
// added, sample for sample.
func (c Clip) CleanFile() string {
	if !c.Noisy {
		return c.File
	}
	return strings.TrimSuffix(c.File, "-noisy.wav") + "-clean.wav"
}

// ReadWAV reads a fixture clip as the recognizer takes it: PCM16 mono at
// 16 kHz.
func ReadWAV(path string) ([]int16, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	samples, _, err := voice.ReadWAV(f, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return samples, nil
}

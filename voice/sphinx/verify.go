package sphinx

import (
	"context"
	"strings"
)

// verify checks a result that Config.Verify picks twice more. Its silences
// may hold no more than maxMoneyLoudFrames loud frames (see silence.go).
// Then the second pass runs over samples: the one sentence heard, alone,
// against the verification loop. If the loop wins, the result is
// rejected, unless the sentence does not move money and its speech margin
// clears Config.Margin (see confidence.go). whole says the first pass
// decoded samples whole, as the second pass does: only then are the two
// passes' scores of the same features, normalized over the whole
// utterance, and only then may the margin pass the sentence. The search in
// use is restored.
func (r *Recognizer) verify(ctx context.Context, res *Result, samples []int16, whole bool) error {
	if res.Text == "" || r.cfg.Verify == nil || !r.cfg.Verify(res.Text) || !r.cfg.Verification.on() {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if res.loud > maxMoneyLoudFrames {
		res.reject("unexplained money")
		return nil
	}
	heard := sentence(strings.Fields(res.Text))
	words, err := grammarWords(heard)
	if err != nil {
		return err
	}
	name := searchName("v", res.Text+"\x00"+strings.Join(r.words, " "))
	if err := r.ensureSearch(name, heard, words, r.cfg.Verification, r.words, r.cfg.VerificationBeams); err != nil {
		return err
	}
	defer r.dec.useSearch(r.cur)
	if err := r.dec.useSearch(name); err != nil {
		return err
	}
	if err := r.decode(samples); err != nil {
		return err
	}
	if r.dec.hyp() != res.Text {
		res.Margin = speechMargin(res.segs, r.dec.segments()) * r.dec.natsPerUnit()
		if !whole || r.cfg.Margin < 0 || res.Margin < r.cfg.Margin || r.cfg.Money == nil || r.cfg.Money(res.Text) {
			res.reject("verification")
			return nil
		}
	}
	res.Verified, res.Confidence = true, Verified
	return nil
}

// reject takes back the sentence of a result that failed verification,
// saying which check it failed.
func (res *Result) reject(why string) {
	res.Text, res.Confidence, res.Words, res.Rejected, res.Why = "", 0, nil, true, why
}

// sentence is the grammar of one sentence: a line of states, one word
// apart.
type sentence []string

var _ Grammar = sentence(nil)

func (s sentence) Key() string            { return strings.Join(s, " ") }
func (s sentence) States() int            { return len(s) + 1 }
func (s sentence) Start() int             { return 0 }
func (s sentence) Final(state int) bool   { return state == len(s) }
func (s sentence) NumEdges(state int) int { return min(1, len(s)-state) }
func (s sentence) Edge(state, _ int) (string, int) {
	return s[state], state + 1
}

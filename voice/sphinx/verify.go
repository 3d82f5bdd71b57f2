package sphinx

import (
	"context"
	"strings"
)

// verify checks a result that Config.Verify picks twice more. Its silences
// may hold no more than maxMoneyLoudFrames loud frames (see silence.go).
// Then the second pass runs over samples: the one sentence heard, alone,
// against the verification loop. If the loop wins, the result is
// rejected. The search in use is restored.
func (r *Recognizer) verify(ctx context.Context, res *Result, samples []int16) error {
	if res.Text == "" || r.cfg.Verify == nil || !r.cfg.Verify(res.Text) || !r.cfg.Verification.on() {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if res.loud > maxMoneyLoudFrames {
		res.reject()
		return nil
	}
	words := strings.Fields(res.Text)
	wg := sentenceGraph(words)
	name := searchName("v", res.Text+"\x00"+strings.Join(r.words, " "))
	if err := r.ensureSearch(name, wg, r.cfg.Verification, r.words, r.cfg.VerificationBeams); err != nil {
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
		res.reject()
		return nil
	}
	res.Verified, res.Confidence = true, Verified
	return nil
}

// reject takes back the sentence of a result that failed verification.
func (res *Result) reject() {
	res.Text, res.Confidence, res.Words, res.Rejected = "", 0, nil, true
}

// sentenceGraph is the word graph of one sentence.
func sentenceGraph(words []string) *wordGraph {
	wg := &wordGraph{words: words}
	for i := range words {
		wg.states = append(wg.states, graphState{edges: []graphEdge{{int32(i), int32(i + 1)}}})
	}
	wg.states = append(wg.states, graphState{accept: true})
	return wg
}

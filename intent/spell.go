package intent

import "strings"

// People typing fast slip a key: "capuccino", "cancle the order", "show my
// payment histroy". A typed word that no template knows, and that one
// slip (a letter added, left out, changed, or two swapped) away from
// exactly one word they do know, is read as that word, as a last try at
// typed text. Short words are left alone ("teh", "pat"), the first letter
// must be right, and a sentence read this way never moves money: a slip
// can make a word of another sentence into "confirm".

// minSpellLen is the shortest word read as a slip; words of maxOneSlip
// letters or fewer may be one slip away, longer ones two.
const (
	minSpellLen = 4
	maxOneSlip  = 7
)

// misspelt reads typed text whose words, spelled right, read as a command
// that moves no money. It comes before an unknown item is read, so that
// "an americcano" is an americano.
func (p *Parser) misspelt(res Result, words []string, typed bool) Result {
	if !typed {
		return res
	}
	fixed, ok := p.spell(words)
	if !ok {
		return res
	}
	r := p.read(strings.Join(fixed, " "), true)
	if r.Intent == None || MovesMoney(r.Intent) {
		return res
	}
	r.Text, r.Confidence = res.Text, min(r.Confidence, confidences[1])
	return r
}

// spell returns words with each slip spelled right, and whether there was
// one.
func (p *Parser) spell(words []string) ([]string, bool) {
	var out []string
	for i, w := range words {
		if _, known := p.vocab[w]; known || len(w) < minSpellLen || strings.ContainsAny(w, "0123456789") {
			continue
		}
		if fix := p.nearest(w); fix != "" {
			if out == nil {
				out = append([]string(nil), words...)
			}
			out[i] = fix
		}
	}
	return out, out != nil
}

// nearest is the one word of the templates that w is a slip of, or "".
// Everyday words one slip from a thing sold are not slips (notSlips).
func (p *Parser) nearest(w string) string {
	if notSlips[w] {
		return ""
	}
	limit := 1
	if len(w) > maxOneSlip {
		limit = 2
	}
	best, bestDist, ties := "", limit+1, 0
	for v := range p.vocab {
		if len(v) < minSpellLen-1 || abs(len(v)-len(w)) > limit || !sameStart(v, w) {
			continue
		}
		switch d := Slips(w, v, limit); {
		case d > limit:
		case d < bestDist:
			best, bestDist, ties = v, d, 1
		case d == bestDist:
			ties++
		}
	}
	if ties != 1 {
		return ""
	}
	return best
}

// notSlips are everyday words one slip from the name of a thing sold,
// which a person means as they are: "sorry I'm late" orders no latte.
var notSlips = wordSet("late later lately latter lathe cake cakes choke cones colds comas cold mill mills miles " +
	"milky mild bench brunch bones boxed boxer boxers burner burners cartoon cartoons carbon canton drank drunk " +
	"dink fires flies frees fried frier egos bandana bandanas american americans americas americana")

// sameStart reports whether a and b start with the same letter, or with
// the same two letters swapped.
func sameStart(a, b string) bool {
	return a[0] == b[0] || len(a) > 1 && len(b) > 1 && a[0] == b[1] && a[1] == b[0]
}

// Slips is the number of slips of the keys between a and b (an edit
// distance that counts two letters swapped as one), or limit+1 when it is
// more than limit.
func Slips(a, b string, limit int) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		low := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			low = min(low, cur[j])
		}
		if low > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(b)], limit+1)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

package voicetest

import "fmt"

// Tally counts trials and those of them that came out right.
type Tally struct{ N, OK int }

// Add counts one trial.
func (t *Tally) Add(ok bool) {
	t.N++
	if ok {
		t.OK++
	}
}

// Plus is the tally of both.
func (t Tally) Plus(u Tally) Tally { return Tally{N: t.N + u.N, OK: t.OK + u.OK} }

// Rate is the share that came out right; 0 of none.
func (t Tally) Rate() float64 {
	if t.N == 0 {
		return 0
	}
	return float64(t.OK) / float64(t.N)
}

// String is "OK/N = rate%", or "-" when there were none.
func (t Tally) String() string {
	if t.N == 0 {
		return "-"
	}
	return fmt.Sprintf("%d/%d = %.1f%%", t.OK, t.N, 100*t.Rate())
}

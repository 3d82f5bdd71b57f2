package wallet

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Screener decides whether a debit of the user's account may go ahead. The
// wallet asks it before every hold and every direct debit.
type Screener interface {
	Screen(d Debit) Decision
}

// Debit is one proposed debit of the user's account, with the features the
// wallet computed from its own ledger.
type Debit struct {
	Amount    int64
	Currency  string
	Payee     string // account id
	Channel   string // "voice", "text", "mandate"
	Agent     string // the agent that proposed it, if any
	Time      time.Time
	DayTotal  int64 // debits already screened through today
	HourCount int   // debits already screened through this hour
	PayeeSeen bool  // the user has paid this payee before
	// Repeats counts the recent debits like this one within the repeat
	// window: to this payee for this amount, or, on the mandate channel,
	// every charge under the same mandate whatever its amount, so that an
	// agent looping on its charges is stopped however it varies them.
	Repeats int
}

// Actions a Decision can carry.
const (
	ActionAllow  = "allow"
	ActionStepUp = "step_up"
	ActionReview = "review"
	ActionBlock  = "block"
)

// Decision is the screen's verdict with its reasons. Allow and review let
// the debit go ahead; review also flags it on the audit chain for a person
// to look at afterwards, as a card network's review queue does. Step-up lets
// the hold be placed but needs the PIN again before it is posted. Block
// refuses it.
type Decision struct {
	Action  string   `json:"action"`
	Reasons []string `json:"reasons,omitempty"`
	Rules   []string `json:"rules,omitempty"`
	Bounds  []int64  `json:"bounds,omitempty"` // the limit behind each rule, 0 for none
}

// debitStats is what the wallet keeps per day to compute features: the
// debits screened through that day, and through its latest hour that had
// any. Ledgers written before keep each hour in a record of its own
// ("hour:2006-01-02T15"), which Prune deletes once the hour is past.
type debitStats struct {
	Total     int64  `json:"total"`
	Count     int    `json:"count"`
	Hour      string `json:"hour,omitempty"` // "15"
	HourCount int    `json:"hour_count,omitempty"`
	At        int64  `json:"at,omitempty"` // when last written, in Unix time: for Prune
}

func dayKey(t time.Time) string { return "day:" + t.Format("2006-01-02") }
func hourOf(t time.Time) string { return t.Format("15") }
func repeatKey(payee string, amount int64) string {
	return fmt.Sprintf("repeat:%s:%d", payee, amount)
}

// repeatKeyOf is where the debit d made for ref counts its repeats: per
// mandate on the mandate channel (ref "mandate:12"), else per payee and
// amount.
func repeatKeyOf(d Debit, ref string) string {
	if d.Channel == mandateChannel {
		return "repeat:" + ref
	}
	return repeatKey(d.Payee, d.Amount)
}
func payeeKey(payee string) string { return "payee:" + payee }

func (l *ltx) stats(key string) (debitStats, error) {
	var s debitStats
	if v := l.Bucket(bucketStats).Get([]byte(key)); v != nil {
		if err := json.Unmarshal(v, &s); err != nil {
			return s, fmt.Errorf("decode stats %s: %w", key, err)
		}
	}
	return s, nil
}

func (l *ltx) putStats(key string, s debitStats) error {
	s.At = l.now.Unix()
	v, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return l.put(bucketStats, []byte(key), v)
}

// recentRepeats returns the times of the recent debits counted under key
// (repeatKeyOf) that still fall inside the repeat window.
func (l *ltx) recentRepeats(key string) ([]time.Time, error) {
	var times []time.Time
	if v := l.Bucket(bucketStats).Get([]byte(key)); v != nil {
		if err := json.Unmarshal(v, &times); err != nil {
			return nil, fmt.Errorf("decode repeats: %w", err)
		}
	}
	cut := l.now.Add(-l.db.RepeatWindow)
	kept := times[:0]
	for _, t := range times {
		if t.After(cut) {
			kept = append(kept, t)
		}
	}
	return kept, nil
}

// screen computes the debit's features, asks the screener, and records the
// decision on the audit chain. For a debit that may go ahead it also counts
// the debit toward the day, the hour and the repeat window.
func (l *ltx) screen(d Debit, ref string) (Decision, error) {
	d.Currency = l.db.Currency
	d.Time = l.now
	day, err := l.stats(dayKey(l.now))
	if err != nil {
		return Decision{}, err
	}
	if day.Hour != hourOf(l.now) {
		// A ledger written before kept the hour in a record of its own.
		hour, err := l.stats("hour:" + l.now.Format("2006-01-02T15"))
		if err != nil {
			return Decision{}, err
		}
		day.Hour, day.HourCount = hourOf(l.now), hour.Count
	}
	repeats := repeatKeyOf(d, ref)
	reps, err := l.recentRepeats(repeats)
	if err != nil {
		return Decision{}, err
	}
	d.DayTotal, d.HourCount, d.Repeats = day.Total, day.HourCount, len(reps)
	d.PayeeSeen = l.Bucket(bucketStats).Get([]byte(payeeKey(d.Payee))) != nil
	dec := l.db.screen.Screen(d)
	switch dec.Action {
	case ActionAllow, ActionStepUp, ActionReview, ActionBlock:
	case "":
		dec.Action = ActionBlock
		dec.Reasons = append(dec.Reasons, "the screen gave no decision")
	default:
		// An action the wallet does not know fails closed.
		dec.Reasons = append(dec.Reasons, fmt.Sprintf("unknown action %q", dec.Action))
		dec.Action = ActionBlock
	}
	if dec.Action == ActionStepUp && d.Channel == mandateChannel {
		// Nobody is present on the mandate channel to verify again.
		dec.Action = ActionBlock
		dec.Reasons = append(dec.Reasons, "nobody is present to verify a charge under a mandate")
	}
	l.logRisk(d, ref, dec)
	if err := l.audit("risk", struct {
		Ref      string   `json:"ref"`
		Payee    string   `json:"payee"`
		Amount   int64    `json:"amount"`
		Channel  string   `json:"channel"`
		Agent    string   `json:"agent,omitempty"`
		Decision Decision `json:"decision"`
	}{ref, d.Payee, d.Amount, d.Channel, d.Agent, dec}); err != nil {
		return dec, err
	}
	if dec.Action == ActionBlock {
		return dec, nil
	}
	day.Total += d.Amount
	day.Count++
	day.HourCount++
	if err := l.putStats(dayKey(l.now), day); err != nil {
		return dec, err
	}
	v, err := json.Marshal(append(reps, l.now))
	if err != nil {
		return dec, err
	}
	return dec, l.put(bucketStats, []byte(repeats), v)
}

// unscreen takes a voided debit back out of the day's total, so that a
// cancelled order does not count against the daily limit.
func (l *ltx) unscreen(amount int64, at time.Time) error {
	s, err := l.stats(dayKey(at))
	if err != nil {
		return err
	}
	s.Total -= amount
	if s.Total < 0 {
		s.Total = 0
	}
	return l.putStats(dayKey(at), s)
}

// markPaid remembers that the user has paid payee. A payee paid before is
// left as it is: rewriting the same byte would cost a page and a binding on
// the audit chain for every payment.
func (l *ltx) markPaid(payee string) error {
	if l.Bucket(bucketStats).Get([]byte(payeeKey(payee))) != nil {
		return nil
	}
	return l.put(bucketStats, []byte(payeeKey(payee)), []byte{1})
}

// joinReasons says a decision's reasons in one sentence.
func joinReasons(reasons []string) string { return strings.Join(reasons, "; ") }

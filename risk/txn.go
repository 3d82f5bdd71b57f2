package risk

import "time"

// The channels a debit can come through.
const (
	ChannelVoice   = "voice"   // the person spoke
	ChannelText    = "text"    // the person typed
	ChannelMandate = "mandate" // a charge under a mandate, the person absent
)

// Txn is one debit as the wallet sees it, with the features it computed from
// the ledger.
type Txn struct {
	Amount    int64     // minor units
	Currency  string    // ISO 4217 code
	Payee     string    // account id, e.g. "merchant:luckin_coffee"
	Channel   string    // ChannelVoice, ChannelText or ChannelMandate
	Agent     string    // agent identity when an agent proposed it, else ""
	Time      time.Time // when the debit is made (local time of the wallet clock)
	DayTotal  int64     // user's debits already made today (calendar day of Time), not counting this one
	HourCount int       // user's debits already made in this clock hour, not counting this one
	PayeeSeen bool      // the user has paid this payee before
	// Repeats counts the recent debits like this one in the repeat window,
	// not counting this one: to the same payee for the same amount, or, on
	// the mandate channel, every charge under the same mandate whatever its
	// amount (a runaway agent varies its amounts as easily as it repeats
	// them).
	Repeats int
}

package risk

// Limits are the thresholds of the default rules. Amounts are in minor units
// of the wallet's currency.
type Limits struct {
	MaxPerTransaction   int64 // block a debit above this
	StepUpAbove         int64 // step up a debit above this
	DailyLimit          int64 // block when DayTotal+Amount exceeds this
	HourlyCount         int   // review when HourCount reaches this
	NewPayeeStepUpAbove int64 // step up when the payee is new and the amount is above this
	RepeatLimit         int   // block when Repeats reaches this (a runaway agent)
	// MandateRepeatLimit takes the place of RepeatLimit on the mandate
	// channel, where the same charge repeats by nature: a metered
	// subscription charges the same price for every use or minute. It is
	// higher, so that metered use goes through while an agent looping on
	// its charges is still stopped. Zero means RepeatLimit.
	MandateRepeatLimit int

	// OddHoursStart and OddHoursEnd bound the hours [start, end) of the day
	// in which a person is rarely awake to pay; debits then are stepped up.
	// A start after the end wraps past midnight (22, 6); equal bounds mean
	// no odd hours.
	OddHoursStart, OddHoursEnd int

	// TrustedPayees are payees whose debits below TrustedBelow skip review.
	TrustedPayees []string
	TrustedBelow  int64
}

// DefaultLimits returns limits suited to a personal wallet in CNY: at most
// 2000 yuan a debit and 5000 a day, a step-up above 500 yuan or above 200 to
// a new payee, review from the 20th debit in an hour, a block at the 5th
// repeat of the same payment (the 30th of the same charge under a mandate),
// and odd hours from midnight to 5 am. No payee
// is trusted until the person names one; then debits under 50 yuan to it
// skip review.
func DefaultLimits() Limits {
	return Limits{
		MaxPerTransaction:   200000,
		StepUpAbove:         50000,
		DailyLimit:          500000,
		HourlyCount:         20,
		NewPayeeStepUpAbove: 20000,
		RepeatLimit:         5,
		MandateRepeatLimit:  30,
		OddHoursStart:       0,
		OddHoursEnd:         5,
		TrustedBelow:        5000,
	}
}

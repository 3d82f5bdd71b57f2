package risk

import (
	"fmt"
	"slices"
	"strconv"
)

// Rule is one named condition and the action it asks for. Match reports
// whether the rule applies to a debit and, if so, a short reason; Decide
// prefixes the reason with the rule's name. Match must be pure.
type Rule struct {
	Name   string
	Action Action
	Match  func(Txn) (reason string, ok bool)
}

// Names of the default rules. They are stable: audit records and tests
// refer to them.
const (
	ruleAmountStepUp      = "amount_step_up"
	ruleNewPayee          = "new_payee"
	ruleAgentNewPayee     = "agent_new_payee"
	ruleOddHours          = "odd_hours"
	ruleTrustedPayee      = "trusted_payee"
	ruleInvalidAmount     = "invalid_amount"
	ruleUnknownChannel    = "unknown_channel"
	ruleMaxPerTransaction = "max_per_transaction"
	ruleDailyLimit        = "daily_limit"
	ruleRepeatLimit       = "repeat_limit"
	ruleHourlyCount       = "hourly_count"
	ruleMandateNoStepUp   = "mandate_no_step_up"
)

// defaultRules builds the default rule set from l, in evaluation order.
func defaultRules(l Limits) []Rule {
	trusted := slices.Clone(l.TrustedPayees)
	blocks := []Rule{
		{ruleInvalidAmount, Block, func(t Txn) (string, bool) {
			if t.Amount > 0 {
				return "", false
			}
			return fmt.Sprintf("amount %s is not positive", amount(t.Amount)), true
		}},
		{ruleUnknownChannel, Block, func(t Txn) (string, bool) {
			if knownChannel(t.Channel) {
				return "", false
			}
			return fmt.Sprintf("channel %q is not voice, text or mandate", t.Channel), true
		}},
		{ruleMaxPerTransaction, Block, func(t Txn) (string, bool) {
			if t.Amount <= l.MaxPerTransaction {
				return "", false
			}
			return fmt.Sprintf("amount %s over the per-transaction maximum %s",
				amount(t.Amount), amount(l.MaxPerTransaction)), true
		}},
		{ruleDailyLimit, Block, func(t Txn) (string, bool) {
			if !overDaily(t, l.DailyLimit) {
				return "", false
			}
			return fmt.Sprintf("%s already paid today plus %s exceeds the daily limit %s",
				amount(t.DayTotal), amount(t.Amount), amount(l.DailyLimit)), true
		}},
		{ruleRepeatLimit, Block, func(t Txn) (string, bool) {
			limit := l.RepeatLimit
			if t.Channel == ChannelMandate && l.MandateRepeatLimit > 0 {
				limit = l.MandateRepeatLimit
			}
			if t.Repeats < limit {
				return "", false
			}
			if t.Channel == ChannelMandate {
				return fmt.Sprintf("%d recent charges under this mandate to %s already, whatever their amounts, at the repeat limit %d",
					t.Repeats, t.Payee, limit), true
			}
			return fmt.Sprintf("%d recent debits of %s to %s already, at the repeat limit %d",
				t.Repeats, amount(t.Amount), t.Payee, limit), true
		}},
	}

	rules := []Rule{
		{ruleAmountStepUp, StepUp, func(t Txn) (string, bool) {
			if t.Amount <= l.StepUpAbove {
				return "", false
			}
			return fmt.Sprintf("amount %s over the step-up threshold %s",
				amount(t.Amount), amount(l.StepUpAbove)), true
		}},
		{ruleNewPayee, StepUp, func(t Txn) (string, bool) {
			if t.Channel == ChannelMandate || t.PayeeSeen || t.Amount <= l.NewPayeeStepUpAbove {
				return "", false
			}
			return fmt.Sprintf("first payment to %s, amount %s over the new-payee threshold %s",
				t.Payee, amount(t.Amount), amount(l.NewPayeeStepUpAbove)), true
		}},
		{ruleAgentNewPayee, StepUp, func(t Txn) (string, bool) {
			if t.Channel == ChannelMandate || t.PayeeSeen || t.Agent == "" {
				return "", false
			}
			return fmt.Sprintf("agent %q proposed %s, a payee never paid before", t.Agent, t.Payee), true
		}},
		{ruleOddHours, StepUp, func(t Txn) (string, bool) {
			h := t.Time.Hour()
			if t.Channel == ChannelMandate || !oddHour(h, l.OddHoursStart, l.OddHoursEnd) {
				return "", false
			}
			return fmt.Sprintf("debit at %02d:%02d, within odd hours %02d:00-%02d:00",
				h, t.Time.Minute(), l.OddHoursStart, l.OddHoursEnd), true
		}},
		{ruleTrustedPayee, Allow, func(t Txn) (string, bool) {
			if t.Amount >= l.TrustedBelow || !slices.Contains(trusted, t.Payee) {
				return "", false
			}
			// Trust skips review, never a limit the block rules enforce.
			for _, b := range blocks {
				if _, hit := b.Match(t); hit {
					return "", false
				}
			}
			return fmt.Sprintf("%s is trusted and amount %s is under %s",
				t.Payee, amount(t.Amount), amount(l.TrustedBelow)), true
		}},
	}
	rules = append(rules, blocks...)
	return append(rules, Rule{ruleHourlyCount, Review, func(t Txn) (string, bool) {
		if t.HourCount < l.HourlyCount {
			return "", false
		}
		return fmt.Sprintf("%d debits already this hour, at the hourly count %d",
			t.HourCount, l.HourlyCount), true
	}})
}

func knownChannel(c string) bool {
	return c == ChannelVoice || c == ChannelText || c == ChannelMandate
}

// overDaily reports whether t.DayTotal+t.Amount exceeds limit. A sum too
// large for int64 exceeds every limit.
func overDaily(t Txn, limit int64) bool {
	sum := t.DayTotal + t.Amount
	if (t.DayTotal >= 0) == (t.Amount >= 0) && (sum >= 0) != (t.Amount >= 0) {
		return t.Amount >= 0
	}
	return sum > limit
}

// oddHour reports whether hour h falls in [start, end), wrapping past
// midnight when start > end.
func oddHour(h, start, end int) bool {
	if start <= end {
		return h >= start && h < end
	}
	return h >= start || h < end
}

// amount formats minor units as a decimal with two places: 2500.00.
func amount(v int64) string {
	sign := ""
	u := uint64(v)
	if v < 0 {
		sign = "-"
		u = -u
	}
	frac := strconv.FormatUint(u%100, 10)
	if len(frac) == 1 {
		frac = "0" + frac
	}
	return sign + strconv.FormatUint(u/100, 10) + "." + frac
}

// Package risk screens each debit with an ordered set of rules and returns a
// Decision that carries its reasons.
//
// # Actions
//
// A Decision is one of four actions:
//
//   - allow: the debit goes ahead;
//   - step_up: the person must verify again (PIN or TOTP) before it goes ahead;
//   - review: the debit is held for a person to look at;
//   - block: the debit is refused.
//
// # Order of evaluation
//
// Rules run by action, in the order step_up, allow, block, review, as in
// Stripe Radar. Within one action they run in the order of Engine.Rules.
//
//  1. Every step_up rule is evaluated, and the engine remembers which matched.
//  2. Allow rules run next. The first that matches ends evaluation: the
//     decision is allow, or step_up when a step_up rule matched in 1.
//  3. Every block rule is evaluated. If any matched, the decision is block,
//     with the reasons of the block rules only.
//  4. Every review rule is evaluated. If any matched, the decision is review;
//     but a step_up from 1 wins over review, and the decision is step_up with
//     the step_up reasons followed by the review reasons.
//  5. Otherwise the decision is step_up if a step_up rule matched, else allow.
//
// A rule whose Action is none of the four is treated as a block rule, so a
// mistyped action fails closed.
//
// # Channels and agents
//
// The channel says who is present. On "voice" and "text" the person is there
// and can be asked to verify. On "mandate" the person is absent: the debit is
// a charge under a tip allowance or subscription they approved earlier. So:
//
//   - A decision that would be step_up on the mandate channel becomes block,
//     with the extra rule mandate_no_step_up, since nobody is there to ask.
//   - The odd_hours, new_payee and agent_new_payee rules skip the mandate
//     channel: the hour of a metered charge says nothing about the person,
//     and the person already named the payee when approving the mandate.
//   - Any other channel is blocked by unknown_channel: a debit whose origin
//     the engine does not know is a wiring mistake, and it fails closed.
//
// The repeat_limit rule stops a runaway agent that pays the same payee the
// same amount again and again. Under a metered mandate charges repeat by
// nature, so on the mandate channel the wallet counts every charge under
// the same mandate, whatever its amount (a loop that varies its amounts is
// still a loop), and the rule counts up to the higher MandateRepeatLimit:
// steady use passes, a loop is blocked, and the mandate's cap bounds what
// the charges before it moved. An agent that meters many small uses
// records them in batches (units > 1), not one charge per use.
//
// When an agent proposed the debit (Txn.Agent is set), a payee the person
// has never paid is stepped up whatever the amount (agent_new_payee): an
// agent that was talked into paying a stranger must not get there on a
// distracted "yes".
//
// # Default rules
//
// New builds these rules from Limits. Reasons start with the rule's name.
//
//	step_up  amount_step_up       Amount > StepUpAbove
//	step_up  new_payee            payee never paid and Amount > NewPayeeStepUpAbove (not on mandate)
//	step_up  agent_new_payee      an agent proposed a payee never paid (not on mandate)
//	step_up  odd_hours            the hour of Time is in [OddHoursStart, OddHoursEnd) (not on mandate)
//	allow    trusted_payee        payee in TrustedPayees and Amount < TrustedBelow
//	block    invalid_amount       Amount <= 0
//	block    unknown_channel      channel is not voice, text or mandate
//	block    max_per_transaction  Amount > MaxPerTransaction
//	block    daily_limit          DayTotal + Amount > DailyLimit
//	block    repeat_limit         Repeats >= RepeatLimit (MandateRepeatLimit on mandate)
//	review   hourly_count         HourCount >= HourlyCount
//
// The trusted_payee rule lets small payments to payees the person named skip
// review. It never lifts a limit of the default block rules: it does not
// match a debit that one of them would block. A step_up still applies to it.
//
// Limits are not switched off by zero: a zero MaxPerTransaction blocks every
// debit, and a zero HourlyCount sends every debit to review. Start from
// DefaultLimits and change fields.
//
// Decide is pure and deterministic: the same Txn and rules always give the
// same Decision, and it reads no clock. It is safe for concurrent use as
// long as Engine.Rules is not changed meanwhile.
package risk

// Action is what the engine decides to do with a debit.
type Action string

// The four actions, from most to least permissive.
const (
	Allow  Action = "allow"
	StepUp Action = "step_up"
	Review Action = "review"
	Block  Action = "block"
)

// Decision is the outcome of screening one debit.
type Decision struct {
	Action Action `json:"action"`
	// Reasons explain the action in short sentences, each starting with the
	// name of its rule ("amount_step_up: amount 2500.00 over ...").
	Reasons []string `json:"reasons"`
	// Rules names the rules behind Reasons, in the same order: those that
	// decided the action, not every rule that matched. An allow that no rule
	// produced has no rules and the one reason "no rule matched".
	Rules []string `json:"rules"`
	// Bounds are the limits the rules held the debit to, in the same order:
	// minor units for an amount, a count for a count, 0 for a rule without
	// one. A reply says them to the person in its own words.
	Bounds []int64 `json:"bounds,omitempty"`
}

// noMatch is the reason of an allow that no rule produced.
const noMatch = "no rule matched"

// Engine applies an ordered list of rules to debits. The fields are exported
// so that a deployment can add, drop or reorder rules after New.
type Engine struct {
	Rules []Rule

	limits Limits // what Bounds reports
}

// New returns an engine with the default rule set built from l.
func New(l Limits) *Engine {
	return &Engine{Rules: defaultRules(l), limits: l}
}

// Decide screens t. See the package documentation for the order of
// evaluation.
func (e *Engine) Decide(t Txn) Decision {
	d := e.decide(t)
	if len(d.Rules) > 0 {
		d.Bounds = make([]int64, len(d.Rules))
		for i, r := range d.Rules {
			d.Bounds[i] = e.bound(r, t)
		}
	}
	return d
}

// bound is the limit a default rule holds t to, or 0.
func (e *Engine) bound(rule string, t Txn) int64 {
	l := e.limits
	switch rule {
	case ruleMaxPerTransaction:
		return l.MaxPerTransaction
	case ruleDailyLimit:
		return l.DailyLimit
	case ruleAmountStepUp:
		return l.StepUpAbove
	case ruleNewPayee:
		return l.NewPayeeStepUpAbove
	case ruleHourlyCount:
		return int64(l.HourlyCount)
	case ruleRepeatLimit:
		if t.Channel == ChannelMandate && l.MandateRepeatLimit > 0 {
			return int64(l.MandateRepeatLimit)
		}
		return int64(l.RepeatLimit)
	}
	return 0
}

func (e *Engine) decide(t Txn) Decision {
	var stepUp hits
	for _, r := range e.Rules {
		if r.Action == StepUp {
			stepUp.match(r, t)
		}
	}

	for _, r := range e.Rules {
		if r.Action != Allow {
			continue
		}
		var allow hits
		if allow.match(r, t) {
			if stepUp.any() {
				return finish(t, stepUp.then(allow).decision(StepUp))
			}
			return allow.decision(Allow)
		}
	}

	var block hits
	for _, r := range e.Rules {
		if blocks(r.Action) {
			block.match(r, t)
		}
	}
	if block.any() {
		return block.decision(Block)
	}

	var review hits
	for _, r := range e.Rules {
		if r.Action == Review {
			review.match(r, t)
		}
	}
	switch {
	case stepUp.any():
		return finish(t, stepUp.then(review).decision(StepUp))
	case review.any():
		return review.decision(Review)
	}
	return Decision{Action: Allow, Reasons: []string{noMatch}, Rules: []string{}}
}

// blocks reports whether a rule with action a runs as a block rule.
func blocks(a Action) bool {
	switch a {
	case StepUp, Allow, Review:
		return false
	}
	return true
}

// finish turns a step_up on the mandate channel into a block: nobody is
// present to verify.
func finish(t Txn, d Decision) Decision {
	if d.Action != StepUp || t.Channel != ChannelMandate {
		return d
	}
	d.Action = Block
	d.Rules = append(d.Rules, ruleMandateNoStepUp)
	d.Reasons = append(d.Reasons, ruleMandateNoStepUp+": nobody is present on the mandate channel to step up, so the debit is blocked")
	return d
}

// hits collects the rules that matched, with their reasons.
type hits struct {
	rules   []string
	reasons []string
}

// match runs r against t and records it when it matches.
func (h *hits) match(r Rule, t Txn) bool {
	reason, ok := r.Match(t)
	if !ok {
		return false
	}
	h.rules = append(h.rules, r.Name)
	if reason == "" {
		h.reasons = append(h.reasons, r.Name)
	} else {
		h.reasons = append(h.reasons, r.Name+": "+reason)
	}
	return true
}

func (h hits) any() bool { return len(h.rules) > 0 }

// then returns h followed by o, without sharing storage with either.
func (h hits) then(o hits) hits {
	return hits{
		rules:   append(append(make([]string, 0, len(h.rules)+len(o.rules)), h.rules...), o.rules...),
		reasons: append(append(make([]string, 0, len(h.reasons)+len(o.reasons)), h.reasons...), o.reasons...),
	}
}

func (h hits) decision(a Action) Decision {
	return Decision{Action: a, Reasons: h.reasons, Rules: h.rules}
}

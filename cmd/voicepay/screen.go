package main

import (
	"github.com/voicepay/voicepay/config"
	"github.com/voicepay/voicepay/risk"
	"github.com/voicepay/voicepay/wallet"
)

// riskScreen lets the risk engine screen the wallet's debits.
type riskScreen struct{ engine *risk.Engine }

var _ wallet.Screener = riskScreen{}

func (s riskScreen) Screen(d wallet.Debit) wallet.Decision {
	dec := s.engine.Decide(risk.Txn{Amount: d.Amount, Currency: d.Currency, Payee: d.Payee, Channel: d.Channel,
		Agent: d.Agent, Time: d.Time, DayTotal: d.DayTotal, HourCount: d.HourCount, PayeeSeen: d.PayeeSeen, Repeats: d.Repeats})
	return wallet.Decision{Action: string(dec.Action), Reasons: dec.Reasons, Rules: dec.Rules}
}

// riskLimits maps the configured limits onto the risk engine's.
func riskLimits(cfg *config.Config) risk.Limits {
	r := cfg.Risk
	return risk.Limits{
		MaxPerTransaction: int64(r.MaxPerTransaction), StepUpAbove: int64(r.StepUpAbove), DailyLimit: int64(r.DailyLimit),
		HourlyCount: r.HourlyCount, NewPayeeStepUpAbove: int64(r.NewPayeeStepUpAbove), RepeatLimit: r.RepeatLimit,
		MandateRepeatLimit: r.MandateRepeatLimit,
		OddHoursStart:      r.OddHoursStart, OddHoursEnd: r.OddHoursEnd, TrustedPayees: r.TrustedPayees, TrustedBelow: int64(r.TrustedBelow),
	}
}

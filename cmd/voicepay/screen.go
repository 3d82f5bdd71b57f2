package main

import (
	"github.com/voicepay/voicepay/config"
	"github.com/voicepay/voicepay/risk"
)

// riskLimits maps the configured limits onto the risk engine's, for the
// wallet's screen (walletscreen.New).
func riskLimits(cfg *config.Config) risk.Limits {
	r := cfg.Risk
	return risk.Limits{
		MaxPerTransaction: int64(r.MaxPerTransaction), StepUpAbove: int64(r.StepUpAbove), DailyLimit: int64(r.DailyLimit),
		HourlyCount: r.HourlyCount, NewPayeeStepUpAbove: int64(r.NewPayeeStepUpAbove), RepeatLimit: r.RepeatLimit,
		MandateRepeatLimit: r.MandateRepeatLimit,
		OddHoursStart:      r.OddHoursStart, OddHoursEnd: r.OddHoursEnd, TrustedPayees: r.TrustedPayees, TrustedBelow: int64(r.TrustedBelow),
	}
}

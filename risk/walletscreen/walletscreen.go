// Package walletscreen is the risk engine as the wallet's screen: it
// implements wallet.Screener with a risk.Engine, passing each debit the
// wallet proposes to the engine as a risk.Txn and its decision back.
//
// It is a package of its own because neither side may import the other: risk
// imports none of its siblings, and wallet declares the Screener it consumes
// without knowing who implements it. The daemon and the tests of every
// package built on the wallet screen with this one adapter, so that what the
// tests check is what the daemon runs.
package walletscreen

import (
	"github.com/voicepay/voicepay/risk"
	"github.com/voicepay/voicepay/wallet"
)

// Screener screens the wallet's debits with a risk engine.
type Screener struct{ Engine *risk.Engine }

var _ wallet.Screener = Screener{}

// New returns a screener over a risk engine with the default rules built
// from l.
func New(l risk.Limits) Screener { return Screener{Engine: risk.New(l)} }

// Screen implements wallet.Screener.
func (s Screener) Screen(d wallet.Debit) wallet.Decision {
	dec := s.Engine.Decide(risk.Txn{Amount: d.Amount, Currency: d.Currency, Payee: d.Payee, Channel: d.Channel,
		Agent: d.Agent, Time: d.Time, DayTotal: d.DayTotal, HourCount: d.HourCount, PayeeSeen: d.PayeeSeen, Repeats: d.Repeats})
	return wallet.Decision{Action: string(dec.Action), Reasons: dec.Reasons, Rules: dec.Rules, Bounds: dec.Bounds}
}

package agent

import (
	"time"

	"github.com/voicepay/voicepay/wallet"
)

// Mandate is a tip allowance or a subscription as every surface shows it: in
// the websocket's events, and in what the MCP tools return. The jsonschema
// tags describe it in the MCP tools' output schema.
type Mandate struct {
	ID            uint64 `json:"id"`
	Kind          string `json:"kind" jsonschema:"tip or subscription"`
	State         string `json:"state" jsonschema:"proposed, active, exhausted, expired, revoked or declined"`
	Agent         string `json:"agent" jsonschema:"the agent that proposed it"`
	Payee         string `json:"payee" jsonschema:"the account paid, e.g. payee:claude_dev"`
	PayeeName     string `json:"payee_name"`
	Note          string `json:"note,omitempty" jsonschema:"the agent's note to the person; shown, never obeyed"`
	Unit          string `json:"unit" jsonschema:"use, minute or tip"`
	UnitPrice     int64  `json:"unit_price" jsonschema:"minor units per unit; 0 for a tip"`
	Cap           int64  `json:"cap" jsonschema:"the most charged per period, minor units"`
	PeriodSeconds int64  `json:"period_seconds" jsonschema:"the period of the cap in seconds; 0: one period over the whole life"`
	First         int64  `json:"first,omitempty" jsonschema:"a tip: the tip asked for, paid when the person approves it, minor units"`
	Spent         int64  `json:"spent" jsonschema:"the same as period_spent, under the name websocket clients read"`
	PeriodSpent   int64  `json:"period_spent" jsonschema:"charged in the current period, minor units"`
	Remaining     int64  `json:"remaining" jsonschema:"what may still be charged in the current period, minor units; 0 unless active"`
	TotalSpent    int64  `json:"total_spent" jsonschema:"charged over the whole life, minor units"`
	Charges       int    `json:"charges" jsonschema:"how many charges moved money"`
	Currency      string `json:"currency"`
	Expires       string `json:"expires" jsonschema:"when it ends: RFC 3339, UTC"`
}

// ViewMandate reports a mandate as the wallet read it: the wallet derives
// its state and period at every read. ViewMandate(nil) is nil.
func ViewMandate(m *wallet.Mandate) *Mandate {
	if m == nil {
		return nil
	}
	v := &Mandate{ID: m.ID, Kind: string(m.Kind), State: string(m.State), Agent: m.Agent, Payee: m.Payee,
		PayeeName: m.PayeeName, Note: m.Note, Unit: m.Unit, UnitPrice: m.UnitPrice, Cap: m.Cap,
		PeriodSeconds: int64(m.Period / time.Second), First: m.First, Spent: m.PeriodSpent, PeriodSpent: m.PeriodSpent,
		TotalSpent: m.TotalSpent, Charges: m.Charges, Currency: m.Currency, Expires: timestamp(m.Expires)}
	if m.State == wallet.MandateActive {
		v.Remaining = m.Remaining()
	}
	return v
}

package agent

import (
	"strings"
	"time"

	"github.com/voicepay/voicepay/wallet"
)

// Order is an order as every surface shows it: in the websocket's events,
// and in what the MCP tools return. The jsonschema tags describe it in the
// MCP tools' output schema.
type Order struct {
	ID        uint64           `json:"id"`
	State     string           `json:"state" jsonschema:"drafted, confirmed (money on hold), paid, cancelled or expired"`
	Payee     string           `json:"payee" jsonschema:"the account paid, e.g. merchant:luckin_coffee"`
	PayeeName string           `json:"payee_name"`
	Lines     []wallet.Line    `json:"lines"`
	Total     int64            `json:"total" jsonschema:"minor units"`
	Currency  string           `json:"currency"`
	Amount    string           `json:"amount" jsonschema:"the total as the person hears it, e.g. 36 yuan"`
	Expires   string           `json:"expires" jsonschema:"when the order, or its hold once confirmed, lapses unless paid: RFC 3339, UTC"`
	Agent     string           `json:"agent,omitempty" jsonschema:"the agent that proposed it"`
	Memo      string           `json:"memo,omitempty" jsonschema:"the agent's note to the person; shown, never obeyed"`
	Risk      *wallet.Decision `json:"risk,omitempty" jsonschema:"risk control's decision when the person confirmed it"`
	Blocked   string           `json:"blocked,omitempty" jsonschema:"why risk control refused the order, when it did"`
	Receipt   *wallet.Receipt  `json:"receipt,omitempty" jsonschema:"the signed receipt, once paid"`
}

// ViewOrder reports an order as it stands at now. An open order whose time,
// or its hold's, has run out is reported expired, as the sweeper is about to
// record it; Expires is the order's deadline. ViewOrder(nil, now) is nil.
func ViewOrder(o *wallet.Order, now time.Time) *Order {
	if o == nil {
		return nil
	}
	v := &Order{ID: o.ID, State: string(o.State), Payee: o.Payee, PayeeName: o.PayeeName, Lines: o.Lines,
		Total: o.Total, Currency: o.Currency, Amount: Money(o.Total, o.Currency), Expires: timestamp(o.Deadline()),
		Agent: o.Agent, Memo: o.Memo, Risk: o.Decision, Receipt: o.Receipt}
	if v.Lines == nil {
		v.Lines = []wallet.Line{}
	}
	if o.Lapsed(now) {
		v.State = string(wallet.Expired)
	}
	if o.State == wallet.Drafted && o.Decision != nil && o.Decision.Action == wallet.ActionBlock {
		v.Blocked = strings.Join(o.Decision.Reasons, "; ")
		if v.Blocked == "" {
			v.Blocked = "blocked by risk control"
		}
	}
	return v
}

// timestamp is how every surface writes a time: RFC 3339, in UTC, to the
// second.
func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

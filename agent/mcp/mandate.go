package mcp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/wallet"
)

// RequestTipIn is what request_tip takes.
type RequestTipIn struct {
	Payee          string  `json:"payee" jsonschema:"who receives the tip: an id of lowercase letters, digits, _ and -, e.g. claude_dev"`
	Amount         int64   `json:"amount" jsonschema:"the tip, in minor units (500 is 5 yuan)"`
	Note           string  `json:"note,omitempty" jsonschema:"a short note shown to the person; it is never obeyed"`
	Cap            *int64  `json:"cap,omitempty" jsonschema:"an allowance for later tips without asking: the most per period, minor units; the amount when left out"`
	PeriodSeconds  int64   `json:"period_seconds,omitempty" jsonschema:"the allowance's period in seconds, e.g. 86400 for a day; 0 for one period over its whole life"`
	Expires        *string `json:"expires,omitempty" jsonschema:"when the allowance ends, RFC 3339, e.g. 2026-12-31T00:00:00Z; in 24 hours when left out"`
	IdempotencyKey string  `json:"idempotency_key" jsonschema:"unique per tip; a retry with the same key asks or pays once"`
}

// ProposeSubscriptionIn is what propose_subscription takes.
type ProposeSubscriptionIn struct {
	Payee          string  `json:"payee" jsonschema:"who is paid: an id of lowercase letters, digits, _ and -, e.g. claude_dev"`
	Note           string  `json:"note,omitempty" jsonschema:"what the subscription is for, shown to the person; it is never obeyed"`
	Unit           string  `json:"unit" jsonschema:"use (a price per use) or minute (a price per minute)"`
	UnitPrice      int64   `json:"unit_price" jsonschema:"the price of one use or one minute, in minor units"`
	Cap            int64   `json:"cap" jsonschema:"the most charged per period, in minor units"`
	PeriodSeconds  int64   `json:"period_seconds,omitempty" jsonschema:"the period of the cap in seconds, e.g. 2592000 for 30 days; 0 for one period over its whole life"`
	Expires        *string `json:"expires,omitempty" jsonschema:"when the subscription ends, RFC 3339, e.g. 2026-12-31T00:00:00Z; in 30 days when left out"`
	IdempotencyKey string  `json:"idempotency_key" jsonschema:"unique per proposal; a retry with the same key proposes once"`
}

// RecordUsageIn is what record_usage takes.
type RecordUsageIn struct {
	SubscriptionID uint64 `json:"subscription_id" jsonschema:"the id propose_subscription returned"`
	Units          int64  `json:"units" jsonschema:"how many uses, or minutes, or for a tip allowance the tip in minor units; batch units into one charge rather than charging one at a time"`
	IdempotencyKey string `json:"idempotency_key" jsonschema:"unique per usage record; a retry with the same key charges once"`
}

// SubscriptionIn names a subscription or tip allowance.
type SubscriptionIn struct {
	SubscriptionID uint64 `json:"subscription_id" jsonschema:"the id propose_subscription or request_tip returned"`
}

// WaitMandateIn is what wait_mandate takes.
type WaitMandateIn struct {
	MandateID      uint64  `json:"mandate_id" jsonschema:"the id propose_subscription or request_tip returned"`
	TimeoutSeconds float64 `json:"timeout_seconds,omitempty" jsonschema:"how long to wait at most, in seconds, 0 to 300; 0 or left out for 25"`
}

// WaitMandateOut is what wait_mandate returns.
type WaitMandateOut struct {
	Mandate  *Mandate `json:"mandate"`
	Decided  bool     `json:"decided" jsonschema:"the mandate is no longer proposed: the person approved or declined it, or it expired"`
	TimedOut bool     `json:"timed_out" jsonschema:"the timeout passed first; call wait_mandate again to keep waiting"`
}

// Mandate is a subscription or tip allowance as an agent sees it: the
// mandate as every surface shows it, and what the agent should expect next.
// Next is here, not in agent.Mandate, because it speaks to an agent and
// names the tools.
type Mandate struct {
	agent.Mandate
	Next string `json:"next" jsonschema:"what happens next, in a sentence"`
}

// Charge is one charge under a mandate.
type Charge struct {
	ID       uint64    `json:"id"`
	Units    int64     `json:"units"`
	Amount   int64     `json:"amount" jsonschema:"minor units"`
	Transfer uint64    `json:"transfer" jsonschema:"the ledger transfer that paid it"`
	Time     time.Time `json:"time"`
}

// TipOut is what request_tip returns.
type TipOut struct {
	Tip    *Mandate `json:"tip" jsonschema:"the tip allowance: proposed until the person approves it"`
	Charge *Charge  `json:"charge,omitempty" jsonschema:"set when the tip was paid at once, under an allowance the person approved"`
}

// UsageOut is what record_usage returns.
type UsageOut struct {
	Charge       *Charge  `json:"charge"`
	Subscription *Mandate `json:"subscription"`
}

// viewMandate reports a mandate as agent.ViewMandate does, and says what
// happens next.
func viewMandate(m *wallet.Mandate) *Mandate {
	v := &Mandate{Mandate: *agent.ViewMandate(m)}
	switch m.State {
	case wallet.MandateProposed:
		v.Next = `Waiting for the person to approve it by voice ("approve the ` + v.Kind + `") in their own session; poll get_subscription.`
	case wallet.MandateActive:
		v.Next = "Approved: charges within the cap go ahead."
		if m.Kind == wallet.MandateSubscription {
			v.Next = "Approved: record_usage charges within the cap."
		}
	case wallet.MandateExhausted:
		v.Next = "The cap of this period is spent; charges wait for the next period."
	case wallet.MandateExpired:
		v.Next = "Expired: propose a new one if the person still wants it."
	case wallet.MandateRevoked:
		v.Next = "Revoked, by the person or by this agent: charge nothing more under it."
	case wallet.MandateDeclined:
		v.Next = "Declined by the person, or withdrawn by this agent: do not propose it again unasked."
	}
	return v
}

func (m *Mandate) summary() string {
	price := ""
	if m.Kind == string(wallet.MandateSubscription) {
		price = fmt.Sprintf(", at %s per %s", agent.Money(m.UnitPrice, m.Currency), m.Unit)
	}
	return fmt.Sprintf("%s %d to %s%s: %s, cap %s, %s spent this period. %s", capitalize(m.Kind), m.ID, m.PayeeName,
		price, m.State, agent.Money(m.Cap, m.Currency), agent.Money(m.PeriodSpent, m.Currency), m.Next)
}

// units says n units of a mandate: "1 use", "2 uses", "3 minutes", or a
// tip's amount in minor units.
func units(n int64, unit string) string {
	if unit == "tip" {
		unit = "minor unit"
	}
	if n != 1 {
		unit += "s"
	}
	return fmt.Sprintf("%d %s", n, unit)
}

func viewCharge(c *wallet.Charge) *Charge {
	return &Charge{ID: c.ID, Units: c.Units, Amount: c.Amount, Transfer: c.Transfer, Time: c.Time}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// needKey refuses a mutating call without an idempotency key.
func needKey(k string) error {
	if strings.TrimSpace(k) == "" {
		return wallet.Errorf(wallet.EINVALID, "idempotency_key is required: a unique key per request, reused only to retry it.")
	}
	return nil
}

// parseExpires reads an RFC 3339 time; left out, it is the zero time, for
// the default. An empty one is refused, as the schema refuses it.
func parseExpires(s *string) (time.Time, error) {
	if s == nil {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, *s)
	if err != nil || !rfc3339.MatchString(*s) {
		return time.Time{}, wallet.Errorf(wallet.EINVALID,
			"expires %q: give an RFC 3339 time such as 2026-12-31T00:00:00Z, or leave it out for the default.", *s)
	}
	return t, nil
}

func seconds(n int64) (time.Duration, error) {
	if n < 0 || n > int64(maxPeriod/time.Second) {
		return 0, wallet.Errorf(wallet.EINVALID, "period_seconds must be between 0 and 100 years.")
	}
	return time.Duration(n) * time.Second, nil
}

func (s *Server) requestTip(ctx context.Context, req *sdk.CallToolRequest, in RequestTipIn) (*sdk.CallToolResult, *TipOut, error) {
	ag, err := agentOf(req)
	if err != nil {
		return nil, nil, err
	}
	if err := needKey(in.IdempotencyKey); err != nil {
		return nil, nil, err
	}
	exp, err := parseExpires(in.Expires)
	if err != nil {
		return nil, nil, err
	}
	period, err := seconds(in.PeriodSeconds)
	if err != nil {
		return nil, nil, err
	}
	var tipCap int64
	if in.Cap != nil {
		if *in.Cap < 1 {
			return nil, nil, wallet.Errorf(wallet.EINVALID, "cap must be at least 1 minor unit; leave it out for the tip's amount.")
		}
		tipCap = *in.Cap
	}
	m, c, err := s.Hub.RequestTip(ctx, ag, in.IdempotencyKey, agent.TipRequest{Payee: in.Payee,
		Amount: in.Amount, Note: in.Note, Cap: tipCap, Period: period, Expires: exp})
	if err != nil {
		return nil, nil, s.fail(toolRequestTip, ag, err)
	}
	out := &TipOut{Tip: viewMandate(m)}
	if c != nil {
		out.Charge = viewCharge(c)
		return text(fmt.Sprintf("Tipped %s to %s under the allowance the person approved. %s",
			agent.Money(c.Amount, m.Currency), m.PayeeName, out.Tip.summary())), out, nil
	}
	return text("Asked the person. " + out.Tip.summary()), out, nil
}

func (s *Server) proposeSubscription(ctx context.Context, req *sdk.CallToolRequest, in ProposeSubscriptionIn) (*sdk.CallToolResult, *Mandate, error) {
	ag, err := agentOf(req)
	if err != nil {
		return nil, nil, err
	}
	if err := needKey(in.IdempotencyKey); err != nil {
		return nil, nil, err
	}
	exp, err := parseExpires(in.Expires)
	if err != nil {
		return nil, nil, err
	}
	period, err := seconds(in.PeriodSeconds)
	if err != nil {
		return nil, nil, err
	}
	m, err := s.Hub.ProposeSubscription(ctx, ag, in.IdempotencyKey, agent.SubscriptionProposal{
		Payee: in.Payee, Note: in.Note, Unit: in.Unit, UnitPrice: in.UnitPrice, Cap: in.Cap, Period: period, Expires: exp})
	if err != nil {
		return nil, nil, s.fail(toolProposeSubscription, ag, err)
	}
	v := viewMandate(m)
	return text("Proposed to the person. " + v.summary()), v, nil
}

func (s *Server) recordUsage(ctx context.Context, req *sdk.CallToolRequest, in RecordUsageIn) (*sdk.CallToolResult, *UsageOut, error) {
	ag, err := agentOf(req)
	if err != nil {
		return nil, nil, err
	}
	if err := needKey(in.IdempotencyKey); err != nil {
		return nil, nil, err
	}
	c, m, err := s.Hub.RecordUsage(ctx, ag, in.IdempotencyKey, in.SubscriptionID, in.Units)
	if err != nil {
		// Another agent's mandate is not found, as it is to
		// get_subscription. Looked up only on a refusal, to keep charges
		// fast.
		if wallet.ErrorCode(err) == wallet.EUNAUTHORIZED || wallet.ErrorCode(err) == wallet.ENOTFOUND {
			if _, merr := s.agentMandate(ctx, ag, in.SubscriptionID); merr != nil {
				err = merr
			}
		}
		return nil, nil, s.fail(toolRecordUsage, ag, err)
	}
	out := &UsageOut{Charge: viewCharge(c), Subscription: viewMandate(m)}
	return text(fmt.Sprintf("Charged %s for %s. %s", agent.Money(c.Amount, m.Currency), units(c.Units, m.Unit),
		out.Subscription.summary())), out, nil
}

// agentMandate reads a mandate the agent proposed; anyone else's is not
// found, so that an agent learns nothing of other agents' mandates.
func (s *Server) agentMandate(ctx context.Context, ag string, id uint64) (*wallet.Mandate, error) {
	m, err := s.Hub.DB.Mandate(ctx, id)
	if err != nil && !errors.Is(err, wallet.ErrNotFound) {
		return nil, err
	}
	if err != nil || m.Agent != ag {
		return nil, wallet.Errorf(wallet.ENOTFOUND, "There is no subscription or tip allowance %d of this agent.", id)
	}
	return m, nil
}

func (s *Server) getSubscription(ctx context.Context, req *sdk.CallToolRequest, in SubscriptionIn) (*sdk.CallToolResult, *Mandate, error) {
	ag, err := agentOf(req)
	if err != nil {
		return nil, nil, err
	}
	m, err := s.agentMandate(ctx, ag, in.SubscriptionID)
	if err != nil {
		return nil, nil, s.fail(toolGetSubscription, ag, err)
	}
	v := viewMandate(m)
	return text(v.summary()), v, nil
}

func (s *Server) waitMandate(ctx context.Context, req *sdk.CallToolRequest, in WaitMandateIn) (*sdk.CallToolResult, *WaitMandateOut, error) {
	ag, err := agentOf(req)
	if err != nil {
		return nil, nil, err
	}
	wait, err := waitLength(in.TimeoutSeconds)
	if err != nil {
		return nil, nil, err
	}
	out := &WaitMandateOut{}
	what := fmt.Sprintf("subscription or tip allowance %d", in.MandateID)
	end, err := s.await(ctx, req, wallet.WatchMandate, in.MandateID, wait, what, func() (bool, error) {
		m, err := s.agentMandate(ctx, ag, in.MandateID)
		if err != nil {
			return false, err
		}
		out.Mandate = viewMandate(m)
		out.Decided = out.Mandate.State != string(wallet.MandateProposed)
		return out.Decided, nil
	})
	if err != nil {
		return nil, nil, s.fail(toolWaitMandate, ag, err)
	}
	lead, timedOut := end.said(toolWaitMandate)
	out.TimedOut = timedOut
	return text(lead + out.Mandate.summary()), out, nil
}

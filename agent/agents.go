package agent

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/voicepay/voicepay/wallet"
)

// AgentInfo is a paired agent as the agent endpoints and the CLI list it.
type AgentInfo struct {
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	// Grants are what it may do through the payment tools (wallet.AllGrants).
	Grants []string `json:"grants"`
}

func agentInfo(d *wallet.Device) AgentInfo {
	return AgentInfo{Name: d.ID, Created: d.Created, Grants: d.AgentGrants()}
}

// AddAgent pairs an agent-scope device called name and returns its token,
// which is stored only as a hash. It gets the default grants
// (wallet.DefaultGrants), with allow added and deny taken away; each may
// list several grants, comma-separated.
//
// For an agent already paired as name, allow and deny change its grants
// instead, and keep its token: the token returned is then "". Without
// them, a name already in use, by an agent or a person's device, is a
// conflict: revoke the agent first to issue a new token. The wallet decides
// that in the transaction that pairs, so that of concurrent adds of one
// name exactly one gets a token.
func AddAgent(ctx context.Context, db *wallet.DB, name string, allow, deny []string) (*AgentInfo, string, error) {
	if d, err := db.Device(ctx, name); err == nil && d.Scope != wallet.ScopeAgent {
		return nil, "", wallet.Errorf(wallet.ECONFLICT, "%s is the name of one of your devices; give the agent another.", name)
	} else if err != nil && !errors.Is(err, wallet.ErrNotFound) {
		return nil, "", err
	}
	token, d, err := db.PairAgent(ctx, name, allow, deny)
	// The name is refused with the bare sentinel; a grant with a sentence of its own.
	if err != nil && wallet.AsError(err) == wallet.ErrInvalid {
		return nil, "", wallet.Errorf(wallet.EINVALID, "An agent name is 1-64 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit.")
	} else if err != nil {
		return nil, "", err
	}
	info := agentInfo(d)
	return &info, token, nil
}

// Agents lists the paired agents, with their grants.
func Agents(ctx context.Context, db *wallet.DB) ([]AgentInfo, error) {
	ds, err := db.Devices(ctx)
	if err != nil {
		return nil, err
	}
	out := []AgentInfo{}
	for _, d := range ds {
		if d.Scope == wallet.ScopeAgent {
			out = append(out, agentInfo(d))
		}
	}
	return out, nil
}

// RevokeAgent removes an agent and its token; its next request is refused.
// In the same write its proposals are declined, its subscriptions and tip
// allowances revoked, and its open orders cancelled with their holds
// released: a new agent paired under the name starts with nothing. Only
// agents can be revoked here, never a person's device.
func RevokeAgent(ctx context.Context, db *wallet.DB, name string) error {
	d, err := db.Device(ctx, name)
	if errors.Is(err, wallet.ErrNotFound) || (err == nil && d.Scope != wallet.ScopeAgent) {
		return wallet.Errorf(wallet.ENOTFOUND, "There is no agent called %s.", name)
	} else if err != nil {
		return err
	}
	return db.RevokeDevice(ctx, name)
}

// RevokeAgent revokes an agent as the package's RevokeAgent does, and
// tells every open session what that ended: its orders withdrawn, and its
// tip allowances and subscriptions ended, each card updated.
func (h *Hub) RevokeAgent(ctx context.Context, name string) error {
	live, _ := h.DB.FindOrders(ctx, wallet.OrderFilter{Agent: name, Live: true})
	mandates, _ := h.DB.FindMandates(ctx, wallet.MandateFilter{Agent: name, States: []wallet.MandateState{
		wallet.MandateProposed, wallet.MandateActive, wallet.MandateExhausted}})
	if err := RevokeAgent(ctx, h.DB, name); err != nil {
		return err
	}
	var ended []string
	for _, o := range live {
		if o, err := h.DB.Order(ctx, o.ID); err == nil {
			ended = append(ended, "its order from "+shop(o))
			h.announce(fmt.Sprintf("revoked:order:%d", o.ID), Event{Type: EventOrderUpdated, Order: ViewOrder(o, h.DB.Now())})
		}
	}
	for _, m := range mandates {
		if m, err := h.DB.Mandate(ctx, m.ID); err == nil {
			what := "its subscription to "
			if m.Kind == wallet.MandateTip {
				what = "its tip allowance for "
			}
			ended = append(ended, what+payee(m))
			h.announce(fmt.Sprintf("revoked:mandate:%d", m.ID), Event{Type: EventMandateUpdated, Mandate: ViewMandate(m)})
		}
	}
	text := fmt.Sprintf("Your agent %s was revoked; its token no longer works.", name)
	if len(ended) > 0 {
		text = fmt.Sprintf("Your agent %s was revoked: %s ended, and nothing more can be charged by it.", name, join(ended))
	}
	h.announce("", Event{Type: EventAgentRevoked, Text: text})
	return nil
}

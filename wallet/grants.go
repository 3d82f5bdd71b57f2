package wallet

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
)

// Grants say what an agent may do through the payment tools, as a
// restricted key does: the person gives them at pairing and may change
// them later. Every tool call reads them from the device again, so a change
// takes effect at once.
const (
	GrantOrders        = "orders"        // propose, read, wait for, cancel and refund its own orders
	GrantTips          = "tips"          // ask for tips, under allowances the person approves
	GrantSubscriptions = "subscriptions" // propose subscriptions and charge usage under them
	GrantBalance       = "balance"       // read the person's balance
)

// AllGrants are the grants there are, in the order they are shown.
var AllGrants = []string{GrantOrders, GrantTips, GrantSubscriptions, GrantBalance}

// DefaultGrants are what a new agent gets: everything but the balance,
// which is the person's to share.
var DefaultGrants = []string{GrantOrders, GrantTips, GrantSubscriptions}

// AgentGrants are the grants of an agent-scope device. An agent paired
// before grants existed has none stored, and has the defaults. A user
// device has none: grants are for agents.
func (d *Device) AgentGrants() []string {
	switch {
	case d.Scope != ScopeAgent:
		return []string{}
	case d.Grants == nil:
		return slices.Clone(DefaultGrants)
	}
	return slices.Clone(d.Grants)
}

// Granted reports whether an agent-scope device holds grant g.
func (d *Device) Granted(g string) bool { return slices.Contains(d.AgentGrants(), g) }

// ParseGrants reads grant names: each element may be one name or a
// comma-separated list of them. An unknown name is refused as invalid.
func ParseGrants(list []string) ([]string, error) {
	var out []string
	for _, el := range list {
		for _, name := range strings.Split(el, ",") {
			name = strings.ToLower(strings.TrimSpace(name))
			if name == "" {
				continue
			}
			if !slices.Contains(AllGrants, name) {
				return nil, invalid("There is no grant %q: the grants are %s.", name, strings.Join(AllGrants, ", "))
			}
			if !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	return out, nil
}

// applyGrants returns base with allow added and deny taken away, in the
// order of AllGrants. A name both allowed and denied is refused.
func applyGrants(base, allow, deny []string) ([]string, error) {
	allow, err := ParseGrants(allow)
	if err != nil {
		return nil, err
	}
	if deny, err = ParseGrants(deny); err != nil {
		return nil, err
	}
	out := []string{}
	for _, g := range AllGrants {
		if slices.Contains(allow, g) && slices.Contains(deny, g) {
			return nil, invalid("%s is both allowed and denied; say one or the other.", g)
		}
		if (slices.Contains(base, g) || slices.Contains(allow, g)) && !slices.Contains(deny, g) {
			out = append(out, g)
		}
	}
	return out, nil
}

// PairAgent pairs an agent called id with the default grants, plus allow
// and less deny (see ParseGrants), and returns its token, shown once, and
// the device. For an agent already paired under id, allow and deny change
// its grants instead, keeping its token: the token returned is then "".
// With neither, an id already paired is refused with ErrDevicePaired. All
// of it is decided in one transaction.
func (db *DB) PairAgent(ctx context.Context, id string, allow, deny []string) (string, *Device, error) {
	if !deviceID.MatchString(id) {
		return "", nil, fmt.Errorf("add agent %q: ids are 1-64 lowercase letters, digits, '.', '_' or '-': %w", id, ErrInvalid)
	}
	if _, err := applyGrants(nil, allow, deny); err != nil {
		return "", nil, err
	}
	token, err := newToken(ScopeAgent)
	if err != nil {
		return "", nil, err
	}
	var d *Device
	var fresh bool
	err = db.write(ctx, func(l *ltx) (err error) {
		d, fresh = nil, false
		if old, err := getDevice(l.Tx, id); err == nil && old.Scope == ScopeAgent && len(allow)+len(deny) > 0 {
			d = old
			return l.setGrants(d, allow, deny)
		}
		if err := l.refusePaired(id); err != nil {
			return err
		}
		grants, err := applyGrants(DefaultGrants, allow, deny)
		if err != nil {
			return err
		}
		d, fresh = &Device{ID: id, Scope: ScopeAgent, TokenHash: tokenHash(token), Created: l.now, Grants: grants}, true
		return l.pair(d, "")
	})
	if err != nil {
		return "", nil, fmt.Errorf("add agent %s: %w", id, err)
	}
	if !fresh {
		token = ""
	}
	return token, d, nil
}

// setGrants changes an agent's grants and audits the change.
func (l *ltx) setGrants(d *Device, allow, deny []string) error {
	grants, err := applyGrants(d.AgentGrants(), allow, deny)
	if err != nil {
		return err
	}
	d.Grants = grants
	if err := l.putDevice(d); err != nil {
		return err
	}
	l.log(slog.LevelInfo, "agent grants changed", "device", d.ID, "grants", strings.Join(grants, ","))
	return l.audit("device", map[string]string{"event": "grants", "device": d.ID, "grants": strings.Join(grants, ",")})
}

package agent_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/wallet"
)

// TestAsError maps wallet conditions, however wrapped, to what a person sees.
func TestAsError(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		code    string
		message string
	}{
		{"coded", agent.Errorf(agent.ENOORDER, "No %s.", "order"), agent.ENOORDER, "No order."},
		{"wrapped coded", fmt.Errorf("turn: %w", agent.Errorf(agent.EINVALID, "Bad.")), agent.EINVALID, "Bad."},
		{"funds", fmt.Errorf("confirm order 3: %w", wallet.ErrInsufficientFunds), agent.EFUNDS,
			"You don't have enough money for this, counting what is on hold."},
		{"conflict", wallet.ErrIdempotencyConflict, agent.ECONFLICT, "That request id was already used for a different request."},
		{"no key", wallet.ErrNoIdempotencyKey, agent.EINVALID, "The request needs an idempotency key."},
		{"blocked", fmt.Errorf("confirm order 3: %w: daily_limit: over", wallet.ErrBlocked), agent.ERISKBLOCKED,
			"Blocked by risk control: daily_limit: over."},
		{"step up", wallet.ErrStepUpRequired, agent.ESTEPUP, "This payment needs your PIN."},
		{"locked", fmt.Errorf("activate cli: %w: too many wrong attempts, try again in 30s", wallet.ErrPINLocked), agent.ELOCKED,
			"PIN verification locked: too many wrong attempts, try again in 30s."},
		{"wrong PIN", wallet.ErrBadPIN, agent.EWRONGPIN, "That PIN is not right."},
		{"no PIN", wallet.ErrNoPIN, agent.ENOPIN, "No PIN is set. Run voicepay init to set one."},
		{"frozen", wallet.ErrFrozen, agent.EFROZEN, "Your wallet is frozen."},
		{"expired", fmt.Errorf("order 3: %w", wallet.ErrExpired), agent.EEXPIRED, "The order expired and nothing was charged."},
		{"state", wallet.ErrOrderState, agent.ESTATE, "The order can't do that now."},
		{"not found", wallet.ErrNotFound, agent.ENOTFOUND, "Not found."},
		{"unauthorized", wallet.ErrUnauthorized, agent.EUNAUTHORIZED, "Not allowed."},
		{"invalid", wallet.ErrInvalid, agent.EINVALID, "That request is not valid."},
		{"mandate cap", fmt.Errorf("charge mandate 2: %w", wallet.ErrMandateCap), agent.EMANDATECAP,
			"That charge would pass the mandate's cap for this period."},
		{"mandate expired", wallet.ErrMandateExpired, agent.EMANDATEEXPIRED, "The mandate has expired."},
		{"mandate revoked", wallet.ErrMandateRevoked, agent.EMANDATEREVOKED, "The mandate was revoked."},
		{"mandate not active", wallet.ErrMandateNotActive, agent.EMANDATENOTACTIVE,
			"The mandate is not active: it was not approved, or was declined."},
		{"mandate approved", wallet.ErrMandateApproved, agent.ESTATE, "The mandate is already approved."},
		{"cancelled", fmt.Errorf("save: %w", context.Canceled), agent.EINTERNAL, "The request was cancelled."},
		{"internal", errors.New("disk on fire"), agent.EINTERNAL, "Something went wrong inside voicepay."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := agent.AsError(tt.err)
			if got.Code != tt.code || got.Message != tt.message {
				t.Errorf("AsError(%v) = %q %q, want %q %q", tt.err, got.Code, got.Message, tt.code, tt.message)
			}
		})
	}
	if got, want := agent.Errorf(agent.EFROZEN, "Frozen.").Error(), "frozen: Frozen."; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

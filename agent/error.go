package agent

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/voicepay/voicepay/wallet"
)

// Error codes a person or a client sees. The websocket and the CLI show
// them as they are.
const (
	ECONFLICT         = "conflict"           // an idempotency key reused with other parameters
	EEXPIRED          = "expired"            // the order or its hold ran out of time
	EFROZEN           = "frozen"             // the wallet is frozen
	EFUNDS            = "insufficient_funds" // not enough money, counting holds
	EINTERNAL         = "internal"           // a fault inside voicepay; the details are logged
	EINVALID          = "invalid"            // malformed input
	ELOCKED           = "locked"             // too many wrong attempts
	EMANDATECAP       = "mandate_cap"        // a charge would pass the cap of the mandate's period
	EMANDATEEXPIRED   = "mandate_expired"    // the mandate ran out of time
	EMANDATEREVOKED   = "mandate_revoked"    // the person revoked the mandate
	EMANDATENOTACTIVE = "mandate_not_active" // the mandate was not approved, or was declined
	ENOORDER          = "no_order"           // nothing to confirm, pay, change or cancel
	ENOPIN            = "no_pin"             // the wallet has no PIN yet
	ENOTACTIVE        = "not_active"         // payments are not enabled on this device
	ENOTFOUND         = "not_found"          // an unknown order, item, merchant or device
	ERISKBLOCKED      = "risk_blocked"       // risk control refused the payment
	ESTATE            = "wrong_state"        // the order cannot do that now
	ESTEPUP           = "step_up_required"   // risk asks for the PIN again
	EUNAUTHORIZED     = "unauthorized"       // no or wrong token, or the wrong scope
	EUNSUPPORTED      = "unsupported"        // a command voicepay does not carry out
	EWRONGPIN         = "wrong_pin"          // the PIN did not match
)

// Error is what a person sees: a stable code and a sentence.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns a coded error.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// sentinels maps the wallet's conditions to codes and what to say.
var sentinels = []struct {
	err     error
	code    string
	message string
}{
	{wallet.ErrMandateCap, EMANDATECAP, "That charge would pass the mandate's cap for this period."},
	{wallet.ErrMandateExpired, EMANDATEEXPIRED, "The mandate has expired."},
	{wallet.ErrMandateRevoked, EMANDATEREVOKED, "The mandate was revoked."},
	{wallet.ErrMandateNotActive, EMANDATENOTACTIVE, "The mandate is not active: it was not approved, or was declined."},
	{wallet.ErrMandateApproved, ESTATE, "The mandate is already approved."},
	{wallet.ErrInsufficientFunds, EFUNDS, "You don't have enough money for this, counting what is on hold."},
	{wallet.ErrIdempotencyConflict, ECONFLICT, "That request id was already used for a different request."},
	{wallet.ErrNoIdempotencyKey, EINVALID, "The request needs an idempotency key."},
	{wallet.ErrBlocked, ERISKBLOCKED, "Risk control blocked this payment."},
	{wallet.ErrStepUpRequired, ESTEPUP, "This payment needs your PIN."},
	{wallet.ErrPINLocked, ELOCKED, "PIN verification is locked."},
	{wallet.ErrBadPIN, EWRONGPIN, "That PIN is not right."},
	{wallet.ErrBadTOTP, EWRONGPIN, "That authenticator code is not right."},
	{wallet.ErrNoPIN, ENOPIN, "No PIN is set. Run voicepay init to set one."},
	{wallet.ErrFrozen, EFROZEN, "Your wallet is frozen."},
	{wallet.ErrExpired, EEXPIRED, "The order expired and nothing was charged."},
	{wallet.ErrOrderState, ESTATE, "The order can't do that now."},
	{wallet.ErrNotFound, ENOTFOUND, "Not found."},
	{wallet.ErrUnauthorized, EUNAUTHORIZED, "Not allowed."},
	{wallet.ErrInvalid, EINVALID, "That request is not valid."},
}

// AsError turns any error into the coded error a person sees. Errors that are
// not the person's to see become EINTERNAL.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			msg := s.message
			switch s.code {
			case ELOCKED, ERISKBLOCKED:
				msg = sentence(err.Error())
			}
			return &Error{Code: s.code, Message: msg}
		}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &Error{Code: EINTERNAL, Message: "The request was cancelled."}
	}
	return &Error{Code: EINTERNAL, Message: "Something went wrong inside voicepay."}
}

// sentence keeps the part of a wrapped error chain that a person can read:
// "confirm order 3: blocked by risk control: amount ..." → "Blocked by risk control: amount ...".
func sentence(s string) string {
	for _, part := range []string{"blocked by risk control", "PIN verification locked"} {
		if i := strings.Index(s, part); i >= 0 {
			s = s[i:]
			break
		}
	}
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

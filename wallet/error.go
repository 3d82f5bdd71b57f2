package wallet

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Error codes a person or a client sees. Every surface (the dialog, the
// websocket, MCP, the CLI) shows them as they are. They live here, in the
// package every layer already imports, so that none of them has to import
// the dialog to name one.
const (
	EBUSY             = "busy"               // too many utterances wait to be heard; say it again
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
	ERATELIMITED      = "rate_limited"       // an agent proposes faster than it may; try again later
	ETOOMANY          = "too_many_waiting"   // an agent has as many proposals waiting for the person as it may
)

// Error is what a person sees: a stable code and a sentence, and the data a
// reply needs. Callers test for a condition with errors.Is against the
// sentinels below, and read the data with AsError; nothing reads the text.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Retryable says the same request may succeed if made again unchanged,
	// as a busy refusal may once the load has passed.
	Retryable bool `json:"retryable,omitempty"`

	// Decision is risk control's decision, on a risk_blocked refusal.
	Decision *Decision `json:"-"`
	// Until is when a lockout ends, on a locked refusal.
	Until time.Time `json:"-"`
	// Order is the order that expired, on an expired refusal.
	Order *Order `json:"-"`

	cause *Error // the sentinel this error is an instance of
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Unwrap gives the sentinel an error with data is an instance of, so that
// errors.Is(err, ErrBlocked) holds for every blocked refusal.
func (e *Error) Unwrap() error {
	if e.cause == nil {
		return nil
	}
	return e.cause
}

// Reworded is a copy of e that says format instead, for another reader:
// the same code and data, and an instance of what e is an instance of, or
// of e itself, so that errors.Is still holds.
func (e *Error) Reworded(format string, args ...any) *Error {
	c := *e
	c.Message = fmt.Sprintf(format, args...)
	if c.cause == nil {
		c.cause = e
	}
	return &c
}

// Errorf returns a coded error.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// The conditions callers test for, each with its code and what to say.
var (
	ErrNotFound            = &Error{Code: ENOTFOUND, Message: "Not found."}
	ErrInsufficientFunds   = &Error{Code: EFUNDS, Message: "You don't have enough money for this, counting what is on hold."}
	ErrIdempotencyConflict = &Error{Code: ECONFLICT, Message: "That request id was already used for a different request."}
	ErrNoIdempotencyKey    = &Error{Code: EINVALID, Message: "The request needs an idempotency key."}
	ErrOrderState          = &Error{Code: ESTATE, Message: "The order can't do that now."}
	ErrExpired             = &Error{Code: EEXPIRED, Message: "The order expired and nothing was charged."}
	ErrBlocked             = &Error{Code: ERISKBLOCKED, Message: "Risk control blocked this payment."}
	ErrStepUpRequired      = &Error{Code: ESTEPUP, Message: "This payment needs your PIN."}
	ErrBadPIN              = &Error{Code: EWRONGPIN, Message: "That PIN is not right."}
	ErrPINLocked           = &Error{Code: ELOCKED, Message: "PIN verification is locked."}
	ErrNoPIN               = &Error{Code: ENOPIN, Message: "No PIN is set. Run voicepay init to set one."}
	ErrFrozen              = &Error{Code: EFROZEN, Message: "Your wallet is frozen. Say unfreeze my wallet and your PIN to let payments through again."}
	ErrInvalid             = &Error{Code: EINVALID, Message: "That request is not valid."}
	ErrUnauthorized        = &Error{Code: EUNAUTHORIZED, Message: "Not allowed."}
)

// ErrMalformedPIN refuses a PIN that is not 4 to 12 digits. It is no guess
// at the PIN, so it is never hashed and never counts toward the lockout.
var ErrMalformedPIN = &Error{Code: EINVALID, cause: ErrInvalid,
	Message: "A PIN is 4 to 12 digits; say or send the digits of your PIN."}

// ErrPINBusy refuses a PIN check that waited too long for a place among the
// argon2id hashes in flight.
var ErrPINBusy = &Error{Code: ELOCKED,
	Message: "Too many PIN checks at once; try again in a few seconds."}

// ErrLocked means another process has the wallet file open. It is the
// operator's to see, not a person's.
var ErrLocked = errors.New("wallet is open in another process")

// blocked is the refusal for a blocked decision, with the decision. It keeps
// the transaction, so that the decision stays on the audit chain.
func blocked(dec Decision) error {
	msg := "Blocked by risk control."
	if len(dec.Reasons) > 0 {
		msg = "Blocked by risk control: " + joinReasons(dec.Reasons) + "."
	}
	return keep(&Error{Code: ERISKBLOCKED, Message: msg, Decision: &dec, cause: ErrBlocked})
}

// locked is the refusal while PIN verification is locked, until until.
func locked(now, until time.Time, why string) error {
	wait := until.Sub(now).Round(time.Second)
	return &Error{Code: ELOCKED, Message: fmt.Sprintf("PIN verification locked: %stry again in %s.", why, wait),
		Until: until, cause: ErrPINLocked}
}

// expired is the refusal of an order that ran out of time, with the order
// as the expiry left it.
func expired(o *Order) error {
	return &Error{Code: EEXPIRED, Message: ErrExpired.Message, Order: o, cause: ErrExpired}
}

// AsError turns any error into the coded error a person sees. Errors that
// are not the person's to see become EINTERNAL.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &Error{Code: EINTERNAL, Message: "The request was cancelled."}
	}
	return &Error{Code: EINTERNAL, Message: "Something went wrong inside voicepay."}
}

// ErrorCode is the code of err as AsError gives it.
func ErrorCode(err error) string { return AsError(err).Code }

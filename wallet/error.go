package wallet

import "errors"

// Conditions callers test for. The agent maps each to a coded error a person sees.
var (
	ErrNotFound            = errors.New("not found")
	ErrLocked              = errors.New("wallet is open in another process")
	ErrInsufficientFunds   = errors.New("insufficient funds")
	ErrIdempotencyConflict = errors.New("idempotency key reused with different parameters")
	ErrNoIdempotencyKey    = errors.New("idempotency key is required")
	ErrOrderState          = errors.New("order is not in a state that allows this")
	ErrExpired             = errors.New("expired")
	ErrBlocked             = errors.New("blocked by risk control")
	ErrStepUpRequired      = errors.New("step-up verification required")
	ErrBadPIN              = errors.New("wrong PIN")
	ErrPINLocked           = errors.New("PIN verification locked")
	ErrNoPIN               = errors.New("no PIN is set")
	ErrFrozen              = errors.New("wallet is frozen")
	ErrInvalid             = errors.New("invalid request")
	ErrUnauthorized        = errors.New("unauthorized")
)

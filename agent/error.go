package agent

import "github.com/voicepay/voicepay/wallet"

// The coded errors a person sees are wallet.Error; these names remain for the
// surfaces that still spell them through the agent package.
type Error = wallet.Error

const (
	ECONFLICT         = wallet.ECONFLICT
	EEXPIRED          = wallet.EEXPIRED
	EFROZEN           = wallet.EFROZEN
	EFUNDS            = wallet.EFUNDS
	EINTERNAL         = wallet.EINTERNAL
	EINVALID          = wallet.EINVALID
	ELOCKED           = wallet.ELOCKED
	EMANDATECAP       = wallet.EMANDATECAP
	EMANDATEEXPIRED   = wallet.EMANDATEEXPIRED
	EMANDATEREVOKED   = wallet.EMANDATEREVOKED
	EMANDATENOTACTIVE = wallet.EMANDATENOTACTIVE
	ENOORDER          = wallet.ENOORDER
	ENOPIN            = wallet.ENOPIN
	ENOTACTIVE        = wallet.ENOTACTIVE
	ENOTFOUND         = wallet.ENOTFOUND
	ERISKBLOCKED      = wallet.ERISKBLOCKED
	ESTATE            = wallet.ESTATE
	ESTEPUP           = wallet.ESTEPUP
	EUNAUTHORIZED     = wallet.EUNAUTHORIZED
	EUNSUPPORTED      = wallet.EUNSUPPORTED
	EWRONGPIN         = wallet.EWRONGPIN
)

// Errorf returns a coded error.
func Errorf(code, format string, args ...any) *Error { return wallet.Errorf(code, format, args...) }

// AsError turns any error into the coded error a person sees.
func AsError(err error) *Error { return wallet.AsError(err) }

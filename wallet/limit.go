package wallet

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The bounds of what the ledger takes. Every layer that checks a request
// before it reaches the wallet (the dialog, what agents propose) checks
// against these, so that no two layers disagree.
const (
	MaxLines       = 20          // lines of one order
	MaxQuantity    = 99          // of one line: as much as a person would say
	MaxAmount      = 100_000_000 // minor units of a unit price, a tip or a mandate's cap: a million yuan
	MaxName        = 64          // characters of a payee's name or a line's name
	MaxNote        = 200         // characters of an agent's memo or note
	MaxNoteBytes   = 500         // bytes of the same
	MaxMandateLife = 366 * 24 * time.Hour
	// MaxTopup is the most one top-up adds: a million yuan, as much as
	// the largest single amount the ledger takes elsewhere.
	MaxTopup = MaxAmount
	// MaxBalance bounds every account's balance, either way: 2^53-1 minor
	// units, so that every amount and balance is exact as a JSON number
	// (an IEEE double) in any client that reads one.
	MaxBalance = 1<<53 - 1
)

// invalid is a refusal of a malformed request that says what is wrong. It
// is ErrInvalid to errors.Is.
func invalid(format string, args ...any) error {
	return &Error{Code: EINVALID, Message: fmt.Sprintf(format, args...), cause: ErrInvalid}
}

// checkName checks the length of a name shown to the person.
func checkName(what, name string) error {
	if utf8.RuneCountInString(name) > MaxName {
		return invalid("The %s must be at most %d characters.", what, MaxName)
	}
	return nil
}

// checkNote checks the length of an agent's memo or note.
func checkNote(what, note string) error {
	if utf8.RuneCountInString(note) > MaxNote || len(note) > MaxNoteBytes {
		return invalid("The %s is too long: at most %d characters.", what, MaxNote)
	}
	return nil
}

// Account ids of merchants and payees.
const (
	merchantPrefix = "merchant:"
	payeePrefix    = "payee:"
)

// MerchantAccount is the account id of a catalog merchant.
func MerchantAccount(id string) string { return merchantPrefix + id }

// PayeeAccount is the account id of a tip or subscription payee.
func PayeeAccount(id string) string { return payeePrefix + id }

// MerchantOf returns the catalog merchant id of a merchant account, and
// false for any other account.
func MerchantOf(account string) (id string, ok bool) {
	id, ok = strings.CutPrefix(account, merchantPrefix)
	return id, ok && id != ""
}

// ValidPayeeID reports whether id can name a payee account: 1 to 64
// lowercase letters, digits, _ and -, starting with a letter or a digit,
// such as claude_dev.
func ValidPayeeID(id string) bool {
	if id == "" || len(id) > MaxName {
		return false
	}
	for i, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case i > 0 && (r == '_' || r == '-'):
		default:
			return false
		}
	}
	return true
}

// PayeeIDOf makes the payee id of a name: its letters and digits in lower
// case, every other run of characters one _ ("Dr. Who's Café" is
// dr_who_s_café). It is false when the name has no letter or digit.
func PayeeIDOf(name string) (string, bool) {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(name) {
		switch {
		case isLetterOrDigit(r):
			if under && b.Len() > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r)
			under = false
		default:
			under = true
		}
	}
	return b.String(), b.Len() > 0
}

func isLetterOrDigit(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// validPayee reports whether id is a merchant or payee account: an order
// never pays the user, the funding source or the compensation fund.
func validPayee(account string) bool {
	for _, prefix := range []string{merchantPrefix, payeePrefix} {
		if rest, ok := strings.CutPrefix(account, prefix); ok && rest != "" {
			return true
		}
	}
	return false
}

package config

import (
	"fmt"
	"strconv"
)

// Money is an amount in minor units (fen for CNY). In the file, the
// environment and flags it is written in major units as an exact decimal
// with at most two places: "2000", "2000.5", "2000.50".
type Money int64

// ParseMoney reads a non-negative decimal amount in major units, exactly:
// digits, then optionally a point and one or two digits. Signs, exponents,
// separators, spaces and more than two decimals are errors.
func ParseMoney(s string) (Money, error) {
	whole, frac := s, ""
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			whole, frac = s[:i], s[i+1:]
			if frac == "" {
				return 0, fmt.Errorf("%q is not an amount: put one or two digits after the point", s)
			}
			break
		}
	}
	if whole == "" || !digits(whole) || !digits(frac) {
		if len(s) > 0 && s[0] == '-' {
			return 0, fmt.Errorf("%q is negative: amounts must be zero or more", s)
		}
		return 0, fmt.Errorf("%q is not an amount: write major units such as 2000 or 2000.50", s)
	}
	if len(frac) > 2 {
		return 0, fmt.Errorf("%q has more than two decimals", s)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	major, err := strconv.ParseInt(whole, 10, 64)
	minor, _ := strconv.ParseInt(frac, 10, 64)
	const most = (1<<63 - 1) / 100
	if err != nil || major > most || major == most && minor > (1<<63-1)%100 {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return Money(major*100 + minor), nil
}

// digits reports whether s holds only ASCII digits.
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String formats m in major units with two decimals: 2000.00.
func (m Money) String() string {
	sign := ""
	u := uint64(m)
	if m < 0 {
		sign = "-"
		u = -u
	}
	return fmt.Sprintf("%s%d.%02d", sign, u/100, u%100)
}

// MarshalText writes m as String does.
func (m Money) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText reads m as ParseMoney does.
func (m *Money) UnmarshalText(b []byte) error {
	v, err := ParseMoney(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

package config

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// logLevels are the known values of log_level.
var logLevels = []string{"debug", "info", "warn", "error"}

// Validate checks the configuration and returns every problem, or nil. A
// named catalog file must load and pass its own checks.
func (c *Config) Validate() Problems {
	var ps Problems
	add := func(key, format string, args ...any) {
		ps = append(ps, Problem{Key: key, Message: oneLine(fmt.Sprintf(format, args...))})
	}
	c.validateTopLevel(add)
	c.validateTLS(add)
	c.Dialog.validate(add)
	c.Risk.validate(add)
	c.Auth.validate(add)
	c.LLM.validate(add)
	sortProblems(ps)
	return ps
}

// validateTopLevel adds the problems of the keys outside any section.
func (c *Config) validateTopLevel(add func(key, format string, args ...any)) {
	if err := checkListen(c.Listen); err != nil {
		add("listen", "%v", err)
	}
	switch {
	case c.DataDir == "":
		add("data_dir", "not set, and no default: set data_dir, VOICEPAY_DATA, XDG_DATA_HOME or HOME")
	case !filepath.IsAbs(c.DataDir):
		add("data_dir", "%q must be an absolute path", c.DataDir)
	}
	if !slices.Contains(logLevels, c.LogLevel) {
		add("log_level", "%q is not one of %s", c.LogLevel, strings.Join(logLevels, ", "))
	}
	if c.Catalog != "" {
		if b, err := os.ReadFile(c.Catalog); err != nil {
			add("catalog", "%v", err)
		} else if _, err := ParseCatalog(b); err != nil {
			add("catalog", "%s: %v", c.Catalog, err)
		}
	}
}

// validate adds the problems of the dialog section.
func (d Dialog) validate(add func(key, format string, args ...any)) {
	order := positive(add, "dialog.order_timeout", d.OrderTimeout)
	hold := positive(add, "dialog.hold_timeout", d.HoldTimeout)
	if order && hold && d.HoldTimeout > d.OrderTimeout {
		add("dialog.hold_timeout", "%s is longer than dialog.order_timeout %s", short(d.HoldTimeout), short(d.OrderTimeout))
	}
}

// validate adds the problems of the risk section.
func (r Risk) validate(add func(key, format string, args ...any)) {
	r.validateAmounts(add)
	atLeastOne(add, "risk.hourly_count", r.HourlyCount)
	atLeastOne(add, "risk.repeat_limit", r.RepeatLimit)
	atLeastOne(add, "risk.mandate_repeat_limit", r.MandateRepeatLimit)
	positive(add, "risk.repeat_window", r.RepeatWindow)
	for key, h := range map[string]int{"risk.odd_hours_start": r.OddHoursStart, "risk.odd_hours_end": r.OddHoursEnd} {
		if h < 0 || h > 24 {
			add(key, "%d is not an hour from 0 to 24", h)
		}
	}
	for i, p := range r.TrustedPayees {
		if p == "" || strings.ContainsFunc(p, func(r rune) bool { return r == ',' || r <= ' ' }) {
			add("risk.trusted_payees", "entry %d, %q, is not an account id such as merchant:luckin_coffee", i+1, p)
		}
	}
}

// validateAmounts adds the problems of the risk amounts: each is more than
// zero, a step-up is below the block, and the block is within the daily
// limit.
func (r Risk) validateAmounts(add func(key, format string, args ...any)) {
	amounts := []struct {
		key string
		m   Money
	}{
		{"risk.max_per_transaction", r.MaxPerTransaction},
		{"risk.step_up_above", r.StepUpAbove},
		{"risk.daily_limit", r.DailyLimit},
		{"risk.new_payee_step_up_above", r.NewPayeeStepUpAbove},
		{"risk.trusted_below", r.TrustedBelow},
	}
	ok := true
	for _, a := range amounts {
		if a.m <= 0 {
			add(a.key, "%s must be more than zero", a.m)
			ok = false
		}
	}
	if !ok {
		return
	}
	if r.StepUpAbove > r.MaxPerTransaction {
		add("risk.step_up_above", "%s is more than risk.max_per_transaction %s", r.StepUpAbove, r.MaxPerTransaction)
	}
	if r.MaxPerTransaction > r.DailyLimit {
		add("risk.max_per_transaction", "%s is more than risk.daily_limit %s", r.MaxPerTransaction, r.DailyLimit)
	}
}

// validate adds the problems of the auth section.
func (a Auth) validate(add func(key, format string, args ...any)) {
	atLeastOne(add, "auth.pin_attempts", a.PINAttempts)
	positive(add, "auth.lockout_base", a.LockoutBase)
	if strings.ContainsAny(a.PasskeyRPID, ":/ ") {
		add("auth.passkey_rp_id", "%q is not a domain: no scheme, port or path", a.PasskeyRPID)
	}
	for i, o := range a.PasskeyOrigins {
		if !strings.HasPrefix(o, "https://") && !strings.HasPrefix(o, "http://") {
			add("auth.passkey_origins", "entry %d, %q, is not a web origin such as https://pay.example.com", i+1, o)
		}
	}
}

// positive adds a problem for key unless d is longer than zero, and reports
// whether it is.
func positive(add func(key, format string, args ...any), key string, d time.Duration) bool {
	if d <= 0 {
		add(key, "%s must be longer than zero", short(d))
	}
	return d > 0
}

// atLeastOne adds a problem for key unless n is at least 1.
func atLeastOne(add func(key, format string, args ...any), key string, n int) {
	if n < 1 {
		add(key, "%d must be at least 1", n)
	}
}

// checkListen checks a host:port listen address.
func checkListen(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port, such as 127.0.0.1:8421", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q: port %q is not a number from 0 to 65535", addr, port)
	}
	return nil
}

// sortProblems orders problems by key, in the order of Keys, keeping the
// order of problems with the same key.
func sortProblems(ps Problems) {
	rank := func(k string) int {
		for i, key := range keys {
			if key.name == k {
				return i
			}
		}
		return len(keys)
	}
	slices.SortStableFunc(ps, func(a, b Problem) int { return rank(a.Key) - rank(b.Key) })
}

// short formats a duration without trailing zero units: 10m, not 10m0s.
func short(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

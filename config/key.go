package config

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/voicepay/voicepay/intent"
)

// key is one setting: its dotted name and how to set it from text.
type key struct {
	name string
	set  func(c *Config, s string) error
	// list is set instead of set for list-valued keys.
	list func(c *Config, items []string)
	// path marks file paths, which get ~ expanded and relative paths resolved.
	path bool
}

// keys lists every setting, in the order of the documentation.
var keys = []key{
	{name: "listen", set: text(func(c *Config) *string { return &c.Listen })},
	{name: "data_dir", set: text(func(c *Config) *string { return &c.DataDir }), path: true},
	{name: "catalog", set: text(func(c *Config) *string { return &c.Catalog }), path: true},
	{name: "log_level", set: func(c *Config, s string) error {
		c.LogLevel = strings.ToLower(strings.TrimSpace(s))
		return nil
	}},
	{name: "tls_cert", set: text(func(c *Config) *string { return &c.TLSCert }), path: true},
	{name: "tls_key", set: text(func(c *Config) *string { return &c.TLSKey }), path: true},
	{name: "allow_insecure", set: boolean(func(c *Config) *bool { return &c.AllowInsecure })},
	{name: "dialog.order_timeout", set: duration(func(c *Config) *time.Duration { return &c.Dialog.OrderTimeout })},
	{name: "dialog.hold_timeout", set: duration(func(c *Config) *time.Duration { return &c.Dialog.HoldTimeout })},
	{name: "risk.max_per_transaction", set: money(func(c *Config) *Money { return &c.Risk.MaxPerTransaction })},
	{name: "risk.step_up_above", set: money(func(c *Config) *Money { return &c.Risk.StepUpAbove })},
	{name: "risk.daily_limit", set: money(func(c *Config) *Money { return &c.Risk.DailyLimit })},
	{name: "risk.new_payee_step_up_above", set: money(func(c *Config) *Money { return &c.Risk.NewPayeeStepUpAbove })},
	{name: "risk.hourly_count", set: integer(func(c *Config) *int { return &c.Risk.HourlyCount })},
	{name: "risk.repeat_limit", set: integer(func(c *Config) *int { return &c.Risk.RepeatLimit })},
	{name: "risk.mandate_repeat_limit", set: integer(func(c *Config) *int { return &c.Risk.MandateRepeatLimit })},
	{name: "risk.repeat_window", set: duration(func(c *Config) *time.Duration { return &c.Risk.RepeatWindow })},
	{name: "risk.odd_hours_start", set: integer(func(c *Config) *int { return &c.Risk.OddHoursStart })},
	{name: "risk.odd_hours_end", set: integer(func(c *Config) *int { return &c.Risk.OddHoursEnd })},
	{name: "risk.trusted_payees", list: func(c *Config, items []string) { c.Risk.TrustedPayees = items }},
	{name: "risk.trusted_below", set: money(func(c *Config) *Money { return &c.Risk.TrustedBelow })},
	{name: "auth.pin_attempts", set: integer(func(c *Config) *int { return &c.Auth.PINAttempts })},
	{name: "auth.lockout_base", set: duration(func(c *Config) *time.Duration { return &c.Auth.LockoutBase })},
	{name: "auth.passkey_rp_id", set: text(func(c *Config) *string { return &c.Auth.PasskeyRPID })},
	{name: "auth.passkey_origins", list: func(c *Config, items []string) { c.Auth.PasskeyOrigins = items }},
	{name: "llm.base_url", set: text(func(c *Config) *string { return &c.LLM.BaseURL })},
	{name: "llm.model", set: text(func(c *Config) *string { return &c.LLM.Model })},
	{name: "llm.api_key_env", set: text(func(c *Config) *string { return &c.LLM.APIKeyEnv })},
	{name: "llm.timeout", set: duration(func(c *Config) *time.Duration { return &c.LLM.Timeout })},
}

// sections are the keys that hold other keys.
var sections = []string{"dialog", "risk", "auth", "llm"}

// Keys returns every configuration key, dotted, in documentation order.
func Keys() []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.name
	}
	return out
}

// lookupKey returns the key named name.
func lookupKey(name string) (key, bool) {
	for _, k := range keys {
		if k.name == name {
			return k, true
		}
	}
	return key{}, false
}

// envName is the environment variable of a key: VOICEPAY_RISK_DAILY_LIMIT.
func envName(name string) string {
	return "VOICEPAY_" + strings.ToUpper(strings.ReplaceAll(name, ".", "_"))
}

// setText sets k from one text value, splitting lists on commas.
func (k key) setText(c *Config, s string) error {
	if k.list == nil {
		return k.set(c, s)
	}
	var items []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	k.list(c, items)
	return nil
}

func text(field func(*Config) *string) func(*Config, string) error {
	return func(c *Config, s string) error {
		*field(c) = s
		return nil
	}
}

func duration(field func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, s string) error {
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("%q is not a duration: write it with a unit, such as 10m or 90s", s)
		}
		*field(c) = d
		return nil
	}
}

func boolean(field func(*Config) *bool) func(*Config, string) error {
	return func(c *Config, s string) error {
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("%q is not true or false", s)
		}
		*field(c) = b
		return nil
	}
}

func integer(field func(*Config) *int) func(*Config, string) error {
	return func(c *Config, s string) error {
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", s)
		}
		*field(c) = n
		return nil
	}
}

func money(field func(*Config) *Money) func(*Config, string) error {
	return func(c *Config, s string) error {
		m, err := ParseMoney(s)
		if err != nil {
			return err
		}
		*field(c) = m
		return nil
	}
}

// suggest returns a "did you mean" hint for an unknown key, or "".
func suggest(name string) string {
	lower := strings.ToLower(name)
	leaf := lower[strings.LastIndex(lower, ".")+1:]
	if strings.HasPrefix(lower, "llm.") && slices.Contains([]string{"api_key", "apikey", "key", "token", "secret"}, leaf) {
		return "the key never goes in the configuration: put it in an environment variable and set llm.api_key_env to that variable's name"
	}
	for _, k := range keys {
		if k.name[strings.LastIndex(k.name, ".")+1:] == leaf {
			return "did you mean " + k.name + "?"
		}
	}
	// Suggest only a close name: at most 3 edits, and fewer than half the
	// length of what was written.
	best, bestDist := "", min(3, len(lower)/2)+1
	for _, cand := range append(Keys(), sections...) {
		if d := intent.Slips(lower, cand, bestDist-1); d < bestDist {
			best, bestDist = cand, d
		}
	}
	if best == "" {
		return ""
	}
	return "did you mean " + best + "?"
}

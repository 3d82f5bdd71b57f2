package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/voicepay/voicepay/config"
)

// MustWriteFile writes content to name in a new temp dir and returns its path.
func MustWriteFile(tb testing.TB, name, content string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// env returns an Env func that reads m, with a HOME so that data_dir has a
// default.
func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		if k == "HOME" {
			if _, ok := m[k]; !ok {
				return "/home/test", true
			}
		}
		v, ok := m[k]
		return v, ok
	}
}

// MustLoad loads src and fails the test on any problem.
func MustLoad(tb testing.TB, src config.Source) *config.Config {
	tb.Helper()
	c, err := config.Load(src)
	if err != nil {
		tb.Fatalf("load: %v", err)
	}
	return c
}

// problems loads src and returns its problems, failing if there are none.
func problems(tb testing.TB, src config.Source) config.Problems {
	tb.Helper()
	c, err := config.Load(src)
	if err == nil {
		tb.Fatalf("load: got %+v and no error, want problems", c)
	}
	if c != nil {
		tb.Errorf("load: got a config along with problems")
	}
	var ps config.Problems
	if !errors.As(err, &ps) {
		tb.Fatalf("load: error %T is not Problems: %v", err, err)
	}
	return ps
}

// find returns the problems with the given key.
func find(ps config.Problems, key string) []string {
	var out []string
	for _, p := range ps {
		if p.Key == key {
			out = append(out, p.Message)
		}
	}
	return out
}

func TestDefault(t *testing.T) {
	t.Setenv("HOME", "/home/ada")
	t.Setenv("XDG_DATA_HOME", "")
	c := config.Default()
	if ps := c.Validate(); ps != nil {
		t.Fatalf("defaults are invalid: %v", ps)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"listen", c.Listen, "127.0.0.1:8421"},
		{"data_dir", c.DataDir, "/home/ada/.local/share/voicepay"},
		{"catalog", c.Catalog, ""},
		{"log_level", c.LogLevel, "info"},
		{"dialog.order_timeout", c.Dialog.OrderTimeout.String(), "10m0s"},
		{"dialog.hold_timeout", c.Dialog.HoldTimeout.String(), "5m0s"},
		{"risk.max_per_transaction", c.Risk.MaxPerTransaction, config.Money(200000)},
		{"risk.step_up_above", c.Risk.StepUpAbove, config.Money(50000)},
		{"risk.daily_limit", c.Risk.DailyLimit, config.Money(500000)},
		{"risk.new_payee_step_up_above", c.Risk.NewPayeeStepUpAbove, config.Money(20000)},
		{"risk.trusted_below", c.Risk.TrustedBelow, config.Money(5000)},
		{"risk.hourly_count", c.Risk.HourlyCount, 20},
		{"risk.repeat_limit", c.Risk.RepeatLimit, 5},
		{"risk.mandate_repeat_limit", c.Risk.MandateRepeatLimit, 30},
		{"risk.repeat_window", c.Risk.RepeatWindow.String(), "10m0s"},
		{"risk.odd_hours_start", c.Risk.OddHoursStart, 0},
		{"risk.odd_hours_end", c.Risk.OddHoursEnd, 5},
		{"risk.trusted_payees", len(c.Risk.TrustedPayees), 0},
		{"auth.pin_attempts", c.Auth.PINAttempts, 5},
		{"auth.lockout_base", c.Auth.LockoutBase.String(), "30s"},
		{"llm.base_url", c.LLM.BaseURL, ""},
		{"llm.model", c.LLM.Model, ""},
		{"llm.api_key_env", c.LLM.APIKeyEnv, ""},
		{"llm.timeout", c.LLM.Timeout.String(), "3s"},
		{"llm off", c.LLM.Enabled(), false},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestKeys(t *testing.T) {
	keys := config.Keys()
	if len(keys) != 29 {
		t.Errorf("got %d keys, want 29: %q", len(keys), keys)
	}
	for _, k := range []string{"listen", "data_dir", "catalog", "log_level", "tls_cert", "tls_key", "allow_insecure", "dialog.hold_timeout", "risk.trusted_payees", "auth.lockout_base", "llm.base_url", "llm.model", "llm.api_key_env", "llm.timeout"} {
		if !slices.Contains(keys, k) {
			t.Errorf("Keys lacks %q", k)
		}
	}
	keys[0] = "changed"
	if config.Keys()[0] != "listen" {
		t.Error("Keys shares its slice with callers")
	}
}

func TestPasskeyDefaults(t *testing.T) {
	tests := []struct {
		listen, rpID string
		origins      []string
		wantRP       string
		wantOrigins  []string
	}{
		{"127.0.0.1:8421", "", nil, "localhost", []string{"https://localhost:8421", "http://localhost:8421"}},
		{"pay.example.com:443", "", nil, "pay.example.com", []string{"https://pay.example.com:443"}},
		{"127.0.0.1:8421", "example.com", []string{"https://pay.example.com"}, "example.com", []string{"https://pay.example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.listen+"/"+tt.rpID, func(t *testing.T) {
			c := config.Default()
			c.Listen, c.Auth.PasskeyRPID, c.Auth.PasskeyOrigins = tt.listen, tt.rpID, tt.origins
			rp, origins := c.Passkey()
			if rp != tt.wantRP || strings.Join(origins, " ") != strings.Join(tt.wantOrigins, " ") {
				t.Errorf("got %s %v, want %s %v", rp, origins, tt.wantRP, tt.wantOrigins)
			}
		})
	}
}

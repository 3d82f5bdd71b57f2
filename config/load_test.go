package config_test

import (
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/voicepay/voicepay/config"
)

func TestLoadPrecedence(t *testing.T) {
	file := MustWriteFile(t, "voicepay.yaml", `
listen: 127.0.0.1:1000
log_level: debug
risk:
  daily_limit: 3000
  hourly_count: 7
  trusted_payees: [merchant:kfc]
dialog:
  hold_timeout: 2m
`)
	src := config.Source{
		File: file,
		Env: env(map[string]string{
			"VOICEPAY_LISTEN":              "127.0.0.1:2000",
			"VOICEPAY_LOG_LEVEL":           "WARN",
			"VOICEPAY_RISK_DAILY_LIMIT":    "4000.50",
			"VOICEPAY_DIALOG_HOLD_TIMEOUT": "3m",
			"VOICEPAY_AUTH_PIN_ATTEMPTS":   "",   // empty counts as unset
			"VOICEPAY_CONFIG":              "/x", // read by cmd, not here
		}),
		Flags: map[string]string{
			"listen":               "127.0.0.1:3000",
			"risk.trusted_payees":  "merchant:hema, merchant:kfc",
			"dialog.order_timeout": "20m",
		},
	}
	c := MustLoad(t, src)
	checks := []struct {
		name      string
		got, want any
	}{
		{"flag over env over file", c.Listen, "127.0.0.1:3000"},
		{"env over file", c.LogLevel, "warn"},
		{"env amount", c.Risk.DailyLimit, config.Money(400050)},
		{"file only", c.Risk.HourlyCount, 7},
		{"env duration", c.Dialog.HoldTimeout.String(), "3m0s"},
		{"flag duration", c.Dialog.OrderTimeout.String(), "20m0s"},
		{"flag list", strings.Join(c.Risk.TrustedPayees, " "), "merchant:hema merchant:kfc"},
		{"empty env ignored", c.Auth.PINAttempts, 5},
		{"default", c.Risk.StepUpAbove, config.Money(50000)},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestLoadEnvEveryKey(t *testing.T) {
	cert, key := MustWriteKeyPair(t)
	values := map[string]string{
		"VOICEPAY_LISTEN":                       "[::1]:9000",
		"VOICEPAY_DATA_DIR":                     "/srv/voicepay",
		"VOICEPAY_CATALOG":                      "",
		"VOICEPAY_LOG_LEVEL":                    "error",
		"VOICEPAY_TLS_CERT":                     cert,
		"VOICEPAY_TLS_KEY":                      key,
		"VOICEPAY_ALLOW_INSECURE":               "true",
		"VOICEPAY_DIALOG_ORDER_TIMEOUT":         "1h",
		"VOICEPAY_DIALOG_HOLD_TIMEOUT":          "30m",
		"VOICEPAY_RISK_MAX_PER_TRANSACTION":     "1000",
		"VOICEPAY_RISK_STEP_UP_ABOVE":           "100",
		"VOICEPAY_RISK_DAILY_LIMIT":             "2000",
		"VOICEPAY_RISK_NEW_PAYEE_STEP_UP_ABOVE": "50",
		"VOICEPAY_RISK_HOURLY_COUNT":            "3",
		"VOICEPAY_RISK_REPEAT_LIMIT":            "2",
		"VOICEPAY_RISK_MANDATE_REPEAT_LIMIT":    "12",
		"VOICEPAY_RISK_REPEAT_WINDOW":           "1m",
		"VOICEPAY_RISK_ODD_HOURS_START":         "22",
		"VOICEPAY_RISK_ODD_HOURS_END":           "6",
		"VOICEPAY_RISK_TRUSTED_PAYEES":          "merchant:kfc",
		"VOICEPAY_RISK_TRUSTED_BELOW":           "9.99",
		"VOICEPAY_AUTH_PIN_ATTEMPTS":            "3",
		"VOICEPAY_AUTH_LOCKOUT_BASE":            "1m",
		"VOICEPAY_AUTH_PASSKEY_RP_ID":           "example.com",
		"VOICEPAY_AUTH_PASSKEY_ORIGINS":         "https://pay.example.com",
		"VOICEPAY_LLM_BASE_URL":                 "https://llm.example/v1",
		"VOICEPAY_LLM_MODEL":                    "small-model",
		"VOICEPAY_LLM_API_KEY_ENV":              "LLM_TEST_KEY",
		"VOICEPAY_LLM_TIMEOUT":                  "2s",
	}
	all := maps.Clone(values)
	all["LLM_TEST_KEY"] = "sk-test" // the variable llm.api_key_env names
	c := MustLoad(t, config.Source{Env: env(all)})
	want := config.Config{
		Listen: "[::1]:9000", DataDir: "/srv/voicepay", LogLevel: "error",
		TLSCert: cert, TLSKey: key, AllowInsecure: true,
		Dialog: config.Dialog{OrderTimeout: 3600e9, HoldTimeout: 1800e9},
		Risk: config.Risk{
			MaxPerTransaction: 100000, StepUpAbove: 10000, DailyLimit: 200000, NewPayeeStepUpAbove: 5000,
			TrustedBelow: 999, HourlyCount: 3, RepeatLimit: 2, MandateRepeatLimit: 12, RepeatWindow: 60e9,
			OddHoursStart: 22, OddHoursEnd: 6, TrustedPayees: []string{"merchant:kfc"},
		},
		Auth: config.Auth{PINAttempts: 3, LockoutBase: 60e9, PasskeyRPID: "example.com",
			PasskeyOrigins: []string{"https://pay.example.com"}},
		LLM: config.LLM{BaseURL: "https://llm.example/v1", Model: "small-model", APIKeyEnv: "LLM_TEST_KEY", Timeout: 2e9},
	}
	if !equal(*c, want) {
		t.Errorf("got  %+v\nwant %+v", *c, want)
	}
	if len(values) != len(config.Keys()) {
		t.Errorf("the test sets %d variables for %d keys", len(values), len(config.Keys()))
	}
}

// equal compares configs, taking a nil list as empty.
func equal(a, b config.Config) bool {
	if len(a.Risk.TrustedPayees) == 0 && len(b.Risk.TrustedPayees) == 0 {
		a.Risk.TrustedPayees, b.Risk.TrustedPayees = nil, nil
	}
	if len(a.Auth.PasskeyOrigins) == 0 && len(b.Auth.PasskeyOrigins) == 0 {
		a.Auth.PasskeyOrigins, b.Auth.PasskeyOrigins = nil, nil
	}
	return reflect.DeepEqual(a, b)
}

func TestLoadDataDir(t *testing.T) {
	home, xdg, data := t.TempDir(), t.TempDir(), t.TempDir()
	tests := []struct {
		name    string
		env     map[string]string // a missing or empty value unsets the variable
		want    string
		byOwner bool // set by a VOICEPAY_ variable, so not the Default
	}{
		{"HOME", map[string]string{"HOME": home}, filepath.Join(home, ".local/share/voicepay"), false},
		{"XDG_DATA_HOME", map[string]string{"HOME": home, "XDG_DATA_HOME": xdg}, filepath.Join(xdg, "voicepay"), false},
		{"relative XDG_DATA_HOME ignored", map[string]string{"HOME": home, "XDG_DATA_HOME": "rel"}, filepath.Join(home, ".local/share/voicepay"), false},
		{"XDG_DATA_HOME without HOME", map[string]string{"XDG_DATA_HOME": xdg}, filepath.Join(xdg, "voicepay"), false},
		{"VOICEPAY_DATA", map[string]string{"HOME": home, "XDG_DATA_HOME": xdg, "VOICEPAY_DATA": data}, data, true},
		{"VOICEPAY_DATA_DIR", map[string]string{"HOME": home, "VOICEPAY_DATA_DIR": data}, data, true},
		{"both, agreeing", map[string]string{"HOME": home, "VOICEPAY_DATA": data, "VOICEPAY_DATA_DIR": data}, data, true},
		{"tilde", map[string]string{"HOME": home, "VOICEPAY_DATA": "~/vp"}, filepath.Join(home, "vp"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"HOME", "XDG_DATA_HOME", "VOICEPAY_DATA", "VOICEPAY_DATA_DIR"} {
				t.Setenv(k, tt.env[k])
				if tt.env[k] == "" {
					os.Unsetenv(k)
				}
			}
			c := MustLoad(t, config.Source{Env: os.LookupEnv})
			if c.DataDir != tt.want {
				t.Errorf("Load: got %q, want %q", c.DataDir, tt.want)
			}
			if got := config.Default().DataDir; !tt.byOwner && got != tt.want {
				t.Errorf("Default: got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLoadDataDirProblems(t *testing.T) {
	t.Run("disagreeing aliases", func(t *testing.T) {
		ps := problems(t, config.Source{Env: env(map[string]string{"VOICEPAY_DATA": "/a", "VOICEPAY_DATA_DIR": "/b"})})
		if got := find(ps, "data_dir"); len(got) != 1 || !strings.Contains(got[0], "disagree") {
			t.Errorf("got %v, want one data_dir problem saying they disagree", ps)
		}
	})
	t.Run("no default", func(t *testing.T) {
		ps := problems(t, config.Source{Env: func(string) (string, bool) { return "", false }})
		if got := find(ps, "data_dir"); len(got) != 1 {
			t.Errorf("got %v, want one data_dir problem", ps)
		}
	})
	t.Run("tilde without HOME", func(t *testing.T) {
		ps := problems(t, config.Source{Env: env(map[string]string{"HOME": "", "VOICEPAY_DATA": "~/x"})})
		if got := find(ps, "data_dir"); len(got) != 1 || !strings.Contains(got[0], "HOME") {
			t.Errorf("got %v, want one data_dir problem naming HOME", ps)
		}
	})
}

func TestLoadRelativePaths(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "voicepay.yaml")
	catalog := filepath.Join(dir, "shops.yaml")
	if err := os.WriteFile(file, []byte("data_dir: state\ncatalog: shops.yaml\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	valid := "currency: CNY\nmerchants:\n  - {id: kfc, say: [KFC], items: [{id: cola, say: [cola], price: 800}]}\n"
	if err := os.WriteFile(catalog, []byte(valid), 0o600); err != nil {
		t.Fatal(err)
	}
	c := MustLoad(t, config.Source{File: file, Env: env(nil)})
	if want := filepath.Join(dir, "state"); c.DataDir != want {
		t.Errorf("data_dir: got %q, want %q", c.DataDir, want)
	}
	if c.Catalog != catalog {
		t.Errorf("catalog: got %q, want %q", c.Catalog, catalog)
	}
	cat, err := c.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cat.Merchant("kfc"); !ok {
		t.Errorf("loaded catalog lacks kfc: %+v", cat)
	}
}

func TestLoadFileProblems(t *testing.T) {
	tests := []struct {
		name    string
		content string
		key     string // "" means the file's path
		message string // a part of the message
	}{
		{"syntax", "listen: [\n", "", "yaml:"},
		{"not a mapping", "- listen\n", "", "want a mapping of keys at the top, got a list"},
		{"two documents", "listen: a:1\n---\nlisten: b:2\n", "", "more than one YAML document"},
		{"unknown key", "lisen: x:1\n", "lisen", "did you mean listen?"},
		{"unknown key in section", "risk:\n  daily_limt: 5\n", "risk.daily_limt", "did you mean risk.daily_limit?"},
		{"key in the wrong section", "auth:\n  daily_limit: 5\n", "auth.daily_limit", "did you mean risk.daily_limit?"},
		{"unknown section", "rsik:\n  daily_limit: 5\n", "rsik", "did you mean risk?"},
		{"dotted key", "risk.daily_limit: 5\n", "risk.daily_limit", "write it nested"},
		{"section not a mapping", "risk: 5\n", "risk", "want a mapping"},
		{"duplicate", "listen: a:1\nlisten: b:2\n", "listen", "set twice, on lines 1 and 2"},
		{"list for a scalar", "listen: [a, b]\n", "listen", "want a single value, got a list"},
		{"null amount", "risk:\n  daily_limit:\n", "risk.daily_limit", "has no value (line 2)"},
		{"bad list entry", "risk:\n  trusted_payees: [a, {b: c}]\n", "risk.trusted_payees", "got a mapping in it"},
		{"bad amount", "risk:\n  daily_limit: 5.001\n", "risk.daily_limit", `"5.001" has more than two decimals (line 2)`},
		{"bad duration", "dialog:\n  order_timeout: 600\n", "dialog.order_timeout", `"600" is not a duration`},
		{"bad int", "auth:\n  pin_attempts: five\n", "auth.pin_attempts", `"five" is not a whole number`},
		{"bad float int", "risk:\n  hourly_count: 2.5\n", "risk.hourly_count", `"2.5" is not a whole number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := MustWriteFile(t, "voicepay.yaml", tt.content)
			key := tt.key
			if key == "" {
				key = file
			}
			ps := problems(t, config.Source{File: file, Env: env(nil)})
			got := find(ps, key)
			if len(got) != 1 || !strings.Contains(got[0], tt.message) {
				t.Errorf("got %q, want one problem for %s containing %q", ps, key, tt.message)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "nope.yaml")
	ps := problems(t, config.Source{File: file, Env: env(nil)})
	if got := find(ps, file); len(got) != 1 || !strings.Contains(got[0], "no such file") {
		t.Errorf("got %v, want the missing file named", ps)
	}
}

func TestLoadEmptyFile(t *testing.T) {
	for _, content := range []string{"", "# nothing\n", "---\n", "~\n", "listen: 127.0.0.1:8421\n---\n"} {
		c := MustLoad(t, config.Source{File: MustWriteFile(t, "v.yaml", content), Env: env(nil)})
		if c.Listen != "127.0.0.1:8421" {
			t.Errorf("%q: got listen %q", content, c.Listen)
		}
	}
}

// brokenFile has something wrong with every key.
const brokenFile = `
listen: nohost
log_level: loud
catalog: missing.yaml
dialog:
  order_timeout: 10
  hold_timeout: -5m
risk:
  max_per_transaction: 20.005
  step_up_above: abc
  daily_limit: -1
  new_payee_step_up_above: 0
  hourly_count: many
  repeat_limit: 0
  repeat_window: 0s
  odd_hours_start: 25
  odd_hours_end: -1
  trusted_payees: [merchant:kfc, "bad payee"]
  trusted_below: 1.5.0
  daily_limt: 3
auth:
  pin_attempts: 0
  lockout_base: soon
  extra: 1
llm:
  base_url: ftp://llm.example/v1
  model: two words
  api_key_env: sk-not-a-name
  timeout: 5m
  api_key: sk-secret
`

func TestLoadEveryProblem(t *testing.T) {
	file := MustWriteFile(t, "voicepay.yaml", brokenFile)
	ps := problems(t, config.Source{
		File:  file,
		Env:   env(map[string]string{"VOICEPAY_DATA": "~/x", "HOME": ""}),
		Flags: map[string]string{"verbose": "1"},
	})
	want := []string{
		"listen", "data_dir", "catalog", "log_level", "dialog.order_timeout", "dialog.hold_timeout",
		"risk.max_per_transaction", "risk.step_up_above", "risk.daily_limit", "risk.new_payee_step_up_above",
		"risk.hourly_count", "risk.repeat_limit", "risk.repeat_window", "risk.odd_hours_start",
		"risk.odd_hours_end", "risk.trusted_payees", "risk.trusted_below", "risk.daily_limt",
		"auth.pin_attempts", "auth.lockout_base", "auth.extra",
		"llm.base_url", "llm.model", "llm.api_key_env", "llm.timeout", "llm.api_key", "verbose",
	}
	for _, key := range want {
		if len(find(ps, key)) == 0 {
			t.Errorf("no problem for %s", key)
		}
	}
	for _, p := range ps {
		if !slices.Contains(want, p.Key) {
			t.Errorf("unexpected problem %s", p)
		}
	}
	lines := strings.Split(ps.Error(), "\n")
	if len(lines) != len(ps) {
		t.Errorf("Error has %d lines for %d problems:\n%s", len(lines), len(ps), ps.Error())
	}
	for i, line := range lines {
		if !strings.HasPrefix(line, ps[i].Key+": ") {
			t.Errorf("line %q does not start with its key %q", line, ps[i].Key)
		}
	}
	if strings.Contains(ps.Error(), "sk-") {
		t.Errorf("the problems repeat a key:\n%s", ps.Error())
	}
	t.Logf("\n%s", ps.Error())
}

// A bad value stays a problem even when a later layer overrides it: the
// file is still wrong, and would bite once the override goes.
func TestLoadOverriddenBadValue(t *testing.T) {
	file := MustWriteFile(t, "voicepay.yaml", "risk:\n  daily_limit: lots\n")
	ps := problems(t, config.Source{File: file, Env: env(nil), Flags: map[string]string{"risk.daily_limit": "6000"}})
	if got := find(ps, "risk.daily_limit"); len(got) != 1 || !strings.Contains(got[0], "line 2") {
		t.Errorf("got %v, want the file's bad value reported", ps)
	}
}

func TestLoadEnvAndFlagProblems(t *testing.T) {
	ps := problems(t, config.Source{
		Env:   env(map[string]string{"VOICEPAY_RISK_DAILY_LIMIT": "5k", "VOICEPAY_AUTH_LOCKOUT_BASE": "30"}),
		Flags: map[string]string{"risk.hourly_count": "x", "risk.daly_limit": "1"},
	})
	tests := []struct{ key, message string }{
		{"risk.daily_limit", "(from VOICEPAY_RISK_DAILY_LIMIT)"},
		{"auth.lockout_base", "(from VOICEPAY_AUTH_LOCKOUT_BASE)"},
		{"risk.hourly_count", "(from a flag)"},
		{"risk.daly_limit", "unknown key, did you mean risk.daily_limit?"},
	}
	for _, tt := range tests {
		if got := find(ps, tt.key); len(got) != 1 || !strings.Contains(got[0], tt.message) {
			t.Errorf("%s: got %q, want one problem containing %q", tt.key, got, tt.message)
		}
	}
}

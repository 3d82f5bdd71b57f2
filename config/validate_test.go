package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/voicepay/voicepay/config"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*config.Config)
		key     string // "" means valid
		message string
	}{
		{"defaults", func(*config.Config) {}, "", ""},
		{"listen hostname", func(c *config.Config) { c.Listen = "localhost:8421" }, "", ""},
		{"listen ipv6", func(c *config.Config) { c.Listen = "[::1]:8421" }, "", ""},
		{"listen all interfaces", func(c *config.Config) { c.Listen = ":8421" }, "listen", "without TLS"},
		{"listen all interfaces, insecure", func(c *config.Config) { c.Listen, c.AllowInsecure = ":8421", true }, "", ""},
		{"listen any port", func(c *config.Config) { c.Listen = "127.0.0.1:0" }, "", ""},
		{"listen no port", func(c *config.Config) { c.Listen = "127.0.0.1" }, "listen", "not host:port"},
		{"listen port only", func(c *config.Config) { c.Listen = "8421" }, "listen", "not host:port"},
		{"listen port name", func(c *config.Config) { c.Listen = "localhost:http" }, "listen", "not a number"},
		{"listen port range", func(c *config.Config) { c.Listen = "localhost:65536" }, "listen", "not a number"},
		{"data_dir empty", func(c *config.Config) { c.DataDir = "" }, "data_dir", "not set"},
		{"data_dir relative", func(c *config.Config) { c.DataDir = "data" }, "data_dir", "absolute"},
		{"log_level", func(c *config.Config) { c.LogLevel = "trace" }, "log_level", "not one of debug, info, warn, error"},
		{"order_timeout", func(c *config.Config) { c.Dialog.OrderTimeout = 0 }, "dialog.order_timeout", "longer than zero"},
		{"hold_timeout", func(c *config.Config) { c.Dialog.HoldTimeout = -time.Second }, "dialog.hold_timeout", "longer than zero"},
		{"hold over order", func(c *config.Config) { c.Dialog.HoldTimeout = time.Hour }, "dialog.hold_timeout", "1h is longer than dialog.order_timeout 10m"},
		{"hold equal to order", func(c *config.Config) { c.Dialog.HoldTimeout = c.Dialog.OrderTimeout }, "", ""},
		{"max zero", func(c *config.Config) { c.Risk.MaxPerTransaction = 0 }, "risk.max_per_transaction", "more than zero"},
		{"step_up negative", func(c *config.Config) { c.Risk.StepUpAbove = -1 }, "risk.step_up_above", "-0.01 must be more than zero"},
		{"trusted_below zero", func(c *config.Config) { c.Risk.TrustedBelow = 0 }, "risk.trusted_below", "more than zero"},
		{"new payee zero", func(c *config.Config) { c.Risk.NewPayeeStepUpAbove = 0 }, "risk.new_payee_step_up_above", "more than zero"},
		{"step_up over max", func(c *config.Config) { c.Risk.StepUpAbove = 300000 }, "risk.step_up_above", "3000.00 is more than risk.max_per_transaction 2000.00"},
		{"max over daily", func(c *config.Config) { c.Risk.MaxPerTransaction = 600000 }, "risk.max_per_transaction", "6000.00 is more than risk.daily_limit 5000.00"},
		{"step_up equal to max", func(c *config.Config) { c.Risk.StepUpAbove = c.Risk.MaxPerTransaction }, "", ""},
		{"hourly_count", func(c *config.Config) { c.Risk.HourlyCount = 0 }, "risk.hourly_count", "at least 1"},
		{"repeat_limit", func(c *config.Config) { c.Risk.RepeatLimit = -1 }, "risk.repeat_limit", "at least 1"},
		{"mandate_repeat_limit", func(c *config.Config) { c.Risk.MandateRepeatLimit = 0 }, "risk.mandate_repeat_limit", "at least 1"},
		{"repeat_window", func(c *config.Config) { c.Risk.RepeatWindow = 0 }, "risk.repeat_window", "longer than zero"},
		{"odd hours wrap", func(c *config.Config) { c.Risk.OddHoursStart, c.Risk.OddHoursEnd = 22, 6 }, "", ""},
		{"odd hours to midnight", func(c *config.Config) { c.Risk.OddHoursStart, c.Risk.OddHoursEnd = 23, 24 }, "", ""},
		{"odd_hours_start", func(c *config.Config) { c.Risk.OddHoursStart = -1 }, "risk.odd_hours_start", "not an hour"},
		{"odd_hours_end", func(c *config.Config) { c.Risk.OddHoursEnd = 25 }, "risk.odd_hours_end", "not an hour"},
		{"trusted payees", func(c *config.Config) { c.Risk.TrustedPayees = []string{"merchant:kfc", "agent:dev"} }, "", ""},
		{"trusted payee empty", func(c *config.Config) { c.Risk.TrustedPayees = []string{""} }, "risk.trusted_payees", "entry 1"},
		{"trusted payee comma", func(c *config.Config) { c.Risk.TrustedPayees = []string{"a", "b,c"} }, "risk.trusted_payees", "entry 2"},
		{"pin_attempts", func(c *config.Config) { c.Auth.PINAttempts = 0 }, "auth.pin_attempts", "at least 1"},
		{"lockout_base", func(c *config.Config) { c.Auth.LockoutBase = 0 }, "auth.lockout_base", "longer than zero"},
		{"catalog missing", func(c *config.Config) { c.Catalog = "/nonexistent/catalog.yaml" }, "catalog", "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := config.Default()
			c.DataDir = "/var/lib/voicepay"
			tt.change(&c)
			ps := c.Validate()
			if tt.key == "" {
				if ps != nil {
					t.Errorf("got %v, want no problem", ps)
				}
				return
			}
			if len(ps) != 1 || ps[0].Key != tt.key || !strings.Contains(ps[0].Message, tt.message) {
				t.Errorf("got %q, want one problem for %s containing %q", ps, tt.key, tt.message)
			}
		})
	}
}

func TestValidateValidCatalog(t *testing.T) {
	c := config.Default()
	c.DataDir = "/var/lib/voicepay"
	c.Catalog = MustWriteFile(t, "catalog.yaml", "currency: CNY\nmerchants:\n"+validMerchant)
	if ps := c.Validate(); ps != nil {
		t.Errorf("got %v, want no problem", ps)
	}
}

// Package config reads voicepay's settings and checks them.
//
// Settings come in layers, each overriding the one before:
//
//  1. the defaults (Default);
//  2. a YAML file, with nested snake_case keys (listen, risk.daily_limit);
//  3. environment variables: VOICEPAY_ and the key upper-cased with dots
//     turned into underscores (VOICEPAY_LISTEN, VOICEPAY_RISK_DAILY_LIMIT),
//     plus VOICEPAY_DATA, the short alias of data_dir; an empty variable
//     counts as unset;
//  4. command-line flags, passed in by key.
//
// Load reports every problem it finds at once, each naming its key. Keys
// lists the keys, and Example returns a commented file with every default.
//
// Amounts are Money, written in major units as exact decimals ("2000.50");
// durations are written as Go durations ("10m", "90s"). Lists (only
// risk.trusted_payees) are YAML sequences in the file and comma-separated
// in the environment and flags.
//
// Paths (data_dir, catalog, tls_cert, tls_key) may start with "~/". A relative path in the file
// is taken relative to the file's directory; one from the environment or a
// flag, relative to the working directory.
package config

import (
	"net"
	"path/filepath"
	"strings"
	"time"
)

// Config is voicepay's configuration.
type Config struct {
	Listen   string // listen address, host:port; loopback by default
	DataDir  string // where the ledger, keys and tokens live
	Catalog  string // catalog file; "" means the embedded default
	LogLevel string // debug, info, warn or error
	// TLSCert and TLSKey are the PEM files of the daemon's certificate and
	// its key: both set serves https and wss, neither plain http. Load
	// takes DATA/tls/cert.pem and key.pem when neither key is given and
	// those files are there.
	TLSCert string
	TLSKey  string
	// AllowInsecure lets the daemon serve plain http beyond loopback.
	AllowInsecure bool
	Dialog        Dialog
	Risk          Risk
	Auth          Auth
	LLM           LLM
}

// Dialog holds the timeouts of the ordering dialog.
type Dialog struct {
	OrderTimeout time.Duration // how long a drafted order lives
	HoldTimeout  time.Duration // how long confirmed funds stay held, waiting for authorization
}

// Risk holds the limits of the risk rules. Amounts are in minor units of the
// wallet's currency.
type Risk struct {
	MaxPerTransaction   Money         // block a debit above this
	StepUpAbove         Money         // step up a debit above this
	DailyLimit          Money         // block when the day's debits would exceed this
	NewPayeeStepUpAbove Money         // step up a first payment to a payee above this
	TrustedBelow        Money         // debits to a trusted payee below this skip review
	HourlyCount         int           // review from this many debits in a clock hour
	RepeatLimit         int           // block at this many repeats of the same payee and amount
	MandateRepeatLimit  int           // the same, for charges under a mandate, which repeat by nature
	RepeatWindow        time.Duration // how far back a repeat counts
	OddHoursStart       int           // first odd hour of the day, 0..24
	OddHoursEnd         int           // end of the odd hours, exclusive, 0..24
	TrustedPayees       []string      // account ids, e.g. "merchant:luckin_coffee"
}

// Auth holds the identity-verification settings.
type Auth struct {
	PINAttempts int           // wrong PINs allowed before a lockout
	LockoutBase time.Duration // first lockout; later ones back off from it
	// PasskeyRPID is the WebAuthn relying party id passkeys are bound to:
	// a domain, or localhost. "" means the listen host, or localhost when
	// that is an address.
	PasskeyRPID string
	// PasskeyOrigins are the web origins a passkey ceremony may come from.
	// Empty means http://localhost and https://<rp id>, on the listen port.
	PasskeyOrigins []string
}

// Passkey returns the relying party id and the origins passkeys use, with
// the defaults derived from the listen address.
func (c *Config) Passkey() (rpID string, origins []string) {
	host, port, err := net.SplitHostPort(c.Listen)
	if err != nil {
		host, port = c.Listen, ""
	}
	rpID = c.Auth.PasskeyRPID
	if rpID == "" {
		rpID = host
		if rpID == "" || net.ParseIP(strings.Trim(rpID, "[]")) != nil {
			rpID = "localhost"
		}
	}
	if len(c.Auth.PasskeyOrigins) > 0 {
		return rpID, c.Auth.PasskeyOrigins
	}
	suffix := ""
	if port != "" {
		suffix = ":" + port
	}
	origins = []string{"https://" + rpID + suffix}
	if rpID == "localhost" {
		origins = append(origins, "http://localhost"+suffix)
	}
	return rpID, origins
}

// Default returns the default configuration. The data directory comes from
// XDG_DATA_HOME or HOME in the process environment.
func Default() Config {
	return defaults(osLookup)
}

// defaults returns the default configuration, with the data directory
// derived from XDG_DATA_HOME or HOME as lookup reports them.
func defaults(lookup func(string) (string, bool)) Config {
	return Config{
		Listen:   "127.0.0.1:8421",
		DataDir:  defaultDataDir(lookup),
		LogLevel: "info",
		Dialog: Dialog{
			OrderTimeout: 10 * time.Minute,
			HoldTimeout:  5 * time.Minute,
		},
		Risk: Risk{
			MaxPerTransaction:   200000,
			StepUpAbove:         50000,
			DailyLimit:          500000,
			NewPayeeStepUpAbove: 20000,
			TrustedBelow:        5000,
			HourlyCount:         20,
			RepeatLimit:         5,
			MandateRepeatLimit:  30,
			RepeatWindow:        10 * time.Minute,
			OddHoursStart:       0,
			OddHoursEnd:         5,
		},
		Auth: Auth{
			PINAttempts: 5,
			LockoutBase: 30 * time.Second,
		},
		LLM: LLM{
			Timeout: 3 * time.Second,
		},
	}
}

// defaultDataDir is $XDG_DATA_HOME/voicepay, else ~/.local/share/voicepay,
// else "" when neither variable is usable.
func defaultDataDir(lookup func(string) (string, bool)) string {
	if x, ok := lookup("XDG_DATA_HOME"); ok && filepath.IsAbs(x) {
		return filepath.Join(x, "voicepay")
	}
	if h, ok := lookup("HOME"); ok && h != "" {
		return filepath.Join(h, ".local", "share", "voicepay")
	}
	return ""
}

// LoadCatalog returns the catalog the configuration names, or the embedded
// default when Catalog is "".
func (c *Config) LoadCatalog() (*Catalog, error) {
	if c.Catalog == "" {
		return DefaultCatalog(), nil
	}
	return LoadCatalog(c.Catalog)
}

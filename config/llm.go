package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
)

// LLM holds the optional language-model intent fallback: an
// OpenAI-compatible chat endpoint asked about typed or transcribed text the
// templates do not match. It is off while BaseURL is empty, and it never
// gives an intent that moves money.
type LLM struct {
	BaseURL   string        // base of the API, such as http://127.0.0.1:8080/v1
	Model     string        // model name sent with each request
	APIKeyEnv string        // name of the environment variable holding the API key; "" sends none
	Timeout   time.Duration // how long one request may take
}

// Enabled reports whether the fallback is configured.
func (l LLM) Enabled() bool { return l.BaseURL != "" }

// APIKey returns the API key from the variable APIKeyEnv names, read with
// lookup (os.LookupEnv in production), or "" when APIKeyEnv is empty. A named
// variable that is unset or empty is an error.
func (l LLM) APIKey(lookup func(string) (string, bool)) (string, error) {
	if l.APIKeyEnv == "" {
		return "", nil
	}
	if v, ok := lookup(l.APIKeyEnv); ok && v != "" {
		return v, nil
	}
	return "", fmt.Errorf("llm.api_key_env: %s is not set in the environment", l.APIKeyEnv)
}

// maxLLMTimeout bounds llm.timeout: a turn of the dialog waits for the
// request.
const maxLLMTimeout = 30 * time.Second

// envNamePattern is what llm.api_key_env accepts: an upper-case variable
// name, so that a key pasted in by mistake is refused, not echoed.
var envNamePattern = regexp.MustCompile(`^[A-Z_][A-Z0-9_]{0,127}$`)

// validate adds the problems of the llm section.
func (l LLM) validate(add func(key, format string, args ...any)) {
	switch {
	case l.Timeout <= 0:
		add("llm.timeout", "%s must be longer than zero", short(l.Timeout))
	case l.Timeout > maxLLMTimeout:
		add("llm.timeout", "%s is longer than %s: a turn of the dialog waits for the model", short(l.Timeout), short(maxLLMTimeout))
	}
	if l.APIKeyEnv != "" && !envNamePattern.MatchString(l.APIKeyEnv) {
		// The value is not repeated: it may be the key itself.
		add("llm.api_key_env", "not an upper-case environment variable name such as VOICEPAY_LLM_KEY (the value is not shown: the key itself never goes in the configuration)")
	}
	if strings.ContainsFunc(l.Model, func(r rune) bool { return !unicode.IsGraphic(r) || unicode.IsSpace(r) }) || len(l.Model) > 256 {
		add("llm.model", "%q is not a model name", l.Model)
	}
	if l.BaseURL == "" {
		if l.Model != "" {
			add("llm.base_url", "not set, but llm.model is: set both to use the language-model fallback, or neither")
		}
		return
	}
	if l.Model == "" {
		add("llm.model", "not set: llm.base_url needs a model name")
	}
	if err := checkBaseURL(l.BaseURL); err != nil {
		add("llm.base_url", "%v", err)
	}
}

// checkBaseURL checks the base of an OpenAI-compatible API. Messages show
// the URL with any password masked.
func checkBaseURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return fmt.Errorf("%q is not a URL such as http://127.0.0.1:8080/v1", redact(s, u))
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%q: use http or https", u.Redacted())
	case u.User != nil:
		return fmt.Errorf("%q carries credentials: put the key in an environment variable and name it in llm.api_key_env", u.Redacted())
	case u.Scheme == "http" && !loopback(u.Hostname()):
		return fmt.Errorf("%q would send what people say, and the key, in the clear: use https, or http only to a loopback address", u.Redacted())
	}
	return nil
}

// redact is s with any password masked, when it parsed at all.
func redact(s string, u *url.URL) string {
	if u == nil {
		return "(unparsable)"
	}
	return u.Redacted()
}

// loopback reports whether host names this machine.
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkKeyEnv reports a problem when the fallback is on and the variable
// llm.api_key_env names is not set in lookup.
func (l LLM) checkKeyEnv(lookup func(string) (string, bool)) (Problem, bool) {
	if !l.Enabled() || !envNamePattern.MatchString(l.APIKeyEnv) {
		return Problem{}, true
	}
	if _, err := l.APIKey(lookup); err != nil {
		return Problem{Key: "llm.api_key_env", Message: l.APIKeyEnv + " is not set in the environment"}, false
	}
	return Problem{}, true
}

package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/voicepay/voicepay/config"
)

func TestLLMValidate(t *testing.T) {
	on := func(c *config.Config) { c.LLM.BaseURL, c.LLM.Model = "https://llm.example/v1", "small-model" }
	tests := []struct {
		name    string
		change  func(*config.LLM)
		key     string // "" means valid
		message string
	}{
		{"on", func(*config.LLM) {}, "", ""},
		{"off", func(l *config.LLM) { l.BaseURL, l.Model = "", "" }, "", ""},
		{"off with a key variable", func(l *config.LLM) { l.BaseURL, l.Model, l.APIKeyEnv = "", "", "VOICEPAY_LLM_KEY" }, "", ""},
		{"http to loopback", func(l *config.LLM) { l.BaseURL = "http://127.0.0.1:8080/v1" }, "", ""},
		{"http to localhost", func(l *config.LLM) { l.BaseURL = "http://localhost:11434/v1" }, "", ""},
		{"http to ipv6 loopback", func(l *config.LLM) { l.BaseURL = "http://[::1]:8080/v1" }, "", ""},
		{"model with a path", func(l *config.LLM) { l.Model = "org/model-7b:q4" }, "", ""},
		{"key variable", func(l *config.LLM) { l.APIKeyEnv = "OPENAI_API_KEY" }, "", ""},
		{"longest timeout", func(l *config.LLM) { l.Timeout = 30 * time.Second }, "", ""},
		{"model without url", func(l *config.LLM) { l.BaseURL = "" }, "llm.base_url", "not set, but llm.model is"},
		{"url without model", func(l *config.LLM) { l.Model = "" }, "llm.model", "not set"},
		{"model with spaces", func(l *config.LLM) { l.Model = "small model" }, "llm.model", "not a model name"},
		{"not a url", func(l *config.LLM) { l.BaseURL = "llm.example/v1" }, "llm.base_url", "not a URL"},
		{"unparsable url", func(l *config.LLM) { l.BaseURL = "https://u:sk-secret@[::1" }, "llm.base_url", "not a URL"},
		{"other scheme", func(l *config.LLM) { l.BaseURL = "ftp://llm.example/v1" }, "llm.base_url", "use http or https"},
		{"credentials", func(l *config.LLM) { l.BaseURL = "https://user:sk-secret@llm.example/v1" }, "llm.base_url", "carries credentials"},
		{"http elsewhere", func(l *config.LLM) { l.BaseURL = "http://192.168.1.20:8080/v1" }, "llm.base_url", "in the clear"},
		{"key in the variable's place", func(l *config.LLM) { l.APIKeyEnv = "sk-proj-abc123" }, "llm.api_key_env", "not an upper-case environment variable name"},
		{"lower-case variable", func(l *config.LLM) { l.APIKeyEnv = "openai_key" }, "llm.api_key_env", "not an upper-case"},
		{"zero timeout", func(l *config.LLM) { l.Timeout = 0 }, "llm.timeout", "longer than zero"},
		{"long timeout", func(l *config.LLM) { l.Timeout = time.Minute }, "llm.timeout", "1m is longer than 30s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := config.Default()
			c.DataDir = "/var/lib/voicepay"
			on(&c)
			tt.change(&c.LLM)
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
			if strings.Contains(ps.Error(), "sk-") {
				t.Errorf("the problem repeats a secret: %v", ps)
			}
		})
	}
}

func TestLLMPrecedence(t *testing.T) {
	file := MustWriteFile(t, "voicepay.yaml", `
llm:
  base_url: http://127.0.0.1:8080/v1
  model: file-model
  api_key_env: FILE_KEY
  timeout: 5s
`)
	src := config.Source{
		File:  file,
		Env:   env(map[string]string{"VOICEPAY_LLM_MODEL": "env-model", "VOICEPAY_LLM_TIMEOUT": "4s", "FILE_KEY": "k"}),
		Flags: map[string]string{"llm.timeout": "2s"},
	}
	c := MustLoad(t, src)
	want := config.LLM{BaseURL: "http://127.0.0.1:8080/v1", Model: "env-model", APIKeyEnv: "FILE_KEY", Timeout: 2 * time.Second}
	if c.LLM != want {
		t.Errorf("got %+v, want %+v", c.LLM, want)
	}
	if !c.LLM.Enabled() {
		t.Error("not enabled")
	}
}

func TestLLMAPIKey(t *testing.T) {
	const on = "llm:\n  base_url: https://llm.example/v1\n  model: m\n  api_key_env: VOICEPAY_LLM_KEY\n"
	t.Run("set", func(t *testing.T) {
		lookup := env(map[string]string{"VOICEPAY_LLM_KEY": "sk-test"})
		c := MustLoad(t, config.Source{File: MustWriteFile(t, "v.yaml", on), Env: lookup})
		if key, err := c.LLM.APIKey(lookup); key != "sk-test" || err != nil {
			t.Errorf("APIKey: got %q, %v", key, err)
		}
	})
	t.Run("unset", func(t *testing.T) {
		for _, m := range []map[string]string{nil, {"VOICEPAY_LLM_KEY": ""}} {
			ps := problems(t, config.Source{File: MustWriteFile(t, "v.yaml", on), Env: env(m)})
			if got := find(ps, "llm.api_key_env"); len(got) != 1 || !strings.Contains(got[0], "VOICEPAY_LLM_KEY is not set") {
				t.Errorf("got %v, want the unset variable named", ps)
			}
		}
	})
	t.Run("no variable", func(t *testing.T) {
		c := MustLoad(t, config.Source{Env: env(map[string]string{"VOICEPAY_LLM_BASE_URL": "https://llm.example/v1", "VOICEPAY_LLM_MODEL": "m"})})
		if key, err := c.LLM.APIKey(env(nil)); key != "" || err != nil {
			t.Errorf("APIKey: got %q, %v; want no key", key, err)
		}
	})
	t.Run("off", func(t *testing.T) {
		c := MustLoad(t, config.Source{Env: env(map[string]string{"VOICEPAY_LLM_API_KEY_ENV": "VOICEPAY_LLM_KEY"})})
		if c.LLM.Enabled() {
			t.Error("enabled without base_url")
		}
	})
}

func TestLLMKeyInFile(t *testing.T) {
	for _, leaf := range []string{"api_key", "key", "token"} {
		file := MustWriteFile(t, "v.yaml", "llm:\n  "+leaf+": sk-secret\n")
		ps := problems(t, config.Source{File: file, Env: env(nil)})
		got := find(ps, "llm."+leaf)
		if len(got) != 1 || !strings.Contains(got[0], "llm.api_key_env") {
			t.Errorf("%s: got %v, want a problem pointing at llm.api_key_env", leaf, ps)
		}
		if strings.Contains(ps.Error(), "sk-secret") {
			t.Errorf("%s: the problems repeat the key: %v", leaf, ps)
		}
	}
}

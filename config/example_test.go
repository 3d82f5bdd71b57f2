package config_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/voicepay/voicepay/config"
)

// The example file must load to exactly the defaults.
func TestExampleIsDefault(t *testing.T) {
	file := MustWriteFile(t, "voicepay.example.yaml", config.Example())
	got := MustLoad(t, config.Source{File: file})
	if want := config.Default(); !equal(*got, want) {
		t.Errorf("got  %+v\nwant %+v", *got, want)
	}
}

// The example file must show every key, commented out if its default
// depends on the environment.
func TestExampleDocumentsEveryKey(t *testing.T) {
	ex := config.Example()
	for _, key := range config.Keys() {
		section, leaf, nested := strings.Cut(key, ".")
		if !nested {
			section, leaf = "", key
		}
		indent := ""
		if nested {
			indent = "  "
			if !strings.Contains(ex, "\n"+section+":\n") {
				t.Errorf("%s: no section %s", key, section)
				continue
			}
		}
		re := regexp.MustCompile(`(?m)^(# )?` + indent + regexp.QuoteMeta(leaf) + `: `)
		if !re.MatchString(ex) {
			t.Errorf("%s: not in the example", key)
		}
	}
}

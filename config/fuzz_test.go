package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voicepay/voicepay/config"
)

func FuzzLoad(f *testing.F) {
	f.Add([]byte(config.Example()))
	f.Add([]byte(brokenFile))
	f.Add([]byte("listen: [\n"))
	f.Add([]byte("risk: &r {daily_limit: 1}\nauth: *r\n"))
	f.Add([]byte("risk:\n  trusted_payees: merchant:kfc, agent:dev\n  daily_limit: 6000.5\n"))
	f.Add([]byte("a: 1\n---\nb: 2\n"))
	f.Add([]byte("? [a]\n: 1\n"))
	f.Add([]byte("<<: {listen: 'x:1'}\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := os.CreateTemp(dir, "*.yaml")
		if err != nil {
			t.Fatal(err)
		}
		defer os.Remove(file.Name())
		if _, err := file.Write(data); err != nil {
			t.Fatal(err)
		}
		file.Close()

		c, err := config.Load(config.Source{File: file.Name(), Env: env(nil)})
		if err == nil {
			if c == nil {
				t.Fatal("no config and no error")
			}
			if ps := c.Validate(); ps != nil {
				t.Fatalf("loaded an invalid config: %v", ps)
			}
			if c.Catalog != "" && !filepath.IsAbs(c.Catalog) {
				t.Fatalf("catalog path %q is not absolute", c.Catalog)
			}
			return
		}
		if c != nil {
			t.Fatal("a config along with an error")
		}
		var ps config.Problems
		if !errors.As(err, &ps) || len(ps) == 0 {
			t.Fatalf("error %T is not a non-empty Problems: %v", err, err)
		}
		for _, p := range ps {
			if p.Key == "" || p.Message == "" || strings.Contains(p.Key+p.Message, "\n") {
				t.Fatalf("malformed problem %q", p)
			}
		}
	})
}

package config

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// maxFileSize bounds the configuration file; anything larger is a mistake.
const maxFileSize = 1 << 20

// Source says where Load reads settings from.
type Source struct {
	// File is the YAML file to read; "" means none. A file that is named
	// but missing is a problem.
	File string
	// Env looks up environment variables: os.LookupEnv in production, nil
	// for none. It is also where the default data directory looks for
	// XDG_DATA_HOME and HOME; when Env is nil the process environment is
	// used for those two only.
	Env func(string) (string, bool)
	// Flags maps keys ("listen", "risk.daily_limit") to the values of the
	// command-line flags that were set.
	Flags map[string]string
}

// osLookup is os.LookupEnv, named so that defaults read like the rest.
var osLookup = os.LookupEnv

// Load reads the configuration from src over the defaults and validates it.
// With src.Env set, it also checks that the variable llm.api_key_env names
// is set when the language-model fallback is on. On failure the error is
// Problems, listing every problem found.
func Load(src Source) (*Config, error) {
	lookup := src.Env
	if lookup == nil {
		lookup = osLookup
	}
	l := &loader{cfg: defaults(lookup), home: lookup, failed: map[string]bool{}, given: map[string]bool{}}
	if src.File != "" {
		l.file(src.File)
	}
	if src.Env != nil {
		l.env(src.Env)
	}
	l.flags(src.Flags)
	if !l.given["tls_cert"] && !l.given["tls_key"] {
		l.dataTLS()
	}
	for _, p := range l.cfg.Validate() {
		if !l.failed[p.Key] {
			l.problems = append(l.problems, p)
		}
	}
	if src.Env != nil {
		if p, ok := l.cfg.LLM.checkKeyEnv(src.Env); !ok {
			l.problems = append(l.problems, p)
		}
	}
	if len(l.problems) > 0 {
		return nil, l.problems
	}
	return &l.cfg, nil
}

// loader applies the layers of settings to cfg and collects problems.
type loader struct {
	cfg      Config
	path     string                      // the file being read
	home     func(string) (string, bool) // looks up HOME for ~ expansion
	problems Problems
	failed   map[string]bool // keys whose value could not be read
	given    map[string]bool // keys some layer set, even to ""
}

func (l *loader) problem(key, format string, args ...any) {
	l.problems = append(l.problems, Problem{Key: key, Message: oneLine(fmt.Sprintf(format, args...))})
}

// set applies one text value to k. from says where the value came from, for
// messages; base is the directory relative paths are taken from ("" for the
// working directory).
func (l *loader) set(k key, value, from, base string) {
	l.given[k.name] = true
	if k.path && value != "" {
		p, err := l.resolve(value, base)
		if err != nil {
			l.failed[k.name] = true
			l.problem(k.name, "%v (%s)", err, from)
			return
		}
		value = p
	}
	if err := k.setText(&l.cfg, value); err != nil {
		l.failed[k.name] = true
		if value == "" {
			err = errors.New("has no value")
		}
		l.problem(k.name, "%v (%s)", err, from)
		return
	}
	delete(l.failed, k.name) // a later layer fixed an earlier bad value
}

// resolve expands a leading ~ and makes p absolute against base.
func (l *loader) resolve(p, base string) (string, error) {
	if p == "~" || strings.HasPrefix(p, "~/") {
		home, ok := l.home("HOME")
		if !ok || home == "" {
			return "", fmt.Errorf("%q starts with ~ but HOME is not set", p)
		}
		p = filepath.Join(home, p[1:])
	}
	if !filepath.IsAbs(p) && base != "" {
		p = filepath.Join(base, p)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("%q: %v", p, err)
	}
	return abs, nil
}

// env applies the VOICEPAY_ variables.
func (l *loader) env(lookup func(string) (string, bool)) {
	for _, k := range keys {
		name := envName(k.name)
		v, ok := lookup(name)
		if k.name == "data_dir" {
			short, shortOK := lookup("VOICEPAY_DATA")
			switch {
			case shortOK && short != "" && ok && v != "" && short != v:
				l.failed[k.name] = true
				l.problem(k.name, "VOICEPAY_DATA=%q and %s=%q disagree; set one", short, name, v)
				continue
			case shortOK && short != "":
				v, ok, name = short, true, "VOICEPAY_DATA"
			}
		}
		if ok && v != "" {
			l.set(k, v, "from "+name, "")
		}
	}
}

// flags applies command-line flags, in key order; unknown keys are problems.
func (l *loader) flags(flags map[string]string) {
	for _, k := range keys {
		if v, ok := flags[k.name]; ok {
			l.set(k, v, "from a flag", "")
		}
	}
	var unknown []string
	for name := range flags {
		if _, ok := lookupKey(name); !ok {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	for _, name := range unknown {
		l.problem(name, "unknown key%s (from a flag)", hint(name))
	}
}

// hint is ", did you mean x?" for an unknown key, or "".
func hint(name string) string {
	if s := suggest(name); s != "" {
		return ", " + s
	}
	return ""
}

// file applies a YAML file.
func (l *loader) file(path string) {
	l.path = path
	b, err := readFile(path)
	if err != nil {
		l.problem(path, "%v", err)
		return
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if !errors.Is(err, io.EOF) {
			l.problem(path, "%v", err)
		}
		return
	}
	for {
		var next yaml.Node
		err := dec.Decode(&next)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			l.problem(path, "%v", err)
			return
		}
		if len(next.Content) > 0 && !isNull(deref(next.Content[0])) {
			l.problem(path, "holds more than one YAML document (line %d)", next.Line)
			return
		}
	}
	if len(doc.Content) == 0 {
		return
	}
	root := deref(doc.Content[0])
	if isNull(root) {
		return
	}
	if root.Kind != yaml.MappingNode {
		l.problem(path, "want a mapping of keys at the top, got %s (line %d)", describe(root), root.Line)
		return
	}
	l.mapping(root, "", filepath.Dir(path))
}

// readFile reads at most maxFileSize bytes of path.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, unwrapPath(err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, unwrapPath(err)
	}
	if len(b) > maxFileSize {
		return nil, fmt.Errorf("larger than %d bytes", maxFileSize)
	}
	return b, nil
}

// unwrapPath drops the path from a *PathError: the problem's key has it.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// mapping applies the pairs of a YAML mapping whose keys start with prefix.
func (l *loader) mapping(n *yaml.Node, prefix, dir string) {
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := deref(n.Content[i]), deref(n.Content[i+1])
		if kn.Kind != yaml.ScalarNode {
			l.problem(cmp.Or(strings.TrimSuffix(prefix, "."), l.path), "keys must be plain names, got %s (line %d)", describe(kn), kn.Line)
			continue
		}
		if !plainName(kn.Value) {
			l.problem(cmp.Or(strings.TrimSuffix(prefix, "."), l.path), "unknown key %q (line %d)", kn.Value, kn.Line)
			continue
		}
		name := prefix + kn.Value
		if line, dup := seen[name]; dup {
			l.failed[name] = true
			l.problem(name, "set twice, on lines %d and %d", line, kn.Line)
			continue
		}
		seen[name] = kn.Line

		k, known := lookupKey(name)
		switch {
		case known && !strings.Contains(kn.Value, "."):
			l.node(k, vn, dir)
		case prefix == "" && slices.Contains(sections, name):
			switch {
			case isNull(vn):
			case vn.Kind == yaml.MappingNode:
				l.mapping(vn, name+".", dir)
			default:
				l.problem(name, "want a mapping of %s keys, got %s (line %d)", name, describe(vn), vn.Line)
			}
		case known && prefix == "":
			section, leaf, _ := strings.Cut(name, ".")
			l.problem(name, "unknown key; write it nested, as %s under %s: (line %d)", leaf, section, kn.Line)
		default:
			l.problem(name, "unknown key%s (line %d)", hint(name), kn.Line)
		}
	}
}

// node applies one YAML value to k.
func (l *loader) node(k key, n *yaml.Node, dir string) {
	from := fmt.Sprintf("line %d", n.Line)
	switch {
	case isNull(n):
		l.set(k, "", from, dir)
	case n.Kind == yaml.ScalarNode:
		l.set(k, n.Value, from, dir)
	case n.Kind == yaml.SequenceNode && k.list != nil:
		var items []string
		for _, item := range n.Content {
			item = deref(item)
			if item.Kind != yaml.ScalarNode || isNull(item) {
				l.failed[k.name] = true
				l.problem(k.name, "want a list of names, got %s in it (line %d)", describe(item), item.Line)
				return
			}
			items = append(items, item.Value)
		}
		k.list(&l.cfg, items)
		delete(l.failed, k.name)
	default:
		l.failed[k.name] = true
		l.problem(k.name, "want a single value, got %s (%s)", describe(n), from)
	}
}

// plainName reports whether a key from the file can name a problem as it
// is: not empty, and no spaces or control characters.
func plainName(s string) bool {
	return s != "" && !strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsGraphic(r) || unicode.IsSpace(r) })
}

// deref follows aliases to the node they name.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 8; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names the kind of a YAML node for messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "an alias"
}

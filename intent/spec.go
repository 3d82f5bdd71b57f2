package intent

import (
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// spec is a template file as written, in file order, with line numbers.
type spec struct {
	skip    []textAt
	rules   []ruleSpec
	lists   []listSpec
	intents []intentSpec
}

type textAt struct {
	text string
	line int
}

type ruleSpec struct {
	name string
	line int
	text textAt
}

type listSpec struct {
	name   string
	line   int
	values []valueSpec
}

type valueSpec struct {
	id   string // empty for a plain phrase
	line int
	say  []textAt
}

type intentSpec struct {
	name      string
	line      int
	sentences []textAt
	typed     []textAt // parsed from text, but not listened for
	defaults  []defaultSpec
}

type defaultSpec struct {
	slot  string
	value string
	line  int
}

func lineErr(n *yaml.Node, format string, args ...any) error {
	return fmt.Errorf("line %d: %s", n.Line, fmt.Sprintf(format, args...))
}

// decodeSpec reads a template file.
func decodeSpec(b []byte) (*spec, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, err // "yaml: line N: …"
	}
	if len(doc.Content) == 0 {
		return nil, errors.New("the file is empty")
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, lineErr(root, "want a mapping with skip, rules, lists and intents")
	}
	s := &spec{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		var err error
		switch k.Value {
		case "skip":
			s.skip, err = scalars(v, "skip")
		case "rules":
			s.rules, err = decodeRules(v)
		case "lists":
			s.lists, err = decodeLists(v)
		case "intents":
			s.intents, err = decodeIntents(v)
		default:
			err = lineErr(k, "unknown key %q (want skip, rules, lists or intents)", k.Value)
		}
		if err != nil {
			return nil, err
		}
	}
	if len(s.intents) == 0 {
		return nil, errors.New("no intents")
	}
	return s, nil
}

// scalars reads a sequence of strings.
func scalars(n *yaml.Node, what string) ([]textAt, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, lineErr(n, "%s: want a list of strings", what)
	}
	var out []textAt
	for _, c := range n.Content {
		if c.Kind != yaml.ScalarNode {
			return nil, lineErr(c, "%s: want a string", what)
		}
		out = append(out, textAt{c.Value, c.Line})
	}
	return out, nil
}

// pairs walks a mapping, rejecting a repeated key.
func pairs(n *yaml.Node, what string, f func(k, v *yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		return lineErr(n, "%s: want a mapping", what)
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if seen[k.Value] {
			return lineErr(k, "%s: %q appears twice", what, k.Value)
		}
		seen[k.Value] = true
		if err := f(k, v); err != nil {
			return err
		}
	}
	return nil
}

func decodeRules(n *yaml.Node) ([]ruleSpec, error) {
	var out []ruleSpec
	err := pairs(n, "rules", func(k, v *yaml.Node) error {
		if v.Kind != yaml.ScalarNode {
			return lineErr(v, "rule <%s>: want a template string", k.Value)
		}
		out = append(out, ruleSpec{name: k.Value, line: k.Line, text: textAt{v.Value, v.Line}})
		return nil
	})
	return out, err
}

func decodeLists(n *yaml.Node) ([]listSpec, error) {
	var out []listSpec
	err := pairs(n, "lists", func(k, v *yaml.Node) error {
		l := listSpec{name: k.Value, line: k.Line}
		if v.Kind != yaml.SequenceNode {
			return lineErr(v, "list {%s}: want a list of values", k.Value)
		}
		for _, c := range v.Content {
			val, err := decodeValue(c, k.Value)
			if err != nil {
				return err
			}
			l.values = append(l.values, val)
		}
		out = append(out, l)
		return nil
	})
	return out, err
}

func decodeValue(n *yaml.Node, list string) (valueSpec, error) {
	if n.Kind == yaml.ScalarNode {
		return valueSpec{line: n.Line, say: []textAt{{n.Value, n.Line}}}, nil
	}
	v := valueSpec{line: n.Line}
	err := pairs(n, "list {"+list+"}", func(k, c *yaml.Node) error {
		switch k.Value {
		case "id":
			if c.Kind != yaml.ScalarNode || c.Value == "" {
				return lineErr(c, "list {%s}: id: want a string", list)
			}
			v.id = c.Value
		case "say":
			say, err := scalars(c, "list {"+list+"} say")
			if err != nil {
				return err
			}
			v.say = say
		default:
			return lineErr(k, "list {%s}: unknown key %q (want id and say)", list, k.Value)
		}
		return nil
	})
	if err != nil {
		return v, err
	}
	if len(v.say) == 0 {
		return v, lineErr(n, "list {%s}: value %q has nothing to say", list, v.id)
	}
	return v, nil
}

func decodeIntents(n *yaml.Node) ([]intentSpec, error) {
	var out []intentSpec
	err := pairs(n, "intents", func(k, v *yaml.Node) error {
		in := intentSpec{name: k.Value, line: k.Line}
		if !knownIntent(k.Value) || k.Value == None {
			return lineErr(k, "intent %q: unknown intent name (want one of %s)", k.Value, strings.Join(intentNames[1:], ", "))
		}
		err := pairs(v, "intent "+k.Value, func(kk, vv *yaml.Node) error {
			switch kk.Value {
			case "sentences":
				s, err := scalars(vv, "intent "+k.Value+" sentences")
				in.sentences = s
				return err
			case "typed":
				s, err := scalars(vv, "intent "+k.Value+" typed")
				in.typed = s
				return err
			case "defaults":
				return pairs(vv, "intent "+k.Value+" defaults", func(sk, sv *yaml.Node) error {
					if sv.Kind != yaml.ScalarNode {
						return lineErr(sv, "intent %q: default {%s}: want a value", k.Value, sk.Value)
					}
					in.defaults = append(in.defaults, defaultSpec{slot: sk.Value, value: sv.Value, line: sk.Line})
					return nil
				})
			}
			return lineErr(kk, "intent %q: unknown key %q (want sentences, typed and defaults)", k.Value, kk.Value)
		})
		if err != nil {
			return err
		}
		if len(in.sentences)+len(in.typed) == 0 {
			return lineErr(k, "intent %q: no sentences", k.Value)
		}
		out = append(out, in)
		return nil
	})
	return out, err
}

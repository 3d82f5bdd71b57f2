package sphinx

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// The recognizer reads JSGF itself rather than through the library's JSGF
// compiler: that compiler copies every rule at every use and links the
// copies with null transitions, and the 0.8+5prealpha search loses
// sentences in the resulting graph (a grammar with the parser's optional
// lead-in rules heard "help" as nothing). Read here, a grammar becomes a
// minimal deterministic word graph (see wordgraph.go), which the search
// handles well and which is far smaller.
//
// The subset read is what grammars for voicepay use:
//
//	#JSGF V1.0 [charset [locale]];
//	grammar name;
//	[public] <rule> = expansion;
//
// where an expansion is alternatives (a | b), sequences, groups ( … ),
// optional parts [ … ], rule references <rule>, <NULL> and <VOID>, words
// (bare or "quoted"), and the repeats * and +. Tags { … } are dropped, and
// comments (// and /* */) are skipped. Weights (/0.5/), imports and rules
// that refer to themselves are errors.

// jsgfNode is a parsed expansion.
type jsgfNode struct {
	kind  jsgfKind
	text  string // the word, or the rule name without <>
	parts []jsgfNode
}

type jsgfKind uint8

const (
	jsgfWord jsgfKind = iota
	jsgfRef
	jsgfSeq
	jsgfAlt
	jsgfOpt
	jsgfStar
	jsgfPlus
)

// jsgfGrammar is a parsed grammar: its rules by name and its public rules.
type jsgfGrammar struct {
	name   string
	rules  map[string]jsgfNode
	public []string
}

// jsgfToken is a token of JSGF text: one of the punctuation runes, a rule
// name (<…>), a word, a weight (/…/) or a tag ({…}).
type jsgfToken struct {
	kind byte // one of "=;|()[]*+" or 'r' rule, 'w' word, 'k' keyword-ish word, '/' weight, '{' tag
	text string
	line int
}

func tokenizeJSGF(src string) ([]jsgfToken, error) {
	var toks []jsgfToken
	line := 1
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case strings.HasPrefix(src[i:], "//"):
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case strings.HasPrefix(src[i:], "/*"):
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return nil, fmt.Errorf("line %d: comment never closed", line)
			}
			line += strings.Count(src[i:i+2+end], "\n")
			i += end + 4
		case strings.ContainsRune("=;|()[]*+", rune(c)):
			toks = append(toks, jsgfToken{kind: c, text: string(c), line: line})
			i++
		case c == '<' || c == '/' || c == '{' || c == '"':
			close := map[byte]byte{'<': '>', '/': '/', '{': '}', '"': '"'}[c]
			end := strings.IndexByte(src[i+1:], close)
			if end < 0 {
				return nil, fmt.Errorf("line %d: %q never closed", line, c)
			}
			text := src[i+1 : i+1+end]
			kind := c
			switch c {
			case '<':
				kind = 'r'
			case '"':
				kind = 'w'
			}
			toks = append(toks, jsgfToken{kind: kind, text: text, line: line})
			line += strings.Count(text, "\n")
			i += end + 2
		default:
			start := i
			for i < len(src) && !unicode.IsSpace(rune(src[i])) && !strings.ContainsRune("=;|()[]*+<>/{}\"", rune(src[i])) {
				i++
			}
			toks = append(toks, jsgfToken{kind: 'w', text: src[start:i], line: line})
		}
	}
	return toks, nil
}

// parseJSGF parses JSGF text.
func parseJSGF(src string) (*jsgfGrammar, error) {
	src = strings.TrimPrefix(src, "\ufeff")
	if !strings.HasPrefix(src, "#JSGF") {
		return nil, errors.New(`grammar: the text does not start with "#JSGF"`)
	}
	header, rest, _ := strings.Cut(src, ";")
	if strings.Contains(header, "\n") {
		return nil, errors.New("grammar: the #JSGF header does not end with ';'")
	}
	toks, err := tokenizeJSGF(rest)
	if err != nil {
		return nil, fmt.Errorf("grammar: %w", err)
	}
	p := &jsgfParser{toks: toks}
	g := &jsgfGrammar{rules: map[string]jsgfNode{}}
	if err := p.expectWord("grammar"); err != nil {
		return nil, err
	}
	name, err := p.next('w')
	if err != nil {
		return nil, err
	}
	g.name = name.text
	if _, err := p.next(';'); err != nil {
		return nil, err
	}
	for p.pos < len(p.toks) {
		t := p.toks[p.pos]
		public := false
		if t.kind == 'w' && t.text == "import" {
			return nil, fmt.Errorf("grammar: line %d: imports are not supported", t.line)
		}
		if t.kind == 'w' && t.text == "public" {
			public = true
			p.pos++
		}
		ref, err := p.next('r')
		if err != nil {
			return nil, err
		}
		if _, dup := g.rules[ref.text]; dup {
			return nil, fmt.Errorf("grammar: line %d: rule <%s> is defined twice", ref.line, ref.text)
		}
		if _, err := p.next('='); err != nil {
			return nil, err
		}
		x, err := p.alternatives()
		if err != nil {
			return nil, fmt.Errorf("%w (in rule <%s>)", err, ref.text)
		}
		if _, err := p.next(';'); err != nil {
			return nil, err
		}
		g.rules[ref.text] = x
		if public {
			g.public = append(g.public, ref.text)
		}
	}
	return g, nil
}

type jsgfParser struct {
	toks []jsgfToken
	pos  int
}

func (p *jsgfParser) errorf(format string, args ...any) error {
	if p.pos < len(p.toks) {
		return fmt.Errorf("grammar: line %d: %s", p.toks[p.pos].line, fmt.Sprintf(format, args...))
	}
	return fmt.Errorf("grammar: at the end: %s", fmt.Sprintf(format, args...))
}

func (p *jsgfParser) next(kind byte) (jsgfToken, error) {
	if p.pos >= len(p.toks) || p.toks[p.pos].kind != kind {
		want := fmt.Sprintf("%q", string(kind))
		switch kind {
		case 'w':
			want = "a word"
		case 'r':
			want = "a rule name"
		}
		if p.pos < len(p.toks) {
			return jsgfToken{}, p.errorf("want %s, got %q", want, p.toks[p.pos].text)
		}
		return jsgfToken{}, p.errorf("want %s", want)
	}
	p.pos++
	return p.toks[p.pos-1], nil
}

func (p *jsgfParser) expectWord(w string) error {
	t, err := p.next('w')
	if err == nil && t.text != w {
		p.pos--
		err = p.errorf("want %q, got %q", w, t.text)
	}
	return err
}

func (p *jsgfParser) peek() byte {
	if p.pos < len(p.toks) {
		return p.toks[p.pos].kind
	}
	return 0
}

func (p *jsgfParser) alternatives() (jsgfNode, error) {
	alt := jsgfNode{kind: jsgfAlt}
	for {
		if p.peek() == '/' {
			return alt, p.errorf("weights are not supported")
		}
		seq, err := p.sequence()
		if err != nil {
			return alt, err
		}
		alt.parts = append(alt.parts, seq)
		if p.peek() != '|' {
			break
		}
		p.pos++
	}
	if len(alt.parts) == 1 {
		return alt.parts[0], nil
	}
	return alt, nil
}

func (p *jsgfParser) sequence() (jsgfNode, error) {
	seq := jsgfNode{kind: jsgfSeq}
	for {
		var item jsgfNode
		switch p.peek() {
		case 'w':
			item = jsgfNode{kind: jsgfWord, text: p.toks[p.pos].text}
			p.pos++
		case 'r':
			item = jsgfNode{kind: jsgfRef, text: p.toks[p.pos].text}
			p.pos++
		case '(', '[':
			open := p.toks[p.pos].kind
			p.pos++
			inner, err := p.alternatives()
			if err != nil {
				return seq, err
			}
			close := byte(')')
			if open == '[' {
				close = ']'
			}
			if _, err := p.next(close); err != nil {
				return seq, err
			}
			item = inner
			if open == '[' {
				item = jsgfNode{kind: jsgfOpt, parts: []jsgfNode{inner}}
			}
		case '{':
			p.pos++ // a tag says nothing about the words
			continue
		default:
			if len(seq.parts) == 0 {
				return seq, p.errorf("empty alternative")
			}
			if len(seq.parts) == 1 {
				return seq.parts[0], nil
			}
			return seq, nil
		}
		for p.peek() == '*' || p.peek() == '+' || p.peek() == '{' {
			switch p.toks[p.pos].kind {
			case '*':
				item = jsgfNode{kind: jsgfStar, parts: []jsgfNode{item}}
			case '+':
				item = jsgfNode{kind: jsgfPlus, parts: []jsgfNode{item}}
			}
			p.pos++
		}
		seq.parts = append(seq.parts, item)
	}
}

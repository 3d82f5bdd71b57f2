package intent

import (
	"fmt"
	"strings"
)

// expr is a compiled template: a tree of words, sequences, alternatives,
// optionals, slot and list references and rule references. The same tree is
// what the parser's automaton is built from, and what a grammar for a speech
// recognizer can be walked from.
type expr interface{ isExpr() }

type (
	// wordExpr is one normalized word.
	wordExpr string
	// seqExpr matches its parts one after another.
	seqExpr []expr
	// altExpr matches any one of its alternatives.
	altExpr []expr
	// optExpr matches its part or nothing.
	optExpr struct{ x expr }
	// slotExpr is {name}: a slot or a list of the template file.
	slotExpr string
	// ruleExpr is <name>: an expansion rule of the template file.
	ruleExpr string
)

func (wordExpr) isExpr() {}
func (seqExpr) isExpr()  {}
func (altExpr) isExpr()  {}
func (optExpr) isExpr()  {}
func (slotExpr) isExpr() {}
func (ruleExpr) isExpr() {}

// syntaxError is a problem at a column (counted in characters from 1) of a
// template.
type syntaxError struct {
	col int
	msg string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("column %d: %s", e.col, e.msg) }

// parseTemplate parses one template string.
func parseTemplate(s string) (expr, error) {
	p := &templateParser{src: []rune(s)}
	x, err := p.alternatives(0, 0)
	if err != nil {
		return nil, err
	}
	return x, nil
}

type templateParser struct {
	src []rune
	pos int
}

func (p *templateParser) errorf(col int, format string, args ...any) error {
	return &syntaxError{col: col, msg: fmt.Sprintf(format, args...)}
}

// alternatives parses a|b|… up to the closing rune close, which opened at
// column open; close is 0 at the top level, where the text runs to its end.
func (p *templateParser) alternatives(close rune, open int) (expr, error) {
	var alts altExpr
	for {
		seq, err := p.sequence()
		if err != nil {
			return nil, err
		}
		if len(seq) == 0 {
			if close == 0 && len(alts) == 0 && p.pos >= len(p.src) {
				return nil, p.errorf(p.pos+1, "empty template")
			}
			return nil, p.errorf(p.pos+1, "empty alternative (use [...] for optional words)")
		}
		alts = append(alts, simplifySeq(seq))
		if p.pos >= len(p.src) {
			if close != 0 {
				return nil, p.errorf(open, "%q is never closed with %q", opener(close), close)
			}
			break
		}
		r := p.src[p.pos]
		p.pos++
		if r == '|' {
			continue
		}
		if close == 0 {
			return nil, p.errorf(p.pos, "%q closes nothing", r)
		}
		if r != close {
			return nil, p.errorf(p.pos, "%q does not close %q at column %d", r, opener(close), open)
		}
		break
	}
	if len(alts) == 1 {
		return alts[0], nil
	}
	return alts, nil
}

func opener(close rune) rune {
	switch close {
	case ')':
		return '('
	case ']':
		return '['
	}
	return close
}

func simplifySeq(seq seqExpr) expr {
	if len(seq) == 1 {
		return seq[0]
	}
	return seq
}

const special = "()[]{}<>|"

// sequence parses parts up to a '|', a closing bracket or the end.
func (p *templateParser) sequence() (seqExpr, error) {
	var seq seqExpr
	for p.pos < len(p.src) {
		r := p.src[p.pos]
		col := p.pos + 1
		switch r {
		case ' ', '\t', '\n', '\r':
			p.pos++
		case '|', ')', ']':
			return seq, nil
		case '(':
			p.pos++
			x, err := p.alternatives(')', col)
			if err != nil {
				return nil, err
			}
			seq = append(seq, x)
		case '[':
			p.pos++
			x, err := p.alternatives(']', col)
			if err != nil {
				return nil, err
			}
			seq = append(seq, optExpr{x})
		case '{', '<':
			name, err := p.name(r)
			if err != nil {
				return nil, err
			}
			if r == '{' {
				seq = append(seq, slotExpr(name))
			} else {
				seq = append(seq, ruleExpr(name))
			}
		case '}', '>':
			return nil, p.errorf(col, "%q closes nothing", r)
		default:
			start := p.pos
			for p.pos < len(p.src) && !strings.ContainsRune(special+" \t\n\r", p.src[p.pos]) {
				p.pos++
			}
			for _, w := range normalize(string(p.src[start:p.pos])) {
				seq = append(seq, wordExpr(w))
			}
		}
	}
	return seq, nil
}

// name parses {name} or <name>, starting at the opening rune.
func (p *templateParser) name(open rune) (string, error) {
	close := '}'
	if open == '<' {
		close = '>'
	}
	col := p.pos + 1
	p.pos++
	start := p.pos
	for p.pos < len(p.src) && p.src[p.pos] != close {
		r := p.src[p.pos]
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			if strings.ContainsRune(special, r) || r == ' ' {
				return "", p.errorf(col, "%q is never closed with %q", open, close)
			}
			return "", p.errorf(p.pos+1, "%q in a name: use lowercase letters, digits and _", r)
		}
		p.pos++
	}
	if p.pos >= len(p.src) {
		return "", p.errorf(col, "%q is never closed with %q", open, close)
	}
	name := string(p.src[start:p.pos])
	p.pos++
	if name == "" {
		return "", p.errorf(col, "empty name in %c%c", open, close)
	}
	return name, nil
}

// expand lists every word sequence x matches, for list values, which may not
// refer to slots or rules. It fails past limit sequences.
func expand(x expr, limit int) ([][]string, error) {
	switch x := x.(type) {
	case wordExpr:
		return [][]string{{string(x)}}, nil
	case seqExpr:
		out := [][]string{nil}
		for _, part := range x {
			tails, err := expand(part, limit)
			if err != nil {
				return nil, err
			}
			var next [][]string
			for _, head := range out {
				for _, tail := range tails {
					next = append(next, append(append([]string(nil), head...), tail...))
				}
			}
			if len(next) > limit {
				return nil, fmt.Errorf("more than %d phrases", limit)
			}
			out = next
		}
		return out, nil
	case altExpr:
		var out [][]string
		for _, alt := range x {
			seqs, err := expand(alt, limit)
			if err != nil {
				return nil, err
			}
			out = append(out, seqs...)
			if len(out) > limit {
				return nil, fmt.Errorf("more than %d phrases", limit)
			}
		}
		return out, nil
	case optExpr:
		seqs, err := expand(x.x, limit)
		if err != nil {
			return nil, err
		}
		return append([][]string{nil}, seqs...), nil
	case slotExpr:
		return nil, fmt.Errorf("{%s}: a list value cannot refer to a slot or list", string(x))
	case ruleExpr:
		return nil, fmt.Errorf("<%s>: a list value cannot refer to a rule", string(x))
	}
	return nil, fmt.Errorf("unknown template part %T", x)
}

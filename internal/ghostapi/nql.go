package ghostapi

import (
	"fmt"
	"strings"
	"time"
)

// The filter parameter is NQL, Ghost's query language. This is the subset
// Ghost's own themes and clients send, parsed by hand into a tree that is
// evaluated against the items in memory: nothing of a filter ever reaches
// SQL.
//
//	expr    = and { "," and }          "," is or
//	and     = unary { "+" unary }      "+" is and, binding tighter
//	unary   = [ "-" ] primary          "-tag:x" is not
//	primary = "(" expr ")" | field ":" [ op ] value
//	op      = ">" | ">=" | "<" | "<=" | "-" | "~"
//	value   = "[" atom { "," atom } "]" | atom
//	atom    = 'quoted' | "quoted" | bare word

// node is a parsed filter.
type node interface {
	match(r record) bool
}

// record is what a filter reads of an item: the values of a field (a post
// has several tags), and whether the field exists for this kind of item.
type record interface {
	values(field string) []string
}

type orNode struct{ l, r node }
type andNode struct{ l, r node }
type notNode struct{ n node }

// cmpNode compares field with values by op: "" (equal to one of them),
// "-" (none of them), "~" (contains), or an order for dates and numbers.
type cmpNode struct {
	field  string
	op     string
	values []string
}

func (n orNode) match(r record) bool  { return n.l.match(r) || n.r.match(r) }
func (n andNode) match(r record) bool { return n.l.match(r) && n.r.match(r) }
func (n notNode) match(r record) bool { return !n.n.match(r) }

func (n cmpNode) match(r record) bool {
	have := r.values(n.field)
	switch n.op {
	case "", "-":
		hit := false
		for _, h := range have {
			for _, v := range n.values {
				if strings.EqualFold(h, v) {
					hit = true
				}
			}
		}
		if n.op == "-" {
			return !hit
		}
		return hit
	case "~":
		for _, h := range have {
			if strings.Contains(strings.ToLower(h), strings.ToLower(n.values[0])) {
				return true
			}
		}
		return false
	}
	want, wok := parseWhen(n.values[0])
	for _, h := range have {
		got, gok := parseWhen(h)
		if !wok || !gok {
			continue
		}
		c := got.Compare(want)
		switch n.op {
		case ">":
			if c > 0 {
				return true
			}
		case ">=":
			if c >= 0 {
				return true
			}
		case "<":
			if c < 0 {
				return true
			}
		case "<=":
			if c <= 0 {
				return true
			}
		}
	}
	return false
}

// parseWhen reads the dates filters compare: '2024-01-01', '2024-01-01
// 10:00:00' (as Ghost's examples write them, UTC) or RFC 3339.
func parseWhen(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// fieldAliases maps the names a filter may use to the names records
// answer: Ghost accepts both tag and tags, tags.slug and the like.
var fieldAliases = map[string]string{
	"tag": "tags", "tags": "tags", "tags.slug": "tags",
	"author": "authors", "authors": "authors", "authors.slug": "authors",
	"primary_tag": "primary_tag", "primary_tag.slug": "primary_tag",
	"primary_author": "primary_author", "primary_author.slug": "primary_author",
}

// filterError is a filter that cannot be parsed: a 400 BadRequestError.
type filterError struct {
	pos int
	msg string
}

func (e *filterError) Error() string {
	return fmt.Sprintf("Error parsing filter at character %d: %s", e.pos+1, e.msg)
}

type parser struct {
	s      string
	i      int
	fields map[string]bool // the fields this resource can be filtered by
}

// parseFilter parses src for a resource whose filterable fields are
// fields; an empty filter is nil (everything matches).
func parseFilter(src string, fields map[string]bool) (node, error) {
	p := &parser{s: src, fields: fields}
	p.space()
	if p.i == len(p.s) {
		return nil, nil
	}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i < len(p.s) {
		return nil, p.errorf("unexpected %q", p.s[p.i])
	}
	return n, nil
}

func (p *parser) errorf(format string, args ...any) error {
	return &filterError{pos: p.i, msg: fmt.Sprintf(format, args...)}
}

func (p *parser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *parser) peek() byte {
	p.space()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *parser) or() (node, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.peek() == ',' {
		p.i++
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = orNode{l, r}
	}
	return l, nil
}

func (p *parser) and() (node, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.peek() == '+' {
		p.i++
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		l = andNode{l, r}
	}
	return l, nil
}

func (p *parser) unary() (node, error) {
	if p.peek() == '-' {
		p.i++
		n, err := p.primary()
		if err != nil {
			return nil, err
		}
		return notNode{n}, nil
	}
	return p.primary()
}

func (p *parser) primary() (node, error) {
	switch c := p.peek(); {
	case c == 0:
		return nil, p.errorf("a condition such as tag:news was expected, and the filter ended")
	case c == '(':
		p.i++
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.peek() != ')' {
			return nil, p.errorf("a closing parenthesis was expected")
		}
		p.i++
		return n, nil
	}
	start := p.i
	for p.i < len(p.s) && isFieldChar(p.s[p.i]) {
		p.i++
	}
	field := strings.ToLower(p.s[start:p.i])
	if field == "" {
		return nil, p.errorf("a field name such as tag or slug was expected, not %q", p.s[p.i])
	}
	if p.i == len(p.s) || p.s[p.i] != ':' {
		p.i = start
		return nil, p.errorf("a colon was expected after %q (write field:value)", field)
	}
	if a, ok := fieldAliases[field]; ok {
		field = a
	}
	if !p.fields[field] {
		p.i = start
		return nil, p.errorf("unknown field %q", p.s[start:start+len(field)])
	}
	p.i++ // the colon
	op := ""
	switch {
	case strings.HasPrefix(p.s[p.i:], ">="), strings.HasPrefix(p.s[p.i:], "<="):
		op = p.s[p.i : p.i+2]
		p.i += 2
	case p.i < len(p.s) && strings.IndexByte("><-~", p.s[p.i]) >= 0:
		op = p.s[p.i : p.i+1]
		p.i++
	}
	var values []string
	if p.peek() == '[' {
		if op != "" && op != "-" {
			return nil, p.errorf("%s cannot take a list of values", op)
		}
		p.i++
		for {
			v, err := p.atom()
			if err != nil {
				return nil, err
			}
			values = append(values, v)
			if c := p.peek(); c == ',' {
				p.i++
				continue
			} else if c == ']' {
				p.i++
				break
			}
			return nil, p.errorf("a comma or a closing bracket was expected in the list")
		}
	} else {
		v, err := p.atom()
		if err != nil {
			return nil, err
		}
		values = []string{v}
	}
	if op != "" && op != "-" && op != "~" {
		if _, ok := parseWhen(values[0]); !ok {
			return nil, p.errorf("%s%s needs a date such as '2024-01-01', not %q", field, op, values[0])
		}
	}
	return cmpNode{field: field, op: op, values: values}, nil
}

// atom reads one value: quoted with ' or ", or a bare word.
func (p *parser) atom() (string, error) {
	c := p.peek()
	if c == '\'' || c == '"' {
		p.i++
		var b strings.Builder
		for p.i < len(p.s) {
			ch := p.s[p.i]
			if ch == '\\' && p.i+1 < len(p.s) {
				b.WriteByte(p.s[p.i+1])
				p.i += 2
				continue
			}
			if ch == c {
				p.i++
				return b.String(), nil
			}
			b.WriteByte(ch)
			p.i++
		}
		return "", p.errorf("the quoted value is not closed")
	}
	start := p.i
	for p.i < len(p.s) && isValueChar(p.s[p.i]) {
		p.i++
	}
	if start == p.i {
		if p.i == len(p.s) {
			return "", p.errorf("a value was expected, and the filter ended")
		}
		return "", p.errorf("a value was expected, not %q", p.s[p.i])
	}
	return p.s[start:p.i], nil
}

func isFieldChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.'
}

func isValueChar(c byte) bool {
	return isFieldChar(c) || c == '-' || c >= 0x80
}

package caffe

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/budget"
)

// The protobuf text format as Caffe's prototxt files use it, read into a
// tree of messages that keeps every field's position. The caffemodel
// reader (binary.go) makes the same tree from the wire format, so that
// one builder serves both.

// maxDepth caps message nesting (Caffe's deepest is about 5).
const maxDepth = 64

// valueSize is what one field of the tree costs, charged to the budget.
const valueSize = 96

// value is one field of a message: a scalar's text (a number, an enum
// identifier, true/false, or a string's decoded contents) or a message.
type value struct {
	name string
	pos  graph.Pos // Line/Col in a prototxt, Path in a caffemodel (File unset)
	str  bool      // a string literal
	text string
	msg  *message
}

// message is a protobuf message: its fields in file order.
type message struct {
	typ    string // schema type ("" when the schema does not know it)
	pos    graph.Pos
	fields []value
}

// parser reads the protobuf text format.
type parser struct {
	file   string
	src    []byte
	i      int
	line   int
	col    int // 1-based column of src[i]
	budget *budget.Budget
	nvals  int64
}

// parseText reads src as a NetParameter.
func parseText(file string, src []byte, b *budget.Budget) (*message, error) {
	p := &parser{file: file, src: src, line: 1, col: 1, budget: b}
	root := &message{typ: "NetParameter", pos: graph.Pos{Line: 1, Col: 1}}
	if err := p.fields(root, 0, 0); err != nil {
		return nil, err
	}
	return root, nil
}

func (p *parser) errAt(line, col int, format string, args ...any) error {
	return &graph.Error{Pos: graph.Pos{File: p.file, Line: line, Col: col}, Msg: fmt.Sprintf(format, args...)}
}

// skip passes over white space and # comments.
func (p *parser) skip() {
	for p.i < len(p.src) {
		c := p.src[p.i]
		switch {
		case c == '\n':
			p.i++
			p.line++
			p.col = 1
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			p.i++
			p.col++
		case c == '#':
			for p.i < len(p.src) && p.src[p.i] != '\n' {
				p.i++
			}
		case c == 0xEF && p.i == 0 && len(p.src) >= 3 && p.src[1] == 0xBB && p.src[2] == 0xBF:
			p.i += 3
		default:
			return
		}
	}
}

func (p *parser) peek() byte {
	p.skip()
	if p.i >= len(p.src) {
		return 0
	}
	return p.src[p.i]
}

func (p *parser) advance(n int) {
	for k := 0; k < n && p.i < len(p.src); k++ {
		if p.src[p.i] == '\n' {
			p.line++
			p.col = 1
		} else if p.src[p.i]&0xC0 != 0x80 {
			p.col++
		}
		p.i++
	}
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIdentChar(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

// word reads an identifier or number token (letters, digits, _ . + -).
func (p *parser) word() string {
	start := p.i
	for p.i < len(p.src) {
		c := p.src[p.i]
		if isIdentChar(c) || c == '.' || (c == '-' || c == '+') && (p.i == start || p.src[p.i-1] == 'e' || p.src[p.i-1] == 'E') {
			p.i++
			p.col++
			continue
		}
		break
	}
	return string(p.src[start:p.i])
}

// describe names the token at the current position for messages.
func (p *parser) describe() string {
	if p.i >= len(p.src) {
		return "the end of the file"
	}
	c := p.src[p.i]
	if isIdentStart(c) || c >= '0' && c <= '9' || c == '-' {
		j := p.i
		for j < len(p.src) && j-p.i < 40 && (isIdentChar(p.src[j]) || p.src[j] == '.' || p.src[j] == '-') {
			j++
		}
		return strconv.Quote(string(p.src[p.i:j]))
	}
	return strconv.Quote(string(rune(c)))
}

// fields reads fields into m until close (0: the end of the file).
func (p *parser) fields(m *message, close byte, depth int) error {
	for {
		c := p.peek()
		if c == 0 {
			if close != 0 {
				return p.errAt(p.line, p.col, "the file ends inside message %s (opened at line %d:%d): a %q is missing", msgName(m), m.pos.Line, m.pos.Col, string(close))
			}
			return nil
		}
		if c == close {
			p.advance(1)
			return nil
		}
		if c == '}' || c == '>' {
			return p.errAt(p.line, p.col, "unexpected %q: no message is open here", string(c))
		}
		if c == '[' {
			return p.errAt(p.line, p.col, "extension fields ([...]) are not part of caffe.proto")
		}
		if !isIdentStart(c) {
			return p.errAt(p.line, p.col, "expected a field name, found %s", p.describe())
		}
		line, col := p.line, p.col
		name := p.word()
		if err := p.field(m, name, line, col, depth); err != nil {
			return err
		}
		if c := p.peek(); c == ',' || c == ';' {
			p.advance(1)
		}
	}
}

// field reads the value(s) of field name after its name.
func (p *parser) field(m *message, name string, line, col, depth int) error {
	colon := false
	if p.peek() == ':' {
		p.advance(1)
		colon = true
	}
	c := p.peek()
	switch {
	case c == '{' || c == '<':
		return p.sub(m, name, line, col, depth)
	case c == '[':
		if !colon {
			return p.errAt(p.line, p.col, "field %s: a ':' must come before a list", name)
		}
		p.advance(1)
		if p.peek() == ']' {
			p.advance(1)
			return nil
		}
		for {
			if c := p.peek(); c == '{' || c == '<' {
				if err := p.sub(m, name, line, col, depth); err != nil {
					return err
				}
			} else if err := p.scalar(m, name, line, col); err != nil {
				return err
			}
			switch p.peek() {
			case ',':
				p.advance(1)
			case ']':
				p.advance(1)
				return nil
			default:
				return p.errAt(p.line, p.col, "field %s: expected ',' or ']' in the list, found %s", name, p.describe())
			}
		}
	case !colon:
		return p.errAt(p.line, p.col, "field %s: expected ':' or '{' after the field name, found %s", name, p.describe())
	}
	return p.scalar(m, name, line, col)
}

func (p *parser) charge() error {
	p.nvals++
	if p.nvals%1024 == 0 {
		return p.budget.Charge(1024*valueSize, "the prototxt's fields")
	}
	return nil
}

// sub reads a message value.
func (p *parser) sub(m *message, name string, line, col, depth int) error {
	if depth+1 > maxDepth {
		return p.errAt(line, col, "messages are nested more than %d deep", maxDepth)
	}
	if err := p.charge(); err != nil {
		return err
	}
	open := p.src[p.i]
	close := byte('}')
	if open == '<' {
		close = '>'
	}
	p.advance(1)
	sm := &message{typ: subType(m.typ, name), pos: graph.Pos{Line: line, Col: col}}
	if err := p.fields(sm, close, depth+1); err != nil {
		return err
	}
	m.fields = append(m.fields, value{name: name, pos: sm.pos, msg: sm})
	return nil
}

// scalar reads a number, identifier or string.
func (p *parser) scalar(m *message, name string, line, col int) error {
	if err := p.charge(); err != nil {
		return err
	}
	c := p.peek()
	vline, vcol := p.line, p.col
	v := value{name: name, pos: graph.Pos{Line: line, Col: col}}
	switch {
	case c == '"' || c == '\'':
		var b strings.Builder
		for {
			s, err := p.quoted()
			if err != nil {
				return err
			}
			b.WriteString(s)
			if c := p.peek(); c != '"' && c != '\'' {
				break
			}
		}
		v.str, v.text = true, b.String()
	case isIdentStart(c) || c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.':
		v.text = p.word()
		if v.text == "" || v.text == "-" || v.text == "+" {
			return p.errAt(vline, vcol, "field %s: expected a value, found %s", name, p.describe())
		}
	default:
		return p.errAt(vline, vcol, "field %s: expected a value, found %s", name, p.describe())
	}
	m.fields = append(m.fields, v)
	return nil
}

// quoted reads one string literal with C escapes.
func (p *parser) quoted() (string, error) {
	line, col := p.line, p.col
	q := p.src[p.i]
	p.advance(1)
	var b []byte
	for {
		if p.i >= len(p.src) || p.src[p.i] == '\n' {
			return "", p.errAt(line, col, "the string is not closed on its line")
		}
		c := p.src[p.i]
		if c == q {
			p.advance(1)
			return string(b), nil
		}
		if c != '\\' {
			b = append(b, c)
			p.advance(1)
			continue
		}
		p.advance(1)
		if p.i >= len(p.src) {
			return "", p.errAt(line, col, "the string is not closed")
		}
		e := p.src[p.i]
		p.advance(1)
		switch e {
		case 'n':
			b = append(b, '\n')
		case 't':
			b = append(b, '\t')
		case 'r':
			b = append(b, '\r')
		case 'a':
			b = append(b, 7)
		case 'b':
			b = append(b, 8)
		case 'f':
			b = append(b, 12)
		case 'v':
			b = append(b, 11)
		case 'x', 'X':
			v, k := 0, 0
			for ; k < 2 && p.i < len(p.src) && strings.IndexByte("0123456789abcdefABCDEF", p.src[p.i]) >= 0; k++ {
				d, _ := strconv.ParseUint(string(p.src[p.i]), 16, 8)
				v = v*16 + int(d)
				p.advance(1)
			}
			b = append(b, byte(v))
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := int(e - '0')
			for k := 0; k < 2 && p.i < len(p.src) && p.src[p.i] >= '0' && p.src[p.i] <= '7'; k++ {
				v = v*8 + int(p.src[p.i]-'0')
				p.advance(1)
			}
			b = append(b, byte(v))
		default:
			b = append(b, e)
		}
	}
}

func msgName(m *message) string {
	if m.typ != "" {
		return m.typ
	}
	return "(unknown type)"
}

// Accessors. A field given several times takes its last value (protobuf's
// rule for optional fields).

func (m *message) last(name string) *value {
	if m == nil {
		return nil
	}
	for i := len(m.fields) - 1; i >= 0; i-- {
		if m.fields[i].name == name {
			return &m.fields[i]
		}
	}
	return nil
}

func (m *message) all(name string) []*value {
	if m == nil {
		return nil
	}
	var vs []*value
	for i := range m.fields {
		if m.fields[i].name == name {
			vs = append(vs, &m.fields[i])
		}
	}
	return vs
}

func (m *message) has(name string) bool { return m.last(name) != nil }

// sub is the last message field name (nil when absent).
func (m *message) sub(name string) *message {
	if v := m.last(name); v != nil {
		return v.msg
	}
	return nil
}

func (m *message) subs(name string) []*message {
	var ms []*message
	for _, v := range m.all(name) {
		if v.msg != nil {
			ms = append(ms, v.msg)
		}
	}
	return ms
}

// fieldError is a problem with a field's value, positioned later.
type fieldError struct {
	pos graph.Pos
	msg string
}

func (e *fieldError) Error() string { return e.msg }

func badValue(v *value, want string) error {
	if v.msg != nil {
		return &fieldError{v.pos, fmt.Sprintf("field %s: expected %s, found a message", v.name, want)}
	}
	shown := v.text
	if v.str {
		shown = strconv.Quote(v.text)
	}
	return &fieldError{v.pos, fmt.Sprintf("field %s: expected %s, found %s", v.name, want, shown)}
}

func (v *value) int() (int64, error) {
	if v.msg != nil || v.str {
		return 0, badValue(v, "an integer")
	}
	x, err := strconv.ParseInt(v.text, 0, 64)
	if err != nil {
		if u, err2 := strconv.ParseUint(v.text, 0, 64); err2 == nil {
			return 0, &fieldError{v.pos, fmt.Sprintf("field %s: %d is too large", v.name, u)}
		}
		return 0, badValue(v, "an integer")
	}
	return x, nil
}

func (v *value) float() (float64, error) {
	if v.msg != nil || v.str {
		return 0, badValue(v, "a number")
	}
	t := strings.TrimSuffix(strings.TrimSuffix(v.text, "f"), "F")
	x, err := strconv.ParseFloat(t, 64)
	if err != nil {
		if i, err2 := strconv.ParseInt(v.text, 0, 64); err2 == nil {
			return float64(i), nil
		}
		switch strings.ToLower(t) {
		case "inf", "infinity", "-inf", "-infinity", "nan":
			x, _ = strconv.ParseFloat(t, 64)
			return x, nil
		}
		return 0, badValue(v, "a number")
	}
	return x, nil
}

func (v *value) bool() (bool, error) {
	if v.msg == nil && !v.str {
		switch v.text {
		case "true", "True", "t", "1":
			return true, nil
		case "false", "False", "f", "0":
			return false, nil
		}
	}
	return false, badValue(v, "true or false")
}

func (m *message) int(name string, def int64) (int64, error) {
	if v := m.last(name); v != nil {
		return v.int()
	}
	return def, nil
}

// uint is int that must not be negative.
func (m *message) uint(name string, def int64) (int64, error) {
	v := m.last(name)
	if v == nil {
		return def, nil
	}
	x, err := v.int()
	if err == nil && x < 0 {
		return 0, &fieldError{v.pos, fmt.Sprintf("field %s: %d is negative", name, x)}
	}
	return x, err
}

func (m *message) uints(name string) ([]int64, error) {
	var xs []int64
	for _, v := range m.all(name) {
		x, err := v.int()
		if err != nil {
			return nil, err
		}
		if x < 0 {
			return nil, &fieldError{v.pos, fmt.Sprintf("field %s: %d is negative", name, x)}
		}
		xs = append(xs, x)
	}
	return xs, nil
}

func (m *message) ints(name string) ([]int64, error) {
	var xs []int64
	for _, v := range m.all(name) {
		x, err := v.int()
		if err != nil {
			return nil, err
		}
		xs = append(xs, x)
	}
	return xs, nil
}

func (m *message) float(name string, def float64) (float64, error) {
	if v := m.last(name); v != nil {
		return v.float()
	}
	return def, nil
}

func (m *message) floats(name string) ([]float64, error) {
	var xs []float64
	for _, v := range m.all(name) {
		x, err := v.float()
		if err != nil {
			return nil, err
		}
		xs = append(xs, x)
	}
	return xs, nil
}

func (m *message) bool(name string, def bool) (bool, error) {
	if v := m.last(name); v != nil {
		return v.bool()
	}
	return def, nil
}

func (m *message) str(name string) (string, error) {
	v := m.last(name)
	if v == nil {
		return "", nil
	}
	if v.msg != nil {
		return "", badValue(v, "a string")
	}
	return v.text, nil
}

func (m *message) strs(name string) ([]string, error) {
	var xs []string
	for _, v := range m.all(name) {
		if v.msg != nil {
			return nil, badValue(v, "a string")
		}
		xs = append(xs, v.text)
	}
	return xs, nil
}

// enum is the identifier of enum field name, checked against the
// values the schema knows (with a suggestion for a misspelling).
func (m *message) enum(name, def string) (string, error) {
	v := m.last(name)
	if v == nil {
		return def, nil
	}
	if v.msg != nil || v.str {
		return "", badValue(v, "an enum value")
	}
	vals := enumValues(m.typ, name)
	if vals == nil {
		return v.text, nil
	}
	for _, e := range vals {
		if e.name == v.text {
			return v.text, nil
		}
	}
	if n, err := strconv.ParseInt(v.text, 10, 32); err == nil {
		for _, e := range vals {
			if int64(e.num) == n {
				return e.name, nil
			}
		}
	}
	names := make([]string, len(vals))
	for i, e := range vals {
		names[i] = e.name
	}
	msg := fmt.Sprintf("field %s: %s is not one of %s", name, v.text, strings.Join(names, ", "))
	if s := nearest(v.text, names); s != "" {
		msg += "; did you mean " + s + "?"
	}
	return "", &fieldError{v.pos, msg}
}

package keras

import (
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/layerinfo/layerinfo/internal/budget"
)

// The JSON of a Keras model is read into a small tree of its own, not
// through encoding/json: every value keeps its byte offset (errors say
// line:col), every value and string is charged to the budget before it
// is made, and nesting is capped, so a hostile file costs what it
// declares, within the limit, and never a stack overflow.

type kind uint8

const (
	jNull kind = iota
	jBool
	jNum
	jStr
	jArr
	jObj
)

func (k kind) String() string {
	return [...]string{"null", "a boolean", "a number", "a string", "a list", "an object"}[k]
}

// value is one JSON value. Numbers keep their text (s).
type value struct {
	k   kind
	b   bool
	off int
	s   string
	arr []*value
	obj []member
}

type member struct {
	key string
	val *value
}

// maxDepth caps nesting: Keras configs nest some twenty levels deep
// (a model in a wrapper in a model, initializers, tensors in nodes).
const maxDepth = 512

// valueCost is what one value costs in memory beyond its text (the
// struct in its 96-byte size class and the garbage of growing lists),
// charged before it is made; elemCost is a list entry's or an object
// member's share of its slice, growth included.
const (
	valueCost = 128
	elemCost  = 24
)

// chargeChunk batches charges: one atomic add per 256 KiB of tree.
const chargeChunk = 256 << 10

// syntaxError is a JSON error at a byte offset.
type syntaxError struct {
	off int
	msg string
}

func (e *syntaxError) Error() string { return e.msg }

type parser struct {
	src     []byte
	i       int
	b       *budget.Budget
	pending int64
}

// parseJSON reads one JSON value filling src (whitespace around it).
func parseJSON(src []byte, b *budget.Budget) (*value, error) {
	// The text itself, read whole by the caller, is charged with the tree.
	p := &parser{src: src, b: b, pending: int64(len(src))}
	if len(src) >= 3 && string(src[:3]) == "\ufeff" {
		p.i = 3 // a byte order mark, as some editors write
	}
	v, err := p.value(0)
	if err == nil {
		p.ws()
		if p.i < len(p.src) {
			err = p.errf("unexpected %s after the JSON value", p.what())
		}
	}
	if err == nil {
		err = p.flush()
	}
	if err != nil {
		return nil, err
	}
	return v, nil
}

func (p *parser) charge(n int) error {
	p.pending += int64(n)
	if p.pending >= chargeChunk {
		return p.flush()
	}
	return nil
}

func (p *parser) flush() error {
	n := p.pending
	p.pending = 0
	if n == 0 {
		return nil
	}
	if err := p.b.Charge(n, "the Keras model's JSON tree"); err != nil {
		if be, ok := err.(*budget.Error); ok {
			be.Where = "offset " + strconv.Itoa(p.i)
		}
		return err
	}
	return nil
}

func (p *parser) errf(format string, args ...any) error {
	return &syntaxError{off: p.i, msg: fmt.Sprintf(format, args...)}
}

func (p *parser) what() string {
	if p.i >= len(p.src) {
		return "end of file"
	}
	c := p.src[p.i]
	if c >= 0x20 && c < 0x7f {
		return strconv.QuoteRune(rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

func (p *parser) ws() {
	for p.i < len(p.src) {
		switch p.src[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) value(depth int) (*value, error) {
	p.ws()
	if depth > maxDepth {
		return nil, p.errf("JSON nested more than %d levels deep", maxDepth)
	}
	if p.i >= len(p.src) {
		return nil, p.errf("unexpected end of file, expecting a value")
	}
	if err := p.charge(valueCost); err != nil {
		return nil, err
	}
	v := &value{off: p.i}
	switch c := p.src[p.i]; {
	case c == '{':
		v.k = jObj
		p.i++
		p.ws()
		if p.i < len(p.src) && p.src[p.i] == '}' {
			p.i++
			return v, nil
		}
		for {
			p.ws()
			if p.i >= len(p.src) || p.src[p.i] != '"' {
				return nil, p.errf("unexpected %s, expecting a key in quotes", p.what())
			}
			key, err := p.str()
			if err != nil {
				return nil, err
			}
			p.ws()
			if p.i >= len(p.src) || p.src[p.i] != ':' {
				return nil, p.errf("unexpected %s, expecting ':' after the key %q", p.what(), key)
			}
			p.i++
			val, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			if err := p.charge(elemCost + 24); err != nil {
				return nil, err
			}
			v.obj = append(v.obj, member{key, val})
			p.ws()
			if p.i < len(p.src) && p.src[p.i] == ',' {
				p.i++
				continue
			}
			if p.i < len(p.src) && p.src[p.i] == '}' {
				p.i++
				return v, nil
			}
			return nil, p.errf("unexpected %s, expecting ',' or '}'", p.what())
		}
	case c == '[':
		v.k = jArr
		p.i++
		p.ws()
		if p.i < len(p.src) && p.src[p.i] == ']' {
			p.i++
			return v, nil
		}
		for {
			el, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			if err := p.charge(elemCost); err != nil {
				return nil, err
			}
			v.arr = append(v.arr, el)
			p.ws()
			if p.i < len(p.src) && p.src[p.i] == ',' {
				p.i++
				continue
			}
			if p.i < len(p.src) && p.src[p.i] == ']' {
				p.i++
				return v, nil
			}
			return nil, p.errf("unexpected %s, expecting ',' or ']'", p.what())
		}
	case c == '"':
		v.k = jStr
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		v.s = s
	case c == '-' || c >= '0' && c <= '9':
		v.k = jNum
		s, err := p.num()
		if err != nil {
			return nil, err
		}
		v.s = s
	default:
		for _, lit := range []struct {
			text string
			k    kind
			b    bool
		}{{"true", jBool, true}, {"false", jBool, false}, {"null", jNull, false},
			// Python's json.dumps writes these for float('nan') and
			// infinities (an initializer's or a regularizer's value).
			{"NaN", jNum, false}, {"Infinity", jNum, false}, {"-Infinity", jNum, false}} {
			if p.hasPrefix(lit.text) {
				p.i += len(lit.text)
				v.k, v.b = lit.k, lit.b
				if lit.k == jNum {
					v.s = lit.text
				}
				return v, nil
			}
		}
		return nil, p.errf("unexpected %s, expecting a value", p.what())
	}
	return v, nil
}

func (p *parser) hasPrefix(s string) bool {
	return len(p.src)-p.i >= len(s) && string(p.src[p.i:p.i+len(s)]) == s
}

// num scans a JSON number (and -Infinity, handled by the caller's
// literal list when it fails here).
func (p *parser) num() (string, error) {
	start := p.i
	if p.hasPrefix("-Infinity") {
		p.i += len("-Infinity")
		return "-Infinity", nil
	}
	if p.src[p.i] == '-' {
		p.i++
	}
	digits := func() int {
		n := 0
		for p.i < len(p.src) && p.src[p.i] >= '0' && p.src[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if digits() == 0 {
		return "", p.errf("malformed number")
	}
	if p.i < len(p.src) && p.src[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return "", p.errf("malformed number")
		}
	}
	if p.i < len(p.src) && (p.src[p.i] == 'e' || p.src[p.i] == 'E') {
		p.i++
		if p.i < len(p.src) && (p.src[p.i] == '+' || p.src[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return "", p.errf("malformed number")
		}
	}
	if err := p.charge(p.i - start); err != nil {
		return "", err
	}
	return string(p.src[start:p.i]), nil
}

// str reads a quoted string at p.i.
func (p *parser) str() (string, error) {
	start := p.i
	p.i++ // the quote
	// Fast path: no escapes.
	j := p.i
	for j < len(p.src) && p.src[j] != '"' && p.src[j] != '\\' && p.src[j] >= 0x20 {
		j++
	}
	if j < len(p.src) && p.src[j] == '"' {
		if err := p.charge(j - p.i); err != nil {
			return "", err
		}
		s := string(p.src[p.i:j])
		p.i = j + 1
		return s, nil
	}
	var out []byte
	for {
		if p.i >= len(p.src) {
			p.i = start
			return "", p.errf("unterminated string")
		}
		c := p.src[p.i]
		switch {
		case c == '"':
			p.i++
			if err := p.charge(len(out)); err != nil {
				return "", err
			}
			return string(out), nil
		case c < 0x20:
			return "", p.errf("control character 0x%02x in a string", c)
		case c != '\\':
			out = append(out, c)
			p.i++
			continue
		}
		p.i++
		if p.i >= len(p.src) {
			return "", p.errf("unterminated string")
		}
		e := p.src[p.i]
		p.i++
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", p.errf("malformed \\u escape")
			}
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if p.hasPrefix("\\u") {
					p.i += 2
					if x, ok := p.hex4(); ok {
						r2 = x
					}
				}
				r = utf16.DecodeRune(r, r2)
			}
			out = utf8.AppendRune(out, r)
		default:
			p.i--
			return "", p.errf("unknown escape \\%c", e)
		}
	}
}

func (p *parser) hex4() (rune, bool) {
	if len(p.src)-p.i < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(p.src[p.i:p.i+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	p.i += 4
	return rune(n), true
}

// lineCol turns a byte offset into a 1-based line and column (in bytes).
func lineCol(src []byte, off int) (line, col int) {
	line, col = 1, 1
	for i := 0; i < off && i < len(src); i++ {
		if src[i] == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

// get is the member key of an object (nil when absent or not an object).
func (v *value) get(key string) *value {
	if v == nil || v.k != jObj {
		return nil
	}
	for i := range v.obj {
		if v.obj[i].key == key {
			return v.obj[i].val
		}
	}
	return nil
}

// isNull says whether v is absent or JSON null.
func (v *value) isNull() bool { return v == nil || v.k == jNull }

// int is v as a whole number (1.0 is 1: TF.js writes floats for some).
func (v *value) int() (int64, bool) {
	if v == nil || v.k != jNum {
		return 0, false
	}
	if n, err := strconv.ParseInt(v.s, 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(v.s, 64)
	if err != nil || f != float64(int64(f)) || f > 1<<62 || f < -(1<<62) {
		return 0, false
	}
	return int64(f), true
}

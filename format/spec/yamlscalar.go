package spec

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file reads YAML scalars: plain, single- and double-quoted, and
// block (| and >), and resolves a plain scalar to null, a boolean, a
// number or a string the way the YAML 1.2 core schema does, with the
// choices go-yaml made (which the specs written so far were read with):
// only null/Null/NULL/~ and true/True/TRUE/false/False/FALSE are words;
// yes/no/on/off are strings; 0x, 0o, 0b and a leading 0 (octal) give
// integers; underscores are dropped; a number needs a '.' to be a float
// (1e3 is a string, 1.5e3 a float); a number out of range is a string.

// resolvePlain sets v to what the plain scalar text means.
func resolvePlain(v *value, text string) {
	v.s = text
	switch text {
	case "null", "Null", "NULL", "~":
		v.kind, v.s = kNull, ""
		return
	case "true", "True", "TRUE":
		v.kind, v.b, v.s = kBool, true, ""
		return
	case "false", "False", "FALSE":
		v.kind, v.b, v.s = kBool, false, ""
		return
	case ".inf", ".Inf", ".INF":
		v.kind, v.i = kFloat, floatBits(math.Inf(1))
		return
	case "-.inf", "-.Inf", "-.INF":
		v.kind, v.i = kFloat, floatBits(math.Inf(-1))
		return
	case ".nan", ".NaN", ".NAN":
		v.kind, v.i = kFloat, floatBits(math.NaN())
		return
	}
	v.kind = kString
	if text == "" || !maybeNumber(text) {
		return
	}
	num := text
	if strings.IndexByte(num, '_') >= 0 {
		if num[0] == '_' {
			return
		}
		num = strings.ReplaceAll(num, "_", "")
	}
	dots := strings.Count(num, ".")
	if dots > 1 {
		return
	}
	// As go-yaml: the sign is the text's first character; a '+' and
	// then a '-' are both dropped ("+-5" is 5).
	neg := text[0] == '-'
	num = strings.TrimPrefix(strings.TrimPrefix(num, "+"), "-")
	base := 10
	switch {
	case strings.HasPrefix(num, "0x"):
		num, base = num[2:], 16
	case strings.HasPrefix(num, "0o"):
		num, base = num[2:], 8
	case strings.HasPrefix(num, "0b"):
		num, base = num[2:], 2
	case len(num) > 1 && num[0] == '0' && dots == 0:
		base = 8
	case dots == 1:
		base = 0 // a float
	}
	if neg {
		num = "-" + num
	}
	switch {
	case base == 0:
		if f, err := strconv.ParseFloat(num, 64); err == nil {
			v.kind, v.i = kFloat, floatBits(f)
		}
	case neg:
		if i, err := strconv.ParseInt(num, base, 64); err == nil {
			v.kind, v.i = kInt, i
		}
	default:
		if u, err := strconv.ParseUint(num, base, 64); err == nil {
			if u <= math.MaxInt64 {
				v.kind, v.i = kInt, int64(u)
			} else {
				v.kind, v.i = kFloat, floatBits(float64(u))
			}
		}
	}
}

// maybeNumber is a quick test that spares the number parsers most words:
// a number has a digit and starts with a digit, a sign, '.' or '_'.
func maybeNumber(s string) bool {
	c := s[0]
	if !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.' || c == '_') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			return true
		}
	}
	return false
}

// isBlank reports a space or a tab.
func isBlank(c byte) bool { return c == ' ' || c == '\t' }

// at returns the byte at i, or 0 past the end.
func (p *yparser) at(i int) byte {
	if i < len(p.src) {
		return p.src[i]
	}
	return 0
}

// endsLine reports whether i is at the end of a line or of the input.
func (p *yparser) endsLine(i int) bool {
	if i >= len(p.src) {
		return true
	}
	c := p.src[i]
	return c == '\n' || c == '\r' && (i+1 == len(p.src) || p.src[i+1] == '\n')
}

// wsAt reports a blank, a line end or the end of the input at i.
func (p *yparser) wsAt(i int) bool { return p.endsLine(i) || isBlank(p.src[i]) }

// isFlowIndicator reports the characters that end a plain scalar in a
// flow collection.
func isFlowIndicator(c byte) bool { return c == ',' || c == '[' || c == ']' || c == '{' || c == '}' }

// plain reads a plain scalar starting at p.i. In a block (flow false) it
// may continue on lines indented more than indent; in a flow collection
// on any line. It stops before ": ", " #", and in flow before , [ ] { }.
// It returns the text with lines folded (one line break is a space, each
// further one a newline).
func (p *yparser) plain(indent int, flow bool) (string, error) {
	return p.plainScalar(indent, flow, false)
}

// plainScalar is plain; a key in a flow mapping (flowKey) ends at any
// ':', as go-yaml reads {units:64}.
func (p *yparser) plainScalar(indent int, flow, flowKey bool) (string, error) {
	startLine, startCol := p.line, p.col()
	start := p.i
	var b []byte // the folded text, once the scalar spans lines
	for {
		// One line's part.
		s := p.i
		e := s // end of the text without trailing blanks
		for !p.endsLine(p.i) {
			c := p.src[p.i]
			if c == ':' {
				n := p.at(p.i + 1)
				if p.wsAt(p.i+1) || flow && isFlowIndicator(n) || flowKey {
					break
				}
			} else if c == '#' && p.i > s && isBlank(p.src[p.i-1]) {
				break
			} else if flow && isFlowIndicator(c) {
				break
			}
			p.i++
			if !isBlank(c) {
				e = p.i
			}
		}
		if p.i-start > maxScalar {
			return "", p.errAt(startLine, startCol, "a scalar of more than %s bytes", thousands(maxScalar))
		}
		if b != nil {
			b = append(b, p.src[s:e]...)
		}
		// Continue on the next line?
		if !p.endsLine(p.i) {
			if b == nil {
				return p.text[start:e], nil
			}
			return string(b), nil
		}
		save, saveLine, saveLs := p.i, p.line, p.ls
		breaks := 0
		for {
			// Past the line end, over blank lines.
			if p.i >= len(p.src) {
				break
			}
			if p.src[p.i] == '\r' {
				p.i++
			}
			p.i++ // '\n'
			p.newLine()
			breaks++
			for p.i < len(p.src) && isBlank(p.src[p.i]) {
				p.i++
			}
			if !p.endsLine(p.i) {
				break
			}
		}
		ind := p.indentOf()
		cont := p.i < len(p.src) && p.src[p.i] != '#' && (flow || ind > indent) && !p.docMarker()
		if cont && flow && isFlowIndicator(p.src[p.i]) {
			cont = false
		}
		if cont && p.src[p.i] == ':' && p.wsAt(p.i+1) {
			cont = false
		}
		if !cont {
			p.i, p.line, p.ls = save, saveLine, saveLs
			if b == nil {
				return p.text[start:e], nil
			}
			return string(b), nil
		}
		if b == nil {
			b = append(make([]byte, 0, 2*(e-start)+16), p.src[start:e]...)
		}
		if breaks == 1 {
			b = append(b, ' ')
		} else {
			for range breaks - 1 {
				b = append(b, '\n')
			}
		}
	}
}

// indentOf is the column (0-based, in bytes) of p.i on its line.
func (p *yparser) indentOf() int { return p.i - p.ls }

// docMarker reports a "---" or "..." at the start of the line at p.i.
func (p *yparser) docMarker() bool {
	if p.i != p.ls || p.i+3 > len(p.src) {
		return false
	}
	s := p.src[p.i : p.i+3]
	// go-yaml ends a document at "..." whatever follows it.
	return string(s) == "---" && p.wsAt(p.i+3) || string(s) == "..."

}

// quoted reads a single- or double-quoted scalar at p.i (on its quote).
func (p *yparser) quoted() (string, error) {
	q := p.src[p.i]
	startLine, startCol := p.line, p.col()
	p.i++
	start := p.i
	// The common case: one line, no escapes.
	for j := p.i; j < len(p.src); j++ {
		c := p.src[j]
		if c == q {
			if q == '\'' && p.at(j+1) == '\'' {
				break
			}
			if j-start > maxScalar {
				return "", p.errAt(startLine, startCol, "a quoted string of more than %s bytes", thousands(maxScalar))
			}
			p.i = j + 1
			return p.text[start:j], nil
		}
		if c == '\\' && q == '"' || c == '\n' || c == '\r' {
			break
		}
	}
	var b []byte
	p.escEnd = 0
	for {
		if p.i-start > maxScalar {
			return "", p.errAt(startLine, startCol, "a quoted string of more than %s bytes", thousands(maxScalar))
		}
		if p.i >= len(p.src) {
			return "", p.errAt(startLine, startCol, "this quoted string has no closing %c", q)
		}
		c := p.src[p.i]
		switch {
		case c == q && q == '\'' && p.at(p.i+1) == '\'':
			b = append(b, '\'')
			p.i += 2
		case c == q:
			p.i++
			return string(b), nil
		case c == '\\' && q == '"':
			n, err := p.escape(&b)
			if err != nil {
				return "", err
			}
			if n {
				// An escaped line break: the lines join without a space.
				if err := p.foldBreak(&b, false, startLine, startCol, q); err != nil {
					return "", err
				}
			}
		case c == '\n' || c == '\r':
			// Trailing blanks of the line are dropped.
			k := len(b)
			for k > 0 && isBlank(b[k-1]) && k > p.escEnd {
				k--
			}
			b = b[:k]
			if err := p.foldBreak(&b, true, startLine, startCol, q); err != nil {
				return "", err
			}
		default:
			b = append(b, c)
			p.i++
		}
	}
}

// foldBreak passes a line break inside a quoted scalar and the blank
// lines and indentation after it: one break is a space (when space is
// true), each further one a newline.
func (p *yparser) foldBreak(b *[]byte, space bool, startLine, startCol int, q byte) error {
	breaks := 0
	for {
		if p.i < len(p.src) && p.src[p.i] == '\r' {
			p.i++
		}
		if p.i < len(p.src) && p.src[p.i] == '\n' {
			p.i++
			p.newLine()
			breaks++
		}
		for p.i < len(p.src) && isBlank(p.src[p.i]) {
			p.i++
		}
		if p.i >= len(p.src) {
			return p.errAt(startLine, startCol, "this quoted string has no closing %c", q)
		}
		if p.docMarker() {
			return p.errAt(p.line, 1, "a document marker inside a quoted string")
		}
		if !p.endsLine(p.i) {
			break
		}
	}
	switch {
	case breaks == 1 && space:
		*b = append(*b, ' ')
	case breaks > 1:
		for range breaks - 1 {
			*b = append(*b, '\n')
		}
	}
	return nil
}

// escape reads the escape sequence at p.i ('\') into b; nl is true for
// an escaped line break.
func (p *yparser) escape(b *[]byte) (nl bool, err error) {
	line, col := p.line, p.col()
	p.i++
	if p.i >= len(p.src) {
		return false, p.errAt(line, col, "an escape at the end of the input")
	}
	c := p.src[p.i]
	p.i++
	var r rune = -1
	switch c {
	case '0':
		r = 0
	case 'a':
		r = 7
	case 'b':
		r = 8
	case 't', '\t':
		r = 9
	case 'n':
		r = 10
	case 'v':
		r = 11
	case 'f':
		r = 12
	case 'r':
		r = 13
	case 'e':
		r = 0x1b
	case ' ':
		r = ' '
	case '"':
		r = '"'
	case '/':
		r = '/'
	case '\\':
		r = '\\'
	case 'N':
		r = 0x85
	case '_':
		r = 0xa0
	case 'L':
		r = 0x2028
	case 'P':
		r = 0x2029
	case 'x', 'u', 'U':
		n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]
		if p.i+n > len(p.src) {
			return false, p.errAt(line, col, "the escape \\%c needs %d hex digits", c, n)
		}
		u, err := strconv.ParseUint(string(p.src[p.i:p.i+n]), 16, 32)
		if err != nil || u > utf8.MaxRune {
			return false, p.errAt(line, col, "the escape \\%c needs %d hex digits", c, n)
		}
		p.i += n
		r = rune(u)
	case '\n':
		p.i--
		return true, nil
	case '\r':
		p.i--
		return true, nil
	default:
		return false, p.errAt(line, col, "unknown escape \\%c in a double-quoted string", c)
	}
	*b = utf8.AppendRune(*b, r)
	p.escEnd = len(*b)
	return false, nil
}

// blockScalar reads a | or > scalar at p.i; indent is the indentation of
// the collection around it (-1 at the top).
func (p *yparser) blockScalar(indent int) (string, error) {
	startLine, startCol := p.line, p.col()
	literal := p.src[p.i] == '|'
	p.i++
	explicit, chomp := 0, byte(0)
	for k := 0; k < 2; k++ {
		c := p.at(p.i)
		switch {
		case c >= '1' && c <= '9' && explicit == 0:
			explicit = int(c - '0')
			p.i++
		case (c == '+' || c == '-') && chomp == 0:
			chomp = c
			p.i++
		}
	}
	for p.i < len(p.src) && isBlank(p.src[p.i]) {
		p.i++
	}
	if p.i < len(p.src) && p.src[p.i] == '#' && (isBlank(p.src[p.i-1])) {
		for !p.endsLine(p.i) {
			p.i++
		}
	}
	if !p.endsLine(p.i) {
		return "", p.errAt(p.line, p.col(), "unexpected text after a block scalar's indicator")
	}
	want := -1 // the content's indentation
	if explicit > 0 {
		want = max(indent, 0) + explicit
	}
	var b []byte
	trailing := 0    // line breaks not yet written
	lastMore := true // the previous content line was more indented (or none yet)
	first := true
	lineStartIdx := 0
	for p.i < len(p.src) {
		// p.i is at a line end: look at the next line.
		save, saveLine, saveLs := p.i, p.line, p.ls
		if p.src[p.i] == '\r' {
			p.i++
		}
		p.i++
		p.newLine()
		if p.i >= len(p.src) {
			break // the last line break, counted already
		}
		s := p.i
		for p.i < len(p.src) && p.src[p.i] == ' ' {
			p.i++
		}
		ind := p.i - s
		empty := p.endsLine(p.i)
		if want < 0 && !empty {
			if ind <= indent {
				want = indent + 1 // no content: an empty scalar
			} else {
				want = ind
			}
		}
		if p.docMarker() || !empty && ind < want || want < 0 && p.i >= len(p.src) {
			p.i, p.line, p.ls = save, saveLine, saveLs
			break
		}
		if empty {
			if want >= 0 && ind > want {
				// Spaces beyond the indentation on an empty line are
				// content in a literal scalar.
				p.i = s + want
				for !p.endsLine(p.i) {
					p.i++
				}
				b = blockBreaks(b, trailing, first, literal, true)
				b = append(b, p.src[s+want:p.i]...)
				first, lastMore = false, true
				trailing = 0
				if p.i < len(p.src) {
					trailing = 1
				}
				continue
			}
			trailing++
			continue
		}
		if len(b)+p.i-s > maxScalar {
			return "", p.errAt(startLine, startCol, "a block scalar of more than %s bytes", thousands(maxScalar))
		}
		more := ind > want || p.at(s+want) == '\t'
		b = blockBreaks(b, trailing, first, literal, lastMore || more)
		trailing = 0
		p.i = s + want
		lineStartIdx = p.i
		for !p.endsLine(p.i) {
			p.i++
		}
		end := p.i
		if end > lineStartIdx && p.src[end-1] == '\r' {
			end--
		}
		if end == len(p.src) {
			// The file's last line, with no break: go-yaml drops its
			// trailing blanks.
			for end > lineStartIdx && isBlank(p.src[end-1]) {
				end--
			}
		}
		b = append(b, p.src[lineStartIdx:end]...)
		first, lastMore = false, more
		trailing = 0
		if p.i < len(p.src) {
			trailing = 1 // the line's break; at the end of the file there is none
		}
	}
	if len(b) > maxScalar {
		return "", p.errAt(startLine, startCol, "a block scalar of more than %s bytes", thousands(maxScalar))
	}
	switch chomp {
	case '-':
	case '+':
		for range trailing {
			b = append(b, '\n')
		}
	default:
		if !first && trailing > 0 {
			b = append(b, '\n')
		}
	}
	return string(b), nil
}

// blockBreaks writes the line breaks between two lines of a block scalar:
// in a literal one each break; in a folded one a single break between
// two lines of text is a space, and breaks next to a more indented line
// are kept.
func blockBreaks(b []byte, breaks int, first, literal, more bool) []byte {
	if first {
		for range breaks {
			b = append(b, '\n')
		}
		return b
	}
	if literal || more {
		for range breaks {
			b = append(b, '\n')
		}
		return b
	}
	if breaks == 1 {
		return append(b, ' ')
	}
	for range breaks - 1 {
		b = append(b, '\n')
	}
	return b
}

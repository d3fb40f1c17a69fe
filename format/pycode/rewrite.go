package pycode

import (
	"regexp"
	"strings"
)

// rewriteExprs adapts Python expressions Starlark cannot parse, keeping
// line numbers: numpy multi-axis slicing (X[:, :, ::2] becomes X[__nd__],
// an opaque index: such code indexes data, never a model), generator
// expressions as sole call arguments (sum(x for x in xs) becomes
// sum([x for x in xs])), the identifier load (a Starlark keyword, as in
// np.load) becomes load_, and %-formatting with widths or precisions
// ('%02d' % i) becomes __pyfmt__('%02d', i), which Starlark's % lacks.
func rewriteExprs(src string) string {
	src = rewriteFormat(src)
	type frame struct {
		open                byte
		buf                 strings.Builder
		subscript, call     bool
		comma, colon, isFor bool
	}
	stack := []*frame{{}}
	top := func() *frame { return stack[len(stack)-1] }
	i := 0
	for i < len(src) {
		c := src[i]
		f := top()
		switch {
		case c == '#':
			j := strings.IndexByte(src[i:], '\n')
			if j < 0 {
				j = len(src) - i
			}
			f.buf.WriteString(src[i : i+j])
			i += j
			continue
		case c == '"' || c == '\'':
			j := stringEnd(src, i)
			f.buf.WriteString(src[i:j])
			i = j
			continue
		case c == '(' || c == '[' || c == '{':
			prev := prevToken(f.buf.String())
			nf := &frame{open: c}
			callable := prev != "" && (isIdent(prev[len(prev)-1]) || prev == ")" || prev == "]") && !keywords[prev]
			nf.subscript = c == '[' && callable
			nf.call = c == '(' && callable
			f.buf.WriteByte(c)
			stack = append(stack, nf)
			i++
			continue
		case (c == ')' || c == ']' || c == '}') && len(stack) > 1:
			stack = stack[:len(stack)-1]
			content := f.buf.String()
			parent := top()
			switch {
			case f.subscript && f.comma && f.colon:
				parent.buf.WriteString("__nd__" + strings.Repeat("\n", strings.Count(content, "\n")))
			case f.call && f.isFor && !f.comma:
				parent.buf.WriteString("[" + content + "]")
			default:
				parent.buf.WriteString(content)
			}
			parent.buf.WriteByte(c)
			i++
			continue
		case c == ',' && len(stack) > 1 && !f.isFor:
			f.comma = true // a comma before any "for": not a lone generator argument
		case c == ':' && len(stack) > 1:
			f.colon = true
		case isIdent(c) && (i == 0 || !isIdent(src[i-1])):
			j := i
			for j < len(src) && isIdent(src[j]) {
				j++
			}
			w := src[i:j]
			switch w {
			case "for":
				f.isFor = true
			case "lambda":
				// "lambda x: …" inside brackets is not a slice.
				f.colon = false
				if k := strings.IndexByte(src[j:], ':'); k >= 0 {
					f.buf.WriteString(src[i : j+k+1])
					i = j + k + 1
					continue
				}
			case "load":
				w = "load_"
			}
			f.buf.WriteString(w)
			i = j
			continue
		}
		f.buf.WriteByte(c)
		i++
	}
	// Unbalanced brackets: give the text back for Starlark to report.
	for len(stack) > 1 {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		top().buf.WriteString(f.buf.String())
	}
	return stack[0].buf.String()
}

var keywords = map[string]bool{"in": true, "return": true, "and": true, "or": true, "not": true, "if": true, "else": true,
	"elif": true, "yield": true, "lambda": true, "print": true, "is": true, "for": true, "while": true, "assert": true}

// prevToken is the last token written: an identifier or one character.
func prevToken(s string) string {
	s = strings.TrimRight(s, " \t")
	if s == "" {
		return ""
	}
	j := len(s)
	for j > 0 && isIdent(s[j-1]) {
		j--
	}
	if j == len(s) {
		return s[len(s)-1:]
	}
	return s[j:]
}

// stringEnd is the index after the string literal starting at i.
func stringEnd(s string, i int) int {
	q := s[i : i+1]
	if strings.HasPrefix(s[i:], strings.Repeat(q, 3)) {
		q = strings.Repeat(q, 3)
	}
	j := i + len(q)
	for j < len(s) {
		if s[j] == '\\' {
			j += 2
			continue
		}
		if strings.HasPrefix(s[j:], q) {
			return j + len(q)
		}
		if len(q) == 1 && s[j] == '\n' {
			return j
		}
		j++
	}
	return len(s)
}

// pyFmtSpec finds conversions Starlark's % does not support: flags,
// widths and precisions.
var pyFmtSpec = regexp.MustCompile(`%(\([^)]*\))?[-+ #0]*(\d+|\*)?(\.\d+)?[diouxXeEfFgGcrsa]`)

func needsPyFmt(lit string) bool {
	for _, m := range pyFmtSpec.FindAllString(lit, -1) {
		if len(m) > 2 && !strings.HasPrefix(m, "%(") {
			return true
		}
	}
	return false
}

// rewriteFormat turns 'literal' % operand into __pyfmt__('literal', operand)
// where the literal needs Python's full %-formatting.
func rewriteFormat(src string) string {
	var out strings.Builder
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == '#':
			j := strings.IndexByte(src[i:], '\n')
			if j < 0 {
				j = len(src) - i
			}
			out.WriteString(src[i : i+j])
			i += j
			continue
		case c == '"' || c == '\'':
			j := stringEnd(src, i)
			lit := src[i:j]
			k := j
			for k < len(src) && src[k] == ' ' {
				k++
			}
			if k < len(src) && src[k] == '%' && needsPyFmt(lit) && !(k+1 < len(src) && src[k+1] == '=') {
				r := k + 1
				for r < len(src) && src[r] == ' ' {
					r++
				}
				e := operandEnd(src, r)
				if e > r {
					out.WriteString("__pyfmt__(" + lit + ", " + src[r:e] + ")")
					i = e
					continue
				}
			}
			out.WriteString(lit)
			i = j
			continue
		}
		out.WriteByte(c)
		i++
	}
	return out.String()
}

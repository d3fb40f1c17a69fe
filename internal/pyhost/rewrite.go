package pyhost

import (
	"bytes"
	"regexp"
	"slices"
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
	// One output buffer, in linear time: a bracket's text stays where it
	// was written; closing it at most truncates it (__nd__), records an
	// insertion made at the end ("[" of a generator argument), or, for a
	// call with an unpacking argument, reorders its own arguments.
	type frame struct {
		open                byte
		start               int // where the bracket's text begins in out
		ins0                int // insertions made before it opened
		subscript, call     bool
		comma, colon, isFor bool
		lambdas             int  // lambdas whose parameters are being read (their colon is not a slice's)
		itemStart           bool // nothing but spaces since the bracket or the last comma
		star                bool // an argument starts with * or **
	}
	type insertion struct {
		at int
		s  string
	}
	out := make([]byte, 0, len(src)+len(src)/16)
	var ins []insertion
	stack := []*frame{{}}
	top := func() *frame { return stack[len(stack)-1] }
	i := 0
	for i < len(src) {
		c := src[i]
		f := top()
		switch c {
		case ' ', '\t', '\n', '\r', '\\', '#', '*', ',':
		default:
			f.itemStart = false // the argument has begun
		}
		switch {
		case c == '#':
			j := strings.IndexByte(src[i:], '\n')
			if j < 0 {
				j = len(src) - i
			}
			out = append(out, src[i:i+j]...)
			i += j
			continue
		case c == '"' || c == '\'':
			j := stringEnd(src, i)
			out = append(out, src[i:j]...)
			i = j
			continue
		case c == '(' || c == '[' || c == '{':
			f.itemStart = false
			prev := prevToken(lastToken(out[f.start:]))
			callable := prev != "" && (IsIdent(prev[len(prev)-1]) || prev == ")" || prev == "]") && !keywords[prev]
			out = append(out, c)
			nf := &frame{open: c, start: len(out), ins0: len(ins), itemStart: true}
			nf.subscript = c == '[' && callable
			nf.call = c == '(' && callable
			stack = append(stack, nf)
			i++
			continue
		case (c == ')' || c == ']' || c == '}') && len(stack) > 1:
			stack = stack[:len(stack)-1]
			switch {
			case f.subscript && len(ins) == f.ins0 && (f.comma && f.colon || bytes.Contains(out[f.start:], []byte("..."))):
				// A multi-axis index keeps its items: x[:, :t, None]
				// is x[__ndx__(__sl__(None, None, None), __sl__(None, t, None), None)].
				if nd, ok := ndIndex(string(out[f.start:])); ok {
					out = append(out[:f.start], nd...)
					break
				}
				lines := bytes.Count(out[f.start:], []byte("\n"))
				out, ins = out[:f.start], ins[:f.ins0]
				out = append(out, "__nd__"...)
				out = append(out, strings.Repeat("\n", lines)...)
			case f.call && f.isFor && !f.comma:
				ins = append(ins, insertion{f.start, "["})
				out = append(out, ']')
			case f.call && f.comma && f.star:
				// The text with the insertions made inside it, reordered.
				var content strings.Builder
				at := f.start
				for _, x := range ins[f.ins0:] {
					content.Write(out[at:x.at])
					content.WriteString(x.s)
					at = x.at
				}
				content.Write(out[at:])
				out, ins = out[:f.start], ins[:f.ins0]
				out = append(out, reorderArgs(content.String())...)
			}
			out = append(out, c)
			i++
			continue
		case c == ',' && len(stack) > 1 && !f.isFor && f.lambdas == 0:
			f.comma = true // a comma before any "for": not a lone generator argument
			f.itemStart = true
		case c == ',':
			f.itemStart = true
		case c == '*' && f.itemStart:
			f.star = true // *args or **kwargs
		case c == ':' && len(stack) > 1:
			if f.lambdas > 0 {
				f.lambdas-- // the end of a lambda's parameters
			} else {
				f.colon = true
			}
		case IsIdent(c) && (i == 0 || !IsIdent(src[i-1])):
			j := i
			for j < len(src) && IsIdent(src[j]) {
				j++
			}
			w := src[i:j]
			switch w {
			case "for":
				f.isFor = true
			case "lambda":
				// "lambda x: …" inside brackets is not a slice. (No
				// search for its colon: a lambda without one would
				// scan to the end of the file, each time.)
				f.colon = false
				f.lambdas++
			case "load":
				w = "load_"
			}
			out = append(out, w...)
			i = j
			continue
		}
		out = append(out, c)
		i++
	}
	if len(ins) == 0 {
		return string(out)
	}
	// Apply the insertions, in the order of their places.
	slices.SortStableFunc(ins, func(a, b insertion) int { return a.at - b.at })
	var res strings.Builder
	res.Grow(len(out) + len(ins))
	at := 0
	for _, x := range ins {
		res.Write(out[at:x.at])
		res.WriteString(x.s)
		at = x.at
	}
	res.Write(out[at:])
	return res.String()
}

var keywords = map[string]bool{"in": true, "return": true, "and": true, "or": true, "not": true, "if": true, "else": true,
	"elif": true, "yield": true, "lambda": true, "print": true, "is": true, "for": true, "while": true, "assert": true}

// lastToken is the end of b from its last identifier or other
// character, with the spaces after it: what prevToken reads, without
// copying all of b.
func lastToken(b []byte) string {
	j := len(b)
	for j > 0 && (b[j-1] == ' ' || b[j-1] == '\t') {
		j--
	}
	k := j
	for k > 0 && IsIdent(b[k-1]) {
		k--
	}
	if k == j && k > 0 {
		k--
	}
	return string(b[k:])
}

// prevToken is the last token written: an identifier or one character.
func prevToken(s string) string {
	s = strings.TrimRight(s, " \t")
	if s == "" {
		return ""
	}
	j := len(s)
	for j > 0 && IsIdent(s[j-1]) {
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

// numericConv finds a numeric conversion ('%d samples' % X.shape[0]): on a
// placeholder, it gives a placeholder rather than Starlark's error.
var numericConv = regexp.MustCompile(`%(\([^)]*\))?[-+ #0]*(\d+|\*)?(\.\d+)?[diouxXeEfFgGc]`)

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
	out.Grow(len(src) + len(src)/16)
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
			if k < len(src) && src[k] == '%' && (needsPyFmt(lit) || numericConv.MatchString(lit)) && !(k+1 < len(src) && src[k+1] == '=') {
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

// rewriteStrings adapts string literals Starlark lacks, keeping lines:
// f-strings become str.format calls (f"conv{i}" → "conv{}".format(i);
// format specs and conversions are dropped: the text only names layers
// or is printed), and adjacent literals, which Python concatenates, are
// joined with + in parentheses ('fc' '%d' % 7 → ('fc' + '%d') % 7).
func rewriteStrings(src string) string {
	var out strings.Builder
	out.Grow(len(src) + len(src)/16)
	// literal finds a string literal (with its prefix) at i.
	literal := func(i int) (prefix string, end int, ok bool) {
		j := i
		for j < len(src) && IsIdent(src[j]) {
			j++
		}
		if j >= len(src) || (src[j] != '"' && src[j] != '\'') || !stringPrefix(src[i:j]) {
			return "", j, false
		}
		return src[i:j], stringEnd(src, j), true
	}
	write := func(prefix, lit string) {
		if strings.ContainsAny(prefix, "fF") {
			p := strings.Map(func(r rune) rune {
				if r == 'f' || r == 'F' {
					return -1
				}
				return r
			}, prefix)
			out.WriteString(p + fstring(lit, strings.ContainsAny(prefix, "rR")))
		} else {
			out.WriteString(prefix + lit)
		}
	}
	depth := 0 // brackets open at i: inside them a run of literals continues over lines
	for i := 0; i < len(src); {
		c := src[i]
		if c == '#' {
			j := strings.IndexByte(src[i:], '\n')
			if j < 0 {
				j = len(src) - i
			}
			out.WriteString(src[i : i+j])
			i += j
			continue
		}
		if !(c == '"' || c == '\'' || IsIdent(c) && (i == 0 || !IsIdent(src[i-1]))) {
			switch c {
			case '(', '[', '{':
				depth++
			case ')', ']', '}':
				depth = max(depth-1, 0)
			}
			out.WriteByte(c)
			i++
			continue
		}
		prefix, end, ok := literal(i)
		if !ok {
			out.WriteString(src[i:end])
			i = end
			continue
		}
		// The run of adjacent literals from here, with what separates them.
		type part struct{ sep, prefix, lit string }
		run := []part{{prefix: prefix, lit: src[i+len(prefix) : end]}}
		next := end
		for {
			k := next
			for k < len(src) {
				switch src[k] {
				case ' ', '\t', '\n', '\r', '\\':
					k++
					continue
				case '#':
					for k < len(src) && src[k] != '\n' {
						k++
					}
					continue
				}
				break
			}
			if k >= len(src) {
				break
			}
			p, e, ok := literal(k)
			if !ok || strings.Contains(src[next:k], "\n") && !strings.HasSuffix(strings.TrimRight(src[next:k], " \t\n\r"), "\\") && depth == 0 {
				break
			}
			run = append(run, part{sep: src[next:k], prefix: p, lit: src[k+len(p) : e]})
			next = e
		}
		// 'literal'.format(…) is __strformat__('literal', …), which has
		// Python's format specs ('{:.4f}'); the call's arguments follow.
		format := strings.HasPrefix(src[next:], ".format(")
		if format {
			out.WriteString("__strformat__(")
		}
		if len(run) > 1 {
			out.WriteByte('(')
		}
		for n, p := range run {
			if n > 0 {
				out.WriteString(" +" + p.sep)
			}
			write(p.prefix, p.lit)
		}
		if len(run) > 1 {
			out.WriteByte(')')
		}
		i = next
		if format {
			out.WriteString(", ")
			i += len(".format(")
		}
	}
	return out.String()
}

// stringPrefix reports whether p can prefix a Python string literal.
func stringPrefix(p string) bool {
	if len(p) > 2 {
		return false
	}
	for i := 0; i < len(p); i++ {
		if !strings.ContainsRune("rRbBuUfF", rune(p[i])) {
			return false
		}
	}
	return true
}

// fstring turns the literal of an f-string (quotes included) into a
// literal and a .format call with its replacement fields' expressions.
func fstring(lit string, raw bool) string {
	q := lit[:1]
	if strings.HasPrefix(lit, strings.Repeat(q, 3)) && len(lit) >= 6 {
		q = lit[:3]
	}
	if len(lit) < 2*len(q) {
		return lit
	}
	body := lit[len(q) : len(lit)-len(q)]
	var text strings.Builder
	var args []string
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c == '\\' && !raw && i+1 < len(body):
			text.WriteString(body[i : i+2])
			i++
		case (c == '{' || c == '}') && i+1 < len(body) && body[i+1] == c:
			text.WriteString(body[i : i+2])
			i++
		case c == '{':
			depth, exprEnd, j := 0, -1, i+1
			var inq byte
			for ; j < len(body); j++ {
				d := body[j]
				if inq != 0 {
					if d == inq {
						inq = 0
					}
					continue
				}
				if d == '\'' || d == '"' {
					inq = d
					continue
				}
				if d == '(' || d == '[' || d == '{' {
					depth++
					continue
				}
				if d == ')' || d == ']' || d == '}' && depth > 0 {
					depth--
					continue
				}
				if d == '}' {
					break
				}
				if depth == 0 && exprEnd < 0 && (d == ':' || d == '!' && j+1 < len(body) && body[j+1] != '=') {
					exprEnd = j // a format spec or a conversion follows
				}
			}
			if j >= len(body) {
				return lit // not a well-formed field: Starlark reports it
			}
			if exprEnd < 0 {
				exprEnd = j
			}
			expr := strings.TrimSpace(body[i+1 : exprEnd])
			expr = strings.TrimSuffix(expr, "=") // f"{x=}"
			args = append(args, "("+strings.ReplaceAll(expr, "\n", " ")+")")
			text.WriteString("{" + body[exprEnd:j] + "}") // the conversion and spec: f"{i:02d}"
			i = j
		default:
			text.WriteByte(c)
		}
	}
	s := q + text.String() + q
	if len(args) > 0 || strings.Contains(s, "{{") || strings.Contains(s, "}}") {
		s = "__strformat__(" + strings.Join(append([]string{s}, args...), ", ") + ")"
	}
	return s
}

// reorderArgs moves keyword arguments written after *args before it
// (f(x, *rest, title='…') → f(x, title='…', *rest)), the order Starlark
// requires; keyword order means nothing in Python. Each argument keeps
// its text, comments and newlines.
func reorderArgs(content string) string {
	var items []string
	depth, start := 0, 0
	for i := 0; i < len(content); i++ {
		switch c := content[i]; c {
		case '"', '\'':
			i = stringEnd(content, i) - 1
		case '#':
			for i < len(content) && content[i] != '\n' {
				i++
			}
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		case ',':
			if depth == 0 {
				items = append(items, content[start:i])
				start = i + 1
			}
		}
	}
	items = append(items, content[start:])
	kind := func(item string) int {
		t := item
		for {
			t = strings.TrimLeft(t, " \t\r\n\\")
			if !strings.HasPrefix(t, "#") {
				break
			}
			if j := strings.IndexByte(t, '\n'); j >= 0 {
				t = t[j:]
			} else {
				t = ""
			}
		}
		switch {
		case t == "":
			return 4 // a trailing comma's nothing
		case strings.HasPrefix(t, "**"):
			return 3
		case strings.HasPrefix(t, "*"):
			return 2
		case keywordArg.MatchString(t):
			return 1
		}
		return 0
	}
	star, late, after := false, false, false
	for _, it := range items {
		if strings.TrimSpace(it) == "*" {
			return content // a def's keyword-only marker: parameters stay in order
		}
		switch kind(it) {
		case 2:
			star = true
		case 1:
			late = late || star
		case 0:
			after = after || star
		}
	}
	if after {
		// f(*a, x, y) (Python 3.5's unpacking followed by positional
		// arguments): the items from the first * on become one
		// unpacking, *(list(a) + [x, y]).
		var seq []string
		first := -1
		for i, it := range items {
			switch kind(it) {
			case 2:
				if first < 0 {
					first = i
				}
				t := strings.TrimLeft(it, " \t\r\n\\")
				lead := it[:len(it)-len(t)]
				seq = append(seq, lead+"list("+t[1:]+")")
			case 0:
				if first >= 0 {
					seq = append(seq, "["+it+"]")
				}
			}
		}
		var out []string
		for i, it := range items {
			if kind(it) == 0 && (first < 0 || i < first) {
				out = append(out, it)
			}
		}
		out = append(out, "*("+strings.Join(seq, "+")+")")
		for k := 1; k <= 4; k++ {
			if k == 2 {
				continue
			}
			for _, it := range items {
				if kind(it) == k {
					out = append(out, it)
				}
			}
		}
		return strings.Join(out, ",")
	}
	if !late {
		return content
	}
	var out []string
	for k := 0; k <= 4; k++ {
		for _, it := range items {
			if kind(it) == k {
				out = append(out, it)
			}
		}
	}
	return strings.Join(out, ",")
}

var keywordArg = regexp.MustCompile(`^\w+\s*=[^=]`)

// ndIndex is the text of a multi-axis index as a call of __ndx__ whose
// arguments are its items, a slice lo:hi:step as __sl__(lo, hi, step)
// and ... as __ellipsis__, every newline kept; ok is false when the
// text is not one it can split (a string or bracket left open).
func ndIndex(text string) (string, bool) {
	var items []string
	depth, start := 0, 0
	for i := 0; i < len(text); i++ {
		switch c := text[i]; c {
		case '"', '\'':
			j := stringEnd(text, i)
			if j <= i {
				return "", false
			}
			i = j - 1
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		case ',':
			if depth == 0 {
				items = append(items, text[start:i])
				start = i + 1
			}
		case '#':
			return "", false
		}
	}
	if depth != 0 {
		return "", false
	}
	items = append(items, text[start:])
	var b strings.Builder
	b.WriteString("__ndx__(")
	for k, it := range items {
		if k > 0 {
			b.WriteByte(',')
		}
		if strings.TrimSpace(it) == "" && k == len(items)-1 && k > 0 {
			b.WriteString(it) // a trailing comma
			continue
		}
		// Colons at depth 0 split a slice.
		var parts []string
		d, from := 0, 0
		for i := 0; i < len(it); i++ {
			switch it[i] {
			case '"', '\'':
				i = stringEnd(it, i) - 1
			case '(', '[', '{':
				d++
			case ')', ']', '}':
				d--
			case ':':
				if d == 0 {
					parts = append(parts, it[from:i])
					from = i + 1
				}
			}
		}
		parts = append(parts, it[from:])
		part := func(p string) string {
			if strings.TrimSpace(p) == "" {
				return "None" + strings.Repeat("\n", strings.Count(p, "\n"))
			}
			if strings.TrimSpace(p) == "..." {
				return strings.Replace(p, "...", "__ellipsis__", 1)
			}
			return p
		}
		if len(parts) == 1 {
			b.WriteString(part(parts[0]))
			continue
		}
		if len(parts) > 3 {
			return "", false
		}
		b.WriteString("__sl__(")
		for j := 0; j < 3; j++ {
			if j > 0 {
				b.WriteByte(',')
			}
			if j < len(parts) {
				b.WriteString(part(parts[j]))
			} else {
				b.WriteString("None")
			}
		}
		b.WriteByte(')')
	}
	b.WriteByte(')')
	return b.String(), true
}

package pyhost

import (
	"strings"
)

// The text side of classes (PrepareOptions.Classes): a class statement
// becomes a function whose body is the class body,
//
//	class Bottleneck(nn.Module):        def Bottleneck(__bases__=__classbases__(nn.Module)):
//	    expansion: int = 4                  expansion = 4
//	    @staticmethod                       (blank; Source.Decorators[line of def] = "static")
//	    def f(x: Tensor) -> Tensor:         def f(x):
//
// and RewriteClasses (classes.go) finishes the job on the parsed tree.
// Type annotations go everywhere: in parameters, after "->", and on
// assignments (self.x: int = 1 → self.x = 1; a bare x: int → pass).
// Every line keeps its number.

// classStatement rewrites a class statement's head (text is the logical
// line without its indentation) into a def, and reports the class name.
func classStatement(text string) (def, name string, ok bool) {
	rest := strings.TrimSpace(strings.TrimPrefix(text, "class"))
	i := 0
	for i < len(rest) && IsIdent(rest[i]) {
		i++
	}
	if i == 0 || rest[0] >= '0' && rest[0] <= '9' {
		return "", "", false
	}
	name, rest = rest[:i], strings.TrimLeft(rest[i:], " \t")
	bases := ""
	if strings.HasPrefix(rest, "(") {
		end := closing(rest, 0)
		if end < 0 {
			return "", "", false
		}
		bases, rest = rest[1:end], strings.TrimLeft(rest[end+1:], " \t")
	}
	if !strings.HasPrefix(rest, ":") {
		return "", "", false
	}
	// Newlines inside the bases stay, so the lines after keep their numbers.
	return "def " + name + "(__bases__=__classbases__(" + bases + "))" + rest, name, true
}

// closing is the index of the bracket that closes the one at s[open],
// outside strings; -1 if none.
func closing(s string, open int) int {
	depth := 0
	end := -1
	scanCode(s[open:], func(i int, c byte) bool {
		switch c {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
			if depth == 0 {
				end = open + i
				return false
			}
		}
		return true
	})
	return end
}

// scanCode calls fn with every byte of s outside strings and comments,
// until fn returns false.
func scanCode(s string, fn func(i int, c byte) bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '#':
			for i < len(s) && s[i] != '\n' {
				i++
			}
			if i < len(s) && !fn(i, '\n') {
				return
			}
			continue
		case '"', '\'':
			q := string(c)
			if strings.HasPrefix(s[i:], strings.Repeat(q, 3)) {
				q = strings.Repeat(q, 3)
			}
			i += len(q)
			for i < len(s) && !strings.HasPrefix(s[i:], q) {
				if s[i] == '\\' {
					i++
				}
				i++
			}
			i += len(q) - 1
			continue
		}
		if !fn(i, c) {
			return
		}
	}
}

// topLevel is the index of the first byte of s that is one of chars,
// outside strings and brackets; -1 if none. An '=' that is part of ==,
// <=, >=, != or := and a ':' of := do not count.
func topLevel(s string, chars string) int {
	depth, at := 0, -1
	scanCode(s, func(i int, c byte) bool {
		switch c {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		}
		if depth != 0 || strings.IndexByte(chars, c) < 0 {
			return true
		}
		if c == '=' && (i+1 < len(s) && s[i+1] == '=' || i > 0 && strings.IndexByte("=<>!:", s[i-1]) >= 0) {
			return true
		}
		if c == ':' && i+1 < len(s) && s[i+1] == '=' {
			return true
		}
		at = i
		return false
	})
	return at
}

// blank replaces s[i:j] with nothing but the newlines it holds.
func blank(s string, i, j int) string {
	return s[:i] + strings.Repeat("\n", strings.Count(s[i:j], "\n")) + s[j:]
}

// stripDefAnnotations removes the annotations of a def statement's head
// (text from "def"): parameter annotations and the return annotation.
func stripDefAnnotations(text string) string {
	open := strings.IndexByte(text, '(')
	if open < 0 {
		return text
	}
	end := closing(text, open)
	if end < 0 {
		return text
	}
	params := text[open+1 : end]
	var out strings.Builder
	for len(params) > 0 {
		k := topLevel(params, ",")
		p := params
		if k >= 0 {
			p, params = params[:k+1], params[k+1:]
		} else {
			params = ""
		}
		// name: annotation = default → name = default; only a ':'
		// before the default's '=' is an annotation (lambda x: x).
		if strings.TrimSpace(strings.TrimSuffix(p, ",")) == "/" {
			continue // positional-only marker: Starlark has none
		}
		eq := topLevel(p, "=")
		colon := topLevel(p, ":")
		if colon >= 0 && (eq < 0 || colon < eq) {
			stop := len(p)
			if eq >= 0 {
				stop = eq
			} else if strings.HasSuffix(p, ",") {
				stop = len(p) - 1
			}
			p = blank(p, colon, stop)
			if eq >= 0 {
				p = p[:colon] + " " + p[colon:]
			}
		}
		out.WriteString(p)
	}
	head := text[:open+1] + out.String() + ")"
	tail := text[end+1:]
	// -> annotation:
	if arrow := strings.Index(tail, "->"); arrow >= 0 && strings.TrimSpace(tail[:arrow]) == "" {
		colon := topLevel(tail[arrow+2:], ":")
		if colon >= 0 {
			tail = blank(tail, arrow, arrow+2+colon)
		}
	}
	return head + tail
}

// stripVarAnnotation rewrites an annotated assignment (text is the
// logical line without indentation): "x: T = v" → "x = v", "x: T" →
// "pass". ok is false when text is not one.
func stripVarAnnotation(text string) (string, bool) {
	// The target: a name, attributes, an index (self.x, d['k']).
	i := 0
	for i < len(text) && (IsIdent(text[i]) || text[i] == '.') {
		i++
	}
	if i == 0 || text[0] >= '0' && text[0] <= '9' {
		return text, false
	}
	switch firstWord(text) {
	case "lambda", "return", "yield", "else", "elif", "if", "while", "for", "with", "try", "except", "finally",
		"def", "class", "print", "assert", "raise", "del", "global", "nonlocal", "import", "from", "pass", "async", "await":
		return text, false
	}
	j := i
	if j < len(text) && text[j] == '[' {
		if e := closing(text, j); e > 0 {
			j = e + 1
		}
	}
	k := j
	for k < len(text) && (text[k] == ' ' || text[k] == '\t') {
		k++
	}
	if k >= len(text) || text[k] != ':' || k+1 < len(text) && text[k+1] == '=' {
		return text, false
	}
	rest := text[k+1:]
	eq := topLevel(rest, "=")
	if eq < 0 {
		return "pass" + strings.Repeat("\n", strings.Count(text, "\n")), true
	}
	return text[:j] + " " + blank(rest, 0, eq), true
}

// decoratorKind is what a decorator line (text from "@") makes of the
// function below it in a class: "static", "class", "property", or ""
// for any other decorator, which leaves the function as it is.
func decoratorKind(text string) string {
	d := strings.TrimSpace(text[1:])
	switch {
	case d == "staticmethod" || strings.HasPrefix(d, "staticmethod"):
		return "static"
	case d == "classmethod" || strings.HasPrefix(d, "classmethod"):
		return "class"
	case d == "property" || d == "functools.cached_property" || d == "cached_property":
		return "property"
	case strings.HasSuffix(d, ".setter") || strings.HasSuffix(d, ".deleter"):
		return "setter"
	}
	return ""
}

// splatDicts rewrites dict displays that unpack other dicts, which
// Starlark lacks: {**base, "k": v} → __dictmerge__(base, {"k": v}).
// The items keep their text, newlines included.
func splatDicts(text string) string {
	if !strings.Contains(text, "**") {
		return text
	}
	var out strings.Builder
	out.Grow(len(text) + len(text)/16)
	last, skipTo := 0, -1
	scanCode(text, func(i int, c byte) bool {
		if i < skipTo {
			return true
		}
		if c != '{' {
			return true
		}
		end := closing(text, i)
		if end < 0 {
			return false
		}
		inner := text[i+1 : end]
		items := splitTop(inner)
		splat := false
		for _, it := range items {
			if strings.HasPrefix(strings.TrimSpace(it), "**") {
				splat = true
			}
		}
		if !splat {
			return true // nested braces are looked at in turn
		}
		out.WriteString(text[last:i])
		out.WriteString("__dictmerge__(")
		var group []string
		first := true
		flush := func() {
			if len(group) == 0 {
				return
			}
			if !first {
				out.WriteString(",")
			}
			out.WriteString("{" + strings.Join(group, ",") + "}")
			group, first = nil, false
		}
		for _, it := range items {
			t := strings.TrimSpace(it)
			switch {
			case t == "":
				// a trailing comma
			case strings.HasPrefix(t, "**"):
				flush()
				if !first {
					out.WriteString(",")
				}
				k := strings.Index(it, "**")
				out.WriteString(it[:k] + splatDicts(it[k+2:]))
				first = false
			default:
				group = append(group, splatDicts(it))
			}
		}
		flush()
		out.WriteString(")")
		last, skipTo = end+1, end+1
		return true
	})
	if last == 0 {
		return text
	}
	out.WriteString(text[last:])
	return out.String()
}

// splitTop splits s at its top-level commas.
func splitTop(s string) []string {
	var items []string
	depth, start := 0, 0
	scanCode(s, func(i int, c byte) bool {
		switch c {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		case ',':
			if depth == 0 {
				items = append(items, s[start:i])
				start = i + 1
			}
		}
		return true
	})
	return append(items, s[start:])
}

// cutRaiseFrom removes the cause of a raise statement's exception
// (raise TypeError(…) from None): Starlark's fail takes one value.
func cutRaiseFrom(s string) string {
	depth, at := 0, -1
	scanCode(s, func(i int, c byte) bool {
		switch c {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		case 'f':
			if depth == 0 && strings.HasPrefix(s[i:], "from") && i > 0 && !IsIdent(s[i-1]) && (i+4 == len(s) || !IsIdent(s[i+4])) {
				at = i
				return false
			}
		}
		return true
	})
	if at < 0 {
		return s
	}
	return s[:at]
}

package pycode

import (
	"regexp"
	"strings"
)

// binding is a name an import statement would have bound: `import a.b as
// c` binds c to the dotted path a.b; `from a import *` binds every name
// of module a (Path "a", Star set).
type binding struct {
	Name string // the global name bound; "" for a star import
	Path string // dotted path of the module or object
	Star bool
	Line int
}

// class is a Python class statement, which Starlark cannot run: its name
// is bound to a placeholder that explains this when it is used.
type pyClass struct {
	Name  string
	Bases string
	Line  int
}

// source is Python model code rewritten so that Starlark accepts it, with
// every line and column of the remaining code where the user wrote it.
type source struct {
	text     string
	imports  []binding
	classes  []pyClass
	rewrites []string // what was changed, for notes
}

// logical is one logical line: a statement possibly continued over
// several physical lines by brackets or backslashes.
type logical struct {
	first, last int // 0-based physical lines, inclusive
	indent      int // bytes of leading whitespace on the first line
}

// prepare rewrites src so that Starlark accepts it, line for line: import
// statements become "pass" (and are remembered as bindings), class blocks
// and decorators are removed (classes remembered), and a few Python-only
// statements become Starlark ones (try/except, assert, raise, Python 2
// print; "is"/"is not" and u"…" string prefixes are rewritten in place). Every line
// keeps its number; columns move only on rewritten statement lines.
func prepare(src string) *source {
	s := &source{}
	src = strings.ReplaceAll(src, "\r\n", "\n")
	phys := strings.Split(src, "\n")
	for i, l := range phys {
		phys[i] = expandTabs(l)
	}
	lines := splitLogical(phys)
	set := func(l logical, first string) {
		phys[l.first] = strings.Repeat(" ", l.indent) + first
		for j := l.first + 1; j <= l.last; j++ {
			phys[j] = ""
		}
	}
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		text := strings.Join(phys[l.first:l.last+1], "\n")[l.indent:]
		word := firstWord(text)
		switch {
		case word == "import" || (word == "from" && importFrom.MatchString(text)):
			s.imports = append(s.imports, parseImport(text, l.first+1)...)
			set(l, "pass")
		case word == "class":
			c := pyClass{Line: l.first + 1}
			if m := classHead.FindStringSubmatch(text); m != nil {
				c.Name, c.Bases = m[1], m[2]
			}
			s.classes = append(s.classes, c)
			set(l, "pass")
			for i+1 < len(lines) && lines[i+1].indent > l.indent {
				i++
				set(lines[i], "")
				phys[lines[i].first] = ""
			}
		case strings.HasPrefix(text, "@"):
			set(l, "")
		case word == "try" || word == "finally":
			set(l, "if True"+text[len(word):])
		case word == "except":
			rest := ""
			if m := exceptHead.FindStringIndex(text); m != nil {
				rest = text[m[1]:]
			}
			set(l, "elif False:"+rest)
		case word == "assert" || word == "global" || word == "nonlocal" || word == "del" || word == "exec":
			set(l, "pass")
		case word == "raise":
			rest := strings.TrimSpace(text[len(word):])
			if rest == "" {
				rest = `"raise"`
			}
			set(l, "fail("+strings.ReplaceAll(rest, "\n", " ")+")")
		case word == "print" && !strings.HasPrefix(strings.TrimSpace(text[len(word):]), "("):
			set(l, "pass")
		}
	}
	s.text = rewriteOutsideStrings(strings.Join(phys, "\n"))
	return s
}

// expandTabs turns leading tabs into spaces (to the next multiple of 8, as
// Python 2 did) so that mixed indentation parses.
func expandTabs(l string) string {
	if !strings.HasPrefix(l, "\t") && !strings.HasPrefix(l, " \t") {
		return l
	}
	col, i := 0, 0
	for ; i < len(l) && (l[i] == ' ' || l[i] == '\t'); i++ {
		if l[i] == '\t' {
			col = (col/8 + 1) * 8
		} else {
			col++
		}
	}
	return strings.Repeat(" ", col) + l[i:]
}

var (
	importFrom = regexp.MustCompile(`^from\s+[\w.]+\s+import\b`)
	classHead  = regexp.MustCompile(`^class\s+(\w+)\s*(?:\((.*)\))?\s*:`)
	exceptHead = regexp.MustCompile(`^except\b[^:]*:`)
)

func firstWord(text string) string {
	i := 0
	for i < len(text) && (text[i] == '_' || text[i] >= 'a' && text[i] <= 'z' || text[i] >= 'A' && text[i] <= 'Z' || text[i] >= '0' && text[i] <= '9') {
		i++
	}
	return text[:i]
}

// parseImport lists the bindings of one import statement.
func parseImport(text string, line int) []binding {
	text = strings.Join(strings.Fields(strings.NewReplacer("\\\n", " ", "\n", " ", "(", " ", ")", " ").Replace(stripComment(text))), " ")
	var out []binding
	if strings.HasPrefix(text, "import ") {
		for _, part := range strings.Split(strings.TrimPrefix(text, "import "), ",") {
			f := strings.Fields(part)
			switch {
			case len(f) == 3 && f[1] == "as":
				out = append(out, binding{Name: f[2], Path: f[0], Line: line})
			case len(f) >= 1:
				// "import a.b.c" binds a, through which a.b.c is reached.
				out = append(out, binding{Name: strings.Split(f[0], ".")[0], Path: strings.Split(f[0], ".")[0], Line: line})
			}
		}
		return out
	}
	// from X import a as b, c
	rest := strings.TrimPrefix(text, "from ")
	i := strings.Index(rest, " import ")
	if i < 0 {
		return nil
	}
	mod := strings.TrimSpace(rest[:i])
	for _, part := range strings.Split(rest[i+len(" import "):], ",") {
		f := strings.Fields(part)
		switch {
		case len(f) == 1 && f[0] == "*":
			out = append(out, binding{Path: mod, Star: true, Line: line})
		case len(f) == 3 && f[1] == "as":
			out = append(out, binding{Name: f[2], Path: mod + "." + f[0], Line: line})
		case len(f) == 1:
			out = append(out, binding{Name: f[0], Path: mod + "." + f[0], Line: line})
		}
	}
	return out
}

func stripComment(s string) string {
	var out strings.Builder
	for _, ln := range strings.Split(s, "\n") {
		if i := strings.IndexByte(ln, '#'); i >= 0 {
			ln = ln[:i]
		}
		out.WriteString(ln + "\n")
	}
	return out.String()
}

// splitLogical groups physical lines into logical lines, following
// brackets, backslash continuations and (triple-quoted) strings. Blank and
// comment-only lines are left out.
func splitLogical(phys []string) []logical {
	var out []logical
	depth := 0
	quote := "" // the open string's quote while inside a multi-line string
	cont := false
	for n, line := range phys {
		startsNew := depth == 0 && quote == "" && !cont
		if startsNew {
			t := strings.TrimSpace(line)
			if t == "" || strings.HasPrefix(t, "#") {
				continue
			}
			ind := len(line) - len(strings.TrimLeft(line, " \t"))
			out = append(out, logical{first: n, last: n, indent: ind})
		} else if len(out) > 0 {
			out[len(out)-1].last = n
		}
		cont = false
		for i := 0; i < len(line); i++ {
			c := line[i]
			if quote != "" {
				if c == '\\' {
					i++
					continue
				}
				if strings.HasPrefix(line[i:], quote) {
					i += len(quote) - 1
					quote = ""
				}
				continue
			}
			switch c {
			case '#':
				i = len(line)
			case '"', '\'':
				quote = string(c)
				if strings.HasPrefix(line[i:], strings.Repeat(quote, 3)) {
					quote = strings.Repeat(quote, 3)
					i += 2
				}
			case '(', '[', '{':
				depth++
			case ')', ']', '}':
				if depth > 0 {
					depth--
				}
			case '\\':
				if i == len(line)-1 {
					cont = true
				}
			}
		}
		if len(quote) == 1 {
			quote = "" // an unterminated one-line string ends with its line
		}
	}
	return out
}

// rewriteOutsideStrings applies token rewrites outside strings and
// comments: "is not" → "!=", "is" → "==", u"…" → "…", keeping columns.
func rewriteOutsideStrings(s string) string {
	b := []byte(s)
	i := 0
	word := func(at int, w string) bool {
		if !strings.HasPrefix(string(b[at:min(at+len(w), len(b))]), w) {
			return false
		}
		before := at == 0 || !isIdent(b[at-1])
		after := at+len(w) >= len(b) || !isIdent(b[at+len(w)])
		return before && after
	}
	for i < len(b) {
		c := b[i]
		switch {
		case c == '#':
			for i < len(b) && b[i] != '\n' {
				i++
			}
			continue
		case (c == 'u' || c == 'U') && i+1 < len(b) && (b[i+1] == '\'' || b[i+1] == '"') && (i == 0 || !isIdent(b[i-1])):
			b[i] = ' '
			i++
			continue
		case c == '"' || c == '\'':
			q := string(c)
			if i+2 < len(b) && b[i+1] == c && b[i+2] == c {
				q = strings.Repeat(q, 3)
			}
			i += len(q)
			for i < len(b) && !strings.HasPrefix(string(b[i:min(i+len(q), len(b))]), q) {
				if b[i] == '\\' {
					i++
				}
				if len(q) == 1 && i < len(b) && b[i] == '\n' {
					break
				}
				i++
			}
			i += len(q)
			continue
		case word(i, "is"):
			j := i + 2
			for j < len(b) && b[j] == ' ' {
				j++
			}
			if word(j, "not") {
				// "is   not" → "!=      "
				copy(b[i:], "!=")
				for k := i + 2; k < j+3; k++ {
					b[k] = ' '
				}
				i = j + 3
				continue
			}
			copy(b[i:], "==")
			i += 2
			continue
		}
		if isIdent(c) {
			for i < len(b) && isIdent(b[i]) {
				i++
			}
			continue
		}
		i++
	}
	return string(b)
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

package pyhost

import (
	"fmt"
	"regexp"
	"strings"
)

// Binding is a name an import statement would have bound: `import a.b as
// c` binds c to the dotted path a.b; `from a import *` binds every name
// of module a (Path "a", Star set).
type Binding struct {
	Name string // the global name bound; "" for a star import
	Path string // dotted path of the module or object
	Mod  string // the module the statement imports: "a.b" of "from a.b import c" or "import a.b"
	From bool   // from M import …
	Star bool
	Line int
}

// TryBlock is a try statement whose branches import: which branch runs
// is decided when the imports are resolved (the except ImportError
// fallback of nolearn's tutorial binds the plain Lasagne layer when the
// cuda_convnet one cannot be imported).
type TryBlock struct {
	Line    int
	Body    []int // indices into source.tryImports of the imports in the try body
	Handler []int // … and in the first except clause
}

// ClassStmt is a class statement as Prepare found it without
// PrepareOptions.Classes: a class the front-end models (its body left
// out), or a compiled one whose methods run as functions.
type ClassStmt struct {
	Name  string
	Bases string
	Line  int
	// What the body defines, for a Lasagne layer subclass: its own
	// get_output_shape_for, and parameters made with add_param.
	ShapeFn, AddParam bool
	// Compiled: a top-level class that is not a layer, whose methods
	// run (a model built in a method): the block is kept as
	// if "class C": with each method a function named MethodVar(C, m).
	Compiled bool
	Methods  []MethodStmt
	File     string // the file that defines it (set by the front-end)
}

// Method is a method of a compiled class.
type MethodStmt struct {
	Name string
	Kind string // "", "static", "class" or "property", from its decorator
	Line int
	// Skipped is why it was left out (Starlark cannot parse it), and
	// Builds whether its text makes layers (calling it is then an error).
	Skipped string
	Builds  bool
}

// methodVar is the global name of class c's method m.
func MethodVar(c, m string) string { return "__m_" + c + "__" + m }

// methodOf splits a methodVar name into class and method ("" if it is none).
func MethodOf(v string) (class, method string) {
	rest, ok := strings.CutPrefix(v, "__m_")
	if !ok {
		return "", ""
	}
	i := strings.Index(rest, "__")
	if i <= 0 {
		return "", ""
	}
	return rest[:i], rest[i+2:]
}

// displayName is a function's name as the user wrote it: Model._setup_network.
func DisplayName(fn string) string {
	if c, m := MethodOf(fn); c != "" {
		return c + "." + m
	}
	return fn
}

// source is Python model code rewritten so that Starlark accepts it, with
// every line and column of the remaining code where the user wrote it.
type Source struct {
	Text       string
	Imports    []Binding
	Classes    []ClassStmt
	Rewrites   []string     // what was changed, for notes
	TryImports []Binding    // imports inside try statements, run as __imp__(i) assignments
	Tries      []TryBlock   // try statements with imports, decided by __try__(i)
	Generators map[int]bool // first lines of the functions that yield
	// With PrepareOptions.Classes: the line of each class statement (now
	// a def) and its name, and the decorator kind of a def's line.
	ClassDefs  map[int]string
	Decorators map[int]string
}

// openTry is a try statement being read by prepare: its indentation,
// its block (-1 when no branch imports) and the branch being read: 0 the
// try body, 1 the first except clause, 2 any later clause.
type openTry struct {
	indent, block, branch int
}

// logical is one logical line: a statement possibly continued over
// several physical lines by brackets or backslashes.
type logical struct {
	first, last int // 0-based physical lines, inclusive
	indent      int // bytes of leading whitespace on the first line
}

// PrepareOptions say how Prepare treats what depends on the front-end.
type PrepareOptions struct {
	// Modeled reports whether a class with these bases (the text between
	// the parentheses of its statement) is one the front-end models
	// itself, such as a Lasagne Layer subclass: its body is left out and
	// only what it defines is remembered (Class.ShapeFn, AddParam), and so
	// is a class deriving from such a class of the file. Other top-level
	// classes are compiled (Class.Compiled): their methods run as
	// functions named MethodVar(C, m). nil: every class is compiled.
	Modeled func(bases string) bool
	// Classes makes every class statement a class the host runs
	// (classprep.go, classes.go), at any depth, and removes type
	// annotations: the way of PyTorch and Keras code. Modeled is then
	// not used.
	Classes bool
}

// Prepare rewrites src so that Starlark accepts it, line for line: import
// statements become "pass" (and are remembered as bindings), class blocks
// and decorators are removed (classes remembered), and a few Python-only
// statements become Starlark ones (try/except, assert, raise, Python 2
// print; "is"/"is not" and u"…" string prefixes are rewritten in place). Every line
// keeps its number; columns move only on rewritten statement lines.
func Prepare(src string, opt PrepareOptions) *Source {
	s := &Source{}
	src = strings.ReplaceAll(src, "\r\n", "\n")
	phys := strings.Split(src, "\n")
	for i, l := range phys {
		phys[i] = expandTabs(l)
	}
	lines := splitLogical(phys)
	set := func(l logical, first string) {
		// One physical line: the statement's other lines are blanked, and
		// every line after keeps its number.
		phys[l.first] = strings.Repeat(" ", l.indent) + strings.ReplaceAll(first, "\n", " ")
		for j := l.first + 1; j <= l.last; j++ {
			phys[j] = ""
		}
	}
	var tries []openTry
	cond, guard := false, false
	// The compiled class being read: its index in s.Classes, its body's
	// indentation, and the decorator of the next method.
	type openClass struct {
		idx, body int
		kind      string
	}
	var cls *openClass
	type openDef struct{ indent, line int }
	var defs []openDef
	s.Generators = map[int]bool{}
	if opt.Classes {
		s.ClassDefs, s.Decorators = map[int]string{}, map[int]string{}
	}
	// With opt.Classes, the decorator kind waiting for the next def.
	deco := ""
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		text := strings.Join(phys[l.first:l.last+1], "\n")[l.indent:]
		word := firstWord(text)
		if opt.Classes {
			// Rewritten in place, newlines kept (set would join the lines).
			put := func(t string) {
				ls := strings.Split(strings.Repeat(" ", l.indent)+t, "\n")
				for j := l.first; j <= l.last; j++ {
					phys[j] = ""
					if k := j - l.first; k < len(ls) {
						phys[j] = ls[k]
					}
				}
			}
			switch {
			case word == "class":
				if def, name, ok := classStatement(text); ok {
					put(def)
					s.ClassDefs[l.first+1] = name
					text, word = def, "def"
				}
			case strings.HasPrefix(text, "@"):
				if k := decoratorKind(text); k != "" {
					deco = k
				}
				set(l, "")
				continue
			case word == "def":
				text = stripDefAnnotations(text)
				put(text)
			default:
				if t, ok := stripVarAnnotation(text); ok {
					text, word = t, firstWord(t)
					put(text)
				}
			}
			if t := splatDicts(text); t != text {
				text = t
				put(text)
			}
			if word == "def" {
				if deco != "" {
					s.Decorators[l.first+1] = deco
				}
				deco = ""
			}
		}
		for len(defs) > 0 && defs[len(defs)-1].indent >= l.indent {
			defs = defs[:len(defs)-1]
		}
		if word == "def" {
			defs = append(defs, openDef{l.indent, l.first + 1})
		}
		if cls != nil && l.indent == 0 {
			cls = nil
		}
		if cls != nil {
			if cls.body < 0 {
				cls.body = l.indent
			}
			c := &s.Classes[cls.idx]
			if l.indent == cls.body {
				switch {
				case strings.HasPrefix(text, "@"):
					switch d := strings.TrimSpace(text[1:]); {
					case strings.HasPrefix(d, "staticmethod"):
						cls.kind = "static"
					case strings.HasPrefix(d, "classmethod"):
						cls.kind = "class"
					case strings.HasPrefix(d, "property"):
						cls.kind = "property"
					}
					set(l, "")
				case word == "def" && defHead.MatchString(text):
					name := defHead.FindStringSubmatch(text)[1]
					line := phys[l.first]
					k := l.indent + defHead.FindStringSubmatchIndex(text)[2] // def f: not the f of "def"
					phys[l.first] = line[:k] + MethodVar(c.Name, name) + line[k+len(name):]
					c.Methods = append(c.Methods, MethodStmt{Name: name, Kind: cls.kind, Line: l.first + 1})
					cls.kind = ""
				default:
					// Class attributes, docstrings, nested classes: not run.
					set(l, "pass")
					for i+1 < len(lines) && lines[i+1].indent > cls.body {
						i++
						set(lines[i], "")
						phys[lines[i].first] = ""
					}
				}
				continue
			}
		}
		if l.indent == 0 {
			// Imports under a top-level if run where they are written (if
			// variant == 'wide': from models import Wide as ResNet); under
			// the main guard, which layerinfo does not run, they are bound
			// beforehand as elsewhere.
			cond = (word == "if" || word == "elif" || word == "else") && !mainGuard.MatchString(text) && !(word != "if" && guard)
			if word == "if" {
				guard = mainGuard.MatchString(text)
			}
		}
		for len(tries) > 0 {
			t := &tries[len(tries)-1]
			if l.indent > t.indent {
				break
			}
			if l.indent == t.indent && (word == "except" || word == "else" || word == "finally") {
				t.branch = min(t.branch+1, 2)
				break
			}
			tries = tries[:len(tries)-1]
		}
		inTry := len(tries) > 0 && tries[len(tries)-1].block >= 0
		switch {
		case (word == "import" || (word == "from" && importFrom.MatchString(text))) && (inTry || cond && l.indent > 0 && len(defs) == 0):
			// An import inside a try whose branches import, or under a
			// condition: an assignment, so that the branch that runs
			// binds the name.
			t := openTry{block: -1}
			if inTry {
				t = tries[len(tries)-1]
			}
			var stmts []string
			for _, imp := range parseImport(text, l.first+1) {
				if imp.Star {
					s.Imports = append(s.Imports, imp)
					continue
				}
				k := len(s.TryImports)
				s.TryImports = append(s.TryImports, imp)
				stmts = append(stmts, fmt.Sprintf("%s = __imp__(%d)", imp.Name, k))
				switch {
				case t.block < 0:
				case t.branch == 0:
					s.Tries[t.block].Body = append(s.Tries[t.block].Body, k)
				case t.branch == 1:
					s.Tries[t.block].Handler = append(s.Tries[t.block].Handler, k)
				}
			}
			if len(stmts) == 0 {
				stmts = []string{"pass"}
			}
			set(l, strings.Join(stmts, "; "))
		case word == "import" || (word == "from" && importFrom.MatchString(text)):
			s.Imports = append(s.Imports, parseImport(text, l.first+1)...)
			set(l, "pass")
		case word == "class" && l.indent == 0 && compiledClass(text, opt.Modeled) && !s.layerBase(text):
			// A class that is not a layer: its methods run.
			m := classHead.FindStringSubmatch(text)
			s.Classes = append(s.Classes, ClassStmt{Line: l.first + 1, Name: m[1], Bases: m[2], Compiled: true})
			set(l, fmt.Sprintf("if %q:", "class "+m[1]))
			cls = &openClass{idx: len(s.Classes) - 1, body: -1}
		case word == "class":
			c := ClassStmt{Line: l.first + 1}
			if m := classHead.FindStringSubmatch(text); m != nil {
				c.Name, c.Bases = m[1], m[2]
			}
			set(l, "pass")
			for i+1 < len(lines) && lines[i+1].indent > l.indent {
				i++
				body := strings.Join(phys[lines[i].first:lines[i].last+1], "\n")
				c.ShapeFn = c.ShapeFn || strings.Contains(body, "def get_output_shape_for")
				c.AddParam = c.AddParam || strings.Contains(body, "add_param(")
				set(lines[i], "")
				phys[lines[i].first] = ""
			}
			s.Classes = append(s.Classes, c)
		case strings.HasPrefix(text, "@"):
			set(l, "")
		case word == "try":
			t := openTry{indent: l.indent, block: -1}
			if tryImports(lines, phys, i) {
				t.block = len(s.Tries)
				s.Tries = append(s.Tries, TryBlock{Line: l.first + 1})
				set(l, fmt.Sprintf("if __try__(%d)", t.block)+text[len(word):])
			} else {
				set(l, "if True"+text[len(word):])
			}
			tries = append(tries, t)
		case word == "finally":
			set(l, "if True"+text[len(word):])
		case word == "else" && len(tries) > 0 && tries[len(tries)-1].indent == l.indent:
			// try … else: runs when the try body ran.
			if t := tries[len(tries)-1]; t.block >= 0 {
				set(l, fmt.Sprintf("if __try__(%d)", t.block)+text[len(word):])
			} else {
				set(l, "if True"+text[len(word):])
			}
		case word == "except":
			rest := ""
			if m := exceptHead.FindStringIndex(text); m != nil {
				rest = text[m[1]:]
			}
			// The first handler of a try that imports runs when __try__
			// chose it; other handlers never run.
			if len(tries) > 0 && tries[len(tries)-1].indent == l.indent && tries[len(tries)-1].block >= 0 && tries[len(tries)-1].branch == 1 {
				set(l, "elif True:"+rest)
			} else {
				set(l, "elif False:"+rest)
			}
		case word == "assert" || word == "global" || word == "nonlocal" || word == "del" || word == "exec":
			set(l, "pass")
		case word == "raise":
			rest := strings.TrimSpace(cutRaiseFrom(text[len(word):]))
			if rest == "" {
				rest = `"raise"`
			}
			set(l, "fail("+strings.ReplaceAll(rest, "\n", " ")+")")
		case word == "print" && !strings.HasPrefix(strings.TrimSpace(text[len(word):]), "("):
			set(l, "pass")
		case trailingComma.MatchString(phys[l.first]):
			// loss, = train_fn(…) → (loss,) = train_fn(…): Starlark
			// wants the one-element tuple target in parentheses.
			m := trailingComma.FindStringSubmatch(phys[l.first])
			phys[l.first] = m[1] + "(" + m[2] + ",) =" + m[3]
		case chainedAssign(text) != nil:
			// a = b = value → a = value; b = a (Starlark has no chains).
			t := chainedAssign(text)
			var stmt strings.Builder // linear: a1 = a2 = … = 1 may have 10^5 targets
			stmt.WriteString(t[0] + " = " + t[len(t)-1])
			for _, x := range t[1 : len(t)-1] {
				stmt.WriteString("; " + x + " = " + t[0])
			}
			set(l, strings.ReplaceAll(stmt.String(), "\n", " "))
		case word == "yield":
			// Generators are data loaders, never model code: return
			// instead, and a placeholder when the function ends.
			set(l, "return"+strings.ReplaceAll(text[len(word):], "\n", " "))
			if len(defs) > 0 {
				s.Generators[defs[len(defs)-1].line] = true
			}
		case word == "with":
			// "with EXPR as NAME:" binds NAME for the block, as a loop over
			// [EXPR] does; "with EXPR:" just runs the block.
			if m := withHead.FindStringSubmatch(strings.ReplaceAll(text, "\n", " ")); m != nil {
				set(l, "for "+m[2]+" in ["+m[1]+"]:"+m[3])
			} else if i := strings.LastIndex(text, ":"); i > 0 {
				set(l, "if True:"+text[i+1:])
			}
		}
	}
	for i, l := range phys {
		if strings.Contains(l, "**") {
			phys[i] = rewritePow(l)
		}
		if strings.Contains(phys[i], "@") && !strings.HasPrefix(strings.TrimSpace(phys[i]), "@") {
			phys[i] = rewriteMatmul(phys[i])
		}
	}
	s.Text = rewriteExprs(rewriteLambdaTuples(rewriteOutsideStrings(rewriteStrings(strings.Join(phys, "\n")))))
	return s
}

// compiledClass reports whether a top-level class statement's methods
// are run: a class the front-end does not model (PrepareOptions.Modeled),
// whose body starts on the next line.
func compiledClass(text string, modeled func(string) bool) bool {
	m := classHead.FindStringSubmatch(text)
	if m == nil || modeled != nil && modeled(m[2]) {
		return false
	}
	rest := strings.TrimSpace(text[len(m[0]):])
	return rest == "" || strings.HasPrefix(rest, "#")
}

// layerBase reports whether a class statement derives from a layer
// class the file defined before (class MyConv(MyBase) with MyBase a
// Layer): the class is a layer too.
func (s *Source) layerBase(text string) bool {
	m := classHead.FindStringSubmatch(text)
	if m == nil {
		return false
	}
	for _, b := range strings.Split(m[2], ",") {
		b = strings.TrimSpace(b)
		for _, c := range s.Classes {
			if c.Name == b && !c.Compiled {
				return true
			}
		}
	}
	return false
}

// skipMethod removes the method of a compiled class that contains line
// (1-based), for a method Starlark cannot parse: its def line becomes
// pass. It returns the class, the method and its text.
func (s *Source) SkipMethod(line int) (c *ClassStmt, m *MethodStmt, text string, ok bool) {
	phys := strings.Split(s.Text, "\n")
	lines := splitLogical(phys)
	for ci := range s.Classes {
		c = &s.Classes[ci]
		if !c.Compiled {
			continue
		}
		for mi := range c.Methods {
			m = &c.Methods[mi]
			if m.Skipped != "" || m.Line > line {
				continue
			}
			// The method's logical lines: from its def to the next line
			// at its indentation or less.
			start := -1
			for i, l := range lines {
				if l.first+1 == m.Line {
					start = i
					break
				}
			}
			if start < 0 {
				continue
			}
			end := len(phys) - 1
			for _, l := range lines[start+1:] {
				if l.indent <= lines[start].indent {
					end = l.first - 1
					break
				}
			}
			if line-1 > end {
				continue
			}
			text = strings.Join(phys[lines[start].first:end+1], "\n")
			phys[lines[start].first] = strings.Repeat(" ", lines[start].indent) + "pass"
			for j := lines[start].first + 1; j <= end; j++ {
				phys[j] = ""
			}
			s.Text = strings.Join(phys, "\n")
			return c, m, text, true
		}
	}
	return nil, nil, "", false
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

// tryImports reports whether the try statement at lines[i] imports in
// its body or its first except clause.
func tryImports(lines []logical, phys []string, i int) bool {
	indent, branch := lines[i].indent, 0
	for j := i + 1; j < len(lines) && lines[j].indent >= indent; j++ {
		w := firstWord(strings.TrimSpace(phys[lines[j].first]))
		if lines[j].indent == indent {
			if w != "except" || branch > 0 {
				return false
			}
			branch++
			continue
		}
		if w == "import" || (w == "from" && importFrom.MatchString(strings.TrimSpace(phys[lines[j].first]))) {
			return true
		}
	}
	return false
}

var (
	mainGuard     = regexp.MustCompile(`^(if|elif)\s+\(?\s*__name__\s*==\s*['"]__main__['"]`)
	trailingComma = regexp.MustCompile(`^(\s*)(\w+(?:\s*,\s*\w+)*)\s*,\s*=([^=].*|)$`)
	importFrom    = regexp.MustCompile(`^from\s+[\w.][\w.\s\\]*\s+import\b`) // from lasagne. updates import adam: Python allows spaces around the dots
	classHead     = regexp.MustCompile(`^class\s+(\w+)\s*(?:\((.*)\))?\s*:`)
	spacedDots    = regexp.MustCompile(`\s*\.\s*`)
	exceptHead    = regexp.MustCompile(`^except\b[^:]*:`)
	withHead      = regexp.MustCompile(`^with\s+(.+?)\s+as\s+(\w+)\s*:(.*)$`)
)

func firstWord(text string) string {
	i := 0
	for i < len(text) && (text[i] == '_' || text[i] >= 'a' && text[i] <= 'z' || text[i] >= 'A' && text[i] <= 'Z' || text[i] >= '0' && text[i] <= '9') {
		i++
	}
	return text[:i]
}

// parseImport lists the bindings of one import statement.
func parseImport(text string, line int) []Binding {
	text = strings.Join(strings.Fields(strings.NewReplacer("\\\n", " ", "\n", " ", "(", " ", ")", " ").Replace(stripComment(text))), " ")
	var out []Binding
	if strings.HasPrefix(text, "import ") {
		for _, part := range strings.Split(strings.TrimPrefix(text, "import "), ",") {
			f := strings.Fields(spacedDots.ReplaceAllString(part, "."))
			switch {
			case len(f) == 3 && f[1] == "as":
				out = append(out, Binding{Name: f[2], Path: f[0], Mod: f[0], Line: line})
			case len(f) >= 1:
				// "import a.b.c" binds a, through which a.b.c is reached.
				out = append(out, Binding{Name: strings.Split(f[0], ".")[0], Path: strings.Split(f[0], ".")[0], Mod: f[0], Line: line})
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
	mod := strings.Join(strings.Fields(rest[:i]), "") // lasagne. updates is lasagne.updates
	for _, part := range strings.Split(rest[i+len(" import "):], ",") {
		f := strings.Fields(part)
		switch {
		case len(f) == 1 && f[0] == "*":
			out = append(out, Binding{Path: mod, Mod: mod, From: true, Star: true, Line: line})
		case len(f) == 3 && f[1] == "as":
			out = append(out, Binding{Name: f[2], Path: mod + "." + f[0], Mod: mod, From: true, Line: line})
		case len(f) == 1:
			out = append(out, Binding{Name: f[0], Path: mod + "." + f[0], Mod: mod, From: true, Line: line})
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
		before := at == 0 || !IsIdent(b[at-1])
		after := at+len(w) >= len(b) || !IsIdent(b[at+len(w)])
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
		case (c == 'u' || c == 'U') && i+1 < len(b) && (b[i+1] == '\'' || b[i+1] == '"') && (i == 0 || !IsIdent(b[i-1])):
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
		if IsIdent(c) {
			start := i
			for i < len(b) && IsIdent(b[i]) {
				i++
			}
			if longLiteral(b[start:i]) {
				b[i-1] = ' ' // Python 2's long integer 10L is 10
			}
			continue
		}
		i++
	}
	return string(b)
}

// longLiteral reports whether a token is a Python 2 long integer
// literal: 10L, 0x1FL.
func longLiteral(t []byte) bool {
	n := len(t)
	if n < 2 || t[0] < '0' || t[0] > '9' || t[n-1] != 'L' && t[n-1] != 'l' {
		return false
	}
	digits := t[:n-1]
	hex := len(digits) > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')
	if hex {
		digits = digits[2:]
	}
	for _, d := range digits {
		if !(d >= '0' && d <= '9' || hex && (d >= 'a' && d <= 'f' || d >= 'A' && d <= 'F')) {
			return false
		}
	}
	return true
}

func IsIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// topLevelAt splits the text into physical and logical lines and finds
// the top-level logical line whose statement contains line (1-based);
// start is -1 when none does.
func (s *Source) topLevelAt(line int) (phys []string, lines []logical, start int) {
	phys = strings.Split(s.Text, "\n")
	lines = splitLogical(phys)
	start = -1
	for i, l := range lines {
		if l.first+1 > line {
			break
		}
		if l.indent == 0 {
			start = i
		}
	}
	return phys, lines, start
}

// skipDef removes the top-level function definition that contains line
// (1-based) from the text, for a function Starlark cannot parse (numpy
// fancy indexing in a data loader). It returns the function's name, its
// first line, and whether there was such a definition.
func (s *Source) SkipDef(line int) (name string, first int, text string, ok bool) {
	phys, lines, start := s.topLevelAt(line)
	if start < 0 {
		return "", 0, "", false
	}
	head := strings.TrimSpace(phys[lines[start].first])
	m := defHead.FindStringSubmatch(head)
	if m == nil {
		return "", 0, "", false
	}
	end := len(phys) - 1
	for _, l := range lines[start+1:] {
		if l.indent == 0 {
			end = l.first - 1
			break
		}
	}
	text = strings.Join(phys[lines[start].first:end+1], "\n")
	for j := lines[start].first; j <= end; j++ {
		phys[j] = ""
	}
	s.Text = strings.Join(phys, "\n")
	return m[1], lines[start].first + 1, text, true
}

var defHead = regexp.MustCompile(`^def\s+(\w+)`)

// skipStmt removes the top-level statement that contains line (1-based),
// with its block, for a statement Starlark cannot parse (f-strings, set
// literals, star targets in training code). It returns the statement's
// first line and its text.
func (s *Source) SkipStmt(line int) (first int, text string, ok bool) {
	phys, lines, start := s.topLevelAt(line)
	if start < 0 {
		return 0, "", false
	}
	end := len(phys) - 1
	for _, l := range lines[start+1:] {
		if l.indent == 0 {
			end = l.first - 1
			break
		}
	}
	if end < line-1 {
		return 0, "", false
	}
	text = strings.Join(phys[lines[start].first:end+1], "\n")
	for j := lines[start].first; j <= end; j++ {
		phys[j] = ""
	}
	s.Text = strings.Join(phys, "\n")
	return lines[start].first + 1, text, true
}

// rewritePow turns the binary ** operator, which Starlark lacks, into
// pow(a, b) where the operands are simple (names, numbers, calls,
// subscripts, parenthesized expressions); **kwargs unpacking is left alone.
func rewritePow(line string) string { return rewriteBinary(line, "**", "pow") }

// rewriteMatmul turns the binary @ operator (matrix product), which
// Starlark lacks, into __matmul__(a, b), as rewritePow does **; a
// decorator (nothing before its @) and @= are left alone.
func rewriteMatmul(line string) string { return rewriteBinary(line, "@", "__matmul__") }

// rewriteBinary rewrites a op b into fn(a, b) where the operands are
// simple; an op with no operand before it is not binary and is left.
func rewriteBinary(line, op, fn string) string {
	// At most 20 rewrites, each O(len(line)); unpackings are passed over
	// in one scan from where the last one was (linear: f(**a, **a, …)).
	from := 0
	for guard := 0; guard < 20; {
		k := indexOutsideStrings(line[from:], op)
		if k < 0 {
			return line
		}
		i := from + k
		l := i - 1
		for l >= 0 && line[l] == ' ' {
			l--
		}
		if l < 0 || !(IsIdent(line[l]) || line[l] == ')' || line[l] == ']' || line[l] == '.') || strings.HasPrefix(line[i+len(op):], "=") {
			// unpacking (f(**kw), {**d}), a decorator, an in-place
			// operator: look further along the line
			from = i + len(op)
			continue
		}
		guard++
		ls := operandStart(line, l)
		r := i + len(op)
		for r < len(line) && line[r] == ' ' {
			r++
		}
		re := operandEnd(line, r)
		if ls < 0 || re <= r {
			return line
		}
		line = line[:ls] + fn + "(" + line[ls:l+1] + ", " + line[r:re] + ")" + line[re:]
		from = 0
	}
	return line
}

// operandStart finds where the primary expression ending at l begins.
func operandStart(s string, l int) int {
	for l >= 0 {
		switch c := s[l]; {
		case c == ')' || c == ']':
			depth := 0
			for ; l >= 0; l-- {
				if s[l] == ')' || s[l] == ']' {
					depth++
				} else if s[l] == '(' || s[l] == '[' {
					depth--
					if depth == 0 {
						break
					}
				}
			}
			if l < 0 {
				return -1
			}
			l--
		case IsIdent(c) || c == '.':
			for l >= 0 && (IsIdent(s[l]) || s[l] == '.') {
				l--
			}
		default:
			return l + 1
		}
		if l >= 0 && !(IsIdent(s[l]) || s[l] == '.' || s[l] == ')' || s[l] == ']') {
			return l + 1
		}
	}
	return 0
}

// operandEnd finds where the primary expression starting at r ends.
func operandEnd(s string, r int) int {
	if r < len(s) && (s[r] == '-' || s[r] == '+') {
		r++
	}
	for r < len(s) {
		switch c := s[r]; {
		case c == '(' || c == '[':
			depth := 0
			for ; r < len(s); r++ {
				if s[r] == '(' || s[r] == '[' {
					depth++
				} else if s[r] == ')' || s[r] == ']' {
					depth--
					if depth == 0 {
						r++
						break
					}
				}
			}
		case IsIdent(c) || c == '.':
			for r < len(s) && (IsIdent(s[r]) || s[r] == '.') {
				r++
			}
		default:
			return r
		}
	}
	return r
}

// indexOutsideStrings is strings.Index that skips quoted strings and comments.
func indexOutsideStrings(s, sub string) int {
	var q byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case q != 0:
			if c == '\\' {
				i++
			} else if c == q {
				q = 0
			}
		case c == '\'' || c == '"':
			q = c
		case c == '#':
			return -1
		case strings.HasPrefix(s[i:], sub):
			return i
		}
	}
	return -1
}

// chainedAssign splits "a = b = value" into its targets and value (the
// value last); nil when the statement is not a chained assignment.
func chainedAssign(text string) []string {
	var parts []string
	depth, start := 0, 0
	var q byte
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case q != 0:
			if c == '\\' {
				i++
			} else if c == q {
				q = 0
			}
		case c == '\'' || c == '"':
			q = c
		case c == '#':
			i = len(text)
		case c == ';' && depth == 0:
			return nil // two statements (w = f(); w[3] = 1), not a chain
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			depth--
		case c == '=' && depth == 0:
			prev := byte(' ')
			if i > 0 {
				prev = text[i-1]
			}
			next := byte(' ')
			if i+1 < len(text) {
				next = text[i+1]
			}
			if next == '=' || strings.IndexByte("=!<>+-*/%&|^:", prev) >= 0 {
				if next == '=' {
					i++
				}
				continue
			}
			parts = append(parts, strings.TrimSpace(text[start:i]))
			start = i + 1
		}
	}
	if len(parts) < 2 {
		return nil
	}
	for _, p := range parts {
		switch firstWord(p) {
		case "lambda", "def", "if", "elif", "for", "while", "return", "with", "print":
			return nil
		}
		if strings.Contains(p, "lambda") {
			return nil
		}
	}
	return append(parts, strings.TrimSpace(text[start:]))
}

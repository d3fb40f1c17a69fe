package torchcode

import (
	"regexp"
	"strings"
)

// definitionsOnly is src with the top-level statements that do work left
// out — calls, loops, prints, asserts: the demo and training code of a
// script or an exported notebook — and its imports, functions, classes,
// assignments and if/try blocks kept, each line where it was (left-out
// lines become blank). When a file's top level stops before the model's
// classes are defined, the model is read from this.
func definitionsOnly(src []byte) []byte {
	lines := strings.Split(string(src), "\n")
	inString := "" // the triple quote a string spanning lines opened
	drop := false  // the current top-level statement is left out
	for i, l := range lines {
		start := inString == "" && l != "" && l[0] != ' ' && l[0] != '\t' && l[0] != '#' &&
			!strings.HasPrefix(l, ")") && !strings.HasPrefix(l, "]") && !strings.HasPrefix(l, "}")
		if start {
			drop = !keepStatement(l)
		}
		for _, q := range []string{`"""`, `'''`} {
			if inString == "" || inString == q {
				if strings.Count(l, q)%2 == 1 {
					if inString == "" {
						inString = q
					} else {
						inString = ""
					}
				}
			}
		}
		if drop {
			lines[i] = ""
		}
	}
	if inString != "" {
		return src // a string left open: not a file this can cut
	}
	return []byte(strings.Join(lines, "\n"))
}

var (
	keepWords  = regexp.MustCompile(`^(import|from|def|class|async\s+def|if|elif|else|try|except|finally|@)\b?`)
	assignment = regexp.MustCompile(`^[A-Za-z_][\w.]*(\s*,\s*[A-Za-z_][\w.]*)*\s*(:[^=]*)?=[^=]`)
	docstring  = regexp.MustCompile(`^[rbuRBU]?("""|''')`)
)

// keepStatement reports whether a top-level statement starting with line
// l defines something (and is kept by definitionsOnly).
func keepStatement(l string) bool {
	return keepWords.MatchString(l) || assignment.MatchString(l) || docstring.MatchString(l)
}

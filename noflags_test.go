package layerinfo_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// flagLike is a command-line flag written into text: "--input-shape",
// not "models--org--name" (a hub cache folder) or "-->".
var flagLike = regexp.MustCompile(`(^|[^\w-])--[a-z][a-z-]*`)

// flagAllowed lists the files whose string literals may name a flag,
// each with why (none today: Python or argparse text quoted from a
// file would be one). Everything else outside cmd/ is library code: its
// messages say what is missing (format.MissingError, a graph.Ask) and
// the CLI says which flag gives it.
var flagAllowed = map[string]string{}

// TestNoFlagsInLibrary: no string literal in the library (every
// non-test .go file outside cmd/) names a command-line flag.
func TestNoFlagsInLibrary(t *testing.T) {
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "cmd", "testdata", "bench", ".git":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		path = filepath.ToSlash(path)
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			if m := flagLike.FindString(s); m != "" {
				if _, ok := flagAllowed[path]; !ok {
					t.Errorf("%s: %q names the flag %s: say what is missing (format.MissingError, graph.Ask) and let the CLI name the flag", fset.Position(lit.Pos()), s, strings.TrimLeft(m, " ("))
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

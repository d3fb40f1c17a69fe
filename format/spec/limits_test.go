package spec

import (
	"os"
	"path/filepath"
	"testing"
	"unsafe"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"

	"github.com/layerinfo/layerinfo/internal/textlimit"
)

// parserCost is what go-yaml builds for src: its tokens, the most keys
// in one mapping, and the bytes of the nodes' paths.
type parserCost struct {
	tokens, keys int
	paths        int64
}

type costVisitor struct {
	c    *parserCost
	seen map[*byte]bool
}

// Visit adds up the paths' bytes, each string once: go-yaml gives one
// string to several nodes (a key, its entry, its value).
func (v costVisitor) Visit(n ast.Node) ast.Visitor {
	if p := n.GetPath(); p != "" && !v.seen[unsafe.StringData(p)] {
		v.seen[unsafe.StringData(p)] = true
		v.c.paths += int64(len(p))
	}
	if m, ok := n.(*ast.MappingNode); ok {
		v.c.keys = max(v.c.keys, len(m.Values))
	}
	return v
}

// measure parses src with go-yaml; ok is false when go-yaml rejects it.
func measure(src []byte) (c parserCost, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	f, err := parser.ParseBytes(src, 0)
	if err != nil {
		return c, false
	}
	c.tokens = len(lexer.Tokenize(string(src)))
	for _, d := range f.Docs {
		if d != nil && d.Body != nil {
			ast.Walk(costVisitor{&c, map[*byte]bool{}}, d.Body)
		}
	}
	return c, true
}

// checkBounds checks that the pre-scan's counts bound go-yaml's: with a
// limit below what go-yaml builds, the scan refuses src. Counts are
// compared up to a factor of 2 and a few: the scan counts differently,
// and go-yaml reads some invalid YAML in ways the scan does not follow
// exactly ("k\n: v" is a key; "? \nk" too), which costs a few keys or
// path bytes, never a share of the file.
func checkBounds(t *testing.T, src []byte) {
	c, ok := measure(src)
	if !ok {
		return
	}
	if lim := c.keys/2 - 2; lim > 0 {
		if err := textlimit.YAML(src, textlimit.Limits{MaxKeys: lim}); err == nil {
			t.Errorf("go-yaml has a mapping of %d keys; the scan found none over %d in\n%q", c.keys, lim, src)
		}
	}
	if lim := c.tokens/2 - 2; lim > 0 {
		if err := textlimit.YAML(src, textlimit.Limits{MaxValues: lim}); err == nil {
			t.Errorf("go-yaml has %d tokens; the scan counted at most %d in\n%q", c.tokens, lim, src)
		}
	}
	if lim := c.paths/2 - 32; lim > 0 {
		if err := textlimit.YAML(src, textlimit.Limits{MaxPaths: lim}); err == nil {
			t.Errorf("go-yaml keeps %d bytes of paths; the scan counted at most %d in\n%q", c.paths, lim, src)
		}
	}
}

// TestLimitsBoundParser checks the pre-scan against go-yaml on the specs
// of examples/ and testdata/.
func TestLimitsBoundParser(t *testing.T) {
	files, _ := filepath.Glob("testdata/*/*.yaml")
	more, _ := filepath.Glob("../../examples/*")
	for _, file := range append(files, more...) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		checkBounds(t, data)
	}
}

// FuzzLimitsBoundParser: on any YAML go-yaml accepts, the pre-scan's
// counts bound go-yaml's, so that no text can pass the limits and still
// cost the parser more than they allow.
func FuzzLimitsBoundParser(f *testing.F) {
	for _, s := range []string{
		"a: 1\nb: 2\nc: [1, 2, {d: 3}]\n",
		"- a: 1\n  b: 2\n- c: 3\n",
		"a:\n- 1\n- 2\nb: 3\n",
		"a: |\n  x: 1\n  y: 2\nb: 1\n",
		"a: \"x\n  y: 1\"\nb: 1\nc: 1\n",
		"? a\n: 1\n? b\n: 2\n",
		"a: &x {b: 1}\nc: *x\nd: {<<: *x, e: 2}\n",
		"{\"a\": [1, 2], \"b\": {\"c\": \"d\"}}",
		"k: [\na: 1, b: 2,\nc: 3]\n",
		"--- \na: 1\n...\n",
		"a: 'it''s' # c\nb: !!str 1\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 2000 {
			return
		}
		checkBounds(t, data)
	})
}

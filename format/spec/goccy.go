package spec

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	yaml "github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/textlimit"
)

// limits bound what go-yaml is given. It spends about 4 µs and 500 bytes
// per token, parses a block mapping in time that grows with the square of
// its keys, and keeps a path string for every node; textlimit.YAML counts
// all of these in one linear scan first. A layer written as
// `- {name: c1, type: conv2d, filters: 64, kernel: 3, padding: same}` is 22
// tokens, so 20,000 layers fit with room for inputs and comments; at the
// limit go-yaml needs about 300 MB and a few seconds.
var limits = textlimit.Limits{
	MaxValues: 600_000, // tokens
	MaxKeys:   10_000,
	MaxKey:    1 << 10,
	MaxString: 64 << 10,
	MaxPaths:  64 << 20,
	MaxDocs:   16,
}

// parseGoccy reads YAML with go-yaml, for the constructs parseYAML
// leaves out, converting go-yaml's errors once into positioned Errors.
// src has passed parse's checks.
func parseGoccy(file string, src []byte) (root *value, err error) {
	if err := textlimit.YAML(src, limits); err != nil {
		var le *textlimit.Error
		if errors.As(err, &le) {
			return nil, &Error{Pos: graph.Pos{File: file, Line: le.Line, Col: le.Col}, Msg: le.Msg}
		}
		return nil, &Error{Pos: graph.Pos{File: file}, Msg: err.Error()}
	}
	c := &converter{file: file, src: src, anchors: map[string]*value{}, sizes: map[string]int{}}
	defer func() {
		// go-yaml is a third-party parser fed arbitrary input; should it
		// panic, report an error rather than crash.
		if r := recover(); r != nil {
			root, err = nil, &Error{Pos: graph.Pos{File: file}, Msg: fmt.Sprintf("the YAML parser failed on this file (%v)", r)}
		}
	}()
	f, err := parser.ParseBytes(src, 0)
	if err != nil {
		return nil, c.yamlError(err)
	}
	var body ast.Node
	for _, d := range f.Docs {
		if d == nil || d.Body == nil {
			continue
		}
		if body != nil {
			l, col := c.pos(d.Body.GetToken())
			return nil, &Error{Pos: graph.Pos{File: file, Line: l, Col: col}, Msg: "a spec is one YAML document; this is a second one (remove the --- separator)"}
		}
		body = d.Body
	}
	if body == nil {
		return nil, &Error{Pos: graph.Pos{File: file}, Msg: "the spec is empty; it needs at least `layers:`"}
	}
	return c.conv(body, 0)
}

var yamlPosRE = regexp.MustCompile(`\[(\d+):(\d+)\]`)

// yamlError turns a go-yaml error into "file:line:col: message".
func (c *converter) yamlError(err error) error {
	var ye yaml.Error
	if errors.As(err, &ye) {
		msg := yamlPosRE.ReplaceAllString(ye.GetMessage(), "$1:$2")
		l, col := c.pos(ye.GetToken())
		return &Error{Pos: graph.Pos{File: c.file, Line: l, Col: col}, Msg: "YAML: " + msg}
	}
	// Other errors carry go-yaml's own "[line:col] message" and a source
	// excerpt: keep the first line.
	msg := strings.SplitN(err.Error(), "\n", 2)[0]
	if m := regexp.MustCompile(`^\[(\d+):(\d+)\]\s*(.*)$`).FindStringSubmatch(msg); m != nil {
		l, _ := strconv.Atoi(m[1])
		col, _ := strconv.Atoi(m[2])
		return &Error{Pos: graph.Pos{File: c.file, Line: l, Col: col}, Msg: "YAML: " + m[3]}
	}
	return &Error{Pos: graph.Pos{File: c.file}, Msg: "YAML: " + msg}
}

// converter turns go-yaml's AST into values, resolving anchors, aliases,
// merge keys and tags.
type converter struct {
	file    string
	src     []byte
	lines   [][]byte // src split into lines, made on first use
	anchors map[string]*value
	sizes   map[string]int // values under each anchor, aliases expanded
	values  int            // values converted, aliases expanded
}

// pos is the 1-based line and column of a token. go-yaml miscounts the
// column by one in some tab-indented flow collections (JSON written with
// tabs); the token's own text at the reported place, or next to it, says
// which column is right.
func (c *converter) pos(tk *token.Token) (line, col int) {
	if tk == nil || tk.Position == nil {
		return 0, 0
	}
	line, col = tk.Position.Line, tk.Position.Column
	if c.lines == nil {
		c.lines = bytes.Split(c.src, []byte("\n"))
	}
	if line < 1 || line > len(c.lines) || col < 1 {
		return line, col
	}
	text := c.lines[line-1]
	want := byte(0)
	switch {
	case tk.Type == token.DoubleQuoteType:
		want = '"'
	case tk.Type == token.SingleQuoteType:
		want = '\''
	case tk.Value != "":
		want = tk.Value[0]
	}
	at := func(c int) bool { return c >= 1 && c <= len(text) && text[c-1] == want }
	if want == 0 || at(col) {
		return line, col
	}
	for _, d := range []int{1, -1} {
		if at(col + d) {
			return line, col + d
		}
	}
	return line, col
}

func (c *converter) errAt(tk *token.Token, format string, args ...any) error {
	l, col := c.pos(tk)
	return &Error{Pos: graph.Pos{File: c.file, Line: l, Col: col}, Msg: fmt.Sprintf(format, args...)}
}

// nodePos is where a node starts: a block mapping's token is the ':' after
// its first key, so the key's position is used instead.
func (c *converter) nodePos(n ast.Node) (line, col int) {
	switch x := n.(type) {
	case *ast.MappingNode:
		if !x.IsFlowStyle && len(x.Values) > 0 && x.Values[0].Key != nil {
			return c.nodePos(x.Values[0].Key)
		}
		if x.Start != nil {
			return c.pos(x.Start)
		}
	case *ast.MappingValueNode:
		if x.Key != nil {
			return c.nodePos(x.Key)
		}
	case *ast.AnchorNode:
		if x.Start != nil {
			return c.pos(x.Start)
		}
	case *ast.TagNode:
		if x.Start != nil {
			return c.pos(x.Start)
		}
	}
	return c.pos(n.GetToken())
}

func (c *converter) conv(n ast.Node, depth int) (*value, error) {
	if n == nil {
		return &value{kind: kNull}, nil
	}
	if depth > maxTreeDepth {
		return nil, c.errAt(n.GetToken(), "values are nested more than %d deep", maxTreeDepth)
	}
	c.values++
	if c.values > maxValues {
		return nil, c.errAt(n.GetToken(), "more than %s values once aliases are expanded (a spec may have at most %s)", textlimit.Count(maxValues), textlimit.Count(maxValues))
	}
	l, col := c.nodePos(n)
	v := &value{line: l, col: int32(col)}
	switch x := n.(type) {
	case *ast.NullNode:
		v.kind = kNull
	case *ast.BoolNode:
		v.kind, v.b = kBool, x.Value
	case *ast.IntegerNode:
		v.s = tokenText(x)
		switch i := x.Value.(type) {
		case int64:
			v.kind, v.i = kInt, i
		case uint64:
			if i <= math.MaxInt64 {
				v.kind, v.i = kInt, int64(i)
			} else {
				v.kind, v.i = kFloat, floatBits(float64(i))
			}
		default:
			f, err := strconv.ParseFloat(strings.ReplaceAll(v.s, "_", ""), 64)
			if err != nil {
				v.kind = kString // a number go-yaml could not read: report it as written
			} else {
				v.kind, v.i = kFloat, floatBits(f)
			}
		}
	case *ast.FloatNode:
		v.kind, v.i, v.s = kFloat, floatBits(x.Value), tokenText(x)
	case *ast.InfinityNode:
		v.kind, v.i, v.s = kFloat, floatBits(x.Value), tokenText(x)
	case *ast.NanNode:
		v.kind, v.i, v.s = kFloat, floatBits(math.NaN()), tokenText(x)
	case *ast.StringNode:
		v.kind, v.s = kString, x.Value
	case *ast.LiteralNode:
		v.kind = kString
		if x.Value != nil {
			v.s = x.Value.Value
		}
	case *ast.SequenceNode:
		v.kind, v.elems = kList, &elems{}
		for _, e := range x.Values {
			ev, err := c.conv(e, depth+1)
			if err != nil {
				return nil, err
			}
			if ev.line == 0 {
				ev.line, ev.col = l, int32(col)
			}
			v.list = append(v.list, ev)
		}
	case *ast.MappingNode:
		return c.mapping(v, x.Values, depth)
	case *ast.MappingValueNode:
		return c.mapping(v, []*ast.MappingValueNode{x}, depth)
	case *ast.AnchorNode:
		before := c.values
		av, err := c.conv(x.Value, depth+1)
		if err != nil {
			return nil, err
		}
		if av.line == 0 {
			av.line, av.col = l, int32(col)
		}
		if x.Name != nil {
			c.anchors[tokenText(x.Name)] = av
			c.sizes[tokenText(x.Name)] = c.values - before
		}
		return av, nil
	case *ast.AliasNode:
		name := ""
		if x.Value != nil {
			name = tokenText(x.Value)
		}
		av, ok := c.anchors[name]
		if !ok {
			return nil, c.errAt(x.GetToken(), "YAML: alias *%s names no anchor defined before it", name)
		}
		// The alias node itself was counted above.
		if c.values += c.sizes[name] - 1; c.values > maxValues {
			return nil, c.errAt(x.GetToken(), "more than %s values once aliases are expanded: nested aliases multiply (a spec may have at most %s)", textlimit.Count(maxValues), textlimit.Count(maxValues))
		}
		return av, nil
	case *ast.TagNode:
		tv, err := c.conv(x.Value, depth+1)
		if err != nil {
			return nil, err
		}
		if x.Start != nil && x.Start.Value == "!!str" && tv.kind != kList && tv.kind != kMap {
			s := tv.s
			if tv.kind == kBool {
				s = strconv.FormatBool(tv.b)
			} else if tv.kind == kNull {
				s = ""
			}
			tv = &value{kind: kString, s: s, line: tv.line, col: tv.col}
		}
		if tv.line == 0 {
			tv.line, tv.col = l, int32(col)
		}
		return tv, nil
	default:
		return nil, c.errAt(n.GetToken(), "YAML: %s is not supported in a spec", n.Type())
	}
	return v, nil
}

// tokenText is the text of a node's token, "" when it has none.
func tokenText(n ast.Node) string {
	if tk := n.GetToken(); tk != nil {
		return tk.Value
	}
	return ""
}

// mapping converts a mapping's entries; merge keys (<<) add the entries of
// the merged mappings that the mapping does not set itself.
func (c *converter) mapping(v *value, entries []*ast.MappingValueNode, depth int) (*value, error) {
	v.kind, v.elems = kMap, &elems{}
	var merged []*value
	index := make(map[string]int, len(entries))
	for _, e := range entries {
		if e == nil {
			continue
		}
		if _, ok := e.Key.(*ast.MergeKeyNode); ok {
			mv, err := c.conv(e.Value, depth+1)
			if err != nil {
				return nil, err
			}
			switch mv.kind {
			case kMap:
				merged = append(merged, mv)
			case kList:
				for _, m := range mv.list {
					if m.kind != kMap {
						return nil, c.errAt(e.Key.GetToken(), "YAML: << merges mappings, got %s in its list", m.describe())
					}
					merged = append(merged, m)
				}
			default:
				return nil, c.errAt(e.Key.GetToken(), "YAML: << merges a mapping, got %s", mv.describe())
			}
			continue
		}
		key, err := c.key(e.Key)
		if err != nil {
			return nil, err
		}
		val, err := c.conv(e.Value, depth+1)
		if err != nil {
			return nil, err
		}
		if val.line == 0 {
			// An empty value ("key:" and nothing): point at the key.
			val = &value{kind: val.kind, elems: val.elems, line: key.line, col: key.col}
		}
		if i, ok := index[key.s]; ok {
			k := v.key(i)
			return nil, &Error{Pos: graph.Pos{File: c.file, Line: key.line, Col: int(key.col)}, Msg: fmt.Sprintf("YAML: key %q is given twice (first at %d:%d)", clip(key.s, 60), k.line, k.col)}
		}
		index[key.s] = v.nkeys()
		v.list = append(v.list, key, val)
	}
	for _, m := range merged {
		for k, mv := range m.pairs() {
			if _, ok := index[k.s]; !ok {
				index[k.s] = v.nkeys()
				v.list = append(v.list, k, mv)
			}
		}
	}
	return v, nil
}

// key converts a mapping key: any scalar, by its text.
func (c *converter) key(n ast.MapKeyNode) (*value, error) {
	var kn ast.Node = n
	if mk, ok := n.(*ast.MappingKeyNode); ok {
		kn = mk.Value
	}
	if kn == nil {
		return nil, c.errAt(n.GetToken(), "YAML: a mapping key is empty")
	}
	k, err := c.conv(kn, maxTreeDepth)
	if err != nil {
		return nil, err
	}
	switch k.kind {
	case kList, kMap:
		return nil, c.errAt(kn.GetToken(), "YAML: a mapping key must be a name, not %s", k.describe())
	case kString:
	case kNull:
		k = &value{kind: kString, s: "null", line: k.line, col: k.col}
	case kBool:
		k = &value{kind: kString, s: strconv.FormatBool(k.b), line: k.line, col: k.col}
	default:
		s := k.s
		if s == "" {
			s = strconv.FormatInt(k.i, 10)
		}
		k = &value{kind: kString, s: s, line: k.line, col: k.col}
	}
	return k, nil
}

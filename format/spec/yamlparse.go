package spec

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/textlimit"
)

// yparser reads YAML (and so JSON) into a value tree in one pass over the
// text, in time and memory linear in its size: a recursive descent over
// the block structure (indentation) and the flow collections, with no
// token list and no AST in between. It covers what specs and JSON use;
// a construct it leaves out (a complex "? " key, a collection as a key,
// a single-pair mapping inside [ ], a tab in indentation) stops it with
// errUnsupported, and parse hands small files to go-yaml instead.
type yparser struct {
	file   string
	src    []byte
	text   string // src, copied once: scalars are cut from it without a copy each
	i      int    // the offset read next
	line   int    // p.i's line (1-based)
	ls     int    // the offset where that line starts
	escEnd int    // the end of the last escape written in a quoted scalar

	anchors map[string]anchor
	values  int // values made, aliases counted as what they name
	made    int // values made
	// Collections gather their elements here while they are read
	// (mapBuilder, endList).
	listStack, keyStack, valStack []*value

	slab        []value // values are cut from here, a few hundred at a time
	slabSize    int
	elemSlab    []elems
	ptrSlab     []*value // where ptrs cuts short collections from
	ptrSlabSize int
	docs        int // document markers seen

	emptyValues int // "key:" and "-" with no value on their line or below
	// Where go-yaml put a document: the ':' of a block mapping's first
	// key, or the node; the second document's error points there.
	docLine, docCol int
}

type anchor struct {
	v    *value
	size int // values under the anchor, aliases counted as what they name
}

// Caps of the parser. A spec needs none of them near its limit: a
// string of a few words, a few keys per layer, some thousands of layers.
const (
	maxScalar     = 64 << 10
	maxKey        = 1 << 10
	maxMapKeys    = 100_000
	maxDocMarkers = 16
	// A file may have one value per bytesPerValue bytes, past the first
	// freeValues: a layer "- {type: dense, units: 8}" is 27 bytes for 5
	// values, a shape "[null, 3, 224, 224]" 20 bytes for 5.
	bytesPerValue = 3
	freeValues    = 10_000
)

// errUnsupported is the sentinel for a construct the parser leaves to
// go-yaml.
type errUnsupported struct {
	line, col int
	what      string
}

func (e *errUnsupported) Error() string {
	return fmt.Sprintf("%d:%d: %s", e.line, e.col, e.what)
}

func thousands(n int) string { return textlimit.Count(int64(n)) }

// col is the 1-based column of p.i, in bytes as go-yaml counted (and
// textlimit does).
func (p *yparser) col() int { return p.i - p.ls + 1 }

// newLine records that p.i starts a line.
func (p *yparser) newLine() {
	p.line++
	p.ls = p.i
}

func (p *yparser) errAt(line, col int, format string, args ...any) error {
	return &Error{Pos: graph.Pos{File: p.file, Line: line, Col: col}, Msg: fmt.Sprintf(format, args...)}
}

// syntax is a YAML syntax error at p.i.
func (p *yparser) syntax(format string, args ...any) error {
	return p.errAt(p.line, p.col(), "YAML: "+format, args...)
}

func (p *yparser) unsupportedAt(line, col int, what string) error {
	return &errUnsupported{line: line, col: col, what: what}
}

// noElems are the elements of every empty list and mapping; nothing
// writes to them.
var noElems elems

// newElems gives a list or mapping its own elems.
func (p *yparser) newElems() *elems {
	if len(p.elemSlab) == 0 {
		p.elemSlab = make([]elems, min(p.slabSize, 64))
	}
	e := &p.elemSlab[0]
	p.elemSlab = p.elemSlab[1:]
	return e
}

// ptrs copies a collection's elements out of a stack: short ones into
// a block shared with others (a mapping of a few keys costs no
// allocation of its own), long ones into their own slice.
func (p *yparser) ptrs(src []*value) []*value {
	n := len(src)
	if n > 64 {
		return slices.Clone(src)
	}
	if len(p.ptrSlab) < n {
		// Blocks grow with the file, as the value slabs do.
		p.ptrSlabSize = min(max(2*p.ptrSlabSize, 64), 1024)
		p.ptrSlab = make([]*value, p.ptrSlabSize)
	}
	out := p.ptrSlab[:n:n]
	p.ptrSlab = p.ptrSlab[n:]
	copy(out, src)
	return out
}

// pairs is ptrs of a mapping's keys and values, in turn (elems).
func (p *yparser) pairs(keys, vals []*value) []*value {
	n := 2 * len(keys)
	var out []*value
	if n > 64 {
		out = make([]*value, n)
	} else {
		if len(p.ptrSlab) < n {
			p.ptrSlabSize = min(max(2*p.ptrSlabSize, 64), 1024)
			p.ptrSlab = make([]*value, p.ptrSlabSize)
		}
		out = p.ptrSlab[:n:n]
		p.ptrSlab = p.ptrSlab[n:]
	}
	for i, k := range keys {
		out[2*i], out[2*i+1] = k, vals[i]
	}
	return out
}

// push appends v to a stack, doubling its capacity when full: append
// grows a large slice by a quarter, which for one long list allocates
// five times what it holds.
func push(stack []*value, v *value) []*value {
	if len(stack) == cap(stack) {
		stack = append(make([]*value, 0, max(2*cap(stack), 64)), stack...)
	}
	return append(stack, v)
}

// newValue makes a value, counting it against maxValues and against the
// text: a value costs 64 bytes and more, so a file of more than one value
// per bytesPerValue bytes ("[1,1,1,…]", "{a},{a},…", which no spec is
// made of) would cost more than 50 times its size.
func (p *yparser) newValue(k kind, line, col int) (*value, error) {
	p.made++
	if p.made > freeValues && p.made > len(p.src)/bytesPerValue {
		return nil, p.errAt(line, col, "YAML: more than %s values in a file of %s bytes: more than a spec's text holds (one value per %d bytes at most)", thousands(p.made-1), thousands(len(p.src)), bytesPerValue)
	}
	p.values++
	if p.values > maxValues {
		return nil, p.errAt(line, col, "more than %s values once aliases are expanded (a spec may have at most %s)", thousands(maxValues), thousands(maxValues))
	}
	if len(p.slab) == 0 {
		// Slabs grow with the file: a small file allocates little.
		p.slabSize = min(max(2*p.slabSize, 8), 256)
		p.slab = make([]value, p.slabSize)
	}
	v := &p.slab[0]
	p.slab = p.slab[1:]
	v.kind, v.line, v.col = k, line, int32(col)
	if k == kList || k == kMap {
		v.elems = &noElems // until endList or mapBuilder.done gives it its own
	}
	return v, nil
}

// skipSpace passes blanks, comments and line breaks; it reports whether
// it passed a line break. In a block, p.i then stands on the first
// character of a line's content, whose indentation is p.i - p.ls.
func (p *yparser) skipSpace() (newline bool, err error) {
	for p.i < len(p.src) {
		c := p.src[p.i]
		switch {
		case c == ' ' || c == '\t':
			p.i++
		case c == '\n':
			p.i++
			p.newLine()
			newline = true
		case c == '\r' && p.at(p.i+1) == '\n':
			p.i++
		case c == '#' && (p.i == p.ls || isBlank(p.src[p.i-1]) || p.src[p.i-1] == '\r'):
			for !p.endsLine(p.i) {
				p.i++
			}
		default:
			if c == '\r' {
				return newline, p.syntax("a carriage return alone is not a line break here")
			}
			return newline, nil
		}
	}
	return newline, nil
}

// tabIndent reports a tab in the indentation of p.i's line, which YAML
// does not allow in a block.
func (p *yparser) tabIndent() bool {
	for j := p.ls; j < p.i; j++ {
		if p.src[j] == '\t' {
			return true
		}
	}
	return false
}

// parseYAML reads src, which must hold one document.
func parseYAML(file string, src []byte) (*value, error) {
	return newParser(file, src).parse()
}

func newParser(file string, src []byte) *yparser { return newParserText(file, src, string(src)) }

// newParserText is newParser with src's text given (src itself, when
// nothing writes to it again).
func newParserText(file string, src []byte, text string) *yparser {
	return &yparser{file: file, src: src, text: text, line: 1, anchors: map[string]anchor{}}
}

func (p *yparser) parse() (*value, error) {
	src, file := p.src, p.file
	for j, c := range src {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f || c == '\r' && (j+1 == len(src) || src[j+1] != '\n') {
			// YAML has no place for control characters; go-yaml reads
			// some as blanks.
			for k := 0; k < j; k++ {
				if src[k] == '\n' {
					p.line++
					p.ls = k + 1
				}
			}
			p.i = j
			return nil, p.unsupportedAt(p.line, p.col(), "a control character (or a carriage return alone)")
		}
	}
	if !utf8.Valid(src) {
		// go-yaml reads each stray byte as U+FFFD.
		bad := 0
		for bad < len(src) {
			r, n := utf8.DecodeRune(src[bad:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			bad += n
		}
		p.i = bad
		for j := 0; j < bad; j++ {
			if src[j] == '\n' {
				p.line++
				p.ls = j + 1
			}
		}
		return nil, p.unsupportedAt(p.line, p.col(), "a byte that is not UTF-8")
	}
	var root *value
	for {
		if _, err := p.skipSpace(); err != nil {
			return nil, err
		}
		if p.i >= len(p.src) {
			break
		}
		if p.i == p.ls && p.src[p.i] == '%' {
			// A directive (%YAML 1.2, %TAG): nothing a spec needs.
			for !p.endsLine(p.i) {
				p.i++
			}
			continue
		}
		explicit := false
		if p.docMarker() {
			p.docs++
			if p.docs > maxDocMarkers {
				return nil, p.errAt(p.line, 1, "more than %d document markers (--- or ...)", maxDocMarkers)
			}
			if p.src[p.i] == '.' {
				p.i += 3
				if err := p.lineEnd(); err != nil {
					return nil, err
				}
				continue
			}
			p.i += 3
			explicit = true
		}
		nl, err := p.skipSpace()
		if err != nil {
			return nil, err
		}
		if p.i >= len(p.src) || p.docMarker() || p.i == p.ls && p.src[p.i] == '%' {
			continue // an empty document
		}
		if p.tabIndent() && nl {
			return nil, p.unsupportedAt(p.line, p.col(), "a tab in the indentation")
		}
		p.docLine, p.docCol = 0, 0
		v, err := p.node(-1, !explicit || nl, false, 0)
		if err != nil {
			return nil, err
		}
		if root != nil {
			line, col := v.line, int(v.col)
			if p.docLine > 0 {
				line, col = p.docLine, p.docCol
			}
			return nil, p.errAt(line, col, "a spec is one YAML document; this is a second one (remove the --- separator)")
		}
		root = v
		if _, err := p.skipSpace(); err != nil {
			return nil, err
		}
		if p.i < len(p.src) && !p.docMarker() {
			return nil, p.syntax("unexpected %s after the document's content", p.describeHere())
		}
	}
	if root == nil {
		return nil, &Error{Pos: graph.Pos{File: file}, Msg: "the spec is empty; it needs at least `layers:`"}
	}
	return root, nil
}

// describeHere names what stands at p.i for a message.
func (p *yparser) describeHere() string {
	if p.i >= len(p.src) {
		return "end of the file"
	}
	j := p.i
	for j < len(p.src) && j-p.i < 20 && !p.wsAt(j) {
		j++
	}
	if j == p.i {
		j = p.i + 1
	}
	return strconv.Quote(string(p.src[p.i:j]))
}

// lineEnd passes blanks and a comment up to the end of the line; anything
// else is an error.
func (p *yparser) lineEnd() error {
	for p.i < len(p.src) && isBlank(p.src[p.i]) {
		p.i++
	}
	if p.i < len(p.src) && p.src[p.i] == '#' && p.i > 0 && isBlank(p.src[p.i-1]) {
		for !p.endsLine(p.i) {
			p.i++
		}
	}
	if !p.endsLine(p.i) {
		return p.syntax("unexpected %s at the end of the line", p.describeHere())
	}
	return nil
}

// props are a node's anchor and tag.
type props struct {
	anchor    string
	tag       string
	line, col int // where the first of them is written
}

// properties reads an anchor and a tag, in either order, at p.i.
func (p *yparser) properties(pr *props) error {
	for k := 0; k < 2; k++ {
		c := p.at(p.i)
		if c != '&' && c != '!' {
			return nil
		}
		if pr.line == 0 {
			pr.line, pr.col = p.line, p.col()
		}
		start := p.i
		line, col := p.line, p.col()
		p.i++
		if c == '!' && p.at(p.i) == '<' {
			return p.unsupportedAt(line, col, "a verbatim tag !<…>")
		}
		for p.i < len(p.src) && !p.wsAt(p.i) && !isFlowIndicator(p.src[p.i]) {
			p.i++
		}
		if p.i-start > maxKey {
			return p.errAt(line, col, "an anchor, alias or tag of more than %s bytes", thousands(maxKey))
		}
		name := p.text[start+1 : p.i]
		if !simpleName(name, c == '!') || !p.wsAt(p.i) {
			return p.unsupportedAt(line, col, "the tag or anchor "+strconv.Quote(clip(p.text[start:p.i], 40)))
		}
		if c == '&' {
			if pr.anchor != "" || name == "" {
				return p.errAt(line, col, "YAML: a node has one anchor with a name")
			}
			pr.anchor = name
		} else {
			if pr.tag != "" {
				return p.errAt(line, col, "YAML: a node has one tag")
			}
			pr.tag = "!" + name
		}
		for p.i < len(p.src) && isBlank(p.src[p.i]) {
			p.i++
		}
	}
	if c := p.at(p.i); c == '&' || c == '!' {
		return p.syntax("a node has one anchor and one tag")
	}
	return nil
}

// finish applies a node's properties to v: a !!str tag turns a scalar
// into its text, an anchor records the value for aliases. before is the
// value count before the node.
func (p *yparser) finish(v *value, pr *props, before int) (*value, error) {
	if pr.tag == "!!str" && v.kind != kList && v.kind != kMap {
		s := v.s
		switch v.kind {
		case kBool:
			s = strconv.FormatBool(v.b)
		case kNull:
			s = ""
		}
		v.kind, v.s = kString, s
	}
	if pr.anchor != "" {
		p.anchors[pr.anchor] = anchor{v: v, size: p.values - before}
	}
	return v, nil
}

// alias reads *name at p.i: the anchored value itself, counted as the
// values it holds.
func (p *yparser) alias() (*value, error) {
	line, col := p.line, p.col()
	start := p.i
	p.i++
	for p.i < len(p.src) && !p.wsAt(p.i) && !isFlowIndicator(p.src[p.i]) {
		p.i++
	}
	name := p.text[start+1 : p.i]
	if !simpleName(name, false) {
		return nil, p.unsupportedAt(line, col, "the alias "+strconv.Quote(clip(p.text[start:p.i], 40)))
	}
	a, ok := p.anchors[name]
	if !ok {
		return nil, p.errAt(line, col, "YAML: alias *%s names no anchor defined before it", name)
	}
	if p.values += a.size; p.values > maxValues {
		return nil, p.errAt(line, col, "more than %s values once aliases are expanded: nested aliases multiply (a spec may have at most %s)", thousands(maxValues), thousands(maxValues))
	}
	return a.v, nil
}

// simpleName reports an anchor name, or a tag of the forms !name and
// !!name, of letters, digits, '-' and '_': the ones the parser reads
// itself.
func simpleName(name string, tag bool) bool {
	if tag {
		name = strings.TrimPrefix(name, "!")
	}
	if name == "" {
		return false
	}
	for _, c := range []byte(name) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

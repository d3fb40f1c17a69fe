package spec

import (
	"strconv"
)

// node reads the node at p.i, in a block whose collection is indented by
// n (-1 at the top). blockOK says a block mapping or sequence may start
// on this line (at a line's start or after "- "), not after "key: ".
// seqAtN lets a block sequence on a later line sit at indentation n (a
// mapping's value: "key:\n- a").
func (p *yparser) node(n int, blockOK, seqAtN bool, depth int) (*value, error) {
	if depth > maxTreeDepth {
		return nil, p.errAt(p.line, p.col(), "values are nested more than %d deep", maxTreeDepth)
	}
	before := p.values
	var pr props
	if err := p.properties(&pr); err != nil {
		return nil, err
	}
	if pr.line == 0 {
		return p.content(n, blockOK, false, depth)
	}
	if !p.endsLine(p.i) && p.src[p.i] != '#' {
		v, err := p.content(n, blockOK, true, depth)
		if err != nil {
			return nil, err
		}
		return p.finish(v, &pr, before)
	}
	// The content is on the lines below, or there is none.
	if _, err := p.skipSpace(); err != nil {
		return nil, err
	}
	ind := p.indentOf()
	var v *value
	var err error
	switch {
	case p.i < len(p.src) && !p.docMarker() && ind > n:
		if p.tabIndent() {
			return nil, p.unsupportedAt(p.line, p.col(), "a tab in the indentation")
		}
		v, err = p.content(n, true, false, depth)
	case seqAtN && p.i < len(p.src) && !p.docMarker() && ind == n && p.seqEntry():
		v, err = p.blockSeq(n, depth)
	default:
		v, err = p.newValue(kNull, pr.line, pr.col)
	}
	if err != nil {
		return nil, err
	}
	return p.finish(v, &pr, before)
}

// seqEntry reports a block sequence entry ("- ") at p.i.
func (p *yparser) seqEntry() bool {
	return p.at(p.i) == '-' && p.wsAt(p.i+1) && !p.docMarker()
}

// content reads a node's content at p.i (after its properties).
func (p *yparser) content(n int, blockOK, afterProps bool, depth int) (*value, error) {
	line, col := p.line, p.col()
	c := p.src[p.i]
	startI := p.i
	switch {
	case p.seqEntry():
		if !blockOK || afterProps {
			return nil, p.syntax("a block sequence cannot start on this line (put it on the next line)")
		}
		return p.blockSeq(p.indentOf(), depth)
	case c == '?' && p.wsAt(p.i+1):
		return nil, p.unsupportedAt(line, col, "a complex key (? )")
	case c == ':' && p.wsAt(p.i+1):
		return nil, p.unsupportedAt(line, col, "an empty key")
	case c == '|' || c == '>':
		s, err := p.blockScalar(n)
		if err != nil {
			return nil, err
		}
		v, err := p.newValue(kString, line, col)
		if err != nil {
			return nil, err
		}
		v.s = s
		return v, nil
	case c == '[' || c == '{':
		v, err := p.flowNode(depth)
		if err != nil {
			return nil, err
		}
		if p.keyFollows() {
			return nil, p.unsupportedAt(line, col, "a collection as a mapping key")
		}
		return v, nil
	case c == '*':
		if afterProps {
			return nil, p.syntax("an alias has no anchor or tag")
		}
		v, err := p.alias()
		if err != nil {
			return nil, err
		}
		if p.keyFollows() {
			return nil, p.unsupportedAt(line, col, "an alias as a mapping key")
		}
		return v, nil
	case c == '"' || c == '\'':
		s, err := p.quoted()
		if err != nil {
			return nil, err
		}
		v, err := p.newValue(kString, line, col)
		if err != nil {
			return nil, err
		}
		v.s = s
		if p.keyFollows() {
			if afterProps {
				return nil, p.unsupportedAt(line, col, "an anchor or tag before a key")
			}
			if !blockOK {
				return nil, p.syntax("a mapping cannot start on the line of its key (put it on the next line)")
			}
			if p.line != line {
				return nil, p.errAt(line, col, "YAML: a key must be on one line")
			}
			if len(s) > maxKey {
				return nil, p.errAt(line, col, "a key of more than %s bytes", thousands(maxKey))
			}
			return p.blockMap(startI-p.ls, v, depth)
		}
		return v, nil
	case c == '@' || c == '`' || c == '%' || c == ']':
		// YAML reserves these; go-yaml reads a plain scalar starting
		// with ',' or '}' and so does this parser.
		return nil, p.syntax("%q cannot start a plain scalar (quote the string)", c)
	case c == '-' && p.docMarker():
		return nil, p.syntax("unexpected document marker")
	}
	s, err := p.plain(n, false)
	if err != nil {
		return nil, err
	}
	if p.keyFollows() {
		if afterProps {
			return nil, p.unsupportedAt(line, col, "an anchor or tag before a key")
		}
		if !blockOK {
			return nil, p.syntax("a mapping cannot start on the line of its key (put it on the next line)")
		}
		if p.line != line {
			return nil, p.syntax("a plain scalar runs into a key on its next line (indent the mapping under a key or quote the text)")
		}
		k, err := p.plainKey(s, line, col)
		if err != nil {
			return nil, err
		}
		return p.blockMap(startI-p.ls, k, depth)
	}
	v, err := p.newValue(kString, line, col)
	if err != nil {
		return nil, err
	}
	resolvePlain(v, s)
	return v, nil
}

// keyFollows reports ':' and a blank or line end after optional blanks at
// p.i, leaving p.i on the ':' when it does.
func (p *yparser) keyFollows() bool {
	j := p.i
	for j < len(p.src) && isBlank(p.src[j]) {
		j++
	}
	if p.at(j) == ':' && p.wsAt(j+1) {
		p.i = j
		return true
	}
	return false
}

// plainKey makes the key value of a plain scalar: its text, with null,
// booleans and numbers named as go-yaml names them ("null", "true", the
// number as written).
func (p *yparser) plainKey(s string, line, col int) (*value, error) {
	if len(s) > maxKey {
		return nil, p.errAt(line, col, "a key of more than %s bytes", thousands(maxKey))
	}
	k, err := p.newValue(kString, line, col)
	if err != nil {
		return nil, err
	}
	if s == "<<" {
		k.kind = kNull // marks a merge key; mapping() reads it
		k.s = "<<"
		return k, nil
	}
	resolvePlain(k, s)
	switch k.kind {
	case kNull:
		k.s = "null"
	case kBool:
		k.s = strconv.FormatBool(k.b)
	}
	k.kind = kString
	return k, nil
}

// mapBuilder adds entries to a mapping: duplicate keys are errors, merge
// keys (<<) add the entries of the mappings they name that the mapping
// does not set itself, after its own. The entries gather on the parser's
// stacks (a nested mapping's above its parent's) and are copied out once,
// at their final length: growing each mapping's slices would allocate
// several times what they hold.
type mapBuilder struct {
	p      *yparser
	v      *value
	base   int            // where the entries start on p.keyStack and p.valStack
	index  map[string]int // made past a few keys; below, a scan is faster
	merged []*value
}

func (p *yparser) newMapBuilder(v *value) *mapBuilder {
	return &mapBuilder{p: p, v: v, base: len(p.keyStack)}
}

func (mb *mapBuilder) keys() []*value { return mb.p.keyStack[mb.base:] }

func (p *yparser) addEntry(mb *mapBuilder, k, val *value) error {
	if k.kind == kNull && k.s == "<<" {
		switch val.kind {
		case kMap:
			mb.merged = append(mb.merged, val)
		case kList:
			for _, m := range val.list {
				if m.kind != kMap {
					return p.errAt(k.line, int(k.col), "YAML: << merges mappings, got %s in its list", m.describe())
				}
				mb.merged = append(mb.merged, m)
			}
		default:
			return p.errAt(k.line, int(k.col), "YAML: << merges a mapping, got %s", val.describe())
		}
		return nil
	}
	if i, ok := mb.find(k.s); ok {
		first := mb.keys()[i]
		return p.errAt(k.line, int(k.col), "YAML: key %q is given twice (first at %d:%d)", clip(k.s, 60), first.line, first.col)
	}
	if len(mb.keys()) >= maxMapKeys {
		return p.errAt(k.line, int(k.col), "more than %s keys in one mapping", thousands(maxMapKeys))
	}
	mb.add(k, val)
	return nil
}

func (mb *mapBuilder) find(key string) (int, bool) {
	if mb.index != nil {
		i, ok := mb.index[key]
		return i, ok
	}
	for i, k := range mb.keys() {
		if k.s == key {
			return i, true
		}
	}
	return 0, false
}

func (mb *mapBuilder) add(k, val *value) {
	keys := mb.keys()
	if mb.index == nil && len(keys) >= 16 {
		mb.index = make(map[string]int, 2*len(keys))
		for i, k := range keys {
			mb.index[k.s] = i
		}
	}
	if mb.index != nil {
		mb.index[k.s] = len(keys)
	}
	mb.p.keyStack = push(mb.p.keyStack, k)
	mb.p.valStack = push(mb.p.valStack, val)
}

// done adds the merged entries and moves the entries into the mapping.
func (mb *mapBuilder) done() *value {
	for _, m := range mb.merged {
		for k, val := range m.pairs() {
			if _, ok := mb.find(k.s); !ok {
				mb.add(k, val)
			}
		}
	}
	p := mb.p
	if len(p.keyStack) > mb.base {
		mb.v.elems = p.newElems()
		mb.v.list = p.pairs(p.keyStack[mb.base:], p.valStack[mb.base:])
		p.keyStack, p.valStack = p.keyStack[:mb.base], p.valStack[:mb.base]
	}
	return mb.v
}

// endList moves the elements a list gathered on p.listStack since base
// into it.
func (p *yparser) endList(v *value, base int) *value {
	if len(p.listStack) > base {
		v.elems = p.newElems()
		v.list = p.ptrs(p.listStack[base:])
		p.listStack = p.listStack[:base]
	}
	return v
}

// blockMap reads a block mapping indented by m whose first key k has been
// read; p.i is on the ':' after it.
func (p *yparser) blockMap(m int, k *value, depth int) (*value, error) {
	v, err := p.newValue(kMap, k.line, int(k.col))
	if err != nil {
		return nil, err
	}
	mb := p.newMapBuilder(v)
	for {
		if depth == 0 && p.docLine == 0 {
			p.docLine, p.docCol = p.line, p.col()
		}
		cline, ccol := p.line, p.col()
		p.i++ // ':'
		val, err := p.mapValue(m, cline, ccol, depth)
		if err != nil {
			return nil, err
		}
		if err := p.addEntry(mb, k, val); err != nil {
			return nil, err
		}
		if _, err := p.skipSpace(); err != nil {
			return nil, err
		}
		if p.i >= len(p.src) || p.docMarker() {
			break
		}
		if !p.firstOnLine() {
			return nil, p.syntax("unexpected %s after a value (one key: value a line)", p.describeHere())
		}
		ind := p.indentOf()
		if ind < m {
			break
		}
		if ind > m {
			return nil, p.syntax("this line is indented more than the key above it, but that key has a value")
		}
		if p.tabIndent() {
			return nil, p.unsupportedAt(p.line, p.col(), "a tab in the indentation")
		}
		if p.seqEntry() {
			return nil, p.syntax("a sequence entry where the mapping at %d:%d expects a key", v.line, v.col)
		}
		if k, err = p.blockKey(); err != nil {
			return nil, err
		}
	}
	return mb.done(), nil
}

// blockKey reads a block mapping's key at p.i, up to the ':' after it.
func (p *yparser) blockKey() (*value, error) {
	line, col := p.line, p.col()
	c := p.src[p.i]
	var k *value
	var err error
	switch {
	case c == '?' && p.wsAt(p.i+1):
		return nil, p.unsupportedAt(line, col, "a complex key (? )")
	case c == ':' && p.wsAt(p.i+1):
		return nil, p.unsupportedAt(line, col, "an empty key")
	case c == '&' || c == '!':
		return nil, p.unsupportedAt(line, col, "an anchor or tag on a key")
	case c == '[' || c == '{':
		return nil, p.unsupportedAt(line, col, "a collection as a mapping key")
	case c == '*':
		return nil, p.unsupportedAt(line, col, "an alias as a mapping key")
	case c == '|' || c == '>' || c == '@' || c == '`':
		return nil, p.syntax("expected a key, got %s", p.describeHere())
	case c == '"' || c == '\'':
		s, err := p.quoted()
		if err != nil {
			return nil, err
		}
		if p.line != line {
			return nil, p.errAt(line, col, "YAML: a key must be on one line")
		}
		if len(s) > maxKey {
			return nil, p.errAt(line, col, "a key of more than %s bytes", thousands(maxKey))
		}
		if k, err = p.newValue(kString, line, col); err != nil {
			return nil, err
		}
		k.s = s
	default:
		s, err := p.plain(noContinuation, false)
		if err != nil {
			return nil, err
		}
		if p.line != line {
			return nil, p.errAt(line, col, "YAML: %q is not a key (no ':' after it) and not part of the value above", clip(s, 40))
		}
		if k, err = p.plainKey(s, line, col); err != nil {
			return nil, err
		}
	}
	if !p.keyFollows() {
		if k == nil {
			return nil, err
		}
		return nil, p.errAt(line, col, "YAML: expected a key and ':' here (a mapping's entries are key: value)")
	}
	return k, nil
}

// mapValue reads the value after a block mapping's "key:".
func (p *yparser) mapValue(m, cline, ccol int, depth int) (*value, error) {
	for p.i < len(p.src) && isBlank(p.src[p.i]) {
		p.i++
	}
	if !p.endsLine(p.i) && !(p.src[p.i] == '#' && isBlank(p.src[p.i-1])) {
		return p.node(m, false, true, depth+1)
	}
	if _, err := p.skipSpace(); err != nil {
		return nil, err
	}
	if p.i < len(p.src) && !p.docMarker() {
		ind := p.indentOf()
		if ind > m {
			if p.tabIndent() {
				return nil, p.unsupportedAt(p.line, p.col(), "a tab in the indentation")
			}
			return p.node(m, true, true, depth+1)
		}
		if ind == m && p.seqEntry() {
			return p.blockSeq(m, depth+1)
		}
	}
	return p.nullAfter(cline, ccol)
}

// blockSeq reads a block sequence whose "- " entries are indented by s.
func (p *yparser) blockSeq(s int, depth int) (*value, error) {
	if depth > maxTreeDepth {
		return nil, p.errAt(p.line, p.col(), "values are nested more than %d deep", maxTreeDepth)
	}
	v, err := p.newValue(kList, p.line, p.col())
	if err != nil {
		return nil, err
	}
	base := len(p.listStack)
	for {
		dline, dcol := p.line, p.col()
		p.i++ // '-'
		for p.i < len(p.src) && isBlank(p.src[p.i]) {
			p.i++
		}
		var e *value
		if !p.endsLine(p.i) && p.src[p.i] != '#' {
			if e, err = p.node(s, true, false, depth+1); err != nil {
				return nil, err
			}
		} else {
			if _, err := p.skipSpace(); err != nil {
				return nil, err
			}
			if p.i < len(p.src) && !p.docMarker() && p.indentOf() > s {
				if p.tabIndent() {
					return nil, p.unsupportedAt(p.line, p.col(), "a tab in the indentation")
				}
				if e, err = p.node(s, true, false, depth+1); err != nil {
					return nil, err
				}
			} else if e, err = p.nullAfter(dline, dcol); err != nil {
				return nil, err
			}
		}
		p.listStack = push(p.listStack, e)
		if _, err := p.skipSpace(); err != nil {
			return nil, err
		}
		if p.i >= len(p.src) || p.docMarker() {
			break
		}
		if !p.firstOnLine() {
			return nil, p.syntax("unexpected %s after a sequence entry", p.describeHere())
		}
		ind := p.indentOf()
		if ind < s || ind == s && !p.seqEntry() {
			break
		}
		if ind > s {
			return nil, p.syntax("this line is indented more than the sequence entry above it")
		}
		if p.tabIndent() {
			return nil, p.unsupportedAt(p.line, p.col(), "a tab in the indentation")
		}
	}
	return p.endList(v, base), nil
}

// noContinuation is an indentation no line has: a key's plain scalar
// ends with its line.
const noContinuation = 1 << 30

// firstOnLine reports whether only blanks precede p.i on its line: a
// nested collection may have passed the line break already.
func (p *yparser) firstOnLine() bool {
	for j := p.ls; j < p.i; j++ {
		if !isBlank(p.src[j]) {
			return false
		}
	}
	return true
}

// nullAfter is where go-yaml put the null of a "key:" or "-" with
// nothing after it: the next column, or the one after at the end of the
// file.
func (p *yparser) nullAfter(line, col int) (*value, error) {
	p.emptyValues++
	if p.i >= len(p.src) {
		return p.newValue(kNull, line, col+2)
	}
	return p.newValue(kNull, line, col+1)
}

package textlimit

import (
	"bytes"
	"fmt"
)

// YAML checks YAML text (block and flow styles, JSON) against lim in one
// pass. It follows the structure as far as counting needs: block levels
// by indentation, flow collections by brackets, quoted strings across
// lines, block scalars, comments. Where it cannot tell, it over-counts
// tokens and paths rather than keys: every line that is not surely inside
// a string or block scalar is read as structure, and a node's path is
// charged both from the block levels of its line and from the flow
// collection it is in, so that a misreading of either cannot hide values
// from the limits.
func YAML(src []byte, lim Limits) error {
	// Where a quoted string left open at the end of a line, or a block
	// scalar, ends is where a scan that is not the parser can be wrong;
	// reading the text both ways, with them and with every line read as
	// structure, bounds the parser whichever way it reads it.
	for _, literal := range []bool{false, true} {
		y := &yscan{lim: lim, lc: lines{src: src}, qcol: -1, lines: literal}
		for off := 0; off <= len(src); {
			// Lines end at \n, \r\n or a lone \r, as YAML says.
			end := off + bytes.IndexAny(src[off:], "\r\n")
			if end < off {
				end = len(src)
			}
			y.off = off
			if err := y.line(src[off:end]); err != nil {
				return err
			}
			off = end + 1
			if end+1 < len(src) && src[end] == '\r' && src[end+1] == '\n' {
				off++
			}
		}
	}
	return nil // an unterminated string is the parser's to report
}

// blevel is a block collection: a mapping whose keys start at col, or a
// sequence whose "- " entries are at col.
type blevel struct {
	col  int
	seq  bool
	n    int   // keys or entries so far
	base int64 // the path of the collection
	path int64 // the path of its current entry
}

// flevel is a flow collection, [ ] or { }.
type flevel struct {
	mapping bool
	n       int
	abs     int64 // the path of its entries, from where it opened
	key     int   // the length of the key just read (mappings)
	pend    int   // scalars since the last ',' or key: a multi-line key's lines
}

type yscan struct {
	// lines: every line is structure (strings end at the end of their
	// line, no block scalars).
	lines bool
	lim   Limits
	lc    lines
	off   int // offset of the current line
	block []blevel
	flow  []flevel

	tokens int
	paths  int64
	docs   int
	// A "? " key at column qcol (-1: none): its text, which may go on
	// over the lines indented more, is qacc bytes at most.
	qcol, qacc int
	// flowAtLine: the line started inside a flow collection.
	flowAtLine bool
	// keyCol is the column of the line's first token after its
	// indicators: a key's, even when an anchor or a tag comes first.
	keyCol int
	// prevFirst is keyCol of the last line that had block structure
	// (-1 after a "? " line, whose key is counted).
	prevFirst int
	// firstLen is the length of the line's first scalar; prevLen the
	// last line's, 0 when it was a key.
	firstLen, prevLen int
	// sinceKey is the bytes of the lines since the last with a key or
	// an indicator: go-yaml may make a key of them all ("! a\n!\n: v").
	sinceKey int
	lineKey  bool // the line has a block key

	// A quoted scalar open across lines.
	quote      byte
	qOff, qLen int

	// A block scalar (| or >): lines indented more than bsIndent, or
	// blank, are its content.
	inBlockScalar bool
	bsIndent      int
	bsOff, bsLen  int
}

func (y *yscan) fail(col int, format string, args ...any) error {
	line, _ := y.lc.pos(y.off)
	return &Error{Line: line, Col: col + 1, Msg: fmt.Sprintf(format, args...)}
}

func (y *yscan) failAt(off int, format string, args ...any) error {
	line, col := y.lc.pos(off)
	return &Error{Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

// token counts one token at col.
func (y *yscan) token(col int) error {
	y.tokens++
	if y.lim.MaxValues > 0 && y.tokens > y.lim.MaxValues {
		return y.fail(col, "more than %s YAML tokens (keys, values, punctuation and comments; a limit against files that would take too much time and memory)", Count(int64(y.lim.MaxValues)))
	}
	return nil
}

// node counts a token that is a node, and the path go-yaml keeps for it.
func (y *yscan) node(col int) error {
	if err := y.token(col); err != nil {
		return err
	}
	return y.path(col)
}

// path charges the path of a node here.
func (y *yscan) path(col int) error {
	y.paths += y.base()
	if y.lim.MaxPaths > 0 && y.paths > y.lim.MaxPaths {
		return y.fail(col, "keys and values too many and too deep: the YAML parser would need more than %s bytes for their paths (long keys above many values)", Count(y.lim.MaxPaths))
	}
	return nil
}

// base is the path length charged to a node here: the block level's and
// the flow collection's, both (see YAML).
func (y *yscan) base() int64 {
	p := int64(1) // "$"
	if n := len(y.block); n > 0 {
		p += y.block[n-1].path
	}
	if n := len(y.flow); n > 0 {
		f := y.flow[n-1]
		p += f.abs + int64(f.key) + 1
	}
	return p
}

func (y *yscan) blockPath() int64 {
	if n := len(y.block); n > 0 {
		return y.block[n-1].path
	}
	return 0
}

// popBlock ends the block levels indented more than col.
func (y *yscan) popBlock(col int) {
	for n := len(y.block); n > 0 && y.block[n-1].col > col; n-- {
		y.block = y.block[:n-1]
	}
}

// entry is a "- " at col.
func (y *yscan) entry(col int) error {
	if n := len(y.block); n > 0 && y.block[n-1].col == col && y.block[n-1].seq {
		b := &y.block[n-1]
		b.n++
		if y.lim.MaxItems > 0 && b.n > y.lim.MaxItems {
			return y.fail(col, "more than %s entries in one sequence", Count(int64(y.lim.MaxItems)))
		}
		b.path = b.base + 2 + digits(b.n)
		return nil
	}
	// A new sequence; at a mapping's column it is the value of the
	// mapping's last key ("key:\n- a").
	base := y.blockPath()
	y.block = append(y.block, blevel{col: col, seq: true, n: 1, base: base, path: base + 3})
	return nil
}

// key is a block mapping key of keyLen bytes at col.
func (y *yscan) key(col, keyLen int) error {
	if y.lim.MaxKey > 0 && keyLen > y.lim.MaxKey {
		return y.fail(col, "a key of more than %s bytes", Count(int64(y.lim.MaxKey)))
	}
	y.popBlock(col)
	if n := len(y.block); n > 0 && y.block[n-1].col == col && y.block[n-1].seq {
		y.block = y.block[:n-1] // a key at a sequence's column ends it
	}
	if n := len(y.block); n > 0 && y.block[n-1].col == col {
		b := &y.block[n-1]
		b.n++
		if y.lim.MaxKeys > 0 && b.n > y.lim.MaxKeys {
			return y.fail(col, "more than %s keys in one mapping", Count(int64(y.lim.MaxKeys)))
		}
		b.path = b.base + 1 + int64(keyLen)
		return nil
	}
	base := y.blockPath()
	y.block = append(y.block, blevel{col: col, n: 1, base: base, path: base + 1 + int64(keyLen)})
	return nil
}

// qmoreKey adds n bytes to the text of the "? key" at y.qcol: all of its
// lines, to be safe (go-yaml joins a multi-line key into one).
func (y *yscan) qmoreKey(n int) error {
	y.qacc += n
	// The key's own paths (key, entry, value) grow with it.
	y.paths += 4 * int64(n)
	if y.lim.MaxKey > 0 && y.qacc > y.lim.MaxKey {
		return y.fail(y.qcol, "a key of more than %s bytes", Count(int64(y.lim.MaxKey)))
	}
	for k := len(y.block) - 1; k >= 0; k-- {
		if b := &y.block[k]; b.col == y.qcol && !b.seq {
			b.path = b.base + 1 + int64(y.qacc)
			break
		}
	}
	return nil
}

// notKey is a line whose first token at col is not a key nor "- ". In a
// flow collection (JSON written with one key per line), it ends the block
// levels the scan saw at col and deeper, so that the keys of sibling
// objects are not added up. In block context it ends nothing: go-yaml
// reads "k:\nvalue" at one column as a key and its value, and the keys
// after it are still the mapping's.
func (y *yscan) notKey(col int) {
	if !y.flowAtLine {
		return
	}
	for n := len(y.block); n > 0 && y.block[n-1].col >= col; n-- {
		y.block = y.block[:n-1]
	}
}

// digits is the length of n in decimal, as in a path's "[123]".
func digits(n int) int64 {
	d := int64(1)
	for ; n >= 10; n /= 10 {
		d++
	}
	return d
}

func space(c byte) bool { return c == ' ' || c == '\t' }

// ends reports whether text[i] ends a token: past the end, or a space.
func ends(text []byte, i int) bool { return i >= len(text) || space(text[i]) }

func flowIndicator(c byte) bool {
	return c == ',' || c == '[' || c == ']' || c == '{' || c == '}'
}

func (y *yscan) line(text []byte) error {
	indent := 0
	for indent < len(text) && text[indent] == ' ' {
		indent++
	}
	if y.inBlockScalar {
		if indent == len(text) || indent > y.bsIndent {
			y.bsLen += len(text) + 1
			if y.lim.MaxString > 0 && y.bsLen > y.lim.MaxString {
				return y.failAt(y.bsOff, "a block scalar of more than %s bytes", Count(int64(y.lim.MaxString)))
			}
			return nil
		}
		y.inBlockScalar = false
	}
	p := 0
	first := -1 // the column of the line's first token that may be a key
	structural := false
	defer func() {
		if y.lineKey || structural {
			y.sinceKey = 0
		} else {
			y.sinceKey += len(text) + 1
		}
	}()
	if y.quote != 0 {
		var err error
		if p, err = y.quoted(text, 0); err != nil || y.quote != 0 {
			return err
		}
		if y.qcol >= 0 {
			if err := y.qmoreKey(len(text)); err != nil {
				return err
			}
		}
		// A block key does not span lines: the scalar is a value (or
		// the text of a "? key", counted above).
		if err := y.afterScalar(text, &p, false, -1, y.qLen); err != nil {
			return err
		}
	} else {
		if indent == len(text) {
			return nil
		}
		// A document marker; go-yaml takes one even when a token
		// follows without a space ("...!").
		if indent == 0 && len(text) >= 3 && (string(text[:3]) == "---" || string(text[:3]) == "...") {
			y.docs++
			if y.lim.MaxDocs > 0 && y.docs > y.lim.MaxDocs {
				return y.fail(0, "more than %d document markers (--- or ...)", y.lim.MaxDocs)
			}
			y.block, y.qcol = y.block[:0], -1
			if err := y.token(0); err != nil {
				return err
			}
			// What follows may be a key, to be safe ("....k: v" is
			// one to go-yaml).
			for p = 3; p < len(text) && space(text[p]); p++ {
			}
			first = p
		} else {
			// (A directive, "%YAML 1.2", is read as a plain scalar:
			// go-yaml takes "%k: v" after a document's start as a key.)
			p = indent
			prevFirst, prevLen, hadQ := y.prevFirst, y.prevLen, false
			if y.qcol >= 0 {
				// The lines after "? " are the key's, up to a ":" (or
				// "? ", "- ") at its column or a line left of it:
				// go-yaml takes a key's text from the next line even
				// at the "?"'s column.
				if ind := text[indent]; indent < y.qcol || indent == y.qcol && (ind == ':' || ind == '?' || ind == '-') && ends(text, indent+1) {
					y.qcol = -1
				} else if err := y.qmoreKey(len(text) - indent); err != nil {
					return err
				}
			}
			y.flowAtLine = len(y.flow) > 0
			y.popBlock(indent)
			// "- ", "? " and ": " at the start of the line, nested.
			for p < len(text) && (text[p] == '-' || text[p] == '?' || text[p] == ':') && ends(text, p+1) {
				structural = true
				switch text[p] {
				case '-':
					if err := y.entry(p); err != nil {
						return err
					}
				case '?':
					if err := y.key(p, 0); err != nil {
						return err
					}
					y.qcol, y.qacc, hadQ = p, 0, true
					if err := y.qmoreKey(len(text) - p - 1); err != nil {
						return err
					}
					for range 3 { // as for a key (afterScalar)
						if err := y.path(p); err != nil {
							return err
						}
					}
				case ':':
					// Usually the value of a "? key"; go-yaml also
					// takes the line before as a key without "?",
					// at that line's column. Counting a key here
					// over-counts the former.
					col := p
					if prevFirst >= 0 && p == indent {
						col = prevFirst
					}
					if n := len(y.block); n > 0 && y.block[n-1].col == col && !y.block[n-1].seq {
						b := &y.block[n-1]
						if b.n++; y.lim.MaxKeys > 0 && b.n > y.lim.MaxKeys {
							return y.fail(p, "more than %s keys in one mapping", Count(int64(y.lim.MaxKeys)))
						}
						b.path = max(b.path, b.base+1+int64(max(prevLen, y.sinceKey)))
					} else if err := y.key(col, max(prevLen, y.sinceKey)); err != nil {
						return err
					}
					for range 3 { // as for a key (afterScalar)
						if err := y.path(p); err != nil {
							return err
						}
					}
				}
				// A node: the entry's value, null when none is written.
				if err := y.node(p); err != nil {
					return err
				}
				p++
				for p < len(text) && space(text[p]) {
					p++
				}
			}
			for p < len(text) && space(text[p]) {
				p++ // tabs, which are not indentation
			}
			first = p
			y.prevFirst = first
			if hadQ || first >= len(text) {
				y.prevFirst = -1
			}
		}
	}
	y.firstLen, y.lineKey = 0, false
	err := y.scan(text, p, first, indent)
	y.prevLen = y.firstLen
	if y.lineKey || structural {
		y.prevLen = 0
	}
	return err
}

// scan reads the tokens of text from p. first is the column of the line's
// first token after its indicators (-1 when the line continues a string).
func (y *yscan) scan(text []byte, p, first, indent int) error {
	y.keyCol = first
	for p < len(text) {
		c := text[p]
		switch {
		case space(c):
			p++
		case c == '#' && (p == 0 || space(text[p-1])):
			// A comment. A '#' right after a token is read as the
			// start of a plain scalar below, which over-counts.
			if first == p {
				first = -1
			}
			return y.token(p)
		case c == '"' || c == '\'':
			isFirst := p == first
			y.quote, y.qOff, y.qLen = c, y.off+p, 0
			start := p
			var err error
			if p, err = y.quoted(text, p+1); err != nil {
				return err
			}
			if y.quote != 0 && y.lines {
				// Left open: read as a plain scalar, which go-yaml
				// may make of it.
				y.quote = 0
				if p, err = y.plain(text, start, first); err != nil {
					return err
				}
				continue
			}
			if y.quote != 0 {
				if isFirst {
					y.notKey(start)
				}
				return nil // continues on the next line
			}
			if err := y.afterScalar(text, &p, isFirst, start, y.qLen); err != nil {
				return err
			}
		case c == '[' || c == '{':
			if p == first {
				y.notKey(p)
			}
			if err := y.node(p); err != nil {
				return err
			}
			abs := y.base() + 8
			y.flow = append(y.flow, flevel{mapping: c == '{', n: 1, abs: abs})
			p++
		case (c == ']' || c == '}') && len(y.flow) > 0:
			// Outside a flow collection, go-yaml reads them as the
			// start of a plain scalar (below); a ']' in { } or a '}'
			// in [ ] does not close it.
			if y.flow[len(y.flow)-1].mapping == (c == '}') {
				y.flow = y.flow[:len(y.flow)-1]
			}
			if err := y.token(p); err != nil {
				return err
			}
			p++
		case c == ',' && len(y.flow) > 0:
			f := &y.flow[len(y.flow)-1]
			f.n++
			f.key, f.pend = 0, 0
			if f.mapping && y.lim.MaxKeys > 0 && f.n > y.lim.MaxKeys {
				return y.fail(p, "more than %s keys in one mapping", Count(int64(y.lim.MaxKeys)))
			}
			if !f.mapping && y.lim.MaxItems > 0 && f.n > y.lim.MaxItems {
				return y.fail(p, "more than %s entries in one sequence", Count(int64(y.lim.MaxItems)))
			}
			if err := y.token(p); err != nil {
				return err
			}
			p++
		case (c == ':' || c == '-' || c == '?') && (ends(text, p+1) || (len(y.flow) > 0 && flowIndicator(text[p+1]))):
			// An indicator after another token ("!t - a", "&a ? k"):
			// a sequence entry or a key as at the start of a line.
			var err error
			switch c {
			case '-':
				if err = y.entry(p); err == nil {
					err = y.node(p)
				}
			case '?':
				if err = y.key(p, 0); err == nil {
					err = y.node(p)
				}
				if err == nil {
					y.qcol, y.qacc = p, 0
					err = y.qmoreKey(len(text) - p - 1)
				}
				for i := 0; i < 3 && err == nil; i++ { // as for a key
					err = y.path(p)
				}
			default:
				err = y.token(p)
			}
			if err != nil {
				return err
			}
			p++
			if p == first+1 {
				// The line's first token is the next one.
				for p < len(text) && space(text[p]) {
					p++
				}
				first, y.keyCol = p, p
			}
		case c == '&' || c == '*' || c == '!':
			// An anchor, an alias or a tag: up to a space, a ": " (or
			// a flow indicator in a flow collection).
			start := p
			// (go-yaml ends them at a space, not at a tab.)
			for p < len(text) && text[p] != ' ' && !((len(y.flow) > 0 || y.lines) && flowIndicator(text[p])) && !(text[p] == ':' && ends(text, p+1)) {
				p++
			}
			if p-start > y.lim.MaxString && y.lim.MaxString > 0 {
				return y.fail(start, "an anchor, alias or tag of more than %s bytes", Count(int64(y.lim.MaxString)))
			}
			var err error
			if c == '*' {
				err = y.node(start)
			} else {
				err = y.token(start)
			}
			if err != nil {
				return err
			}
			if start == first {
				// The key, if any, is the next token, or this one
				// when a ':' follows ("*a : 1", "!t : 1").
				first = p
				for first < len(text) && space(text[first]) {
					first++
				}
				if first < len(text) && text[first] == ':' && (ends(text, first+1) || len(y.flow) > 0) {
					if len(y.flow) == 0 {
						if err := y.key(y.keyCol, p-start); err != nil {
							return err
						}
					}
					for range 4 { // as for a key (afterScalar)
						if err := y.path(start); err != nil {
							return err
						}
					}
					first = -1
				}
			}
		case (c == '|' || c == '>') && len(y.flow) == 0 && !y.lines && blockHeader(text[p+1:]):
			if err := y.node(p); err != nil {
				return err
			}
			// Its lines are those indented more than the innermost
			// block collection (or the line, when deeper).
			y.inBlockScalar, y.bsOff, y.bsLen = true, y.off+p, 0
			y.bsIndent = indent
			if n := len(y.block); n > 0 && y.block[n-1].col > indent {
				y.bsIndent = y.block[n-1].col
			}
			return nil
		default:
			var err error
			if p, err = y.plain(text, p, first); err != nil {
				return err
			}
		}
	}
	return nil
}

// plain reads a plain scalar from text[p]: up to ": ", " #", the end of
// the line, and in a flow collection also , [ ] { }.
func (y *yscan) plain(text []byte, p, first int) (int, error) {
	start := p
	// Reading every line as structure, flow indicators end a plain
	// scalar in block context too: go-yaml may read "&\t0 ! {0,0}" as
	// an anchor, a tag and a flow mapping.
	inFlow := len(y.flow) > 0 || y.lines
	for p < len(text) {
		d := text[p]
		if d == ':' && (ends(text, p+1) || (inFlow && flowIndicator(text[p+1]))) {
			break
		}
		if d == '#' && p > 0 && space(text[p-1]) {
			break
		}
		if inFlow && flowIndicator(d) && p > start {
			break
		}
		p++
	}
	end := p
	for end > start && space(text[end-1]) {
		end--
	}
	if y.lim.MaxString > 0 && end-start > y.lim.MaxString {
		return p, y.fail(start, "a scalar of more than %s bytes", Count(int64(y.lim.MaxString)))
	}
	return p, y.afterScalar(text, &p, start == first, start, end-start)
}

// afterScalar counts a scalar of n bytes that started at col (-1: on an
// earlier line) and ends before text[*p]; when a ':' follows, it is a key:
// of the block mapping at col if it is the line's first token, else of
// the flow mapping it is in.
func (y *yscan) afterScalar(text []byte, p *int, isFirst bool, col, n int) error {
	q := *p
	for q < len(text) && space(text[q]) {
		q++
	}
	isKey := q < len(text) && text[q] == ':' && (ends(text, q+1) || len(y.flow) > 0 || q == *p)
	if isFirst && col >= 0 && y.keyCol >= 0 {
		col = y.keyCol
	}
	if isFirst {
		y.firstLen = n
	}
	if len(y.flow) > 0 {
		// In a flow collection, a key is all the scalars since the
		// last ',' (a plain key may go on over lines: "{a\n b: 1}").
		f := &y.flow[len(y.flow)-1]
		if isKey {
			f.key, f.pend = f.pend+n, 0
			if y.lim.MaxKey > 0 && f.key > y.lim.MaxKey {
				return y.fail(max(col, 0), "a key of more than %s bytes", Count(int64(y.lim.MaxKey)))
			}
		} else {
			f.pend += n + 1
		}
	}
	switch {
	case isKey && isFirst && col >= 0:
		// Also a block key when first on its line (in a flow
		// collection, JSON written one key per line, it over-counts).
		if y.qcol >= 0 && col <= y.qcol {
			y.qcol = -1 // "? a" without a value, then a key
		}
		y.lineKey = true
		if err := y.key(col, n); err != nil {
			return err
		}
		// go-yaml may make one key of plain scalars on the lines
		// before and this one: their length counts in the path (not in
		// the key's limit, which a wrapped description would pass).
		y.block[len(y.block)-1].path += int64(y.sinceKey)
	case isFirst && col >= 0 && y.qcol >= 0:
		// The text of a "? key": counted by qmoreKey.
	case isFirst && col >= 0:
		y.notKey(col)
	}
	if isKey {
		// go-yaml allocates up to five path strings for a key: the
		// key's, the entry's, the value's (null when none is written).
		for range 3 {
			if err := y.path(max(col, 0)); err != nil {
				return err
			}
		}
	}
	return y.node(max(col, 0))
}

// quoted reads a quoted scalar's bytes from text[p] up to its closing
// quote, returning the offset after it; y.quote stays set when the line
// ends first.
func (y *yscan) quoted(text []byte, p int) (int, error) {
	q := y.quote
	start := p
	for p < len(text) {
		c := text[p]
		if q == '"' && c == '\\' {
			p += 2
			continue
		}
		if c == q {
			if q == '\'' && p+1 < len(text) && text[p+1] == '\'' {
				p += 2
				continue
			}
			y.quote = 0
			y.qLen += p - start
			p++
			break
		}
		p++
	}
	if y.quote != 0 {
		y.qLen += len(text) - start + 1
		p = len(text)
	}
	if y.lim.MaxString > 0 && y.qLen > y.lim.MaxString {
		return p, y.failAt(y.qOff, "a quoted string of more than %s bytes", Count(int64(y.lim.MaxString)))
	}
	return p, nil
}

// blockHeader reports whether rest, after | or >, is a block scalar's
// header: indentation and chomping indicators, then spaces and a comment.
func blockHeader(rest []byte) bool {
	i := 0
	for i < len(rest) && (rest[i] == '+' || rest[i] == '-' || rest[i] >= '1' && rest[i] <= '9') {
		i++
	}
	if i < len(rest) && !space(rest[i]) {
		return false
	}
	for i < len(rest) && space(rest[i]) {
		i++
	}
	return i == len(rest) || rest[i] == '#'
}

// Package textlimit checks the shape of JSON and YAML text in one linear
// pass, before a decoder whose time or memory can grow much faster than
// the text sees it: encoding/json decoding into interface values spends
// about 40 bytes per byte of a long array, and go-yaml parses a block
// mapping in time that grows with the square of its keys, keeps a path
// string per node (so long keys above many values multiply) and spends
// some 500 bytes per token.
//
// The scan does not validate: it counts what the decoder will build, and
// refuses text over a limit with an *Error that says which limit and
// where. Where the text is ambiguous to a scan that is not a full parser
// (YAML), it over-counts values rather than keys, so that a valid file is
// refused only when it is truly near a limit.
package textlimit

import (
	"fmt"
	"strconv"
)

// Limits bound a text's shape; a zero field is no limit.
type Limits struct {
	MaxDepth  int // collections nested in one another (JSON)
	MaxItems  int // elements of one array or sequence
	MaxKeys   int // keys of one object or mapping
	MaxValues int // JSON: values and keys in all; YAML: tokens in all (values, keys, punctuation, comments)
	MaxString int // bytes of one string or scalar (a YAML block scalar: all its lines)
	MaxKey    int // bytes of one key
	// MaxPaths bounds the bytes of the paths go-yaml stores, one per
	// node ("$.layers[3].units"): long keys above many values (YAML).
	MaxPaths int64
	MaxDocs  int // YAML document markers (--- and ...)
}

// Error is a text over a limit, at a 1-based line and column (in bytes).
type Error struct {
	Line, Col int
	Msg       string
}

func (e *Error) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

// Count writes n with thousands separators, as the messages do.
func Count(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n < 0 {
		return "-" + Count(-n)
	}
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := 0; i < len(s); i++ {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// lines tracks line and column for messages from a byte offset moving
// forward, so positions cost nothing until an error.
type lines struct {
	src       []byte
	off, line int
	lineStart int
}

func (l *lines) pos(off int) (line, col int) {
	if l.line == 0 {
		l.line = 1
	}
	if off < l.off {
		l.off, l.line, l.lineStart = 0, 1, 0
	}
	for ; l.off < off && l.off < len(l.src); l.off++ {
		// \n, \r\n or a lone \r (YAML's line breaks).
		if c := l.src[l.off]; c == '\n' || c == '\r' && (l.off+1 == len(l.src) || l.src[l.off+1] != '\n') {
			l.line++
			l.lineStart = l.off + 1
		}
	}
	return l.line, off - l.lineStart + 1
}

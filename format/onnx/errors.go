package onnx

import (
	"strconv"
	"strings"
)

// Error reports malformed or unreadable input: where in the file, where in
// the model, and what is wrong.
type Error struct {
	File   string // file name, empty when decoding from an io.ReaderAt
	Offset int64  // byte offset in the file where the problem was found
	Path   string // field path, e.g. "graph.node[5].attribute[2]"
	Msg    string // what is wrong
	Err    error  // underlying I/O error, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	b.WriteString("offset ")
	b.WriteString(strconv.FormatInt(e.Offset, 10))
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying I/O error, if any.
func (e *Error) Unwrap() error { return e.Err }

// loc names a message or field within the model for error messages and node
// paths. Locs form a chain from the root; a chain is rendered only when a
// path is needed, so the common case allocates nothing.
type loc struct {
	up    *loc
	field string // field name, e.g. "node"; empty for a pre-rendered base
	base  string // pre-rendered path, used when field is empty
	index int    // element index for repeated fields, -1 for none
	key   string // element key (attribute name), shown instead of index
}

func (l *loc) String() string {
	var b strings.Builder
	l.render(&b)
	return b.String()
}

func (l *loc) render(b *strings.Builder) {
	if l == nil {
		return
	}
	if l.field == "" {
		b.WriteString(l.base)
		return
	}
	if l.up != nil {
		l.up.render(b)
		if b.Len() > 0 {
			b.WriteByte('.')
		}
	}
	b.WriteString(l.field)
	switch {
	case l.key != "":
		b.WriteByte('[')
		b.WriteString(l.key)
		b.WriteByte(']')
	case l.index >= 0:
		b.WriteByte('[')
		b.WriteString(strconv.Itoa(l.index))
		b.WriteByte(']')
	}
}

// child returns the loc of field name (not repeated) below l.
func (l *loc) child(field string) loc { return loc{up: l, field: field, index: -1} }

// elem returns the loc of element i of repeated field name below l.
func (l *loc) elem(field string, i int) loc { return loc{up: l, field: field, index: i} }

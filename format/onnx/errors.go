package onnx

import (
	"strconv"
	"strings"
)

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

package pbwire

import (
	"strconv"
	"strings"
)

// Loc names a message or field within the input for error messages and
// paths ("graph.node[5].attribute[kernel_shape]"). Locs form a chain
// from the root, usually on the stack; a chain is rendered only when a
// path is needed, so the common case allocates nothing.
type Loc struct {
	Up    *Loc
	Field string // field name, e.g. "node"; empty for a pre-rendered Base
	Base  string // pre-rendered path, used when Field is empty
	Index int    // element index for repeated fields, -1 for none
	Key   string // element key (an attribute's name), shown instead of Index
}

func (l *Loc) String() string {
	var b strings.Builder
	l.render(&b)
	return b.String()
}

func (l *Loc) render(b *strings.Builder) {
	if l == nil {
		return
	}
	if l.Field == "" {
		b.WriteString(l.Base)
		return
	}
	if l.Up != nil {
		l.Up.render(b)
		if b.Len() > 0 {
			b.WriteByte('.')
		}
	}
	b.WriteString(l.Field)
	switch {
	case l.Key != "":
		b.WriteByte('[')
		b.WriteString(l.Key)
		b.WriteByte(']')
	case l.Index >= 0:
		b.WriteByte('[')
		b.WriteString(strconv.Itoa(l.Index))
		b.WriteByte(']')
	}
}

// Child returns the Loc of field name (not repeated) below l.
func (l *Loc) Child(field string) Loc { return Loc{Up: l, Field: field, Index: -1} }

// Elem returns the Loc of element i of repeated field name below l.
func (l *Loc) Elem(field string, i int) Loc { return Loc{Up: l, Field: field, Index: i} }

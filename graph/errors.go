package graph

import (
	"fmt"
	"strconv"
	"strings"
)

// Error is a problem at a place in a model's source, the one positioned
// error type of every front-end and of inference:
//
//	model.py:12:5: layer conv2 (Conv2DLayer): filter size 7 is larger than the input 5
//
// Msg says what is wrong; Err, when set, is the cause (an
// errors.Is/As chain goes through it). A front-end that finds a problem
// before a node exists leaves Node nil and names the layer in Layer.
type Error struct {
	Pos   Pos
	Layer string // "layer conv2 (Conv2DLayer)"; "" outside a layer
	Node  *Node  // the node, when the error is about one already made
	Msg   string
	Err   error
}

// Errorf is an *Error at pos, outside a layer.
func Errorf(pos Pos, format string, args ...any) *Error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// LayerOf is how an error names node n: "layer conv2 (Conv2DLayer)".
func LayerOf(n *Node) string {
	if n == nil {
		return ""
	}
	return fmt.Sprintf("layer %s (%s)", n.Name, n.Type)
}

// NodeError is an *Error about node n, at its position, caused by err.
func NodeError(n *Node, err error) *Error {
	e := &Error{Node: n, Layer: LayerOf(n), Err: err}
	if n != nil {
		e.Pos = n.Pos
	}
	return e
}

func (e *Error) Error() string {
	var b strings.Builder
	if s := e.Pos.String(); s != "" {
		b.WriteString(s)
		b.WriteString(": ")
	}
	if e.Layer != "" {
		b.WriteString(e.Layer)
		b.WriteString(": ")
	}
	writeCause(&b, e.Msg, e.Err)
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// OffsetError is a problem at a byte offset of a binary file, the one
// such type of every binary reader:
//
//	model.onnx: offset 1234: graph.node[5].attribute[2]: truncated field
//	ckpt.pt: data.pkl offset 17: unknown pickle opcode 0xff
type OffsetError struct {
	File   string // the file; "" for an anonymous reader, Format is shown instead
	Format string // "onnx", "gguf", …: names an anonymous reader
	Entry  string // a member of an archive ("data.pkl"), "" for the file itself
	Offset int64  // byte offset in Entry or the file; negative when unknown
	Path   string // a field path ("graph.node[5]"), "" when none
	Msg    string
	Err    error // the cause (an I/O error, a budget error), if any
}

func (e *OffsetError) Error() string {
	var b strings.Builder
	switch {
	case e.File != "":
		b.WriteString(e.File)
		b.WriteString(": ")
	case e.Format != "":
		b.WriteString(e.Format)
		b.WriteString(": ")
	}
	if e.Entry != "" {
		b.WriteString(e.Entry)
		b.WriteByte(' ')
	}
	if e.Offset >= 0 {
		b.WriteString("offset ")
		b.WriteString(strconv.FormatInt(e.Offset, 10))
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	writeCause(&b, e.Msg, e.Err)
	return b.String()
}

// Unwrap returns the cause.
func (e *OffsetError) Unwrap() error { return e.Err }

// writeCause writes "msg: err", or whichever of the two there is.
func writeCause(b *strings.Builder, msg string, err error) {
	b.WriteString(msg)
	if err != nil {
		if msg != "" {
			b.WriteString(": ")
		}
		b.WriteString(err.Error())
	}
}

package graph

import (
	"errors"
	"io"
	"testing"
)

func TestErrorText(t *testing.T) {
	n := &Node{Name: "conv2", Type: "Conv2DLayer", Pos: Pos{File: "m.py", Line: 12, Col: 5}}
	cases := []struct {
		err  error
		want string
	}{
		{NodeError(n, errors.New("filter 7 > input 5")), "m.py:12:5: layer conv2 (Conv2DLayer): filter 7 > input 5"},
		{Errorf(Pos{File: "s.yaml", Line: 3, Col: 1}, "unknown key %q", "x"), `s.yaml:3:1: unknown key "x"`},
		{&Error{Msg: "bare"}, "bare"},
		{&OffsetError{File: "m.onnx", Offset: 1234, Path: "graph.node[5]", Msg: "truncated"}, "m.onnx: offset 1234: graph.node[5]: truncated"},
		{&OffsetError{Format: "torchpt", Entry: "data.pkl", Offset: 17, Msg: "bad opcode"}, "torchpt: data.pkl offset 17: bad opcode"},
		{&OffsetError{File: "x.gguf", Offset: -1, Msg: "short read", Err: io.ErrUnexpectedEOF}, "x.gguf: short read: unexpected EOF"},
	}
	for _, c := range cases {
		if got := c.err.Error(); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
	if !errors.Is(&OffsetError{Err: io.ErrUnexpectedEOF}, io.ErrUnexpectedEOF) {
		t.Error("OffsetError does not unwrap its cause")
	}
	var ge *Error
	if !errors.As(NodeError(n, io.EOF), &ge) || ge.Node != n || !errors.Is(ge, io.EOF) {
		t.Error("NodeError does not keep its node and cause")
	}
}

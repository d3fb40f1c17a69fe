package web

import (
	"strings"
	"testing"
)

// FuzzErrorPosition: the position read from any error message and the
// source line cut from any file never panic; a position found is the
// one the message starts with, and the line has no line break.
func FuzzErrorPosition(f *testing.F) {
	f.Add("bad.yaml:3:5: layer fc (dense): missing", "bad.yaml", []byte("a\nb\n  - {name: fc}\n"))
	f.Add("m.py:12: x", "m.py", []byte("\t\tx\r\n"))
	f.Add("m.onnx: node 3", "m.onnx", []byte{0, 1, 2})
	f.Add("::", ":", []byte(""))
	f.Fuzz(func(t *testing.T, msg, name string, src []byte) {
		line, col, ok := position(msg, name)
		if ok && (line <= 0 || col < 0 || !strings.HasPrefix(msg, name+":")) {
			t.Fatalf("position(%q, %q) = %d, %d", msg, name, line, col)
		}
		if s, ok := sourceLine(src, line); ok && strings.ContainsAny(s, "\n\t") {
			t.Fatalf("sourceLine gave %q", s)
		}
	})
}

package graph

import (
	"strings"
	"testing"
)

type nop struct{}

func (nop) Infer(*Node) error { return nil }

func TestValidate(t *testing.T) {
	g := &Graph{}
	in := &Value{Name: "x"}
	g.Inputs = []*Value{in}
	a := g.NewNode("a", "T", nop{}, []*Value{in}, 1, Pos{})
	b := g.NewNode("b", "T", nop{}, []*Value{a.Outputs[0]}, 2, Pos{})
	g.Outputs = []*Value{b.Outputs[1]}
	if err := g.Validate(); err != nil {
		t.Fatalf("valid graph: %v", err)
	}
	if b.Outputs[1].Name != "b:1" {
		t.Errorf("second output named %q", b.Outputs[1].Name)
	}
	stray := &Value{Name: "stray"}
	g.NewNode("a", "T", nil, []*Value{stray}, 1, Pos{File: "m.py", Line: 3, Col: 1})
	err := g.Validate()
	for _, want := range []string{`two nodes are named "a"`, "has no op", `"stray") comes from nowhere`, "m.py:3:1"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want it to mention %q", err, want)
		}
	}
}

func TestShape(t *testing.T) {
	s := Shape{Unknown(), D(3), Symbol("seq")}
	if s.String() != "Nonex3xseq" || s.Known() {
		t.Errorf("shape %s known=%v", s, s.Known())
	}
	if got := S(2, 3, 4).Numel().Equation(); got != "2*3*4 = 24" {
		t.Errorf("numel %q", got)
	}
	if (Shape{}).Join(",") != "scalar" {
		t.Error("scalar")
	}
	if a, ok := Axis(-1, 4); !ok || a != 3 {
		t.Error("axis -1")
	}
	if _, ok := Axis(4, 4); ok {
		t.Error("axis 4 of 4")
	}
}

package infer_test

import (
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/infer"
)

type opFunc func(n *graph.Node) error

func (f opFunc) Infer(n *graph.Node) error { return f(n) }

// An op returning an UnknownError does not stop inference: its outputs
// stay unknown, the reason is noted, its parameter inputs are counted,
// and its FLOPs are unknown.
func TestUnknownOutputs(t *testing.T) {
	g := &graph.Graph{}
	x := &graph.Value{Name: "x", Shape: graph.S(1, 4), DType: graph.Float32}
	w := &graph.Value{Name: "w", Shape: graph.S(4, 4), DType: graph.Float32,
		Param: &graph.Param{Name: "w", Shape: graph.S(4, 4), DType: graph.Float32, Trainable: true}}
	g.Inputs = []*graph.Value{x}
	custom := g.NewNode("custom", "Foo", opFunc(func(n *graph.Node) error {
		n.FLOPs = calc.N(7) // discarded: the node is unknown
		return graph.Unknownf("operator Foo is not supported")
	}), []*graph.Value{x, w}, 1, graph.Pos{})
	next := g.NewNode("next", "Bar", opFunc(func(n *graph.Node) error {
		if n.In(0) != nil {
			t.Error("the unknown output has a shape")
		}
		return graph.Unknownf("input 0 has an unknown shape")
	}), custom.Outputs, 1, graph.Pos{})
	if err := infer.Run(g, infer.Options{}); err != nil {
		t.Fatal(err)
	}
	if !custom.Done || !next.Done {
		t.Error("unknown nodes are not done: the walk would stop after them")
	}
	if custom.Outputs[0].Shape != nil || custom.FLOPs.Known() || !strings.Contains(strings.Join(custom.Notes(), ""), "not supported") {
		t.Errorf("custom: shape %v, FLOPs %q, notes %q", custom.Outputs[0].Shape, custom.FLOPs.Equation(), custom.Notes())
	}
	if v, ok := custom.Count.Value(); !ok || v != 16 || len(custom.Params) != 1 {
		t.Errorf("custom counts %q, want the 16 elements of w", custom.Count.Equation())
	}
	// Any other error still stops the walk.
	g2 := &graph.Graph{Inputs: []*graph.Value{x}}
	g2.NewNode("bad", "Baz", opFunc(func(*graph.Node) error { return errString("broken") }), []*graph.Value{x}, 1, graph.Pos{})
	if err := infer.Run(g2, infer.Options{}); err == nil || !strings.Contains(err.Error(), "broken") {
		t.Errorf("error %v", err)
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func TestProgress(t *testing.T) {
	g := &graph.Graph{}
	x := &graph.Value{Name: "x", Shape: graph.S(2), DType: graph.Float32}
	g.Inputs = []*graph.Value{x}
	for _, name := range []string{"a", "b", "c"} {
		n := g.NewNode(name, "T", opFunc(func(n *graph.Node) error { n.SetOut(0, graph.S(2)); return nil }), []*graph.Value{x}, 1, graph.Pos{})
		x = n.Outputs[0]
	}
	var calls []int
	if err := infer.Run(g, infer.Options{Progress: func(done, total int) {
		if total != 3 {
			t.Errorf("total %d", total)
		}
		calls = append(calls, done)
	}}); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 3 || calls[2] != 2 {
		t.Errorf("progress calls %v", calls)
	}
}

package onnx

import (
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/graph"
)

// TestUndeclaredInputAsks: an input with no declared shape gets a note
// saying what is unknown, naming no option, and an ask for its shape;
// given the shape, neither.
func TestUndeclaredInputAsks(t *testing.T) {
	noShape := pb{}.str(valueInfoName, "X").msg(valueInfoType, pb{}.msg(typeTensor, pb{}.int(tensorTypeElem, int64(Float))))
	model := bModel(bGraph(
		[]pb{bNode("relu", "Relu", []string{"X"}, []string{"Y"})},
		nil,
		[]pb{noShape},
		[]pb{bValueInfo("Y", Float)},
	))
	g, _ := build(t, model, Options{})
	want := "input X has no declared shape: what depends on it is unknown"
	if len(g.Notes) == 0 || g.Notes[0] != want {
		t.Errorf("notes %q, want %q", g.Notes, want)
	}
	if a := g.Asks; len(a) != 1 || a[0] != (graph.Ask{What: "the shape of input X", Option: "input-shape", Value: "X=…"}) {
		t.Errorf("asks %+v, want the shape of X", a)
	}
	g, _ = build(t, model, Options{InputShapes: map[string][]int64{"X": {2, 3}}})
	if len(g.Asks) != 0 || strings.Contains(strings.Join(g.Notes, " "), "no declared shape") {
		t.Errorf("with the shape given: notes %q, asks %+v", g.Notes, g.Asks)
	}
}

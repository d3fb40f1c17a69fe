package onnx

import (
	"bytes"
	"slices"
	"testing"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/infer"
)

// TestOpsetTranslation: an operator whose attribute became an input in a
// later opset gives the same shapes either way. The expected shapes are
// worked out by hand from the operator specifications.
func TestOpsetTranslation(t *testing.T) {
	f := func(name string, vs ...float32) pb {
		return bTensor(name, Float, int64(len(vs))).bytes(protowireRaw, le32(vs...))
	}
	for _, c := range []struct {
		name   string
		opset  int64
		x      []any // the input X's shape (float32)
		node   pb
		consts []pb // initializers
		want   []graph.Shape
	}{
		// Only axis 2 goes: axis 0, also of size 1, stays.
		{"Squeeze-11 axes attribute", 11, []any{1, 2, 1, 3}, bNode("n", "Squeeze", []string{"X"}, []string{"y"}, bAttrInts("axes", 2)), nil,
			[]graph.Shape{graph.S(1, 2, 3)}},
		{"Squeeze-13 axes input", 13, []any{1, 2, 1, 3}, bNode("n", "Squeeze", []string{"X", "A"}, []string{"y"}), []pb{bInts("A", 2)},
			[]graph.Shape{graph.S(1, 2, 3)}},
		{"Unsqueeze-11 axes attribute", 11, []any{3, 4}, bNode("n", "Unsqueeze", []string{"X"}, []string{"y"}, bAttrInts("axes", 0, 3)), nil,
			[]graph.Shape{graph.S(1, 3, 4, 1)}},
		{"Unsqueeze-13 axes input", 13, []any{3, 4}, bNode("n", "Unsqueeze", []string{"X", "A"}, []string{"y"}), []pb{bInts("A", 0, 3)},
			[]graph.Shape{graph.S(1, 3, 4, 1)}},
		// 0 copies the input's size, -1 takes the rest: (2, 3*4).
		{"Reshape-1 shape attribute", 1, []any{2, 3, 4}, bNode("n", "Reshape", []string{"X"}, []string{"y"}, bAttrInts("shape", 0, -1)), nil,
			[]graph.Shape{graph.S(2, 12)}},
		{"Reshape-14 shape input", 14, []any{2, 3, 4}, bNode("n", "Reshape", []string{"X", "S"}, []string{"y"}), []pb{bInts("S", 0, -1)},
			[]graph.Shape{graph.S(2, 12)}},
		// allowzero: a 0 is a size of 0 (2*0 = 0 elements either way).
		{"Reshape-14 allowzero", 14, []any{2, 0}, bNode("n", "Reshape", []string{"X", "S"}, []string{"y"}, bAttrInt("allowzero", 1)), []pb{bInts("S", 0, 5)},
			[]graph.Shape{graph.S(0, 5)}},
		// Axis 1 of 6 from 1 to 3: 2 elements.
		{"Slice-1 attributes", 1, []any{4, 6}, bNode("n", "Slice", []string{"X"}, []string{"y"}, bAttrInts("starts", 1), bAttrInts("ends", 3), bAttrInts("axes", 1)), nil,
			[]graph.Shape{graph.S(4, 2)}},
		{"Slice-13 inputs", 13, []any{4, 6}, bNode("n", "Slice", []string{"X", "B", "E", "A"}, []string{"y"}), []pb{bInts("B", 1), bInts("E", 3), bInts("A", 1)},
			[]graph.Shape{graph.S(4, 2)}},
		{"Split-11 split attribute", 11, []any{6, 5}, bNode("n", "Split", []string{"X"}, []string{"y", "z"}, bAttrInts("split", 2, 4)), nil,
			[]graph.Shape{graph.S(2, 5), graph.S(4, 5)}},
		{"Split-13 split input", 13, []any{6, 5}, bNode("n", "Split", []string{"X", "P"}, []string{"y", "z"}), []pb{bInts("P", 2, 4)},
			[]graph.Shape{graph.S(2, 5), graph.S(4, 5)}},
		// Width 4 padded by 1 on each side: 6.
		{"Pad-2 pads attribute", 2, []any{4, 4}, bNode("n", "Pad", []string{"X"}, []string{"y"}, bAttrInts("pads", 0, 1, 0, 1)), nil,
			[]graph.Shape{graph.S(4, 6)}},
		{"Pad-11 pads input", 11, []any{4, 4}, bNode("n", "Pad", []string{"X", "P"}, []string{"y"}), []pb{bInts("P", 0, 1, 0, 1)},
			[]graph.Shape{graph.S(4, 6)}},
		{"TopK-1 k attribute", 1, []any{2, 10}, bNode("n", "TopK", []string{"X"}, []string{"v", "i"}, bAttrInt("k", 3)), nil,
			[]graph.Shape{graph.S(2, 3), graph.S(2, 3)}},
		{"TopK-11 k input", 11, []any{2, 10}, bNode("n", "TopK", []string{"X", "K"}, []string{"v", "i"}), []pb{bInts("K", 3)},
			[]graph.Shape{graph.S(2, 3), graph.S(2, 3)}},
		{"ReduceMean-13 axes attribute", 13, []any{2, 3, 4}, bNode("n", "ReduceMean", []string{"X"}, []string{"y"}, bAttrInts("axes", 1), bAttrInt("keepdims", 0)), nil,
			[]graph.Shape{graph.S(2, 4)}},
		{"ReduceMean-18 axes input", 18, []any{2, 3, 4}, bNode("n", "ReduceMean", []string{"X", "A"}, []string{"y"}, bAttrInt("keepdims", 0)), []pb{bInts("A", 1)},
			[]graph.Shape{graph.S(2, 4)}},
		{"ReduceSum-11 axes attribute", 11, []any{2, 3, 4}, bNode("n", "ReduceSum", []string{"X"}, []string{"y"}, bAttrInts("axes", 2)), nil,
			[]graph.Shape{graph.S(2, 3, 1)}},
		{"ReduceSum-13 axes input", 13, []any{2, 3, 4}, bNode("n", "ReduceSum", []string{"X", "A"}, []string{"y"}), []pb{bInts("A", 2)},
			[]graph.Shape{graph.S(2, 3, 1)}},
		// floor(4*2) = 8 on the spatial axes.
		{"Upsample-7 scales attribute", 7, []any{1, 3, 4, 4}, bNode("n", "Upsample", []string{"X"}, []string{"y"}, bAttrFloats("scales", 1, 1, 2, 2)), nil,
			[]graph.Shape{graph.S(1, 3, 8, 8)}},
		{"Upsample-9 scales input", 9, []any{1, 3, 4, 4}, bNode("n", "Upsample", []string{"X", "S"}, []string{"y"}), []pb{f("S", 1, 1, 2, 2)},
			[]graph.Shape{graph.S(1, 3, 8, 8)}},
		{"Resize-13 scales input 2", 13, []any{1, 3, 4, 4}, bNode("n", "Resize", []string{"X", "", "S"}, []string{"y"}), []pb{f("S", 1, 1, 2, 2)},
			[]graph.Shape{graph.S(1, 3, 8, 8)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := runModel(t, c.opset, c.x, c.node, c.consts)
			for i, want := range c.want {
				if got := n.Outputs[i].Shape; !got.Equal(want) || got == nil {
					t.Errorf("output %d: %s, want %s (%v; %v)", i, fmtDims(got), fmtDims(want), n.ShapeWhy(), n.Notes())
				}
			}
		})
	}
}

// TestModFmod: ONNX's Mod takes the sign of the divisor (Python's %), or
// of the dividend with fmod=1 (C's fmod): -7 mod 3 is 2, fmod(-7, 3) is -1.
func TestModFmod(t *testing.T) {
	for _, c := range []struct {
		fmod int64
		want []int64
	}{{0, []int64{2, 1}}, {1, []int64{-1, 1}}} {
		nd := bNode("n", "Mod", []string{"A", "B"}, []string{"y"}, bAttrInt("fmod", c.fmod))
		n := runModel(t, 13, nil, nd, []pb{bInts("A", -7, 7), bInts("B", 3)})
		if k := n.Outputs[0].Const; k == nil || !slices.Equal(k.Ints, c.want) {
			t.Errorf("fmod=%d: %+v, want %v", c.fmod, k, c.want)
		}
	}
}

// runModel builds a model of one node at the given opset, with a float
// input X of shape x (none when nil) and the initializers consts, infers
// it and returns the node.
func runModel(t *testing.T, opset int64, x []any, node pb, consts []pb) *graph.Node {
	t.Helper()
	var inputs []pb
	if x != nil {
		inputs = append(inputs, bValueInfo("X", Float, x...))
	}
	model := pb{}.int(modelIRVersion, 7).msg(modelOpsetImport, bOpset("", opset)).
		str(modelProducerName, "test").msg(modelGraph, bGraph([]pb{node}, consts, inputs, nil))
	m, err := Decode(bytes.NewReader(model), int64(len(model)))
	if err != nil {
		t.Fatal(err)
	}
	g, err := Build("test.onnx", m, bytes.NewReader(model), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := infer.Run(g, infer.Options{}); err != nil {
		t.Fatal(err)
	}
	for _, n := range g.Nodes {
		if n.Name == "n" {
			return n
		}
	}
	t.Fatal("no node n")
	return nil
}

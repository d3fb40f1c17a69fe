package onnx

import (
	"bytes"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/stats"
)

// Hand-built models (protowire) for what the reference fixtures do not
// have: unsupported operators, symbolic inputs, functions, control flow.

func bGraph(nodes []pb, inits []pb, inputs, outputs []pb) pb {
	g := pb{}.str(graphName, "g")
	for _, n := range nodes {
		g = g.msg(graphNode, n)
	}
	for _, t := range inits {
		g = g.msg(graphInitializer, t)
	}
	for _, v := range inputs {
		g = g.msg(graphInput, v)
	}
	for _, v := range outputs {
		g = g.msg(graphOutput, v)
	}
	return g
}

func bInts(name string, vals ...int64) pb {
	return bTensor(name, Int64, int64(len(vals))).bytes(protowireRaw, le64(vals...))
}

func bScalarInt(name string, v int64) pb {
	return bTensor(name, Int64).bytes(protowireRaw, le64(v))
}

const protowireRaw = 9 // TensorProto.raw_data

func bDomainNode(name, domain, op string, inputs, outputs []string) pb {
	return bNode(name, op, inputs, outputs).str(nodeDomain, domain)
}

// build decodes, builds and infers a model from bytes.
func build(t *testing.T, model pb, opt Options) (*graph.Graph, *stats.Report) {
	t.Helper()
	m, err := Decode(bytes.NewReader(model), int64(len(model)))
	if err != nil {
		t.Fatal(err)
	}
	g, err := Build("test.onnx", m, bytes.NewReader(model), opt)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := infer.Run(g, infer.Options{}); err != nil {
		t.Fatal(err)
	}
	r, err := stats.Build(g)
	if err != nil {
		t.Fatal(err)
	}
	return g, r
}

func layer(t *testing.T, r *stats.Report, name string) stats.Layer {
	t.Helper()
	for _, l := range r.Layers {
		if l.Name == name {
			return l
		}
	}
	t.Fatalf("no layer %q", name)
	return stats.Layer{}
}

// TestUnsupportedOpInTheMiddle: a custom-domain operator between two
// convolutions is named with a note, its outputs are unknown, and the
// rest of the graph is still analysed (parameters counted, FLOPs partial,
// never a silent zero).
func TestUnsupportedOpInTheMiddle(t *testing.T) {
	_, r := build(t, unsupportedModel(), Options{})

	foo := layer(t, r, "b") // no name: named after its first output
	if foo.Op != "com.example.Foo" || foo.OutputShapes[0] != nil || foo.FLOPs != nil ||
		!strings.Contains(strings.Join(foo.Notes, " "), `operator Foo of domain "com.example" is not supported`) {
		t.Errorf("the custom op's row: %+v", foo)
	}
	c1 := layer(t, r, "conv1")
	if s := c1.OutputShapes[0].Dims(); len(s) < 2 || !s[1].Known() || s[1].Size != 4 || c1.Params != 4*3*3*3 || c1.FLOPs == nil || *c1.FLOPs != 2*3*3*3*4*8*8 {
		t.Errorf("conv1 before the custom op: %+v", c1)
	}
	c2 := layer(t, r, "conv2")
	if c2.Params != 2*4+2 || c2.FLOPs != nil || c2.OutputShapes[0] != nil || len(c2.Notes) == 0 {
		t.Errorf("conv2 after it: params %d (want 10), FLOPs %v, shape %v, notes %v", c2.Params, c2.FLOPs, c2.OutputShapes, c2.Notes)
	}
	if r.Totals.Params != 4*3*3*3+2*4+2 || r.Totals.FLOPs != nil || r.Totals.FLOPsLowerBound == nil || *r.Totals.FLOPsLowerBound != 2*3*3*3*4*8*8 {
		t.Errorf("totals: %+v", r.Totals)
	}
	if !strings.Contains(strings.Join(r.Notes, " "), "FLOPs are unknown for 3 layer(s) (b, relu, conv2)") {
		t.Errorf("report notes %q do not name the layers of unknown FLOPs", r.Notes)
	}
}

// symbolicModel has a (N, 3, 8, 8) input, flattened for a Gemm through
// the Shape → Gather → Unsqueeze → Concat → Reshape chain exporters write.
func symbolicModel() pb {
	return bModel(bGraph(
		[]pb{
			bNode("conv", "Conv", []string{"X", "W"}, []string{"a"}, bAttrInts("pads", 1, 1, 1, 1)),
			bNode("shape", "Shape", []string{"a"}, []string{"s"}),
			bNode("c0", "Constant", nil, []string{"zero"}, bAttrTensor("value", bScalarInt("", 0))),
			bNode("gather", "Gather", []string{"s", "zero"}, []string{"n"}),
			bNode("c1", "Constant", nil, []string{"axes"}, bAttrTensor("value", bInts("", 0))),
			bNode("unsq", "Unsqueeze", []string{"n", "axes"}, []string{"n1"}),
			bNode("c2", "Constant", nil, []string{"minus1"}, bAttrTensor("value", bInts("", -1))),
			bNode("cat", "Concat", []string{"n1", "minus1"}, []string{"target"}, bAttrInt("axis", 0)),
			bNode("reshape", "Reshape", []string{"a", "target"}, []string{"flat"}),
			bNode("fc", "Gemm", []string{"flat", "FW", "FB"}, []string{"y"}, bAttrInt("transB", 1)),
		},
		[]pb{bTensor("W", Float, 4, 3, 3, 3), bTensor("FW", Float, 10, 256), bTensor("FB", Float, 10)},
		[]pb{bValueInfo("X", Float, "N", 3, 8, 8)},
		[]pb{bValueInfo("y", Float, "N", 10)},
	))
}

func TestSymbolicBatch(t *testing.T) {
	g, r := build(t, symbolicModel(), Options{})
	out := g.Outputs[0].Shape
	if !out.Equal(graph.Shape{graph.Symbol("N"), graph.D(10)}) {
		t.Errorf("output %s, want (N, 10): the symbolic batch survives Shape → Gather → Reshape", out)
	}
	// FLOPs per example: the unknown batch is left out.
	if r.Totals.FLOPs == nil || *r.Totals.FLOPs != 2*3*3*3*4*8*8+2*256*10 {
		t.Errorf("FLOPs %v, want %d per example", r.Totals.FLOPs, 2*3*3*3*4*8*8+2*256*10)
	}
	if r.Totals.Params != 4*3*3*3+10*256+10 || r.Totals.NonTrainableParams != 0 {
		t.Errorf("params %+v", r.Totals)
	}

	g, r = build(t, symbolicModel(), Options{InputShapes: map[string][]int64{"X": {2, 3, 8, 8}}})
	if out := g.Outputs[0].Shape; !out.Equal(graph.S(2, 10)) {
		t.Errorf("with --input-shape X=2x3x8x8: output %s, want (2, 10)", out)
	}
	if r.Totals.FLOPs == nil || *r.Totals.FLOPs != 2*(2*3*3*3*4*8*8+2*256*10) {
		t.Errorf("FLOPs %v for a batch of 2", r.Totals.FLOPs)
	}
	m, _ := Decode(bytes.NewReader(symbolicModel()), int64(len(symbolicModel())))
	if _, err := Build("t.onnx", m, nil, Options{InputShapes: map[string][]int64{"Y": {1}}}); err == nil || !strings.Contains(err.Error(), `no input named "Y" (inputs: X)`) {
		t.Errorf("a shape for a missing input: %v", err)
	}
}

func TestFunctionInlined(t *testing.T) {
	g, r := build(t, functionModel(), Options{})
	if out := g.Outputs[0].Shape; !out.Equal(graph.S(1, 4, 4, 4)) {
		t.Errorf("output %s, want (1, 4, 4, 4): the call's stride 2 reaches the body's Conv", out)
	}
	c := layer(t, r, "block1/conv")
	if c.Params != 108 || c.Op != "Conv" {
		t.Errorf("inlined conv: %+v", c)
	}
	layer(t, r, "block1/act")
}

func TestIfAndLoop(t *testing.T) {
	g, r := build(t, controlModel(), Options{})
	if z := layer(t, r, "if").OutputShapes[0]; !z.Dims().Equal(graph.S(2, 3)) {
		t.Errorf("If output %v, want (2, 3)", z)
	}
	if f := g.Outputs[0].Shape; !f.Equal(graph.S(2, 3)) {
		t.Errorf("Loop final value %s, want (2, 3)", f)
	}
	if s := g.Outputs[1].Shape; !s.Equal(graph.S(5, 2, 3)) {
		t.Errorf("Loop scan output %s, want (5, 2, 3): 5 iterations stacked", s)
	}
	// Initializers inside the bodies are counted: B (else) and ONE (body),
	// and the trip count M (an integer, not trainable).
	if r.Totals.Params != 3+3+1 || r.Totals.TrainableParams != 6 {
		t.Errorf("params %d (trainable %d), want 7 (6)", r.Totals.Params, r.Totals.TrainableParams)
	}
	layer(t, r, "if/else/e")
	layer(t, r, "loop/body/step")
}

func TestSniff(t *testing.T) {
	for _, c := range []struct {
		name string
		head []byte
		want bool
	}{
		{"model.onnx", nil, true},
		{"MODEL.ONNX", nil, true},
		{"model.bin", []byte(symbolicModel()[:16]), true},
		{"model.py", []byte("import lasagne\n"), false},
		{"x", []byte{0x08, 0x07}, false},
	} {
		if got := Sniff(c.name, c.head); got != c.want {
			t.Errorf("Sniff(%q, % x) = %v", c.name, c.head, got)
		}
	}
}

// unsupportedModel has a custom-domain operator between two convolutions.
func unsupportedModel() pb {
	return bModel(bGraph(
		[]pb{
			bNode("conv1", "Conv", []string{"X", "W1"}, []string{"a"}, bAttrInts("pads", 1, 1, 1, 1)),
			bDomainNode("", "com.example", "Foo", []string{"a"}, []string{"b"}),
			bNode("relu", "Relu", []string{"b"}, []string{"c"}),
			bNode("conv2", "Conv", []string{"c", "W2", "B2"}, []string{"y"}),
		},
		[]pb{bTensor("W1", Float, 4, 3, 3, 3), bTensor("W2", Float, 2, 4, 1, 1), bTensor("B2", Float, 2)},
		[]pb{bValueInfo("X", Float, 1, 3, 8, 8)},
		[]pb{bValueInfo("y", Float)},
	), pb{}.msg(modelOpsetImport, bOpset("com.example", 1)))
}

// functionModel calls a model-local function whose Conv takes its stride
// from the call's attribute.
func functionModel() pb {
	fn := pb{}.str(funcName, "Block").str(funcDomain, "local").
		str(funcInput, "x").str(funcInput, "w").str(funcOutput, "y").
		msg(funcNode, bNode("conv", "Conv", []string{"x", "w"}, []string{"t"}, pb{}.str(attrName, "strides").str(attrRefAttrName, "stride").int(attrType, int64(AttrInts)))).
		msg(funcNode, bNode("act", "Relu", []string{"t"}, []string{"y"})).
		str(funcAttribute, "stride").
		msg(funcOpsetImport, bOpset("", 18))
	return bModel(bGraph(
		[]pb{bDomainNode("block1", "local", "Block", []string{"X", "W"}, []string{"Y"}).msg(nodeAttribute, bAttrInts("stride", 2, 2))},
		[]pb{bTensor("W", Float, 4, 3, 3, 3)},
		[]pb{bValueInfo("X", Float, 1, 3, 9, 9)},
		[]pb{bValueInfo("Y", Float)},
	), pb{}.msg(modelOpsetImport, bOpset("local", 1)), pb{}.msg(modelFunctions, fn))
}

// controlModel has an If whose else branch holds an initializer, feeding
// a Loop of 5 iterations with a per-iteration output.
func controlModel() pb {
	then := bGraph([]pb{bNode("t", "Identity", []string{"X"}, []string{"tx"})}, nil, nil, []pb{bValueInfo("tx", Float)})
	els := bGraph([]pb{bNode("e", "Add", []string{"X", "B"}, []string{"ex"})}, []pb{bTensor("B", Float, 3)}, nil, []pb{bValueInfo("ex", Float)})
	body := bGraph(
		[]pb{
			bNode("step", "Add", []string{"v", "ONE"}, []string{"v2"}),
			bNode("keep", "Identity", []string{"c"}, []string{"c2"}),
			bNode("scan", "Relu", []string{"v2"}, []string{"s"}),
		},
		[]pb{bTensor("ONE", Float, 3)},
		[]pb{bValueInfo("i", Int64), bValueInfo("c", Bool), bValueInfo("v", Float)},
		[]pb{bValueInfo("c2", Bool), bValueInfo("v2", Float), bValueInfo("s", Float)},
	)
	return bModel(bGraph(
		[]pb{
			bNode("if", "If", []string{"C"}, []string{"Z"}, bAttrGraph("then_branch", then), bAttrGraph("else_branch", els)),
			bNode("loop", "Loop", []string{"M", "", "Z"}, []string{"final", "stack"}, bAttrGraph("body", body)),
		},
		[]pb{bScalarInt("M", 5)},
		[]pb{bValueInfo("C", Bool), bValueInfo("X", Float, 2, 3)},
		[]pb{bValueInfo("final", Float), bValueInfo("stack", Float)},
	))
}

// TestValueInfoCrossCheck: value_info is not used to infer, only compared,
// and a disagreement is noted on the node.
func TestValueInfoCrossCheck(t *testing.T) {
	model := bModel(bGraph(
		[]pb{bNode("conv", "Conv", []string{"X", "W"}, []string{"a"}, bAttrInts("pads", 1, 1, 1, 1)),
			bNode("relu", "Relu", []string{"a"}, []string{"y"})},
		[]pb{bTensor("W", Float, 4, 3, 3, 3)},
		[]pb{bValueInfo("X", Float, 1, 3, 8, 8)},
		[]pb{bValueInfo("y", Float, 1, 4, 8, 8)},
	).msg(graphValueInfo, bValueInfo("a", Float, 1, 5, 8, "h")))
	_, r := build(t, model, Options{})
	conv := layer(t, r, "conv")
	if s := conv.OutputShapes[0].Dims(); !s.Equal(graph.S(1, 4, 8, 8)) {
		t.Errorf("conv output %s, want (1, 4, 8, 8) from its own inference", s)
	}
	if !strings.Contains(strings.Join(conv.Notes, " "), "value_info says a is (1, 5, 8, h); layerinfo infers (1, 4, 8, 8)") {
		t.Errorf("conv notes %q", conv.Notes)
	}
	if n := layer(t, r, "relu").Notes; len(n) != 0 {
		t.Errorf("relu agrees with the graph output's declared shape, but has notes %q", n)
	}
}

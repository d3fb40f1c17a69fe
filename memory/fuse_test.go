package memory

import (
	"testing"

	"github.com/layerinfo/layerinfo/graph"
)

// chain builds x (2x4x8x8, 2,048 bytes in float32) → Conv 1x1 → the
// operators ops make → Flatten → Gemm (10): the shapes set by hand.
func chain(ops func(g *graph.Graph, c *graph.Value, node func(name, typ string, in ...*graph.Value) *graph.Value) *graph.Value) *graph.Graph {
	g := &graph.Graph{Format: "onnx"}
	x := &graph.Value{Name: "x", Shape: shape(2, 4, 8, 8), DType: graph.Float32}
	g.Inputs = []*graph.Value{x}
	node := func(name, typ string, in ...*graph.Value) *graph.Value {
		n := g.NewNode(name, typ, nil, in, 1, graph.Pos{})
		n.Outputs[0].Shape, n.Outputs[0].DType = shape(2, 4, 8, 8), graph.Float32
		n.Done = true
		return n.Outputs[0]
	}
	c := node("conv", "Conv", x)
	c.Producer.Params = []*graph.Param{{Name: "conv.W", Shape: shape(4, 4, 1, 1), DType: graph.Float32, Trainable: true}}
	out := ops(g, c, node)
	f := node("flatten", "Flatten", out)
	f.Shape = shape(2, 256)
	o := node("fc", "Gemm", f)
	o.Shape = shape(2, 10)
	o.Producer.Params = []*graph.Param{{Name: "fc.W", Shape: shape(10, 256), DType: graph.Float32, Trainable: true}}
	g.Outputs = []*graph.Value{o}
	return g
}

func constant(v float64) *graph.Value {
	return &graph.Value{Name: "k", Shape: graph.Shape{}, DType: graph.Float32, Const: &graph.Const{Floats: []float64{v}}}
}

func savedOf(t *testing.T, g *graph.Graph) (*Estimate, map[string]int64) {
	t.Helper()
	e, err := Compute(g, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Unknown) > 0 {
		t.Fatalf("unknown: %v", e.Unknown)
	}
	m := map[string]int64{}
	for i, n := range g.Nodes {
		m[n.Name] = e.Layers[i].Saved
	}
	return e, m
}

// TestSiLU: Mul(c, Sigmoid(c)) is PyTorch's silu: in place on c (which
// dies there), it keeps a copy of c, 2,048 bytes; the sigmoid keeps
// nothing (its output is no tensor); fc keeps its input, the silu's
// output in c's storage, 2,048. Operator by operator it would be 6,144
// (sigmoid's result, and both of Mul's operands).
func TestSiLU(t *testing.T) {
	g := chain(func(g *graph.Graph, c *graph.Value, node func(string, string, ...*graph.Value) *graph.Value) *graph.Value {
		s := node("sig", "Sigmoid", c)
		return node("mul", "Mul", c, s)
	})
	e, saved := savedOf(t, g)
	want := map[string]int64{"conv": 0, "sig": 0, "mul": 2048, "flatten": 0, "fc": 2048}
	for k, v := range want {
		if saved[k] != v {
			t.Errorf("%s keeps %d, want %d", k, saved[k], v)
		}
	}
	if e.SavedBytes != 4096 {
		t.Errorf("kept %d, want 4096", e.SavedBytes)
	}
	// Inference: conv's output 2,048, the silu in place: nothing more
	// until fc (2,048 + 512).
	if e.InferencePeak != 2048+512 {
		t.Errorf("inference %d, want %d", e.InferencePeak, 2048+512)
	}
}

// TestGELU: Mul(Mul(c, Add(Erf(Div(c, √2)), 1)), 0.5) is PyTorch's gelu,
// which keeps c (2,048); fc keeps the gelu's output (2,048). Operator by
// operator: Erf's input, c and Add's output would be kept too.
func TestGELU(t *testing.T) {
	g := chain(func(g *graph.Graph, c *graph.Value, node func(string, string, ...*graph.Value) *graph.Value) *graph.Value {
		d := node("div", "Div", c, constant(1.4142135))
		e := node("erf", "Erf", d)
		a := node("add", "Add", e, constant(1))
		m := node("mul", "Mul", c, a)
		return node("half", "Mul", m, constant(0.5))
	})
	e, saved := savedOf(t, g)
	want := map[string]int64{"div": 0, "erf": 0, "add": 0, "mul": 2048, "half": 0, "fc": 2048}
	for k, v := range want {
		if saved[k] != v {
			t.Errorf("%s keeps %d, want %d", k, saved[k], v)
		}
	}
	if e.SavedBytes != 4096 {
		t.Errorf("kept %d, want 4096", e.SavedBytes)
	}
	if r := e.Layers[4].Rule; r != "gelu: self" {
		t.Errorf("mul's rule %q", r)
	}
}

// TestModuleInputHeld: in a torch.onnx export, a module's input lives
// until the module's last node (its caller holds it). /stem's output s
// (2,048 bytes) enters module /b: at /b's BatchNormalization, s, c1's
// output and bn's output are alive, 6,144 — freed after its last use it
// would be 4,096.
func TestModuleInputHeld(t *testing.T) {
	g := chain(func(g *graph.Graph, c *graph.Value, node func(string, string, ...*graph.Value) *graph.Value) *graph.Value {
		c1 := node("/b/c1/Conv", "Conv", c)
		c1.Producer.Params = []*graph.Param{{Name: "c1.W", Shape: shape(4, 4, 1, 1), DType: graph.Float32, Trainable: true}}
		bn := node("/b/bn/BatchNormalization", "BatchNormalization", c1)
		return node("/b/relu/Relu", "Relu", bn)
	})
	for _, n := range g.Nodes {
		if n.Name[0] != '/' {
			n.Name = "/" + n.Name + "/Op"
			n.Outputs[0].Name = n.Name
		}
	}
	e, err := Compute(g, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if e.InferencePeak != 6144 || e.InferenceAt != "/b/bn/BatchNormalization" {
		t.Errorf("inference %d at %s, want 6144 at /b/bn/BatchNormalization", e.InferencePeak, e.InferenceAt)
	}
	g.Format = "spec" // names are not module paths: freed after the last use
	if e, _ = Compute(g, Options{}); e.InferencePeak != 4096 {
		t.Errorf("inference %d, want 4096", e.InferencePeak)
	}
}

package stats

import (
	"errors"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
)

// node is an inferred node made by hand: what infer would leave on it.
func node(name, typ string, in []*graph.Value, out graph.Shape, flops calc.Expr, params ...*graph.Param) *graph.Node {
	n := &graph.Node{Name: name, Type: typ, Inputs: in, Done: true, FLOPs: flops}
	n.Outputs = []*graph.Value{{Name: name, Shape: out, DType: graph.Float32, Producer: n}}
	var terms []calc.Expr
	for _, p := range params {
		if p.Owner == nil {
			p.Owner = n
		}
		n.Params = append(n.Params, p)
		if p.Owner == n {
			terms = append(terms, p.Numel())
		}
	}
	n.Count = calc.Add(terms...)
	return n
}

func param(name string, trainable bool, dims ...int64) *graph.Param {
	s := make(graph.Shape, len(dims))
	for i, d := range dims {
		s[i] = graph.D(d)
	}
	return &graph.Param{Name: name, Shape: s, DType: graph.Float32, Trainable: trainable}
}

// tiedGraph is a small autoencoder: dense1 784→100, a batch norm, and
// dense2 100→784 reusing dense1's W (transposed, Lasagne's W=l1.W.T).
func tiedGraph() *graph.Graph {
	in := &graph.Value{Name: "input", Shape: graph.Shape{graph.Unknown(), graph.D(784)}, DType: graph.Float32}
	w := param("dense1.W", true, 784, 100)
	d1 := node("dense1", "DenseLayer", []*graph.Value{in}, graph.Shape{graph.Unknown(), graph.D(100)},
		calc.Mul(calc.N(2), calc.N(784), calc.N(100)), w, param("dense1.b", true, 100))
	bn := node("bn", "BatchNormLayer", d1.Outputs, graph.Shape{graph.Unknown(), graph.D(100)}, calc.N(0),
		param("bn.beta", true, 100), param("bn.gamma", true, 100), param("bn.mean", false, 100), param("bn.inv_std", false, 100))
	d2 := node("dense2", "DenseLayer", bn.Outputs, graph.Shape{graph.Unknown(), graph.D(784)},
		calc.Mul(calc.N(2), calc.N(100), calc.N(784)), w, param("dense2.b", true, 784))
	return &graph.Graph{Name: "ae", Format: "lasagne", Path: "ae.py", Nodes: []*graph.Node{d1, bn, d2}, Inputs: []*graph.Value{in},
		Prints: graph.Printed{Label: "parameters", Which: "trainable"}}
}

// TestBuildShared: a parameter used by two layers counts once, at the
// first; the second lists it as shared. Expected figures, by hand:
// dense1 784*100+100 = 78,500; bn 4*100 = 400, of which the mean and
// inv_std (200) do not train; dense2 only its bias, 784 (W is dense1's).
// Params 78,500+400+784 = 79,684; trainable 79,684-200 = 79,484; all
// float32, 4 bytes each: 318,736 bytes. FLOPs 2*784*100 twice = 313,600.
func TestBuildShared(t *testing.T) {
	r, err := Build(tiedGraph())
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		params, trainable, nonTrainable, flops int64
	}
	want := map[string]row{"dense1": {78500, 78500, 0, 156800}, "bn": {400, 200, 200, 0}, "dense2": {784, 784, 0, 156800}}
	for _, l := range r.Layers {
		w := want[l.Name]
		if got := (row{l.Params, l.TrainableParams, l.NonTrainableParams, *l.FLOPs}); got != w {
			t.Errorf("%s: %+v, want %+v", l.Name, got, w)
		}
	}
	tt := r.Totals
	if tt.Params != 79684 || tt.TrainableParams != 79484 || tt.NonTrainableParams != 200 {
		t.Errorf("totals %d/%d/%d, want 79684/79484/200", tt.Params, tt.TrainableParams, tt.NonTrainableParams)
	}
	if tt.FLOPs == nil || *tt.FLOPs != 313600 || tt.FLOPsLowerBound != nil {
		t.Errorf("total FLOPs %v (lower bound %v), want 313600", tt.FLOPs, tt.FLOPsLowerBound)
	}
	if tt.ParamBytes == nil || *tt.ParamBytes != 318736 || len(tt.ParamBytesByDType) != 1 || tt.ParamBytesByDType["float32"] != 318736 {
		t.Errorf("param bytes %v %v, want 318736 float32", tt.ParamBytes, tt.ParamBytesByDType)
	}
	if want := "78500+400+784 = 79684"; tt.Explain.Params != want {
		t.Errorf("params explain %q, want %q", tt.Explain.Params, want)
	}
	if want := "156800+0+156800 = 313600"; tt.Explain.FLOPs != want {
		t.Errorf("FLOPs explain %q, want %q", tt.Explain.FLOPs, want)
	}
	d2 := r.Layers[2]
	if len(d2.Weights) != 2 || d2.Weights[0].SharedWith != "dense1" || d2.Weights[0].Params != 78400 || d2.Weights[1].SharedWith != "" {
		t.Errorf("dense2 weights %+v, want W shared with dense1 (78400) and its own b", d2.Weights)
	}
	if p := r.Model.Prints; p == nil || p.Which != "trainable_params" || p.Value != 79484 {
		t.Errorf("prints %+v, want trainable_params 79484", p)
	}
	if tt.OtherOps != nil || r.Layers[0].OtherOps != nil {
		t.Errorf("other_ops counted outside ONNX: %v", tt.OtherOps)
	}
	if len(r.Notes) != 0 {
		t.Errorf("notes %q", r.Notes)
	}
}

// TestBuildTensors: every layer records its outputs, one per output,
// with the name other layers' inputs use, the shape (nil for an unknown
// rank, empty for a scalar) and the element type; the model records the
// inputs fed from outside.
func TestBuildTensors(t *testing.T) {
	in := &graph.Value{Name: "x", Shape: graph.Shape{graph.Symbol("batch"), graph.D(8)}, DType: graph.Float16}
	split := &graph.Node{Name: "split", Type: "Split", Inputs: []*graph.Value{in}, Done: true, FLOPs: calc.N(0)}
	split.Outputs = []*graph.Value{
		{Name: "split:0", Shape: graph.Shape{graph.Symbol("batch"), graph.D(3)}, DType: graph.Float16, Producer: split},
		{Name: "split:1", Shape: nil, Producer: split},
		{Name: "split:2", Shape: graph.Shape{}, DType: graph.Int64, Producer: split},
	}
	use := &graph.Node{Name: "use", Type: "Identity", Inputs: split.Outputs[2:], Done: true, FLOPs: calc.N(0),
		Outputs: []*graph.Value{{Name: "y", Shape: graph.Shape{}, DType: graph.Int64}}}
	r, err := Build(&graph.Graph{Format: "test", Nodes: []*graph.Node{split, use}, Inputs: []*graph.Value{in}})
	if err != nil {
		t.Fatal(err)
	}
	ts := r.Layers[0].Tensors
	if len(ts) != 3 {
		t.Fatalf("split has %d tensors, want 3", len(ts))
	}
	if ts[0].Name != "split:0" || ts[0].DType != "float16" || ts[0].Shape == nil || !ts[0].Shape.Dims().Equal(graph.Shape{graph.Symbol("batch"), graph.D(3)}) {
		t.Errorf("split:0 = %+v", ts[0])
	}
	if ts[1].Name != "split:1" || ts[1].Shape != nil || ts[1].DType != "" {
		t.Errorf("split:1 = %+v, want an unknown rank and type", ts[1])
	}
	if ts[2].Shape == nil || len(*ts[2].Shape) != 0 || ts[2].DType != "int64" {
		t.Errorf("split:2 = %+v, want an int64 scalar", ts[2])
	}
	for i, tn := range ts {
		if tn.Shape != r.Layers[0].OutputShapes[i] {
			t.Errorf("tensor %d's shape is not output_shapes[%d]", i, i)
		}
	}
	if got := r.Layers[1].Inputs; len(got) != 1 || got[0] != ts[2].Name {
		t.Errorf("use's inputs %q, want the name of split's third tensor %q", got, ts[2].Name)
	}
	// The graph's input, which no row produces, is the model's.
	mi := r.Model.Inputs
	if len(mi) != 1 || mi[0].Name != "x" || mi[0].DType != "float16" || mi[0].Shape == nil || !mi[0].Shape.Dims().Equal(in.Shape) {
		t.Errorf("model inputs %+v, want x (batch, 8) float16", mi)
	}
	if r.Layers[0].Inputs[0] != "x" {
		t.Errorf("split's inputs %q, want x", r.Layers[0].Inputs)
	}
}

// TestBuildUnknownFLOPs: a node whose inference failed has unknown FLOPs;
// the total is unknown too, never a sum that silently counts it as 0,
// with the known rows' sum as the lower bound and a note naming the row.
func TestBuildUnknownFLOPs(t *testing.T) {
	g := tiedGraph()
	g.Nodes[1].Done = false
	g.Nodes[1].FLOPs = calc.Expr{}
	r, err := Build(g)
	if err != nil {
		t.Fatal(err)
	}
	if r.Layers[1].FLOPs != nil || r.Totals.FLOPs != nil {
		t.Errorf("FLOPs %v, total %v: want unknown", r.Layers[1].FLOPs, r.Totals.FLOPs)
	}
	// 156,800 + 156,800 from the two dense layers.
	if lb := r.Totals.FLOPsLowerBound; lb == nil || *lb != 313600 {
		t.Errorf("lower bound %v, want 313600", lb)
	}
	want := "FLOPs are unknown for 1 layer(s) (bn); the other layers add up to 313,600"
	if len(r.Notes) != 1 || r.Notes[0] != want {
		t.Errorf("notes %q, want %q", r.Notes, want)
	}
	if len(g.Notes) != 0 {
		t.Errorf("Build changed the graph's notes: %q", g.Notes)
	}
	if len(r.Asks) != 0 {
		t.Errorf("asks %+v, want none (nothing the caller gives would make bn's FLOPs known)", r.Asks)
	}
}

// TestBuildContextAsk: a transformer whose FLOPs wait for the sequence
// length says so in a note that names no option, and asks for it; when
// the caller gave it (ContextOption), no ask.
func TestBuildContextAsk(t *testing.T) {
	g := tiedGraph()
	g.Nodes[1].Done = false
	g.Nodes[1].FLOPs = calc.Expr{}
	g.Arch = toyArch()
	g.Arch.ContextFrom, g.Arch.ContextOption = "max_position_embeddings", ""
	r, err := Build(g)
	if err != nil {
		t.Fatal(err)
	}
	want := "FLOPs are unknown for 1 layer(s) (bn): they depend on the sequence length (the memory and FLOPs section below is per token)"
	if len(r.Notes) != 1 || r.Notes[0] != want {
		t.Errorf("notes %q, want %q", r.Notes, want)
	}
	if a := r.Asks; len(a) != 1 || a[0] != (Ask{What: "the sequence length", Option: "context", Value: "N"}) {
		t.Errorf("asks %+v, want the sequence length from the context option", a)
	}
	if len(g.Asks) != 0 {
		t.Errorf("Build changed the graph's asks: %+v", g.Asks)
	}

	g.Arch.ContextFrom, g.Arch.ContextOption = "the context option", "context"
	if r, err = Build(g); err != nil {
		t.Fatal(err)
	}
	if len(r.Asks) != 0 || len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "the other layers add up to") {
		t.Errorf("with the context given: notes %q, asks %+v", r.Notes, r.Asks)
	}
}

// TestBuildUnsizedBytes: an element type of no fixed size (strings)
// makes the parameter memory unknown, with a note; the counts stay known.
func TestBuildUnsizedBytes(t *testing.T) {
	g := tiedGraph()
	g.Nodes[2].Params[1].DType = "string"
	r, err := Build(g)
	if err != nil {
		t.Fatal(err)
	}
	if r.Totals.ParamBytes != nil {
		t.Errorf("param bytes %d, want unknown", *r.Totals.ParamBytes)
	}
	if r.Totals.Params != 79684 {
		t.Errorf("params %d, want 79684", r.Totals.Params)
	}
	want := "parameter memory is unknown: 1 tensor(s) have an element type of unknown size (dense2.b)"
	if len(r.Notes) != 1 || r.Notes[0] != want {
		t.Errorf("notes %q, want %q", r.Notes, want)
	}
}

// TestBuildOverflow: sums past the int64 range are errors that wrap
// calc.ErrOverflow and say which sum, never a wrapped-around number.
func TestBuildOverflow(t *testing.T) {
	const half = int64(1) << 62 // two of them make 2^63, one past MaxInt64
	big := func(name string) *graph.Param {
		p := param(name, true, half)
		p.Bytes = 1 // a stored size given, so that the bytes do not overflow first
		return p
	}
	for _, c := range []struct {
		name string
		g    func() *graph.Graph
		want string
	}{
		{"one layer", func() *graph.Graph {
			return &graph.Graph{Nodes: []*graph.Node{node("a", "T", nil, graph.Shape{}, calc.N(0), big("a.W"), big("a.b"))}}
		}, "the parameters of layer a"},
		{"totals", func() *graph.Graph {
			return &graph.Graph{Nodes: []*graph.Node{
				node("a", "T", nil, graph.Shape{}, calc.N(0), big("a.W")),
				node("b", "T", nil, graph.Shape{}, calc.N(0), big("b.W"))}}
		}, "total parameters"},
		{"bytes", func() *graph.Graph {
			// 2^62 float32 elements are 2^67 bits.
			return &graph.Graph{Nodes: []*graph.Node{node("a", "T", nil, graph.Shape{}, calc.N(0), param("a.W", true, half))}}
		}, "a.W bits"},
		{"FLOPs", func() *graph.Graph {
			return &graph.Graph{Nodes: []*graph.Node{
				node("a", "T", nil, graph.Shape{}, calc.N(half)),
				node("b", "T", nil, graph.Shape{}, calc.N(half))}}
		}, "total FLOPs"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := Build(c.g())
			if !errors.Is(err, calc.ErrOverflow) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Build = %v, %v; want an overflow error naming %q", r, err, c.want)
			}
		})
	}
}

func TestBuildNil(t *testing.T) {
	if _, err := Build(nil); err == nil {
		t.Error("Build(nil) succeeded")
	}
}

// TestBuildEmpty: a graph without nodes has zero totals that are known,
// and its rows are [], not null.
func TestBuildEmpty(t *testing.T) {
	r, err := Build(&graph.Graph{Format: "spec"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Layers == nil || len(r.Layers) != 0 || r.Totals.FLOPs == nil || *r.Totals.FLOPs != 0 || r.Totals.ParamBytes == nil || *r.Totals.ParamBytes != 0 {
		t.Errorf("empty report %+v", r)
	}
	if r.SchemaVersion != SchemaVersion || r.Totals.Explain.Params != "0" {
		t.Errorf("schema %d, params explain %q", r.SchemaVersion, r.Totals.Explain.Params)
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 217706: "217,706", -1234567: "-1,234,567",
		-9223372036854775808: "-9,223,372,036,854,775,808"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestBuildBuffers: PyTorch's buffers count apart from the parameters.
// A BatchNorm2d(64) made by hand: weight and bias 64 + 64 = 128
// parameters, trainable; running_mean and running_var 64 + 64 and
// num_batches_tracked 1 = 129 buffer elements. Params 128, trainable
// 128, non-trainable 0, buffers 129; a report whose buffers total is
// not the rows' sum does not pass Check.
func TestBuildBuffers(t *testing.T) {
	in := &graph.Value{Name: "x", Shape: graph.Shape{graph.Unknown(), graph.D(64)}, DType: graph.Float32}
	buf := func(name string, dims ...int64) *graph.Param {
		p := param(name, false, dims...)
		p.Buffer = true
		return p
	}
	bn := node("bn", "BatchNorm2d", []*graph.Value{in}, graph.Shape{graph.Unknown(), graph.D(64)}, calc.N(0),
		param("bn.weight", true, 64), param("bn.bias", true, 64), buf("bn.running_mean", 64), buf("bn.running_var", 64), buf("bn.num_batches_tracked"))
	// What infer leaves: the count of the parameters, buffers apart.
	bn.Count = calc.Add(calc.N(64), calc.N(64))
	r, err := Build(&graph.Graph{Name: "m", Format: "pytorch", Path: "m.py", Nodes: []*graph.Node{bn}, Inputs: []*graph.Value{in}})
	if err != nil {
		t.Fatal(err)
	}
	tot := r.Totals
	if tot.Params != 128 || tot.TrainableParams != 128 || tot.NonTrainableParams != 0 || tot.Buffers != 129 {
		t.Errorf("totals: params %d, trainable %d, non-trainable %d, buffers %d; want 128, 128, 0, 129", tot.Params, tot.TrainableParams, tot.NonTrainableParams, tot.Buffers)
	}
	if l := r.Layers[0]; l.Params != 128 || l.Buffers != 129 || !l.Weights[2].Buffer || l.Weights[2].Trainable {
		t.Errorf("row: params %d, buffers %d, weights %+v", l.Params, l.Buffers, l.Weights)
	}
	if err := r.Check(); err != nil {
		t.Fatal(err)
	}
	r.Totals.Buffers = 128
	if err := r.Check(); err == nil || !strings.Contains(err.Error(), "buffers") {
		t.Errorf("Check of a wrong buffers total: %v", err)
	}
}

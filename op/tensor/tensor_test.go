package tensor_test

import (
	"math"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/op/tensor"
)

// The expected values below are worked out by hand from the ONNX operator
// specifications (onnx/docs/Operators.md), not taken from the code's
// output.

// t32 is a float32 tensor of a known shape.
func t32(sizes ...int64) *graph.Value {
	return &graph.Value{Name: "x", Shape: graph.S(sizes...), DType: graph.Float32}
}

// sym is a float32 tensor whose shape may have symbolic dims.
func sym(dims ...graph.Dim) *graph.Value {
	return &graph.Value{Name: "x", Shape: graph.Shape(dims), DType: graph.Float32}
}

// ints is a constant int64 tensor: a 1-D list, or a scalar with shape nil.
func ints(vals ...int64) *graph.Value {
	return &graph.Value{Name: "c", Shape: graph.S(int64(len(vals))), DType: graph.Int64, Const: &graph.Const{Ints: vals}}
}

func scalar(v int64) *graph.Value {
	return &graph.Value{Name: "c", Shape: graph.Shape{}, DType: graph.Int64, Const: &graph.Const{Ints: []int64{v}}}
}

func floats(vals ...float64) *graph.Value {
	return &graph.Value{Name: "f", Shape: graph.S(int64(len(vals))), DType: graph.Float32, Const: &graph.Const{Floats: vals}}
}

// runN infers one node of op o with the given input values (nil for an
// omitted optional input) and nout outputs.
func runN(o graph.Op, nout int, ins ...*graph.Value) (*graph.Node, error) {
	g := &graph.Graph{}
	for _, v := range ins {
		if v != nil && v.Producer == nil {
			g.Inputs = append(g.Inputs, v)
		}
	}
	n := g.NewNode("n", "T", o, ins, nout, graph.Pos{})
	return n, infer.Node(n)
}

type otc struct {
	name  string
	op    graph.Op
	in    []*graph.Value
	nout  int           // 0 means 1
	out   []graph.Shape // expected output shapes
	flops int64         // -1: not checked
	other int64         // -1: not checked
	err   string        // an error, or "unknown:" + a note for unknown outputs
	konst []int64       // expected folded integer content of output 0
}

func check(t *testing.T, cases []otc) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			nout := max(c.nout, 1)
			n, err := runN(c.op, nout, c.in...)
			if c.err != "" {
				if rest, ok := strings.CutPrefix(c.err, "unknown:"); ok {
					if err != nil || n.Outputs[0].Shape != nil || !strings.Contains(strings.Join(n.Notes(), "; "), rest) {
						t.Fatalf("error %v, output %v, notes %q; want unknown outputs with a note containing %q", err, n.Outputs[0].Shape, n.Notes(), rest)
					}
					return
				}
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error = %v, want one containing %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			for i, want := range c.out {
				if got := n.Outputs[i].Shape; !got.Equal(want) || (got == nil) != (want == nil) {
					t.Errorf("output %d: %s, want %s (%s)", i, fmtS(got), fmtS(want), strings.Join(n.ShapeWhy(), "; "))
				}
			}
			if c.flops >= 0 {
				if v, ok := n.FLOPs.Value(); !ok || v != c.flops {
					t.Errorf("FLOPs %q, want %d", n.FLOPs.Equation(), c.flops)
				}
			}
			if c.other > 0 || (c.other == 0 && !n.OtherOps.IsZero()) {
				if v, ok := n.OtherOps.Value(); !ok || v != c.other {
					t.Errorf("other ops %q, want %d", n.OtherOps.Equation(), c.other)
				}
			}
			if c.konst != nil {
				k := n.Outputs[0].Const
				if k == nil || !equal64(k.Ints, c.konst) || k.Dims != nil {
					t.Errorf("folded %+v, want %v", k, c.konst)
				}
			}
		})
	}
}

func fmtS(s graph.Shape) string {
	if s == nil {
		return "unknown"
	}
	return "(" + s.Join(", ") + ")"
}

func equal64(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

var (
	batch = graph.Symbol("batch")
	d     = graph.D
)

const maxI64 = math.MaxInt64

func TestElementwise(t *testing.T) {
	add := func() *tensor.Elementwise { return &tensor.Elementwise{Func: tensor.Add, Cost: 1} }
	check(t, []otc{
		{name: "broadcast trailing", op: add(), in: []*graph.Value{t32(2, 3, 4), t32(3, 1)}, out: []graph.Shape{graph.S(2, 3, 4)}, flops: 0, other: 2 * 3 * 4},
		{name: "broadcast both ways", op: add(), in: []*graph.Value{t32(8, 1, 6, 1), t32(7, 1, 5)}, out: []graph.Shape{graph.S(8, 7, 6, 5)}, flops: 0, other: 8 * 7 * 6 * 5},
		{name: "scalar", op: add(), in: []*graph.Value{t32(4, 5), t32()}, out: []graph.Shape{graph.S(4, 5)}, flops: 0, other: 20},
		{name: "symbolic stays", op: add(), in: []*graph.Value{sym(batch, d(3)), t32(1, 3)}, out: []graph.Shape{{batch, d(3)}}, flops: 0, other: -1},
		{name: "mismatch", op: add(), in: []*graph.Value{t32(3, 4), t32(5)}, err: "do not broadcast"},
		{name: "unary", op: &tensor.Elementwise{Func: tensor.Relu, Cost: 1}, in: []*graph.Value{t32(1, 64, 7, 7)}, out: []graph.Shape{graph.S(1, 64, 7, 7)}, flops: 0, other: 64 * 49},
		{name: "where", op: &tensor.Elementwise{Func: tensor.Where, Cost: 1}, in: []*graph.Value{
			{Name: "c", Shape: graph.S(2, 1), DType: graph.Bool}, t32(1, 3), t32(2, 3)}, out: []graph.Shape{graph.S(2, 3)}, flops: 0, other: 6},
		{name: "clip without bounds", op: &tensor.Elementwise{Func: tensor.Clip, Cost: 1}, in: []*graph.Value{t32(2, 2), nil, nil}, out: []graph.Shape{graph.S(2, 2)}, flops: 0, other: 4},
		// Folding small integer constants.
		{name: "fold mul", op: &tensor.Elementwise{Func: tensor.Mul}, in: []*graph.Value{ints(2, 3), ints(4)}, out: []graph.Shape{graph.S(2)}, konst: []int64{8, 12}},
		{name: "fold integer div truncates", op: &tensor.Elementwise{Func: tensor.Div}, in: []*graph.Value{ints(-7, 7), ints(2)}, out: []graph.Shape{graph.S(2)}, konst: []int64{-3, 3}},
		{name: "fold python mod", op: &tensor.Elementwise{Func: tensor.Mod}, in: []*graph.Value{ints(-7, 7), ints(3)}, out: []graph.Shape{graph.S(2)}, konst: []int64{2, 1}},
		{name: "fold equal", op: &tensor.Elementwise{Func: tensor.Equal}, in: []*graph.Value{ints(1, 2, 3), ints(2)}, out: []graph.Shape{graph.S(3)}, konst: []int64{0, 1, 0}},
		{name: "fold equal symbolic", op: &tensor.Elementwise{Func: tensor.Equal}, in: []*graph.Value{
			{Name: "s", Shape: graph.S(2), DType: graph.Int64, Const: &graph.Const{Ints: []int64{0, 768}, Dims: []graph.Dim{batch, d(0)}}}, ints(-1)},
			out: []graph.Shape{graph.S(2)}, konst: []int64{0, 0}},
		{name: "fold where", op: &tensor.Elementwise{Func: tensor.Where}, in: []*graph.Value{
			{Name: "c", Shape: graph.S(3), DType: graph.Bool, Const: &graph.Const{Ints: []int64{1, 0, 1}}}, ints(1, 2, 3), ints(-1)},
			out: []graph.Shape{graph.S(3)}, konst: []int64{1, -1, 3}},
	})
}

func TestCast(t *testing.T) {
	n, err := runN(&tensor.Cast{To: graph.Int64}, 1, floats(2.7, -2.7))
	if err != nil {
		t.Fatal(err)
	}
	if k := n.Outputs[0].Const; k == nil || !equal64(k.Ints, []int64{2, -2}) || n.Outputs[0].DType != graph.Int64 {
		t.Errorf("cast to int64: %+v %s; want [2 -2] truncated toward zero", k, n.Outputs[0].DType)
	}
}

func TestMatrix(t *testing.T) {
	check(t, []otc{
		{name: "matmul batched", op: &tensor.MatMul{}, in: []*graph.Value{t32(2, 3, 4), t32(4, 5)}, out: []graph.Shape{graph.S(2, 3, 5)}, flops: 2 * 2 * 3 * 4 * 5, other: -1},
		{name: "matmul broadcast batch", op: &tensor.MatMul{}, in: []*graph.Value{t32(1, 3, 4), t32(2, 4, 5)}, out: []graph.Shape{graph.S(2, 3, 5)}, flops: 2 * 2 * 3 * 4 * 5, other: -1},
		{name: "matmul 1-D left", op: &tensor.MatMul{}, in: []*graph.Value{t32(4), t32(4, 5)}, out: []graph.Shape{graph.S(5)}, flops: 2 * 4 * 5, other: -1},
		{name: "matmul 1-D right", op: &tensor.MatMul{}, in: []*graph.Value{t32(3, 4), t32(4)}, out: []graph.Shape{graph.S(3)}, flops: 2 * 3 * 4, other: -1},
		{name: "matmul mismatch", op: &tensor.MatMul{}, in: []*graph.Value{t32(3, 4), t32(5, 6)}, err: "inner sizes 4 and 5"},
		{name: "matmul per example", op: &tensor.MatMul{}, in: []*graph.Value{sym(batch, d(3), d(4)), t32(4, 5)}, out: []graph.Shape{{batch, d(3), d(5)}}, flops: 2 * 3 * 4 * 5, other: -1},
		{name: "gemm transB", op: &tensor.Gemm{TransB: true}, in: []*graph.Value{t32(2, 4), t32(5, 4), t32(5)}, out: []graph.Shape{graph.S(2, 5)}, flops: 2 * 2 * 4 * 5, other: 2 * 5},
		{name: "gemm transA", op: &tensor.Gemm{TransA: true}, in: []*graph.Value{t32(4, 2), t32(4, 5)}, out: []graph.Shape{graph.S(2, 5)}, flops: 2 * 2 * 4 * 5, other: -1},
		{name: "einsum batched", op: &tensor.Einsum{Equation: "bij,bjk->bik"}, in: []*graph.Value{t32(2, 3, 4), t32(2, 4, 5)}, out: []graph.Shape{graph.S(2, 3, 5)}, flops: 2 * 2 * 3 * 4 * 5, other: -1},
		{name: "einsum implicit", op: &tensor.Einsum{Equation: "ij,jk"}, in: []*graph.Value{t32(3, 4), t32(4, 5)}, out: []graph.Shape{graph.S(3, 5)}, flops: 2 * 3 * 4 * 5, other: -1},
		{name: "einsum ellipsis transpose", op: &tensor.Einsum{Equation: "...ij->...ji"}, in: []*graph.Value{t32(7, 3, 4)}, out: []graph.Shape{graph.S(7, 4, 3)}, flops: 0, other: 84},
		{name: "einsum attention", op: &tensor.Einsum{Equation: "bhqd,bhkd->bhqk"}, in: []*graph.Value{t32(1, 2, 5, 8), t32(1, 2, 6, 8)}, out: []graph.Shape{graph.S(1, 2, 5, 6)}, flops: 2 * 2 * 5 * 6 * 8, other: -1},
	})
}

func TestNorm(t *testing.T) {
	check(t, []otc{
		{name: "batch norm", op: &tensor.Norm{Cost: 2, Stats: tensor.ChannelStats}, in: []*graph.Value{t32(1, 64, 8, 8), t32(64), t32(64), t32(64), t32(64)},
			out: []graph.Shape{graph.S(1, 64, 8, 8)}, flops: 0, other: 2 * 64 * 64},
		{name: "batch norm training outputs", op: &tensor.Norm{Cost: 2, Stats: tensor.ChannelStats}, nout: 3, in: []*graph.Value{t32(2, 16, 4), t32(16), t32(16), t32(16), t32(16)},
			out: []graph.Shape{graph.S(2, 16, 4), graph.S(16), graph.S(16)}, flops: 0, other: -1},
		{name: "layer norm stats", op: &tensor.Norm{Cost: 5, Axis: -1, Stats: tensor.LeadingStats}, nout: 3, in: []*graph.Value{t32(2, 5, 8), t32(8)},
			out: []graph.Shape{graph.S(2, 5, 8), graph.S(2, 5, 1), graph.S(2, 5, 1)}, flops: 0, other: 5 * 80},
		{name: "softmax", op: &tensor.Norm{Cost: 3}, in: []*graph.Value{t32(1, 6, 196, 196)}, out: []graph.Shape{graph.S(1, 6, 196, 196)}, flops: 0, other: 3 * 6 * 196 * 196},
	})
}

func TestShapes(t *testing.T) {
	shapeOf := &graph.Value{Name: "s", Shape: graph.S(4), DType: graph.Int64, Const: &graph.Const{Ints: []int64{1, 3, 224, 224}}}
	symShape := &graph.Value{Name: "s", Shape: graph.S(3), DType: graph.Int64,
		Const: &graph.Const{Ints: []int64{0, 3, 4}, Dims: []graph.Dim{batch, d(0), d(0)}}}
	check(t, []otc{
		{name: "shape", op: &tensor.ShapeOf{}, in: []*graph.Value{t32(1, 3, 224, 224)}, out: []graph.Shape{graph.S(4)}, konst: []int64{1, 3, 224, 224}},
		{name: "shape start", op: &tensor.ShapeOf{Start: ptr(-2)}, in: []*graph.Value{t32(1, 3, 224, 224)}, out: []graph.Shape{graph.S(2)}, konst: []int64{224, 224}},
		{name: "gather scalar index", op: &tensor.Gather{}, in: []*graph.Value{shapeOf, scalar(0)}, out: []graph.Shape{{}}, konst: []int64{1}},
		{name: "gather negative index", op: &tensor.Gather{}, in: []*graph.Value{shapeOf, scalar(-1)}, out: []graph.Shape{{}}, konst: []int64{224}},
		{name: "gather list", op: &tensor.Gather{}, in: []*graph.Value{shapeOf, ints(2, 3)}, out: []graph.Shape{graph.S(2)}, konst: []int64{224, 224}},
		{name: "gather shape", op: &tensor.Gather{Axis: 1}, in: []*graph.Value{t32(5, 4, 3), {Name: "i", Shape: graph.S(2, 2), DType: graph.Int64}}, out: []graph.Shape{graph.S(5, 2, 2, 3)}},
		{name: "gather out of range", op: &tensor.Gather{}, in: []*graph.Value{shapeOf, scalar(4)}, err: "out of range"},
		{name: "concat fold", op: &tensor.Concat{}, in: []*graph.Value{ints(1), ints(-1, 64)}, out: []graph.Shape{graph.S(3)}, konst: []int64{1, -1, 64}},
		{name: "concat", op: &tensor.Concat{Axis: 1}, in: []*graph.Value{t32(1, 64, 28, 28), t32(1, 32, 28, 28)}, out: []graph.Shape{graph.S(1, 96, 28, 28)}},
		// Reshape: 0 copies the input's size, -1 is inferred.
		{name: "reshape 0 and -1", op: &tensor.Reshape{ZeroCopies: true}, in: []*graph.Value{t32(2, 3, 4), ints(0, -1)}, out: []graph.Shape{graph.S(2, 12)}},
		{name: "reshape 0 in the middle", op: &tensor.Reshape{ZeroCopies: true}, in: []*graph.Value{t32(2, 3, 4), ints(4, 0, -1)}, out: []graph.Shape{graph.S(4, 3, 2)}},
		{name: "reshape allowzero keeps a 0", op: &tensor.Reshape{}, in: []*graph.Value{t32(2, 0), ints(0, 5)}, out: []graph.Shape{graph.S(0, 5)}},
		{name: "reshape 0 copies without allowzero", op: &tensor.Reshape{ZeroCopies: true}, in: []*graph.Value{t32(2, 0), ints(0, 5)}, err: "cannot reshape"},
		{name: "reshape does not divide", op: &tensor.Reshape{ZeroCopies: true}, in: []*graph.Value{t32(2, 5), ints(-1, 3)}, err: "cannot reshape"},
		{name: "reshape counts differ", op: &tensor.Reshape{ZeroCopies: true}, in: []*graph.Value{t32(2, 5), ints(3, 3)}, err: "(10 elements) into (3, 3) (9 elements)"},
		// 2^32 * 2^32 = 2^64: the target's product overflows.
		{name: "reshape target overflows", op: &tensor.Reshape{ZeroCopies: true}, in: []*graph.Value{t32(2, 5), ints(1<<32, 1<<32)}, err: "overflow"},
		{name: "reshape symbolic target", op: &tensor.Reshape{ZeroCopies: true}, in: []*graph.Value{sym(batch, d(3), d(4)), &graph.Value{Name: "t", Shape: graph.S(2), DType: graph.Int64,
			Const: &graph.Const{Ints: []int64{0, -1}, Dims: []graph.Dim{batch, d(0)}}}}, out: []graph.Shape{{batch, d(12)}}},
		{name: "reshape symbol cancels", op: &tensor.Reshape{ZeroCopies: true}, in: []*graph.Value{sym(batch, d(3), d(4)), ints(-1, 12)}, out: []graph.Shape{{batch, d(12)}}},
		{name: "reshape not constant", op: &tensor.Reshape{ZeroCopies: true}, in: []*graph.Value{t32(2, 3), {Name: "t", Shape: graph.S(3), DType: graph.Int64}},
			out: []graph.Shape{{graph.Unknown(), graph.Unknown(), graph.Unknown()}}},
		{name: "flatten", op: &tensor.Flatten2D{Axis: 2}, in: []*graph.Value{t32(2, 3, 4, 5)}, out: []graph.Shape{graph.S(6, 20)}},
		{name: "flatten axis 0", op: &tensor.Flatten2D{Axis: 0}, in: []*graph.Value{t32(2, 3, 4)}, out: []graph.Shape{graph.S(1, 24)}},
		{name: "flatten symbolic batch", op: &tensor.Flatten2D{Axis: 1}, in: []*graph.Value{sym(batch, d(512), d(1), d(1))}, out: []graph.Shape{{batch, d(512)}}},
		{name: "squeeze attribute", op: &tensor.Squeeze{Axes: []int64{1}}, in: []*graph.Value{t32(2, 1, 3)}, out: []graph.Shape{graph.S(2, 3)}},
		{name: "squeeze input", op: &tensor.Squeeze{}, in: []*graph.Value{t32(2, 1, 3), ints(-2)}, out: []graph.Shape{graph.S(2, 3)}},
		{name: "squeeze all", op: &tensor.Squeeze{}, in: []*graph.Value{t32(1, 3, 1, 2)}, out: []graph.Shape{graph.S(3, 2)}},
		{name: "squeeze not 1", op: &tensor.Squeeze{Axes: []int64{0}}, in: []*graph.Value{t32(2, 3)}, err: "only axes of size 1"},
		{name: "unsqueeze attribute", op: &tensor.Unsqueeze{Axes: []int64{0, 3}}, in: []*graph.Value{t32(3, 4)}, out: []graph.Shape{graph.S(1, 3, 4, 1)}},
		{name: "unsqueeze input", op: &tensor.Unsqueeze{}, in: []*graph.Value{t32(3, 4), ints(-1)}, out: []graph.Shape{graph.S(3, 4, 1)}},
		{name: "unsqueeze scalar fold", op: &tensor.Unsqueeze{}, in: []*graph.Value{scalar(7), ints(0)}, out: []graph.Shape{graph.S(1)}, konst: []int64{7}},
		{name: "transpose default", op: &tensor.Transpose{}, in: []*graph.Value{t32(2, 3, 4)}, out: []graph.Shape{graph.S(4, 3, 2)}},
		{name: "transpose perm", op: &tensor.Transpose{Perm: []int64{0, 2, 3, 1}}, in: []*graph.Value{t32(1, 3, 8, 9)}, out: []graph.Shape{graph.S(1, 8, 9, 3)}},
		{name: "expand", op: tensor.Expand{}, in: []*graph.Value{t32(3, 1), ints(2, 1, 4)}, out: []graph.Shape{graph.S(2, 3, 4)}},
		{name: "expand symbolic", op: tensor.Expand{}, in: []*graph.Value{t32(1, 1, 4), symShape}, out: []graph.Shape{{batch, d(3), d(4)}}},
		{name: "tile", op: tensor.Tile{}, in: []*graph.Value{t32(2, 3), ints(2, 2)}, out: []graph.Shape{graph.S(4, 6)}},
		{name: "range", op: tensor.Range{}, in: []*graph.Value{scalar(0), scalar(10), scalar(3)}, out: []graph.Shape{graph.S(4)}, konst: []int64{0, 3, 6, 9}},
		{name: "range down", op: tensor.Range{}, in: []*graph.Value{scalar(10), scalar(4), scalar(-3)}, out: []graph.Shape{graph.S(2)}, konst: []int64{10, 7}},
		// -2^63 to 2^63-1 by 1 has 2^64-1 elements: no int64 holds the length.
		{name: "range length overflows", op: tensor.Range{}, in: []*graph.Value{scalar(math.MinInt64), scalar(math.MaxInt64), scalar(1)}, err: "overflow"},
		{name: "float range too long", op: tensor.Range{}, in: []*graph.Value{floats(0), floats(1e30), floats(1)}, err: "more than a tensor can hold"},
		{name: "constant of shape", op: &tensor.Full{IsInts: true, Int: 1, DType: graph.Int64}, in: []*graph.Value{ints(2, 3)}, out: []graph.Shape{graph.S(2, 3)}, konst: []int64{1, 1, 1, 1, 1, 1}},
		{name: "constant of symbolic shape", op: &tensor.Full{}, in: []*graph.Value{symShape}, out: []graph.Shape{{batch, d(3), d(4)}}},
		{name: "pad", op: &tensor.Pad{}, in: []*graph.Value{t32(1, 3, 4, 4), ints(0, 0, 1, 1, 0, 0, 1, 1)}, out: []graph.Shape{graph.S(1, 3, 6, 6)}},
		{name: "pad attribute negative", op: &tensor.Pad{Pads: []int64{0, -1, 0, 2}}, in: []*graph.Value{t32(4, 4)}, out: []graph.Shape{graph.S(4, 5)}},
		{name: "pad axes", op: &tensor.Pad{}, in: []*graph.Value{t32(1, 3, 4, 4), ints(2, 3), nil, ints(-1)}, out: []graph.Shape{graph.S(1, 3, 4, 9)}},
		{name: "topk", op: &tensor.TopK{Axis: -1}, nout: 2, in: []*graph.Value{t32(2, 10), ints(5)}, out: []graph.Shape{graph.S(2, 5), graph.S(2, 5)}},
		{name: "argmax", op: &tensor.ArgReduce{Axis: 1}, in: []*graph.Value{t32(2, 3, 4)}, out: []graph.Shape{graph.S(2, 4)}, other: -1},
		{name: "argmax keepdims", op: &tensor.ArgReduce{Axis: -1, KeepDims: true}, in: []*graph.Value{t32(2, 3, 4)}, out: []graph.Shape{graph.S(2, 3, 1)}, other: -1},
		{name: "reduce attribute", op: &tensor.Reduce{Func: tensor.ReduceMean, Axes: []int64{2, 3}, KeepDims: true}, in: []*graph.Value{t32(1, 64, 7, 7)}, out: []graph.Shape{graph.S(1, 64, 1, 1)}, other: 64 * 49},
		{name: "reduce input", op: &tensor.Reduce{Func: tensor.ReduceMean}, in: []*graph.Value{t32(1, 64, 7, 7), ints(-1, -2)}, out: []graph.Shape{graph.S(1, 64)}, other: -1},
		{name: "reduce all", op: &tensor.Reduce{Func: tensor.ReduceSum}, in: []*graph.Value{t32(2, 3)}, out: []graph.Shape{{}}, other: -1},
		{name: "reduce noop", op: &tensor.Reduce{Func: tensor.ReduceSum, NoopEmpty: true, KeepDims: true}, in: []*graph.Value{t32(2, 3)}, out: []graph.Shape{graph.S(2, 3)}, other: -1},
		{name: "reduce prod fold", op: &tensor.Reduce{Func: tensor.ReduceProd, Axes: []int64{0}}, in: []*graph.Value{ints(3, 7, 7)}, out: []graph.Shape{{}}, konst: []int64{147}, other: -1},
	})
}

func ptr(v int64) *int64 { return &v }

func TestSlice(t *testing.T) {
	sl := func(st, en int64, step ...int64) *tensor.Slice {
		s := &tensor.Slice{Starts: []int64{st}, Ends: []int64{en}, Axes: []int64{0}}
		if len(step) > 0 {
			s.Steps = step
		}
		return s
	}
	check(t, []otc{
		{name: "negative start", op: sl(-3, maxI64), in: []*graph.Value{t32(10)}, out: []graph.Shape{graph.S(3)}},
		{name: "clamped end", op: sl(2, 100), in: []*graph.Value{t32(10)}, out: []graph.Shape{graph.S(8)}},
		{name: "step", op: sl(1, 8, 2), in: []*graph.Value{t32(10)}, out: []graph.Shape{graph.S(4)}},
		{name: "reverse all", op: sl(-1, -maxI64, -1), in: []*graph.Value{t32(10)}, out: []graph.Shape{graph.S(10)}},
		{name: "negative step", op: sl(8, 2, -2), in: []*graph.Value{t32(10)}, out: []graph.Shape{graph.S(3)}},
		{name: "empty", op: sl(5, 2), in: []*graph.Value{t32(10)}, out: []graph.Shape{graph.S(0)}},
		{name: "inputs", op: &tensor.Slice{}, in: []*graph.Value{t32(1, 116, 28, 28), ints(58), ints(116), ints(1)}, out: []graph.Shape{graph.S(1, 58, 28, 28)}},
		{name: "inputs default axes", op: &tensor.Slice{}, in: []*graph.Value{t32(6, 4), ints(1, 1), ints(3, maxI64)}, out: []graph.Shape{graph.S(2, 3)}},
		{name: "symbolic axis to the end", op: &tensor.Slice{}, in: []*graph.Value{sym(batch, d(8)), ints(0), ints(maxI64), ints(0)}, out: []graph.Shape{{batch, d(8)}}},
		{name: "fold", op: &tensor.Slice{}, in: []*graph.Value{ints(1, 3, 224, 224), ints(2), ints(maxI64)}, out: []graph.Shape{graph.S(2)}, konst: []int64{224, 224}},
		{name: "bounds not constant", op: &tensor.Slice{}, in: []*graph.Value{t32(4, 6), {Name: "s", Shape: graph.S(1), DType: graph.Int64}, ints(3), ints(1)},
			out: []graph.Shape{{d(4), graph.Unknown()}}},
	})
}

func TestSplit(t *testing.T) {
	check(t, []otc{
		{name: "attribute", op: &tensor.Split{Sizes: []int64{2, 4}}, nout: 2, in: []*graph.Value{t32(6, 5)}, out: []graph.Shape{graph.S(2, 5), graph.S(4, 5)}},
		{name: "input", op: &tensor.Split{Axis: 1}, nout: 2, in: []*graph.Value{t32(2, 116, 7), ints(58, 58)}, out: []graph.Shape{graph.S(2, 58, 7), graph.S(2, 58, 7)}},
		{name: "equal", op: &tensor.Split{Axis: -1}, nout: 3, in: []*graph.Value{t32(2, 9)}, out: []graph.Shape{graph.S(2, 3), graph.S(2, 3), graph.S(2, 3)}},
		// num_outputs=3 of 10: ceil(10/3) = 4, 4, and 10-8 = 2.
		{name: "uneven", op: &tensor.Split{}, nout: 3, in: []*graph.Value{t32(10)}, out: []graph.Shape{graph.S(4), graph.S(4), graph.S(2)}},
		{name: "sizes must add up", op: &tensor.Split{Sizes: []int64{2, 2}}, nout: 2, in: []*graph.Value{t32(6)}, err: "add up to 4"},
	})
}

func TestResize(t *testing.T) {
	r11 := func() *tensor.Resize { return &tensor.Resize{ScalesInput: 2, SizesInput: 3} }
	empty := &graph.Value{Name: "", Shape: graph.S(0), DType: graph.Float32, Const: &graph.Const{Floats: []float64{}}}
	check(t, []otc{
		{name: "scales", op: r11(), in: []*graph.Value{t32(1, 3, 28, 28), empty, floats(1, 1, 2, 2)}, out: []graph.Shape{graph.S(1, 3, 56, 56)}},
		{name: "scales round down", op: r11(), in: []*graph.Value{t32(1, 3, 7, 7), empty, floats(1, 1, 0.5, 0.5)}, out: []graph.Shape{graph.S(1, 3, 3, 3)}},
		{name: "sizes", op: r11(), in: []*graph.Value{t32(1, 3, 28, 28), empty, empty, ints(1, 3, 10, 12)}, out: []graph.Shape{graph.S(1, 3, 10, 12)}},
		{name: "sizes with axes", op: &tensor.Resize{ScalesInput: 2, SizesInput: 3, Axes: []int64{2, 3}}, in: []*graph.Value{t32(1, 3, 28, 28), nil, nil, ints(5, 6)}, out: []graph.Shape{graph.S(1, 3, 5, 6)}},
		// not_larger: scale = min(10/20, 10/40) = 0.25: 20*0.25 = 5, 40*0.25 = 10.
		{name: "not_larger", op: &tensor.Resize{ScalesInput: 2, SizesInput: 3, Axes: []int64{2, 3}, Policy: tensor.NotLarger}, in: []*graph.Value{t32(1, 3, 20, 40), nil, nil, ints(10, 10)}, out: []graph.Shape{graph.S(1, 3, 5, 10)}},
		{name: "upsample attribute", op: &tensor.Resize{ScalesInput: -1, SizesInput: -1, Scales: []float64{1, 1, 2, 3}}, in: []*graph.Value{t32(1, 2, 4, 4)}, out: []graph.Shape{graph.S(1, 2, 8, 12)}},
	})
}

func TestUnknown(t *testing.T) {
	// An op that cannot tell its output leaves it unknown with a note,
	// and inference carries on.
	check(t, []otc{
		{name: "squeeze of an unknown axis", op: &tensor.Squeeze{}, in: []*graph.Value{sym(batch, d(3))}, err: "unknown:whether it is squeezed cannot be told"},
		{name: "unsqueeze axes not constant", op: &tensor.Unsqueeze{}, in: []*graph.Value{t32(3), {Name: "a", Shape: graph.S(1), DType: graph.Int64}}, err: "unknown:not a constant"},
	})
}

// TestIndexAndData covers the ops whose output size depends on indices,
// data or boxes; the shapes follow ONNX's operator specifications.
func TestIndexAndData(t *testing.T) {
	unk := graph.Unknown()
	i64 := func(sizes ...int64) *graph.Value {
		return &graph.Value{Name: "i", Shape: graph.S(sizes...), DType: graph.Int64}
	}
	check(t, []otc{
		{name: "size", op: tensor.SizeOf{}, in: []*graph.Value{t32(2, 3, 4)}, out: []graph.Shape{{}}, konst: []int64{24}},
		{name: "identity passes the constant", op: &tensor.Same{Fold: true}, in: []*graph.Value{ints(5, 6)}, out: []graph.Shape{graph.S(2)}, konst: []int64{5, 6}},
		{name: "dropout mask", op: &tensor.Same{OutTypes: []graph.DType{"", graph.Bool}}, nout: 2, in: []*graph.Value{t32(4, 5)}, out: []graph.Shape{graph.S(4, 5), graph.S(4, 5)}},
		{name: "constant", op: &tensor.Constant{Shape: graph.S(2), DType: graph.Int64, Ints: []int64{3, 4}}, out: []graph.Shape{graph.S(2)}, konst: []int64{3, 4}},
		// GatherElements: the shape of the indices.
		{name: "gather elements", op: tensor.GatherElements{}, in: []*graph.Value{t32(3, 4), i64(3, 2)}, out: []graph.Shape{graph.S(3, 2)}},
		{name: "gather elements rank", op: tensor.GatherElements{}, in: []*graph.Value{t32(3, 4), i64(2)}, err: "same rank"},
		// GatherND: indices[:-1] + data[batch_dims+indices[-1]:].
		{name: "gather nd", op: &tensor.GatherND{}, in: []*graph.Value{t32(2, 3, 4), i64(5, 2)}, out: []graph.Shape{graph.S(5, 4)}},
		{name: "gather nd batch", op: &tensor.GatherND{BatchDims: 1}, in: []*graph.Value{t32(2, 3, 4), i64(2, 1)}, out: []graph.Shape{graph.S(2, 4)}},
		{name: "gather nd too deep", op: &tensor.GatherND{}, in: []*graph.Value{t32(2, 3), i64(5, 3)}, err: "do not fit"},
		// NonZero: (rank, count of non-zero elements).
		{name: "nonzero", op: tensor.NonZero{}, in: []*graph.Value{t32(2, 3)}, out: []graph.Shape{{d(2), unk}}},
		{name: "compress flat", op: &tensor.Compress{}, in: []*graph.Value{t32(3, 4), {Name: "c", Shape: graph.S(12), DType: graph.Bool}}, out: []graph.Shape{{unk}}},
		{name: "compress axis", op: &tensor.Compress{Axis: ptr(1)}, in: []*graph.Value{t32(3, 4), {Name: "c", Shape: graph.S(4), DType: graph.Bool}}, out: []graph.Shape{{d(3), unk}}},
		{name: "nms", op: tensor.NonMaxSuppression{}, in: []*graph.Value{t32(1, 6, 4), t32(1, 1, 6)}, out: []graph.Shape{{unk, d(3)}}},
		// OneHot: an axis of size depth inserted, at the end by default.
		{name: "one hot", op: &tensor.OneHot{Axis: -1}, in: []*graph.Value{i64(2, 3), scalar(10), floats(0, 1)}, out: []graph.Shape{graph.S(2, 3, 10)}},
		{name: "one hot axis 0", op: &tensor.OneHot{Axis: 0}, in: []*graph.Value{i64(2, 3), scalar(10), floats(0, 1)}, out: []graph.Shape{graph.S(10, 2, 3)}},
		// DepthToSpace: (N, C/b², H*b, W*b); SpaceToDepth the reverse.
		{name: "depth to space", op: &tensor.DepthToSpace{Block: 2}, in: []*graph.Value{t32(1, 8, 3, 3)}, out: []graph.Shape{graph.S(1, 2, 6, 6)}},
		{name: "space to depth", op: &tensor.DepthToSpace{Block: 2, ToDepth: true}, in: []*graph.Value{t32(1, 2, 6, 6)}, out: []graph.Shape{graph.S(1, 8, 3, 3)}},
		{name: "det", op: tensor.Det{}, in: []*graph.Value{t32(5, 3, 3)}, out: []graph.Shape{graph.S(5)}},
		// GridSample: (N, C) of the input, the grid's spatial axes.
		{name: "grid sample", op: tensor.GridSample{}, in: []*graph.Value{t32(1, 3, 10, 10), t32(1, 4, 5, 2)}, out: []graph.Shape{graph.S(1, 3, 4, 5)}},
		{name: "roi align", op: &tensor.RoiAlign{OutH: 7, OutW: 7}, in: []*graph.Value{t32(1, 256, 50, 50), t32(8, 4), i64(8)}, out: []graph.Shape{graph.S(8, 256, 7, 7)}},
		{name: "center crop pad", op: &tensor.CenterCropPad{Axes: []int64{0, 1}}, in: []*graph.Value{t32(10, 20, 3), ints(8, 24)}, out: []graph.Shape{graph.S(8, 24, 3)}},
	})
}

// TestFuncNames: a Func prints as the function is usually named, and the
// comparison and logic functions give bool.
func TestFuncNames(t *testing.T) {
	for f, want := range map[tensor.Func]string{tensor.Add: "Add", tensor.Relu: "Relu", tensor.Fmod: "Fmod", tensor.Where: "Where", tensor.Func(-1): "Func(?)"} {
		if got := f.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(f), got, want)
		}
	}
	n, err := runN(&tensor.Elementwise{Func: tensor.Less}, 1, t32(2), t32(2))
	if err != nil || n.Outputs[0].DType != graph.Bool {
		t.Errorf("Less: %v, dtype %s; want bool", err, n.Outputs[0].DType)
	}
	n, err = runN(&tensor.Elementwise{Func: tensor.Where}, 1, &graph.Value{Name: "c", Shape: graph.S(2), DType: graph.Bool}, ints(1, 2), ints(3, 4))
	if err != nil || n.Outputs[0].DType != graph.Int64 {
		t.Errorf("Where: %v, dtype %s; want int64 (its x's)", err, n.Outputs[0].DType)
	}
}

// TestDivisions: integer Div truncates toward zero (C, ONNX); FloorDiv
// rounds down (Python's //): -7/2 is -3 and -7//2 is -4; 7/2 and 7//2 are
// both 3; a float FloorDiv floors the quotient, -7.5//2 = -4.
func TestDivisions(t *testing.T) {
	check(t, []otc{
		{name: "div truncates", op: &tensor.Elementwise{Func: tensor.Div}, in: []*graph.Value{ints(-7, 7), ints(2)}, out: []graph.Shape{graph.S(2)}, konst: []int64{-3, 3}},
		{name: "floor div", op: &tensor.Elementwise{Func: tensor.FloorDiv}, in: []*graph.Value{ints(-7, 7, -6), ints(2)}, out: []graph.Shape{graph.S(3)}, konst: []int64{-4, 3, -3}},
		{name: "floor div by a negative", op: &tensor.Elementwise{Func: tensor.FloorDiv}, in: []*graph.Value{ints(7), ints(-2)}, out: []graph.Shape{graph.S(1)}, konst: []int64{-4}},
	})
	n, err := runN(&tensor.Elementwise{Func: tensor.FloorDiv}, 1, floats(-7.5), floats(2))
	if err != nil || n.Outputs[0].Const == nil || len(n.Outputs[0].Const.Floats) != 1 || n.Outputs[0].Const.Floats[0] != -4 {
		t.Errorf("float floor div: %v %+v, want [-4]", err, n.Outputs[0].Const)
	}
	// batch // 1 is batch: the symbolic element survives.
	s := &graph.Value{Name: "s", Shape: graph.S(1), DType: graph.Int64, Const: &graph.Const{Ints: []int64{0}, Dims: []graph.Dim{batch}}}
	n, err = runN(&tensor.Elementwise{Func: tensor.FloorDiv}, 1, s, ints(1))
	if k := n.Outputs[0].Const; err != nil || k == nil || len(k.Dims) != 1 || k.Dims[0] != batch {
		t.Errorf("batch // 1: %v %+v, want [batch]", err, k)
	}
}

package onnx

import (
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/op"
)

// The expected values below are worked out by hand from the ONNX operator
// specifications (onnx/docs/Operators.md), not taken from the code's
// output: the ops whose conventions are ONNX's (the kernel read from the
// weight, auto_pad, pooling's other operations, the recurrent layouts).

// t32 is a float32 tensor of a known shape.
func t32(sizes ...int64) *graph.Value {
	return &graph.Value{Name: "x", Shape: graph.S(sizes...), DType: graph.Float32}
}

// sym is a float32 tensor whose shape may have symbolic dims.
func sym(dims ...graph.Dim) *graph.Value {
	return &graph.Value{Name: "x", Shape: graph.Shape(dims), DType: graph.Float32}
}

// param marks a value as an initializer.
func param(v *graph.Value) *graph.Value {
	v.Param = &graph.Param{Name: v.Name, Shape: v.Shape, DType: v.DType, Trainable: true}
	return v
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
	err   string        // an error
}

func checkOps(t *testing.T, cases []otc) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			nout := max(c.nout, 1)
			n, err := runN(c.op, nout, c.in...)
			if c.err != "" {
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
					t.Errorf("output %d: %s, want %s (%s)", i, fmtDims(got), fmtDims(want), strings.Join(n.ShapeWhy(), "; "))
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
		})
	}
}

var (
	batch = graph.Symbol("batch")
	d     = graph.D
)

// convOf is an ONNX convolution with the attributes of c, its kernel read
// from input 1.
func convOf(c op.Conv) *conv { c.WeightsGiven = true; return &conv{Conv: c, weight: 1} }

func TestONNXConv(t *testing.T) {
	w := func(s ...int64) *graph.Value { return param(t32(s...)) }
	checkOps(t, []otc{
		{name: "weights from the input", op: convOf(op.Conv{Pad: op.Pad(1)}), in: []*graph.Value{t32(1, 3, 32, 32), w(16, 3, 3, 3)},
			out: []graph.Shape{graph.S(1, 16, 32, 32)}, flops: 2 * 3 * 3 * 3 * 16 * 32 * 32, other: -1},
		{name: "bias counts as other ops", op: convOf(op.Conv{Bias: true}), in: []*graph.Value{t32(1, 3, 5, 5), w(4, 3, 3, 3), w(4)},
			out: []graph.Shape{graph.S(1, 4, 3, 3)}, flops: 2 * 3 * 3 * 3 * 4 * 3 * 3, other: 4 * 3 * 3},
		// SAME: out = ceil(in/stride); VALID: ceil((in - d*(k-1))/s).
		{name: "SAME_UPPER", op: convOf(op.Conv{Stride: []int64{2}, Pad: op.Padding{Mode: op.PadSameEnd}}), in: []*graph.Value{t32(1, 2, 7, 8), w(4, 2, 3, 3)},
			out: []graph.Shape{graph.S(1, 4, 4, 4)}, flops: -1, other: -1},
		{name: "SAME_LOWER", op: convOf(op.Conv{Stride: []int64{2}, Pad: op.Padding{Mode: op.PadSameBegin}}), in: []*graph.Value{t32(1, 2, 9, 9), w(4, 2, 4, 4)},
			out: []graph.Shape{graph.S(1, 4, 5, 5)}, flops: -1, other: -1},
		{name: "VALID", op: convOf(op.Conv{Stride: []int64{2}, Pad: op.Padding{Mode: op.PadValid}}), in: []*graph.Value{t32(1, 2, 7, 7), w(4, 2, 3, 3)},
			out: []graph.Shape{graph.S(1, 4, 3, 3)}, flops: -1, other: -1},
		{name: "asymmetric pads", op: convOf(op.Conv{Pad: op.Padding{Begin: []int64{0, 1}, End: []int64{2, 1}}}), in: []*graph.Value{t32(1, 2, 10, 10), w(4, 2, 3, 3)},
			out: []graph.Shape{graph.S(1, 4, 10, 10)}, flops: -1, other: -1},
		{name: "dilation", op: convOf(op.Conv{Dilation: []int64{2}}), in: []*graph.Value{t32(1, 3, 10, 10), w(2, 3, 3, 3)},
			out: []graph.Shape{graph.S(1, 2, 6, 6)}, flops: 2 * 3 * 3 * 3 * 2 * 6 * 6, other: -1},
		{name: "depthwise", op: convOf(op.Conv{Groups: 32}), in: []*graph.Value{t32(1, 32, 8, 8), w(32, 1, 3, 3)},
			out: []graph.Shape{graph.S(1, 32, 6, 6)}, flops: 2 * 3 * 3 * 1 * 32 * 6 * 6, other: -1},
		{name: "channels disagree", op: convOf(op.Conv{}), in: []*graph.Value{t32(1, 3, 8, 8), w(4, 2, 3, 3)}, err: "the input has 3 channels"},
		{name: "unknown channels taken from the weight", op: convOf(op.Conv{}), in: []*graph.Value{sym(batch, graph.Unknown(), d(8), d(8)), w(4, 2, 3, 3)},
			out: []graph.Shape{{batch, d(4), d(6), d(6)}}, flops: 2 * 3 * 3 * 2 * 4 * 6 * 6, other: -1},
		{name: "1d", op: convOf(op.Conv{Stride: []int64{3}}), in: []*graph.Value{t32(1, 4, 100), w(16, 4, 7)},
			out: []graph.Shape{graph.S(1, 16, 32)}, flops: 2 * 7 * 4 * 16 * 32, other: -1},
		// ConvTranspose: s*(in-1) + output_padding + d*(k-1) + 1 - pads.
		{name: "transposed", op: convOf(op.Conv{Transposed: true, Stride: []int64{2}, Pad: op.Pad(1)}), in: []*graph.Value{t32(1, 8, 5, 5), w(8, 4, 3, 3)},
			out: []graph.Shape{graph.S(1, 4, 9, 9)}, flops: 2 * 8 * 4 * 3 * 3 * 5 * 5, other: -1},
		{name: "transposed output_padding", op: convOf(op.Conv{Transposed: true, Stride: []int64{2}, Pad: op.Pad(1), OutputPadding: []int64{1}}), in: []*graph.Value{t32(1, 8, 5, 5), w(8, 4, 3, 3)},
			out: []graph.Shape{graph.S(1, 4, 10, 10)}, flops: -1, other: -1},
		{name: "transposed output_shape", op: convOf(op.Conv{Transposed: true, Stride: []int64{2}, OutputSize: []int64{10, 10}}), in: []*graph.Value{t32(1, 8, 5, 5), w(8, 4, 3, 3)},
			out: []graph.Shape{graph.S(1, 4, 10, 10)}, flops: -1, other: -1},
		{name: "transposed groups", op: convOf(op.Conv{Transposed: true, Groups: 2, Stride: []int64{2}}), in: []*graph.Value{t32(1, 4, 3, 3), w(4, 4, 2, 2)},
			out: []graph.Shape{graph.S(1, 8, 6, 6)}, flops: -1, other: -1},
	})
	// No parameters are created: the weight input carries it.
	n, _ := runN(convOf(op.Conv{}), 1, t32(1, 3, 8, 8), param(t32(4, 3, 3, 3)))
	if len(n.Params) != 1 || n.Params[0] != n.Inputs[1].Param {
		t.Errorf("params %v, want just the weight input's", n.Params)
	}
}

func TestONNXPool(t *testing.T) {
	pool := func(k, s int64, pad op.Padding, r op.Rounding, dil ...int64) *pooled {
		return &pooled{Op: &op.Pool{Kernel: []int64{k}, Stride: []int64{s}, Pad: pad, Rounding: r, Dilation: dil}}
	}
	checkOps(t, []otc{
		{name: "floor", op: pool(3, 2, op.Pad(0), op.Floor), in: []*graph.Value{t32(1, 1, 112, 112)}, out: []graph.Shape{graph.S(1, 1, 55, 55)}, flops: 0, other: 55 * 55 * 9},
		// ceil((112-3)/2)+1 = 56, and (56-1)*2 = 110 < 112: kept.
		{name: "ceil_mode", op: pool(3, 2, op.Pad(0), op.CeilClip), in: []*graph.Value{t32(1, 1, 112, 112)}, out: []graph.Shape{graph.S(1, 1, 56, 56)}, flops: 0, other: -1},
		// ceil((5+2-2)/2)+1 = 4, but (4-1)*2 = 6 >= 5+1: the last window starts in the padding.
		{name: "ceil_mode clipped", op: pool(2, 2, op.Pad(1), op.CeilClip), in: []*graph.Value{t32(1, 1, 5, 5)}, out: []graph.Shape{graph.S(1, 1, 3, 3)}, flops: 0, other: -1},
		{name: "SAME_UPPER", op: pool(3, 2, op.Padding{Mode: op.PadSameEnd}, op.Floor), in: []*graph.Value{t32(1, 1, 7, 7)}, out: []graph.Shape{graph.S(1, 1, 4, 4)}, flops: 0, other: -1},
		{name: "SAME_LOWER", op: pool(2, 1, op.Padding{Mode: op.PadSameBegin}, op.Floor), in: []*graph.Value{t32(1, 1, 6, 6)}, out: []graph.Shape{graph.S(1, 1, 6, 6)}, flops: 0, other: -1},
		{name: "VALID", op: pool(3, 2, op.Padding{Mode: op.PadValid}, op.Floor), in: []*graph.Value{t32(1, 1, 8, 8)}, out: []graph.Shape{graph.S(1, 1, 3, 3)}, flops: 0, other: -1},
		{name: "dilations", op: pool(3, 1, op.Pad(0), op.Floor, 2), in: []*graph.Value{t32(1, 1, 10, 10)}, out: []graph.Shape{graph.S(1, 1, 6, 6)}, flops: 0, other: -1},
		{name: "indices output", op: pool(2, 2, op.Pad(0), op.Floor), nout: 2, in: []*graph.Value{t32(1, 3, 4, 4)}, out: []graph.Shape{graph.S(1, 3, 2, 2), graph.S(1, 3, 2, 2)}, flops: 0, other: -1},
		{name: "global", op: &pooled{Op: &op.GlobalPool{KeepDims: true}}, in: []*graph.Value{t32(1, 512, 7, 7)}, out: []graph.Shape{graph.S(1, 512, 1, 1)}, flops: 0, other: 512 * 49},
	})
}

func TestONNXRecurrent(t *testing.T) {
	checkOps(t, []otc{
		// LSTM: 4 gates; FLOPs 2*seq*batch*dirs*4*H*(I+H).
		{name: "lstm", op: &rnn{Gates: 4}, nout: 3, in: []*graph.Value{t32(7, 2, 10), t32(1, 80, 10), t32(1, 80, 20)},
			out: []graph.Shape{graph.S(7, 1, 2, 20), graph.S(1, 2, 20), graph.S(1, 2, 20)}, flops: 2 * 7 * 2 * 4 * 20 * (10 + 20), other: -1},
		{name: "gru bidirectional batch first", op: &rnn{Gates: 3, Hidden: 16, Layout: 1}, nout: 2, in: []*graph.Value{t32(2, 5, 8), t32(2, 48, 8), t32(2, 48, 16)},
			out: []graph.Shape{graph.S(2, 5, 2, 16), graph.S(2, 2, 16)}, flops: 2 * 5 * 2 * 2 * 3 * 16 * (8 + 16), other: -1},
	})
}

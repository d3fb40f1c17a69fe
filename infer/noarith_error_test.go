package infer

import (
	"math"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/op"
	"github.com/layerinfo/layerinfo/op/tensor"
)

// TestNoArithmeticErrors: errors whose message quotes arithmetic read
// the same under NoArithmetic, where the ops keep bare values (Run infers
// the node again with the arithmetic to word the error).
func TestNoArithmeticErrors(t *testing.T) {
	big := int64(math.MaxInt64 / 4)
	for _, c := range []struct {
		name  string
		in    graph.Shape
		op    graph.Op
		param graph.Shape // a second input, a parameter, when not nil
		want  string      // in the error
	}{
		{"conv too small", graph.S(1, 1, 3, 3), &op.Conv{Filters: 2, Kernel: []int64{5}}, nil,
			"height: 3-(5-1) = -1: the filter of size 5"},
		{"strided conv too small", graph.S(1, 1, 3, 3), &op.Conv{Filters: 2, Kernel: []int64{5}, Stride: []int64{2}}, nil,
			"height: floor((3-5)/2)+1 = 0: the filter"},
		{"pool too small", graph.S(1, 1, 2, 9), &op.Pool{Kernel: []int64{3}, Stride: []int64{1}}, nil,
			"height: 2-(3-1) = 0: the pool of size 3"},
		{"conv count overflow", graph.S(1, 1, 4, 4), &op.Conv{Filters: big, Kernel: []int64{3}, Bias: true}, nil,
			"integer overflow"},
		{"conv FLOPs overflow", graph.S(1<<20, 1, 1<<20, 1<<20), &op.Conv{Filters: 1 << 20, Kernel: []int64{1}}, nil,
			"counting FLOPs: 2*1*1*1*1048576*1048576*1048576*1048576: integer overflow"},
		{"dense FLOPs overflow", graph.S(1<<31, 1<<20), &op.Linear{Units: 1 << 20, From: 1, Bias: true}, nil,
			"integer overflow"},
		{"separable too small", graph.S(1, 3, 3, 3), &op.SeparableConv{Filters: 4, Kernel: []int64{5}}, nil,
			"depthwise step: height: 3-(5-1) = -1"},
		{"matmul FLOPs overflow", graph.S(1<<22, 1<<22, 1<<10), &tensor.MatMul{}, graph.S(1<<10, 1<<22),
			"counting FLOPs: 2*4194304*1024*4194304*4194304: integer overflow"},
	} {
		var msgs [2]string
		for i, terse := range []bool{false, true} {
			g := &graph.Graph{}
			x := &graph.Value{Name: "x", Shape: c.in, DType: graph.Float32}
			ins := []*graph.Value{x}
			if c.param != nil {
				p := &graph.Param{Name: "w", Role: "W", Shape: c.param, DType: graph.Float32, Trainable: true}
				ins = append(ins, &graph.Value{Name: "w", Shape: c.param, DType: graph.Float32, Param: p})
			}
			g.Inputs = ins
			n := g.NewNode("layer", "T", c.op, ins, 1, graph.Pos{})
			g.Outputs = n.Outputs
			err := Run(g, Options{NoArithmetic: terse})
			if err == nil {
				t.Fatalf("%s (NoArithmetic %v): no error", c.name, terse)
			}
			msgs[i] = err.Error()
		}
		if !strings.Contains(msgs[0], c.want) {
			t.Errorf("%s: error %q does not say %q", c.name, msgs[0], c.want)
		}
		if msgs[0] != msgs[1] {
			t.Errorf("%s: error\n%s\nunder NoArithmetic:\n%s", c.name, msgs[0], msgs[1])
		}
	}
}

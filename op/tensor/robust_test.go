package tensor_test

import (
	"fmt"
	"testing"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/op/tensor"
)

// TestMissingInputs: an op called with fewer inputs than it reads (a
// front-end without ONNX's input-count check), or with scalar, empty or
// unknown shapes, returns an error or unknown outputs, never panics.
func TestMissingInputs(t *testing.T) {
	ops := []graph.Op{
		&tensor.Elementwise{Func: tensor.Add}, &tensor.Elementwise{Func: tensor.Where}, &tensor.Elementwise{Func: tensor.Clip},
		&tensor.Cast{}, &tensor.Same{Fold: true}, &tensor.ShapeOf{}, tensor.SizeOf{}, &tensor.Squeeze{}, &tensor.Unsqueeze{},
		&tensor.Reshape{}, &tensor.Flatten2D{}, &tensor.Transpose{}, tensor.Expand{}, tensor.Tile{}, tensor.Range{},
		&tensor.Full{}, &tensor.Constant{}, &tensor.Resize{ScalesInput: 2, SizesInput: 3}, &tensor.TopK{}, &tensor.ArgReduce{},
		&tensor.Reduce{}, &tensor.Gather{}, tensor.GatherElements{}, &tensor.GatherND{}, &tensor.Concat{}, &tensor.Slice{},
		&tensor.Split{}, &tensor.Pad{}, tensor.NonZero{}, &tensor.Compress{}, tensor.NonMaxSuppression{}, &tensor.OneHot{},
		&tensor.DepthToSpace{Block: 2}, tensor.Det{}, tensor.GridSample{}, &tensor.RoiAlign{}, &tensor.CenterCropPad{},
		&tensor.MatMul{}, &tensor.MatMul{A: 0, B: 3}, &tensor.Gemm{}, &tensor.Einsum{Equation: "ij,jk"}, &tensor.Norm{Stats: tensor.ChannelStats},
	}
	shapes := []graph.Shape{graph.S(2, 3), {}, nil, graph.S(0)}
	for _, o := range ops {
		for nin := 0; nin <= 3*len(shapes); nin++ {
			t.Run(fmt.Sprintf("%T/%d", o, nin), func(t *testing.T) {
				var ins []*graph.Value
				for i := 0; i < nin/len(shapes); i++ {
					ins = append(ins, &graph.Value{Name: "x", Shape: shapes[(nin+i)%len(shapes)], DType: graph.Int64})
				}
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("panic: %v", r)
					}
				}()
				g := &graph.Graph{}
				n := g.NewNode("n", "T", o, ins, 2, graph.Pos{})
				o.Infer(n)
			})
		}
	}
}

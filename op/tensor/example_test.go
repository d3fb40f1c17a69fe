package tensor_test

import (
	"fmt"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/op/tensor"
)

// A front-end builds the nodes of a dataflow graph from tensor ops. Here
// x.reshape(x.shape[0], -1), as an exporter writes it: Shape, Gather,
// Unsqueeze, Concat, Reshape. The shape computation is folded, and the
// symbolic batch comes through to the output.
func Example() {
	g := &graph.Graph{}
	x := &graph.Value{Name: "x", Shape: graph.Shape{graph.Symbol("batch"), graph.D(3), graph.D(224), graph.D(224)}, DType: graph.Float32}
	zero := &graph.Value{Name: "zero", Shape: graph.Shape{}, DType: graph.Int64, Const: &graph.Const{Ints: []int64{0}}}
	minus1 := &graph.Value{Name: "minus1", Shape: graph.S(1), DType: graph.Int64, Const: &graph.Const{Ints: []int64{-1}}}
	g.Inputs = []*graph.Value{x, zero, minus1}

	shape := g.NewNode("shape", "Shape", &tensor.ShapeOf{}, []*graph.Value{x}, 1, graph.Pos{})
	n := g.NewNode("n", "Gather", &tensor.Gather{Axis: 0}, []*graph.Value{shape.Outputs[0], zero}, 1, graph.Pos{})
	n1 := g.NewNode("n1", "Unsqueeze", &tensor.Unsqueeze{Axes: []int64{0}}, []*graph.Value{n.Outputs[0]}, 1, graph.Pos{})
	target := g.NewNode("target", "Concat", &tensor.Concat{Axis: 0}, []*graph.Value{n1.Outputs[0], minus1}, 1, graph.Pos{})
	flat := g.NewNode("flat", "Reshape", &tensor.Reshape{}, []*graph.Value{x, target.Outputs[0]}, 1, graph.Pos{})
	if err := infer.Run(g, infer.Options{}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(target.ShapeWhy())
	fmt.Println(flat.Outputs[0].Shape.Join(", "))
	fmt.Println(flat.ShapeWhy()[0])
	// Output:
	// [axis 0: 1+1 = 2]
	// batch, 150528
	// -1 at position 1: 3*224*224 = 150528 ([batch] cancel)
}

// Elementwise functions are chosen by a Func; small constant inputs are
// folded (here as PyTorch's remainder and fmod differ on a negative
// dividend).
func ExampleElementwise() {
	g := &graph.Graph{}
	a := &graph.Value{Name: "a", Shape: graph.S(2), DType: graph.Int64, Const: &graph.Const{Ints: []int64{-7, 7}}}
	b := &graph.Value{Name: "b", Shape: graph.Shape{}, DType: graph.Int64, Const: &graph.Const{Ints: []int64{3}}}
	g.Inputs = []*graph.Value{a, b}
	mod := g.NewNode("mod", "remainder", &tensor.Elementwise{Func: tensor.Mod}, []*graph.Value{a, b}, 1, graph.Pos{})
	fmod := g.NewNode("fmod", "fmod", &tensor.Elementwise{Func: tensor.Fmod}, []*graph.Value{a, b}, 1, graph.Pos{})
	if err := infer.Run(g, infer.Options{}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(mod.Outputs[0].Const.Ints, fmod.Outputs[0].Const.Ints)
	// Output:
	// [2 1] [-1 1]
}

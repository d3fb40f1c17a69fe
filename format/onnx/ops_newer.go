package onnx

import (
	"fmt"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/op/tensor"
)

// Operators of opsets 18 and later (Col2Im, DeformConv, AffineGrid, the
// string operators, ImageDecoder, BitCast, CumProd, SwiGLU,
// CausalConvWithState) and the older MaxRoiPool and Multinomial.

func init() {
	register("", map[string]maker{
		"CumProd": sameShape,
		"BitCast": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
			return &tensor.Same{OutTypes: []graph.DType{dtypeOf(DataType(nd.attrInt("to", 0)))}}, 1
		},
		"RegexFullMatch": fixed(func() graph.Op { return &tensor.Same{OutTypes: []graph.DType{graph.Bool}, Cost: 1} }, 1),
		"StringConcat":   fixed(func() graph.Op { return broadcastOp{cost: 1} }, 2),
		"SwiGLU":         fixed(func() graph.Op { return broadcastOp{cost: 3} }, 2), // sigmoid, multiply, multiply
		"StringSplit":    fixed(func() graph.Op { return stringSplit{} }, 1),
		"ImageDecoder": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
			return &imageDecoder{gray: nd.attrString("pixel_format", "RGB") == "Grayscale"}, 1
		},
		"Col2Im": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
			return col2im{}, 3
		},
		"AffineGrid": fixed(func() graph.Op { return affineGrid{} }, 2),
		"DeformConv": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
			// X, W, offset, B, mask: the bias is input 3.
			o, _ := makeConv(nd)
			if c, ok := o.(*conv); ok {
				c.Bias = len(nd.Inputs) > 3 && nd.Inputs[3] != ""
			}
			return o, 3
		},
		"CausalConvWithState": fixed(func() graph.Op { return causalConv{} }, 2),
		"MaxRoiPool": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
			return &maxRoiPool{pooled: nd.attrInts("pooled_shape")}, 2
		},
		"Multinomial": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
			dt := graph.Int32
			if t := nd.attrInt("dtype", 6); t != 6 {
				dt = dtypeOf(DataType(t))
			}
			return &multinomial{samples: nd.attrInt("sample_size", 1), dtype: dt}, 1
		},
	})
}

// broadcastOp gives the numpy broadcast of its two inputs, cost
// operations per output element.
type broadcastOp struct{ cost int64 }

func (b broadcastOp) Infer(n *graph.Node) error {
	out, err := tensor.Broadcast(n.In(0), n.In(1))
	if err != nil {
		return err
	}
	setOut(n, 0, out, "")
	otherOps(n, b.cost, out)
	noFLOPs(n)
	return nil
}

// stringSplit is StringSplit: Y is X's shape plus an axis of the most
// substrings any element gives (known only from the data); Z, the count
// per element, X's shape.
type stringSplit struct{}

func (stringSplit) Infer(n *graph.Node) error {
	x := n.In(0)
	setOut(n, 0, append(x.Clone(), graph.Unknown()), "string")
	setOut(n, 1, x.Clone(), graph.Int64)
	n.Why("the number of substrings depends on the data")
	otherOps(n, 1, x)
	noFLOPs(n)
	return nil
}

// imageDecoder is ImageDecoder: (height, width, 3), or 1 channel for
// Grayscale, the size known only from the data.
type imageDecoder struct{ gray bool }

func (d *imageDecoder) Infer(n *graph.Node) error {
	c := int64(3)
	if d.gray {
		c = 1
	}
	setOut(n, 0, graph.Shape{graph.Unknown(), graph.Unknown(), graph.D(c)}, graph.Uint8)
	n.Why("the image's size depends on the data")
	noFLOPs(n)
	return nil
}

// col2im is Col2Im: input (N, C·∏block, L), image_shape and block_shape
// (inputs 1 and 2, constants) give (N, C, image…).
type col2im struct{}

func (col2im) Infer(n *graph.Node) error {
	x := n.In(0)
	if len(x) != 3 {
		return fmt.Errorf("the input %s is not (N, C·∏block, L)", fmtDims(x))
	}
	img, ok1 := tensorInts(inputAt(n, 1))
	block, ok2 := tensorInts(inputAt(n, 2))
	if err := sizes("image_shape", img); err != nil {
		return err
	}
	s := n.In(1)
	if len(s) != 1 || !s[0].Known() {
		return graph.Unknownf("image_shape's length is unknown")
	}
	rank := int(s[0].Size)
	out := graph.Shape{x[0], graph.Unknown()}
	for i := 0; i < rank; i++ {
		if ok1 && i < len(img) {
			out = append(out, graph.D(img[i]))
		} else {
			out = append(out, graph.Unknown())
		}
	}
	if ok2 && x[1].Known() {
		p := int64(1)
		for _, b := range block {
			p *= max(b, 1)
		}
		if x[1].Size%p != 0 {
			return fmt.Errorf("%d channels are not a multiple of the block's %d elements", x[1].Size, p)
		}
		out[1] = graph.D(x[1].Size / p)
		n.Why("C = %d / %d", x[1].Size, p)
	}
	setOut(n, 0, out, "")
	noFLOPs(n)
	return nil
}

// affineGrid is AffineGrid: theta (N, 2, 3) or (N, 3, 4) and size (N, C,
// H, W) or (N, C, D, H, W), a constant, give (N, H, W, 2) or (N, D, H, W,
// 3).
type affineGrid struct{}

func (affineGrid) Infer(n *graph.Node) error {
	theta := n.In(0)
	if len(theta) != 3 {
		return fmt.Errorf("theta %s is not (N, 2, 3) or (N, 3, 4)", fmtDims(theta))
	}
	size, ok := tensorInts(inputAt(n, 1))
	if err := sizes("size", size); err != nil {
		return err
	}
	var sp int
	switch {
	case ok:
		sp = len(size) - 2
	case theta[1].Known():
		sp = int(theta[1].Size)
	default:
		return graph.Unknownf("the grid's rank is unknown")
	}
	if sp != 2 && sp != 3 {
		return fmt.Errorf("size gives %d spatial axes, not 2 or 3", sp)
	}
	out := graph.Shape{theta[0]}
	for i := 0; i < sp; i++ {
		if ok {
			out = append(out, graph.D(size[2+i]))
		} else {
			out = append(out, graph.Unknown())
		}
	}
	if ok && !out[0].Known() {
		out[0] = graph.D(size[0])
	}
	out = append(out, graph.D(int64(sp)))
	setOut(n, 0, out, "")
	n.OtherOps = calc.Mul(calc.N(int64(2*sp+2)), out.Numel()) // one affine map per point
	noFLOPs(n)
	return nil
}

// causalConv is CausalConvWithState: a depthwise causal convolution of
// (batch, channels, length) by weight (channels, 1, k): output the
// input's shape, present_state (batch, channels, k−1). FLOPs 2·B·C·L·k.
type causalConv struct{}

func (causalConv) Infer(n *graph.Node) error {
	x, w := n.In(0), n.In(1)
	if len(x) != 3 || len(w) != 3 {
		return fmt.Errorf("input %s and weight %s must be (batch, channels, length) and (channels, 1, k)", fmtDims(x), fmtDims(w))
	}
	k := w[2]
	setOut(n, 0, x.Clone(), "")
	km1 := graph.DimOf(calc.Sub(k.Expr(), calc.N(1)))
	setOut(n, 1, graph.Shape{x[0], x[1], km1}, "")
	b := x[0]
	n.FLOPs = tensor.FlopsDims(&b, x[1].Expr(), x[2].Expr(), k.Expr())
	return nil
}

// maxRoiPool is MaxRoiPool: X (N, C, H, W), rois (num_rois, 5) give
// (num_rois, C, pooled_h, pooled_w).
type maxRoiPool struct{ pooled []int64 }

func (m *maxRoiPool) Infer(n *graph.Node) error {
	x, rois := n.In(0), n.In(1)
	if len(x) != 4 || len(rois) != 2 || len(m.pooled) != 2 || m.pooled[0] < 1 || m.pooled[1] < 1 {
		//lint:ignore ST1005 the message starts with the operator's (or operand's) name
		return fmt.Errorf("X %s, rois %s and pooled_shape %v must be 4-D, (num_rois, 5) and two sizes", fmtDims(x), fmtDims(rois), m.pooled)
	}
	out := graph.Shape{rois[0], x[1], graph.D(m.pooled[0]), graph.D(m.pooled[1])}
	setOut(n, 0, out, "")
	noFLOPs(n)
	return nil
}

// multinomial is Multinomial: (batch, classes) gives (batch, sample_size)
// of int32 (or dtype).
type multinomial struct {
	samples int64
	dtype   graph.DType
}

func (m *multinomial) Infer(n *graph.Node) error {
	x := n.In(0)
	if len(x) != 2 || m.samples < 1 {
		return fmt.Errorf("the input %s must be (batch, classes) and sample_size %d positive", fmtDims(x), m.samples)
	}
	setOut(n, 0, graph.Shape{x[0], graph.D(m.samples)}, m.dtype)
	noFLOPs(n)
	return nil
}

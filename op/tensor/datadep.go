package tensor

import (
	"fmt"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
)

// NonZero gives the indices of the non-zero elements: (rank, count), the
// count known only from the data.
type NonZero struct{}

func (NonZero) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	n.SetOut(0, graph.Shape{graph.D(int64(len(in))), graph.Unknown()})
	n.Outputs[0].DType = graph.Int64
	n.Why("(rank, number of non-zero elements): the count depends on the data")
	zeroFLOPs(n)
	return nil
}

// Compress keeps the entries selected by a boolean condition along Axis,
// or of the flattened input when Axis is nil: how many depends on the data.
type Compress struct {
	Axis *int64
}

func (c *Compress) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	if c.Axis == nil {
		n.SetOut(0, graph.Shape{graph.Unknown()})
	} else {
		ax, err := NormAxis(*c.Axis, len(in))
		if err != nil {
			return err
		}
		out := in.Clone()
		out[ax] = graph.Unknown()
		n.SetOut(0, out)
	}
	n.Why("the selected count depends on the data")
	zeroFLOPs(n)
	return nil
}

// NonMaxSuppression selects boxes: (selected, 3) int64, the count known
// only from the data.
type NonMaxSuppression struct{}

func (NonMaxSuppression) Infer(n *graph.Node) error {
	n.SetOut(0, graph.Shape{graph.Unknown(), graph.D(3)})
	n.Outputs[0].DType = graph.Int64
	n.Why("(selected boxes, 3): the count depends on the data")
	zeroFLOPs(n)
	return nil
}

// OneHot inserts an axis of size depth (input 1, a constant) at Axis of
// the indices' shape.
type OneHot struct {
	Axis int64
}

func (o *OneHot) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	depth := graph.Unknown()
	if v, ok := constFloats(input(n, 1)); present(n, 1) && ok && len(v) == 1 && v[0] >= 0 {
		depth = graph.D(int64(v[0]))
	}
	a := o.Axis
	if a < 0 {
		a += int64(len(in)) + 1
	}
	if a < 0 || a > int64(len(in)) {
		return fmt.Errorf("axis %d is out of range for indices %s", o.Axis, fmtShape(in))
	}
	out := append(append(in[:a].Clone(), depth), in[a:]...)
	n.SetOut(0, out)
	if present(n, 2) {
		n.Outputs[0].DType = n.Inputs[2].DType
	}
	n.Why("axis %d of size depth = %s inserted", a, depth)
	zeroFLOPs(n)
	return nil
}

// DepthToSpace moves Block×Block groups of channels into space (or back,
// SpaceToDepth): (N, C/b², H*b, W*b), or (N, C*b², H/b, W/b).
type DepthToSpace struct {
	Block   int64
	ToDepth bool
}

func (d *DepthToSpace) Infer(n *graph.Node) error {
	in := n.In(0)
	if err := NeedRank(in, "DepthToSpace/SpaceToDepth", 4); err != nil {
		return err
	}
	b := d.Block
	if b <= 0 {
		return fmt.Errorf("blocksize must be positive, got %d", b)
	}
	bb := calc.Mul(calc.N(b), calc.N(b))
	var c, h, w calc.Expr
	if d.ToDepth {
		c = calc.Mul(in[1].Expr(), bb)
		h = calc.Div(in[2].Expr(), calc.N(b))
		w = calc.Div(in[3].Expr(), calc.N(b))
	} else {
		c = calc.Div(in[1].Expr(), bb)
		h = calc.Mul(in[2].Expr(), calc.N(b))
		w = calc.Mul(in[3].Expr(), calc.N(b))
	}
	for _, e := range []calc.Expr{c, h, w} {
		if err := e.Err(); err != nil {
			return err
		}
	}
	n.SetOut(0, graph.Shape{in[0], graph.DimOf(c), graph.DimOf(h), graph.DimOf(w)})
	n.Why("channels: %s; height: %s; width: %s", c.Equation(), h.Equation(), w.Equation())
	zeroFLOPs(n)
	return nil
}

// Det is the determinant of the trailing square matrices: in[:-2].
type Det struct{}

func (Det) Infer(n *graph.Node) error {
	in := n.In(0)
	if len(in) < 2 {
		return fmt.Errorf("Det needs (…, M, M) input, got %s", fmtShape(in))
	}
	n.SetOut(0, in[:len(in)-2].Clone())
	n.Why("the leading axes %s", fmtShape(in[:len(in)-2]))
	zeroFLOPs(n)
	return nil
}

// GridSample samples input 0 (N, C, spatial…) at the points of grid
// (N, out spatial…, k): (N, C, out spatial…).
type GridSample struct{}

func (GridSample) Infer(n *graph.Node) error {
	x, grid := n.In(0), n.In(1)
	if x == nil || grid == nil || len(x) < 3 || len(grid) != len(x) {
		return fmt.Errorf("GridSample needs (N, C, spatial…) input and a grid of the same rank, got %s and %s", fmtShape(x), fmtShape(grid))
	}
	out := append(graph.Shape{x[0], x[1]}, grid[1:len(grid)-1]...)
	n.SetOut(0, out)
	n.Why("(N, C) of the input, spatial axes of the grid: %s", fmtShape(out))
	zeroFLOPs(n)
	return nil
}

// RoiAlign pools each region of interest (input 1, (R, 4)) of a feature
// map (N, C, H, W) to (R, C, OutH, OutW).
type RoiAlign struct {
	OutH, OutW int64
}

func (r *RoiAlign) Infer(n *graph.Node) error {
	x, rois := n.In(0), n.In(1)
	if err := NeedRank(x, "RoiAlign", 4); err != nil {
		return err
	}
	if err := NeedRank(rois, "RoiAlign's rois", 2); err != nil {
		return err
	}
	out := graph.Shape{rois[0], x[1], graph.D(max(r.OutH, 1)), graph.D(max(r.OutW, 1))}
	n.SetOut(0, out)
	n.Why("(regions, channels, output_height, output_width): %s", fmtShape(out))
	zeroFLOPs(n)
	return nil
}

// CenterCropPad crops or pads the Axes (all when nil) to the sizes in
// input 1.
type CenterCropPad struct {
	Axes []int64
}

func (c *CenterCropPad) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	var axes []int
	if c.Axes == nil {
		for i := range in {
			axes = append(axes, i)
		}
	}
	for _, a := range c.Axes {
		x, err := NormAxis(a, len(in))
		if err != nil {
			return err
		}
		axes = append(axes, x)
	}
	out := in.Clone()
	sz, ok := constElems(input(n, 1))
	for i, a := range axes {
		if ok && i < len(sz) {
			out[a] = sz[i].dim()
		} else {
			out[a] = graph.Unknown()
		}
	}
	n.SetOut(0, out)
	n.Why("axes %v cropped or padded to the given sizes: %s", axes, fmtShape(out))
	zeroFLOPs(n)
	return nil
}

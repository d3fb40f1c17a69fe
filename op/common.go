package op

import (
	"fmt"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
)

// Layout says where the channel axis of an image-like tensor is.
type Layout int

const (
	ChannelsFirst Layout = iota // N, C, spatial… (Lasagne, PyTorch, ONNX, Caffe)
	ChannelsLast                // N, spatial…, C (Keras, TensorFlow)
)

// channelAxis is the channel axis for a tensor of the given rank.
func (l Layout) channelAxis(rank int) int {
	if l == ChannelsLast {
		return rank - 1
	}
	return 1
}

// spatialAxes are the axes after batch that are not the channel axis.
func (l Layout) spatialAxes(rank int) []int { return l.appendSpatialAxes(nil, rank) }

// appendSpatialAxes appends the spatial axes (spatialAxes) to axes.
func (l Layout) appendSpatialAxes(axes []int, rank int) []int {
	for i := 1; i < rank; i++ {
		if i != l.channelAxis(rank) {
			axes = append(axes, i)
		}
	}
	return axes
}

// axisName names spatial axis i of n spatial axes for explanations.
func axisName(i, n int) string {
	switch n {
	case 1:
		return "length"
	case 2:
		return [...]string{"height", "width"}[i]
	case 3:
		return [...]string{"depth", "height", "width"}[i]
	}
	return fmt.Sprintf("spatial axis %d", i)
}

// PerAxis expands a per-axis attribute: empty means def on every axis,
// one value means that value on every axis.
func PerAxis(xs []int64, n int, def int64) ([]int64, error) {
	switch len(xs) {
	case 0:
		out := make([]int64, n)
		for i := range out {
			out[i] = def
		}
		return out, nil
	case 1:
		out := make([]int64, n)
		for i := range out {
			out[i] = xs[0]
		}
		return out, nil
	case n:
		return xs, nil
	}
	return nil, perAxisError(xs, n)
}

func perAxisError(xs []int64, n int) error {
	return fmt.Errorf("%d values given for %d spatial axes", len(xs), n)
}

// perAxisInto is PerAxis writing into dst when it is long enough.
func perAxisInto(dst, xs []int64, n int, def int64) ([]int64, error) {
	if len(xs) > 1 || len(dst) < n {
		return PerAxis(xs, n, def)
	}
	v := def
	if len(xs) == 1 {
		v = xs[0]
	}
	dst = dst[:n]
	for i := range dst {
		dst[i] = v
	}
	return dst, nil
}

// perAxisAt is PerAxis(xs, n, def)[i].
func perAxisAt(xs []int64, n, i int, def int64) (int64, error) {
	switch len(xs) {
	case 0:
		return def, nil
	case 1:
		return xs[0], nil
	case n:
		return xs[i], nil
	}
	return 0, perAxisError(xs, n)
}

// needRank checks the input rank.
func needRank(s graph.Shape, what string, ranks ...int) error {
	if s == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	for _, r := range ranks {
		if len(s) == r {
			return nil
		}
	}
	return fmt.Errorf("%s expects a %s input, got shape %s (%d dims)", what, rankList(ranks), fmtShape(s), len(s))
}

func rankList(ranks []int) string {
	if len(ranks) == 1 {
		return fmt.Sprintf("%d-dimensional", ranks[0])
	}
	s := ""
	for i, r := range ranks {
		if i > 0 {
			s += " or "
		}
		s += fmt.Sprint(r)
	}
	return s + "-dimensional"
}

// fmtShape writes a shape the way Python would print it: (None, 1, 28, 28).
func fmtShape(s graph.Shape) string {
	if s == nil {
		return "(unknown)"
	}
	return "(" + s.Join(", ") + ")"
}

// known returns the size of a dim that must be known.
func known(d graph.Dim, what string) (int64, error) {
	if !d.Known() {
		return 0, fmt.Errorf("%s must be known to count parameters, but it is %s", what, d)
	}
	return d.Size, nil
}

// batchFLOPs multiplies a per-example FLOP count by the batch size when it
// is known; an unknown batch leaves the count per example.
func batchFLOPs(batch graph.Dim, perExample ...calc.Expr) calc.Expr {
	return batchFLOPsWith(false, batch, perExample...)
}

// batchFLOPsWith is batchFLOPs built with t (calc.Terse).
func batchFLOPsWith(t calc.Terse, batch graph.Dim, perExample ...calc.Expr) calc.Expr {
	var buf [16]calc.Expr // the combinators copy their operands
	xs := append(append(buf[:0], calc.N(2)), perExample...)
	if batch.Known() {
		xs = append(xs, calc.N(batch.Size))
	}
	return t.Mul(xs...)
}

// check turns an expression's arithmetic error into an error naming what
// was being computed.
func check(what string, e calc.Expr) error {
	if err := e.Err(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// dimsExpr is the product of the given dims as an expression.
func dimsExpr(s graph.Shape, axes []int) calc.Expr {
	xs := make([]calc.Expr, len(axes))
	for i, a := range axes {
		xs[i] = s[a].Expr()
	}
	return calc.Mul(xs...)
}

// zeroFLOPs marks a node as doing no conv/linear/matmul-class work.
func zeroFLOPs(n *graph.Node) { n.FLOPs = calc.N(0) }

// same copies input 0's shape to output 0.
func same(n *graph.Node) error {
	s := n.In(0)
	if s == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	n.SetOut(0, s.Clone())
	return nil
}

package onnx

import (
	"fmt"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/op/tensor"
)

// Compress, DynamicQuantizeLinear, Unique, MaxUnpool, StringNormalizer,
// TfIdfVectorizer and the Optional operators.

func init() {
	register("", map[string]maker{
		"Compress": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
			return &compressOp{axis: nd.optInt("axis")}, 2
		},
		"DynamicQuantizeLinear": fixed(func() graph.Op { return dynQuant{} }, 1),
		"Unique": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
			return &uniqueOp{axis: nd.optInt("axis")}, 1
		},
		"MaxUnpool": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
			return &maxUnpool{kernel: nd.attrInts("kernel_shape"), pads: nd.attrInts("pads"), strides: nd.attrInts("strides")}, 2
		},
		"StringNormalizer": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
			return &strNormalizer{stopwords: len(nd.attrStrings("stopwords")) > 0}, 1
		},
		"TfIdfVectorizer": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
			return &tfidf{indexes: nd.attrInts("ngram_indexes")}, 1
		},
		"Optional": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
			return optionalOp{}, 0
		},
		"OptionalHasElement": fixed(func() graph.Op { return hasElement{} }, 0),
		"OptionalGetElement": fixed(func() graph.Op { return getElement{} }, 1),
	})
}

// dynQuant is DynamicQuantizeLinear: y (uint8, x's shape), y_scale
// (float32 scalar), y_zero_point (uint8 scalar). Other operations: min and
// max over x, then a divide, round, add and clip per element (6).
type dynQuant struct{}

func (dynQuant) Infer(n *graph.Node) error {
	x := n.In(0)
	setOut(n, 0, x.Clone(), graph.Uint8)
	setOut(n, 1, graph.Shape{}, graph.Float32)
	setOut(n, 2, graph.Shape{}, graph.Uint8)
	n.Why("y has x's shape; y_scale and y_zero_point are scalars")
	otherOps(n, 6, x)
	noFLOPs(n)
	return nil
}

// uniqueOp is Unique: how many distinct elements (or slices along axis)
// there are depends on the data, so Y's counted axis, indices and counts
// are unknown; inverse_indices has one entry per element (or slice) of X.
type uniqueOp struct{ axis *int64 }

func (u *uniqueOp) Infer(n *graph.Node) error {
	x := n.In(0)
	var y graph.Shape
	var per graph.Dim
	if u.axis == nil {
		y = graph.Shape{graph.Unknown()}
		if v, ok := x.Numel().Value(); ok {
			per = graph.D(v)
		} else {
			per = graph.Unknown()
		}
		n.Why("flattened: the number of distinct elements depends on the data")
	} else {
		ax, err := normAxis(*u.axis, len(x))
		if err != nil {
			return err
		}
		y = x.Clone()
		y[ax] = graph.Unknown()
		per = x[ax]
		n.Why("axis %d: the number of distinct slices depends on the data", ax)
	}
	setOut(n, 0, y, "")
	setOut(n, 1, graph.Shape{graph.Unknown()}, graph.Int64)
	setOut(n, 2, graph.Shape{per}, graph.Int64)
	setOut(n, 3, graph.Shape{graph.Unknown()}, graph.Int64)
	n.OtherOps = x.Numel() // one comparison per element (hashing)
	noFLOPs(n)
	return nil
}

// maxUnpool is MaxUnpool (opsets 9, 11): X (N, C, d…), indices, and an
// optional output_shape (input 2); without it each spatial axis is
// (in−1)·stride − pad_begin − pad_end + kernel.
type maxUnpool struct {
	kernel, pads, strides []int64
}

func (m *maxUnpool) Infer(n *graph.Node) error {
	x := n.In(0)
	if err := needRank(x, "the input", 3); err != nil {
		return err
	}
	sp := len(x) - 2
	if inputAt(n, 2) != nil {
		out := unknownDims(len(x))
		if v, ok := tensorInts(inputAt(n, 2)); ok && len(v) == len(x) {
			if err := sizes("output_shape", v); err != nil {
				return err
			}
			out = graph.S(v...)
			n.Why("output_shape %v", v)
		} else {
			n.Why("output_shape is not a constant: unknown")
		}
		setOut(n, 0, out, "")
		noFLOPs(n)
		return nil
	}
	if len(m.kernel) != sp {
		return fmt.Errorf("kernel_shape %v does not have one entry per spatial axis of %s", m.kernel, fmtDims(x))
	}
	out := x.Clone()
	for i := 0; i < sp; i++ {
		stride, pb, pe := int64(1), int64(0), int64(0)
		if i < len(m.strides) {
			stride = m.strides[i]
		}
		if len(m.pads) == 2*sp {
			pb, pe = m.pads[i], m.pads[i+sp]
		}
		d := x[2+i]
		if !d.Known() {
			out[2+i] = graph.Unknown()
			continue
		}
		e := calc.Add(calc.Sub(calc.Mul(calc.Sub(calc.N(d.Size), calc.N(1)), calc.N(stride)), calc.N(pb+pe)), calc.N(m.kernel[i]))
		v, ok := e.Value()
		if !ok || v < 0 {
			return fmt.Errorf("spatial axis %d: (%d-1)*%d - %d + %d is not a size", i, d.Size, stride, pb+pe, m.kernel[i])
		}
		out[2+i] = graph.D(v)
		n.Why("axis %d: %s", 2+i, e.Equation())
	}
	setOut(n, 0, out, "")
	noFLOPs(n)
	return nil
}

// tensorInts is v's constant content as integers.
func tensorInts(v *graph.Value) ([]int64, bool) {
	if v == nil || v.Const == nil || v.Const.Ints == nil {
		return nil, false
	}
	for _, d := range v.Const.Dims {
		if !d.Known() {
			return nil, false
		}
	}
	return v.Const.Ints, true
}

// strNormalizer is StringNormalizer: input [C] or [1, C]; the output has
// its shape unless stopwords remove some strings, which the data decides.
type strNormalizer struct{ stopwords bool }

func (s *strNormalizer) Infer(n *graph.Node) error {
	x := n.In(0)
	if len(x) != 1 && !(len(x) == 2 && (!x[0].Known() || x[0].Size == 1)) {
		return fmt.Errorf("the input %s is not [C] or [1, C]", fmtDims(x))
	}
	out := x.Clone()
	if s.stopwords {
		out[len(out)-1] = graph.Unknown()
		n.Why("stopwords are removed: how many strings remain depends on the data")
	}
	setOut(n, 0, out, "string")
	otherOps(n, 1, x)
	noFLOPs(n)
	return nil
}

// tfidf is TfIdfVectorizer: input [C] or [N, C] gives [K] or [N, K], K =
// max(ngram_indexes)+1, float32.
type tfidf struct{ indexes []int64 }

func (t *tfidf) Infer(n *graph.Node) error {
	x := n.In(0)
	if len(x) != 1 && len(x) != 2 {
		return fmt.Errorf("the input %s is not [C] or [N, C]", fmtDims(x))
	}
	if len(t.indexes) == 0 {
		return fmt.Errorf("ngram_indexes is empty")
	}
	k := t.indexes[0]
	for _, i := range t.indexes {
		k = max(k, i)
	}
	if k < 0 {
		return fmt.Errorf("ngram_indexes are negative")
	}
	out := graph.Shape{graph.D(k + 1)}
	if len(x) == 2 {
		out = graph.Shape{x[0], graph.D(k + 1)}
	}
	setOut(n, 0, out, graph.Float32)
	n.Why("max(ngram_indexes)+1 = %d", k+1)
	otherOps(n, 1, x) // one n-gram lookup per input element
	noFLOPs(n)
	return nil
}

// optionalOp is Optional: an optional holding its input (its shape is the
// element's, as for an optional graph input), or empty.
type optionalOp struct{}

func (optionalOp) Infer(n *graph.Node) error {
	x := inputAt(n, 0)
	if x == nil {
		return graph.Unknownf("an empty optional (no input): its element's shape is unknown")
	}
	setOut(n, 0, x.Shape.Clone(), "")
	noFLOPs(n)
	return nil
}

// hasElement is OptionalHasElement: a bool scalar.
type hasElement struct{}

func (hasElement) Infer(n *graph.Node) error {
	setOut(n, 0, graph.Shape{}, graph.Bool)
	noFLOPs(n)
	return nil
}

// getElement is OptionalGetElement: the element (an optional's shape is
// its element's; a tensor passes through).
type getElement struct{}

func (getElement) Infer(n *graph.Node) error {
	setOut(n, 0, n.In(0).Clone(), "")
	noFLOPs(n)
	return nil
}

// compressOp is Compress: the entries of X (along axis, or of X
// flattened) where the condition is true. With a constant condition the
// count is known (entries past the end of a shorter condition are
// dropped, as ONNX says); otherwise it depends on the data.
type compressOp struct{ axis *int64 }

func (c *compressOp) Infer(n *graph.Node) error {
	x := n.In(0)
	cond, ok := tensorInts(inputAt(n, 1))
	if !ok || len(n.In(1)) != 1 {
		return (&tensor.Compress{Axis: c.axis}).Infer(n)
	}
	var length graph.Dim
	ax := -1
	if c.axis == nil {
		if v, ok := x.Numel().Value(); ok {
			length = graph.D(v)
		} else {
			length = graph.Unknown()
		}
	} else {
		a, err := normAxis(*c.axis, len(x))
		if err != nil {
			return err
		}
		ax, length = a, x[a]
	}
	if !length.Known() {
		return (&tensor.Compress{Axis: c.axis}).Infer(n)
	}
	if int64(len(cond)) > length.Size {
		return fmt.Errorf("the condition has %d entries, more than the %d it selects from", len(cond), length.Size)
	}
	k := int64(0)
	for _, b := range cond {
		if b != 0 {
			k++
		}
	}
	var out graph.Shape
	if ax < 0 {
		out = graph.S(k)
	} else {
		out = x.Clone()
		out[ax] = graph.D(k)
	}
	setOut(n, 0, out, "")
	n.Why("the constant condition selects %d of %d", k, length.Size)
	noFLOPs(n)
	return nil
}

// makeQuant is QuantizeLinear and DequantizeLinear: the output has x's
// shape; its type is output_dtype when set (QuantizeLinear from opset 21,
// DequantizeLinear from 23), else y_zero_point's (QuantizeLinear: uint8
// without one) or x_scale's (DequantizeLinear: float32 before opset 19,
// when the scale could only be float32).
func makeQuant(_ *builder, nd *Node, _ int64) (graph.Op, int) {
	return &quantOp{dequant: nd.OpType == "DequantizeLinear", to: dtypeOf(DataType(nd.attrInt("output_dtype", 0)))}, 1
}

type quantOp struct {
	dequant bool
	to      graph.DType
}

func (q *quantOp) Infer(n *graph.Node) error {
	dt := q.to
	switch {
	case dt != "":
	case q.dequant && inputAt(n, 1) != nil && n.Inputs[1].DType != "":
		dt = n.Inputs[1].DType
	case q.dequant:
		dt = graph.Float32
	case inputAt(n, 2) != nil && n.Inputs[2].DType != "":
		dt = n.Inputs[2].DType
	default:
		dt = graph.Uint8
	}
	return (&tensor.Same{OutTypes: []graph.DType{dt}}).Infer(n)
}

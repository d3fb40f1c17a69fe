package tensor

import (
	"fmt"
	"math"
	"strings"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
)

// MaxConst is the largest number of elements a folded constant may have:
// enough for shapes, axes, pads, scales and small index tables, small
// enough that folding costs nothing.
const MaxConst = 4096

// elem is one element of an integer tensor while shape computations are
// folded: a known value, or unknown and standing for a dim (named when
// the dim is symbolic: the Shape of a (batch, 3, 224, 224) tensor).
type elem struct {
	v   int64
	ok  bool
	sym graph.Dim // when !ok: the unknown dim the element stands for
}

func known1(v int64) elem { return elem{v: v, ok: true} }

// unknownElem is an element of unknown value.
func unknownElem() elem { return elem{sym: graph.Unknown()} }

// dim is the element as a dim: a known non-negative size, or the unknown
// dim it stands for.
func (e elem) dim() graph.Dim {
	if e.ok {
		if e.v < 0 {
			return graph.Unknown()
		}
		return graph.D(e.v)
	}
	return e.sym
}

// elemOf is a dim as an element.
func elemOf(d graph.Dim) elem {
	if d.Known() {
		return known1(d.Size)
	}
	return elem{sym: d}
}

func (e elem) String() string {
	if e.ok {
		return fmt.Sprint(e.v)
	}
	return e.sym.String()
}

// same reports whether two elements are certainly equal.
func (e elem) same(o elem) bool {
	if e.ok || o.ok {
		return e.ok && o.ok && e.v == o.v
	}
	return e.sym.Name != "" && e.sym.Name == o.sym.Name
}

// tval is the content of a small tensor while constant shape computations
// are folded: integer (and bool) elements, or floating-point numbers.
type tval struct {
	shape   []int64
	ints    []elem
	floats  []float64
	isFloat bool
}

func (t *tval) len() int {
	if t.isFloat {
		return len(t.floats)
	}
	return len(t.ints)
}

// smallNumel is the element count of a known shape; -1 when a dim is
// unknown or the count is over MaxConst.
func smallNumel(s graph.Shape) int64 {
	if s == nil {
		return -1
	}
	n := int64(1)
	for _, d := range s {
		if !d.Known() {
			return -1
		}
		if d.Size == 0 {
			return 0
		}
	}
	for _, d := range s {
		if d.Size > MaxConst || n*d.Size > MaxConst {
			return -1
		}
		n *= d.Size
	}
	return n
}

func sizes(s graph.Shape) []int64 {
	out := make([]int64, len(s))
	for i, d := range s {
		out[i] = d.Size
	}
	return out
}

// load reads the constant content of v, if it has one of a known shape.
func load(v *graph.Value) (*tval, bool) {
	if v == nil || v.Const == nil || v.Shape == nil {
		return nil, false
	}
	n := smallNumel(v.Shape)
	if n < 0 {
		return nil, false
	}
	c := v.Const
	t := &tval{shape: sizes(v.Shape)}
	if c.Floats != nil || (v.DType.IsFloat() && c.Ints == nil) {
		if int64(len(c.Floats)) != n {
			return nil, false
		}
		t.isFloat, t.floats = true, c.Floats
		return t, true
	}
	if int64(len(c.Ints)) != n {
		return nil, false
	}
	t.ints = make([]elem, n)
	for i, x := range c.Ints {
		t.ints[i] = known1(x)
		if c.Dims != nil && i < len(c.Dims) && !c.Dims[i].Known() {
			t.ints[i] = elem{sym: c.Dims[i]}
		}
	}
	return t, true
}

// store sets v's constant content from t, whose shape is v's.
func store(v *graph.Value, t *tval) {
	if t == nil || int64(t.len()) > MaxConst {
		return
	}
	if t.isFloat {
		v.Const = &graph.Const{Floats: t.floats}
		return
	}
	c := &graph.Const{Ints: make([]int64, len(t.ints))}
	partial := false
	for i, e := range t.ints {
		c.Ints[i] = e.v
		if !e.ok {
			partial = true
		}
	}
	if partial {
		c.Dims = make([]graph.Dim, len(t.ints))
		for i, e := range t.ints {
			if e.ok {
				c.Dims[i] = graph.D(0)
			} else {
				c.Dims[i] = e.sym
			}
		}
	}
	v.Const = c
}

// constInts returns v's content as integers when every element is known.
func constInts(v *graph.Value) ([]int64, bool) {
	t, ok := load(v)
	if !ok {
		return nil, false
	}
	out := make([]int64, t.len())
	for i := range out {
		if t.isFloat {
			f := t.floats[i]
			if f != math.Trunc(f) || math.Abs(f) > 1<<53 {
				return nil, false
			}
			out[i] = int64(f)
			continue
		}
		if !t.ints[i].ok {
			return nil, false
		}
		out[i] = t.ints[i].v
	}
	return out, true
}

// constElems returns v's integer content element by element, some perhaps
// unknown; ok is false when v is not a constant integer tensor.
func constElems(v *graph.Value) ([]elem, bool) {
	t, ok := load(v)
	if !ok || t.isFloat {
		return nil, false
	}
	return t.ints, true
}

// constFloats returns v's content as numbers when every element is known.
func constFloats(v *graph.Value) ([]float64, bool) {
	t, ok := load(v)
	if !ok {
		return nil, false
	}
	if t.isFloat {
		return t.floats, true
	}
	out := make([]float64, len(t.ints))
	for i, e := range t.ints {
		if !e.ok {
			return nil, false
		}
		out[i] = float64(e.v)
	}
	return out, true
}

// present reports whether optional input i is given.
func present(n *graph.Node, i int) bool {
	return i < len(n.Inputs) && n.Inputs[i] != nil
}

// elemsText formats shape-tensor elements: [batch, -1, 64].
func elemsText(xs []elem) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = x.String()
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// rowStrides are the strides of a row-major shape.
func rowStrides(shape []int64) []int64 {
	st := make([]int64, len(shape))
	acc := int64(1)
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = acc
		acc *= shape[i]
	}
	return st
}

// bcastIndex maps flat index i of a tensor of shape out to the flat index,
// in a tensor of shape in, of the element numpy broadcasting reads.
func bcastIndex(i int64, out, outStrides, in, inStrides []int64) int64 {
	off := len(out) - len(in)
	j := int64(0)
	for a := range out {
		c := (i / outStrides[a]) % out[a]
		if a >= off && in[a-off] != 1 {
			j += c * inStrides[a-off]
		}
	}
	return j
}

// gather is the constant of shape osz (row-major) whose element i is
// element src(i) of t: the fold of an op that only moves elements.
func gather(t *tval, osz []int64, src func(i int64) int64) *tval {
	res := &tval{shape: osz, isFloat: t.isFloat}
	for i, n := int64(0), product(osz); i < n; i++ {
		j := src(i)
		if t.isFloat {
			res.floats = append(res.floats, t.floats[j])
		} else {
			res.ints = append(res.ints, t.ints[j])
		}
	}
	return res
}

// product of small known sizes.
func product(shape []int64) int64 {
	n := int64(1)
	for _, d := range shape {
		n *= d
	}
	return n
}

// perElement is an operation count of k per element of s: "3*1*64*56*56".
func perElement(k int64, s graph.Shape) calc.Expr { return perElementWith(false, k, s) }

// perElementWith is perElement built with t (calc.Terse).
func perElementWith(t calc.Terse, k int64, s graph.Shape) calc.Expr {
	if k == 1 {
		return s.NumelWith(t)
	}
	return t.Mul(calc.N(k), s.NumelWith(t))
}

// dimsProduct is the product of dims as a dim, with its arithmetic: known
// when all are, the one unknown dim when the others are all 1, otherwise
// unknown.
func dimsProduct(ds []graph.Dim) (graph.Dim, calc.Expr) {
	if len(ds) == 0 {
		return graph.D(1), calc.N(1)
	}
	xs := make([]calc.Expr, len(ds))
	var unk []graph.Dim
	known := int64(1)
	for i, d := range ds {
		xs[i] = d.Expr()
		if d.Known() {
			known *= d.Size
		} else {
			unk = append(unk, d)
		}
	}
	e := calc.Mul(xs...)
	switch {
	case len(unk) == 0:
		return graph.DimOf(e), e
	case len(unk) == 1 && known == 1:
		return unk[0], e
	}
	return graph.Unknown(), e
}

// NormAxis normalizes an axis against rank, with an error naming it.
func NormAxis(axis int64, rank int) (int, error) {
	a := axis
	if a < 0 {
		a += int64(rank)
	}
	if a < 0 || a >= int64(rank) {
		return 0, fmt.Errorf("axis %d is out of range for rank %d", axis, rank)
	}
	return int(a), nil
}

// input is the node's input i, nil when it is omitted or absent.
func input(n *graph.Node, i int) *graph.Value {
	if i < len(n.Inputs) {
		return n.Inputs[i]
	}
	return nil
}

// ConstInts is the folded content of v as integers, when v is a small
// constant whose every element is known (integral floats included).
func ConstInts(v *graph.Value) ([]int64, bool) { return constInts(v) }

package tensor

import (
	"errors"
	"fmt"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
)

// The ops in this file reshape tensors (Shape, Size, Squeeze, Unsqueeze,
// Reshape, Flatten, Transpose, Expand, Tile), their axes and targets
// given as fields or read from inputs. An input that gives sizes must be
// a constant for the output to be known; shape computations on constants
// are folded (see Elementwise), and a shape element that stands for a
// symbolic dim keeps its name. They do no arithmetic: FLOPs 0, no other
// operations.

// ShapeOf is the input's shape as a 1-D int64 tensor (ONNX Shape,
// torch.Tensor.size), from axis Start to End (Python slice bounds, nil
// meaning the ends).
type ShapeOf struct {
	Start, End *int64
}

func (s *ShapeOf) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	r := int64(len(in))
	clamp := func(p *int64, def int64) int64 {
		if p == nil {
			return def
		}
		v := *p
		if v < 0 {
			v += r
		}
		return min(max(v, 0), r)
	}
	b, e := clamp(s.Start, 0), clamp(s.End, r)
	if e < b {
		e = b
	}
	n.SetOut(0, graph.S(e-b))
	n.Outputs[0].DType = graph.Int64
	t := &tval{shape: []int64{e - b}}
	for _, d := range in[b:e] {
		t.ints = append(t.ints, elemOf(d))
	}
	store(n.Outputs[0], t)
	n.Why("the input's shape %s as a tensor: %s", fmtShape(in[b:e]), elemsText(t.ints))
	zeroFLOPs(n)
	return nil
}

// SizeOf is the input's element count as an int64 scalar (ONNX Size,
// torch.numel).
type SizeOf struct{}

func (SizeOf) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	n.SetOut(0, graph.Shape{})
	n.Outputs[0].DType = graph.Int64
	d, e := dimsProduct(in)
	n.Outputs[0].Const = nil
	store(n.Outputs[0], &tval{shape: []int64{}, ints: []elem{elemOf(d)}})
	n.Why("the element count %s as a scalar", e.Equation())
	zeroFLOPs(n)
	return nil
}

// Squeeze removes axes of size 1: Axes, or when Axes is nil those of
// input 1 (a constant), or every axis of size 1 when neither is given.
type Squeeze struct {
	Axes []int64
}

func (s *Squeeze) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	axes := s.Axes
	if axes == nil && present(n, 1) {
		var ok bool
		if axes, ok = constInts(input(n, 1)); !ok {
			return graph.Unknownf("the axes to squeeze are not a constant")
		}
	}
	drop := map[int]bool{}
	if len(axes) == 0 {
		for a, d := range in {
			if !d.Known() {
				return graph.Unknownf("axis %d has unknown size %s: whether it is squeezed cannot be told", a, d)
			}
			if d.Size == 1 {
				drop[a] = true
			}
		}
	}
	for _, a64 := range axes {
		a, err := NormAxis(a64, len(in))
		if err != nil {
			return err
		}
		if in[a].Known() && in[a].Size != 1 {
			return fmt.Errorf("axis %d has size %d; only axes of size 1 can be squeezed", a, in[a].Size)
		}
		drop[a] = true
	}
	var out graph.Shape
	for a, d := range in {
		if !drop[a] {
			out = append(out, d)
		}
	}
	if out == nil {
		out = graph.Shape{}
	}
	n.SetOut(0, out)
	n.Why("axes %v of size 1 removed: %s", sortedKeys(drop), fmtShape(out))
	zeroFLOPs(n)
	passConst(n, out)
	return nil
}

// Unsqueeze inserts axes of size 1 at Axes of the output, or when Axes is
// nil at those of input 1 (a constant).
type Unsqueeze struct {
	Axes []int64
}

func (u *Unsqueeze) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	axes := u.Axes
	if axes == nil {
		var ok bool
		if axes, ok = constInts(input(n, 1)); !ok {
			return graph.Unknownf("the axes to insert are not a constant")
		}
	}
	r := len(in) + len(axes)
	ins := map[int]bool{}
	for _, a64 := range axes {
		a, err := NormAxis(a64, r)
		if err != nil {
			return err
		}
		if ins[a] {
			return fmt.Errorf("axis %d is given twice", a)
		}
		ins[a] = true
	}
	out := make(graph.Shape, 0, r)
	k := 0
	for a := 0; a < r; a++ {
		if ins[a] {
			out = append(out, graph.D(1))
		} else {
			out = append(out, in[k])
			k++
		}
	}
	n.SetOut(0, out)
	n.Why("axes %v of size 1 inserted: %s", sortedKeys(ins), fmtShape(out))
	zeroFLOPs(n)
	passConst(n, out)
	return nil
}

// passConst gives output 0 the constant content of input 0 unchanged (a
// reshaping op).
func passConst(n *graph.Node, out graph.Shape) {
	if t, ok := load(input(n, 0)); ok && smallNumel(out) == int64(t.len()) {
		t2 := *t
		t2.shape = sizes(out)
		store(n.Outputs[0], &t2)
	}
}

// Reshape gives the input the target shape: Target, or when Target is nil
// the constant content of input 1. An entry of -1 is inferred from the
// element count; with ZeroCopies an entry of 0 copies the input's size at
// that position (ONNX's convention, unless allowzero), otherwise it is a
// size of 0 (numpy, PyTorch). Symbolic dims that appear on both sides
// cancel, so (batch, 3, 224, 224) reshaped to (batch, -1) gives
// (batch, 150528).
type Reshape struct {
	Target     []int64
	ZeroCopies bool
}

func (r *Reshape) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	var target []elem
	ok := false
	if r.Target == nil {
		target, ok = constElems(input(n, 1))
	} else {
		for _, x := range r.Target {
			target = append(target, known1(x))
		}
		ok = true
	}
	if !ok {
		ts := n.In(1)
		if len(ts) == 1 && ts[0].Known() {
			out := make(graph.Shape, ts[0].Size)
			for i := range out {
				out[i] = graph.Unknown()
			}
			n.SetOut(0, out)
			n.Why("the target shape is not a constant: %d axes of unknown size", ts[0].Size)
			zeroFLOPs(n)
			return nil
		}
		return graph.Unknownf("the target shape is not a constant")
	}
	out := make(graph.Shape, len(target))
	infer := -1
	for i, t := range target {
		switch {
		case !t.ok:
			out[i] = t.sym
		case t.v == 0 && r.ZeroCopies:
			if i >= len(in) {
				return fmt.Errorf("target entry %d is 0 (copy the input's size) but the input %s has %d axes", i, fmtShape(in), len(in))
			}
			out[i] = in[i]
		case t.v == -1:
			if infer >= 0 {
				return fmt.Errorf("only one target size may be -1, got %s", elemsText(target))
			}
			infer = i
		case t.v < 0:
			return fmt.Errorf("target size %d is invalid", t.v)
		default:
			out[i] = graph.D(t.v)
		}
	}
	if infer >= 0 {
		var rest []graph.Dim
		for i, d := range out {
			if i != infer {
				rest = append(rest, d)
			}
		}
		d, why, err := quotient(in, rest)
		if err != nil {
			return fmt.Errorf("cannot reshape %s into %s: %w", fmtShape(in), elemsText(target), err)
		}
		out[infer] = d
		n.Why("-1 at position %d: %s", infer, why)
	} else {
		a, ae := dimsProduct(in)
		b, be := dimsProduct(out)
		if err := errors.Join(ae.Err(), be.Err()); err != nil {
			return fmt.Errorf("cannot reshape %s into %s: %w", fmtShape(in), fmtShape(out), err)
		}
		if a.Known() && b.Known() && a.Size != b.Size {
			return fmt.Errorf("cannot reshape %s (%d elements) into %s (%d elements)", fmtShape(in), a.Size, fmtShape(out), b.Size)
		}
	}
	n.SetOut(0, out)
	n.Why("target %s → %s", elemsText(target), fmtShape(out))
	zeroFLOPs(n)
	passConst(n, out)
	return nil
}

// quotient is prod(num)/prod(den) as a dim with its arithmetic. Named
// dims present in both cancel; the result is unknown when unknown dims
// remain (or an anonymous one is involved), except a single named dim
// left over on top with the known parts equal.
func quotient(num, den []graph.Dim) (graph.Dim, string, error) {
	var nk, dk []calc.Expr
	var ns, ds []string
	anon := false
	for _, d := range num {
		switch {
		case d.Known():
			nk = append(nk, calc.N(d.Size))
		case d.Name == "":
			anon = true
		default:
			ns = append(ns, d.Name)
		}
	}
	for _, d := range den {
		switch {
		case d.Known():
			dk = append(dk, calc.N(d.Size))
		case d.Name == "":
			anon = true
		default:
			ds = append(ds, d.Name)
		}
	}
	var cancelled []string
	for i := 0; i < len(ns); i++ {
		for j := 0; j < len(ds); j++ {
			if ns[i] == ds[j] {
				cancelled = append(cancelled, ns[i])
				ns = append(ns[:i], ns[i+1:]...)
				ds = append(ds[:j], ds[j+1:]...)
				i--
				break
			}
		}
	}
	top, bot := calc.Mul(nk...), calc.Mul(dk...)
	e := calc.Div(calc.Paren(top), calc.Paren(bot))
	if len(dk) == 0 {
		e = top
	}
	why := e.Equation()
	if len(cancelled) > 0 {
		why += fmt.Sprintf(" (%v cancel)", cancelled)
	}
	if anon || len(ds) > 0 || len(ns) > 1 {
		return graph.Unknown(), why + "; unknown sizes remain", nil
	}
	if err := e.Err(); err != nil {
		if bv, ok := bot.Value(); ok && bv == 0 {
			return graph.Unknown(), why, nil
		}
		return graph.Dim{}, "", err
	}
	v, _ := e.Value()
	if len(ns) == 1 {
		if v == 1 {
			return graph.Symbol(ns[0]), why + " × " + ns[0], nil
		}
		return graph.Unknown(), why + " × " + ns[0], nil
	}
	return graph.D(v), why, nil
}

// Flatten2D flattens the input into a matrix (ONNX Flatten):
// (prod(in[:Axis]), prod(in[Axis:])).
type Flatten2D struct {
	Axis int64
}

func (f *Flatten2D) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	a := f.Axis
	if a < 0 {
		a += int64(len(in))
	}
	if a < 0 || a > int64(len(in)) {
		return fmt.Errorf("axis %d is out of range for input %s", f.Axis, fmtShape(in))
	}
	d0, e0 := dimsProduct(in[:a])
	d1, e1 := dimsProduct(in[a:])
	out := graph.Shape{d0, d1}
	n.SetOut(0, out)
	n.Why("axes before %d: %s; from %d on: %s", a, e0.Equation(), a, e1.Equation())
	zeroFLOPs(n)
	passConst(n, out)
	return nil
}

// Transpose permutes axes: output axis i is input axis Perm[i]; no Perm
// reverses them.
type Transpose struct {
	Perm []int64
}

func (t *Transpose) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	perm := t.Perm
	if perm == nil {
		for i := len(in) - 1; i >= 0; i-- {
			perm = append(perm, int64(i))
		}
	}
	if len(perm) != len(in) {
		return fmt.Errorf("perm %v has %d entries for an input of %d axes", perm, len(perm), len(in))
	}
	used := make([]bool, len(in))
	out := make(graph.Shape, len(in))
	np := make([]int, len(in))
	for i, p := range perm {
		a, err := NormAxis(p, len(in))
		if err != nil || used[a] {
			return fmt.Errorf("perm %v is not a permutation of %d axes", perm, len(in))
		}
		used[a] = true
		out[i] = in[a]
		np[i] = a
	}
	n.SetOut(0, out)
	n.Why("axes permuted by %v: %s", perm, fmtShape(out))
	zeroFLOPs(n)
	if c, ok := load(input(n, 0)); ok && len(c.shape) > 0 {
		osz := sizes(out)
		ost := rowStrides(osz)
		ist := rowStrides(c.shape)
		store(n.Outputs[0], gather(c, osz, func(i int64) (j int64) {
			for a := range osz {
				j += ((i / ost[a]) % osz[a]) * ist[np[a]]
			}
			return j
		}))
	}
	return nil
}

// Expand broadcasts input 0 to the shape in input 1 (both ways, as numpy
// broadcasting does).
type Expand struct{}

func (Expand) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	target, ok := constElems(input(n, 1))
	if !ok {
		ts := n.In(1)
		if len(ts) != 1 || !ts[0].Known() {
			return graph.Unknownf("the target shape is not a constant")
		}
		target = make([]elem, ts[0].Size)
		for i := range target {
			target[i] = unknownElem()
		}
	}
	r := max(len(in), len(target))
	out := make(graph.Shape, r)
	for i := range out {
		var a, b graph.Dim = graph.D(1), graph.D(1)
		var be elem = known1(1)
		if k := i - (r - len(in)); k >= 0 {
			a = in[k]
		}
		if k := i - (r - len(target)); k >= 0 {
			be = target[k]
			b = be.dim()
		}
		switch {
		case a.Known() && a.Size == 1:
			out[i] = b
		case be.ok && be.v == 1:
			out[i] = a
		case a.Known() && b.Known() && a.Size != b.Size:
			return fmt.Errorf("cannot expand %s to %s: axis %d has sizes %d and %d", fmtShape(in), elemsText(target), i, a.Size, b.Size)
		case a.Known():
			out[i] = a
		case b.Known():
			out[i] = b
		case a.Name != "" && a.Name == b.Name:
			out[i] = a
		default:
			out[i] = graph.Unknown()
		}
	}
	n.SetOut(0, out)
	n.Why("%s broadcast with %s: %s", fmtShape(in), elemsText(target), fmtShape(out))
	zeroFLOPs(n)
	if t, ok := load(input(n, 0)); ok && smallNumel(out) >= 0 {
		osz := sizes(out)
		ost := rowStrides(osz)
		ist := rowStrides(t.shape)
		store(n.Outputs[0], gather(t, osz, func(i int64) int64 {
			return bcastIndex(i, osz, ost, t.shape, ist)
		}))
	}
	return nil
}

// Tile repeats input 0 along each axis the number of times in input 1.
type Tile struct{}

func (Tile) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	reps, ok := constInts(input(n, 1))
	out := in.Clone()
	if !ok {
		for i := range out {
			out[i] = graph.Unknown()
		}
		n.SetOut(0, out)
		n.Why("the repeats are not a constant")
		zeroFLOPs(n)
		return nil
	}
	if len(reps) != len(in) {
		return fmt.Errorf("%d repeats for an input of %d axes", len(reps), len(in))
	}
	for a, k := range reps {
		if k < 0 {
			return fmt.Errorf("repeat %d on axis %d is negative", k, a)
		}
		if k == 1 {
			continue
		}
		e := calc.Mul(in[a].Expr(), calc.N(k))
		out[a] = graph.DimOf(e)
		n.Why("axis %d: %s", a, e.Equation())
	}
	n.SetOut(0, out)
	zeroFLOPs(n)
	if t, ok := load(input(n, 0)); ok && smallNumel(out) >= 0 {
		osz := sizes(out)
		ost := rowStrides(osz)
		ist := rowStrides(t.shape)
		store(n.Outputs[0], gather(t, osz, func(i int64) (j int64) {
			for a := range osz {
				j += (((i / ost[a]) % osz[a]) % t.shape[a]) * ist[a]
			}
			return j
		}))
	}
	return nil
}

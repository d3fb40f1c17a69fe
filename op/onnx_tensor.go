package op

import (
	"fmt"
	"math"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
)

// The ops in this file move, index and reshape tensors as ONNX defines
// them, with their sizes, axes and targets coming from attributes or from
// inputs. An input that gives sizes must be a constant for the output to
// be known; shape computations on constants are folded (see Elementwise),
// and a shape element that stands for a symbolic dim keeps its name.
// They do no arithmetic: FLOPs 0, no other operations.

// ShapeOf is ONNX Shape: the input's shape as a 1-D int64 tensor, from
// axis Start to End (Python slice bounds, nil meaning the ends).
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

// SizeOf is ONNX Size: the input's element count as an int64 scalar.
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

// Gather takes entries of input 0 along Axis at the indices of input 1:
// data[:axis] + indices + data[axis+1:].
type Gather struct {
	Axis int64
}

func (g *Gather) Infer(n *graph.Node) error {
	data, idx := n.In(0), n.In(1)
	if data == nil || idx == nil {
		return fmt.Errorf("the input shapes are unknown")
	}
	ax, err := normAxis(g.Axis, len(data))
	if err != nil {
		return err
	}
	out := append(append(data[:ax].Clone(), idx...), data[ax+1:]...)
	n.SetOut(0, out)
	n.Why("axis %d of %s indexed by %s: %s", ax, fmtShape(data), fmtShape(idx), fmtShape(out))
	zeroFLOPs(n)
	t, ok := load(n.Inputs[0])
	ix, ok2 := constInts(n.Inputs[1])
	if !ok || !ok2 || smallNumel(out) < 0 {
		return nil
	}
	dim := t.shape[ax]
	outer := product(t.shape[:ax])
	inner := product(t.shape[ax+1:])
	res := &tval{shape: sizes(out), isFloat: t.isFloat}
	for o := int64(0); o < outer; o++ {
		for _, k := range ix {
			if k < 0 {
				k += dim
			}
			if k < 0 || k >= dim {
				return fmt.Errorf("index %d is out of range for axis %d of size %d", k, ax, dim)
			}
			base := (o*dim + k) * inner
			if t.isFloat {
				res.floats = append(res.floats, t.floats[base:base+inner]...)
			} else {
				res.ints = append(res.ints, t.ints[base:base+inner]...)
			}
		}
	}
	store(n.Outputs[0], res)
	return nil
}

// GatherElements has the shape of its indices (input 1).
type GatherElements struct{}

func (GatherElements) Infer(n *graph.Node) error {
	idx := n.In(1)
	if idx == nil || n.In(0) == nil {
		return fmt.Errorf("the input shapes are unknown")
	}
	if len(idx) != len(n.In(0)) {
		return fmt.Errorf("indices %s and data %s must have the same rank", fmtShape(idx), fmtShape(n.In(0)))
	}
	n.SetOut(0, idx.Clone())
	n.Why("the shape of the indices")
	zeroFLOPs(n)
	return nil
}

// GatherND gathers slices of data (input 0) addressed by the last axis of
// indices (input 1), after BatchDims shared leading axes.
type GatherND struct {
	BatchDims int64
}

func (g *GatherND) Infer(n *graph.Node) error {
	data, idx := n.In(0), n.In(1)
	if data == nil || idx == nil || len(idx) == 0 {
		return fmt.Errorf("the input shapes are unknown")
	}
	last := idx[len(idx)-1]
	if !last.Known() {
		return graph.Unknownf("the last axis of the indices %s must be known", fmtShape(idx))
	}
	b := g.BatchDims
	if b < 0 || b+last.Size > int64(len(data)) {
		return fmt.Errorf("indices of depth %d after %d batch axes do not fit data %s", last.Size, b, fmtShape(data))
	}
	out := append(idx[:len(idx)-1].Clone(), data[b+last.Size:]...)
	n.SetOut(0, out)
	n.Why("indices %s address slices of %s: %s", fmtShape(idx), fmtShape(data), fmtShape(out))
	zeroFLOPs(n)
	return nil
}

// Join is ONNX Concat: inputs joined along Axis, every other axis agreeing.
// Integer inputs of a small known shape are folded even when only some of
// their elements are known.
type Join struct {
	Axis int64
}

func (j *Join) Infer(n *graph.Node) error {
	var ins []*graph.Value
	for _, v := range n.Inputs {
		if v != nil {
			ins = append(ins, v)
		}
	}
	if len(ins) == 0 {
		return fmt.Errorf("no inputs")
	}
	rank := len(ins[0].Shape)
	ax, err := normAxis(j.Axis, rank)
	if err != nil {
		return err
	}
	out := ins[0].Shape.Clone()
	var terms []calc.Expr
	for _, v := range ins {
		s := v.Shape
		if len(s) != rank {
			return fmt.Errorf("inputs have different ranks: %s (%s) and %s (%s)", fmtShape(ins[0].Shape), ins[0].Name, fmtShape(s), v.Name)
		}
		for a := range s {
			if a == ax {
				continue
			}
			if !s[a].Compatible(out[a]) {
				return fmt.Errorf("input shapes must agree except on axis %d: %s (%s) and %s (%s) differ on axis %d",
					ax, fmtShape(ins[0].Shape), ins[0].Name, fmtShape(s), v.Name, a)
			}
			if !out[a].Known() && (s[a].Known() || out[a].Name == "") {
				out[a] = s[a]
			}
		}
		terms = append(terms, s[ax].Expr())
	}
	e := calc.Add(terms...)
	out[ax] = graph.DimOf(e)
	if len(ins) == 1 {
		out[ax] = ins[0].Shape[ax]
	}
	n.SetOut(0, out)
	n.Why("axis %d: %s", ax, e.Equation())
	zeroFLOPs(n)
	j.fold(n, ins, ax, out)
	return nil
}

func (j *Join) fold(n *graph.Node, ins []*graph.Value, ax int, out graph.Shape) {
	if smallNumel(out) < 0 {
		return
	}
	var ts []*tval
	isFloat := false
	for _, v := range ins {
		t, ok := load(v)
		if !ok {
			// An integer input of a known small shape whose values are
			// not known contributes unknown elements.
			k := smallNumel(v.Shape)
			if k < 0 || v.DType.IsFloat() || v.DType == "" {
				return
			}
			t = &tval{shape: sizes(v.Shape), ints: make([]elem, k)}
			for i := range t.ints {
				t.ints[i] = unknownElem()
			}
		}
		isFloat = isFloat || t.isFloat
		ts = append(ts, t)
	}
	for _, t := range ts {
		if t.isFloat != isFloat {
			return
		}
	}
	osz := sizes(out)
	outer := product(osz[:ax])
	res := &tval{shape: osz, isFloat: isFloat}
	for o := int64(0); o < outer; o++ {
		for _, t := range ts {
			chunk := product(t.shape[ax:])
			if isFloat {
				res.floats = append(res.floats, t.floats[o*chunk:(o+1)*chunk]...)
			} else {
				res.ints = append(res.ints, t.ints[o*chunk:(o+1)*chunk]...)
			}
		}
	}
	store(n.Outputs[0], res)
}

// SliceAxes is ONNX Slice: for each of Axes, the elements from Starts to
// Ends by Steps, clamped to the axis as ONNX does. With FromInputs the
// four come from inputs 1 to 4 (opset 10 on), otherwise from the fields.
type SliceAxes struct {
	Starts, Ends, Axes, Steps []int64
	FromInputs                bool
}

// bigEnd is where a Slice end means "to the end" for an axis of unknown
// size (exporters write INT64_MAX or INT32_MAX).
const bigEnd = math.MaxInt32

func (s *SliceAxes) Infer(n *graph.Node) error {
	data := n.In(0)
	if data == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	r := len(data)
	starts, ends, axes, steps := s.Starts, s.Ends, s.Axes, s.Steps
	known := true
	if s.FromInputs {
		get := func(i int) ([]int64, bool, bool) { // values, present, known
			if !present(n, i) {
				return nil, false, true
			}
			v, ok := constInts(n.Inputs[i])
			return v, true, ok
		}
		var ok1, ok2, ok3, ok4, p3, p4 bool
		starts, _, ok1 = get(1)
		ends, _, ok2 = get(2)
		axes, p3, ok3 = get(3)
		steps, p4, ok4 = get(4)
		known = ok1 && ok2 && ok3 && ok4
		if !known {
			// Which axes are sliced may still be known.
			out := data.Clone()
			switch {
			case p3 && ok3:
				for _, a := range axes {
					if x, err := normAxis(a, r); err == nil {
						out[x] = graph.Unknown()
					}
				}
			case !p3 && present(n, 1) && len(n.In(1)) == 1 && n.In(1)[0].Known():
				for a := 0; a < int(n.In(1)[0].Size) && a < r; a++ {
					out[a] = graph.Unknown()
				}
			default:
				for a := range out {
					out[a] = graph.Unknown()
				}
			}
			_ = p4
			n.SetOut(0, out)
			n.Why("the slice bounds are not constants: sliced axes unknown")
			zeroFLOPs(n)
			return nil
		}
	}
	if len(ends) != len(starts) {
		return fmt.Errorf("%d starts but %d ends", len(starts), len(ends))
	}
	if axes == nil {
		for i := range starts {
			axes = append(axes, int64(i))
		}
	}
	if steps == nil {
		steps = make([]int64, len(starts))
		for i := range steps {
			steps[i] = 1
		}
	}
	if len(axes) != len(starts) || len(steps) != len(starts) {
		return fmt.Errorf("starts, ends, axes and steps have different lengths: %d, %d, %d, %d", len(starts), len(ends), len(axes), len(steps))
	}
	out := data.Clone()
	type cut struct{ start, step, n int64 }
	cuts := make([]cut, r)
	for a := range cuts {
		cuts[a] = cut{0, 1, -1}
	}
	seen := map[int]bool{}
	for i, a64 := range axes {
		a, err := normAxis(a64, r)
		if err != nil {
			return err
		}
		if seen[a] {
			return fmt.Errorf("axis %d is sliced twice", a)
		}
		seen[a] = true
		st, en, step := starts[i], ends[i], steps[i]
		if step == 0 {
			return fmt.Errorf("step 0 on axis %d", a)
		}
		d := data[a]
		if !d.Known() {
			if st == 0 && step == 1 && en >= bigEnd {
				n.Why("axis %d: [0:end] keeps all of %s", a, d)
				continue
			}
			out[a] = graph.Unknown()
			n.Why("axis %d: [%d:%d:%d] of an axis of unknown size", a, st, en, step)
			continue
		}
		b, e := clampSlice(d.Size, st, en, step)
		var length calc.Expr
		if step > 0 {
			length = calc.Max(calc.N(0), calc.Ceil(calc.Sub(calc.N(e), calc.N(b)), calc.N(step)))
		} else {
			length = calc.Max(calc.N(0), calc.Ceil(calc.Sub(calc.N(b), calc.N(e)), calc.N(-step)))
		}
		if step == 1 && e >= b {
			length = calc.Sub(calc.N(e), calc.N(b))
		}
		out[a] = graph.DimOf(length)
		cuts[a] = cut{b, step, out[a].Size}
		n.Why("axis %d: [%d:%d:%d] of %d clamps to [%d:%d]: %s", a, st, en, step, d.Size, b, e, length.Equation())
	}
	n.SetOut(0, out)
	zeroFLOPs(n)
	// Fold a constant.
	t, ok := load(n.Inputs[0])
	if !ok || smallNumel(out) < 0 {
		return nil
	}
	osz := sizes(out)
	ost := rowStrides(osz)
	ist := rowStrides(t.shape)
	total := product(osz)
	res := &tval{shape: osz, isFloat: t.isFloat}
	for i := int64(0); i < total; i++ {
		j := int64(0)
		for a := range osz {
			c := (i / ost[a]) % osz[a]
			src := c
			if cuts[a].n >= 0 {
				src = cuts[a].start + c*cuts[a].step
			}
			j += src * ist[a]
		}
		if t.isFloat {
			res.floats = append(res.floats, t.floats[j])
		} else {
			res.ints = append(res.ints, t.ints[j])
		}
	}
	store(n.Outputs[0], res)
	return nil
}

// clampSlice resolves negative and out-of-range slice bounds as ONNX does.
func clampSlice(d, st, en, step int64) (int64, int64) {
	if st < 0 {
		st += d
	}
	if en < 0 {
		en += d
	}
	if step > 0 {
		return min(max(st, 0), d), min(max(en, 0), d)
	}
	return min(max(st, 0), d-1), min(max(en, -1), d-1)
}

// Squeeze removes axes of size 1: Axes (from input 1 with FromInput), or
// every axis of size 1 when none are given.
type Squeeze struct {
	Axes      []int64
	FromInput bool
}

func (s *Squeeze) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	axes := s.Axes
	if s.FromInput && present(n, 1) {
		var ok bool
		if axes, ok = constInts(n.Inputs[1]); !ok {
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
		a, err := normAxis(a64, len(in))
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

// Unsqueeze inserts axes of size 1 at Axes of the output (from input 1
// with FromInput).
type Unsqueeze struct {
	Axes      []int64
	FromInput bool
}

func (u *Unsqueeze) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	axes := u.Axes
	if u.FromInput {
		var ok bool
		if axes, ok = constInts(n.Inputs[1]); !present(n, 1) || !ok {
			return graph.Unknownf("the axes to insert are not a constant")
		}
	}
	r := len(in) + len(axes)
	ins := map[int]bool{}
	for _, a64 := range axes {
		a, err := normAxis(a64, r)
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
	if t, ok := load(n.Inputs[0]); ok && smallNumel(out) == int64(t.len()) {
		t2 := *t
		t2.shape = sizes(out)
		store(n.Outputs[0], &t2)
	}
}

// ReshapeTo is ONNX Reshape: the target shape is input 1. An entry of 0
// copies the input's size at that position (unless AllowZero), -1 is
// inferred from the element count; symbolic dims that appear on both
// sides cancel, so (batch, 3, 224, 224) reshaped to (batch, -1) gives
// (batch, 150528).
type ReshapeTo struct {
	AllowZero bool
	Shape     []int64 // the target when there is no input 1 (Reshape before opset 5)
}

func (r *ReshapeTo) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	var target []elem
	ok := false
	if present(n, 1) {
		target, ok = constElems(n.Inputs[1])
	} else if r.Shape != nil {
		for _, x := range r.Shape {
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
		case t.v == 0 && !r.AllowZero:
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
			return fmt.Errorf("cannot reshape %s into %s: %v", fmtShape(in), elemsText(target), err)
		}
		out[infer] = d
		n.Why("-1 at position %d: %s", infer, why)
	} else {
		a, _ := dimsProduct(in)
		b, _ := dimsProduct(out)
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

// FlattenAt is ONNX Flatten: (prod(in[:Axis]), prod(in[Axis:])).
type FlattenAt struct {
	Axis int64
}

func (f *FlattenAt) Infer(n *graph.Node) error {
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
		a, err := normAxis(p, len(in))
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
	if c, ok := load(n.Inputs[0]); ok && len(c.shape) > 0 {
		osz := sizes(out)
		ost := rowStrides(osz)
		ist := rowStrides(c.shape)
		res := &tval{shape: osz, isFloat: c.isFloat}
		for i := int64(0); i < product(osz); i++ {
			j := int64(0)
			for a := range osz {
				j += ((i / ost[a]) % osz[a]) * ist[np[a]]
			}
			if c.isFloat {
				res.floats = append(res.floats, c.floats[j])
			} else {
				res.ints = append(res.ints, c.ints[j])
			}
		}
		store(n.Outputs[0], res)
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
	target, ok := constElems(n.Inputs[1])
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
	if t, ok := load(n.Inputs[0]); ok && smallNumel(out) >= 0 {
		osz := sizes(out)
		ost := rowStrides(osz)
		ist := rowStrides(t.shape)
		res := &tval{shape: osz, isFloat: t.isFloat}
		for i := int64(0); i < product(osz); i++ {
			j := bcastIndex(i, osz, ost, t.shape, ist)
			if t.isFloat {
				res.floats = append(res.floats, t.floats[j])
			} else {
				res.ints = append(res.ints, t.ints[j])
			}
		}
		store(n.Outputs[0], res)
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
	reps, ok := constInts(n.Inputs[1])
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
	if t, ok := load(n.Inputs[0]); ok && smallNumel(out) >= 0 {
		osz := sizes(out)
		ost := rowStrides(osz)
		ist := rowStrides(t.shape)
		res := &tval{shape: osz, isFloat: t.isFloat}
		for i := int64(0); i < product(osz); i++ {
			j := int64(0)
			for a := range osz {
				j += (((i / ost[a]) % osz[a]) % t.shape[a]) * ist[a]
			}
			if t.isFloat {
				res.floats = append(res.floats, t.floats[j])
			} else {
				res.ints = append(res.ints, t.ints[j])
			}
		}
		store(n.Outputs[0], res)
	}
	return nil
}

// Range is start, start+delta, … up to limit (exclusive), from three
// scalar inputs: max(ceil((limit-start)/delta), 0) elements.
type Range struct{}

func (Range) Infer(n *graph.Node) error {
	dt := n.Inputs[0].DType
	out := graph.Shape{graph.Unknown()}
	defer func() { zeroFLOPs(n) }()
	if dt.IsFloat() {
		xs := make([]float64, 3)
		for i := range xs {
			v, ok := constFloats(n.Inputs[i])
			if !ok || len(v) != 1 {
				n.SetOut(0, out)
				n.Why("start, limit and delta are not all constants: length unknown")
				return nil
			}
			xs[i] = v[0]
		}
		if xs[2] == 0 {
			return fmt.Errorf("delta is 0")
		}
		k := int64(math.Max(math.Ceil((xs[1]-xs[0])/xs[2]), 0))
		n.SetOut(0, graph.S(k))
		n.Why("max(ceil((%v-%v)/%v), 0) = %d", xs[1], xs[0], xs[2], k)
		if k <= MaxConst {
			res := &tval{shape: []int64{k}, isFloat: true}
			for i := int64(0); i < k; i++ {
				res.floats = append(res.floats, xs[0]+float64(i)*xs[2])
			}
			store(n.Outputs[0], res)
		}
		return nil
	}
	var es [3]elem
	for i := range es {
		v, ok := constElems(n.Inputs[i])
		if !ok || len(v) != 1 {
			n.SetOut(0, out)
			n.Why("start, limit and delta are not all constants: length unknown")
			return nil
		}
		es[i] = v[0]
	}
	start, limit, delta := es[0], es[1], es[2]
	if !start.ok || !delta.ok || !limit.ok {
		if start.ok && start.v == 0 && delta.ok && delta.v == 1 && !limit.ok {
			n.SetOut(0, graph.Shape{limit.sym})
			n.Why("0 to %s by 1: %s elements", limit.sym, limit.sym)
			return nil
		}
		n.SetOut(0, out)
		n.Why("range %s to %s by %s: length unknown", start, limit, delta)
		return nil
	}
	if delta.v == 0 {
		return fmt.Errorf("delta is 0")
	}
	e := calc.Max(calc.N(0), calc.Ceil(calc.Sub(calc.N(limit.v), calc.N(start.v)), calc.N(delta.v)))
	k, _ := e.Value()
	n.SetOut(0, graph.S(k))
	n.Why("length %s", e.Equation())
	if k <= MaxConst {
		res := &tval{shape: []int64{k}}
		for i := int64(0); i < k; i++ {
			res.ints = append(res.ints, known1(start.v+i*delta.v))
		}
		store(n.Outputs[0], res)
	}
	return nil
}

// ConstantOfShape is a tensor of the shape in input 0 filled with one
// value (0.0 float32 unless given).
type ConstantOfShape struct {
	DType  graph.DType // default float32
	Int    int64
	Float  float64
	IsInts bool // the value is Int (an integer or bool type), else Float
}

func (c *ConstantOfShape) Infer(n *graph.Node) error {
	dt := c.DType
	if dt == "" {
		dt = graph.Float32
	}
	target, ok := constElems(n.Inputs[0])
	var out graph.Shape
	if ok {
		out = make(graph.Shape, len(target))
		for i, e := range target {
			out[i] = e.dim()
		}
	} else {
		ts := n.In(0)
		if len(ts) != 1 || !ts[0].Known() {
			return graph.Unknownf("the shape is not a constant")
		}
		out = make(graph.Shape, ts[0].Size)
		for i := range out {
			out[i] = graph.Unknown()
		}
	}
	n.SetOut(0, out)
	n.Outputs[0].DType = dt
	n.Why("shape from the input: %s", fmtShape(out))
	zeroFLOPs(n)
	if k := smallNumel(out); k >= 0 {
		res := &tval{shape: sizes(out), isFloat: !c.IsInts}
		for i := int64(0); i < k; i++ {
			if c.IsInts {
				res.ints = append(res.ints, known1(c.Int))
			} else {
				res.floats = append(res.floats, c.Float)
			}
		}
		store(n.Outputs[0], res)
	}
	return nil
}

// Split cuts input 0 along Axis into one piece per output: of the sizes
// in input 1 (FromInput) or Sizes, or else of equal size (the last one
// smaller when they do not divide, as ONNX's num_outputs allows).
type Split struct {
	Axis      int64
	Sizes     []int64
	FromInput bool
}

func (s *Split) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	ax, err := normAxis(s.Axis, len(in))
	if err != nil {
		return err
	}
	k := int64(len(n.Outputs))
	if k == 0 {
		return fmt.Errorf("no outputs")
	}
	d := in[ax]
	parts := s.Sizes
	if s.FromInput && present(n, 1) {
		var ok bool
		if parts, ok = constInts(n.Inputs[1]); !ok {
			for i := range n.Outputs {
				o := in.Clone()
				o[ax] = graph.Unknown()
				n.SetOut(i, o)
			}
			n.Why("the split sizes are not a constant")
			zeroFLOPs(n)
			return nil
		}
	}
	var exprs []calc.Expr
	if len(parts) == 0 {
		if !d.Known() {
			for i := range n.Outputs {
				o := in.Clone()
				o[ax] = graph.Unknown()
				n.SetOut(i, o)
			}
			n.Why("axis %d of unknown size %s split in %d", ax, d, k)
			zeroFLOPs(n)
			return nil
		}
		chunk := calc.Ceil(calc.N(d.Size), calc.N(k))
		c, _ := chunk.Value()
		for i := int64(0); i < k; i++ {
			if i < k-1 {
				parts = append(parts, c)
				exprs = append(exprs, chunk)
			} else {
				last := calc.Sub(calc.N(d.Size), calc.Mul(chunk, calc.N(k-1)))
				v, _ := last.Value()
				if v < 0 {
					return fmt.Errorf("axis %d of size %d cannot be split in %d", ax, d.Size, k)
				}
				parts = append(parts, v)
				exprs = append(exprs, last)
			}
		}
	}
	if int64(len(parts)) != k {
		return fmt.Errorf("%d split sizes for %d outputs", len(parts), k)
	}
	sum := int64(0)
	for _, p := range parts {
		if p < 0 {
			return fmt.Errorf("split size %d is negative", p)
		}
		sum += p
	}
	if d.Known() && sum != d.Size {
		return fmt.Errorf("split sizes %v add up to %d, not the axis size %d", parts, sum, d.Size)
	}
	off := int64(0)
	t, tok := load(n.Inputs[0])
	for i, p := range parts {
		o := in.Clone()
		o[ax] = graph.D(p)
		n.SetOut(i, o)
		if exprs != nil {
			n.Why("output %d: axis %d: %s", i, ax, exprs[i].Equation())
		}
		if tok {
			outer := product(t.shape[:ax])
			inner := product(t.shape[ax+1:])
			res := &tval{shape: sizes(o), isFloat: t.isFloat}
			for q := int64(0); q < outer; q++ {
				lo := (q*t.shape[ax] + off) * inner
				hi := lo + p*inner
				if t.isFloat {
					res.floats = append(res.floats, t.floats[lo:hi]...)
				} else {
					res.ints = append(res.ints, t.ints[lo:hi]...)
				}
			}
			store(n.Outputs[i], res)
		}
		off += p
	}
	if exprs == nil {
		n.Why("axis %d split into %v", ax, parts)
	}
	zeroFLOPs(n)
	return nil
}

// PadTo is ONNX Pad: each axis grows by its begin and end padding (which
// may be negative), from Pads or, with FromInput, from input 1, for the
// axes of input 3 when given.
type PadTo struct {
	Pads      []int64 // begin for every axis, then end for every axis
	FromInput bool
}

func (p *PadTo) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	pads := p.Pads
	axes := make([]int, len(in))
	for i := range axes {
		axes[i] = i
	}
	if p.FromInput {
		var ok bool
		if pads, ok = constInts(n.Inputs[1]); !present(n, 1) || !ok {
			out := make(graph.Shape, len(in))
			for i := range out {
				out[i] = graph.Unknown()
			}
			n.SetOut(0, out)
			n.Why("the pads are not a constant")
			zeroFLOPs(n)
			return nil
		}
		if present(n, 3) {
			ax, ok := constInts(n.Inputs[3])
			if !ok {
				return graph.Unknownf("the axes to pad are not a constant")
			}
			axes = axes[:0]
			for _, a := range ax {
				x, err := normAxis(a, len(in))
				if err != nil {
					return err
				}
				axes = append(axes, x)
			}
		}
	}
	if len(pads) != 2*len(axes) {
		return fmt.Errorf("%d pads for %d axes (want begin and end for each)", len(pads), len(axes))
	}
	out := in.Clone()
	for i, a := range axes {
		b, e := pads[i], pads[i+len(axes)]
		if b == 0 && e == 0 {
			continue
		}
		x := padded(in[a], b, e)
		if v, ok := x.Value(); ok && v < 0 {
			return fmt.Errorf("axis %d: %s is negative", a, x.Equation())
		}
		out[a] = graph.DimOf(x)
		n.Why("axis %d: %s", a, x.Equation())
	}
	n.SetOut(0, out)
	zeroFLOPs(n)
	return nil
}

// Resize scales the spatial (or any) axes of input 0 to the sizes in
// input SizesInput, or by the factors in input ScalesInput (or Scales):
// floor(in*scale) computed in float32 as ONNX does.
type Resize struct {
	ScalesInput, SizesInput int       // input indices; -1 when the op has no such input
	Scales                  []float64 // Upsample-7's attribute
	Axes                    []int64   // the axes scales and sizes apply to; nil: all
	Policy                  string    // keep_aspect_ratio_policy: "stretch" (default), "not_larger", "not_smaller"
}

func (r *Resize) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	axes := make([]int, 0, len(in))
	if r.Axes == nil {
		for i := range in {
			axes = append(axes, i)
		}
	} else {
		for _, a := range r.Axes {
			x, err := normAxis(a, len(in))
			if err != nil {
				return err
			}
			axes = append(axes, x)
		}
	}
	out := in.Clone()
	zeroFLOPs(n)
	given := func(i int) bool {
		return i >= 0 && present(n, i) && len(n.In(i)) == 1 && !(n.In(i)[0].Known() && n.In(i)[0].Size == 0)
	}
	if given(r.SizesInput) {
		sz, ok := constElems(n.Inputs[r.SizesInput])
		if !ok || len(sz) != len(axes) {
			for _, a := range axes {
				out[a] = graph.Unknown()
			}
			n.SetOut(0, out)
			n.Why("the sizes are not a constant")
			return nil
		}
		if r.Policy == "not_larger" || r.Policy == "not_smaller" {
			scale := 0.0
			for i, a := range axes {
				if !sz[i].ok || !in[a].Known() || in[a].Size == 0 {
					return graph.Unknownf("keep_aspect_ratio_policy %s needs known sizes", r.Policy)
				}
				s := float64(float32(sz[i].v) / float32(in[a].Size))
				if i == 0 || (r.Policy == "not_larger" && s < scale) || (r.Policy == "not_smaller" && s > scale) {
					scale = s
				}
			}
			for _, a := range axes {
				v := int64(math.Floor(float64(float32(scale)*float32(in[a].Size)) + 0.5))
				out[a] = graph.D(v)
				n.Why("axis %d: round(%g*%d) = %d (%s)", a, float32(scale), in[a].Size, v, r.Policy)
			}
		} else {
			for i, a := range axes {
				out[a] = sz[i].dim()
			}
			n.Why("sizes %s", elemsText(sz))
		}
		n.SetOut(0, out)
		return nil
	}
	scales := r.Scales
	if given(r.ScalesInput) {
		var ok bool
		if scales, ok = constFloats(n.Inputs[r.ScalesInput]); !ok {
			for _, a := range axes {
				out[a] = graph.Unknown()
			}
			n.SetOut(0, out)
			n.Why("the scales are not a constant")
			return nil
		}
	}
	if scales == nil {
		return fmt.Errorf("neither scales nor sizes are given")
	}
	if len(scales) != len(axes) {
		return fmt.Errorf("%d scales for %d axes", len(scales), len(axes))
	}
	for i, a := range axes {
		s := scales[i]
		if s == 1 {
			continue
		}
		if s <= 0 || math.IsNaN(s) || math.IsInf(s, 0) {
			return fmt.Errorf("scale %v on axis %d is not positive", s, a)
		}
		if !in[a].Known() {
			out[a] = graph.Unknown()
			continue
		}
		v := math.Floor(float64(float32(in[a].Size) * float32(s)))
		if v > math.MaxInt32*1024 {
			return fmt.Errorf("axis %d: %d*%v is too large", a, in[a].Size, s)
		}
		out[a] = graph.D(int64(v))
		n.Why("axis %d: floor(%d*%g) = %d", a, in[a].Size, float32(s), int64(v))
	}
	n.SetOut(0, out)
	return nil
}

// TopK keeps K entries along Axis: values (input's type) and indices
// (int64). K is the field, or input 1 with FromInput.
type TopK struct {
	Axis      int64
	K         int64
	FromInput bool
}

func (t *TopK) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	ax, err := normAxis(t.Axis, len(in))
	if err != nil {
		return err
	}
	out := in.Clone()
	k := graph.D(t.K)
	if t.FromInput {
		if e, ok := constElems(n.Inputs[1]); present(n, 1) && ok && len(e) == 1 {
			k = e[0].dim()
		} else {
			k = graph.Unknown()
		}
	}
	if k.Known() && in[ax].Known() && k.Size > in[ax].Size {
		return fmt.Errorf("k=%d is larger than axis %d of size %d", k.Size, ax, in[ax].Size)
	}
	out[ax] = k
	for i := range n.Outputs {
		n.SetOut(i, out.Clone())
	}
	if len(n.Outputs) > 1 {
		n.Outputs[1].DType = graph.Int64
	}
	n.Why("axis %d: k = %s", ax, k)
	zeroFLOPs(n)
	return nil
}

// ArgReduce is ArgMax/ArgMin: int64 indices along Axis, which is kept
// with size 1 or removed.
type ArgReduce struct {
	Axis     int64
	KeepDims bool
}

func (a *ArgReduce) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	ax, err := normAxis(a.Axis, len(in))
	if err != nil {
		return err
	}
	out := in.Clone()
	if a.KeepDims {
		out[ax] = graph.D(1)
	} else {
		out = append(out[:ax], out[ax+1:]...)
	}
	n.SetOut(0, out)
	n.Outputs[0].DType = graph.Int64
	n.Why("axis %d reduced: %s", ax, fmtShape(out))
	zeroFLOPs(n)
	n.OtherOps = in.Numel()
	return nil
}

// Reduce is the ReduceSum/Mean/Max/… family: the Axes (from input 1 with
// FromInput; every axis when none are given, unless NoopEmpty) are reduced
// to size 1 or removed. One operation per input element.
type Reduce struct {
	Func      string // "ReduceSum", "ReduceProd", …: folding knows sum, prod, max, min
	Axes      []int64
	FromInput bool
	KeepDims  bool
	NoopEmpty bool
}

func (r *Reduce) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	axes := r.Axes
	if r.FromInput && present(n, 1) {
		var ok bool
		if axes, ok = constInts(n.Inputs[1]); !ok {
			if r.KeepDims {
				out := make(graph.Shape, len(in))
				for i := range out {
					out[i] = graph.Unknown()
				}
				n.SetOut(0, out)
				n.Why("the axes are not a constant")
				zeroFLOPs(n)
				n.OtherOps = in.Numel()
				return nil
			}
			return graph.Unknownf("the axes are not a constant")
		}
	}
	red := map[int]bool{}
	if len(axes) == 0 && !r.NoopEmpty {
		for a := range in {
			red[a] = true
		}
	}
	for _, a64 := range axes {
		a, err := normAxis(a64, len(in))
		if err != nil {
			return err
		}
		red[a] = true
	}
	out := graph.Shape{}
	for a, d := range in {
		switch {
		case !red[a]:
			out = append(out, d)
		case r.KeepDims:
			out = append(out, graph.D(1))
		}
	}
	n.SetOut(0, out)
	n.Why("axes %v reduced: %s", sortedKeys(red), fmtShape(out))
	zeroFLOPs(n)
	n.OtherOps = in.Numel()
	// Fold integer reductions (the ReduceProd of a slice of a shape).
	t, ok := load(n.Inputs[0])
	if !ok || t.isFloat || smallNumel(out) < 0 {
		return nil
	}
	res := &tval{shape: sizes(out)}
	total := product(sizes(out))
	ist := rowStrides(t.shape)
	for i := int64(0); i < total; i++ {
		var acc elem
		first := true
		// Walk the input elements that reduce into output i.
		for j := int64(0); j < int64(len(t.ints)); j++ {
			k, oi := j, int64(0)
			mult := int64(1)
			for a := len(t.shape) - 1; a >= 0; a-- {
				c := (k / ist[a]) % t.shape[a]
				if !red[a] {
					oi += c * mult
					mult *= t.shape[a]
				}
			}
			if oi != i {
				continue
			}
			x := t.ints[j]
			if first {
				acc, first = x, false
				continue
			}
			var r2 elem
			var okf bool
			switch r.Func {
			case "ReduceSum":
				r2, okf = intFunc("Add", []elem{acc, x}, []bool{true, true}, false)
			case "ReduceProd":
				r2, okf = intFunc("Mul", []elem{acc, x}, []bool{true, true}, false)
			case "ReduceMax":
				r2, okf = intFunc("Max", []elem{acc, x}, []bool{true, true}, false)
			case "ReduceMin":
				r2, okf = intFunc("Min", []elem{acc, x}, []bool{true, true}, false)
			}
			if !okf {
				return nil
			}
			acc = r2
		}
		if first {
			switch r.Func {
			case "ReduceSum":
				acc = known1(0)
			case "ReduceProd":
				acc = known1(1)
			default:
				return nil
			}
		}
		res.ints = append(res.ints, acc)
	}
	store(n.Outputs[0], res)
	return nil
}

// Constant is a tensor given in the model (ONNX Constant, RandomNormal's
// shape): its shape, element type and, when small, its values.
type Constant struct {
	Shape  graph.Shape
	DType  graph.DType
	Ints   []int64
	Floats []float64
}

func (c *Constant) Infer(n *graph.Node) error {
	if c.Shape == nil {
		return fmt.Errorf("the constant's shape is not given")
	}
	n.SetOut(0, c.Shape.Clone())
	n.Outputs[0].DType = c.DType
	n.Why("given: %s", fmtShape(c.Shape))
	zeroFLOPs(n)
	k := smallNumel(c.Shape)
	switch {
	case k < 0:
	case c.Floats != nil && int64(len(c.Floats)) == k:
		store(n.Outputs[0], &tval{shape: sizes(c.Shape), isFloat: true, floats: c.Floats})
	case c.Ints != nil && int64(len(c.Ints)) == k:
		t := &tval{shape: sizes(c.Shape)}
		for _, x := range c.Ints {
			t.ints = append(t.ints, known1(x))
		}
		store(n.Outputs[0], t)
	}
	return nil
}

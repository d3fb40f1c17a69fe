package tensor

import (
	"fmt"
	"math"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
)

// The ops in this file select and join parts of tensors (Gather, Concat,
// Slice, Split, Pad), with their indices, bounds and sizes given as
// fields or read from constant inputs, folding small constants as they
// go. They do no arithmetic: FLOPs 0.

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
	ax, err := NormAxis(g.Axis, len(data))
	if err != nil {
		return err
	}
	out := append(append(data[:ax].Clone(), idx...), data[ax+1:]...)
	n.SetOut(0, out)
	n.Why("axis %d of %s indexed by %s: %s", ax, fmtShape(data), fmtShape(idx), fmtShape(out))
	zeroFLOPs(n)
	t, ok := load(input(n, 0))
	ix, ok2 := constInts(input(n, 1))
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

// Concat joins its inputs along Axis, every other axis agreeing; omitted
// (nil) inputs are skipped.
// Integer inputs of a small known shape are folded even when only some of
// their elements are known.
type Concat struct {
	Axis int64
}

func (j *Concat) Infer(n *graph.Node) error {
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
	ax, err := NormAxis(j.Axis, rank)
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

func (j *Concat) fold(n *graph.Node, ins []*graph.Value, ax int, out graph.Shape) {
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

// Slice takes, for each of Axes, the elements from Starts to Ends by
// Steps, the bounds clamped to the axis as numpy and ONNX do. Axes
// default to 0, 1, …, Steps to 1. When Starts is nil the four lists are
// read from inputs 1 to 4 (constants; 3 and 4 may be omitted), and the
// fields are not used.
type Slice struct {
	Starts, Ends, Axes, Steps []int64
}

// bigEnd is where a Slice end means "to the end" for an axis of unknown
// size (exporters write INT64_MAX or INT32_MAX).
const bigEnd = math.MaxInt32

func (s *Slice) Infer(n *graph.Node) error {
	data := n.In(0)
	if data == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	r := len(data)
	starts, ends, axes, steps := s.Starts, s.Ends, s.Axes, s.Steps
	known := true
	if starts == nil {
		get := func(i int) ([]int64, bool, bool) { // values, present, known
			if !present(n, i) {
				return nil, false, true
			}
			v, ok := constInts(input(n, i))
			return v, true, ok
		}
		var ok1, ok2, ok3, ok4, p3 bool
		starts, _, ok1 = get(1)
		ends, _, ok2 = get(2)
		axes, p3, ok3 = get(3)
		steps, _, ok4 = get(4)
		known = ok1 && ok2 && ok3 && ok4
		if !known {
			// Which axes are sliced may still be known.
			out := data.Clone()
			switch {
			case p3 && ok3:
				for _, a := range axes {
					if x, err := NormAxis(a, r); err == nil {
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
		a, err := NormAxis(a64, r)
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
	t, ok := load(input(n, 0))
	if !ok || smallNumel(out) < 0 {
		return nil
	}
	osz := sizes(out)
	ost := rowStrides(osz)
	ist := rowStrides(t.shape)
	store(n.Outputs[0], gather(t, osz, func(i int64) (j int64) {
		for a := range osz {
			c := (i / ost[a]) % osz[a]
			src := c
			if cuts[a].n >= 0 {
				src = cuts[a].start + c*cuts[a].step
			}
			j += src * ist[a]
		}
		return j
	}))
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

// Split cuts input 0 along Axis into one piece per output: of the sizes
// Sizes, or when Sizes is nil those of input 1 (a constant), or else of
// equal size (the last one
// smaller when they do not divide, as ONNX's num_outputs allows).
type Split struct {
	Axis  int64
	Sizes []int64
}

func (s *Split) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	ax, err := NormAxis(s.Axis, len(in))
	if err != nil {
		return err
	}
	k := int64(len(n.Outputs))
	if k == 0 {
		return fmt.Errorf("no outputs")
	}
	d := in[ax]
	parts := s.Sizes
	if parts == nil && present(n, 1) {
		var ok bool
		if parts, ok = constInts(input(n, 1)); !ok {
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
	t, tok := load(input(n, 0))
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

// Pad grows each axis by its begin and end padding (which may be
// negative): Pads, or when Pads is nil the constant content of input 1,
// for the axes of input 3 when it is given.
type Pad struct {
	Pads []int64 // begin for every axis, then end for every axis
}

func (p *Pad) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	pads := p.Pads
	axes := make([]int, len(in))
	for i := range axes {
		axes[i] = i
	}
	if pads == nil {
		var ok bool
		if pads, ok = constInts(input(n, 1)); !ok {
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
			ax, ok := constInts(input(n, 3))
			if !ok {
				return graph.Unknownf("the axes to pad are not a constant")
			}
			axes = axes[:0]
			for _, a := range ax {
				x, err := NormAxis(a, len(in))
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

package op

import (
	"fmt"
	"strings"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
)

// Flatten merges axes Start..End (inclusive; negative counts from the end)
// into one.
type Flatten struct {
	Start, End int
}

func (f *Flatten) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	s, ok1 := graph.Axis(f.Start, len(in))
	e, ok2 := graph.Axis(f.End, len(in))
	if !ok1 || !ok2 || s > e {
		return fmt.Errorf("cannot flatten axes %d..%d of input %s", f.Start, f.End, fmtShape(in))
	}
	var axes []int
	for a := s; a <= e; a++ {
		axes = append(axes, a)
	}
	x := dimsExpr(in, axes)
	if err := check("flattened size", x); err != nil {
		return err
	}
	out := append(append(in[:s].Clone(), graph.DimOf(x)), in[e+1:]...)
	n.SetOut(0, out)
	n.Why("axes %d..%d flattened: %s", s, e, x.Equation())
	zeroFLOPs(n)
	return nil
}

// ReshapeDim is one entry of a reshape target.
type ReshapeDim struct {
	Size int64 // a literal size (≥ 0), or -1: inferred from the element count
	Ref  int   // ≥ 0: copy the input's size on this axis (Lasagne [i]); -1: not a reference
	// Symbolic is a size known only when the graph runs (a Theano
	// scalar in Lasagne's shape): the axis is unknown, and so is a -1
	// inferred against it (Lasagne's get_output_shape_for).
	Symbolic bool
}

// Literal is a ReshapeDim of a given size (-1 for the inferred one).
func Literal(n int64) ReshapeDim { return ReshapeDim{Size: n, Ref: -1} }

// RefAxis is a ReshapeDim that copies input axis i.
func RefAxis(i int) ReshapeDim { return ReshapeDim{Ref: i} }

// Reshape gives the input a new shape with the same element count, the
// target stated with the layer (Lasagne's ReshapeLayer: literal sizes,
// -1, references to input axes, symbolic entries). A target that is a
// tensor of a graph is tensor.Reshape's.
type Reshape struct {
	Target []ReshapeDim
}

func (r *Reshape) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	out := make(graph.Shape, len(r.Target))
	infer := -1
	var shown []string
	for i, t := range r.Target {
		switch {
		case t.Symbolic:
			out[i] = graph.Unknown()
			shown = append(shown, "symbolic")
		case t.Ref >= 0:
			if t.Ref >= len(in) {
				return fmt.Errorf("target entry %d refers to input axis %d, but the input %s has %d axes", i, t.Ref, fmtShape(in), len(in))
			}
			out[i] = in[t.Ref]
			shown = append(shown, fmt.Sprintf("[%d]=%s", t.Ref, in[t.Ref]))
		case t.Size == -1:
			if infer >= 0 {
				return fmt.Errorf("only one target size may be -1")
			}
			infer = i
			shown = append(shown, "-1")
		case t.Size < 0:
			return fmt.Errorf("target size %d is invalid", t.Size)
		default:
			out[i] = graph.D(t.Size)
			shown = append(shown, fmt.Sprint(t.Size))
		}
	}
	// As Lasagne does, an unknown input size copied to the output by a
	// reference cancels out: it is left out of both products.
	masked := make([]bool, len(in))
	outMasked := make([]bool, len(out))
	for i, t := range r.Target {
		if t.Ref >= 0 && !in[t.Ref].Known() && !masked[t.Ref] {
			masked[t.Ref], outMasked[i] = true, true
		}
	}
	var inTerms []calc.Expr
	for a, d := range in {
		if !masked[a] {
			inTerms = append(inTerms, d.Expr())
		}
	}
	total := calc.Mul(inTerms...)
	if infer >= 0 {
		var rest []calc.Expr
		for i, d := range out {
			if i != infer && !outMasked[i] {
				rest = append(rest, d.Expr())
			}
		}
		e := calc.Div(calc.Paren(total), calc.Paren(calc.Mul(rest...)))
		if len(rest) == 0 {
			e = total
		}
		if err := e.Err(); err != nil && total.Known() {
			return fmt.Errorf("cannot reshape %s into (%s): %w", fmtShape(in), strings.Join(shown, ", "), err)
		}
		out[infer] = graph.DimOf(e)
		n.Why("-1 at position %d: %s", infer, e.Equation())
	} else {
		var outTerms []calc.Expr
		for i, d := range out {
			if !outMasked[i] {
				outTerms = append(outTerms, d.Expr())
			}
		}
		ot := calc.Mul(outTerms...)
		if total.Known() && ot.Known() {
			a, _ := total.Value()
			b, _ := ot.Value()
			if a != b {
				return fmt.Errorf("cannot reshape %s (%d elements) into %s (%d elements)", fmtShape(in), a, fmtShape(out), b)
			}
		}
	}
	n.SetOut(0, out)
	n.Why("target (%s) → %s", strings.Join(shown, ", "), fmtShape(out))
	zeroFLOPs(n)
	return nil
}

// Permute reorders axes: output axis i is input axis Pattern[i]; -1 inserts
// a new axis of size 1 (Theano's 'x'). Input axes left out must have size 1
// (or an unknown size, which Lasagne allows).
type Permute struct {
	Pattern []int
}

func (p *Permute) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	used := make([]bool, len(in))
	out := make(graph.Shape, len(p.Pattern))
	for i, a := range p.Pattern {
		if a == -1 {
			out[i] = graph.D(1)
			continue
		}
		if a < 0 || a >= len(in) {
			return fmt.Errorf("pattern entry %d is out of range for input %s", a, fmtShape(in))
		}
		if used[a] {
			return fmt.Errorf("pattern uses input axis %d twice", a)
		}
		used[a] = true
		out[i] = in[a]
	}
	for a, u := range used {
		if !u && in[a].Known() && in[a].Size != 1 {
			return fmt.Errorf("pattern drops input axis %d, which has size %s; only axes of size 1 can be dropped", a, in[a])
		}
	}
	n.SetOut(0, out)
	n.Why("axes reordered: %s", fmtShape(out))
	zeroFLOPs(n)
	return nil
}

// ZeroPad pads every axis by Before[i] and After[i] elements.
type ZeroPad struct {
	Before, After []int64 // one entry per input axis
}

func (p *ZeroPad) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	if len(p.Before) != len(in) || len(p.After) != len(in) {
		return fmt.Errorf("padding has %d entries for an input of %d axes %s", len(p.Before), len(in), fmtShape(in))
	}
	out := in.Clone()
	for a := range in {
		if p.Before[a] == 0 && p.After[a] == 0 {
			continue
		}
		e := padded(false, in[a], p.Before[a], p.After[a])
		out[a] = graph.DimOf(e)
		if v, ok := e.Value(); ok && v < 0 {
			return fmt.Errorf("axis %d: %s is negative", a, e.Equation())
		}
		n.Why("axis %d: %s", a, e.Equation())
	}
	n.SetOut(0, out)
	zeroFLOPs(n)
	return nil
}

// Slice takes part of one axis, with Python's slice semantics, or a single
// index (which removes the axis).
type Slice struct {
	Axis  int
	Index *int64 // a single index; the axis is dropped
	Start *int64 // nil: from the start (or the end, for a negative step)
	Stop  *int64 // nil: to the end
	Step  int64  // 0 means 1
}

func (s *Slice) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	ax, ok := graph.Axis(s.Axis, len(in))
	if !ok {
		return fmt.Errorf("axis %d is out of range for input %s", s.Axis, fmtShape(in))
	}
	d := in[ax]
	if s.Index != nil {
		i := *s.Index
		if d.Known() && (i >= d.Size || i < -d.Size) {
			return fmt.Errorf("index %d is out of range for axis %d of size %d", i, ax, d.Size)
		}
		out := append(in[:ax].Clone(), in[ax+1:]...)
		n.SetOut(0, out)
		n.Why("axis %d indexed at %d and removed", ax, i)
		zeroFLOPs(n)
		return nil
	}
	step := s.Step
	if step == 0 {
		step = 1
	}
	out := in.Clone()
	if d.Known() {
		l := sliceLen(d.Size, s.Start, s.Stop, step)
		out[ax] = graph.D(l)
		n.Why("axis %d: %s of %d elements → %d", ax, sliceText(s.Start, s.Stop, step), d.Size, l)
	} else {
		// The length depends on the unknown size (Lasagne says None too).
		out[ax] = graph.Unknown()
	}
	n.SetOut(0, out)
	zeroFLOPs(n)
	return nil
}

// sliceLen is len(range(size)[start:stop:step]) as Python computes it.
func sliceLen(size int64, start, stop *int64, step int64) int64 {
	clamp := func(v, lo, hi int64) int64 {
		if v < lo {
			return lo
		}
		if v > hi {
			return hi
		}
		return v
	}
	var b, e int64
	if step > 0 {
		b, e = 0, size
		if start != nil {
			b = *start
			if b < 0 {
				b += size
			}
			b = clamp(b, 0, size)
		}
		if stop != nil {
			e = *stop
			if e < 0 {
				e += size
			}
			e = clamp(e, 0, size)
		}
		if e <= b {
			return 0
		}
		return (e - b + step - 1) / step
	}
	b, e = size-1, -1
	if start != nil {
		b = *start
		if b < 0 {
			b += size
		}
		b = clamp(b, -1, size-1)
	}
	if stop != nil {
		e = *stop
		if e < 0 {
			e += size
		}
		e = clamp(e, -1, size-1)
	}
	if b <= e {
		return 0
	}
	return (b - e + (-step) - 1) / (-step)
}

func sliceText(start, stop *int64, step int64) string {
	f := func(p *int64) string {
		if p == nil {
			return ""
		}
		return fmt.Sprint(*p)
	}
	t := "[" + f(start) + ":" + f(stop)
	if step != 1 {
		t += fmt.Sprintf(":%d", step)
	}
	return t + "]"
}

package tensor

import (
	"fmt"
	"math"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
)

// The ops in this file make tensors (Range, Full, Constant), resize them
// (Resize) and reduce them (TopK, ArgReduce, Reduce). Reductions count one
// operation per input element in OtherOps.

// Range is start, start+delta, … up to limit (exclusive), from three
// scalar inputs: max(ceil((limit-start)/delta), 0) elements.
type Range struct{}

func (Range) Infer(n *graph.Node) error {
	var dt graph.DType
	if v := input(n, 0); v != nil {
		dt = v.DType
	}
	out := graph.Shape{graph.Unknown()}
	defer func() { zeroFLOPs(n) }()
	if dt.IsFloat() {
		xs := make([]float64, 3)
		for i := range xs {
			v, ok := constFloats(input(n, i))
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
		f := math.Max(math.Ceil((xs[1]-xs[0])/xs[2]), 0)
		if math.IsNaN(f) || f >= math.MaxInt64 {
			return fmt.Errorf("range %v to %v by %v has %v elements, more than a tensor can hold", xs[0], xs[1], xs[2], f)
		}
		k := int64(f)
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
		v, ok := constElems(input(n, i))
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
	if err := e.Err(); err != nil {
		return fmt.Errorf("range %d to %d by %d: the length overflows: %w", start.v, limit.v, delta.v, err)
	}
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

// Full is a tensor of the shape in input 0 (a constant) filled with one
// value (ONNX ConstantOfShape, torch.full): 0.0 float32 unless given.
type Full struct {
	DType  graph.DType // default float32
	Int    int64
	Float  float64
	IsInts bool // the value is Int (an integer or bool type), else Float
}

func (c *Full) Infer(n *graph.Node) error {
	dt := c.DType
	if dt == "" {
		dt = graph.Float32
	}
	target, ok := constElems(input(n, 0))
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

// Resize scales the axes of input 0 to the sizes in input SizesInput, or
// by the factors in input ScalesInput (or Scales): floor(in*scale)
// computed in float32 as ONNX does. An input that is empty (a 0-length
// placeholder) counts as not given.
type Resize struct {
	ScalesInput, SizesInput int       // input indices; -1 when the op has no such input
	Scales                  []float64 // the factors when no scales input is given
	Axes                    []int64   // the axes scales and sizes apply to; nil: all
	Policy                  Aspect    // how sizes that change the aspect ratio are met
}

// Aspect says how a Resize to given sizes treats the aspect ratio.
type Aspect int

const (
	Stretch    Aspect = iota // each axis to its size
	NotLarger                // one scale, the smallest: no axis exceeds its size
	NotSmaller               // one scale, the largest: no axis falls short of its size
)

func (a Aspect) String() string {
	if a < Stretch || a > NotSmaller {
		return "stretch"
	}
	return [...]string{"stretch", "not_larger", "not_smaller"}[a]
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
			x, err := NormAxis(a, len(in))
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
		if r.Policy == NotLarger || r.Policy == NotSmaller {
			scale := 0.0
			for i, a := range axes {
				if !sz[i].ok || !in[a].Known() || in[a].Size == 0 {
					return graph.Unknownf("keep_aspect_ratio_policy %s needs known sizes", r.Policy)
				}
				s := float64(float32(sz[i].v) / float32(in[a].Size))
				if i == 0 || (r.Policy == NotLarger && s < scale) || (r.Policy == NotSmaller && s > scale) {
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
// (int64). K is input 1 (a constant) when it is given, else the field.
type TopK struct {
	Axis int64
	K    int64
}

func (t *TopK) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	ax, err := NormAxis(t.Axis, len(in))
	if err != nil {
		return err
	}
	out := in.Clone()
	k := graph.D(t.K)
	if present(n, 1) {
		if e, ok := constElems(input(n, 1)); ok && len(e) == 1 {
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
	ax, err := NormAxis(a.Axis, len(in))
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

// Reduce reduces the Axes (or when Axes is nil those of input 1, a
// constant; every axis when none are given, unless NoopEmpty) to size 1
// or removes them. One operation per input element.
type Reduce struct {
	Func      Reduction // folding knows sum, prod, max, min
	Axes      []int64
	KeepDims  bool
	NoopEmpty bool
}

func (r *Reduce) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	axes := r.Axes
	if axes == nil && present(n, 1) {
		var ok bool
		if axes, ok = constInts(input(n, 1)); !ok {
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
		a, err := NormAxis(a64, len(in))
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
	t, ok := load(input(n, 0))
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
			okf := false
			if f, ok := r.Func.step(); ok {
				r2, okf = intFunc(f, []elem{acc, x}, []bool{true, true})
			}
			if !okf {
				return nil
			}
			acc = r2
		}
		if first {
			switch r.Func {
			case ReduceSum:
				acc = known1(0)
			case ReduceProd:
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

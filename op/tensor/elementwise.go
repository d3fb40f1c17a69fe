package tensor

import (
	"fmt"
	"math"

	"github.com/layerinfo/layerinfo/graph"
)

// Elementwise applies a function element by element to its inputs,
// broadcast together by numpy's rules (Add, Mul, Relu, Where, Clip,
// Equal, …). Omitted optional inputs (nil values) are skipped. The
// output's element type is bool for a comparison or logical function,
// input 1's for Where, otherwise input 0's.
//
// FLOPs are 0 (no multiply-add work); OtherOps counts Cost operations per
// output element. When every input is a small constant the result is
// folded into the output's constant content, so that shape computations
// (Shape → Gather → Mul → Reshape) stay concrete; integer elements that
// stand for symbolic dims survive the identities x+0, x*1, x/1, max(x, x).
type Elementwise struct {
	Func Func  // the function; folding knows the arithmetic, comparison and logic ones
	Cost int64 // operations per output element counted in OtherOps; 0 counts none
}

func (e *Elementwise) Infer(n *graph.Node) error {
	var buf [4]graph.Shape
	shapes := buf[:0]
	for _, v := range n.Inputs {
		if v != nil {
			if v.Shape == nil {
				return fmt.Errorf("the shape of input %s is unknown", v.Name)
			}
			shapes = append(shapes, v.Shape)
		}
	}
	if len(shapes) == 0 {
		return fmt.Errorf("%s needs at least one input", e.Func)
	}
	rank := 0
	for _, s := range shapes {
		rank = max(rank, len(s))
	}
	out, err := broadcastInto(n.NewShape(rank), shapes...)
	if err != nil {
		return err
	}
	for i := range n.Outputs {
		if i == 0 {
			n.SetOut(i, out) // out is this op's own; the others get copies
		} else {
			n.SetOut(i, out.Clone())
		}
	}
	dt := e.outType(n)
	if dt != "" {
		for _, v := range n.Outputs {
			v.DType = dt
		}
	}
	if !n.NoArithmetic {
		if len(shapes) > 1 {
			var text [160]byte
			b := append(text[:0], e.Func.String()...)
			b = append(appendShapes(append(b, " of "...), shapes), " broadcast: "...)
			n.WhyText(string(appendShape(b, out)))
		} else {
			n.WhyText("same shape as the input")
		}
	}
	zeroFLOPs(n)
	if e.Cost > 0 {
		n.OtherOps = perElementWith(n.Terse(), e.Cost, out)
	}
	if len(n.Outputs) == 1 {
		if t := e.fold(n, out, dt); t != nil {
			store(n.Outputs[0], t)
		}
	}
	return nil
}

// fold computes the output when every input is a small constant.
func (e *Elementwise) fold(n *graph.Node, out graph.Shape, dt graph.DType) *tval {
	size := smallNumel(out)
	if size < 0 {
		return nil
	}
	var ins []*tval
	anyFloat := false
	for _, v := range n.Inputs {
		if v == nil {
			ins = append(ins, nil)
			continue
		}
		t, ok := load(v)
		if !ok {
			return nil
		}
		anyFloat = anyFloat || t.isFloat
		ins = append(ins, t)
	}
	osz := sizes(out)
	ost := rowStrides(osz)
	sts := make([][]int64, len(ins))
	for k, t := range ins {
		if t != nil {
			sts[k] = rowStrides(t.shape)
		}
	}
	floatOut := dt.IsFloat()
	res := &tval{shape: osz, isFloat: floatOut}
	args := make([]elem, len(ins))
	fargs := make([]float64, len(ins))
	have := make([]bool, len(ins))
	for i := int64(0); i < size; i++ {
		for k, t := range ins {
			have[k] = t != nil
			if t == nil {
				continue
			}
			j := bcastIndex(i, osz, ost, t.shape, sts[k])
			if t.isFloat {
				fargs[k] = t.floats[j]
				args[k] = unknownElem()
			} else {
				args[k] = t.ints[j]
				if args[k].ok {
					fargs[k] = float64(args[k].v)
				}
			}
		}
		if !anyFloat && !floatOut {
			r, ok := intFunc(e.Func, args, have)
			if !ok {
				return nil
			}
			res.ints = append(res.ints, r)
			continue
		}
		for k := range ins {
			if have[k] && !ins[k].isFloat && !args[k].ok {
				return nil // an unknown element in float arithmetic
			}
		}
		f, ok := floatFunc(e.Func, fargs, have)
		if !ok {
			return nil
		}
		if floatOut {
			res.floats = append(res.floats, f)
		} else {
			if math.IsNaN(f) || math.Abs(f) > 1<<62 {
				return nil
			}
			res.ints = append(res.ints, known1(int64(f)))
		}
	}
	return res
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// intFunc applies an integer function to elements, some perhaps unknown;
// ok is false when the function is not foldable here.
func intFunc(f Func, a []elem, have []bool) (elem, bool) {
	arg := func(i int) elem {
		if i < len(a) && have[i] {
			return a[i]
		}
		return unknownElem()
	}
	x, y := arg(0), arg(1)
	both := x.ok && y.ok
	switch f {
	case Identity, Floor, Ceil, Round:
		return x, true
	case Neg:
		if x.ok {
			return known1(-x.v), true
		}
		return unknownElem(), true
	case Abs:
		if x.ok {
			return known1(max(x.v, -x.v)), true
		}
		if x.sym.Name != "" { // a dim is never negative
			return x, true
		}
		return unknownElem(), true
	case Relu:
		if x.ok {
			return known1(max(x.v, 0)), true
		}
		return x, true
	case Sign:
		if x.ok {
			return known1(b2i(x.v > 0) - b2i(x.v < 0)), true
		}
		return unknownElem(), true
	case Not:
		if x.ok {
			return known1(b2i(x.v == 0)), true
		}
		return unknownElem(), true
	case Add, Sum:
		acc := x
		for i := 1; i < len(a); i++ {
			y := arg(i)
			switch {
			case acc.ok && y.ok:
				acc = known1(acc.v + y.v)
			case acc.ok && acc.v == 0:
				acc = y
			case y.ok && y.v == 0:
			default:
				acc = unknownElem()
			}
		}
		return acc, true
	case Sub:
		switch {
		case both:
			return known1(x.v - y.v), true
		case y.ok && y.v == 0:
			return x, true
		case x.same(y):
			return known1(0), true
		}
		return unknownElem(), true
	case Mul:
		switch {
		case both:
			return known1(x.v * y.v), true
		case x.ok && x.v == 1:
			return y, true
		case y.ok && y.v == 1:
			return x, true
		case (x.ok && x.v == 0) || (y.ok && y.v == 0):
			return known1(0), true
		}
		return unknownElem(), true
	case Div, FloorDiv:
		switch {
		case both && y.v != 0:
			q := x.v / y.v // truncated, as C does
			if f == FloorDiv && x.v%y.v != 0 && (x.v < 0) != (y.v < 0) {
				q--
			}
			return known1(q), true
		case both:
			return elem{}, false
		case y.ok && y.v == 1:
			return x, true
		case x.same(y) && x.sym.Name != "":
			return unknownElem(), true // x/x is 1 unless x is 0
		}
		return unknownElem(), true
	case Mod, Fmod:
		if both && y.v != 0 {
			r := x.v % y.v
			if f == Mod && r != 0 && (r < 0) != (y.v < 0) {
				r += y.v
			}
			return known1(r), true
		}
		if both {
			return elem{}, false
		}
		return unknownElem(), true
	case Max, Min:
		acc := x
		for i := 1; i < len(a); i++ {
			y := arg(i)
			switch {
			case acc.ok && y.ok:
				if (f == Max) == (y.v > acc.v) {
					acc = y
				}
			case acc.same(y):
			default:
				acc = unknownElem()
			}
		}
		return acc, true
	case Equal:
		if both || x.same(y) {
			return known1(b2i(x.same(y))), true
		}
		// A named dim is a size, never negative: it is not the -1 of
		// "keep this axis" (PyTorch's export of expand).
		if (x.sym.Name != "" && y.ok && y.v < 0) || (y.sym.Name != "" && x.ok && x.v < 0) {
			return known1(0), true
		}
		return unknownElem(), true
	case Less, Greater, LessOrEqual, GreaterOrEqual:
		if !both {
			return unknownElem(), true
		}
		var r bool
		switch f {
		case Less:
			r = x.v < y.v
		case Greater:
			r = x.v > y.v
		case LessOrEqual:
			r = x.v <= y.v
		default:
			r = x.v >= y.v
		}
		return known1(b2i(r)), true
	case And, Or, Xor:
		if !both {
			return unknownElem(), true
		}
		p, q := x.v != 0, y.v != 0
		switch f {
		case And:
			return known1(b2i(p && q)), true
		case Or:
			return known1(b2i(p || q)), true
		}
		return known1(b2i(p != q)), true
	case Where:
		c := x
		if !c.ok {
			if z := arg(2); y.same(z) {
				return y, true
			}
			return unknownElem(), true
		}
		if c.v != 0 {
			return y, true
		}
		return arg(2), true
	case Clip:
		r := x
		if lo := arg(1); have[1] && lo.ok && r.ok && r.v < lo.v {
			r = lo
		} else if have[1] && !(lo.ok && r.ok) {
			r = unknownElem()
		}
		if len(a) > 2 && have[2] {
			hi := a[2]
			if hi.ok && r.ok && r.v > hi.v {
				r = hi
			} else if !(hi.ok && r.ok) {
				r = unknownElem()
			}
		}
		return r, true
	case Pow:
		if both && y.v >= 0 && y.v < 63 {
			p := int64(1)
			for i := int64(0); i < y.v; i++ {
				p *= x.v
			}
			return known1(p), true
		}
		return unknownElem(), true
	}
	return elem{}, false
}

// floatFunc applies a function to numbers; ok is false when the function
// is not foldable here.
func floatFunc(f Func, a []float64, have []bool) (float64, bool) {
	arg := func(i int) (float64, bool) {
		if i < len(a) && have[i] {
			return a[i], true
		}
		return 0, false
	}
	x, _ := arg(0)
	y, _ := arg(1)
	switch f {
	case Identity:
		return x, true
	case Neg:
		return -x, true
	case Abs:
		return math.Abs(x), true
	case Floor:
		return math.Floor(x), true
	case Ceil:
		return math.Ceil(x), true
	case Round:
		return math.RoundToEven(x), true
	case Sqrt:
		return math.Sqrt(x), true
	case Reciprocal:
		return 1 / x, true
	case Exp:
		return math.Exp(x), true
	case Log:
		return math.Log(x), true
	case Relu:
		return math.Max(x, 0), true
	case Sign:
		return float64(b2i(x > 0) - b2i(x < 0)), true
	case Not:
		return float64(b2i(x == 0)), true
	case Add, Sum, Mean:
		s := 0.0
		k := 0
		for i := range a {
			if v, ok := arg(i); ok {
				s += v
				k++
			}
		}
		if f == Mean && k > 0 {
			s /= float64(k)
		}
		return s, true
	case Sub:
		return x - y, true
	case Mul:
		return x * y, true
	case Div:
		return x / y, true
	case FloorDiv:
		return math.Floor(x / y), true
	case Pow:
		return math.Pow(x, y), true
	case Mod, Fmod:
		r := math.Mod(x, y)
		if f == Mod && r != 0 && (r < 0) != (y < 0) {
			r += y
		}
		return r, true
	case Max, Min:
		r := x
		for i := 1; i < len(a); i++ {
			if v, ok := arg(i); ok {
				if f == Max {
					r = math.Max(r, v)
				} else {
					r = math.Min(r, v)
				}
			}
		}
		return r, true
	case Equal:
		return float64(b2i(x == y)), true
	case Less:
		return float64(b2i(x < y)), true
	case Greater:
		return float64(b2i(x > y)), true
	case LessOrEqual:
		return float64(b2i(x <= y)), true
	case GreaterOrEqual:
		return float64(b2i(x >= y)), true
	case And:
		return float64(b2i(x != 0 && y != 0)), true
	case Or:
		return float64(b2i(x != 0 || y != 0)), true
	case Xor:
		return float64(b2i((x != 0) != (y != 0))), true
	case Where:
		z, _ := arg(2)
		if x != 0 {
			return y, true
		}
		return z, true
	case Clip:
		r := x
		if lo, ok := arg(1); ok {
			r = math.Max(r, lo)
		}
		if hi, ok := arg(2); ok {
			r = math.Min(r, hi)
		}
		return r, true
	}
	return 0, false
}

// Cast converts its input to another element type; constants are
// converted as ONNX does (floats to integers truncate toward zero).
type Cast struct {
	To graph.DType // "" keeps the input's type (CastLike reads input 1's)
}

func (c *Cast) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	to := c.To
	if to == "" && present(n, 1) {
		to = n.Inputs[1].DType
	}
	if to == "" {
		to = n.Inputs[0].DType
	}
	n.SetOut(0, in.Clone())
	n.Outputs[0].DType = to
	n.Why("same shape, elements cast to %s", to)
	zeroFLOPs(n)
	t, ok := load(input(n, 0))
	if !ok {
		return nil
	}
	switch {
	case to.IsFloat() && !t.isFloat:
		f := make([]float64, len(t.ints))
		for i, e := range t.ints {
			if !e.ok {
				return nil
			}
			f[i] = float64(e.v)
		}
		t = &tval{shape: t.shape, isFloat: true, floats: f}
	case !to.IsFloat() && t.isFloat:
		xs := make([]elem, len(t.floats))
		for i, f := range t.floats {
			if math.IsNaN(f) || math.Abs(f) > 1<<62 {
				return nil
			}
			if to == graph.Bool {
				xs[i] = known1(b2i(f != 0))
			} else {
				xs[i] = known1(int64(f))
			}
		}
		t = &tval{shape: t.shape, ints: xs}
	case to == graph.Bool:
		xs := make([]elem, len(t.ints))
		for i, e := range t.ints {
			if !e.ok {
				xs[i] = unknownElem()
			} else {
				xs[i] = known1(b2i(e.v != 0))
			}
		}
		t = &tval{shape: t.shape, ints: xs}
	}
	store(n.Outputs[0], t)
	return nil
}

// Same gives every output the shape of input 0 (Identity, Dropout and its
// mask, CumSum, Trilu, the Scatter family, QuantizeLinear…). Outputs other
// than the first may be given element types.
type Same struct {
	Cost     int64         // operations per element counted in OtherOps; 0 counts none
	OutTypes []graph.DType // element type of each output; "" keeps the input's
	Fold     bool          // the output is the input (Identity): constants pass through
}

func (s *Same) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	for i := range n.Outputs {
		n.SetOut(i, in.Clone())
		if i < len(s.OutTypes) && s.OutTypes[i] != "" {
			n.Outputs[i].DType = s.OutTypes[i]
		}
	}
	n.Why("same shape as the input")
	zeroFLOPs(n)
	if s.Cost > 0 {
		n.OtherOps = perElement(s.Cost, in)
	}
	if s.Fold && len(n.Outputs) > 0 && n.Inputs[0].Const != nil {
		n.Outputs[0].Const = n.Inputs[0].Const
	}
	return nil
}

// outType is the element type of the output: "" when it follows an
// input whose type is not known.
func (e *Elementwise) outType(n *graph.Node) graph.DType {
	switch {
	case e.Func.IsBool():
		return graph.Bool
	case e.Func == Where:
		if present(n, 1) {
			return n.Inputs[1].DType
		}
		return ""
	case present(n, 0):
		return n.Inputs[0].DType
	}
	return ""
}

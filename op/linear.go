package op

import (
	"fmt"
	"strconv"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
)

// Linear is a fully connected layer over a range of input axes: axes
// [From, To) are flattened and multiplied by a (features, Units) matrix,
// the others are kept. Lasagne's DenseLayer contracts every axis after
// num_leading_axes; Keras Dense and PyTorch Linear contract the last axis;
// Lasagne's NINLayer contracts axis 1 and keeps the trailing ones.
type Linear struct {
	Units int64
	From  int // first contracted axis; negative counts from the end
	To    int // one past the last contracted axis; 0 means the end
	Bias  bool
	// UntiedBias gives a bias to every output position: (Units, trailing…)
	// (Lasagne NINLayer untie_biases=True).
	UntiedBias bool
	OutIn      bool   // weight stored (Units, features) as PyTorch does; default (features, Units)
	WeightRole string // default "W"
	BiasRole   string // default "b"
}

func (l *Linear) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	if l.Units <= 0 {
		return fmt.Errorf("the number of units must be positive, got %d", l.Units)
	}
	from, to := l.From, l.To
	if from < 0 {
		from += len(in)
	}
	if to <= 0 {
		to += len(in)
	}
	if from < 0 || from >= to || to > len(in) {
		return fmt.Errorf("cannot contract axes [%d, %d) of input %s", l.From, l.To, fmtShape(in))
	}
	for a := from; a < to; a++ {
		if !in[a].Known() {
			_, err := known(in[a], fmt.Sprintf("input axis %d", a))
			return err
		}
	}
	t := n.Terse()
	fan := in[from:to].NumelWith(t)
	if err := check("input features", fan); err != nil {
		return err
	}
	features, _ := fan.Value()
	out := n.NewShape(len(in) - (to - from) + 1)[:0]
	out = append(append(append(out, in[:from]...), graph.D(l.Units)), in[to:]...)
	n.SetOut(0, out)
	if !n.NoArithmetic {
		if to-from > 1 {
			n.Why("axes %d..%d flattened into %s features, mapped to %d units", from, to-1, fan.Equation(), l.Units)
		} else {
			// "axis %d: %s features mapped to %d units"
			var text [96]byte
			b := append(strconv.AppendInt(append(text[:0], "axis "...), int64(from), 10), ": "...)
			b = append(in[from].Append(b), " features mapped to "...)
			n.WhyText(string(append(strconv.AppendInt(b, l.Units, 10), " units"...)))
		}
	}

	// The weight's shape and, when there is one, the bias's: one block.
	shapes := n.NewShape(3)
	wshape, bshape := shapes[:2:2], shapes[2:3:3]
	wshape[0], wshape[1] = graph.D(features), graph.D(l.Units)
	if l.OutIn {
		wshape[0], wshape[1] = wshape[1], wshape[0]
	}
	if _, err := n.Param(roleOr(l.WeightRole, "W"), wshape, true); err != nil {
		return err
	}
	n.Count = t.Mul(fan, calc.N(l.Units))
	if l.Bias {
		bshape[0] = graph.D(l.Units)
		if l.UntiedBias {
			for _, d := range in[to:] {
				if _, err := known(d, "the trailing axes (biases are untied)"); err != nil {
					return err
				}
				bshape = append(bshape, d)
			}
		}
		if _, err := n.Param(roleOr(l.BiasRole, "b"), bshape, true); err != nil {
			return err
		}
		if l.UntiedBias {
			n.Count = calc.Add(n.Count, bshape.Numel())
		} else {
			n.Count = t.Mul(calc.Paren(t.Add(fan, calc.N(1))), calc.N(l.Units))
		}
	}

	// FLOPs: features*Units multiply-adds per kept position.
	var buf [12]calc.Expr
	fl := append(buf[:0], calc.N(2), fan, calc.N(l.Units))
	for a := 1; a < len(in); a++ {
		if a < from || a >= to {
			fl = append(fl, in[a].Expr())
		}
	}
	if from == 0 {
		n.FLOPs = t.Mul(fl...)
	} else {
		n.FLOPs = batchFLOPsWith(t, in[0], fl[1:]...)
	}
	return nil
}

// Embedding looks up a Dim-wide vector for each integer of its input.
type Embedding struct {
	Vocab, Dim int64
	Role       string // default "W"
}

func (e *Embedding) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	if e.Vocab <= 0 || e.Dim <= 0 {
		return fmt.Errorf("input size and output size must be positive, got %d and %d", e.Vocab, e.Dim)
	}
	out := append(in.Clone(), graph.D(e.Dim))
	n.SetOut(0, out)
	n.Outputs[0].DType = graph.Float32
	n.Why("a vector of %d for each input index", e.Dim)
	if _, err := n.Param(roleOr(e.Role, "W"), graph.S(e.Vocab, e.Dim), true); err != nil {
		return err
	}
	n.Count = calc.Mul(calc.N(e.Vocab), calc.N(e.Dim))
	zeroFLOPs(n)
	return nil
}

package op

import (
	"fmt"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
)

// PadMode is how a convolution or pooling window is padded.
type PadMode int

const (
	PadExplicit  PadMode = iota // Begin/End given per spatial axis (zero when empty)
	PadValid                    // no padding
	PadSameEnd                  // output = ceil(in/stride); odd extra padding at the end (Keras 'same', ONNX SAME_UPPER)
	PadSameBegin                // output = ceil(in/stride); odd extra padding at the start (ONNX SAME_LOWER)
	PadFull                     // dilation*(kernel-1) on both sides (Theano/Lasagne 'full')
)

// Padding is a padding mode with its explicit amounts.
type Padding struct {
	Mode       PadMode
	Begin, End []int64 // per spatial axis, for PadExplicit; one value means every axis
}

// Pad is symmetric explicit padding.
func Pad(p ...int64) Padding { return Padding{Mode: PadExplicit, Begin: p, End: p} }

func (p Padding) String() string {
	switch p.Mode {
	case PadValid:
		return "valid"
	case PadSameEnd:
		return "same (extra at end)"
	case PadSameBegin:
		return "same (extra at start)"
	case PadFull:
		return "full"
	}
	return fmt.Sprintf("explicit %v/%v", p.Begin, p.End)
}

// padsFor resolves the padding of spatial axis i; for the same modes the
// pads depend on the input size and are returned as computed.
func (p Padding) padsFor(i, n int, in graph.Dim, k, s, d int64) (pb, pe int64, err error) {
	switch p.Mode {
	case PadValid:
		return 0, 0, nil
	case PadFull:
		return d * (k - 1), d * (k - 1), nil
	case PadSameEnd, PadSameBegin:
		if !in.Known() {
			return 0, 0, nil
		}
		out := (in.Size + s - 1) / s
		total := (out-1)*s + d*(k-1) + 1 - in.Size
		if total < 0 {
			total = 0
		}
		small, big := total/2, total-total/2
		if p.Mode == PadSameEnd {
			return small, big, nil
		}
		return big, small, nil
	}
	b, err := perAxisAt(p.Begin, n, i, 0)
	if err != nil {
		return 0, 0, fmt.Errorf("padding: %w", err)
	}
	e, err := perAxisAt(p.End, n, i, 0)
	if err != nil {
		return 0, 0, fmt.Errorf("padding: %w", err)
	}
	return b, e, nil
}

// padded is in+pb+pe written compactly: "28", "28+2*2", "28+1+2".
func padded(t calc.Terse, in graph.Dim, pb, pe int64) calc.Expr {
	switch {
	case pb == 0 && pe == 0:
		return in.Expr()
	case pb == pe:
		return t.Add(in.Expr(), t.Mul(calc.N(2), calc.N(pb)))
	}
	return t.Add(in.Expr(), calc.N(pb), calc.N(pe))
}

// span is the extent of a dilated kernel minus one, d*(k-1): "(5-1)".
func span(t calc.Terse, k, d int64) calc.Expr {
	km1 := calc.Paren(t.Sub(calc.N(k), calc.N(1)))
	if d == 1 {
		return km1
	}
	return t.Mul(calc.N(d), km1)
}

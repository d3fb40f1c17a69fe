package op

import (
	"fmt"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
)

// Norm is a normalization layer (batch, layer, group, instance or RMS
// normalization): the shape is unchanged, and each parameter has one value
// per position of Axes and is shared over every other axis. It is Affine
// described by the axes the parameters span rather than those they are
// shared over, which a front-end can state without knowing the input's
// rank: batch normalization is Axes [1] channels first or [-1] channels
// last, layer normalization over the last axis is [-1].
type Norm struct {
	Axes []int // axes the parameters span; negative counts from the end; empty: one scalar each
	// Groups is the number of groups of group normalization, which must
	// divide the size of the first of Axes; 0 means no groups.
	Groups int64
	Params []ParamSpec
	What   string // shown in explanations: "batch normalization", …
}

func (m *Norm) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	span := make(map[int]bool, len(m.Axes))
	for _, ax := range m.Axes {
		a, ok := graph.Axis(ax, len(in))
		if !ok {
			return fmt.Errorf("axis %d is out of range for input %s", ax, fmtShape(in))
		}
		if span[a] {
			return fmt.Errorf("axis %d is given twice (as %v)", a, m.Axes)
		}
		span[a] = true
	}
	if m.Groups != 0 {
		if len(m.Axes) == 0 {
			return fmt.Errorf("group normalization needs a channel axis")
		}
		a, _ := graph.Axis(m.Axes[0], len(in))
		if m.Groups < 0 {
			return fmt.Errorf("the number of groups must be positive, got %d", m.Groups)
		}
		if c := in[a]; c.Known() && c.Size%m.Groups != 0 {
			return fmt.Errorf("the number of groups (%d) must divide the number of channels (%d) on axis %d", m.Groups, c.Size, a)
		}
	}
	if len(m.Params) == 0 {
		// Nothing to count: the sizes need not be known.
		if err := same(n); err != nil {
			return err
		}
		n.Why("same shape as the input")
		n.Count = calc.N(0)
		zeroFLOPs(n)
	} else {
		var shared []int
		for a := range in {
			if !span[a] {
				shared = append(shared, a)
			}
		}
		aff := Affine{Shared: shared, Params: m.Params, What: m.What}
		if err := aff.Infer(n); err != nil {
			return err
		}
	}
	if m.Groups != 0 {
		a, _ := graph.Axis(m.Axes[0], len(in))
		if c := in[a].Size; c >= 0 {
			n.Why("statistics over %d groups of %d channels", m.Groups, c/m.Groups)
		}
	}
	return nil
}

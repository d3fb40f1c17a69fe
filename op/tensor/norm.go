package tensor

import (
	"fmt"

	"github.com/layerinfo/layerinfo/graph"
)

// Stats says what extra outputs a normalization has.
type Stats int

const (
	NoStats      Stats = iota
	ChannelStats       // batch normalization in training: running or saved mean and variance, (C,)
	LeadingStats       // layer normalization: mean and inverse std, the input's shape with the normalized axes 1
)

// Norm is a normalization that keeps its input's shape (batch, layer,
// group, instance, RMS normalization; LRN; softmax), with Cost operations
// per element counted in OtherOps. Scale, bias and statistics come as
// inputs, the parameters attached by the front-end, which marks which
// ones train (op.Norm is the layer that creates its own).
type Norm struct {
	What  string // shown in errors: "batch normalization"
	Cost  int64
	Axis  int64 // LeadingStats: the first normalized axis
	Stats Stats
}

func (m *Norm) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	n.SetOut(0, in.Clone())
	n.Why("same shape as the input")
	if m.Stats == ChannelStats && len(in) < 2 && len(n.Outputs) > 1 {
		return fmt.Errorf("%s needs a channel axis, got %s", m.What, fmtShape(in))
	}
	for i := 1; i < len(n.Outputs); i++ {
		switch m.Stats {
		case ChannelStats:
			n.SetOut(i, graph.Shape{in[1]})
		case LeadingStats:
			a := m.Axis
			if a < 0 {
				a += int64(len(in))
			}
			if a < 0 || a > int64(len(in)) {
				return fmt.Errorf("axis %d is out of range for %s", m.Axis, fmtShape(in))
			}
			s := in.Clone()
			for j := a; j < int64(len(s)); j++ {
				s[j] = graph.D(1)
			}
			n.SetOut(i, s)
		default:
			n.SetOut(i, in.Clone())
		}
		if n.Outputs[i].DType == "" {
			n.Outputs[i].DType = graph.Float32
		}
	}
	if m.Stats == ChannelStats && len(in) >= 2 {
		for i := 1; i < len(n.Inputs) && i < 5; i++ {
			if s := n.In(i); len(s) == 1 && !s[0].Compatible(in[1]) {
				return fmt.Errorf("input %d %s does not match the %s channels", i, fmtShape(s), in[1])
			}
		}
	}
	zeroFLOPs(n)
	if m.Cost > 0 {
		n.OtherOps = perElement(m.Cost, in)
	}
	return nil
}

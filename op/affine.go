package op

import (
	"fmt"
	"strings"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
)

// ParamSpec names one parameter tensor of an op whose parameters all have
// the same shape, and whether an optimizer trains it.
type ParamSpec struct {
	Role      string
	Trainable bool
}

// Affine is an elementwise op with per-feature parameters that leaves the
// shape unchanged: batch normalization (beta, gamma, running statistics),
// a learned bias or scale, PReLU's slopes. The parameters span every input
// axis except the Shared ones; each has the input's sizes on those axes.
type Affine struct {
	Shared []int // axes the parameters are shared (broadcast) over; negative counts from the end
	Params []ParamSpec
	What   string // shown in explanations: "batch normalization", "bias", …
}

func (a *Affine) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	shared := map[int]bool{}
	for _, ax := range a.Shared {
		x, ok := graph.Axis(ax, len(in))
		if !ok {
			return fmt.Errorf("axis %d is out of range for input %s", ax, fmtShape(in))
		}
		shared[x] = true
	}
	var pshape graph.Shape
	var kept []string
	for ax, d := range in {
		if shared[ax] {
			continue
		}
		if _, err := known(d, fmt.Sprintf("the size of axis %d", ax)); err != nil {
			return err
		}
		pshape = append(pshape, d)
		kept = append(kept, fmt.Sprint(ax))
	}
	if err := same(n); err != nil {
		return err
	}
	n.Why("same shape as the input")
	for _, p := range a.Params {
		if _, err := n.Param(p.Role, pshape.Clone(), p.Trainable); err != nil {
			return err
		}
	}
	per := pshape.Numel()
	if len(a.Params) == 1 {
		n.Count = per
	} else {
		n.Count = calc.Mul(calc.N(int64(len(a.Params))), per)
	}
	if len(a.Params) > 0 {
		axes := "a scalar"
		if len(kept) > 0 {
			axes = "axes " + strings.Join(kept, ", ")
		}
		n.Note("%s: one value per position of %s, shared over the others", names(a.Params), axes)
	}
	zeroFLOPs(n)
	return nil
}

func names(ps []ParamSpec) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.Role
	}
	return strings.Join(s, ", ")
}

// Identity passes its input through unchanged in shape: activations,
// dropout, noise, local response normalization.
type Identity struct{}

func (Identity) Infer(n *graph.Node) error {
	if err := same(n); err != nil {
		return err
	}
	zeroFLOPs(n)
	return nil
}

// Input is a graph input of a given shape.
type Input struct {
	Shape graph.Shape
	DType graph.DType
}

func (in *Input) Infer(n *graph.Node) error {
	if in.Shape == nil {
		return fmt.Errorf("the input shape is not given")
	}
	n.SetOut(0, in.Shape.Clone())
	if n.Outputs[0].DType == "" {
		n.Outputs[0].DType = in.DType
		if in.DType == "" {
			n.Outputs[0].DType = graph.Float32
		}
	}
	n.Why("given: %s", fmtShape(in.Shape))
	zeroFLOPs(n)
	return nil
}

// Custom is a layer whose output shape the source gave (or a function of
// the input shapes computes) and whose parameters layerinfo cannot know.
type Custom struct {
	Shape   graph.Shape                                 // the output shape, when given as such
	ShapeFn func(in []graph.Shape) (graph.Shape, error) // or computed from the input shapes
	Why     string                                      // shown as the shape's origin
}

func (c *Custom) Infer(n *graph.Node) error {
	s := c.Shape
	if c.ShapeFn != nil {
		ins := make([]graph.Shape, len(n.Inputs))
		for i := range n.Inputs {
			ins[i] = n.In(i)
		}
		var err error
		if s, err = c.ShapeFn(ins); err != nil {
			return err
		}
	}
	if s == nil {
		return fmt.Errorf("the output shape is not given")
	}
	n.SetOut(0, s.Clone())
	why := c.Why
	if why == "" {
		why = "given"
	}
	n.Why("%s: %s", why, fmtShape(s))
	n.FLOPs = calc.Sym("?")
	return nil
}

// Weights is a node that only holds parameter tensors, fed to it as
// parameter values: a module of a checkpoint, read without its
// computation. It has no outputs and unknown FLOPs.
type Weights struct{}

func (Weights) Infer(n *graph.Node) error {
	n.FLOPs = unknownFLOPs
	return nil
}

// unknownFLOPs is the FLOPs of a node whose computation is not known
// (an Expr is immutable: one serves every node).
var unknownFLOPs = calc.Sym("?")

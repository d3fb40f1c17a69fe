package op

import (
	"fmt"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/op/tensor"
)

// Crop says, for each axis, whether inputs of different sizes are cropped
// to the smallest before merging (Lasagne's cropping argument); "" means no.
type Crop []string

func (c Crop) crops(axis int) bool { return axis < len(c) && c[axis] != "" }

// cropped applies the cropping to the input shapes: a cropped axis takes
// the smallest known size.
func cropped(ins []graph.Shape, c Crop) []graph.Shape {
	if len(c) == 0 {
		return ins
	}
	out := make([]graph.Shape, len(ins))
	for i, s := range ins {
		out[i] = s.Clone()
	}
	for ax := range c {
		if !c.crops(ax) {
			continue
		}
		min := int64(-1)
		for _, s := range ins {
			if ax < len(s) && s[ax].Known() && (min < 0 || s[ax].Size < min) {
				min = s[ax].Size
			}
		}
		for _, s := range out {
			if ax < len(s) && min >= 0 {
				s[ax] = graph.D(min)
			}
		}
	}
	return out
}

func inputShapes(n *graph.Node) ([]graph.Shape, error) {
	if len(n.Inputs) == 0 {
		return nil, fmt.Errorf("no inputs")
	}
	ins := make([]graph.Shape, len(n.Inputs))
	for i := range n.Inputs {
		if ins[i] = n.In(i); ins[i] == nil {
			return nil, fmt.Errorf("the shape of input %d (%s) is unknown", i, n.Inputs[i].Name)
		}
	}
	return ins, nil
}

// Concat joins its inputs along Axis; every other axis must agree.
type Concat struct {
	Axis int
	Crop Crop
}

func (c *Concat) Infer(n *graph.Node) error {
	ins, err := inputShapes(n)
	if err != nil {
		return err
	}
	ins = cropped(ins, c.Crop)
	rank := len(ins[0])
	ax, ok := graph.Axis(c.Axis, rank)
	if !ok {
		return fmt.Errorf("axis %d is out of range for input %s", c.Axis, fmtShape(ins[0]))
	}
	out := ins[0].Clone()
	var terms []calc.Expr
	for i, s := range ins {
		if len(s) != rank {
			return fmt.Errorf("inputs have different ranks: %s (%s) and %s (%s)", fmtShape(ins[0]), n.Inputs[0].Name, fmtShape(s), n.Inputs[i].Name)
		}
		for a := range s {
			if a == ax {
				continue
			}
			if !s[a].Compatible(out[a]) {
				return fmt.Errorf("input shapes must agree except on the concatenation axis %d: %s (%s) and %s (%s) differ on axis %d",
					ax, fmtShape(ins[0]), n.Inputs[0].Name, fmtShape(s), n.Inputs[i].Name, a)
			}
			if !out[a].Known() {
				out[a] = s[a]
			}
		}
		terms = append(terms, s[ax].Expr())
	}
	e := calc.Add(terms...)
	out[ax] = graph.DimOf(e)
	n.SetOut(0, out)
	n.Why("axis %d: %s", ax, e.Equation())
	zeroFLOPs(n)
	return nil
}

// Merge combines inputs elementwise (sum, product, max, …). Without
// Broadcast every input must have the same shape (Lasagne, Keras); with it,
// numpy broadcasting applies (ONNX, PyTorch).
type Merge struct {
	Broadcast bool
	Crop      Crop
}

func (m *Merge) Infer(n *graph.Node) error {
	ins, err := inputShapes(n)
	if err != nil {
		return err
	}
	ins = cropped(ins, m.Crop)
	var out graph.Shape
	if m.Broadcast {
		out, err = tensor.Broadcast(ins...)
		if err != nil {
			return err
		}
	} else {
		out = ins[0].Clone()
		for i, s := range ins[1:] {
			ok := len(s) == len(out)
			for a := 0; ok && a < len(s); a++ {
				ok = s[a].Compatible(out[a])
				if ok && !out[a].Known() {
					out[a] = s[a]
				}
			}
			if !ok {
				return fmt.Errorf("inputs must have the same shape: %s (%s) and %s (%s) differ",
					fmtShape(ins[0]), n.Inputs[0].Name, fmtShape(s), n.Inputs[i+1].Name)
			}
		}
	}
	n.SetOut(0, out)
	n.Why("elementwise over %d inputs of shape %s", len(ins), fmtShape(out))
	zeroFLOPs(n)
	return nil
}

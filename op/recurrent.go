package op

import (
	"fmt"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
)

// Size names what a recurrent parameter's axis is measured in.
type Size int

const (
	SizeOne    Size = iota // 1
	SizeInput              // I: the input features per step
	SizeHidden             // H: the number of units
)

// RecDim is one axis of a recurrent parameter: Mult times a Size.
type RecDim struct {
	Of   Size
	Mult int64 // 0 means 1
}

// RecParam is one parameter tensor of a recurrent layer, with its shape in
// terms of I and H. MatMul marks the weight matrices multiplied against
// the input or the hidden state at every step (for FLOPs).
type RecParam struct {
	Role      string
	Dims      []RecDim
	Trainable bool
	MatMul    bool
}

// Recurrent is a recurrent layer (plain RNN, LSTM, GRU) run over the time
// axis of a (batch, time, features…) input; trailing feature axes are
// flattened into I. The front-end lists the parameters, which differ by
// framework (biases per gate or two sets, peepholes, learned initial
// states).
type Recurrent struct {
	Units      int64
	Params     []RecParam
	OnlyFinal  bool // output (batch, H) instead of (batch, time, H)
	TimeMajor  bool // input is (time, batch, features) (PyTorch batch_first=False)
	Directions int  // 2 for bidirectional; 0 means 1
}

func (r *Recurrent) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	if len(in) < 3 {
		return fmt.Errorf("a recurrent layer needs (batch, time, features…) input, got %s", fmtShape(in))
	}
	if r.Units <= 0 {
		return fmt.Errorf("the number of units must be positive, got %d", r.Units)
	}
	batch, time := in[0], in[1]
	if r.TimeMajor {
		batch, time = in[1], in[0]
	}
	var feat []int
	for a := 2; a < len(in); a++ {
		feat = append(feat, a)
		if _, err := known(in[a], fmt.Sprintf("input feature axis %d", a)); err != nil {
			return err
		}
	}
	ix := dimsExpr(in, feat)
	if err := check("input features", ix); err != nil {
		return err
	}
	I, _ := ix.Value()
	dirs := int64(r.Directions)
	if dirs == 0 {
		dirs = 1
	}
	width := calc.Mul(calc.N(r.Units), calc.N(dirs))
	if dirs == 1 {
		width = calc.N(r.Units)
	}
	hw, _ := width.Value()
	switch {
	case r.OnlyFinal:
		n.SetOut(0, graph.Shape{batch, graph.D(hw)})
		n.Why("(batch, units): only the final step is returned")
	case r.TimeMajor:
		n.SetOut(0, graph.Shape{time, batch, graph.D(hw)})
		n.Why("(time, batch, units)")
	default:
		n.SetOut(0, graph.Shape{batch, time, graph.D(hw)})
		n.Why("(batch, time, units): every step is returned")
	}
	if len(feat) > 1 {
		n.Why("input features I = %s", ix.Equation())
	}

	size := func(d RecDim) int64 {
		m := d.Mult
		if m == 0 {
			m = 1
		}
		switch d.Of {
		case SizeInput:
			return m * I
		case SizeHidden:
			return m * r.Units
		}
		return m
	}
	term := func(d RecDim) calc.Expr {
		m := d.Mult
		if m == 0 {
			m = 1
		}
		var x calc.Expr
		switch d.Of {
		case SizeInput:
			x = calc.N(I)
		case SizeHidden:
			x = calc.N(r.Units)
		default:
			return calc.N(m)
		}
		if m == 1 {
			return x
		}
		return calc.Mul(calc.N(m), x)
	}
	// Group equal shapes for a readable count: 4*10*20 + 4*20*20 + ….
	type group struct {
		dims   []RecDim
		count  int64
		matmul bool
	}
	var groups []*group
	for _, p := range r.Params {
		shape := make(graph.Shape, len(p.Dims))
		for i, d := range p.Dims {
			shape[i] = graph.D(size(d))
		}
		if _, err := n.Param(p.Role, shape, p.Trainable); err != nil {
			return err
		}
		var g *group
		for _, x := range groups {
			if equalDims(x.dims, p.Dims) {
				g = x
			}
		}
		if g == nil {
			g = &group{dims: p.Dims}
			groups = append(groups, g)
		}
		g.count++
		if p.MatMul {
			g.matmul = true
		}
	}
	var terms, matmul []calc.Expr
	for _, g := range groups {
		xs := []calc.Expr{}
		if g.count > 1 {
			xs = append(xs, calc.N(g.count))
		}
		for _, d := range g.dims {
			xs = append(xs, term(d))
		}
		terms = append(terms, calc.Mul(xs...))
		if g.matmul {
			matmul = append(matmul, calc.Mul(xs...))
		}
	}
	n.Count = calc.Add(terms...)

	// FLOPs: each weight matrix multiplies once per step.
	if len(matmul) > 0 {
		n.FLOPs = batchFLOPs(batch, time.Expr(), calc.Paren(calc.Add(matmul...)))
	} else {
		zeroFLOPs(n)
	}
	return nil
}

func equalDims(a, b []RecDim) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Of != b[i].Of || max(a[i].Mult, 1) != max(b[i].Mult, 1) {
			return false
		}
	}
	return true
}

package op

import (
	"fmt"

	"github.com/layerinfo/layerinfo/graph"
)

// Control flow (ONNX If, Loop, Scan). A front-end flattens a body's
// nodes into the graph; these ops connect them: BodyInputs gives a loop
// body its formal inputs from the loop's inputs, and Branches and
// LoopResults give the control-flow node its outputs from the bodies'.
// A body's FLOPs are those of one run (one iteration of a loop).

// Branches is an If: its inputs are the condition, then the N outputs of
// the then branch, then the N of the else branch. Output i has the dims
// the two branches agree on, the others unknown.
type Branches struct {
	N int
}

func (b *Branches) Infer(n *graph.Node) error {
	if len(n.Inputs) < 1+2*b.N || len(n.Outputs) > b.N {
		return fmt.Errorf("If needs the condition and %d outputs of each branch", b.N)
	}
	for i := range n.Outputs {
		t, e := n.In(1+i), n.In(1+b.N+i)
		if t == nil || e == nil {
			return graph.Unknownf("a branch's output %d is unknown", i)
		}
		if len(t) != len(e) {
			return graph.Unknownf("the branches give output %d different ranks: %s and %s", i, fmtShape(t), fmtShape(e))
		}
		out := t.Clone()
		for a := range out {
			if t[a] != e[a] {
				out[a] = graph.Unknown()
			}
		}
		n.SetOut(i, out)
		n.Outputs[i].DType = n.Inputs[1+i].DType
		n.Why("output %d: then %s, else %s: %s", i, fmtShape(t), fmtShape(e), fmtShape(out))
	}
	zeroFLOPs(n)
	return nil
}

// BodyInputs gives a loop body its formal inputs. For a Loop its inputs
// are the loop's (M, cond, carried values…) and its outputs the body's
// (iteration number, condition, carried values…); for a Scan, the states
// then the scan inputs, each scan input giving one slice along its axis.
type BodyInputs struct {
	Scan     bool
	States   int     // Scan: how many of the inputs are states
	ScanAxes []int64 // Scan: the axis of each scan input (default 0)
}

func (b *BodyInputs) Infer(n *graph.Node) error {
	if !b.Scan {
		for i := range n.Outputs {
			switch i {
			case 0:
				n.SetOut(0, graph.Shape{})
				n.Outputs[0].DType = graph.Int64
			case 1:
				n.SetOut(1, graph.Shape{})
				n.Outputs[1].DType = graph.Bool
			default:
				s := n.In(i)
				if s == nil {
					return graph.Unknownf("the initial value of carried input %d is unknown", i-2)
				}
				n.SetOut(i, s.Clone())
				n.Outputs[i].DType = n.Inputs[i].DType
			}
		}
		n.Why("iteration number, condition, and the carried values as first given")
		zeroFLOPs(n)
		return nil
	}
	for i := range n.Outputs {
		s := n.In(i)
		if s == nil {
			return graph.Unknownf("input %d is unknown", i)
		}
		if i < b.States {
			n.SetOut(i, s.Clone())
		} else {
			k := i - b.States
			ax := int64(0)
			if k < len(b.ScanAxes) {
				ax = b.ScanAxes[k]
			}
			a, err := normAxis(ax, len(s))
			if err != nil {
				return fmt.Errorf("scan input %d: %v", k, err)
			}
			n.SetOut(i, append(s[:a].Clone(), s[a+1:]...))
		}
		n.Outputs[i].DType = n.Inputs[i].DType
	}
	n.Why("the states, and one slice of each scan input")
	zeroFLOPs(n)
	return nil
}

// LoopResults gives a Loop or Scan its outputs. Its first Outer inputs are
// the loop's own; the rest are the body's outputs: for a Loop the
// condition, Carried values and the per-iteration outputs; for a Scan
// Carried states and the per-iteration outputs. Per-iteration outputs
// are stacked along a new axis (OutAxes, default 0) of the trip count:
// a constant M when the Loop has no condition, the scan axis of the first
// scan input (InAxis) for a Scan, otherwise unknown.
type LoopResults struct {
	Scan    bool
	Outer   int
	Carried int
	InAxis  int64
	OutAxes []int64
}

func (l *LoopResults) Infer(n *graph.Node) error {
	body := l.Outer
	if !l.Scan {
		body++ // the condition
	}
	trips := graph.Unknown()
	switch {
	case l.Scan && l.Outer > l.Carried:
		if s := n.In(l.Carried); s != nil {
			if a, err := normAxis(l.InAxis, len(s)); err == nil {
				trips = s[a]
			}
		}
	case !l.Scan && !present(n, 1) && present(n, 0):
		if m, ok := constInts(n.Inputs[0]); ok && len(m) == 1 && m[0] >= 0 {
			trips = graph.D(m[0])
		}
	}
	for i := range n.Outputs {
		j := body + i
		s := n.In(j)
		if s == nil {
			return graph.Unknownf("the body's output %d is unknown", i)
		}
		if i < l.Carried {
			n.SetOut(i, s.Clone())
		} else {
			k := i - l.Carried
			ax := int64(0)
			if k < len(l.OutAxes) {
				ax = l.OutAxes[k]
			}
			if ax < 0 {
				ax += int64(len(s)) + 1
			}
			if ax < 0 || ax > int64(len(s)) {
				return fmt.Errorf("scan output axis %d is out of range", ax)
			}
			n.SetOut(i, append(append(s[:ax].Clone(), trips), s[ax:]...))
		}
		n.Outputs[i].DType = n.Inputs[j].DType
	}
	n.Why("final values of the carried state; per-iteration outputs stacked over %s iterations", trips)
	zeroFLOPs(n)
	return nil
}

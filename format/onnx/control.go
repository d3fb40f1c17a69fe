package onnx

import (
	"fmt"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/op/tensor"
)

// Control flow (If, Loop, Scan). The builder flattens a body's nodes into
// the graph (named "<node>/then/…", "<node>/body/…"); the ops of this file
// connect them: bodyInputs gives a loop body its formal inputs from the
// loop's inputs, and branches and loopResults give the control-flow node
// its outputs from the bodies'. A body's FLOPs are those of one run (one
// iteration of a loop).

// control builds an If, Loop or Scan node: its bodies' nodes are added to
// the graph (named "<node>/then/…", "<node>/body/…"), and the node itself
// takes its outputs from theirs.
func (b *builder) control(nd *Node, name string, ins, outs []*graph.Value, sc *scope, opset int64) error {
	body := func(g *Graph, prefix string, formals []*graph.Value) (*scope, error) {
		sub := &scope{vals: map[string]*graph.Value{}, up: sc}
		if err := b.initializers(g, sub); err != nil {
			return nil, err
		}
		for i, vi := range g.Inputs {
			if i < len(formals) {
				sub.vals[vi.Name] = formals[i]
			}
		}
		return sub, b.nodes(g.Nodes, sub, prefix, opset, nil)
	}
	results := func(g *Graph, sub *scope) []*graph.Value {
		var vs []*graph.Value
		for _, vi := range g.Outputs {
			vs = append(vs, b.resolve(vi.Name, sub))
		}
		return vs
	}
	switch nd.OpType {
	case "If":
		th, el := nd.Attr("then_branch"), nd.Attr("else_branch")
		if th == nil || th.G == nil || el == nil || el.G == nil {
			//lint:ignore ST1005 the message starts with the operator's (or operand's) name
			b.add(nd, name, errOp{fmt.Errorf("If needs then_branch and else_branch graphs")}, 1, ins, outs)
			return nil
		}
		tsc, err := body(th.G, name+"/then/", nil)
		if err != nil {
			return err
		}
		esc, err := body(el.G, name+"/else/", nil)
		if err != nil {
			return err
		}
		tv, ev := results(th.G, tsc), results(el.G, esc)
		if len(tv) != len(ev) || len(tv) < len(outs) {
			b.add(nd, name, errOp{fmt.Errorf("the branches have %d and %d outputs for %d", len(tv), len(ev), len(outs))}, 1, ins, outs)
			return nil
		}
		cond := []*graph.Value{nil}
		if len(ins) > 0 {
			cond[0] = ins[0]
		}
		all := append(append(cond, tv...), ev...)
		b.add(nd, name, &branches{N: len(tv)}, 1, all, outs)
		return nil
	case "Loop", "Scan":
		g := nd.Attr("body")
		if g == nil || g.G == nil {
			b.add(nd, name, errOp{fmt.Errorf("%s needs a body graph", nd.OpType)}, 0, ins, outs)
			return nil
		}
		scan := nd.OpType == "Scan"
		// Scan before opset 9 has a batch axis first in every input and
		// output, the scan axis second, and sequence_lens as input 0,
		// which does not change the shapes.
		batch := scan && opset < 9
		if batch && len(ins) > 0 {
			ins = ins[1:]
		}
		states := len(ins) - int(nd.attrInt("num_scan_inputs", 0))
		if states < 0 {
			states = 0
		}
		bi := &bodyInputs{Scan: scan, Batch: batch, States: states, ScanAxes: nd.attrInts("scan_input_axes")}
		formals := make([]*graph.Value, len(g.G.Inputs))
		for i, vi := range g.G.Inputs {
			formals[i] = &graph.Value{Name: vi.Name}
		}
		bin := b.add(&Node{OpType: nd.OpType, Domain: nd.Domain, Path: nd.Path}, b.uniqueName(name+"/body inputs"), bi, 0, ins, formals)
		bin.Type = nd.OpType + " body inputs"
		if w, ok := bin.Op.(*nodeOp); ok {
			w.opType = bin.Type
		}
		sub, err := body(g.G, name+"/body/", formals)
		if err != nil {
			return err
		}
		rv := results(g.G, sub)
		carried := len(ins) - 2
		if scan {
			carried = states
		}
		if carried < 0 {
			carried = 0
		}
		lr := &loopResults{Scan: scan, Batch: batch, Outer: len(ins), Carried: carried, OutAxes: nd.attrInts("scan_output_axes")}
		if !scan && len(formals) > 1 {
			lr.CondIn = formals[1]
		}
		if ax := nd.attrInts("scan_input_axes"); len(ax) > 0 {
			lr.InAxis = ax[0]
		}
		b.add(nd, name, lr, 0, append(append([]*graph.Value{}, ins...), rv...), outs)
		return nil
	}
	return nil
}

// branches is an If: its inputs are the condition, then the N outputs of
// the then branch, then the N of the else branch. Output i has the dims
// the two branches agree on, the others unknown.
type branches struct {
	N int
}

func (b *branches) Infer(n *graph.Node) error {
	if len(n.Inputs) < 1+2*b.N || len(n.Outputs) > b.N {
		//lint:ignore ST1005 the message starts with the operator's (or operand's) name
		return fmt.Errorf("If needs the condition and %d outputs of each branch", b.N)
	}
	for i := range n.Outputs {
		t, e := n.In(1+i), n.In(1+b.N+i)
		if t == nil || e == nil {
			return graph.Unknownf("a branch's output %d is unknown", i)
		}
		if len(t) != len(e) {
			return graph.Unknownf("the branches give output %d different ranks: %s and %s", i, fmtDims(t), fmtDims(e))
		}
		out := t.Clone()
		for a := range out {
			if t[a] != e[a] {
				out[a] = graph.Unknown()
			}
		}
		n.SetOut(i, out)
		n.Outputs[i].DType = n.Inputs[1+i].DType
		n.Why("output %d: then %s, else %s: %s", i, fmtDims(t), fmtDims(e), fmtDims(out))
	}
	n.FLOPs = calc.N(0)
	return nil
}

// bodyInputs gives a loop body its formal inputs. For a Loop its inputs
// are the loop's (M, cond, carried values…) and its outputs the body's
// (iteration number, condition, carried values…); for a Scan, the states
// then the scan inputs, each scan input giving one slice along its axis.
type bodyInputs struct {
	Scan     bool
	Batch    bool    // Scan-8: axis 0 of every input is the batch, the scan axis is 1
	States   int     // Scan: how many of the inputs are states
	ScanAxes []int64 // Scan: the axis of each scan input (default 0)
}

func (b *bodyInputs) Infer(n *graph.Node) error {
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
		n.FLOPs = calc.N(0)
		return nil
	}
	for i := range n.Outputs {
		s := n.In(i)
		if s == nil {
			return graph.Unknownf("input %d is unknown", i)
		}
		switch {
		case b.Batch && len(s) < 1+btoi(i >= b.States):
			return fmt.Errorf("input %d %s has no batch axis", i, fmtDims(s))
		case b.Batch && i < b.States:
			n.SetOut(i, s[1:].Clone())
		case b.Batch:
			n.SetOut(i, s[2:].Clone())
		case i < b.States:
			n.SetOut(i, s.Clone())
		default:
			k := i - b.States
			ax := int64(0)
			if k < len(b.ScanAxes) {
				ax = b.ScanAxes[k]
			}
			a, err := tensor.NormAxis(ax, len(s))
			if err != nil {
				return fmt.Errorf("scan input %d: %w", k, err)
			}
			n.SetOut(i, append(s[:a].Clone(), s[a+1:]...))
		}
		n.Outputs[i].DType = n.Inputs[i].DType
	}
	n.Why("the states, and one slice of each scan input")
	n.FLOPs = calc.N(0)
	return nil
}

// loopResults gives a Loop or Scan its outputs. Its first Outer inputs are
// the loop's own; the rest are the body's outputs: for a Loop the
// condition, Carried values and the per-iteration outputs; for a Scan
// Carried states and the per-iteration outputs. Per-iteration outputs
// are stacked along a new axis (OutAxes, default 0) of the trip count:
// a constant M when the Loop has no condition, the scan axis of the first
// scan input (InAxis) for a Scan, otherwise unknown.
type loopResults struct {
	Scan    bool
	Batch   bool // Scan-8: the batch axis comes first in every output, the scan axis second
	Outer   int
	Carried int
	InAxis  int64
	OutAxes []int64
	// CondIn is a Loop body's condition input: a body that passes it on
	// unchanged (directly or through Identity) runs M times when the
	// loop's condition starts true.
	CondIn *graph.Value
}

func (l *loopResults) Infer(n *graph.Node) error {
	body := l.Outer
	if !l.Scan {
		body++ // the condition
	}
	trips := graph.Unknown()
	switch {
	case l.Batch && l.Outer > l.Carried:
		if s := n.In(l.Carried); len(s) >= 2 {
			trips = s[1]
		}
	case l.Scan && l.Outer > l.Carried:
		if s := n.In(l.Carried); s != nil {
			if a, err := tensor.NormAxis(l.InAxis, len(s)); err == nil {
				trips = s[a]
			}
		}
	case !l.Scan && (!present(n, 1) || l.condStays(n)) && present(n, 0):
		if m, ok := tensor.ConstInts(n.Inputs[0]); ok && len(m) == 1 && m[0] >= 0 {
			trips = graph.D(m[0])
		}
	}
	for i := range n.Outputs {
		j := body + i
		s := n.In(j)
		if s == nil {
			return graph.Unknownf("the body's output %d is unknown", i)
		}
		switch {
		case l.Batch:
			batch := graph.Unknown()
			if x := n.In(0); len(x) > 0 {
				batch = x[0]
			}
			if i < l.Carried {
				first := n.In(i)
				if len(first) == 0 {
					return fmt.Errorf("state %d %s has no batch axis", i, fmtDims(first))
				}
				out, ok := agreed(first[1:], s)
				if !ok {
					return graph.Unknownf("state %d changes rank in the body: %s, then %s", i, fmtDims(first), fmtDims(s))
				}
				n.SetOut(i, append(graph.Shape{batch}, out...))
			} else {
				n.SetOut(i, append(graph.Shape{batch, trips}, s...))
			}
		case i < l.Carried:
			// A carried value may change shape from one iteration to
			// the next: its final shape keeps the dims its first value
			// and the body's output agree on.
			first := 2 + i
			if l.Scan {
				first = i
			}
			out, ok := agreed(n.In(first), s)
			if !ok {
				return graph.Unknownf("carried value %d changes rank in the body: %s, then %s", i, fmtDims(n.In(first)), fmtDims(s))
			}
			n.SetOut(i, out)
		default:
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
	n.FLOPs = calc.N(0)
	return nil
}

// present reports whether optional input i is given.
func present(n *graph.Node, i int) bool {
	return i < len(n.Inputs) && n.Inputs[i] != nil
}

// condStays reports whether a Loop's condition starts true (a constant)
// and its body passes the condition on unchanged.
func (l *loopResults) condStays(n *graph.Node) bool {
	c, ok := tensor.ConstInts(n.Inputs[1])
	if !ok || len(c) != 1 || c[0] == 0 || l.CondIn == nil || len(n.Inputs) <= l.Outer {
		return false
	}
	out := n.Inputs[l.Outer] // the body's condition output
	for out != nil && out != l.CondIn && out.Producer != nil && out.Producer.Type == "Identity" && len(out.Producer.Inputs) == 1 {
		out = out.Producer.Inputs[0]
	}
	return out == l.CondIn
}

// agreed is the shape whose dims are those of a and b where they agree,
// unknown elsewhere; false when the ranks differ.
func agreed(a, b graph.Shape) (graph.Shape, bool) {
	if a == nil || len(a) != len(b) {
		return nil, false
	}
	out := b.Clone()
	for i := range out {
		if a[i] != b[i] {
			out[i] = graph.Unknown()
		}
	}
	return out, true
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

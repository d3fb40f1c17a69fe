package onnx

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/op"
)

// nodeOp runs the op of one ONNX node. It keeps the analysis going
// whatever the node holds: a node whose inputs have unknown shapes (after
// an unsupported operator), a node that fails its checks, or an op that
// panics, gets unknown outputs and a note instead of stopping the walk.
// It also compares the shapes it finds with the model's value_info, when
// the model has any, and notes disagreements.
type nodeOp struct {
	op       graph.Op
	opType   string
	min      int     // required inputs
	declared [][]Dim // value_info shape of each output, nil when none
}

// OpType is the ONNX operator, shown in the report's op field.
func (o *nodeOp) OpType() string { return o.opType }

func (o *nodeOp) Infer(n *graph.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = graph.Unknownf("internal error (please report): %v", r)
		}
	}()
	if len(n.Inputs) < o.min {
		return graph.Unknownf("error: %s needs %d inputs, the node has %d", o.opType, o.min, len(n.Inputs))
	}
	for i := 0; i < o.min; i++ {
		if n.Inputs[i] == nil {
			return graph.Unknownf("error: input %d of %s is required but omitted", i, o.opType)
		}
	}
	for i, v := range n.Inputs {
		if v != nil && v.Shape == nil {
			return graph.Unknownf("input %d (%s) has an unknown shape", i, v.Name)
		}
	}
	// What an op cannot work out (an unknown input, a runtime value)
	// leaves the outputs unknown; what it finds wrong (element counts
	// that differ, a length that overflows) is an error in the model,
	// and a report of the rest would not be the whole model.
	if err := o.op.Infer(n); err != nil {
		return err
	}
	o.crossCheck(n)
	for _, v := range n.Outputs {
		if t := constText(v.Const); t != "" {
			n.Why("value: %s", t)
		}
	}
	return nil
}

// constText shows a small folded constant, symbolic elements by name:
// [batch, -1, 64]; "" when there is none or it is long.
func constText(c *graph.Const) string {
	const max = 16
	if c == nil || len(c.Ints) > max || len(c.Floats) > max {
		return ""
	}
	var parts []string
	switch {
	case c.Ints != nil:
		for i, x := range c.Ints {
			if c.Dims != nil && i < len(c.Dims) && !c.Dims[i].Known() {
				parts = append(parts, c.Dims[i].String())
			} else {
				parts = append(parts, strconv.FormatInt(x, 10))
			}
		}
	case c.Floats != nil:
		for _, f := range c.Floats {
			parts = append(parts, strconv.FormatFloat(f, 'g', 6, 64))
		}
	default:
		return ""
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// crossCheck notes where the model's value_info disagrees with the
// inferred shapes.
func (o *nodeOp) crossCheck(n *graph.Node) {
	for i, v := range n.Outputs {
		if i >= len(o.declared) || o.declared[i] == nil || v.Shape == nil {
			continue
		}
		d := shapeOf(o.declared[i])
		agree := len(d) == len(v.Shape)
		for a := 0; agree && a < len(d); a++ {
			agree = !(d[a].Known() && v.Shape[a].Known() && d[a].Size != v.Shape[a].Size)
		}
		if !agree {
			n.Note("the model's value_info says %s is %s; layerinfo infers %s", v.Name, fmtDims(d), fmtDims(v.Shape))
		}
	}
}

func fmtDims(s graph.Shape) string { return "(" + s.Join(", ") + ")" }

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
		b.add(nd, name, &op.Branches{N: len(tv)}, 1, all, outs)
		return nil
	case "Loop", "Scan":
		g := nd.Attr("body")
		if g == nil || g.G == nil {
			b.add(nd, name, errOp{fmt.Errorf("%s needs a body graph", nd.OpType)}, 0, ins, outs)
			return nil
		}
		scan := nd.OpType == "Scan"
		if scan && opset < 9 {
			b.add(nd, name, unsupported{"Scan before opset 9 (with a batch axis)"}, 0, ins, outs)
			return nil
		}
		states := len(ins) - int(nd.attrInt("num_scan_inputs", 0))
		if states < 0 {
			states = 0
		}
		bi := &op.BodyInputs{Scan: scan, States: states, ScanAxes: nd.attrInts("scan_input_axes")}
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
		lr := &op.LoopResults{Scan: scan, Outer: len(ins), Carried: carried, OutAxes: nd.attrInts("scan_output_axes")}
		if ax := nd.attrInts("scan_input_axes"); len(ax) > 0 {
			lr.InAxis = ax[0]
		}
		b.add(nd, name, lr, 0, append(append([]*graph.Value{}, ins...), rv...), outs)
		return nil
	}
	return nil
}

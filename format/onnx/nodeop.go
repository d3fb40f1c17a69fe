package onnx

import (
	"strconv"
	"strings"

	"github.com/layerinfo/layerinfo/graph"
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

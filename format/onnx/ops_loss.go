package onnx

import (
	"fmt"

	"github.com/layerinfo/layerinfo/calc"

	"github.com/layerinfo/layerinfo/graph"
)

// The loss functions (opsets 12 and 13, which changed only the types):
// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss, defined by ONNX as
// function operators and inferred here directly.

func init() {
	register("", map[string]maker{
		"NegativeLogLikelihoodLoss": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
			return &lossOp{reduction: nd.attrString("reduction", "mean")}, 2
		},
		"SoftmaxCrossEntropyLoss": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
			return &lossOp{reduction: nd.attrString("reduction", "mean"), softmax: true}, 2
		},
	})
}

// lossOp is NegativeLogLikelihoodLoss (input: log-probabilities (N, C,
// d1…dk), target (N, d1…dk), optional weight (C)) or, with softmax,
// SoftmaxCrossEntropyLoss (scores, labels, optional weights; a second
// output, the log-probabilities, of the scores' shape). The loss is the
// target's shape with reduction "none", a scalar with "mean" or "sum".
//
// Other operations: one per target element (the pick), one more with
// weights, one per target element for a reduction; and the
// log-softmax's 4 per score element.
type lossOp struct {
	reduction string
	softmax   bool
}

func (l *lossOp) Infer(n *graph.Node) error {
	x, target := n.In(0), n.In(1)
	if err := needRank(x, "the input", 2); err != nil {
		return err
	}
	if len(target) != len(x)-1 {
		return fmt.Errorf("the target %s must have the input's shape %s without its class axis", fmtDims(target), fmtDims(x))
	}
	for a, d := range target {
		xd := x[0]
		if a > 0 {
			xd = x[a+1]
		}
		if d.Known() && xd.Known() && d.Size != xd.Size {
			return fmt.Errorf("the target %s must have the input's shape %s without its class axis", fmtDims(target), fmtDims(x))
		}
	}
	if w := n.In(2); w != nil && (len(w) != 1 || (w[0].Known() && x[1].Known() && w[0].Size != x[1].Size)) {
		return fmt.Errorf("the weight %s must have one entry per class (%s)", fmtDims(w), x[1])
	}
	// The loss takes the known dims of both.
	out := x[:1].Clone()
	out = append(out, x[2:]...)
	for a, d := range target {
		if !out[a].Known() && d.Known() {
			out[a] = d
		}
	}
	cost := int64(1)
	if inputAt(n, 2) != nil {
		cost++
	}
	switch l.reduction {
	case "none":
		setOut(n, 0, out, n.Inputs[0].DType)
		n.Why("reduction none: the target's shape %s", fmtDims(out))
	case "mean", "sum":
		cost++
		setOut(n, 0, graph.Shape{}, n.Inputs[0].DType)
		n.Why("reduction %s: a scalar", l.reduction)
	default:
		return fmt.Errorf("reduction %q is not none, mean or sum", l.reduction)
	}
	otherOps(n, cost, out)
	if l.softmax {
		setOut(n, 1, x.Clone(), n.Inputs[0].DType)
		ops := n.OtherOps
		otherOps(n, costLogSoftmax, x)
		n.OtherOps = calc.Add(n.OtherOps, ops)
	}
	noFLOPs(n)
	return nil
}

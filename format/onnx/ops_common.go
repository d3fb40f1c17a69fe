package onnx

import (
	"fmt"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/op/tensor"
)

// Helpers of the operators in ops_*.go (issue 16): they read a node's
// inputs and set its outputs the way the ops of package tensor do.

// domainOps are the operators of domains other than ai.onnx, by domain
// and op_type.
var domainOps = map[string]map[string]maker{}

// register adds operators to the table of their domain ("" for ai.onnx).
func register(domain string, ops map[string]maker) {
	for t, m := range ops {
		if isDefaultDomain(domain) {
			opTable[t] = m
			continue
		}
		if domainOps[domain] == nil {
			domainOps[domain] = map[string]maker{}
		}
		domainOps[domain][t] = m
	}
}

// inputAt is the node's input i, nil when omitted or absent.
func inputAt(n *graph.Node, i int) *graph.Value {
	if i < len(n.Inputs) {
		return n.Inputs[i]
	}
	return nil
}

// hasOut reports whether output i exists and is named (not omitted).
func hasOut(n *graph.Node, i int) bool {
	return i < len(n.Outputs) && n.Outputs[i] != nil
}

// setOut sets output i, when the node has it, to shape s of type dt ("":
// the first input's type).
func setOut(n *graph.Node, i int, s graph.Shape, dt graph.DType) {
	if !hasOut(n, i) {
		return
	}
	if dt != "" {
		n.Outputs[i].DType = dt
	}
	n.SetOut(i, s)
}

// constIntInput is the integer a constant scalar (or one-element) input
// holds.
func constIntInput(n *graph.Node, i int) (int64, bool) {
	v := inputAt(n, i)
	if v == nil {
		return 0, false
	}
	if xs, ok := tensor.ConstInts(v); ok && len(xs) == 1 {
		return xs[0], true
	}
	return 0, false
}

// normAxis normalizes axis against rank.
func normAxis(axis int64, rank int) (int, error) { return tensor.NormAxis(axis, rank) }

// noFLOPs marks a node as doing no matrix work.
func noFLOPs(n *graph.Node) { n.FLOPs = calc.N(0) }

// otherOps sets the node's other operations to cost per element of s.
func otherOps(n *graph.Node, cost int64, s graph.Shape) {
	if cost == 1 {
		n.OtherOps = s.Numel()
		return
	}
	n.OtherOps = calc.Mul(calc.N(cost), s.Numel())
}

// needRank checks an input's rank.
func needRank(s graph.Shape, what string, min int) error {
	if len(s) < min {
		return fmt.Errorf("%s has rank %d, needs at least %d", what, len(s), min)
	}
	return nil
}

// unknownDims is a shape of rank r whose dims are all unknown.
func unknownDims(r int) graph.Shape {
	s := make(graph.Shape, r)
	for i := range s {
		s[i] = graph.Unknown()
	}
	return s
}

// attrStrings is a strings attribute, nil when absent.
func (n *Node) attrStrings(name string) []string {
	if a := n.Attr(name); a != nil {
		return a.Strings
	}
	return nil
}

// sizes checks that the constant values read as sizes are not negative.
func sizes(what string, xs []int64) error {
	for _, x := range xs {
		if x < 0 {
			return fmt.Errorf("%s %v has a negative size", what, xs)
		}
	}
	return nil
}

package onnx

import (
	"fmt"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
)

// The operators of ai.onnx.preview.training (version 1): the optimizers
// Adagrad, Adam and Momentum, which update n tensors at once, and
// Gradient.

func init() {
	opt := func(what string, groups int, cost int64) maker {
		return func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
			return &optimizerOp{what: what, groups: groups, cost: cost}, 2 + groups
		}
	}
	register("ai.onnx.preview.training", map[string]maker{
		// Inputs R, T, then X…, G…, H… (Adagrad), X…, G…, V…, H… (Adam),
		// X…, G…, V… (Momentum); outputs the new X… and the new state.
		// Other operations per element of X: Adagrad's H += G², X -= r·G/(√H+ε)
		// with decay (6), Adam's two moments, bias-corrected step (10),
		// Momentum's V = α·V + β·G, X -= r·V (4).
		"Adagrad":  opt("Adagrad", 3, 6),
		"Adam":     opt("Adam", 4, 10),
		"Momentum": opt("Momentum", 3, 4),
		"Gradient": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
			return &gradientOp{xs: len(nd.attrStrings("xs"))}, 1
		},
	})
}

// optimizerOp updates n tensors: inputs R, T and groups lists of n tensors
// each (X first); outputs groups-1 lists (the new X and each state but
// G), each output of its X's shape.
type optimizerOp struct {
	what   string
	groups int
	cost   int64
}

func (o *optimizerOp) Infer(n *graph.Node) error {
	k := len(n.Inputs) - 2
	if k <= 0 || k%o.groups != 0 {
		return fmt.Errorf("%s takes R, T and %d lists of the same length; it has %d inputs", o.what, o.groups, len(n.Inputs))
	}
	k /= o.groups
	if len(n.Outputs) > (o.groups-1)*k {
		return fmt.Errorf("%s updating %d tensors has at most %d outputs, not %d", o.what, k, (o.groups-1)*k, len(n.Outputs))
	}
	var ops []calc.Expr
	for i := 0; i < k; i++ {
		x := n.In(2 + i)
		for g := 1; g < o.groups; g++ {
			if s := n.In(2 + g*k + i); len(s) != len(x) {
				return fmt.Errorf("%s: input %d %s does not have the shape of the tensor it updates %s", o.what, 2+g*k+i, fmtDims(s), fmtDims(x))
			}
		}
		for j := 0; j < o.groups-1; j++ {
			if hasOut(n, j*k+i) {
				setOut(n, j*k+i, x.Clone(), n.Inputs[2+i].DType)
			}
		}
		ops = append(ops, x.Numel())
	}
	n.Why("each updated tensor has the shape of the one it replaces")
	n.OtherOps = calc.Mul(calc.N(o.cost), calc.Add(ops...))
	noFLOPs(n)
	return nil
}

// gradientOp is Gradient: the gradient of y with respect to each of the
// xs, which are its first inputs: each output has its x's shape.
type gradientOp struct{ xs int }

func (g *gradientOp) Infer(n *graph.Node) error {
	if g.xs > len(n.Inputs) {
		return fmt.Errorf("xs names %d tensors, the node has %d inputs", g.xs, len(n.Inputs))
	}
	for i := 0; i < g.xs && i < len(n.Outputs); i++ {
		setOut(n, i, n.In(i).Clone(), n.Inputs[i].DType)
	}
	n.Why("the gradient with respect to x has x's shape")
	n.FLOPs = calc.Sym("?") // the backward graph's work is not known here
	return nil
}

package spec

import (
	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
)

// extended is an op of package op with what a spec entry adds on top of
// it: a custom layer's stated parameter and FLOP counts, and a frozen
// layer (trainable: false), whose own parameters are not trainable. Only
// entries that use these features carry one; Unwrap gives the op.
type extended struct {
	op     graph.Op
	custom bool   // a custom layer: note what is known
	params int64  // stated trainable parameters
	fixed  int64  // stated non-trainable parameters
	flops  *int64 // stated FLOPs
	frozen bool
}

// Unwrap returns the op of package op that computes the layer.
func (x *extended) Unwrap() graph.Op { return x.op }

func (x *extended) Infer(n *graph.Node) error {
	if err := x.op.Infer(n); err != nil {
		return err
	}
	if x.params > 0 || x.fixed > 0 {
		var terms []calc.Expr
		if x.params > 0 {
			p, err := n.Param("params", graph.S(x.params), true)
			if err != nil {
				return err
			}
			terms = append(terms, p.Numel())
		}
		if x.fixed > 0 {
			p, err := n.Param("non_trainable_params", graph.S(x.fixed), false)
			if err != nil {
				return err
			}
			terms = append(terms, p.Numel())
		}
		n.Count = calc.Add(terms...)
		n.Note("parameters as stated in the spec")
	} else if x.custom {
		n.Count = calc.N(0)
		n.Note("custom layer: no parameters stated (add params: N to count them)")
	}
	if x.flops != nil {
		n.FLOPs = calc.N(*x.flops)
	}
	if x.frozen {
		frozen := false
		for _, p := range n.Params {
			if p.Owner == nil || p.Owner == n {
				p.Trainable = false
				frozen = true
			}
		}
		if frozen {
			n.Note("frozen (trainable: false): its parameters are not trained")
		}
	}
	return nil
}

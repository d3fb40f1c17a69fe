package memory

import "github.com/layerinfo/layerinfo/graph"

// An exported graph spells some of PyTorch's single kernels as several
// operators: SiLU as x * Sigmoid(x), GELU as x * 0.5 * (1 + Erf(x/√2))
// (torch.onnx's opset-9 symbolics). PyTorch keeps for them what the one
// function keeps — silu: self (a copy when in place), gelu: self — not
// what each operator would. fuse finds these patterns: the operators
// between become parts of the function (no tensor of their own, the
// gradient passed through), and one operator takes the function's rule
// with x as its input.

var (
	ruleFused = rule{name: "part of a fused function", known: true, passGrad: true, fused: true}
	ruleSiLU  = rule{name: "silu: self (in place: a copy of self)", known: true, saveFirst: true, inPlace: true, clone: true}
	ruleGELU  = rule{name: "gelu: self", known: true, saveFirst: true}
)

func (s *sim) fuse() {
	s.primary = make([]*graph.Value, len(s.order))
	s.fusedVal = map[*graph.Value]bool{}
	at := make(map[*graph.Node]int, len(s.order))
	users := map[*graph.Value][]int{}
	for i, n := range s.order {
		at[n] = i
		for _, v := range n.Inputs {
			if v != nil {
				users[v] = append(users[v], i)
			}
		}
	}
	only := func(v *graph.Value, typ string) (int, bool) {
		u := users[v]
		if len(u) != 1 || s.isOutput[v] || s.order[u[0]].Type != typ {
			return 0, false
		}
		return u[0], true
	}
	has := func(n *graph.Node, v *graph.Value) bool {
		for _, w := range n.Inputs {
			if w == v {
				return true
			}
		}
		return false
	}
	one := func(n *graph.Node) *graph.Value {
		var x *graph.Value
		for _, v := range n.Inputs {
			if activation(v) {
				if x != nil {
					return nil
				}
				x = v
			}
		}
		return x
	}
	for i, n := range s.order {
		switch n.Type {
		case "Sigmoid": // SiLU: Mul(x, Sigmoid(x))
			x := one(n)
			if x == nil || len(n.Outputs) != 1 {
				continue
			}
			j, ok := only(n.Outputs[0], "Mul")
			if !ok || !has(s.order[j], x) {
				continue
			}
			s.rule[i], s.fusedVal[n.Outputs[0]] = ruleFused, true
			s.rule[j], s.primary[j] = ruleSiLU, x
		case "Erf": // GELU: Mul(Mul(x, Add(Erf(Div(x, √2)), 1)), 0.5)
			if len(n.Inputs) == 0 || n.Inputs[0] == nil || n.Inputs[0].Producer == nil || len(n.Outputs) != 1 {
				continue
			}
			div := n.Inputs[0].Producer
			p, ok := at[div]
			if !ok || (div.Type != "Div" && div.Type != "Mul") || len(div.Outputs) != 1 || len(users[div.Outputs[0]]) != 1 {
				continue
			}
			x := one(div)
			if x == nil {
				continue
			}
			a, ok := only(n.Outputs[0], "Add")
			if !ok {
				continue
			}
			m1, ok := only(s.order[a].Outputs[0], "Mul")
			if !ok || !has(s.order[m1], x) {
				continue
			}
			if _, ok := only(s.order[m1].Outputs[0], "Mul"); !ok {
				continue
			}
			for _, k := range []int{p, i, a} {
				s.rule[k], s.fusedVal[s.order[k].Outputs[0]] = ruleFused, true
			}
			s.rule[m1], s.primary[m1] = ruleGELU, x
			s.fusedVal[s.order[m1].Outputs[0]] = true
		}
	}
}

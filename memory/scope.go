package memory

import (
	"strings"

	"github.com/layerinfo/layerinfo/graph"
)

// holds finds the tensors the Python that ran the model keeps alive
// longer than their last use: a module's input, which its caller holds
// until the module returns (Sequential's loop variable, `identity = x` in
// a residual block). torch.onnx names each node by its module path
// (/layer1/layer1.0/conv1/Conv), so a value that enters a module's scope
// from outside lives to the module's last node. It returns, by order
// index, the values whose hold ends after that node; nil for graphs
// whose names are not module paths.
func (s *sim) holds() [][]*graph.Value {
	if s.g.Format != "onnx" {
		return nil
	}
	for _, n := range s.order {
		if !strings.HasPrefix(n.Name, "/") {
			return nil
		}
	}
	last := map[string]int{} // scope → order index of its last node
	for i, n := range s.order {
		forScopes(n.Name, func(p string) { last[p] = i })
	}
	ends := make([][]*graph.Value, len(s.order))
	for i, n := range s.order {
		for _, v := range n.Inputs {
			if !activation(v) || v.Producer == nil || s.fusedVal[v] {
				continue
			}
			end := i
			forScopes(n.Name, func(p string) {
				if !strings.HasPrefix(v.Producer.Name, p+"/") && last[p] > end {
					end = last[p]
				}
			})
			if end > i {
				ends[end] = append(ends[end], v)
				s.consumers[v]++
			}
		}
	}
	return ends
}

// forScopes calls f with each module scope of a node named by its path,
// outermost first: /a/b/Conv gives /a and /a/b.
func forScopes(name string, f func(string)) {
	for i := 1; i < len(name); i++ {
		if name[i] == '/' {
			f(name[:i])
		}
	}
}

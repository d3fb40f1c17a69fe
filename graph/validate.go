package graph

import (
	"errors"
	"fmt"
)

// Validate checks the structural invariants every front-end must keep:
// unique node names, producer links that agree with the node lists, inputs
// that are graph inputs, parameters, constants or some node's output, and
// sharing references to nodes of this graph. It does not check shapes;
// that is inference's work.
func (g *Graph) Validate() error {
	var errs []error
	names := make(map[string]bool, len(g.Nodes))
	nodes := make(map[*Node]bool, len(g.Nodes))
	produced := make(map[*Value]bool, len(g.Nodes))
	for _, n := range g.Nodes {
		if n == nil {
			errs = append(errs, errors.New("nil node"))
			continue
		}
		if n.Name == "" {
			errs = append(errs, fmt.Errorf("%s: node of type %s has no name", n.Pos, n.Type))
		} else if names[n.Name] {
			errs = append(errs, fmt.Errorf("%s: two nodes are named %q", n.Pos, n.Name))
		}
		names[n.Name] = true
		nodes[n] = true
		if n.Op == nil {
			errs = append(errs, fmt.Errorf("%s: node %s has no op", n.Pos, n.Name))
		}
		for i, v := range n.Outputs {
			if v == nil {
				errs = append(errs, fmt.Errorf("%s: node %s: output %d is nil", n.Pos, n.Name, i))
				continue
			}
			if v.Producer != n {
				errs = append(errs, fmt.Errorf("%s: node %s: output %q names another producer", n.Pos, n.Name, v.Name))
			}
			produced[v] = true
		}
	}
	external := make(map[*Value]bool, len(g.Inputs))
	for _, v := range g.Inputs {
		external[v] = true
	}
	for _, n := range g.Nodes {
		if n == nil {
			continue
		}
		for i, v := range n.Inputs {
			if v == nil {
				continue // an omitted optional input
			}
			if !produced[v] && !external[v] && v.Param == nil && v.Const == nil {
				errs = append(errs, fmt.Errorf("%s: node %s: input %d (%q) comes from nowhere", n.Pos, n.Name, i, v.Name))
			}
		}
		for role, r := range n.Share {
			if r.Node == nil || !nodes[r.Node] {
				errs = append(errs, fmt.Errorf("%s: node %s: %s is shared with a node outside the graph", n.Pos, n.Name, role))
			}
		}
	}
	for _, v := range g.Outputs {
		if v == nil || (!produced[v] && !external[v]) {
			errs = append(errs, fmt.Errorf("graph output %v is not produced by any node", v))
		}
	}
	return errors.Join(errs...)
}

package graph

import (
	"errors"
	"fmt"
	"hash/maphash"
	"unsafe"
)

// Validate checks the structural invariants every front-end must keep:
// unique node names, producer links that agree with the node lists, inputs
// that are graph inputs, parameters, constants or some node's output, and
// sharing references to nodes of this graph. It does not check shapes;
// that is inference's work.
//
// A valid graph is confirmed by a fast pass (valid) that makes two
// tables for the whole graph and nothing per node; when that pass finds
// anything wrong, the errors are collected by the full pass (problems),
// which says everything that is wrong, in order.
func (g *Graph) Validate() error {
	if g.valid() {
		return nil
	}
	return g.problems()
}

// valid reports whether g passes every check of problems. When no node
// names another node's output as its own (the first loop), a value is
// some node's output exactly when its Producer is a node of g that lists
// it, so membership in g's node set replaces problems' set of produced
// values; a node's own links are checked in place. When every node's
// Index is its position (NewNode and the ONNX builder keep it), a node
// is in g when g.Nodes[n.Index] is n, and no set of nodes is made.
func (g *Graph) valid() bool {
	names := newNameSet(len(g.Nodes))
	indexed := true
	for i, n := range g.Nodes {
		if n == nil || n.Name == "" || n.Op == nil || !names.add(g.Nodes, i) {
			return false
		}
		indexed = indexed && n.Index == i
		for _, v := range n.Outputs {
			if v == nil || v.Producer != n {
				return false
			}
		}
	}
	var nodes ptrSet[Node]
	if !indexed {
		nodes = newPtrSet[Node](len(g.Nodes))
		for _, n := range g.Nodes {
			if !nodes.add(n) { // the same node twice
				return false
			}
		}
	}
	inGraph := func(n *Node) bool {
		if indexed {
			return n.Index >= 0 && n.Index < len(g.Nodes) && g.Nodes[n.Index] == n
		}
		return nodes.has(n)
	}
	var external ptrSet[Value]
	isExternal := func(v *Value) bool {
		if len(g.Inputs) <= 8 {
			for _, x := range g.Inputs {
				if x == v {
					return true
				}
			}
			return false
		}
		if external.slots == nil {
			external = newPtrSet[Value](len(g.Inputs))
			for _, x := range g.Inputs {
				external.add(x)
			}
		}
		return external.has(v)
	}
	produced := func(v *Value) bool {
		p := v.Producer
		if p == nil || !inGraph(p) {
			return false
		}
		for _, o := range p.Outputs {
			if o == v {
				return true
			}
		}
		return false
	}
	for _, n := range g.Nodes {
		for _, v := range n.Inputs {
			if v != nil && v.Param == nil && v.Const == nil && !produced(v) && !isExternal(v) {
				return false
			}
		}
		for _, r := range n.Shares() {
			if r.Node == nil || !inGraph(r.Node) {
				return false
			}
		}
	}
	for _, v := range g.Outputs {
		if v == nil || (!produced(v) && !isExternal(v)) {
			return false
		}
	}
	return true
}

// problems is every failed check of Validate, in order.
func (g *Graph) problems() error {
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
		for role, r := range n.Shares() {
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

// tableSize is the number of slots of an open-addressing table for n
// entries: a power of two, at most half full.
func tableSize(n int) (size int, shift uint) {
	size, shift = 8, 61
	for size < 2*n {
		size, shift = size*2, shift-1
	}
	return size, shift
}

// ptrSet is a set of pointers by address (linear probing): the node and
// value sets of valid, one allocation each, where maps of as many
// entries cost their growth and a cache miss a lookup more.
type ptrSet[T any] struct {
	slots []*T
	shift uint
}

func newPtrSet[T any](n int) ptrSet[T] {
	size, shift := tableSize(n)
	return ptrSet[T]{slots: make([]*T, size), shift: shift}
}

func (s *ptrSet[T]) slot(p *T) int {
	return int(uint64(uintptr(unsafe.Pointer(p))) * 0x9E3779B97F4A7C15 >> s.shift)
}

// add adds p; false when it was there already.
func (s *ptrSet[T]) add(p *T) bool {
	mask := len(s.slots) - 1
	for i := s.slot(p); ; i = (i + 1) & mask {
		switch s.slots[i] {
		case nil:
			s.slots[i] = p
			return true
		case p:
			return false
		}
	}
}

func (s *ptrSet[T]) has(p *T) bool {
	mask := len(s.slots) - 1
	for i := s.slot(p); ; i = (i + 1) & mask {
		switch s.slots[i] {
		case nil:
			return false
		case p:
			return true
		}
	}
}

// nameSet is a set of node names: each slot holds a name's hash (high
// 32 bits) and its node's index + 1, so a probe compares names only when
// hashes agree.
type nameSet struct {
	slots []uint64
	shift uint
	seed  maphash.Seed
}

func newNameSet(n int) nameSet {
	size, shift := tableSize(n)
	return nameSet{slots: make([]uint64, size), shift: shift, seed: maphash.MakeSeed()}
}

// add adds the name of nodes[i]; false when another node has it.
func (s *nameSet) add(nodes []*Node, i int) bool {
	name := nodes[i].Name
	h := maphash.String(s.seed, name)
	mask := len(s.slots) - 1
	tag := h << 32
	for j := int(h>>s.shift) & mask; ; j = (j + 1) & mask {
		e := s.slots[j]
		if e == 0 {
			s.slots[j] = tag | uint64(i+1)
			return true
		}
		if e>>32<<32 == tag && nodes[int(uint32(e))-1].Name == name {
			return false
		}
	}
}

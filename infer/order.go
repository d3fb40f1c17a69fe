package infer

import (
	"fmt"
	"strings"

	"github.com/layerinfo/layerinfo/graph"
)

// Order is a topological order of g's nodes that keeps source order
// wherever the dependencies allow. A node depends on the producers of its
// inputs and on the nodes it shares parameters with.
//
// It is Kahn's algorithm taking the ready node of lowest source index
// first: a min-heap keeps it O(n log n) whatever order the source lists
// its nodes in (a spec may name layers before they are defined). The
// edges are kept in flat arrays (each node's users are a slice of one
// array) and the heap holds plain ints, so the work allocates a few
// arrays, not a slice per node or a box per push.
func Order(g *graph.Graph) ([]*graph.Node, error) {
	n := len(g.Nodes)
	// A node's index is kept on the node (graph.Node.Index), trusted
	// when Nodes[Index] is the node: a producer outside g (a stale index,
	// another graph's node) is no dependency.
	for i, nd := range g.Nodes {
		nd.Index = i
	}
	index := func(m *graph.Node) (int, bool) {
		j := m.Index
		return j, j >= 0 && j < n && g.Nodes[j] == m
	}
	// Every dependency as an edge from a producer to a user, counted in
	// a first pass and filed in a second; pending counts a node's
	// dependencies (a producer read twice counts twice, and is released
	// twice).
	pending := make([]int32, n)
	outs := make([]int32, n+1) // users of node j: users[outs[j]:outs[j+1]]
	inOrder := true            // every producer comes before its users
	edges := 0
	deps := func(i int, visit func(j int)) {
		nd := g.Nodes[i]
		for _, v := range nd.Inputs {
			if v != nil && v.Producer != nil {
				if j, ok := index(v.Producer); ok && j != i {
					visit(j)
				}
			}
		}
		for _, r := range nd.Shares() {
			if j, ok := index(r.Node); ok && j != i {
				visit(j)
			}
		}
	}
	for i := range n {
		deps(i, func(j int) {
			pending[i]++
			outs[j+1]++
			edges++
			inOrder = inOrder && j < i
		})
	}
	if inOrder {
		// Source order is already an order: Kahn's algorithm taking the
		// lowest ready index would give it back unchanged.
		return append([]*graph.Node(nil), g.Nodes...), nil
	}
	for j := range n {
		outs[j+1] += outs[j]
	}
	users := make([]int32, edges)
	fill := make([]int32, n)
	copy(fill, outs[:n])
	for i := range n {
		deps(i, func(j int) {
			users[fill[j]] = int32(i)
			fill[j]++
		})
	}

	var ready minHeap
	for i, p := range pending {
		if p == 0 {
			ready = append(ready, i) // ascending: already a heap
		}
	}
	order := make([]*graph.Node, 0, n)
	for len(ready) > 0 {
		i := ready.pop()
		order = append(order, g.Nodes[i])
		for _, u := range users[outs[i]:outs[i+1]] {
			pending[u]--
			if pending[u] == 0 {
				ready.push(int(u))
			}
		}
	}
	if len(order) < n {
		var stuck []string
		for i, nd := range g.Nodes {
			if pending[i] > 0 {
				stuck = append(stuck, nd.Name)
			}
			if len(stuck) == 5 {
				break
			}
		}
		return nil, fmt.Errorf("the graph has a cycle through %s", strings.Join(stuck, ", "))
	}
	return order, nil
}

// minHeap is a binary min-heap of node indices.
type minHeap []int

func (h *minHeap) push(x int) {
	*h = append(*h, x)
	s := *h
	for c := len(s) - 1; c > 0; {
		p := (c - 1) / 2
		if s[p] <= s[c] {
			break
		}
		s[p], s[c] = s[c], s[p]
		c = p
	}
}

func (h *minHeap) pop() int {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	for p := 0; ; {
		c := 2*p + 1
		if c >= len(s) {
			break
		}
		if c+1 < len(s) && s[c+1] < s[c] {
			c++
		}
		if s[p] <= s[c] {
			break
		}
		s[p], s[c] = s[c], s[p]
		p = c
	}
	*h = s
	return top
}

package infer

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/graph"
)

// cursorOrder is Order as it was before the min-heap (commit fd81f68):
// repeatedly take the ready node of lowest source index, found by a
// cursor that moves back when a lower node becomes ready. It is quadratic
// on graphs listed out of dependency order, and kept here only as the
// reference for the order Order must keep producing.
func cursorOrder(g *graph.Graph) ([]*graph.Node, error) {
	index := make(map[*graph.Node]int, len(g.Nodes))
	for i, n := range g.Nodes {
		index[n] = i
	}
	users := make([][]int, len(g.Nodes))
	pending := make([]int, len(g.Nodes))
	for i, n := range g.Nodes {
		add := func(m *graph.Node) {
			if j, ok := index[m]; ok && j != i {
				pending[i]++
				users[j] = append(users[j], i)
			}
		}
		for _, v := range n.Inputs {
			if v != nil && v.Producer != nil {
				add(v.Producer)
			}
		}
		for _, r := range n.Shares() {
			add(r.Node)
		}
	}
	order := make([]*graph.Node, 0, len(g.Nodes))
	ready := make([]bool, len(g.Nodes))
	done := make([]bool, len(g.Nodes))
	for i := range pending {
		ready[i] = pending[i] == 0
	}
	cursor := 0
	for len(order) < len(g.Nodes) {
		for cursor < len(g.Nodes) && (done[cursor] || !ready[cursor]) {
			cursor++
		}
		if cursor == len(g.Nodes) {
			return nil, fmt.Errorf("cycle")
		}
		i := cursor
		done[i] = true
		order = append(order, g.Nodes[i])
		for _, u := range users[i] {
			pending[u]--
			if pending[u] == 0 {
				ready[u] = true
				if u < cursor {
					cursor = u
				}
			}
		}
	}
	return order, nil
}

// randomDAG is a graph of n nodes listed in a random order: node k (in
// dependency order) reads the graph input or the outputs of up to three
// earlier nodes, and sometimes shares the parameters of an earlier node.
func randomDAG(r *rand.Rand, n int) *graph.Graph {
	g := &graph.Graph{}
	in := &graph.Value{Name: "in", Shape: graph.S(1)}
	g.Inputs = []*graph.Value{in}
	nodes := make([]*graph.Node, n)
	for k := range nodes {
		nd := &graph.Node{Name: "n" + strconv.Itoa(k), Type: "T", Op: pass{}}
		if k == 0 || r.IntN(5) == 0 {
			nd.Inputs = append(nd.Inputs, in)
		}
		for range r.IntN(4) {
			if k > 0 {
				nd.Inputs = append(nd.Inputs, nodes[r.IntN(k)].Outputs[0])
			}
		}
		if k > 0 && r.IntN(6) == 0 {
			nd.Share("W", graph.Ref{Node: nodes[r.IntN(k)], Role: "W"})
		}
		nd.Outputs = []*graph.Value{{Name: nd.Name, Producer: nd}}
		nodes[k] = nd
	}
	r.Shuffle(n, func(i, j int) { nodes[i], nodes[j] = nodes[j], nodes[i] })
	g.Nodes = nodes
	return g
}

func names(order []*graph.Node) string {
	s := make([]string, len(order))
	for i, n := range order {
		s[i] = n.Name
	}
	return strings.Join(s, ",")
}

// TestOrderAsBefore: on small graphs listed in every kind of order, the
// min-heap Order gives exactly the order the cursor scan gave: source
// order wherever the dependencies allow.
func TestOrderAsBefore(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 2000 {
		g := randomDAG(r, 1+r.IntN(12))
		want, err := cursorOrder(g)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Order(g)
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		if names(got) != names(want) {
			t.Fatalf("trial %d: source order %s: got %s, want %s", trial, names(g.Nodes), names(got), names(want))
		}
	}
	// Written out: source order d, b, a, e, c; b reads a, d reads c, c
	// shares b's weights.
	g := &graph.Graph{}
	in := &graph.Value{Name: "in", Shape: graph.S(1)}
	g.Inputs = []*graph.Value{in}
	d := g.NewNode("d", "T", pass{}, nil, 1, graph.Pos{})
	b := g.NewNode("b", "T", pass{}, nil, 1, graph.Pos{})
	a := g.NewNode("a", "T", pass{}, []*graph.Value{in}, 1, graph.Pos{})
	g.NewNode("e", "T", pass{}, []*graph.Value{in}, 1, graph.Pos{})
	c := g.NewNode("c", "T", pass{}, []*graph.Value{in}, 1, graph.Pos{})
	b.Inputs = []*graph.Value{a.Outputs[0]}
	d.Inputs = []*graph.Value{c.Outputs[0]}
	c.Share("W", graph.Ref{Node: b, Role: "W"})
	got, err := Order(g)
	if err != nil {
		t.Fatal(err)
	}
	// a (source 2) is the lowest ready node; then b (1) is ready and
	// lower than e (3); then e (3) before c (4), which waited for b; then
	// d (0), which waited for c.
	if names(got) != "a,b,e,c,d" {
		t.Errorf("order %s, want a,b,e,c,d", names(got))
	}
}

// BenchmarkOrder: 100,000 nodes listed sorted, reversed and in a
// random order, as a chain and as a random DAG (up to three inputs per
// node, some shared weights). The three orders should cost about the same.
func BenchmarkOrder(b *testing.B) {
	const n = 100_000
	shuffled := func(g *graph.Graph) *graph.Graph {
		r := rand.New(rand.NewPCG(3, 4))
		nodes := slices.Clone(g.Nodes)
		r.Shuffle(len(nodes), func(i, j int) { nodes[i], nodes[j] = nodes[j], nodes[i] })
		return &graph.Graph{Inputs: g.Inputs, Nodes: nodes}
	}
	byName := func(g *graph.Graph, reversed bool) *graph.Graph {
		nodes := slices.Clone(g.Nodes)
		slices.SortFunc(nodes, func(x, y *graph.Node) int {
			a, _ := strconv.Atoi(x.Name[1:])
			c, _ := strconv.Atoi(y.Name[1:])
			if reversed {
				return c - a
			}
			return a - c
		})
		return &graph.Graph{Inputs: g.Inputs, Nodes: nodes}
	}
	dag := func() *graph.Graph { return randomDAG(rand.New(rand.NewPCG(5, 6)), n) }
	// Each graph is built in its own run, so that the collector, which
	// Order's arrays set off, marks one graph, not six.
	for _, c := range []struct {
		name string
		g    func() *graph.Graph
	}{
		{"chain/sorted", func() *graph.Graph { return chain(n, false) }},
		{"chain/reversed", func() *graph.Graph { return chain(n, true) }},
		{"chain/random", func() *graph.Graph { return shuffled(chain(n, false)) }},
		{"dag/sorted", func() *graph.Graph { return byName(dag(), false) }},
		{"dag/reversed", func() *graph.Graph { return byName(dag(), true) }},
		{"dag/random", dag},
	} {
		b.Run(c.name, func(b *testing.B) {
			g := c.g()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Order(g); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package graph

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

type nopOp struct{}

func (nopOp) Infer(*Node) error { return nil }

// randomGraph makes a small graph of n nodes fed from inputs, parameters
// and constants, then breaks it in up to two random ways (or none).
func randomGraph(r *rand.Rand, n int) *Graph {
	g := &Graph{}
	for i := range 1 + r.IntN(10) {
		g.Inputs = append(g.Inputs, &Value{Name: fmt.Sprintf("in%d", i)})
	}
	pool := append([]*Value{}, g.Inputs...)
	for i := range n {
		var ins []*Value
		for range r.IntN(4) {
			switch r.IntN(6) {
			case 0:
				ins = append(ins, &Value{Name: "p", Param: &Param{}})
			case 1:
				ins = append(ins, &Value{Name: "c", Const: &Const{}})
			case 2:
				ins = append(ins, nil)
			default:
				ins = append(ins, pool[r.IntN(len(pool))])
			}
		}
		nd := g.NewNode(fmt.Sprintf("n%d", i), "T", nopOp{}, ins, r.IntN(3), Pos{})
		pool = append(pool, nd.Outputs...)
	}
	for range r.IntN(3) {
		g.Outputs = append(g.Outputs, pool[r.IntN(len(pool))])
	}
	if len(g.Nodes) > 1 && r.IntN(4) == 0 {
		g.Nodes[1].Share("W", Ref{Node: g.Nodes[0]})
	}
	for range r.IntN(3) {
		if len(g.Nodes) == 0 {
			break
		}
		nd := g.Nodes[r.IntN(len(g.Nodes))]
		other := g.Nodes[r.IntN(len(g.Nodes))]
		if nd == nil || other == nil {
			continue
		}
		switch r.IntN(13) {
		case 0:
			nd.Name = other.Name // duplicate (or unchanged)
		case 1:
			nd.Name = ""
		case 2:
			nd.Op = nil
		case 3:
			if len(nd.Outputs) > 0 {
				nd.Outputs[0] = nil
			}
		case 4:
			if len(nd.Outputs) > 0 && nd.Outputs[0] != nil {
				nd.Outputs[0].Producer = other // maybe itself
			}
		case 5:
			nd.Inputs = append(nd.Inputs, &Value{Name: "stray"})
		case 6:
			stray := &Node{Name: "stray"}
			stray.Outputs = []*Value{{Name: "s", Producer: stray}}
			nd.Inputs = append(nd.Inputs, stray.Outputs[0])
		case 7:
			nd.Share("W", Ref{Node: &Node{Name: "elsewhere"}})
		case 8:
			g.Outputs = append(g.Outputs, nil)
		case 9:
			g.Nodes[r.IntN(len(g.Nodes))] = nil
		case 10:
			g.Nodes = append(g.Nodes, nd) // the same node twice
		case 11:
			nd.Index = other.Index // a stale index: the node set is made
		case 12:
			// a node of another graph whose index is a position in this one
			stray := &Node{Name: "stray", Index: other.Index}
			stray.Outputs = []*Value{{Name: "s", Producer: stray}}
			nd.Inputs = append(nd.Inputs, stray.Outputs[0])
		}
	}
	return g
}

// TestValidFast checks that Validate's fast pass accepts exactly the
// graphs in which the full pass finds nothing wrong.
func TestValidFast(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	bad := 0
	for i := range 5000 {
		g := randomGraph(r, r.IntN(40))
		fast, full := g.valid(), g.problems()
		if fast != (full == nil) {
			t.Fatalf("graph %d: fast pass says valid=%v, full pass says %v", i, fast, full)
		}
		if full != nil {
			bad++
		}
	}
	if bad < 500 || bad > 4500 {
		t.Errorf("%d of 5000 random graphs invalid: the test does not exercise both sides", bad)
	}
}

// TestValidateLarge validates a graph of many nodes with more than 8
// inputs (the external set) and a broken last node.
func TestValidateLarge(t *testing.T) {
	g := &Graph{}
	for i := range 20 {
		g.Inputs = append(g.Inputs, &Value{Name: fmt.Sprintf("in%d", i)})
	}
	prev := g.Inputs[19]
	for i := range 5000 {
		prev = g.NewNode(fmt.Sprintf("n%d", i), "T", nopOp{}, []*Value{prev, g.Inputs[i%20]}, 1, Pos{}).Outputs[0]
	}
	g.Outputs = []*Value{prev}
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	g.Nodes[4999].Name = "n17"
	want := `: two nodes are named "n17"`
	if err := g.Validate(); err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}

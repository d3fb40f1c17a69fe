package infer

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/graph"
)

// pass copies its input shape, or fails when told to.
type pass struct{ fail bool }

func (p pass) Infer(n *graph.Node) error {
	if p.fail {
		return errors.New("boom")
	}
	n.SetOut(0, n.In(0).Clone())
	return nil
}

func TestOrder(t *testing.T) {
	g := &graph.Graph{}
	in := &graph.Value{Name: "in", Shape: graph.S(1)}
	g.Inputs = []*graph.Value{in}
	// Source order c, a, b, with c consuming b: order must be a, b, c.
	c := g.NewNode("c", "T", pass{}, nil, 1, graph.Pos{})
	a := g.NewNode("a", "T", pass{}, []*graph.Value{in}, 1, graph.Pos{})
	b := g.NewNode("b", "T", pass{}, []*graph.Value{a.Outputs[0]}, 1, graph.Pos{})
	c.Inputs = []*graph.Value{b.Outputs[0]}
	order, err := Order(g)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range order {
		names = append(names, n.Name)
	}
	if strings.Join(names, ",") != "a,b,c" {
		t.Errorf("order %v", names)
	}
	a.Inputs = []*graph.Value{c.Outputs[0]}
	if _, err := Order(g); err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Errorf("cycle: %v", err)
	}
}

func TestErrors(t *testing.T) {
	g := &graph.Graph{}
	in := &graph.Value{Name: "in", Shape: graph.S(1)}
	a := g.NewNode("a", "Conv", pass{fail: true}, []*graph.Value{in}, 1, graph.Pos{File: "m.py", Line: 2, Col: 5})
	g.NewNode("b", "T", pass{}, []*graph.Value{a.Outputs[0]}, 1, graph.Pos{})
	err := Run(g, Options{})
	if err == nil || err.Error() != "m.py:2:5: layer a (Conv): boom" {
		t.Errorf("error %v", err)
	}
	err = Run(g, Options{KeepGoing: true})
	if err == nil || !strings.Contains(err.Error(), "layer b (T): input 0 (a) is unknown because layer a failed") {
		t.Errorf("keep going: %v", err)
	}
}

// chain is a graph of n nodes, each consuming the previous one's output,
// listed in source order when reversed is false and last-first otherwise.
func chain(n int, reversed bool) *graph.Graph {
	g := &graph.Graph{}
	in := &graph.Value{Name: "in", Shape: graph.S(1)}
	g.Inputs = []*graph.Value{in}
	nodes := make([]*graph.Node, n)
	prev := in
	for i := range nodes {
		nodes[i] = &graph.Node{Name: "n" + strconv.Itoa(i), Type: "T", Op: pass{}, Inputs: []*graph.Value{prev}}
		nodes[i].Outputs = []*graph.Value{{Name: nodes[i].Name, Producer: nodes[i]}}
		prev = nodes[i].Outputs[0]
	}
	if reversed {
		slices.Reverse(nodes)
	}
	g.Nodes = nodes
	return g
}

// TestOrderReversed: a chain listed last-first comes out first-first, and
// ties keep source order.
func TestOrderReversed(t *testing.T) {
	order, err := Order(chain(1000, true))
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range order {
		if n.Name != "n"+strconv.Itoa(i) {
			t.Fatalf("position %d is %s", i, n.Name)
		}
	}
}

package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/infer"
)

// N marks the unknown batch size in expected shapes.
const N = -1

// analyze decodes a spec, checks the graph's invariants and infers it.
func analyze(t *testing.T, name, src string) *graph.Graph {
	t.Helper()
	g, err := Decode(name, []byte(src))
	if err != nil {
		t.Fatalf("Decode: %v\n%s", err, src)
	}
	if err := g.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if err := infer.Run(g, infer.Options{}); err != nil {
		t.Fatalf("infer: %v\n%s", err, src)
	}
	return g
}

// node finds a node by name.
func node(t *testing.T, g *graph.Graph, name string) *graph.Node {
	t.Helper()
	for _, n := range g.Nodes {
		if n.Name == name {
			return n
		}
	}
	t.Fatalf("no node %q", name)
	return nil
}

// own sums the parameters first counted at n: trainable and not.
func own(n *graph.Node) (trainable, fixed int64) {
	for _, p := range n.Params {
		if p.Owner != n {
			continue
		}
		c, _ := p.Numel().Value()
		if p.Trainable {
			trainable += c
		} else {
			fixed += c
		}
	}
	return
}

// totals sums every node's own parameters: each tensor once.
func totals(g *graph.Graph) (trainable, fixed int64) {
	for _, n := range g.Nodes {
		a, b := own(n)
		trainable += a
		fixed += b
	}
	return
}

// shape builds an expected shape; N is the unknown batch.
func shape(dims ...int64) graph.Shape { return graph.S(dims...) }

// readExample reads a file of the examples directory.
func readExample(t *testing.T, name string) (string, []byte) {
	t.Helper()
	path := filepath.Join("..", "..", "examples", name)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, data
}

// reference is the path of a file in ../shared/reference, or a skip when
// that folder is absent.
func reference(t *testing.T, rel string) string {
	t.Helper()
	path := filepath.Join("..", "..", "..", "shared", "reference", rel)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("reference data %s is absent (run with ../shared/reference next to the project): %v", rel, err)
	}
	return path
}

// specOf assembles a spec from its parts.
func specOf(layout, input, layers string) string {
	var b strings.Builder
	if layout != "" {
		fmt.Fprintf(&b, "layout: %s\n", layout)
	}
	if strings.HasPrefix(strings.TrimSpace(input), "{") {
		fmt.Fprintf(&b, "inputs: %s\n", input)
	} else {
		fmt.Fprintf(&b, "input: %s\n", input)
	}
	b.WriteString("layers:\n")
	for _, l := range strings.Split(strings.TrimSpace(layers), "\n") {
		fmt.Fprintf(&b, "  %s\n", strings.TrimSpace(l))
	}
	return b.String()
}

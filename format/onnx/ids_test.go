package onnx

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/budget"
	"github.com/layerinfo/layerinfo/internal/gen"
)

// graphText writes out a graph's structure: every node with its inputs
// (by name and producer) and outputs, the graph's inputs, outputs and
// notes.
func graphText(g *graph.Graph) string {
	var b strings.Builder
	val := func(v *graph.Value) string {
		switch {
		case v == nil:
			return "-"
		case v.Producer != nil:
			return v.Name + "<" + v.Producer.Name
		case v.Param != nil:
			return fmt.Sprintf("%s=param%v", v.Name, v.Param.Shape)
		}
		return v.Name + fmt.Sprintf("%v", v.Shape)
	}
	for _, n := range g.Nodes {
		fmt.Fprintf(&b, "%s %s %s:", n.Name, n.Type, n.Pos)
		for _, v := range n.Inputs {
			b.WriteString(" " + val(v))
		}
		b.WriteString(" ->")
		for _, v := range n.Outputs {
			b.WriteString(" " + val(v))
		}
		b.WriteByte('\n')
	}
	for _, v := range g.Inputs {
		b.WriteString("in " + val(v) + "\n")
	}
	for _, v := range g.Outputs {
		b.WriteString("out " + val(v) + "\n")
	}
	for _, s := range g.Notes {
		b.WriteString("note " + s + "\n")
	}
	return b.String()
}

// TestBuildByID checks that finding values by the decoder's name ids
// builds the graph that finding them by name builds: on every reference
// model, the generated DAG and the control-flow and function models,
// Build of the decoded model and of the same model without its table of
// names (as a model made in Go is) give the same graph.
func TestBuildByID(t *testing.T) {
	models := map[string][]byte{
		"dag":      gen.ONNX(2000, true),
		"control":  controlModel(),
		"function": functionModel(),
	}
	if _, err := os.Stat(referenceDir); err == nil {
		for _, path := range fixtures(t) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			models[path] = b
		}
	}
	for name, data := range models {
		r := bytes.NewReader(data)
		m, err := Decode(r, int64(len(data)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if m.names == nil {
			t.Fatalf("%s: no interned names", name)
		}
		g1, err := Build("m.onnx", m, r, Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		plain := *m
		plain.names = nil
		g2, err := Build("m.onnx", &plain, r, Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if a, b := graphText(g1), graphText(g2); a != b {
			t.Errorf("%s: by id and by name differ:\n%s\n----\n%s", name, a, b)
		}
	}
}

// TestBuildChangedNames: a decoded model whose names are changed before
// Build (the ids kept with the nodes then name other values) is built by
// its names.
func TestBuildChangedNames(t *testing.T) {
	data := gen.ONNX(40, true)
	r := bytes.NewReader(data)
	m, err := Decode(r, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	nodes := m.Graph.Nodes
	// Node 7 (an Add) now takes node 1's output, by a name that is a copy
	// of the interned one; node 6's input becomes a name defined nowhere.
	nodes[7].Inputs[0] = strings.Clone(nodes[1].Outputs[0])
	nodes[6].Inputs[0] = "nowhere"
	g, err := Build("m.onnx", m, r, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	if p := g.Nodes[7].Inputs[0].Producer; p == nil || p.Name != nodes[1].Name {
		t.Errorf("node 7's input 0 comes from %v, want %s", p, nodes[1].Name)
	}
	if v := g.Nodes[6].Inputs[0]; v.Producer != nil || v.Name != "nowhere" {
		t.Errorf("node 6's input 0 is %s from %v, want nowhere from outside", v.Name, v.Producer)
	}
	if !strings.Contains(strings.Join(g.Notes, "\n"), "defined nowhere in the model and have unknown shapes: nowhere") {
		t.Errorf("notes: %q", g.Notes)
	}
}

// TestChargedSizes: what decoding charges for each message stays what
// the budget's messages were written against (the sizes on 64-bit
// systems before nodes, tensors and value infos kept name ids), so that
// a tight budget refuses a file at the same node with the same words.
func TestChargedSizes(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("the sizes are those of 64-bit systems")
	}
	got := [...]int64{sizeNode, sizeAttribute, sizeTensor, sizeValueInfo, sizeDim, sizeGraph}
	want := [...]int64{160, 240, 136, 48, 32, 184}
	if got != want {
		t.Errorf("charged sizes (node, attribute, tensor, value info, dim, graph) = %v, want %v", got, want)
	}
}

// TestPresizeWithinBudget: a graph of a million empty nodes (2 MB of
// file) under a 4 MiB budget is refused at the node the budget stops, as
// when nodes were appended one by one, without first making room for all
// of them (160 MB of decoded nodes, 2 GB with their rows).
func TestPresizeWithinBudget(t *testing.T) {
	var g pb
	for range 1_000_000 {
		g = g.bytes(graphNode, nil)
	}
	model := pb{}.int(modelIRVersion, 8).msg(modelGraph, g)
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	_, err := Load("big.onnx", bytes.NewReader(model), int64(len(model)), Options{Budget: budget.New(4 << 20)})
	runtime.ReadMemStats(&m1)
	if !errors.Is(err, budget.ErrExceeded) || !strings.Contains(err.Error(), "the graph and report of more than 1,") {
		t.Fatalf("got %v, want the budget refusing the nodes", err)
	}
	if a := m1.TotalAlloc - m0.TotalAlloc; a > 64<<20 {
		t.Errorf("%d MB allocated under a 4 MiB budget", a>>20)
	}
}

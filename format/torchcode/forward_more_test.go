package torchcode

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/stats"
)

// TestMoreModules traces testdata/more_modules.py (LPPool, MaxUnpool
// with and without output_size, Unfold, Fold, FractionalMaxPool by
// ratio and by size, EmbeddingBag on 2-D input and on 1-D input with
// offsets, ChannelShuffle) and compares every row's first output shape
// and parameters, in call order, with what PyTorch 1.13's forward hooks
// recorded (testdata/more_modules.expected.json, written by
// more_modules_gen.py).
func TestMoreModules(t *testing.T) {
	src, err := os.ReadFile("testdata/more_modules.py")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("testdata/more_modules.expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var want struct {
		Params int64
		Rows   []struct {
			Name   string
			Shapes [][]int64
			Params int64
		}
	}
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	opt := Options{
		InputShapes: map[string][]int64{"": {2, 3, 17, 16}, "idx": {2, 5}, "flat": {20}, "offs": {5}},
		InputTypes:  map[string]string{"idx": "long", "flat": "long", "offs": "long"},
	}
	g, err := Decode("more_modules.py", src, opt)
	if err != nil {
		t.Fatal(err)
	}
	if err := infer.Run(g, infer.Options{}); err != nil {
		t.Fatal(err)
	}
	r, err := stats.Build(g)
	if err != nil {
		t.Fatal(err)
	}
	if r.Totals.Params != want.Params {
		t.Errorf("params %d, want %d", r.Totals.Params, want.Params)
	}
	if len(g.Nodes) != len(want.Rows) {
		t.Fatalf("%d rows, want %d", len(g.Nodes), len(want.Rows))
	}
	for i, n := range g.Nodes {
		w := want.Rows[i]
		name, _, _ := strings.Cut(n.Name, "#")
		got := n.Outputs[0].Shape
		if name != w.Name || got.String() != graph.S(w.Shapes[0]...).String() || r.Layers[i].Params != w.Params {
			t.Errorf("row %d: %s %s %d params; PyTorch: %s %v %d", i, n.Name, got, r.Layers[i].Params, w.Name, w.Shapes[0], w.Params)
		}
	}
}

package torchcode

import (
	"encoding/json"
	"errors"
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

// TestStoppedTrace: when forward stops at an error, the modules it did
// not reach still count their parameters (as model.parameters() does),
// but their outputs and FLOPs are unknown, not empty and 0, and so are
// the total FLOPs.
func TestStoppedTrace(t *testing.T) {
	src := `import torch
import torch.nn as nn
class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(4, 3)
        self.b = nn.Linear(3, 2)
    def forward(self, x):
        x = self.a(x)
        x = nn.Transformer.no_such_thing(x)
        return self.b(x)
`
	_, err := Decode("m.py", []byte(src), Options{InputShapes: map[string][]int64{"": {1, 4}}})
	var p *Partial
	if !errors.As(err, &p) || p.Graph == nil {
		t.Fatalf("error %v, want a partial graph", err)
	}
	if err := infer.Run(p.Graph, infer.Options{}); err != nil {
		t.Fatal(err)
	}
	r, err := stats.Build(p.Graph)
	if err != nil {
		t.Fatal(err)
	}
	// a: 4*3+3 = 15, reached: 1x3, 2*1*4*3 = 24 FLOPs; b: 3*2+2 = 8.
	if r.Totals.Params != 23 || r.Totals.FLOPs != nil || len(r.Layers) != 2 {
		t.Fatalf("params %d, FLOPs %v, %d rows; want 23, unknown, 2", r.Totals.Params, r.Totals.FLOPs, len(r.Layers))
	}
	a, b := r.Layers[0], r.Layers[1]
	if a.FLOPs == nil || *a.FLOPs != 24 || a.OutputShapes[0] == nil {
		t.Errorf("row a: FLOPs %v, shapes %v; want 24 and 1x3", a.FLOPs, a.OutputShapes)
	}
	if b.Params != 8 || b.FLOPs != nil || len(b.OutputShapes) != 1 || b.OutputShapes[0] != nil {
		t.Errorf("row b (not reached): params %d, FLOPs %v, shapes %v; want 8, unknown, one unknown", b.Params, b.FLOPs, b.OutputShapes)
	}
}

// TestSubsequentMask: nn.Transformer.generate_square_subsequent_mask(sz)
// is the (sz, sz) causal mask model code builds for an encoder.
func TestSubsequentMask(t *testing.T) {
	src := `import torch
import torch.nn as nn
class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 1)
    def forward(self, x):
        mask = nn.Transformer.generate_square_subsequent_mask(x.size(0))
        assert mask.shape == (x.size(0), x.size(0))
        return self.enc(x, mask)
`
	g, err := Decode("m.py", []byte(src), Options{InputShapes: map[string][]int64{"": {5, 2, 8}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := infer.Run(g, infer.Options{}); err != nil {
		t.Fatal(err)
	}
	last := g.Nodes[len(g.Nodes)-1]
	if s := last.Outputs[0].Shape.String(); s != "5x2x8" {
		t.Errorf("encoder output %s, want 5x2x8", s)
	}
}

// TestTopLevelShapeBug: a file that runs its model on a tensor at the top
// level and hits a shape bug reports it once, from the trace, with the
// module's name (conv2) — not also as a note about the top level.
func TestTopLevelShapeBug(t *testing.T) {
	src := `import torch
import torch.nn as nn
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, 5)
        self.conv2 = nn.Conv2d(20, 20, 5)
    def forward(self, x):
        return self.conv2(self.conv1(x))
model = Net()
out = model(torch.randn(2, 1, 28, 28))
`
	_, err := Decode("m.py", []byte(src), Options{})
	var p *Partial
	if !errors.As(err, &p) || !strings.Contains(err.Error(), "layer conv2 (Conv2d): input has 10 channels, in_channels is 20") {
		t.Fatalf("error %v, want the shape bug at conv2", err)
	}
	for _, n := range p.Graph.Notes {
		if strings.Contains(n, "top level stopped") {
			t.Errorf("note %q repeats the error", n)
		}
	}
}

package torchcode

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/format"
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
	g, r := analysed(t, "more_modules.py", src, opt)
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

// TestReparametrized: torch.nn.utils' spectral_norm and weight_norm (and
// their parametrizations versions) keep the layer's shapes and FLOPs and
// rename its weight as PyTorch's state_dict does (printed by PyTorch
// 1.13 for these layers): spectral_norm(Conv2d(3, 16, 3)) has bias 16,
// weight_orig 16x3x3x3, buffers weight_u 16 and weight_v 27;
// weight_norm(Conv2d(16, 8, 3)) bias 8, weight_g 8x1x1x1, weight_v
// 8x16x3x3 (dim=None: weight_g a scalar); ConvTranspose2d's spectral
// norm is along dim 1; the parametrizations version of Linear(8, 2) has
// parametrizations.weight.original 2x8 and buffers
// parametrizations.weight.0._u 2 and ._v 8.
func TestReparametrized(t *testing.T) {
	src := `import torch
import torch.nn as nn
from torch.nn.utils import spectral_norm, weight_norm
class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = spectral_norm(nn.Conv2d(3, 16, 3, padding=1))
        self.c2 = weight_norm(nn.Conv2d(16, 8, 3, padding=1))
        self.c3 = nn.utils.weight_norm(nn.Conv2d(8, 8, 1), dim=None)
        self.t = spectral_norm(nn.ConvTranspose2d(8, 4, 2, stride=2))
        self.l = nn.utils.parametrizations.spectral_norm(nn.Linear(4, 2))
    def forward(self, x):
        x = self.t(self.c3(self.c2(self.c1(x))))
        return self.l(x.mean([2, 3]))
`
	g, r := analysed(t, "m.py", []byte(src), Options{InputShapes: map[string][]int64{"": {1, 3, 8, 8}}})
	want := map[string]string{
		"c1.bias": "16", "c1.weight_orig": "16x3x3x3", "c1.weight_u": "16", "c1.weight_v": "27",
		"c2.bias": "8", "c2.weight_g": "8x1x1x1", "c2.weight_v": "8x16x3x3",
		"c3.bias": "8", "c3.weight_g": "scalar", "c3.weight_v": "8x8x1x1",
		"t.bias": "4", "t.weight_orig": "8x4x2x2", "t.weight_u": "4", "t.weight_v": "32",
		"l.bias": "2", "l.parametrizations.weight.original": "2x4", "l.parametrizations.weight.0._u": "2", "l.parametrizations.weight.0._v": "4",
	}
	got := map[string]string{}
	for _, l := range r.Layers {
		for _, w := range l.Weights {
			got[w.Name] = graph.Shape(w.Shape).String()
		}
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %q, want %q", k, got[k], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("tensors %v, want %v", got, want)
	}
	// Params: 16+432 + 8+8+1152 + 8+1+64 + 4+128 + 2+8 = 1831;
	// buffers 16+27 + 4+32 + 2+4 = 85 (PyTorch 1.13 counts the same).
	// The last shape: 1x2.
	if r.Totals.Params != 1831 || r.Totals.Buffers != 85 {
		t.Errorf("params %d, buffers %d; want 1831, 85", r.Totals.Params, r.Totals.Buffers)
	}
	if s := g.Nodes[len(g.Nodes)-1].Outputs[0].Shape.String(); s != "1x2" {
		t.Errorf("output %s, want 1x2", s)
	}
}

// TestWrappedModule: a module given to a function layerinfo does not
// model is traced in its place, with its parameters unknown (so the
// totals are a lower bound), never silently dropped.
func TestWrappedModule(t *testing.T) {
	src := `import torch
import torch.nn as nn
from mylib import fancy_norm
class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = fancy_norm(nn.Conv2d(3, 8, 3))
        self.fc = nn.Linear(8, 2)
    def forward(self, x):
        return self.fc(self.c1(x).mean([2, 3]))
`
	g, r := analysed(t, "m.py", []byte(src), Options{InputShapes: map[string][]int64{"": {1, 3, 8, 8}}})
	// Lower bound: Conv2d (3*3*3+1)*8 = 224 and Linear 8*2+2 = 18.
	if !r.Totals.ParamsUnknown || r.Totals.ParamsLowerBound == nil || *r.Totals.ParamsLowerBound != 242 || !r.Layers[0].ParamsUnknown {
		t.Errorf("totals unknown %v, lower bound %v, c1 unknown %v; want true, 242, true", r.Totals.ParamsUnknown, r.Totals.ParamsLowerBound, r.Layers[0].ParamsUnknown)
	}
	if s := g.Nodes[1].Outputs[0].Shape.String(); s != "1x2" {
		t.Errorf("output %s, want 1x2", s)
	}
}

// TestOpaqueCalls: forward calling what layerinfo cannot read — a module
// attribute made by a library it does not model (torchvision.models
// here, which a user's file imports without its sources), or a library
// function given a tensor (einops) — gets a row with an unknown output
// and work; the attribute's parameters are unknown too, so the totals
// are a lower bound, never 0.
func TestOpaqueCalls(t *testing.T) {
	src := `import torch
import torch.nn as nn
import torchvision.models as models
from einops import rearrange
class C(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 3, 1)
        self.backbone = models.resnet18(pretrained=False)
        self.head = nn.Linear(1000, 10)
    def forward(self, x):
        x = self.stem(x)
        y = rearrange(x, 'b c h w -> b (h w) c')
        return self.head(self.backbone(x))
class Root(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = models.resnet18()
    def forward(self, x):
        return self.backbone(x)
`
	for _, c := range []struct {
		entry string
		rows  string // name:params (? unknown)
		lower int64
	}{
		// stem (1*1*3+1)*3 = 12, head 1000*10+10 = 10,010.
		{"C()", "stem:12 einops.rearrange:0 backbone:? head:10010", 10022},
		// The model itself is the one row: its forward calls the library.
		{"Root()", "Root:?", 0},
	} {
		_, r := analysed(t, "m.py", []byte(src), Options{Entry: c.entry, InputShapes: map[string][]int64{"": {1, 3, 8, 8}}})
		var rows []string
		for _, l := range r.Layers {
			p := fmt.Sprint(l.Params)
			if l.ParamsUnknown {
				p = "?"
			}
			rows = append(rows, l.Name+":"+p)
		}
		if got := strings.Join(rows, " "); got != c.rows {
			t.Errorf("%s: rows %s, want %s", c.entry, got, c.rows)
		}
		if !r.Totals.ParamsUnknown || r.Totals.ParamsLowerBound == nil || *r.Totals.ParamsLowerBound != c.lower || r.Totals.FLOPs != nil {
			t.Errorf("%s: totals unknown %v, lower bound %v, FLOPs %v; want unknown, %d, unknown", c.entry, r.Totals.ParamsUnknown, r.Totals.ParamsLowerBound, r.Totals.FLOPs, c.lower)
		}
		if !strings.Contains(strings.Join(r.Notes, "\n"), "backbone = torchvision.models.resnet18(…) is not read by layerinfo") {
			t.Errorf("%s: no note names backbone: %q", c.entry, r.Notes)
		}
	}
	// Without a trace nothing says whether backbone is a module: its
	// parameters are unknown all the same.
	_, r := analysed(t, "m.py", []byte(src), Options{Entry: "C()"})
	if !r.Totals.ParamsUnknown || r.Totals.ParamsLowerBound == nil || *r.Totals.ParamsLowerBound != 10022 {
		t.Errorf("no trace: totals unknown %v, lower bound %v; want unknown, 10022", r.Totals.ParamsUnknown, r.Totals.ParamsLowerBound)
	}
}

// TestNotebook: a Jupyter notebook of PyTorch code is read from its code
// cells in order (magics left out); a shape bug names its cell and line.
func TestNotebook(t *testing.T) {
	cell := func(lines ...string) map[string]any {
		return map[string]any{"cell_type": "code", "metadata": map[string]any{}, "outputs": []any{}, "source": lines}
	}
	nb := func(in string) []byte {
		b, err := json.Marshal(map[string]any{"nbformat": 4, "nbformat_minor": 5, "metadata": map[string]any{}, "cells": []any{
			map[string]any{"cell_type": "markdown", "metadata": map[string]any{}, "source": []string{"# A net\n"}},
			cell("import torch\n", "import torch.nn as nn\n", "class Net(nn.Module):\n", "    def __init__(self):\n", "        super().__init__()\n",
				"        self.fc1 = nn.Linear(8, 4)\n", "        self.fc2 = nn.Linear(4, 2)\n", "    def forward(self, x):\n", "        return self.fc2(self.fc1(x))\n"),
			cell("!nvidia-smi\n", "model = Net()\n", "x = torch.randn("+in+")\n", "%timeit model(x)\n", "out = model(x)\n"),
		}})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if got := (Format{}).Sniff("net.ipynb", nb("3, 8")); got != format.Certain {
		t.Errorf("Sniff: %v, want Certain", got)
	}
	g, err := Decode("net.ipynb", nb("3, 8"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := infer.Run(g, infer.Options{}); err != nil {
		t.Fatal(err)
	}
	// fc1 8*4+4 = 36 on 3x8 gives 3x4; fc2 4*2+2 = 10 gives 3x2.
	if len(g.Nodes) != 2 || g.Nodes[1].Outputs[0].Shape.String() != "3x2" {
		t.Fatalf("%d rows, want fc1 and fc2 ending in 3x2", len(g.Nodes))
	}
	_, err = Decode("net.ipynb", nb("3, 7"), Options{})
	if err == nil || !strings.Contains(err.Error(), "net.ipynb: cell 1 line 9") || !strings.Contains(err.Error(), "layer fc1 (Linear): input has 7 features") {
		t.Errorf("error %v, want fc1's shape bug at cell 1 line 9", err)
	}
}

// analysed decodes src, infers its graph and builds its report, failing the
// test on any error.
func analysed(t *testing.T, name string, src []byte, opt Options) (*graph.Graph, *stats.Report) {
	t.Helper()
	g, err := Decode(name, src, opt)
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
	return g, r
}

package torchcode

import (
	"fmt"
	"testing"

	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/stats"
)

// TestForwards: torch.nn modules' forwards on a given input, against
// output shapes and FLOPs worked out by hand from PyTorch's
// documentation (the formulas in the comments).
func TestForwards(t *testing.T) {
	for _, c := range []struct {
		layer string
		in    []int64
		in2   []int64 // a second input, when forward takes two
		dtype string
		want  string // the row's output shapes
		flops int64
	}{
		// MaxPool2d ceil_mode: ceil((112-3)/2)+1 = 56; floor: 55.
		{"nn.MaxPool2d(3, 2, ceil_mode=True)", []int64{1, 1, 112, 112}, nil, "", "[1x1x56x56]", 0},
		{"nn.MaxPool2d(3, 2)", []int64{1, 1, 112, 112}, nil, "", "[1x1x55x55]", 0},
		{"nn.AvgPool2d(2)", []int64{1, 1, 7, 7}, nil, "", "[1x1x3x3]", 0},
		{"nn.AdaptiveAvgPool2d((2, None))", []int64{1, 3, 7, 5}, nil, "", "[1x3x2x5]", 0},
		// ConvTranspose2d: (5-1)*2 - 2*1 + (3-1) + 1 + 1 = 10; FLOPs at
		// input positions 2*3*3*4*2*5*5 = 3600.
		{"nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1)", []int64{1, 4, 5, 5}, nil, "", "[1x2x10x10]", 3600},
		// Conv1d dilation 2: 20 - 2*(3-1) = 16; 2*3*2*4*16 = 768.
		{"nn.Conv1d(2, 4, 3, dilation=2)", []int64{1, 2, 20}, nil, "", "[1x4x16]", 768},
		// padding='same' keeps the size; 2*5*5*1*1*9*9 = 4050.
		{"nn.Conv2d(1, 1, 5, padding='same')", []int64{1, 1, 9, 9}, nil, "", "[1x1x9x9]", 4050},
		{"nn.Upsample(scale_factor=2)", []int64{1, 3, 4, 4}, nil, "", "[1x3x8x8]", 0},
		{"nn.PixelShuffle(2)", []int64{1, 8, 3, 3}, nil, "", "[1x2x6x6]", 0},
		{"nn.Flatten()", []int64{2, 3, 4, 5}, nil, "", "[2x60]", 0},
		{"nn.Unflatten(1, (2, 3))", []int64{4, 6}, nil, "", "[4x2x3]", 0},
		{"nn.GLU()", []int64{2, 8}, nil, "", "[2x4]", 0},
		{"nn.ZeroPad2d((1, 2, 3, 4))", []int64{1, 1, 5, 5}, nil, "", "[1x1x12x8]", 0},
		// Linear on (N, L, E): 2*8*3*2*5 = 480.
		{"nn.Linear(8, 3)", []int64{2, 5, 8}, nil, "", "[2x5x3]", 480},
		{"nn.Embedding(10, 4)", []int64{2, 3}, nil, "long", "[2x3x4]", 0},
		// LSTM batch_first: out (3, 5, 20), h and c (1, 3, 20); per step
		// 2*(10*80 + 20*80) = 4800, over 5 steps and 3 sequences 72,000.
		{"nn.LSTM(10, 20, batch_first=True)", []int64{3, 5, 10}, nil, "", "[3x5x20 1x3x20 1x3x20]", 72000},
		// GRU, two layers, bidirectional, (T, N, I): out (7, 2, 2*6),
		// h (4, 2, 6); layer 1 per direction 3*6*(4+6) = 180, layer 2
		// 3*6*(12+6) = 324: 2*2*(180+324)*7*2 = 28,224.
		{"nn.GRU(4, 6, num_layers=2, bidirectional=True)", []int64{7, 2, 4}, nil, "", "[7x2x12 4x2x6]", 28224},
		{"nn.GRUCell(4, 6)", []int64{3, 4}, nil, "", "[3x6]", 2 * 3 * 18 * 10},
		// CosineSimilarity over dim 1: (4,).
		{"nn.CosineSimilarity(dim=1)", []int64{4, 8}, []int64{4, 8}, "", "[4]", 0},
		// Bilinear: 2*2*3*4*5 = 240.
		{"nn.Bilinear(3, 4, 5)", []int64{2, 3}, []int64{2, 4}, "", "[2x5]", 240},
		// MultiheadAttention (L, N, E) = (5, 2, 8), weights averaged
		// (N, L, S) = (2, 5, 5); per sequence q/k/v/out projections
		// 4*5*8*8 = 1280 and 2*5*5*8 = 400 for the two products:
		// 2*(1280+400)*2 = 6720.
		{"nn.MultiheadAttention(8, 2)", []int64{5, 2, 8}, nil, "", "[5x2x8 2x5x5]", 6720},
	} {
		fwd := "self.m(x)"
		args := "x"
		if c.in2 != nil {
			fwd, args = "self.m(x, y)", "x, y"
		}
		if c.layer == "nn.MultiheadAttention(8, 2)" {
			fwd = "self.m(x, x, x)"
		}
		src := fmt.Sprintf("import torch\nimport torch.nn as nn\nclass M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.m = %s\n    def forward(self, %s):\n        return %s\n", c.layer, args, fwd)
		opt := Options{InputShapes: map[string][]int64{"": c.in}, InputTypes: map[string]string{"": c.dtype}}
		if c.in2 != nil {
			opt.InputShapes["y"] = c.in2
		}
		g, err := Decode("m.py", []byte(src), opt)
		if err != nil {
			t.Errorf("%s: %v", c.layer, err)
			continue
		}
		if err := infer.Run(g, infer.Options{}); err != nil {
			t.Fatal(err)
		}
		r, err := stats.Build(g)
		if err != nil {
			t.Fatal(err)
		}
		n := g.Nodes[0]
		var shapes []string
		for _, v := range n.Outputs {
			shapes = append(shapes, v.Shape.String())
		}
		if got := fmt.Sprint(shapes); got != c.want || r.Totals.FLOPs == nil || *r.Totals.FLOPs != c.flops {
			t.Errorf("%s on %v: %s, FLOPs %v; want %s, %d", c.layer, c.in, got, r.Totals.FLOPs, c.want, c.flops)
		}
	}
}

// TestSuperForward: a file's subclass of a torch.nn layer whose forward
// calls super().forward(x) is one row, with the layer's FLOPs
// (2*4*3*5 = 120) and parameters (4*3+3 = 15).
func TestSuperForward(t *testing.T) {
	src := "import torch\nimport torch.nn as nn\nclass Scaled(nn.Linear):\n    def forward(self, x):\n        return super().forward(x) * 2\nclass M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.a = Scaled(4, 3)\n    def forward(self, x):\n        return self.a(x)\n"
	g, err := Decode("m.py", []byte(src), Options{InputShapes: map[string][]int64{"": {5, 4}}})
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
	if len(r.Layers) != 1 || r.Layers[0].Name != "a" || r.Totals.Params != 15 || r.Totals.FLOPs == nil || *r.Totals.FLOPs != 120 {
		t.Errorf("%d rows, params %d, FLOPs %v; want one row a, 15, 120", len(r.Layers), r.Totals.Params, r.Totals.FLOPs)
	}
}

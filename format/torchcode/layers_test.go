package torchcode

import (
	"errors"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/format"
	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/stats"
)

// counts builds src's model and returns the report's totals.
func counts(t *testing.T, src, entry string) (params, trainable, nonTrainable int64) {
	t.Helper()
	g, err := Decode("m.py", []byte("import torch\nimport torch.nn as nn\n"+src), Options{Entry: entry})
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := infer.Run(g, infer.Options{}); err != nil {
		t.Fatal(err)
	}
	r, err := stats.Build(g)
	if err != nil {
		t.Fatal(err)
	}
	if r.Totals.FLOPs != nil {
		t.Errorf("%s: FLOPs %d, want unknown", src, *r.Totals.FLOPs)
	}
	// The tables below count state: parameters and buffers, trainable
	// (requires_grad) or not (frozen parameters and buffers); the report
	// keeps buffers apart from params.
	return r.Totals.Params + r.Totals.Buffers, r.Totals.TrainableParams, r.Totals.NonTrainableParams + r.Totals.Buffers
}

// TestLayers: each layer's parameters and buffers against the formulas of
// ../shared/docs/conventions.md §4.2 and PyTorch's constructors (worked
// out by hand in the comments), trainable and non-trainable apart.
func TestLayers(t *testing.T) {
	for _, c := range []struct {
		src               string
		trainable, frozen int64
	}{
		// LSTM H=20 P=5, two layers, two directions: per layer and
		// direction 4H*I + 4H*P + 8H + P*H with I = 10, then I = 2P = 10:
		// 800 + 400 + 160 + 100 = 1,460; four of them.
		{"m = nn.LSTM(10, 20, num_layers=2, bidirectional=True, proj_size=5)", 4 * 1460, 0},
		{"m = nn.LSTM(10, 20)", 4*20*(10+20) + 8*20, 0},
		{"m = nn.GRU(8, 16, bias=False)", 3 * 16 * (8 + 16), 0},
		{"m = nn.GRU(8, 16, 2, batch_first=True)", 3*16*(8+16) + 6*16 + 3*16*(16+16) + 6*16, 0},
		{"m = nn.RNN(4, 3)", 3*(4+3) + 2*3, 0},
		{"m = nn.RNN(4, 3, 1, 'relu', False)", 3 * (4 + 3), 0},
		{"m = nn.LSTMCell(5, 7)", 4*7*(5+7) + 8*7, 0},
		{"m = nn.GRUCell(5, 7, bias=False)", 3 * 7 * (5 + 7), 0},
		// MultiheadAttention E=16: 4E² + 4E; + 2E with bias_kv; with
		// kdim 8, vdim 12: E² + 8E + 12E + 3E + E² + E.
		{"m = nn.MultiheadAttention(16, 4)", 4*256 + 4*16, 0},
		{"m = nn.MultiheadAttention(16, 4, add_bias_kv=True)", 4*256 + 6*16, 0},
		{"m = nn.MultiheadAttention(16, 4, kdim=8, vdim=12)", 256 + 128 + 192 + 48 + 256 + 16, 0},
		{"m = nn.MultiheadAttention(16, 4, bias=False)", 4 * 256, 0},
		// Convolutions: k*k*(C_in/g)*C_out + C_out; transposed
		// C_in*(C_out/g)*k*k + C_out.
		{"m = nn.ConvTranspose2d(8, 16, 3, groups=2)", 8*8*9 + 16, 0},
		{"m = nn.Conv2d(8, 16, 3, groups=4, bias=False)", 9 * 2 * 16, 0},
		{"m = nn.Conv1d(3, 6, 5)", 3*6*5 + 6, 0},
		{"m = nn.Conv3d(2, 4, (1, 2, 3), padding='same')", 2*4*6 + 4, 0},
		{"m = nn.ConvTranspose1d(4, 2, 3, 2, 1, 1, 1, False)", 4 * 2 * 3, 0},
		// Norms: BatchNorm 2C + buffers 2C + 1; InstanceNorm none by
		// default; GroupNorm 2C; LayerNorm 2·prod(shape).
		{"m = nn.BatchNorm1d(10, affine=False)", 0, 21},
		{"m = nn.BatchNorm2d(10, track_running_stats=False)", 20, 0},
		{"m = nn.BatchNorm3d(10)", 20, 21},
		{"m = nn.InstanceNorm2d(10)", 0, 0},
		{"m = nn.InstanceNorm1d(10, affine=True)", 20, 0},
		{"m = nn.InstanceNorm1d(10, track_running_stats=True)", 0, 21},
		{"m = nn.GroupNorm(2, 8)", 16, 0},
		{"m = nn.LayerNorm((4, 5))", 40, 0},
		{"m = nn.LayerNorm(6, bias=False)", 6, 0},
		{"m = nn.LayerNorm(6, elementwise_affine=False)", 0, 0},
		{"m = nn.RMSNorm(6)", 6, 0},
		{"m = nn.Embedding(100, 8, padding_idx=0)", 800, 0},
		{"m = nn.Embedding(100, 8, _freeze=True)", 0, 800},
		{"m = nn.EmbeddingBag(10, 3, mode='sum')", 30, 0},
		{"m = nn.PReLU()", 1, 0},
		{"m = nn.PReLU(7)", 7, 0},
		{"m = nn.Bilinear(3, 4, 5)", 3*4*5 + 5, 0},
		{"m = nn.Sequential(nn.ReLU(inplace=True), nn.Dropout(0.5), nn.MaxPool2d(2), nn.Upsample(scale_factor=2), nn.Flatten(), nn.Identity(54, unused=1), nn.ZeroPad2d(1), nn.Softmax(dim=1))", 0, 0},
		// Transformer layers: per encoder layer MHA 4·64 + 32 = 288,
		// linear1 8·16 + 16 = 144, linear2 16·8 + 8 = 136, two LayerNorms
		// 32: 600; three deep copies and a final norm of 16.
		{"l = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16)\nm = nn.TransformerEncoder(l, 3, norm=nn.LayerNorm(8))", 3*600 + 16, 0},
		// decoder layer: two MHA 576, 144 + 136, three norms 48 = 904.
		{"m = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=16)", 600 + 16 + 904 + 16, 0},
		{"m = nn.TransformerEncoderLayer(8, 2, 16, activation=nn.GELU(), bias=False)", 4*64 + 8*16 + 16*8 + 2*8, 0},
	} {
		p, tr, nt := counts(t, c.src, "m")
		if tr != c.trainable || nt != c.frozen || p != tr+nt {
			t.Errorf("%s: params %d, trainable %d, non-trainable %d; want %d trainable, %d not", c.src, p, tr, nt, c.trainable, c.frozen)
		}
	}
}

// TestModules: nn.Module's registration — Parameters, buffers, tied and
// shared tensors and modules counted once, frozen parameters, the
// containers, apply and nn.init.
func TestModules(t *testing.T) {
	for _, c := range []struct {
		name, src         string
		trainable, frozen int64
	}{
		{"tied weight", `
class AE(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Embedding(6, 4)
        self.dec = nn.Linear(4, 6)
        self.dec.weight = self.enc.weight
m = AE()`, 24 + 6, 0},
		{"shared module", `
class S(nn.Module):
    def __init__(self):
        super(S, self).__init__()
        l = nn.Linear(3, 3)
        self.a = l
        self.b = l
m = S()`, 12, 0},
		{"parameters and buffers", `
class P(nn.Module):
    def __init__(self, n=10):
        super().__init__()
        self.pos = nn.Parameter(torch.zeros(1, n, 4))
        self.scale = nn.Parameter(torch.ones(4), requires_grad=False)
        self.register_buffer("pe", torch.randn(n, 4))
        self.register_buffer("idx", torch.arange(0, n, 2), persistent=False)
        self.register_parameter("extra", nn.Parameter(torch.empty(3, 3)))
        self.register_parameter("none", None)
        self.lin = nn.Linear(4, 2)
m = P()`, 40 + 9 + 10, 4 + 40 + 5},
		{"frozen", `
m = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
for p in m.parameters():
    p.requires_grad = False
m[-1].weight.requires_grad = True`, 3, 9 + 1},
		{"positional encoding buffer", `
import math
class PositionalEncoding(nn.Module):
    def __init__(self, d_model, dropout=0.1, max_len=5000):
        super(PositionalEncoding, self).__init__()
        self.dropout = nn.Dropout(p=dropout)
        pe = torch.zeros(max_len, d_model)
        position = torch.arange(0, max_len, dtype=torch.float).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        pe = pe.unsqueeze(0).transpose(0, 1)
        self.register_buffer('pe', pe)
        self.register_buffer('mask', torch.tril(torch.ones(8, 8)).view(1, 1, 8, 8))
        self.register_buffer('idx', torch.cat([torch.arange(3), torch.arange(4)]).reshape(-1, 1).expand(-1, 2))
        self.register_buffer('st', torch.stack([torch.zeros(2, 3), torch.ones(2, 3)], dim=1).flatten(1).permute(1, 0))
m = PositionalEncoding(20, max_len=100)`, 0, 100*20 + 64 + 7*2 + 12},
		// Slices: [2:, ::2] of 10x8 is 8x4 = 32; [..., 1:3] of 3x4x5 is
		// 3x4x2 = 24; [None, :, None] of 6 is 1x6x1 = 6; [-1] of 5x2 is 2.
		{"slices", `
class S(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer('a', torch.zeros(10, 8)[2:, ::2])
        self.register_buffer('b', torch.zeros(3, 4, 5)[..., 1:3])
        self.register_buffer('c', torch.zeros(6)[None, :, None])
        self.register_buffer('d', torch.zeros(5, 2)[-1])
m = S()`, 0, 32 + 24 + 6 + 2},
		{"clones", `
import copy
class Layer(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.a = nn.Linear(d, d)
        self.b = nn.Linear(d, d, bias=False)
        self.b.weight = self.a.weight
        self.norms = [nn.LayerNorm(d)]
def clones(module, N):
    return nn.ModuleList([copy.deepcopy(module) for _ in range(N)])
class Enc(nn.Module):
    def __init__(self, layer, N):
        super(Enc, self).__init__()
        self.layers = clones(layer, N)
        self.norm = nn.LayerNorm(layer.a.weight.shape[0])
m = Enc(Layer(4), 3)`, 3*(16+4) + 8, 0},
		{"indexing", `
m = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
d = nn.ModuleDict({"a": nn.Linear(1, 2)})
m[0].weight = nn.Parameter(torch.zeros(3, 2), requires_grad=False)
m.add_module("head", d["a"])
for layer in m:
    if isinstance(layer, nn.Linear):
        nn.init.zeros_(layer.bias)
assert len(m) == 4 and len(d) == 1 and "a" in d and "b" not in d
assert [k for k in d] == ["a"] and list(d.keys()) == ["a"]
m.add_module("n%d" % len(m), nn.Linear(1, 1) if len(list(m.children())) == 4 else None)`, 3 + (3 + 1) + (2 + 2) + 2, 6},
		{"containers", `
from collections import OrderedDict
class C(nn.Module):
    def __init__(self):
        super().__init__()
        self.seq = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 3)), ("act", nn.ReLU())]))
        self.blocks = nn.ModuleList([nn.Linear(3, 3) for _ in range(2)])
        self.blocks.append(nn.Linear(3, 1))
        self.heads = nn.ModuleDict({"a": nn.Linear(1, 2), "b": nn.Conv2d(1, 1, 1)})
        self.plist = nn.ParameterList([nn.Parameter(torch.randn(2, 3)) for _ in range(3)])
        self.pdict = nn.ParameterDict({"w": nn.Parameter(torch.ones(4))})
        self.apply(self._init)
        for name, mod in self.named_modules():
            if isinstance(mod, nn.Linear):
                nn.init.xavier_uniform_(mod.weight)
                if mod.bias is not None:
                    nn.init.zeros_(mod.bias)
    def _init(self, m):
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out")
m = C()`, 9 + 2*12 + 4 + 4 + 2 + 18 + 4, 0},
	} {
		p, tr, nt := counts(t, c.src, "m")
		if tr != c.trainable || nt != c.frozen || p != tr+nt {
			t.Errorf("%s: params %d, trainable %d, non-trainable %d; want %d trainable, %d not", c.name, p, tr, nt, c.trainable, c.frozen)
		}
	}
}

// TestEntry: --entry, the one top-level model, the last class that needs
// no arguments and is no other class's part, and the errors otherwise.
func TestEntry(t *testing.T) {
	const src = `
class Block(nn.Module):
    def __init__(self, n=4):
        super().__init__()
        self.fc = nn.Linear(n, n)

class Net(nn.Module):
    def __init__(self, classes=10, *args, **kw):
        super().__init__()
        self.b = Block()
        self.out = nn.Linear(4, classes)

class Other(nn.Module):
    def __init__(self, k):
        super().__init__()
        self.fc = nn.Linear(k, 1)
`
	if _, tr, _ := counts(t, src, ""); tr != 20+50 {
		t.Errorf("no entry: %d trainable, want Net's 70 (Block is Net's part, Other needs k)", tr)
	}
	if _, tr, _ := counts(t, src, "Other(3)"); tr != 4 {
		t.Errorf("Other(3): %d, want 4", tr)
	}
	if _, tr, _ := counts(t, src, "Net(classes=2)"); tr != 20+10 {
		t.Errorf("Net(classes=2): %d, want 30", tr)
	}
	if _, tr, _ := counts(t, src+"model = Net(5)\n", ""); tr != 20+25 {
		t.Errorf("model = Net(5): %d, want 45", tr)
	}
	_, err := Decode("m.py", []byte("import torch.nn as nn\na = nn.Linear(2, 2)\nb = nn.Linear(3, 3)\n"), Options{})
	var me *format.MissingError
	if !errors.As(err, &me) || me.Option != "entry" || !strings.Contains(err.Error(), "several models (a, b)") {
		t.Errorf("two models: %v", err)
	}
	_, err = Decode("m.py", []byte("import torch.nn as nn\nclass A(nn.Module):\n    def __init__(self, n):\n        super().__init__()\ndef build():\n    return A(3)\n"), Options{})
	if !errors.As(err, &me) || !strings.Contains(err.Error(), "(A)") || !strings.Contains(err.Error(), "build()") {
		t.Errorf("no argument-free model: %v", err)
	}
	_, err = Decode("m.py", []byte("import torch.nn as nn\nm = nn.Linear(2, 2)\n"), Options{Entry: "Nope()"})
	if !errors.Is(err, format.ErrUsage) {
		t.Errorf("unknown entry: %v, want a usage error", err)
	}
}

// TestErrors: what cannot be counted is an error at its line, never a
// silent zero.
func TestErrors(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"m = nn.Conv4d(1, 2, 3)", "m.py:3:14: torch.nn.Conv4d is not supported yet"},
		{"m = nn.LazyLinear(10)", "m.py:3:18: LazyLinear: a lazy module's shapes are set by its first forward call"},
		{"m = nn.Linear(3)", "missing required argument 'out_features'"},
		{"m = nn.Linear(3, 4, bais=False)", `unexpected keyword argument 'bais' (did you mean "bias"?)`},
		{"m = nn.Conv2d(3, 4, 3, groups=2)", "in_channels must be divisible by groups"},
		{"m = nn.MultiheadAttention(10, 3)", "embed_dim must be divisible by num_heads"},
		{"m = nn.Linear(n, 4)", "not defined"},
		{"import numpy as np\nm = nn.Linear(np.random.randint(5), 4)", "in_features must be an int"},
		{"import numpy as np\nclass A(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.w = nn.Parameter(np.zeros(3))\nm = A()", "parameter w (A): its shape is unknown"},
		{"m = nn.Linear(1 << 40, 1 << 40)", "more than 2^50 elements"},
		{"class A(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.register_buffer('b', torch.zeros(2, 3).view(4, -1))\nm = A()", "shape [4, -1] is invalid for input of size 6 (2*3): 6 does not divide by 4"},
		{"class A(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.register_buffer('b', torch.zeros(2, 3) + torch.zeros(4))\nm = A()", "shapes [2, 3] and [4] do not broadcast"},
		{"class A(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.register_buffer('b', torch.zeros(5, 2)[7])\nm = A()", "index 7 is out of bounds for dimension 0 with size 5"},
	} {
		_, err := Decode("m.py", []byte("import torch\nimport torch.nn as nn\n"+c.src), Options{Entry: "m"})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.src, err, c.want)
		}
	}
}

func TestSniff(t *testing.T) {
	for _, c := range []struct {
		name, head string
		want       format.Sure
	}{
		{"a.py", "import torch\n", format.Certain},
		{"a.py", "# model\nimport torch.nn as nn\n", format.Certain},
		{"a.py", "from torch import nn\n", format.Certain},
		{"a.py", "from torch.nn import Module\n", format.Certain},
		{"a.py", "import torchvision\n", format.No},
		{"a.py", "from lasagne.layers import DenseLayer\n", format.No},
		{"a.py", "x = 'import torch'\n", format.No},
		{"a.txt", "import torch\n", format.No},
		// A notebook whose cells import torch is PyTorch's; one that does
		// not is the notebook format's (Lasagne).
		{"a.ipynb", `{"cells": [{"source": ["import torch\n"]}]}`, format.Certain},
		{"a.ipynb", `{"cells": [{"source": ["import lasagne\n", "x = 'import torch'"]}]}`, format.No},
	} {
		if got := (Format{}).Sniff(c.name, []byte(c.head)); got != c.want {
			t.Errorf("Sniff(%s, %q) = %v, want %v", c.name, c.head, got, c.want)
		}
	}
}

// TestDefinitionsOnly: a script whose top level stops (demo code before
// the model's class) is read again from its definitions, with a note;
// each line stays where it was.
func TestDefinitionsOnly(t *testing.T) {
	src := `import torch.nn as nn
"""A script: a demo first,
then the model."""
def demo(x):
    return x[0][1]
demo(True)
for i in range(3):
    demo(i)
print("hello",
      "world")
WIDTH = 4
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(WIDTH, 2)
`
	g, err := Decode("s.py", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Nodes) != 1 || g.Nodes[0].Pos.Line != 15 {
		t.Fatalf("nodes %v", g.Nodes)
	}
	if !strings.Contains(strings.Join(g.Notes, "\n"), "s.py:5:") || !strings.Contains(strings.Join(g.Notes, "\n"), "top-level calls and loops left out") {
		t.Errorf("notes %q", g.Notes)
	}
	want := "import torch.nn as nn\n\"\"\"A script: a demo first,\nthen the model.\"\"\"\ndef demo(x):\n    return x[0][1]\n\n\n\n\n\nWIDTH = 4\n"
	if got := string(definitionsOnly([]byte(src))); !strings.HasPrefix(got, want) {
		t.Errorf("definitionsOnly:\n%s", got)
	}
}

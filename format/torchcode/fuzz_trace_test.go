package torchcode

import (
	"errors"
	"os"
	"testing"

	"github.com/layerinfo/layerinfo/infer"
)

// FuzzTrace runs arbitrary text as PyTorch code and traces its model's
// forward on a 2x3x8x8 input (or a 2x5 one of token ids): never a panic;
// the graph it returns, whole or up to a shape error, is valid and
// infers again to the same end.
func FuzzTrace(f *testing.F) {
	if src, err := os.ReadFile("../../examples/torch_mnist.py"); err == nil {
		f.Add(string(src), false)
	}
	f.Add("import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\nclass M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.c = nn.Conv2d(3, 4, 3, padding=1)\n        self.f = nn.Linear(4 * 8 * 8, 2)\n    def forward(self, x):\n        x = F.max_pool2d(F.relu(self.c(x)), 1)\n        b = x.size(0)\n        y = torch.cat([x, x[:, :2]], 1)[..., None].squeeze(-1)\n        return self.f(x.view(b, -1)), y.mean([2, 3]), x.chunk(2, 1)\n", false)
	f.Add("import torch\nimport torch.nn as nn\nclass L(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.e = nn.Embedding(10, 8)\n        self.r = nn.LSTM(8, 4, batch_first=True, bidirectional=True)\n        self.a = nn.MultiheadAttention(8, 2, batch_first=True)\n        self.h = nn.Linear(8, 10)\n        self.h.weight = self.e.weight\n    def forward(self, ids):\n        x = self.e(ids)\n        y, _ = self.r(x)\n        z, w = self.a(y, y, y)\n        return self.h(z + x) @ torch.ones(10, 3)\n", true)
	f.Add("import torch\nimport torch.nn as nn\nclass M(nn.Module):\n    def forward(self, x):\n        while True:\n            x = x + 1\n", false)
	f.Fuzz(func(t *testing.T, src string, tokens bool) {
		opt := Options{MaxSteps: 200000, InputShapes: map[string][]int64{"": {2, 3, 8, 8}}}
		if tokens {
			opt.InputShapes, opt.InputTypes = map[string][]int64{"": {2, 5}}, map[string]string{"": "long"}
		}
		g, err := Decode("fuzz.py", []byte(src), opt)
		var p *Partial
		if errors.As(err, &p) {
			g = p.Graph
		}
		if g == nil {
			return
		}
		if err := g.Validate(); err != nil {
			t.Fatal(err)
		}
		if err := infer.Run(g, infer.Options{}); err != nil {
			t.Fatalf("the traced graph does not infer again: %v", err)
		}
	})
}

package torchcode

import (
	"os"
	"testing"
)

// FuzzDecode runs arbitrary text as PyTorch code: never a panic, and the
// step limit ends what would not (a loop, a huge model) with an error.
func FuzzDecode(f *testing.F) {
	if src, err := os.ReadFile("../../examples/torch_mnist.py"); err == nil {
		f.Add(string(src), "")
		f.Add(string(src), "Net(num_classes=3)")
	}
	f.Add("import torch.nn as nn\nm = nn.Sequential(nn.Linear(3, 4), nn.ReLU())\n", "")
	f.Add("from torch import nn\nclass A(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.l = nn.LSTM(4, 8, num_layers=2, bidirectional=True, proj_size=3)\n", "A()")
	f.Add("import torch\nimport torch.nn as nn\nl = nn.TransformerEncoderLayer(8, 2)\nm = nn.TransformerEncoder(l, 3)\np = nn.Parameter(torch.zeros(2, 3))\n", "m")
	f.Add("import torch.nn as nn\nwhile True:\n    pass\n", "")
	f.Add("import torch\nimport torch.nn as nn\nclass C:\n    n = 2\nm = nn.ModuleList([nn.Linear(C(3).n, 2) for _ in range(2)])\nfor l in m:\n    l.weight.requires_grad = False\nx = m[-1].weight @ m[0].weight\nb = torch.zeros(4, 2).view(-1).unsqueeze(0)\n", "m")
	f.Add("import torch.nn as nn\nm = nn.Linear(1 << 40, 1 << 40)\n", "")
	f.Fuzz(func(t *testing.T, src, entry string) {
		g, err := Decode("fuzz.py", []byte(src), Options{Entry: entry, MaxSteps: 200000})
		if err == nil && g == nil {
			t.Fatal("no graph and no error")
		}
		if g != nil {
			if err := g.Validate(); err != nil {
				t.Fatal(err)
			}
		}
	})
}

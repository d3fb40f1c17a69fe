package main

import "testing"

func init() {
	hostileCases = append(hostileCases,
		// forward calling a module without end: the trace stops at
		// 100,000 layers, at the line of the call, within the budget.
		hostileCase{name: "pytorch forward in a loop", code: 1, want: `loop\.py:9:\d+: layer r \(ReLU\): forward makes more than 100000 layers`, maxMiB: 600,
			make: func(t *testing.T, dir string) []string {
				src := "import torch\nimport torch.nn as nn\nclass M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.r = nn.ReLU()\n    def forward(self, x):\n        for i in range(1000000):\n            x = self.r(x)\n        return x\n"
				return []string{"--input-shape", "1x4", "--json", writeFile(t, dir, "loop.py", []byte(src))}
			}},
		// arithmetic on a tensor without end: the step limit.
		hostileCase{name: "pytorch tensor arithmetic in a loop", code: 1, want: `add\.py:6:\d+: stopped after \d+ steps`,
			make: func(t *testing.T, dir string) []string {
				src := "import torch\nimport torch.nn as nn\nclass M(nn.Module):\n    def forward(self, x):\n        while True:\n            x = x + x[..., None].squeeze(-1)\n"
				return []string{"--input-shape", "1x4", writeFile(t, dir, "add.py", []byte(src))}
			}},
	)
}

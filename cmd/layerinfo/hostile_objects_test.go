package main

import "testing"

// Hostile model code that makes objects without end: a million layers in
// a Lasagne loop, a million modules in a PyTorch Sequential. Each is
// refused at the 100,001st object, at its line, in well under a second
// (before the cap: 15 s and 950 MiB for the Lasagne loop, past 20 s and
// 1 GiB for the Sequential).
func init() {
	file := func(name, src, want string) hostileCase {
		return hostileCase{name: name, code: 1, want: want,
			make: func(t *testing.T, dir string) []string {
				return []string{writeFile(t, dir, "model.py", []byte(src))}
			}}
	}
	hostileCases = append(hostileCases,
		file("lasagne million layers",
			"from lasagne.layers import InputLayer, NonlinearityLayer\nl = InputLayer((None, 10))\nfor i in range(10**6):\n    l = NonlinearityLayer(l)\n",
			`model\.py:4:\d+: the script makes more than 100,000 layers; a model may have at most 100,000`),
		file("pytorch million modules",
			"import torch.nn as nn\nmodel = nn.Sequential(*[nn.ReLU() for _ in range(10**6)])\n",
			`model\.py:2:\d+: making ReLU: the script makes more than 100,000 objects`),
	)
}

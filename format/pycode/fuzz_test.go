package pycode

import (
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/internal/budget"
)

// FuzzDecode runs arbitrary text as model code: it must never panic (a
// recovered panic shows as "internal error"), and the step limit must stop
// every script.
func FuzzDecode(f *testing.F) {
	if seed, err := os.ReadFile("../../examples/mnist_nolearn.py"); err == nil {
		f.Add(string(seed))
	}
	for _, s := range []string{
		header + "l = InputLayer((None, 3, 8, 8))\nl = Conv2DLayer(l, 4, 3, pad='same')\nl = batch_norm(l)\nl = DenseLayer(l, 2)\n",
		header + "l = InputLayer((None, 5, 3))\nl = LSTMLayer(l, 4)\nl = ReshapeLayer(l, ([0], -1))\n",
		header + "a = InputLayer((None, 4))\nb = ConcatLayer([a, a])\nc = SliceLayer(b, slice(1, None, 2))\n",
		"def f():\n    with open('x') as g:\n        yield g\nx = 2 ** 3\na = b = 1\n",
		"class A(B):\n  def f(self): pass\ntry:\n  import x\nexcept:\n  pass\n",
		"try:\n    import cPickle as pickle\nexcept ImportError:\n    import pickle\nfrom datetime import datetime\nif x:\n    from a import b as c\nelse:\n    import d as c\n",
		"while True:\n    pass\n",
		"def f(n):\n    return f(n + 1)\nf(0)\n",
		// Amplifying shapes: one operation that would allocate much more
		// than the file is long, and sources that once prepared slowly.
		"x = [0] * 10**9\n",
		"n = 2**28\nx = n * ('a',)\n",
		"s = 'ab'\nfor i in range(40):\n    s += s\n",
		"x = list(range(10**9))\ny = dict(enumerate(range(10**9)))\n",
		"x = [[[0]*100]*100]*100\ny = str(x)\nz = '%s' % (x,)\n",
		"x = sum([[0] * 1000] * 1000, [])\n",
		"y = '{:999999999}'.format(1) + ','.join(['ab'] * 10**6)\n",
		"z = ('a' * 1000).replace('a', 'b' * 1000000)\n",
		"x = " + strings.Repeat("1+", 200) + "1\n",
		"x = " + strings.Repeat("(", 60) + "1" + strings.Repeat(")", 60) + "\n",
		"a = b = c = d = 1\nx = f(**a, **b, **c)\ny = lambda z\n",
		"x = [\n  'a'\n  'b',\n]\ny = f(*a, k=(v for v in w))\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		g, err := Decode("fuzz.py", []byte(src), Options{MaxSteps: 200000, Budget: budget.New(64 << 20)})
		runtime.ReadMemStats(&after)
		if d := after.TotalAlloc - before.TotalAlloc; d > 512<<20 {
			// The budget is 64 MiB, the steps 200,000: no input needs more.
			t.Fatalf("%q allocated %d MiB", src, d>>20)
		}
		if err != nil {
			if strings.Contains(err.Error(), "internal error") {
				t.Fatalf("panic on %q: %v", src, err)
			}
			return
		}
		if err := g.Validate(); err != nil {
			t.Fatalf("invalid graph from %q: %v", src, err)
		}
		if err := infer.Run(g, infer.Options{KeepGoing: true}); err != nil && strings.Contains(err.Error(), "internal error") {
			t.Fatalf("panic in inference on %q: %v", src, err)
		}
	})
}

// FuzzNotebook reads arbitrary bytes as a Jupyter notebook: an error or a
// graph, never a panic; every position of a graph names a cell.
func FuzzNotebook(f *testing.F) {
	if seed, err := os.ReadFile("testdata/asfound/convnet.ipynb"); err == nil {
		f.Add(seed)
	}
	for _, s := range []string{
		`{"nbformat": 4, "cells": [{"cell_type": "code", "source": ["from lasagne.layers import *\n", "l = DenseLayer(InputLayer((None, 4)), 2)"]}]}`,
		`{"nbformat": 4, "cells": [{"cell_type": "code", "source": "%%time\nl = InputLayer((None, 3))\n!ls\n%matplotlib inline"}, {"cell_type": "markdown", "source": "x"}]}`,
		`{"nbformat": 3, "worksheets": [{"cells": [{"cell_type": "code", "input": "from lasagne.layers import *\nl = InputLayer((None, 2))"}]}]}`,
		`{"nbformat": 4, "cells": [{"cell_type": "code", "source": null}, {"cell_type": "code", "source": ["%%bash\n", "x = ["]}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		g, err := Decode("fuzz.ipynb", src, Options{MaxSteps: 200000})
		if err != nil {
			if strings.Contains(err.Error(), "internal error") {
				t.Fatalf("panic on %q: %v", src, err)
			}
			return
		}
		if err := g.Validate(); err != nil {
			t.Fatalf("invalid graph from %q: %v", src, err)
		}
		for _, n := range g.Nodes {
			if n.Pos.Line > 0 && n.Pos.Cell == 0 {
				t.Fatalf("%s: position %s names no cell", n.Name, n.Pos)
			}
		}
	})
}

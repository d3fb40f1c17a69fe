package pycode

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/stats"
)

// Scripts as people have them: broken ones must fail (a partial model is
// never a result), whole ones must give the exact total whatever
// surrounds the model.

func decodeAsFound(t *testing.T, name, src string, opt Options) (*stats.Report, error) {
	t.Helper()
	g, err := Decode(name, []byte(src), opt)
	if err != nil {
		return nil, err
	}
	if err := g.Validate(); err != nil {
		t.Fatalf("invalid graph: %v", err)
	}
	if err := infer.Run(g, infer.Options{}); err != nil {
		return nil, err
	}
	return stats.Build(g)
}

func TestBuildErrorsAreFatal(t *testing.T) {
	for _, c := range []struct {
		name, src, want string
	}{
		{"misspelt layer between layers (the probe)", `import lasagne
from lasagne.layers import InputLayer, DenseLayer

l = InputLayer((None, 1, 28, 28))
l = lasagne.layers.Conv2DLayr(l, 16, 3)
l = DenseLayer(l, 10)
`, `model.py:5:19: lasagne.layers has no Conv2DLayr (did you mean "Conv2DLayer"?)`},
		{"misspelt last layer", `import lasagne
l = lasagne.layers.InputLayer((None, 4))
l = lasagne.layers.DenseLayer(l, 3)
l = lasagne.layers.DenseLayre(l, 2)
`, `model.py:4:19: lasagne.layers has no DenseLayre (did you mean "DenseLayer"?)`},
		{"IndexError between two layers", `from lasagne.layers import *
sizes = [32, 64]
l = InputLayer((None, 3, 8, 8))
l = Conv2DLayer(l, sizes[0], 3)
n = sizes[2]
l = DenseLayer(l, n)
`, "model.py:5:10: list index 2 out of range"},
		{"error inside the build function layerinfo calls", `from lasagne.layers import *
cfg = {'hidden': 20}

def build_model():
    l = InputLayer((None, 10))
    l = DenseLayer(l, cfg['hidden'])
    l = DenseLayer(l, cfg['hiden'])
    return l
`, `model.py:7:26: key "hiden" not in dict (in build_model)`},
		{"error in the build function after its last layer", `from lasagne.layers import *
def build_model(input_var=None):
    l = InputLayer((None, 10), input_var=input_var)
    l = DenseLayer(l, 5)
    params = [1, 2][5]
    return l
`, "model.py:5:20: list index 5 out of range"},
		{"error in a build function called at top level, after its last layer", `from lasagne.layers import *
def build_model():
    l = DenseLayer(InputLayer((None, 10)), 5)
    names = {}
    print(names['out'])
    return l
net = build_model()
`, `model.py:5:16: key "out" not in dict (in build_model, called from model.py:7:18)`},
		{"error inside a NeuralNet definition", `from nolearn.lasagne import NeuralNet
from lasagne import layers
units = [100]
net = NeuralNet(layers=[('input', layers.InputLayer), ('hidden', layers.DenseLayer), ('output', layers.DenseLayer)],
    input_shape=(None, 9), hidden_num_units=units[0], output_num_units=units[1])
net.fit(X, y)
`, "model.py:5:77: list index 1 out of range"},
		{"a NameError in data code before the model", `from lasagne.layers import *
X = np.load('x.npy')
n_features = X.shape[1]
l = InputLayer((None, 10))
l = DenseLayer(l, n_feature)
`, "model.py:5:5: DenseLayer: num_units"},
		{"layers made by a statement extent cannot see", `from lasagne.layers import *
makers = [DenseLayer, DenseLayer]
l = InputLayer((None, 3))
l = makers[0](l, 4)
x = [1][2]
l = makers[1](l, 2)
`, "model.py:5:8: list index 2 out of range"},
		{"a misspelt nonlinearity", `import lasagne
l = lasagne.layers.InputLayer((None, 3))
l = lasagne.layers.DenseLayer(l, 2, nonlinearity=lasagne.nonlinearities.softmx)
`, `model.py:3:72: lasagne.nonlinearities has no softmx (did you mean "softmax"?)`},
		{"a misspelt library", `from lasange.layers import InputLayer, DenseLayer
l = DenseLayer(InputLayer((None, 3)), 2)
`, "model.py:1:1: cannot import InputLayer from lasange.layers: no lasange/layers.py could be read: modules beside a script are read only when it is given as a file (did you mean lasagne?)"},
		{"a misspelt layer variable", `from lasagne.layers import *
l_in = InputLayer((None, 3))
l_hid = DenseLayer(l_in, 4)
l_out = DenseLayer(l_hidd, 2)
`, "model.py:4:20: name l_hidd is not defined (did you mean l_hid?)"},
		{"an undefined function given the last layer", `from lasagne.layers import *
l = InputLayer((None, 3))
l = DenseLayer(l, 4)
print(id(l))
l = res_block(l)
`, "model.py:5:5: name res_block is not defined"},
		{"an unparsable statement before the last layer", `from lasagne.layers import *
l = InputLayer((None, 10))
first, *rest = [3, 4]
l = DenseLayer(l, first)
`, "model.py:3:8: syntax error: got '*', want primary expression"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := decodeAsFound(t, "model.py", c.src, Options{})
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error:\n  %v\nwant it to contain:\n  %s", err, c.want)
			}
		})
	}
}

func TestErrorsAfterTheModelAreNotes(t *testing.T) {
	for _, c := range []struct {
		name, src, note string
		total           int64
	}{
		{"training loop at top level", `from lasagne.layers import *
l = InputLayer((None, 10))
l = DenseLayer(l, 5)
history = []
for epoch in range(3):
    history.append(epoch)
best = history[10]
`, "model.py:7:15: list index 10 out of range", (10 + 1) * 5},
		{"main() that builds then trains", `from lasagne.layers import *
def main():
    l = InputLayer((None, 10))
    l = DenseLayer(l, 5)
    l = DenseLayer(l, 2)
    scores = {}
    print(scores['val'])

if __name__ == '__main__':
    main()
`, `model.py:7:17: key "val" not in dict (in main, called from model.py:10:9)`, (10+1)*5 + (5+1)*2},
		{"main() called at top level builds, then trains", `from lasagne.layers import *
def train(net, epochs):
    history = []
    return history[-1]
def main():
    l = InputLayer((None, 10))
    l = DenseLayer(l, 5)
    train(l, 10)
main()
`, "model.py:4:19: index -1 out of range: empty list (in train, called from model.py:8:10", (10 + 1) * 5},
		{"training with a missing module's data functions", `from lasagne.layers import *
from utils import iterate_minibatches
l = DenseLayer(InputLayer((None, 4)), 2)
batch_size = 8
n = 0
for batch in iterate_minibatches(X, batch_size):
    n += 1
loss = 1.0 / n
`, "model.py:8:12: floating-point division by zero", (4 + 1) * 2},
		{"the main guard runs, as when the script is run", `from lasagne.layers import *
def build():
    return DenseLayer(InputLayer((None, 10)), 5)
def main():
    net = build()
if __name__ == '__main__':
    main()
x = [1][3]
`, "model.py:8:8: list index 3 out of range", (10 + 1) * 5},
		{"unparsable training statement", `from lasagne.layers import *
l = InputLayer((None, 10))
l = DenseLayer(l, 5)
best, *rest = sorted(losses)
`, "model.py:4: statement skipped", (10 + 1) * 5},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := decodeAsFound(t, "model.py", c.src, Options{})
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if r.Totals.Params != c.total {
				t.Errorf("total %d, want %d", r.Totals.Params, c.total)
			}
			if notes := strings.Join(r.Notes, "\n"); !strings.Contains(notes, c.note) {
				t.Errorf("notes %q do not contain %q", notes, c.note)
			}
		})
	}
}

func TestImportFallback(t *testing.T) {
	src, err := os.ReadFile("testdata/asfound/kfkd_fallback.py")
	if err != nil {
		t.Fatal(err)
	}
	r, err := decodeAsFound(t, "kfkd_fallback.py", string(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	// conv1 (3*3*1+1)*16: 32 → 30, pool → 15; conv2 (2*2*16+1)*32: → 14,
	// pool → 7; hidden (32*7*7+1)*100; output (100+1)*10.
	want := int64((3*3*1+1)*16 + (2*2*16+1)*32 + (32*7*7+1)*100 + (100+1)*10)
	if r.Totals.Params != want || r.Totals.TrainableParams != want {
		t.Errorf("total %d (trainable %d), want %d", r.Totals.Params, r.Totals.TrainableParams, want)
	}
	// The try branch imports layers layerinfo knows: it is the one taken.
	if l := row(t, r, "conv1"); l.Type != "Conv2DCCLayer" {
		t.Errorf("conv1 is a %s, want the cuda_convnet layer of the try branch", l.Type)
	}
}

func TestImportFallbackExcept(t *testing.T) {
	// The try branch cannot be imported (a layer that does not exist, a
	// library that is not there): the except branch binds the names.
	for _, try := range []string{
		"from lasagne.layers.dnn import Conv2DDNNLayerX as ConvLayer",
		"from fastconv import FastConv as ConvLayer",
	} {
		src := "from lasagne import layers\ntry:\n    " + try + "\nexcept ImportError:\n    from lasagne.layers import Conv2DLayer as ConvLayer\nelse:\n    print('fast')\n" +
			"l = layers.InputLayer((None, 3, 8, 8))\nl = ConvLayer(l, 4, 3)\n"
		r, err := decodeAsFound(t, "model.py", src, Options{})
		if err != nil {
			t.Fatalf("%s: %v", try, err)
		}
		if want := int64((3*3*3 + 1) * 4); r.Totals.Params != want {
			t.Errorf("%s: total %d, want %d", try, r.Totals.Params, want)
		}
	}
}

func TestTopLevelAsFound(t *testing.T) {
	src := "\ufeff" + `import sys
import os
import theano
import matplotlib.pyplot as plt
from lasagne.layers import *
from data import load_data

sys.setrecursionlimit(10000)
theano.config.floatX = 'float32'
os.environ['THEANO_FLAGS'] = 'device=gpu'
fig, ax = plt.subplots()
X, y = load_data('train.csv')
(X_val, y_val), _ = load_data('val.csv'), None
n_batches, = X.shape
l = InputLayer((None, 20))
l = DenseLayer(l, 8)
`
	r, err := decodeAsFound(t, "model.py", src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := int64((20 + 1) * 8); r.Totals.Params != want {
		t.Errorf("total %d, want %d", r.Totals.Params, want)
	}
	// The BOM does not move columns: an error on line 1 is at column 1.
	_, err = decodeAsFound(t, "model.py", "\ufeffl = DenseLayr(None, 3)\n", Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "model.py:1:5: unknown layer DenseLayr") {
		t.Errorf("error %v", err)
	}
}

func TestStringLiterals(t *testing.T) {
	// f-strings and adjacent literals, as Python 3 scripts write names and
	// help texts.
	r, err := decodeAsFound(t, "model.py", `import argparse
from lasagne.layers import *
parser = argparse.ArgumentParser(description='a model '
                                 'with a long description')
parser.add_argument('--units', type=int, default=16,  # the units
                    help='how many '   # a comment between
                         "units")
n = int("1" "6")
l = DenseLayer(InputLayer((None, 3)), n, name=('%s' '%d') % ('fc', 7))
for i in range(2):
    l = DenseLayer(l, 4, name=f'blk{i:02d}_{"x"}' f"{{y}}" + 'z')
print(f"{l.output_shape!r:>10} {n=}")
`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	row(t, r, "fc7")
	row(t, r, "blk00_x{y}z")
	if l := row(t, r, "blk01_x{y}z"); l.Params != (4+1)*4 {
		t.Errorf("blk01: %d params", l.Params)
	}
	if want := int64((3+1)*16 + (16+1)*4 + (4+1)*4); r.Totals.Params != want {
		t.Errorf("total %d, want %d", r.Totals.Params, want)
	}
}

func TestDataCodeOnPlaceholders(t *testing.T) {
	// Data preparation before the model, on arrays layerinfo does not
	// load: comparisons, slices with computed bounds, %d formatting and
	// item assignment give placeholders; on real values they are Python's.
	r, err := decodeAsFound(t, "model.py", `import numpy as np
from lasagne.layers import *
X = np.load('x.npy')
if X.shape[0] > 100:
    X = X[:100]
split = X.shape[0] * 4 // 5
X_train, X_val = X[:split], X[split:]
print("%d samples, %.1f%% for training" % (X.shape[0], 80.0))
w = np.zeros((10,)); w[3] = 1
names = ['a', 'b', 'c', 'd']
assert names[1:3] == ['b', 'c'] and names[::-1][0] == 'd' and names[-2:] == ['c', 'd']
n = 3 if len(names) >= 4 and "abcdef"[1:-1:2] == "bd" else 5
l = InputLayer((None, n))
l = DenseLayer(l, len(names[:-1]), name='fc%02d' % 1)
`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// n = 3 inputs, len(names[:-1]) = 3 units: (3+1)*3.
	if l := row(t, r, "fc01"); l.Params != (3+1)*3 {
		t.Errorf("fc01: %d params", l.Params)
	}
	// Real values keep their errors.
	_, err = decodeAsFound(t, "model.py", "from lasagne.layers import *\nl = InputLayer((None, 3))\nx = 'a' < 1\nl = DenseLayer(l, 2)\n", Options{})
	if err == nil || !strings.Contains(err.Error(), "model.py:3:9: string < int not implemented") {
		t.Errorf("error %v", err)
	}
}

func TestStrFormat(t *testing.T) {
	// Python's own results (python3), written here by hand.
	r, err := decodeAsFound(t, "model.py", `from lasagne.layers import *
score = 0.123456
msgs = ["{:.4f}".format(score), '{:>8}|{:<4}|{:^7}'.format('a', 'b', 'c'), '{:,}'.format(1234567), '{0:02d}-{1}'.format(3, 'x'),
        '{name}={val:.2e}'.format(name='lr', val=0.00123), '{!r}'.format('q'),
        '{:+d} {:08.3f} {:x} {:#x} {:.1%}'.format(5, 3.14159, 255, 255, 0.256),
        f"{score:.2f} {score!r} {{lit}}", "{{}} {}".format(1)]
want = ['0.1235', '       a|b   |   c   ', '1,234,567', '03-x', 'lr=1.23e-03', "'q'",
        '+5 0003.142 ff 0xff 25.6%', '0.12 0.123456 {lit}', '{} 1']
bad = [i for i in range(len(msgs)) if msgs[i] != want[i]]
l = DenseLayer(InputLayer((None, 3)), 1 + len(bad), name='fc{:02d}'.format(7))
X = np.load('x.npy')
print('{:.3f}'.format(X.mean()))
`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if l := row(t, r, "fc07"); l.Params != (3+1)*1 {
		t.Errorf("%d strings differ from Python's", l.Params/4-1)
	}
}

func TestSkippedFunctions(t *testing.T) {
	// A data loader Starlark cannot parse gives placeholders when called;
	// a builder it cannot parse is an error when called.
	r, err := decodeAsFound(t, "model.py", `from lasagne.layers import *
def load_data(path):
    head, *rest = open(path).read().split()
    return head, rest
X, y = load_data('train.txt')
l = DenseLayer(InputLayer((None, 7)), 3)
`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Totals.Params != (7+1)*3 {
		t.Errorf("total %d", r.Totals.Params)
	}
	_, err = decodeAsFound(t, "model.py", `from lasagne.layers import *
def build(n):
    first, *rest = [n, 1]
    return DenseLayer(InputLayer((None, 7)), first)
l = build(3)
`, Options{})
	if err == nil || !strings.Contains(err.Error(), "model.py:5:5: cannot call build: model.py:2: function build skipped: syntax error") {
		t.Errorf("error %v", err)
	}
}

func TestWhatBuildsTheModel(t *testing.T) {
	// Calls that read or reshape data are not layers: an error after them
	// is after the model. x.flatten(), a dict named layers, get_output.
	src := `import lasagne
from lasagne.layers import InputLayer, DenseLayer
import theano.tensor as T

def gram(x):
    x = x.flatten(ndim=3)
    return T.tensordot(x, x, axes=([2], [2]))

l = InputLayer((None, 10))
l = DenseLayer(l, 5)
layers = {'out': l}
feats = {}
loss = gram(feats['out'])
out = lasagne.layers.get_output(layers.values())
g = gram(out).reshape((1, 3))
`
	r, err := decodeAsFound(t, "model.py", src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Totals.Params != (10+1)*5 {
		t.Errorf("total %d", r.Totals.Params)
	}
	if notes := strings.Join(r.Notes, "\n"); !strings.Contains(notes, `model.py:13:18: key "out" not in dict`) {
		t.Errorf("notes %q", notes)
	}
}

func TestLayerAttributeAssignment(t *testing.T) {
	// A script's own batch_norm, as Lasagne's: it takes the layer's
	// nonlinearity and drops its bias by assignment.
	r, err := decodeAsFound(t, "model.py", `import lasagne
from lasagne.layers import *

def batch_norm(layer):
    nonlinearity = getattr(layer, 'nonlinearity', None)
    if nonlinearity is not None:
        layer.nonlinearity = lasagne.nonlinearities.identity
    if hasattr(layer, 'b') and layer.b is not None:
        del layer.params[layer.b]
        layer.b = None
    layer = BatchNormLayer(layer)
    if nonlinearity is not None:
        layer = NonlinearityLayer(layer, nonlinearity)
    return layer

l = InputLayer((None, 3, 8, 8))
l = batch_norm(Conv2DLayer(l, 4, 3, name='conv'))
`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// conv without its bias 3*3*3*4; batch norm 4*4.
	if l := row(t, r, "conv"); l.Params != 3*3*3*4 {
		t.Errorf("conv: %d params", l.Params)
	}
	if r.Totals.Params != 3*3*3*4+4*4 {
		t.Errorf("total %d", r.Totals.Params)
	}
}

func TestConditionalImports(t *testing.T) {
	// Imports under an if run where they are written: the branch taken
	// binds the name (before, the last import won).
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "models.py"), []byte(`from lasagne.layers import *
def Plain(l, n):
    return DenseLayer(l, n)
def Wide(l, n):
    return DenseLayer(DenseLayer(l, 4 * n), n)
`), 0o644)
	r, err := decodeAsFound(t, "train.py", `import sys
from lasagne.layers import InputLayer
variant = sys.argv[1] if len(sys.argv) > 1 else 'plain'
if variant == 'plain':
    from models import Plain as Net
elif variant == 'wide':
    from models import Wide as Net
l = Net(InputLayer((None, 8)), 2)
`, Options{Dir: os.DirFS(dir)})
	if err != nil {
		t.Fatal(err)
	}
	// Plain: (8+1)*2; Wide would be (8+1)*8 + (8+1)*2.
	if r.Totals.Params != (8+1)*2 {
		t.Errorf("total %d, want the plain variant's %d", r.Totals.Params, (8+1)*2)
	}
	// A condition on a value layerinfo does not know (a command-line
	// argument) takes no branch: the first branch's import is bound.
	r, err = decodeAsFound(t, "train.py", `import argparse
from lasagne.layers import InputLayer
parser = argparse.ArgumentParser()
parser.add_argument('--variant', default='plain')
args = parser.parse_args()
if args.variant == 'plain':
    from models import Plain as Net
elif args.variant == 'wide':
    from models import Wide as Net
    from lasagne.layers import NoSuchLayer
l = Net(InputLayer((None, 8)), 2)
`, Options{Dir: os.DirFS(dir)})
	if err != nil {
		t.Fatal(err)
	}
	if r.Totals.Params != (8+1)*2 {
		t.Errorf("total %d, want the first branch's %d", r.Totals.Params, (8+1)*2)
	}
}

func TestPythonAsFound(t *testing.T) {
	// Generators whose loop does not run, loops over pairs of placeholders,
	// slice assignment, *args before keywords.
	r, err := decodeAsFound(t, "model.py", `import numpy as np
from lasagne.layers import *

def batches(X, y, size):
    for i in range(0, len(X) - size + 1, size):
        yield X[i:i + size], y[i:i + size]

def show(*images, **kw):
    return len(images)

X, y = np.load('x.npy'), np.load('y.npy')
for Xb, yb in batches(X, y, 128):
    pass
for Xb, yb in [(X, y), batches(X, y, 2)]:
    pass
X[:] = 0
sizes = [1, 2, 3, 4]
sizes[1:3] = [16]
n = show(X, *[X, X], title='inputs')
l = InputLayer((None, n))
l = DenseLayer(l, sizes[1])
`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// n = 3 images; sizes = [1, 16, 4]: (3+1)*16.
	if r.Totals.Params != (3+1)*16 {
		t.Errorf("total %d", r.Totals.Params)
	}
}

func TestSiblingModules(t *testing.T) {
	dir := "testdata/asfound/siblings"
	src, err := os.ReadFile(filepath.Join(dir, "train.py"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := decodeAsFound(t, "train.py", string(src), Options{Dir: os.DirFS(dir)})
	if err != nil {
		t.Fatal(err)
	}
	// conv_bn (layers.py): conv 3*3*3*8 without bias, batch norm 4*8 (2*8
	// trainable); conv2dbn (utils/layer_macros.py): (3*3*8+1)*16, 16 → 14,
	// pool → 7; res.plain (blocks/residual.py): no parameters;
	// dense_block (helpers.py): (16*7*7+1)*32; out: (32+1)*10.
	want := int64(3*3*3*8 + 4*8 + (3*3*8+1)*16 + (16*7*7+1)*32 + (32+1)*10)
	if r.Totals.Params != want || r.Totals.TrainableParams != want-2*8 {
		t.Errorf("total %d (trainable %d), want %d (%d)", r.Totals.Params, r.Totals.TrainableParams, want, want-2*8)
	}
	// Layers made in a module point at the module's line.
	var conv *stats.Layer
	for i, l := range r.Layers {
		if l.Type == "Conv2DLayer" {
			conv = &r.Layers[i]
			break
		}
	}
	if conv == nil || conv.Position != "layers.py:5:23" {
		t.Errorf("first conv at %v, want layers.py:5:23", conv)
	}
}

func TestSiblingModuleErrors(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	write := func(d, name, text string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(d, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(outside, "helpers.py", "from lasagne.layers import *\ndef block(l):\n    return DenseLayer(l, 3)\n")
	if err := os.Symlink(filepath.Join(outside, "helpers.py"), filepath.Join(dir, "helpers.py")); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "lib")); err != nil {
		t.Fatal(err)
	}
	write(dir, "broken.py", "from lasagne.layers import *\ndef block(l):\n    return DenseLayer(l, [3][1])\n")
	write(dir, "a.py", "import b\n")
	write(dir, "b.py", "import a\n")
	write(dir, "pkg/macros/__init__.py", "from lasagne.layers import DenseLayer\ndef block(l):\n    return DenseLayer(l, 3)\n")
	// A module too large to read (sparse: nothing is written), and a FIFO,
	// which must not be opened (opening one would wait for a writer).
	if f, err := os.Create(filepath.Join(dir, "huge.py")); err == nil {
		f.Truncate(MaxModuleSize + 1)
		f.Close()
	}
	fifo := mkfifo(filepath.Join(dir, "pipe.py"))
	fsys := os.DirFS(dir)
	for _, c := range []struct {
		name, src, want string
	}{
		{"missing module importing a layer", "from lasagne.layers import *\nfrom layers import RMSPoolLayer\nl = InputLayer((None, 3))\nl = RMSPoolLayer(l)\n",
			"train.py:2:1: cannot import RMSPoolLayer from layers: no layers.py beside train.py"},
		{"missing module star import", "from lasagne.layers import *\nfrom layers import *\nl = InputLayer((None, 3))\nl = RMSPoolLayer(l)\n",
			"train.py:2:1: cannot import RMSPoolLayer from layers: no layers.py beside train.py"},
		{"missing module's function given a layer", "from lasagne.layers import *\nfrom blocks import res_block\nimport seaborn\nl = InputLayer((None, 3))\nl = res_block(l, 64)\n",
			"train.py:2:1: cannot import res_block from blocks: no blocks.py beside train.py"},
		{"missing module given a layer after the last known layer", "from lasagne.layers import *\nimport blocks\nl = InputLayer((None, 3))\nl = DenseLayer(l, 4)\nl = blocks.res(l)\n",
			"train.py:2:1: cannot import blocks: no blocks.py beside train.py"},
		{"symlink to a file outside", "from lasagne.layers import *\nimport helpers\nl = InputLayer((None, 3))\nl = helpers.block(l)\n",
			"train.py:2:1: cannot import helpers: no helpers.py beside train.py"},
		{"symlinked directory", "from lasagne.layers import *\nfrom lib.helpers import block\nl = InputLayer((None, 3))\nl = block(l)\n",
			"train.py:2:1: cannot import block from lib.helpers: no lib/helpers.py beside train.py"},
		{"error in a module", "from lasagne.layers import *\nfrom broken import block\nl = InputLayer((None, 3))\nl = block(l)\nl = DenseLayer(l, 2)\n",
			"broken.py:3:29: list index 1 out of range [-1:0] (in block, called from train.py:4:10)"},
		{"import cycle", "import a\n", "import cycle"},
		{"a module too large", "import huge\n", "train.py:1:1: cannot import huge: huge.py has 16777217 bytes; a module may have at most 16777216"},
		{"nothing built, a star import missing", "from lasagne.layers import *\nfrom zoo import *\nnet = build_unet(3)\nout = get_all_layers(net['out'])\n",
			"train.py:4:21: get_all_layers expects a layer or a list of layers, got a value computed by build_unet(…)[\"out\"], which layerinfo cannot evaluate; the model may come from what could not be imported: train.py:2:1: cannot import zoo: no zoo.py beside train.py"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := decodeAsFound(t, "train.py", c.src, Options{Dir: fsys})
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error:\n  %v\nwant it to contain:\n  %s", err, c.want)
			}
		})
	}
	if fifo {
		_, err := decodeAsFound(t, "train.py", "from lasagne.layers import *\nfrom pipe import block\nl = block(InputLayer((None, 3)))\n", Options{Dir: fsys})
		if err == nil || !strings.Contains(err.Error(), "cannot import block from pipe: no pipe.py beside train.py") {
			t.Errorf("FIFO: %v", err)
		}
	}
	// A package directory's __init__.py.
	r, err := decodeAsFound(t, "train.py", "from lasagne.layers import *\nfrom pkg.macros import block\nl = block(InputLayer((None, 4)))\n", Options{Dir: fsys})
	if err != nil || r.Totals.Params != (4+1)*3 {
		t.Errorf("package: %v, %v", r, err)
	}
	// A library that is not used for layers stays a placeholder.
	r, err = decodeAsFound(t, "train.py", "import seaborn as sns\nfrom plotting import plot_loss\nfrom lasagne.layers import *\nsns.set()\nl = InputLayer((None, 3))\nl = DenseLayer(l, 2)\nplot_loss([0.5])\n", Options{Dir: fsys})
	if err != nil || r.Totals.Params != (3+1)*2 {
		t.Errorf("placeholders: %v, %v", r, err)
	}
}

func TestNotebook(t *testing.T) {
	src, err := os.ReadFile("testdata/asfound/convnet.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	g, err := Decode("convnet.ipynb", src, Options{})
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
	// conv (5*5*1+1)*32: 28 → 24, pool → 12; out (32*12*12+1)*10.
	if want := int64((5*5*1+1)*32 + (32*12*12+1)*10); r.Totals.Params != want {
		t.Errorf("total %d, want %d", r.Totals.Params, want)
	}
	// Code cells are counted (the markdown ones are not), lines within the cell.
	if l := row(t, r, "conv"); l.Position != "convnet.ipynb: cell 3 line 3" {
		t.Errorf("conv at %q", l.Position)
	}
	if notes := strings.Join(r.Notes, "\n"); !strings.Contains(notes, "convnet.ipynb: cell 5 line 7: statement skipped") {
		t.Errorf("notes %q", notes)
	}
	// An error names its cell.
	bad := strings.Replace(string(src), `Conv2DLayer(net, 32, 5, name='conv')`, `Conv2DLayr(net, 32, 5, name='conv')`, 1)
	_, err = Decode("convnet.ipynb", []byte(bad), Options{})
	if err == nil || !strings.HasPrefix(err.Error(), `convnet.ipynb: cell 3 line 3: unknown layer Conv2DLayr (did you mean "Conv2DLayer"?)`) {
		t.Errorf("error %v", err)
	}
	var pe *graph.Error
	if !errors.As(err, &pe) {
		t.Errorf("the error %T does not unwrap to its position", err)
	}
	// A line named in a message is named by its cell too.
	custom := `{"nbformat": 4, "cells": [{"cell_type": "code", "source": ["import lasagne\n", "class Pool(lasagne.layers.Layer):\n", "    def get_output_shape_for(self, s):\n", "        return s\n"]},
 {"cell_type": "markdown", "source": "text"}, {"cell_type": "code", "source": "l = Pool(lasagne.layers.InputLayer((None, 3)))"}]}`
	_, err = Decode("custom.ipynb", []byte(custom), Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "custom.ipynb: cell 2 line 1: Pool: Pool is a Python class (cell 1 line 2) with its own get_output_shape_for") {
		t.Errorf("error %v", err)
	}
	// %run helpers.py reads the module beside the notebook.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "helpers.py"), []byte("from lasagne.layers import DenseLayer\ndef head(l):\n    return DenseLayer(l, 3)\n"), 0o644)
	run := `{"nbformat": 4, "cells": [{"cell_type": "code", "source": ["%run helpers.py\n", "from lasagne.layers import InputLayer\n", "l = head(InputLayer((None, 5)))"]}]}`
	g, err = Decode("run.ipynb", []byte(run), Options{Dir: os.DirFS(dir)})
	if err != nil {
		t.Fatal(err)
	}
	if err := infer.Run(g, infer.Options{}); err != nil {
		t.Fatal(err)
	}
	if r, err := stats.Build(g); err != nil || r.Totals.Params != (5+1)*3 {
		t.Errorf("%%run: %v, want a total of %d", err, (5+1)*3)
	}
	// nbformat 3 and a notebook read without its name.
	v3 := `{"nbformat": 3, "worksheets": [{"cells": [{"cell_type": "code", "input": ["from lasagne.layers import *\n", "l = DenseLayer(InputLayer((None, 4)), 2)"]}]}]}`
	if !IsNotebook("-", []byte(v3)) {
		t.Fatal("not sniffed as a notebook")
	}
	g, err = Decode("-", []byte(v3), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := infer.Run(g, infer.Options{}); err != nil {
		t.Fatal(err)
	}
	if r, err := stats.Build(g); err != nil || r.Totals.Params != (4+1)*2 {
		got := int64(-1)
		if r != nil {
			got = r.Totals.Params
		}
		t.Errorf("v3 total %d", got)
	}
	for _, s := range []string{`{"nbformat": 4, "cells": [{"cell_type": "code", "source": 3}]}`, `{"cells": []}`, `{"nbformat": 4, "cells": []}`, "[1"} {
		if _, err := Decode("x.ipynb", []byte(s), Options{}); err == nil {
			t.Errorf("%s: no error", s)
		}
	}
	_ = graph.Pos{}
}

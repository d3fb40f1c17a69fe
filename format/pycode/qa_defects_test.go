package pycode

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/format"
)

// Defects found by running real Lasagne/nolearn files as they are
// found (QA report of 2026-11-29): each case is a small file written
// after the real file's pattern, with its total derived by hand from
// Lasagne's and nolearn's definitions.

// asFoundTotal decodes src and checks its total and trainable count.
func asFoundTotal(t *testing.T, name, src string, opt Options, want, trainable int64) {
	t.Helper()
	r, err := decodeAsFound(t, name, src, opt)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if r.Totals.Params != want || r.Totals.TrainableParams != trainable {
		t.Errorf("%s: total %d (trainable %d), want %d (%d)", name, r.Totals.Params, r.Totals.TrainableParams, want, trainable)
	}
}

// D1: nolearn 0.6's NeuralNet.__init__ still takes eval_size (it sets
// train_split's eval_size) and custom_score (appended to custom_scores),
// with a deprecation warning: they are not unused keywords.
func TestNolearnDeprecatedKeywords(t *testing.T) {
	for _, kw := range []string{"eval_size=0.01", `custom_score=("acc", None)`} {
		src := `from lasagne import layers
from nolearn.lasagne import NeuralNet
net = NeuralNet(
    layers=[('input', layers.InputLayer), ('output', layers.DenseLayer)],
    input_shape=(None, 784),
    output_num_units=10,
    ` + kw + `,
    max_epochs=10,
)
`
		// Dense 784 → 10: (784+1)*10 = 7,850.
		asFoundTotal(t, "net.py", src, Options{}, 7850, 7850)
	}
	// A keyword that is neither nolearn's nor a layer's is still refused.
	_, err := decodeAsFound(t, "net.py", `from lasagne import layers
from nolearn.lasagne import NeuralNet
net = NeuralNet(layers=[('input', layers.InputLayer), ('output', layers.DenseLayer)],
    input_shape=(None, 784), output_num_units=10, eval_sise=0.2)
`, Options{})
	if err == nil || !strings.Contains(err.Error(), "unused keyword eval_sise") {
		t.Errorf("got %v, want the unused keyword eval_sise", err)
	}
}

// D9: nolearn checks only **kwargs for keys that name no layer
// (_check_for_unused_kwargs), never more_params, whose unused keys are
// ignored (nolearn's own test_visualize.py has hidden1_num_units there).
func TestNolearnMoreParamsUnusedKey(t *testing.T) {
	src := `from lasagne.layers import Conv2DLayer, DenseLayer, MaxPool2DLayer, InputLayer
from lasagne.nonlinearities import softmax
from nolearn.lasagne import NeuralNet
nn = NeuralNet(
    layers=[
        ('input', InputLayer),
        ('conv1', Conv2DLayer),
        ('conv2', Conv2DLayer),
        ('pool2', MaxPool2DLayer),
        ('output', DenseLayer),
        ],
    input_shape=(None, 1, 28, 28),
    output_num_units=10,
    output_nonlinearity=softmax,
    more_params=dict(
        conv1_filter_size=(5, 5), conv1_num_filters=16,
        conv2_filter_size=(3, 3), conv2_num_filters=16,
        pool2_pool_size=(8, 8),
        hidden1_num_units=16,
        ),
    max_epochs=3,
    )
`
	// conv1: 5*5*1*16+16 = 416, 28 → 24; conv2: 3*3*16*16+16 = 2,320,
	// 24 → 22; pool2 8x8: floor((22-8)/8)+1 = 2; output: (16*2*2+1)*10
	// = 650. Total 3,386.
	asFoundTotal(t, "net.py", src, Options{}, 3386, 3386)
}

// D8: Python allows spaces around the dots of a dotted module name.
func TestImportWithSpacedDots(t *testing.T) {
	src := `import lasagne
from lasagne. updates import adam
import os . path as osp
l_in = lasagne.layers.InputLayer(shape=(None, 10))
l_out = lasagne.layers.DenseLayer(l_in, 3)
updates = adam
`
	// (10+1)*3 = 33.
	asFoundTotal(t, "model.py", src, Options{}, 33, 33)
	prep := prepare("from lasagne .  layers import DenseLayer\n")
	if len(prep.Imports) != 1 || prep.Imports[0].Path != "lasagne.layers.DenseLayer" {
		t.Errorf("imports %+v, want lasagne.layers.DenseLayer", prep.Imports)
	}
}

// D4: a layer class imported from a module that is not there is an
// error only where the model uses it.
func TestUnusedMissingLayerImport(t *testing.T) {
	src := `import lasagne
from deep_learning.deep_learning_layers import ConvolutionLayer, PoolLayer

def build_model():
    l0 = lasagne.layers.InputLayer(shape=(None, 256))
    l_dense = lasagne.layers.DenseLayer(l0, num_units=1, b=None)
    return l_dense
`
	// 256*1 weights, no bias: 256.
	asFoundTotal(t, "model.py", src, Options{}, 256, 256)
	used := strings.Replace(src, "l_dense = lasagne.layers.DenseLayer(l0,", "l_dense = ConvolutionLayer(l0,", 1)
	_, err := decodeAsFound(t, "model.py", used, Options{})
	want := "model.py:2:1: cannot import ConvolutionLayer from deep_learning.deep_learning_layers"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v, want %q", err, want)
	}
	// Called with no layer (its input from keywords the module defines),
	// it is still the import's error.
	nolayer := strings.Replace(src, "l_dense = lasagne.layers.DenseLayer(l0, num_units=1, b=None)", "l_dense = ConvolutionLayer(shape=(None, 256))", 1)
	_, err = decodeAsFound(t, "model.py", nolayer, Options{})
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v, want %q", err, want)
	}
}

// M1: an error about a layer being made is not blamed on a module
// that could not be imported.
func TestMissingModuleNotBlamedForLayerErrors(t *testing.T) {
	src := `from util import load2d
from lasagne import layers
from nolearn.lasagne import NeuralNet
X, y = load2d()
net = NeuralNet(layers=[('input', layers.InputLayer), ('output', layers.DenseLayer)],
    input_shape=(None, 9216), output_num_units=30)
`
	_, err := decodeAsFound(t, "kfkd.py", src, Options{InputShapes: map[string][]int64{"": {-1, 1, 96, 96}}})
	if err == nil || !strings.Contains(err.Error(), "the input shape given has 4 axes") || strings.Contains(err.Error(), "could not be imported") {
		t.Errorf("got %v, want the input shape error alone", err)
	}
}

// D5: a script's if __name__ == "__main__": block runs, as it does when
// the script is run.
func TestMainGuardRuns(t *testing.T) {
	src := `import lasagne

if __name__ == "__main__":
    l_in = lasagne.layers.InputLayer(shape=(None, 50, 8))
    l_gru = lasagne.layers.GRULayer(l_in, num_units=16)
    l_out = lasagne.layers.DenseLayer(l_gru, num_units=4)
`
	// GRU: three gates of W_in 8*16, W_hid 16*16, b 16 = 400 each, 1,200;
	// hid_init 1*16 = 16, not trainable (learn_init=False). Dense after
	// flattening 50*16: (800+1)*4 = 3,204. Total 4,420, trainable 4,404.
	asFoundTotal(t, "model.py", src, Options{}, 4420, 4404)

	// A block that stops before building anything (a configuration it
	// does not find): the model is what the build function makes, with
	// the block's error as a note.
	argv := `import sys
import lasagne
def build_model(input_var=None):
    l = lasagne.layers.InputLayer((None, 10), input_var=input_var)
    return lasagne.layers.DenseLayer(l, 3)
if __name__ == '__main__':
    data = {}['train']
    net = build_model()
`
	r, err := decodeAsFound(t, "model.py", argv, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// (10+1)*3 = 33.
	if r.Totals.Params != 33 || !strings.Contains(strings.Join(r.Notes, "\n"), `model.py:7:14: key "train" not in dict`) {
		t.Errorf("total %d, notes %q; want 33 and the block's error", r.Totals.Params, r.Notes)
	}
	// With no build function, the block's error is the answer.
	_, err = decodeAsFound(t, "model.py", `import sys
import lasagne
if __name__ == '__main__':
    n = {}['n']
    l = lasagne.layers.DenseLayer(lasagne.layers.InputLayer((None, n)), 3)
`, Options{})
	if err == nil || !strings.Contains(err.Error(), `model.py:4:11: key "n" not in dict`) {
		t.Errorf("got %v, want the block's error", err)
	}
	// A command-line argument the block reads is a value the file cannot
	// know (a script run without its arguments sees only its name).
	_, err = decodeAsFound(t, "model.py", `import sys
import lasagne
if __name__ == '__main__':
    n = int(sys.argv[1])
    l = lasagne.layers.DenseLayer(lasagne.layers.InputLayer((None, n)), 3)
`, Options{})
	if err == nil || !strings.Contains(err.Error(), "n = int(sys.argv[1]) (line 4); give the value of n") {
		t.Errorf("got %v, want the argument named", err)
	}
	asFoundTotal(t, "model.py", `import sys
import lasagne
if __name__ == '__main__':
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    l = lasagne.layers.DenseLayer(lasagne.layers.InputLayer((None, n)), 3)
`, Options{}, (5+1)*3, (5+1)*3)
	// An error before the block that builds the model is an error.
	_, err = decodeAsFound(t, "model.py", `from lasagne.layers import *
net = DenseLayer(InputLayer((None, 4)), 2)
x = [1][3]
if __name__ == '__main__':
    net2 = DenseLayer(InputLayer((None, 10)), 5)
`, Options{})
	if err == nil || !strings.Contains(err.Error(), "model.py:3:8: list index 3 out of range") {
		t.Errorf("got %v, want the error before the block", err)
	}
}

// D2: Python's chained comparisons, which Starlark's parser refuses.
func TestChainedComparisons(t *testing.T) {
	// Called before the model, a data loader with a chain runs (it used
	// to be skipped, and calling it was an error).
	loader := `import numpy as np
import lasagne

def get_dataset(n):
    x = np.random.random((100, n))
    for i in x:
        if 0.3 < i[0] < 0.7:
            pass
    return x

xx = get_dataset(10)
l_in = lasagne.layers.InputLayer(shape=(None, 10))
l_out = lasagne.layers.DenseLayer(l_in, 3)
`
	// (10+1)*3 = 33.
	asFoundTotal(t, "model.py", loader, Options{}, 33, 33)
	// Evaluated as Python does: 0 < 5 < 10 is true, 0 < 5 < 3 false, so
	// n = 4; 1 < 2 > 3 is false (each pair), so m = 6.
	src := `import lasagne
a = 5
n = 4 if 0 < a < 10 and not 0 < a < 3 else 9
m = 7 if 1 < 2 > 3 else 6
if 0 < a < 10:
    l = lasagne.layers.InputLayer(shape=(None,
        10))
l = lasagne.layers.DenseLayer(l, n)
l = lasagne.layers.DenseLayer(l, m)
`
	// (10+1)*4 + (4+1)*6 = 44 + 30 = 74.
	asFoundTotal(t, "model.py", src, Options{}, 74, 74)
	// Positions after a rewritten chain do not move.
	_, err := decodeAsFound(t, "model.py", src+"l = lasagne.layers.DenseLayr(l, 2)\n", Options{})
	if err == nil || !strings.Contains(err.Error(), "model.py:10:19:") {
		t.Errorf("got %v, want the error at model.py:10:19", err)
	}
}

// D6, D7: a Theano scalar in a ReshapeLayer's shape is a size known when
// the graph runs: Lasagne makes that axis None (and a -1 inferred
// against it None). The input variable a build function is called with
// is a Theano variable, as the script's own caller passes.
func TestReshapeTheanoScalar(t *testing.T) {
	build := `import lasagne
import theano.tensor as T

def build_model(input_var):
    l_in = lasagne.layers.InputLayer(shape=(None, 1, 8, 8), input_var=input_var)
    l_hid = lasagne.layers.DenseLayer(l_in, num_units=64)
    l_rs = lasagne.layers.ReshapeLayer(l_hid, (input_var.shape[0], 1, 8, 8))
    return l_rs
`
	for _, src := range []string{build, build + "\nx = T.tensor4('x')\nnet = build_model(x)\n"} {
		r, err := decodeAsFound(t, "model.py", src, Options{})
		if err != nil {
			t.Fatal(err)
		}
		// Dense 64 → 64: (64+1)*64 = 4,160; reshape (None, 1, 8, 8).
		if r.Totals.Params != 4160 {
			t.Errorf("total %d, want 4160", r.Totals.Params)
		}
		if s := shape(row(t, r, "reshape2").OutputShapes[0]); s != "None,1,8,8" {
			t.Errorf("reshape %s, want None,1,8,8", s)
		}
	}
	// A -1 beside a symbolic size is None too; a -1 beside sizes alone
	// is still inferred (64 = 4*16).
	r, err := decodeAsFound(t, "model.py", `import lasagne
import theano.tensor as T
x = T.matrix('x')
l = lasagne.layers.InputLayer((None, 64), input_var=x)
a = lasagne.layers.ReshapeLayer(l, (x.shape[0] * 2, -1), name='a')
b = lasagne.layers.ReshapeLayer(l, ([0], 4, -1), name='b')
`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s := shape(row(t, r, "a").OutputShapes[0]); s != "None,None" {
		t.Errorf("a %s, want None,None", s)
	}
	if s := shape(row(t, r, "b").OutputShapes[0]); s != "None,4,16" {
		t.Errorf("b %s, want None,4,16", s)
	}
	// A size from data is not a Theano scalar: it is still named.
	_, err = decodeAsFound(t, "model.py", `import lasagne
import numpy as np
X = np.load('x.npy')
l = lasagne.layers.InputLayer((None, 64))
l = lasagne.layers.ReshapeLayer(l, (-1, int(X.shape[1])))
`, Options{})
	if err == nil || !strings.Contains(err.Error(), "comes from data") {
		t.Errorf("got %v, want a size from data", err)
	}
}

// M3: Python 2 syntax before the model: long integers (10L) and the
// tuple parameters of a lambda.
func TestPython2LongAndLambdaTuples(t *testing.T) {
	src := `import lasagne
n = 10L
big = 0x10L
pairs = sorted({'a': 3, 'b': 2}.items(), key=lambda (k, v): v)
units = pairs[0][1] * n + big - 16
l = lasagne.layers.InputLayer((None, 5))
l = lasagne.layers.DenseLayer(l, units)
s = 'keep 10L in strings'
`
	// sorted by value: ('b', 2) first, so units = 2*10 + 16 - 16 = 20;
	// Dense 5 → 20: (5+1)*20 = 120.
	asFoundTotal(t, "model.py", src, Options{}, 120, 120)
	if p := prepare(src); !strings.Contains(p.Text, "'keep 10L in strings'") || !strings.Contains(p.Text, "n = 10 \n") {
		t.Errorf("prepared text %q", p.Text)
	}
}

// D3: a model built in a method of a class of the file.
func TestModelInClassMethod(t *testing.T) {
	src := `import lasagne

class Model(object):
    def __init__(self):
        self.network = self._setup_network()

    def _setup_network(self):
        network = lasagne.layers.InputLayer(shape=(None, 1, 28, 28))
        network = lasagne.layers.DenseLayer(network, num_units=10)
        return network
`
	// Dense 784 → 10: (784+1)*10 = 7,850; Model() runs __init__.
	for _, entry := range []string{"", "Model._setup_network", "Model", "Model()"} {
		r, err := decodeAsFound(t, "model.py", src, Options{Entry: entry})
		if err != nil {
			t.Fatalf("--entry %q: %v", entry, err)
		}
		if r.Totals.Params != 7850 {
			t.Errorf("--entry %q: total %d, want 7850", entry, r.Totals.Params)
		}
	}
	// State set by __init__, helper methods, a base class of the file,
	// @staticmethod and @property, an instance made at top level.
	full := `import lasagne
from lasagne.layers import InputLayer, DenseLayer

class Base(object):
    def dense(self, l, n):
        return DenseLayer(l, n, name='d%d' % n)

class Net(Base):
    """A network."""
    kind = 'mlp'

    def __init__(self, n_in, hidden=32):
        self.n_in = n_in
        self.hidden = hidden

    @staticmethod
    def out_units():
        return 10

    @property
    def shape(self):
        return (None, self.n_in)

    def build(self):
        l = InputLayer(self.shape)
        l = self.dense(l, self.hidden)
        return self.dense(l, Net.out_units())

    def train(self, X):
        return X[:, 0, ::2]

net = Net(20).build()
`
	// (20+1)*32 + (32+1)*10 = 672 + 330 = 1,002.
	asFoundTotal(t, "model.py", full, Options{}, 1002, 1002)

	// An error in a method names it as written.
	bad := strings.Replace(src, "num_units=10)", "num_units=[10][1])", 1)
	_, err := decodeAsFound(t, "model.py", bad, Options{})
	if err == nil || !strings.Contains(err.Error(), "in Model._setup_network") {
		t.Errorf("got %v, want the error in Model._setup_network", err)
	}
	// --entry names a method that is not there.
	_, err = decodeAsFound(t, "model.py", src, Options{Entry: "Model.build"})
	if err == nil || !strings.Contains(err.Error(), "class Model has no method build (it has __init__, _setup_network)") {
		t.Errorf("got %v", err)
	}
	// A method Starlark cannot parse that builds nothing is left out.
	odd := strings.Replace(src, "        return network\n", "        return network\n\n    def stats(self):\n        a, *rest = self.x\n        return rest\n", 1)
	r, err := decodeAsFound(t, "model.py", odd, Options{})
	if err != nil || r.Totals.Params != 7850 || !strings.Contains(strings.Join(r.Notes, "\n"), "method Model.stats skipped") {
		t.Errorf("got %v, notes %v; want 7850 and a note", err, r)
	}
}

// M4: what builds the model but needs arguments the file never gives is
// named, with the --entry form.
func TestNoNetworkNamesBuilders(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{`from lasagne import layers
from nolearn.lasagne import NeuralNet
def NNet(X, y, test):
    net = NeuralNet(layers=[('input', layers.InputLayer), ('output', layers.DenseLayer)],
        input_shape=(None, X.shape[1]), output_num_units=2)
    return net
`, "NNet(X, y, test) (line 3); name it as the entry point, e.g. NNet(X, y, test) (a name in the call"},
		{`from lasagne.layers import InputLayer, DenseLayer
class CNN:
    def make_cnn(self, X, y):
        return DenseLayer(InputLayer((None, X.shape[1])), 2)
`, "CNN.make_cnn(X, y) (line 3); name it as the entry point, e.g. CNN.make_cnn(X, y) (a name in the call"},
	} {
		_, err := decodeAsFound(t, "model.py", c.src, Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
	// A module that could not be imported is not blamed then.
	_, err := decodeAsFound(t, "model.py", `from basic_network import BasicNetwork
from lasagne.layers import InputLayer, DenseLayer
class Net(BasicNetwork):
    def setup(self, X):
        return DenseLayer(InputLayer((None, X.shape[1])), 2)
`, Options{})
	var me *format.MissingError
	if !errors.As(err, &me) || me.Option != "entry" || me.Value != "'Net.setup(X)'" || !strings.Contains(err.Error(), "e.g. Net.setup(X)") || strings.Contains(err.Error(), "cannot import") {
		t.Errorf("got %v, want Net.setup named and no import blamed", err)
	}
	// Given so, the data's sizes are named.
	_, err = decodeAsFound(t, "model.py", `from lasagne.layers import InputLayer, DenseLayer
class CNN:
    def make_cnn(self, X, y):
        return DenseLayer(InputLayer((None, X.shape[1])), 2)
`, Options{Entry: "CNN.make_cnn(X, y)"})
	if err == nil || !strings.Contains(err.Error(), "comes from data") {
		t.Errorf("got %v, want a size from data", err)
	}
}

// A method of the file's classes counts as building the model only when
// called on an instance (self, Model(), m = Model()): a NeuralNet's or
// an sklearn object's fit after the model is not part of it.
func TestClassMethodsAndTheModelsEnd(t *testing.T) {
	src := `from lasagne.layers import *
class Wrapper(object):
    def __init__(self, n):
        self.n = n
    def fit(self, X):
        return DenseLayer(InputLayer((None, 3)), self.n)
    def __call__(self, nn, history):
        return self.n * 2
l = DenseLayer(InputLayer((None, 4)), 2)
scores = [1][3]
clf.fit(X)
`
	r, err := decodeAsFound(t, "model.py", src, Options{})
	// (4+1)*2 = 10; the error after it is a note.
	if err != nil || r.Totals.Params != 10 || !strings.Contains(strings.Join(r.Notes, "\n"), "list index 3 out of range") {
		t.Fatalf("got %v, %+v; want 10 and a note", err, r)
	}
	// Called on an instance, it builds: an error before it is an error.
	_, err = decodeAsFound(t, "model.py", strings.Replace(src, "clf.fit(X)", "w = Wrapper(5)\nnet = w.fit(None)\nk = w(None, [])\n", 1), Options{})
	if err == nil || !strings.Contains(err.Error(), "model.py:10:13: list index 3 out of range") {
		t.Errorf("got %v, want the error before w.fit", err)
	}
	// (3+1)*5 = 20 for the model made by w.fit; __call__ runs.
	asFoundTotal(t, "model.py", strings.Replace(src, "scores = [1][3]\nclf.fit(X)", "w = Wrapper(5)\nnet = w.fit(None)\nk = w(None, [])\nl = DenseLayer(net, k)\n", 1), Options{},
		(4+1)*2+(3+1)*5+(5+1)*10, (4+1)*2+(3+1)*5+(5+1)*10)
}

// A class of a module beside the script: its methods run too.
func TestClassInSiblingModule(t *testing.T) {
	dir := t.TempDir()
	mod := `from lasagne.layers import InputLayer, DenseLayer
class Net(object):
    def __init__(self, units):
        self.units = units
        self.out = self.build()
    def build(self):
        return DenseLayer(InputLayer((None, 8)), self.units)
`
	if err := os.WriteFile(filepath.Join(dir, "models.py"), []byte(mod), 0o644); err != nil {
		t.Fatal(err)
	}
	// (8+1)*6 = 54.
	asFoundTotal(t, "train.py", "from models import Net\nnet = Net(6)\n", Options{Dir: os.DirFS(dir)}, 54, 54)
	asFoundTotal(t, "train.py", "import models\nnet = models.Net(6).out\n", Options{Dir: os.DirFS(dir)}, 54, 54)
}

// A class derived from a layer class of the file is a layer, not a class
// whose methods run.
func TestClassDerivedFromFileLayer(t *testing.T) {
	src := `import lasagne
class Base(lasagne.layers.Layer):
    def get_output_for(self, input, **kwargs):
        return input
class Double(Base):
    def __init__(self, incoming, **kwargs):
        super(Double, self).__init__(incoming, **kwargs)
l = lasagne.layers.InputLayer((None, 6))
l = Double(l)
l = lasagne.layers.DenseLayer(l, 2)
`
	// Double keeps its input's shape (no get_output_shape_for of its
	// own): Dense 6 → 2, (6+1)*2 = 14.
	asFoundTotal(t, "model.py", src, Options{}, 14, 14)
}

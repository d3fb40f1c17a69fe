package pycode

import (
	"strings"
	"testing"
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
	if len(prep.imports) != 1 || prep.imports[0].Path != "lasagne.layers.DenseLayer" {
		t.Errorf("imports %+v, want lasagne.layers.DenseLayer", prep.imports)
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
	if err == nil || !strings.Contains(err.Error(), "--input-shape gives 4 axes") || strings.Contains(err.Error(), "could not be imported") {
		t.Errorf("got %v, want the --input-shape error alone", err)
	}
}

package pycode

import (
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/stats"
)

func analyze(t *testing.T, src string) *stats.Report {
	t.Helper()
	r, err := tryAnalyze(src)
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	return r
}

func tryAnalyze(src string) (*stats.Report, error) {
	g, err := Decode("model.py", []byte(src), Options{})
	if err != nil {
		return nil, err
	}
	if err := g.Validate(); err != nil {
		return nil, err
	}
	if err := infer.Run(g, infer.Options{}); err != nil {
		return nil, err
	}
	return stats.Build(g)
}

// layer finds a row by name.
func row(t *testing.T, r *stats.Report, name string) stats.Layer {
	t.Helper()
	for _, l := range r.Layers {
		if l.Name == name {
			return l
		}
	}
	var names []string
	for _, l := range r.Layers {
		names = append(names, l.Name)
	}
	t.Fatalf("no layer %s among %v", name, names)
	return stats.Layer{}
}

// shape writes a report shape like "None,32,24,24".
func shape(s *stats.Shape) string { return s.Dims().Join(",") }

const header = "import lasagne\nfrom lasagne.layers import *\n"

// want is one layer's expected shape and parameters.
type want struct {
	name      string
	shape     string
	params    int64
	trainable int64 // -1: all trainable
}

func TestLayers(t *testing.T) {
	for _, c := range []struct {
		name string
		src  string
		want []want
	}{
		{"dense flattens trailing axes", `
l = InputLayer((None, 3, 4, 5), name='in')
l = DenseLayer(l, 10, name='d')
l = DenseLayer(l, num_units=7, b=None, name='nob')`,
			[]want{{"d", "None,10", (3*4*5 + 1) * 10, -1}, {"nob", "None,7", 10 * 7, -1}}},
		{"dense num_leading_axes", `
l = InputLayer((None, 6, 8))
l = DenseLayer(l, 4, num_leading_axes=2, name='d2')
m = DenseLayer(l, 3, num_leading_axes=-1, name='dm')`,
			[]want{{"d2", "None,6,4", (8 + 1) * 4, -1}, {"dm", "None,6,3", (4 + 1) * 3, -1}}},
		{"nin", `
l = InputLayer((None, 16, 4, 4))
a = NINLayer(l, 8, name='nin')
b = NINLayer(l, 8, untie_biases=True, name='ninu')`,
			[]want{{"nin", "None,8,4,4", (16 + 1) * 8, -1}, {"ninu", "None,8,4,4", 16*8 + 8*4*4, -1}}},
		{"conv padding modes", `
l = InputLayer((None, 3, 32, 32))
a = Conv2DLayer(l, 16, 5, name='valid')
b = Conv2DLayer(l, 16, 5, pad='same', name='same')
c = Conv2DLayer(l, 16, 5, pad='full', name='full')
d = Conv2DLayer(l, 16, (3, 5), stride=2, pad=(1, 2), name='tuple')
e = Conv2DLayer(l, 16, 3, pad=1, untie_biases=True, name='untied')
f = Conv2DLayer(l, 16, 1, b=None, name='nobias')`,
			[]want{
				{"valid", "None,16,28,28", (5*5*3 + 1) * 16, -1},
				{"same", "None,16,32,32", (5*5*3 + 1) * 16, -1},
				{"full", "None,16,36,36", (5*5*3 + 1) * 16, -1},
				// ceil((32+2-3+1)/2) = 16, ceil((32+4-5+1)/2) = 16
				{"tuple", "None,16,16,16", (3*5*3 + 1) * 16, -1},
				{"untied", "None,16,32,32", 3*3*3*16 + 16*32*32, -1},
				{"nobias", "None,16,32,32", 3 * 16, -1},
			}},
		{"conv 1d, 3d, groups, dilated", `
a = Conv1DLayer(InputLayer((None, 4, 100)), 8, 7, stride=3, name='c1')
b = Conv3DLayer(InputLayer((None, 3, 16, 32, 32)), 8, 3, name='c3')
c = Conv2DLayer(InputLayer((None, 8, 10, 10)), 16, 3, num_groups=4, name='g')
d = DilatedConv2DLayer(InputLayer((None, 3, 20, 20)), 4, 3, dilation=(2, 3), name='dil')`,
			[]want{
				{"c1", "None,8,32", (7*4 + 1) * 8, -1}, // ceil((100-7+1)/3) = 32
				{"c3", "None,8,14,30,30", (3*3*3*3 + 1) * 8, -1},
				{"g", "None,16,8,8", (3*3*(8/4) + 1) * 16, -1},
				{"dil", "None,4,16,14", (3*3*3 + 1) * 4, -1}, // 20-2*2, 20-3*2
			}},
		{"transposed convolution", `
l = InputLayer((None, 32, 12, 12))
a = TransposedConv2DLayer(l, 16, 5, stride=2, name='t')
b = Deconv2DLayer(l, 16, 4, stride=2, crop=1, name='tc')
c = TransposedConv2DLayer(l, 16, 5, stride=2, output_size=28, name='ts')
d = TransposedConv2DLayer(l, 16, 3, crop='same', name='tsame')
e = TransposedConv2DLayer(l, 16, 3, crop='full', name='tfull')`,
			[]want{
				{"t", "None,16,27,27", 32*16*5*5 + 16, -1},  // (12-1)*2+5
				{"tc", "None,16,24,24", 32*16*4*4 + 16, -1}, // (12-1)*2-2+4
				{"ts", "None,16,28,28", 32*16*5*5 + 16, -1},
				{"tsame", "None,16,12,12", 32*16*3*3 + 16, -1},
				{"tfull", "None,16,10,10", 32*16*3*3 + 16, -1}, // (12-1)-2*2+3
			}},
		{"pooling", `
l = InputLayer((None, 1, 5, 5))
a = MaxPool2DLayer(l, 2, name='floor')
b = MaxPool2DLayer(l, 2, ignore_border=False, name='partial')
c = Pool2DLayer(l, 3, stride=1, mode='average_exc_pad', name='avg')
d = MaxPool2DLayer(l, 2, pad=1, name='pad')
e = Pool1DLayer(InputLayer((None, 2, 9)), 3, name='p1')
f = MaxPool3DLayer(InputLayer((None, 2, 4, 6, 8)), 2, name='p3')
g = GlobalPoolLayer(InputLayer((None, 64, 7, 7)), name='gp')
h = Upscale2DLayer(InputLayer((None, 3, 4, 5)), 2, name='up')
i = SpatialPyramidPoolingLayer(InputLayer((None, 8, 13, 13)), name='spp')
j = FeaturePoolLayer(InputLayer((None, 12, 3)), 3, name='maxout')`,
			[]want{
				{"floor", "None,1,2,2", 0, -1},
				{"partial", "None,1,3,3", 0, -1}, // Theano keeps the partial window
				{"avg", "None,1,3,3", 0, -1},
				{"pad", "None,1,3,3", 0, -1}, // (5+2-2)//2+1
				{"p1", "None,2,3", 0, -1},
				{"p3", "None,2,2,3,4", 0, -1},
				{"gp", "None,64", 0, -1},
				{"up", "None,3,8,10", 0, -1},
				{"spp", "None,8,21", 0, -1}, // 4*4+2*2+1
				{"maxout", "None,4,3", 0, -1},
			}},
		{"normalization", `
l = InputLayer((None, 32, 10, 10))
a = BatchNormLayer(l, name='bn')
b = BatchNormLayer(InputLayer((None, 100)), name='bn1d')
c = BatchNormLayer(l, beta=None, name='nobeta')
d = BiasLayer(l, name='bias')
e = ScaleLayer(l, shared_axes=(0,), name='scale')
f = LocalResponseNormalization2DLayer(l, name='lrn')
g = ParametricRectifierLayer(l, name='prelu')
h = ParametricRectifierLayer(l, shared_axes='all', name='prelu1')`,
			[]want{
				{"bn", "None,32,10,10", 4 * 32, 2 * 32},
				{"bn1d", "None,100", 4 * 100, 2 * 100},
				{"nobeta", "None,32,10,10", 3 * 32, 32},
				{"bias", "None,32,10,10", 32, -1},
				{"scale", "None,32,10,10", 32 * 10 * 10, -1},
				{"lrn", "None,32,10,10", 0, -1},
				{"prelu", "None,32,10,10", 32, -1},
				{"prelu1", "None,32,10,10", 1, -1},
			}},
		{"shape layers", `
l = InputLayer((None, 1, 28, 28))
a = FlattenLayer(l, name='flat')
b = FlattenLayer(l, outdim=3, name='flat3')
c = ReshapeLayer(l, ([0], -1), name='reshape')
d = ReshapeLayer(l, (-1, 14, 56), name='reshape2')
e = DimshuffleLayer(l, (0, 2, 3, 'x', 1), name='shuffle')
f = DimshuffleLayer(l, (0, 2, 3), name='drop')
g = PadLayer(l, 2, name='pad')
h = PadLayer(l, [(1, 2), 3], name='pad2')
i = SliceLayer(l, indices=slice(2, 10), axis=2, name='slice')
j = SliceLayer(l, indices=0, axis=1, name='index')
k = SliceLayer(l, slice(None, None, -2), name='rev')`,
			[]want{
				{"flat", "None,784", 0, -1},
				{"flat3", "None,1,784", 0, -1},
				{"reshape", "None,784", 0, -1},
				{"reshape2", "None,14,56", 0, -1},
				{"shuffle", "None,28,28,1,1", 0, -1},
				{"drop", "None,28,28", 0, -1},
				{"pad", "None,1,32,32", 0, -1},
				{"pad2", "None,1,31,34", 0, -1},
				{"slice", "None,1,8,28", 0, -1},
				{"index", "None,28,28", 0, -1},
				{"rev", "None,1,28,14", 0, -1},
			}},
		{"merge layers", `
a = InputLayer((None, 16, 8, 8))
b = InputLayer((None, 24, 8, 8))
c = InputLayer((None, 16, 10, 9))
cat = ConcatLayer([a, b], name='cat')
cat2 = concat([a, c], axis=1, cropping=[None, None, 'center', 'center'], name='crop')
s = ElemwiseSumLayer([a, a], name='sum')
m = ElemwiseMergeLayer([a, a], merge_function=max, name='max')`,
			[]want{{"cat", "None,40,8,8", 0, -1}, {"crop", "None,32,8,8", 0, -1}, {"sum", "None,16,8,8", 0, -1}, {"max", "None,16,8,8", 0, -1}}},
		{"embedding and recurrent", `
l = InputLayer((None, 20), name='words')
e = EmbeddingLayer(l, input_size=1000, output_size=32, name='emb')
r = RecurrentLayer(e, 16, name='rnn')
s = RecurrentLayer(e, 16, learn_init=True, only_return_final=True, name='rnnf')
m = LSTMLayer(e, 8, name='lstm')
n = LSTMLayer(e, 8, peepholes=False, learn_init=True, name='lstm2')
g = GRULayer(e, 8, only_return_final=True, name='gru')`,
			[]want{
				{"emb", "None,20,32", 1000 * 32, -1},
				{"rnn", "None,20,16", 32*16 + 16 + 16*16 + 16, 32*16 + 16 + 16*16},
				{"rnnf", "None,16", 32*16 + 16 + 16*16 + 16, -1},
				// 4 gates of (I*H + H*H + H), 3 peepholes, cell_init and hid_init
				{"lstm", "None,20,8", 4*(32*8+8*8+8) + 3*8 + 2*8, 4*(32*8+8*8+8) + 3*8},
				{"lstm2", "None,20,8", 4*(32*8+8*8+8) + 2*8, -1},
				{"gru", "None,8", 3*(32*8+8*8+8) + 8, 3 * (32*8 + 8*8 + 8)},
			}},
		{"special layers", `
l = InputLayer((None, 3, 16, 16))
loc = DenseLayer(l, 6, name='loc')
t = TransformerLayer(l, loc, downsample_factor=2, name='st')
e = ExpressionLayer(l, lambda X: X, name='expr')
f = ExpressionLayer(l, lambda X: X, output_shape=(None, 3, 8, 8), name='expr2')
g = ExpressionLayer(l, lambda X: X, output_shape=lambda s: (s[0], s[1] * 2), name='expr3')
d = DropoutLayer(l, p=0.3, name='drop')
n = GaussianNoiseLayer(l, name='noise')
c = Conv2DLayer(l, 4, 3, name='conv')
i = InverseLayer(c, c, name='inv')
lc = LocallyConnected2DLayer(l, 4, 3, name='local')`,
			[]want{
				{"loc", "None,6", (3*16*16 + 1) * 6, -1},
				{"st", "None,3,8,8", 0, -1},
				{"expr", "None,3,16,16", 0, -1},
				{"expr2", "None,3,8,8", 0, -1},
				{"expr3", "None,6", 0, -1},
				{"drop", "None,3,16,16", 0, -1},
				{"noise", "None,3,16,16", 0, -1},
				{"inv", "None,3,16,16", 0, -1},
				{"local", "None,4,16,16", 4*3*3*3*16*16 + 4, -1},
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := analyze(t, header+c.src)
			for _, w := range c.want {
				l := row(t, r, w.name)
				if got := shape(l.OutputShapes[0]); got != w.shape {
					t.Errorf("%s: shape %s, want %s (%s)", w.name, got, w.shape, l.Explain.OutputShape)
				}
				tr := w.trainable
				if tr < 0 {
					tr = w.params
				}
				if l.Params != w.params || l.TrainableParams != tr {
					t.Errorf("%s: params %d (trainable %d), want %d (trainable %d): %s", w.name, l.Params, l.TrainableParams, w.params, tr, l.Explain.Params)
				}
			}
		})
	}
}

func TestHelpers(t *testing.T) {
	r := analyze(t, header+`
from lasagne.layers import batch_norm
l = InputLayer((None, 3, 8, 8), name='in')
l = batch_norm(Conv2DLayer(l, 16, 3, pad=1, name='conv'))
l = layers.instance_norm(Conv2DLayer(l, 16, 3, pad=1, name='c2'))
l = layers.layer_norm(DenseLayer(l, 10, name='fc'))
u = batch_norm(Conv2DLayer(InputLayer((None, 2, 4, 4)), 4, 1))
l = prelu(DenseLayer(l, 5, name='out'))
`)
	// batch_norm drops the conv's bias and adds BatchNormLayer and a nonlinearity.
	if l := row(t, r, "conv"); l.Params != 3*3*3*16 {
		t.Errorf("conv keeps its bias: %d params", l.Params)
	}
	if l := row(t, r, "conv_bn"); l.Params != 4*16 || l.TrainableParams != 2*16 {
		t.Errorf("conv_bn: %d/%d", l.Params, l.TrainableParams)
	}
	row(t, r, "conv_bn_nonlin")
	if l := row(t, r, "c2_in_scale"); l.Params != 16 {
		t.Errorf("c2_in_scale: %d", l.Params)
	}
	row(t, r, "c2_in_bias")
	row(t, r, "c2_in_nonlin")
	if l := row(t, r, "fc"); l.Params != 16*8*8*10 {
		t.Errorf("fc keeps its bias: %d", l.Params)
	}
	row(t, r, "fc_ln_scale")
	if l := row(t, r, "out_prelu"); l.Params != 5 {
		t.Errorf("out_prelu: %d", l.Params)
	}
}

func TestSharedWeights(t *testing.T) {
	r := analyze(t, header+`
l_in = InputLayer((None, 100))
enc = DenseLayer(l_in, 20, name='enc')
dec = DenseLayer(enc, 100, W=enc.W.T, name='dec')
twin = DenseLayer(l_in, 20, W=enc.W, b=enc.b, name='twin')
`)
	if l := row(t, r, "dec"); l.Params != 100 {
		t.Errorf("dec counts %d, want only its bias 100", l.Params)
	}
	if l := row(t, r, "twin"); l.Params != 0 {
		t.Errorf("twin counts %d, want 0", l.Params)
	}
	if r.Totals.Params != 100*20+20+100 {
		t.Errorf("total %d, want %d", r.Totals.Params, 100*20+20+100)
	}
}

func TestNolearnForms(t *testing.T) {
	// (Class, {kwargs}) tuples with automatic names, incoming by name,
	// string classes, W shared by name, a layer_wrapper.
	src := `
from lasagne.layers import InputLayer, DenseLayer, ConcatLayer
from nolearn.lasagne import NeuralNet
from lasagne.layers import batch_norm
net = NeuralNet(
    layers=[
        (InputLayer, {'shape': (None, 10)}),
        (DenseLayer, {'num_units': 5}),
        (DenseLayer, {'num_units': 5, 'name': 'side', 'incoming': 'input0'}),
        ('lasagne.layers.ConcatLayer', {'incomings': ['dense1', 'side']}),
        (DenseLayer, {'num_units': 2, 'layer_wrapper': batch_norm}),
        (DenseLayer, {'num_units': 5, 'incoming': 'input0', 'W': 'dense1', 'name': 'tied'}),
    ],
    update_learning_rate=0.1,
    max_epochs=3,
)
`
	r := analyze(t, src)
	if r.Model.Format != "nolearn" {
		t.Errorf("format %s", r.Model.Format)
	}
	for _, name := range []string{"input0", "dense1", "side", "concat3", "dense4", "dense4_bn", "dense4_bn_nonlin", "tied"} {
		row(t, r, name)
	}
	if l := row(t, r, "concat3"); shape(l.OutputShapes[0]) != "None,10" {
		t.Errorf("concat3 %s", shape(l.OutputShapes[0]))
	}
	if l := row(t, r, "dense4"); l.Params != 10*2 {
		t.Errorf("dense4 wrapped by batch_norm keeps its bias: %d", l.Params)
	}
	if l := row(t, r, "tied"); l.Params != 5 {
		t.Errorf("tied counts %d, want its bias only", l.Params)
	}
	want := int64(10*5+5) + (10*5 + 5) + 10*2 + 4*2 + 5
	if r.Totals.Params != want {
		t.Errorf("total %d, want %d", r.Totals.Params, want)
	}
	if r.Model.Prints == nil || r.Model.Prints.Value != r.Totals.TrainableParams {
		t.Errorf("nolearn prints %+v, want the trainable count %d", r.Model.Prints, r.Totals.TrainableParams)
	}
}

func TestScripts(t *testing.T) {
	// A training script in the style of Lasagne's examples: model built in
	// a function, data loading that Starlark cannot parse, training code.
	src := `#!/usr/bin/env python
from __future__ import print_function
import sys, os
import numpy as np
import theano
import theano.tensor as T
import lasagne
from lasagne.layers import (InputLayer,
    Conv2DLayer as ConvLayer, \
    MaxPool2DLayer)

def load_dataset():
    X = np.zeros((10, 1, 28, 28))
    X[:, 0, :5] = 1
    return X

class MyLayer(lasagne.layers.Layer):
    def get_output_for(self, input, **kwargs):
        return input * 2

def build_cnn(input_var=None):
    network = InputLayer(shape=(None, 1, 28, 28), input_var=input_var)
    network = ConvLayer(network, num_filters=32, filter_size=(5, 5),
                        nonlinearity=lasagne.nonlinearities.rectify)
    network = MaxPool2DLayer(network, pool_size=(2, 2))
    network = MyLayer(network, output_shape=(None, 32, 12, 12))
    for i in xrange(2):
        network = lasagne.layers.DenseLayer(network, num_units=2 ** (4 - i))
    if input_var is None:
        print("no input variable")
    try:
        import cPickle as pickle
    except ImportError:
        import pickle
    return network

def main(num_epochs=500):
    input_var = T.tensor4('inputs')
    network = build_cnn(input_var)
    prediction = lasagne.layers.get_output(network)
    loss = lasagne.objectives.categorical_crossentropy(prediction, target_var)
    with np.load('model.npz') as f:
        param_values = [f['arr_%d' % i] for i in range(len(f.files))]
    print "done"

if __name__ == '__main__':
    main()
`
	r := analyze(t, src)
	if n := len(r.Layers); n != 6 {
		t.Fatalf("%d layers, want 6", n)
	}
	want := int64((5*5*1+1)*32) + (32*12*12+1)*16 + (16+1)*8
	if r.Totals.Params != want {
		t.Errorf("total %d, want %d", r.Totals.Params, want)
	}
	// The script's own if __name__ == '__main__': main() built it
	// (main calls build_cnn with its input variable): no function was
	// chosen by layerinfo.
	joined := strings.Join(r.Notes, "\n")
	if strings.Contains(joined, "built by calling") {
		t.Errorf("notes %q say layerinfo chose a function; the main guard builds the model", joined)
	}
}

func TestErrors(t *testing.T) {
	for _, c := range []struct {
		name, src, want string
	}{
		{"unknown layer", header + "l = InputLayer((None, 3))\nl = DenseLayr(l, 3)\n", `model.py:4:5: unknown layer DenseLayr (did you mean "DenseLayer"?)`},
		{"unknown layer in module", header + "l = lasagne.layers.Conv2DLayr(None, 3, 3)\n", `model.py:3:19: lasagne.layers has no Conv2DLayr (did you mean "Conv2DLayer"?)`},
		{"missing argument", header + "l = InputLayer((None, 3))\nl = DenseLayer(l)\n", `model.py:4:5: DenseLayer: is missing the required argument "num_units"`},
		{"unexpected keyword", header + "l = InputLayer((None, 3))\nl = DenseLayer(l, num_unit=3, name='fc')\n", `model.py:4:5: layer fc (DenseLayer): got an unexpected keyword argument "num_unit" (did you mean "num_units"?)`},
		{"filter too large", header + "l = InputLayer((None, 1, 4, 4))\nl = Conv2DLayer(l, 8, 5, name='c')\n", `model.py:4:5: layer c (Conv2DLayer): height: 4-(5-1) = 0: the filter of size 5`},
		{"merge mismatch", header + "a = InputLayer((None, 3))\nb = InputLayer((None, 4))\nc = ElemwiseSumLayer([a, b], name='sum')\n", `model.py:5:5: layer sum (ElemwiseSumLayer): inputs must have the same shape`},
		{"wrong rank", header + "l = InputLayer((None, 3))\nl = Conv2DLayer(l, 8, 3)\n", `model.py:4:5: Conv2DLayer: tried to create a 2D convolution layer with input shape (None, 3)`},
		{"opaque size", header + "import numpy as np\nl = InputLayer((None, 3))\nl = DenseLayer(l, np.random.randint(5))\n", `model.py:5:5: DenseLayer: num_units comes from a value layerinfo does not compute (data, or a library call): np.random.randint(5) (line 5)`},
		{"same needs odd", header + "l = InputLayer((None, 1, 8, 8))\nl = Conv2DLayer(l, 8, 4, pad='same')\n", "`same` padding requires odd filter size"},
		{"expression auto", header + "l = InputLayer((None, 3))\nl = ExpressionLayer(l, lambda x: x, output_shape='auto')\n", "needs Theano"},
		{"custom class without shape", header + "class Foo(lasagne.layers.Layer):\n    def get_output_shape_for(self, s):\n        return (s[0], 2)\nl = Foo(InputLayer((None, 3)))\n", "model.py:6:5: Foo: Foo is a Python class (line 3) with its own get_output_shape_for"},
		{"zero units", header + "l = InputLayer((None, 3))\nl = DenseLayer(l, len([]))\n", "the number of units must be positive, got 0"},
		{"syntax", header + "l = InputLayer((None, 3)\nx = 1\n", "model.py:4:2: syntax error"},
		{"endless loop", header + "while True:\n    pass\n", "stopped after"},
		{"no network", "x = 1\n", "no network found"},
		{"overflow", header + "l = InputLayer((None, 4294967296))\nl = DenseLayer(l, 4294967296, name='huge')\n", "layer huge (DenseLayer): counting parameters: "},
		{"nolearn keyword typo", "from nolearn.lasagne import NeuralNet\nfrom lasagne import layers\nnet = NeuralNet(layers=[('input', layers.InputLayer), ('out', layers.DenseLayer)],\n    input_shape=(None, 3),\n    out_num_unit=3)\n",
			`model.py:5:5: layer out (DenseLayer): DenseLayer takes no argument num_unit (did you mean out_num_units?)`},
		{"nolearn missing", "from nolearn.lasagne import NeuralNet\nfrom lasagne import layers\nnet = NeuralNet(layers=[('input', layers.InputLayer), ('out', layers.DenseLayer)],\n    input_shape=(None, 3))\n",
			`layer out (DenseLayer): missing the required argument num_units (give it as out_num_units=…)`},
		{"nolearn unknown prefix", "from nolearn.lasagne import NeuralNet\nfrom lasagne import layers\nnet = NeuralNet(layers=[('input', layers.InputLayer), ('out', layers.DenseLayer)],\n    input_shape=(None, 3), out_num_units=2,\n    outt_nonlinearity=None)\n",
			`model.py:5:5: NeuralNet: unused keyword outt_nonlinearity: no layer is named outt (did you mean out_nonlinearity?)`},
		{"nolearn bad incoming", "from nolearn.lasagne import NeuralNet\nfrom lasagne import layers\nnet = NeuralNet(layers=[('input', layers.InputLayer), ('out', layers.DenseLayer)],\n    input_shape=(None, 3), out_num_units=2, out_incoming='inptu')\n",
			`incoming names "inptu", which is not an earlier layer (did you mean "input"?)`},
		{"nolearn seed with a bad filter", "from nolearn.lasagne import NeuralNet\nfrom lasagne import layers\nnet = NeuralNet(layers=[\n    ('input', layers.InputLayer),\n    ('conv', layers.Conv2DLayer)],\n    input_shape=(None, 1, 4, 4), conv_num_filters=2, conv_filter_size=(7, 7))\n",
			`model.py:5:5: layer conv (Conv2DLayer): height: 4-(7-1) = -2: the filter of size 7`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := tryAnalyze(c.src)
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error:\n  %v\nwant it to contain:\n  %s", err, c.want)
			}
			if strings.Count(err.Error(), "did you mean") > 1 {
				t.Errorf("two suggestions: %v", err)
			}
			if strings.Contains(err.Error(), "goroutine") || strings.Contains(err.Error(), "Traceback") {
				t.Errorf("error leaks internals: %v", err)
			}
		})
	}
}

func TestCustomClass(t *testing.T) {
	r := analyze(t, header+`
class Scale(lasagne.layers.Layer):
    def __init__(self, incoming, **kwargs):
        super(Scale, self).__init__(incoming, **kwargs)
        self.s = self.add_param(lasagne.init.Constant(1), (1,), name='s')
    def get_output_for(self, input, **kwargs):
        return input * self.s
l = InputLayer((None, 3, 4))
l = Scale(l, name='scale')
m = Scale(l, output_shape=(None, 12), name='flat')
`)
	if l := row(t, r, "scale"); shape(l.OutputShapes[0]) != "None,3,4" || !strings.Contains(strings.Join(l.Notes, " "), "add_param: they are not counted") {
		t.Errorf("scale: %s %v", shape(l.OutputShapes[0]), l.Notes)
	}
	if l := row(t, r, "flat"); shape(l.OutputShapes[0]) != "None,12" {
		t.Errorf("flat: %s", shape(l.OutputShapes[0]))
	}
}

func TestNolearnCallbacks(t *testing.T) {
	// The classic nolearn tutorial's callbacks are classes: not layers.
	r := analyze(t, `
import numpy as np
import theano
from nolearn.lasagne import NeuralNet, BatchIterator
from lasagne import layers

def float32(k):
    return np.cast['float32'](k)

class AdjustVariable(object):
    def __init__(self, name, start=0.03, stop=0.001):
        self.name = name
    def __call__(self, nn, train_history):
        epoch = train_history[-1]['epoch']

class FlipBatchIterator(BatchIterator):
    def transform(self, Xb, yb):
        return Xb, yb

net = NeuralNet(
    layers=[('input', layers.InputLayer), ('hidden', layers.DenseLayer), ('output', layers.DenseLayer)],
    input_shape=(None, 9216), hidden_num_units=100, output_num_units=30, output_nonlinearity=None,
    update_learning_rate=theano.shared(float32(0.03)),
    update_momentum=theano.shared(float32(0.9)),
    regression=True,
    batch_iterator_train=FlipBatchIterator(batch_size=128),
    on_epoch_finished=[AdjustVariable('update_learning_rate', start=0.03, stop=0.0001)],
    max_epochs=400, verbose=1,
)
`)
	if want := int64((9216+1)*100 + (100+1)*30); r.Totals.Params != want {
		t.Errorf("total %d, want %d", r.Totals.Params, want)
	}
}

func TestPythonRewrites(t *testing.T) {
	// Starlark lacks these; data code uses them, model code must survive.
	r := analyze(t, header+`
import numpy as np
def load():
    X = np.load('x.npy')
    X[:, 0, ::2] = 0
    total = sum(x for x in range(3))
    name = 'layer%02d' % 3
    return X
data = np.load('d.npy', mmap_mode='r')
n = 0
for batch in data:
    n += 1
w = int('%.0f' % 16.0)
l = InputLayer((None, 3), name='in_%03d' % 7)
l = DenseLayer(l, w, name='fc%02d' % 1)
`)
	row(t, r, "in_007")
	if l := row(t, r, "fc01"); l.Params != (3+1)*16 {
		t.Errorf("fc01: %d", l.Params)
	}
}

func TestStepLimit(t *testing.T) {
	_, err := Decode("loop.py", []byte("x = 0\nwhile True:\n    x += 1\n"), Options{MaxSteps: 10000})
	if err == nil || !strings.Contains(err.Error(), "stopped after 10000 steps") {
		t.Fatalf("error %v", err)
	}
}

package pycode

import (
	"errors"
	"math"
	"math/big"
	"strings"
	"testing"

	"go.starlark.net/starlark"

	"github.com/layerinfo/layerinfo/format"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/internal/pyhost"
	"github.com/layerinfo/layerinfo/stats"
)

func decodeWith(t *testing.T, src string, opt Options) (*stats.Report, *graph.Graph, error) {
	t.Helper()
	g, err := Decode("model.py", []byte(src), opt)
	if err != nil {
		return nil, nil, err
	}
	if err := g.Validate(); err != nil {
		t.Fatalf("invalid graph: %v", err)
	}
	if err := infer.Run(g, infer.Options{}); err != nil {
		return nil, g, err
	}
	r, err := stats.Build(g)
	return r, g, err
}

func total(t *testing.T, r *stats.Report) int64 {
	t.Helper()
	return r.Totals.Params
}

func TestParseLiteral(t *testing.T) {
	for _, c := range []struct {
		in   string
		want starlark.Value
	}{
		{"59", starlark.MakeInt(59)},
		{" -3 ", starlark.MakeInt(-3)},
		{"0.5", starlark.Float(0.5)},
		{"-1e-3", starlark.Float(-0.001)},
		{"'same'", starlark.String("same")},
		{`"valid"`, starlark.String("valid")},
		{"None", starlark.None},
		{"True", starlark.True},
		{"False", starlark.False},
		{"(None, 1, 28, 28)", starlark.Tuple{starlark.None, starlark.MakeInt(1), starlark.MakeInt(28), starlark.MakeInt(28)}},
		{"(3,)", starlark.Tuple{starlark.MakeInt(3)}},
		{"[1, 2]", starlark.NewList([]starlark.Value{starlark.MakeInt(1), starlark.MakeInt(2)})},
		{"123456789012345678901234567890", mustBig("123456789012345678901234567890")},
	} {
		got, err := parseLiteral(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if eq, err := starlark.Equal(got, c.want); err != nil || !eq {
			t.Errorf("%q = %v, want %v", c.in, got, c.want)
		}
	}
	d, err := parseLiteral("{'a': 1}")
	if err != nil || d.(*starlark.Dict).Len() != 1 {
		t.Errorf("dict: %v, %v", d, err)
	}
	for _, c := range []struct{ in, want string }{
		{"relu", "relu is a name, not a literal (quote a string: 'relu')"},
		{"1+2", "only literals"},
		{"f()", "only literals"},
		{"len(chars)", "only literals"},
		{"", "empty"},
		{"(1,", "not a Python literal"},
		{"-'a'", "applies to a number"},
	} {
		_, err := parseLiteral(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.in, err, c.want)
		}
	}
}

func mustBig(s string) starlark.Value {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return starlark.MakeBigInt(n)
}

func TestParseEntry(t *testing.T) {
	e, err := parseEntry("build_cnn")
	if err != nil || e.name != "build_cnn" || e.call {
		t.Errorf("name: %+v, %v", e, err)
	}
	e, err = parseEntry("build_lenet5(None, 10, depth=2)")
	if err != nil || e.name != "build_lenet5" || !e.call || len(e.args) != 2 || e.args[0] != starlark.None || len(e.kwargs) != 1 {
		t.Errorf("call: %+v, %v", e, err)
	}
	e, err = parseEntry("build(feats, n=X)")
	if o, ok := e.args[0].(*pyhost.Opaque); err != nil || !ok || o.From == nil || len(e.kwargs) != 1 {
		t.Errorf("names as data: %+v, %v", e, err)
	}
	e, err = parseEntry("build()")
	if err != nil || !e.call || len(e.args) != 0 {
		t.Errorf("empty call: %+v, %v", e, err)
	}
	for _, c := range []struct{ in, want string }{
		{"build(*xs)", "*args"},
		{"m.x.build()", "by its name"},
		{"build(a=1, 2)", "a positional argument follows a keyword argument"},
		{"build(a=1, a=2)", "given twice"},
		{"build(", "not a name or a call"},
		{"1 + 2", "not a name or a call"},
	} {
		_, err := parseEntry(c.in)
		var oe *OptionError
		if err == nil || !errors.As(err, &oe) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want an OptionError with %q", c.in, err, c.want)
		}
	}
}

// charRNN reads its vocabulary from a text file, as Lasagne's char-rnn
// recipe does: the input and output sizes come from data.
const charRNN = `import numpy as np
import lasagne
from lasagne.layers import InputLayer, LSTMLayer, DenseLayer, SliceLayer

data = open('input.txt', 'r').read()
chars = list(set(data))
data_size, vocab_size = len(data), len(chars)
char_to_ix = {ch: i for i, ch in enumerate(chars)}

SEQ_LENGTH = 20
N_HIDDEN = 512

l_in = InputLayer(shape=(None, SEQ_LENGTH, vocab_size))
l_forward = LSTMLayer(l_in, N_HIDDEN, grad_clipping=100)
l_slice = SliceLayer(l_forward, -1, 1)
l_out = DenseLayer(l_slice, num_units=vocab_size, nonlinearity=lasagne.nonlinearities.softmax)
`

func TestSetOverridesDataSize(t *testing.T) {
	// Without --set: the size is unknown, said so with its expression and
	// line — not "must be positive, got 0".
	_, _, err := decodeWith(t, charRNN, Options{})
	if err == nil {
		t.Fatal("no error for a size from data")
	}
	for _, want := range []string{"model.py:13:", "shape comes from data that layerinfo does not read", "vocab_size = len(chars) (line 7)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "got 0") {
		t.Errorf("a size from data reported as 0: %v", err)
	}
	// With --set vocab_size=59. LSTM, I=59, H=512: 4 gates of
	// I*H + H*H + H = 30208 + 262144 + 512 = 292864 → 1171456, peepholes
	// 3*512 = 1536, hid_init and cell_init 512 each (not trainable) = 1024
	// → 1174016. Dense 512*59 + 59 = 30267. Total 1204283.
	r, _, err := decodeWith(t, charRNN, Options{Set: map[string]string{"vocab_size": "59"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := total(t, r); got != 1204283 {
		t.Errorf("total %d, want 1204283", got)
	}
	if s := shape(row(t, r, "dense3").OutputShapes[0]); s != "None,59" {
		t.Errorf("output %s", s)
	}
	// A plain assignment is replaced (not run): 26 classes.
	src := header + "import numpy as np\ny = np.load('y.npy')\nn_classes = len(np.unique(y))\nl = InputLayer((None, 10))\nl = DenseLayer(l, n_classes, name='out')\n"
	_, _, err = decodeWith(t, src, Options{})
	if err == nil || !strings.Contains(err.Error(), "n_classes = len(np.unique(y)) (line 5); give the value of n_classes") {
		t.Errorf("error %v", err)
	}
	r, _, err = decodeWith(t, src, Options{Set: map[string]string{"n_classes": "26"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := total(t, r); got != 10*26+26 {
		t.Errorf("total %d, want %d", got, 10*26+26)
	}
}

func TestDataSizeMessages(t *testing.T) {
	for _, c := range []struct{ name, src, want string }{
		{"len of data in the call", header + "vocab = open('v.txt').read().split()\nl = InputLayer((None, 8))\nl = DenseLayer(l, num_units=len(vocab))\n",
			"model.py:5:5: DenseLayer: num_units comes from data that layerinfo does not read: len(vocab) (line 5)"},
		{"module-level variable from a library", header + "import numpy as np\nX = np.load('x.npy')\nn_in = X.shape[1]\nl = InputLayer((None, n_in))\n",
			"shape comes from a value layerinfo does not compute (data, or a library call): n_in = X.shape[1] (line 5); give the value of n_in"},
		{"data-derived input shape", header + "X = load()\nl = InputLayer((None,) + X.shape[1:], name='in')\n",
			"give the whole shape of input layer in, batch first"},
		{"nolearn keyword", "from nolearn.lasagne import NeuralNet\nfrom lasagne import layers\nclasses = sorted(set(open('labels.txt').read().split()))\n" +
			"net = NeuralNet(layers=[('input', layers.InputLayer), ('output', layers.DenseLayer)],\n    input_shape=(None, 4),\n    output_num_units=len(classes))\n",
			"num_units comes from data that layerinfo does not read: output_num_units = len(classes) (line 6); give the value of output_num_units"},
		{"real zero stays a zero", header + "l = InputLayer((None, 3))\nl = DenseLayer(l, len([]))\n", "the number of units must be positive, got 0"},
		{"loop over data gives placeholder length", header + "n = int(open('n.txt').read())\nl = InputLayer((None, 3))\nl = DenseLayer(l, n)\n",
			"n = int(open('n.txt').read()) (line 3); give the value of n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := decodeWith(t, c.src, Options{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v\nwant it to contain %q", err, c.want)
			}
		})
	}
	// The option that gives the value, for the CLI to name its flag; the
	// message names none.
	for _, c := range []struct{ src, option, value string }{
		{header + "import numpy as np\nX = np.load('x.npy')\nn_in = X.shape[1]\nl = InputLayer((None, n_in))\n", "set", "n_in=VALUE"},
		{header + "X = load()\nl = InputLayer((None,) + X.shape[1:], name='in')\n", "input-shape", "in=Nx…"},
	} {
		_, _, err := decodeWith(t, c.src, Options{})
		var me *format.MissingError
		if !errors.As(err, &me) || me.Option != c.option || me.Value != c.value || strings.Contains(err.Error(), "--") {
			t.Errorf("error %v: missing %+v, want option %s %s and no flag in the message", err, me, c.option, c.value)
		}
	}
}

// recipes has several build functions, as Lasagne's examples do.
const recipes = `import lasagne
from lasagne.layers import InputLayer, Conv2DLayer, MaxPool2DLayer, DenseLayer, DropoutLayer

def build_lenet5(input_var, num_classes):
    network = InputLayer(shape=(None, 1, 32, 32), input_var=input_var)
    network = Conv2DLayer(network, num_filters=6, filter_size=5)
    network = DenseLayer(network, num_units=num_classes)
    return network

def build_mlp(input_var, target_var):
    l = InputLayer((None, 784), input_var=input_var)
    return DenseLayer(l, N_OUT)

N_OUT = 10
`

func TestEntry(t *testing.T) {
	// Automatic: build_lenet5 needs num_classes, so build_mlp, whose
	// arguments are input variables, is called with None for each:
	// 784*10 + 10 = 7850.
	r, g, err := decodeWith(t, recipes, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := total(t, r); got != 7850 {
		t.Errorf("total %d, want 7850", got)
	}
	if !strings.Contains(strings.Join(g.Notes, "\n"), "built by calling build_mlp(input_var=<a Theano variable>, target_var=<a Theano variable>)") {
		t.Errorf("notes %q", g.Notes)
	}
	// A call with arguments. Conv 6 5x5 filters on 1 channel: (25+1)*6 =
	// 156, output 6x28x28 = 4704; dense 4704*10 + 10 = 47050. 47206.
	r, _, err = decodeWith(t, recipes, Options{Entry: "build_lenet5(None, 10)"})
	if err != nil {
		t.Fatal(err)
	}
	if got := total(t, r); got != 47206 {
		t.Errorf("total %d, want 47206", got)
	}
	// By name, its input variable None, num_classes from --set:
	// 156 + 4704*7 + 7 = 33091.
	r, _, err = decodeWith(t, recipes, Options{Entry: "build_lenet5", Set: map[string]string{"num_classes": "7"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := total(t, r); got != 33091 {
		t.Errorf("total %d, want 33091", got)
	}
	for _, c := range []struct {
		opt    Options
		want   string
		option bool
	}{
		{Options{Entry: "build_lenet5"}, "build_lenet5 needs its argument num_classes: give it in the call, 'build_lenet5(…)', or on its own", true},
		{Options{Entry: "build_lenet5(None, 1, 2)"}, "takes 2 arguments, 3 given", true},
		{Options{Entry: "build_lenet5(None, 10)", Set: map[string]string{"num_classes": "3"}}, "num_classes is also given in the entry call", true},
		{Options{Entry: "build_mpl"}, "the file defines no function, NeuralNet or layer build_mpl (did you mean build_mlp?)", false},
		{Options{Entry: "N_OUT"}, "N_OUT is int 10, not a function, a NeuralNet or a layer", true},
	} {
		_, _, err := decodeWith(t, recipes, c.opt)
		var oe *OptionError
		if err == nil || !strings.Contains(err.Error(), c.want) || errors.As(err, &oe) != c.option {
			t.Errorf("%+v: error %v, want %q (option error: %v)", c.opt, err, c.want, c.option)
		}
	}
}

// twoNets defines two NeuralNets, as nolearn's tutorial does; the second's
// input shape comes from the data.
const twoNets = `from lasagne import layers
from nolearn.lasagne import NeuralNet

X = load2d()
y = None

net1 = NeuralNet(
    layers=[
        ('input', layers.InputLayer),
        ('hidden', layers.DenseLayer),
        ('output', layers.DenseLayer),
    ],
    input_shape=(None, 9216),
    hidden_num_units=100,
    output_num_units=30,
    max_epochs=400,
)

net2 = NeuralNet(
    layers=[
        ('input', layers.InputLayer),
        ('conv1', layers.Conv2DLayer),
        ('pool1', layers.MaxPool2DLayer),
        ('hidden4', layers.DenseLayer),
        ('output', layers.DenseLayer),
    ],
    input_shape=(None,) + X.shape[1:],
    conv1_num_filters=32, conv1_filter_size=(3, 3), pool1_pool_size=(2, 2),
    hidden4_num_units=500,
    output_num_units=30,
    max_epochs=1000,
)
net1.fit(X, y)
`

func TestEntryPicksNeuralNet(t *testing.T) {
	// net2 by its variable; its data-dependent input shape given whole.
	// conv1 (3*3*1+1)*32 = 320 → 32x94x94, pool → 32x47x47; hidden4
	// 32*47*47*500 + 500 = 35344500; output 500*30 + 30 = 15030.
	// 320 + 35344500 + 15030 = 35359850.
	r, _, err := decodeWith(t, twoNets, Options{Entry: "net2", InputShapes: map[string][]int64{"": {-1, 1, 96, 96}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := total(t, r); got != 35359850 {
		t.Errorf("total %d, want 35359850", got)
	}
	if s := shape(row(t, r, "pool1").OutputShapes[0]); s != "None,32,47,47" {
		t.Errorf("pool1 %s", s)
	}
	// The same, naming the input layer.
	r, _, err = decodeWith(t, twoNets, Options{Entry: "net2", InputShapes: map[string][]int64{"input": {-1, 1, 96, 96}}})
	if err != nil || total(t, r) != 35359850 {
		t.Errorf("named input: %v", err)
	}
	// net2 without the shape: the data message names the keyword.
	_, _, err = decodeWith(t, twoNets, Options{Entry: "net2"})
	if err == nil || !strings.Contains(err.Error(), "input_shape = (None,) + X.shape[1:] (line 27); give the whole shape of input layer input, batch first") {
		t.Errorf("error %v", err)
	}
	// net1, a keyword overridden: 9216*200 + 200 + 200*30 + 30 = 1849430.
	r, _, err = decodeWith(t, twoNets, Options{Entry: "net1", Set: map[string]string{"hidden_num_units": "200"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := total(t, r); got != 1849430 {
		t.Errorf("total %d, want 1849430", got)
	}
	// Without --entry, two buildable nets: the first, and a note naming
	// the other's variable. 9216*100 + 100 + 100*30 + 30 = 924730.
	both := strings.Replace(twoNets, "input_shape=(None,) + X.shape[1:]", "input_shape=(None, 1, 96, 96)", 1)
	r, g, err := decodeWith(t, both, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := total(t, r); got != 924730 {
		t.Errorf("total %d, want 924730", got)
	}
	if !strings.Contains(strings.Join(g.Notes, "\n"), "the file defines 2 NeuralNets (net1, net2); this is net1") {
		t.Errorf("notes %q", g.Notes)
	}
	if a := g.Asks; len(a) != 1 || a[0] != (graph.Ask{What: "another NeuralNet", Option: "entry", Value: "net2"}) {
		t.Errorf("asks %+v, want the entry net2", a)
	}
	r, _, err = decodeWith(t, both, Options{Entry: "net2"})
	if err != nil || total(t, r) != 35359850 {
		t.Errorf("--entry net2: %v", err)
	}
	_, _, err = decodeWith(t, both, Options{Entry: "net2()"})
	var oe *OptionError
	if !errors.As(err, &oe) || !strings.Contains(err.Error(), "net2 is a NeuralNet, not a function") {
		t.Errorf("call of a net: %v", err)
	}
}

func TestInputShape(t *testing.T) {
	src := header + "X = load()\nl = InputLayer((None,) + X.shape[1:], name='in')\nl = Conv2DLayer(l, 8, 3, name='c')\nl = DenseLayer(l, 10, name='out')\n"
	// (3*3*1+1)*8 = 80 → 8x26x26 = 5408; 5408*10 + 10 = 54090. 54170.
	for _, key := range []string{"", "in"} {
		r, _, err := decodeWith(t, src, Options{InputShapes: map[string][]int64{key: {-1, 1, 28, 28}}})
		if err != nil {
			t.Fatal(err)
		}
		if got := total(t, r); got != 54170 {
			t.Errorf("%q: total %d, want 54170", key, got)
		}
		if s := shape(row(t, r, "in").OutputShapes[0]); s != "None,1,28,28" {
			t.Errorf("input %s", s)
		}
	}
	// A batch size.
	r, _, err := decodeWith(t, src, Options{InputShapes: map[string][]int64{"": {4, 1, 28, 28}}})
	if err != nil || shape(row(t, r, "c").OutputShapes[0]) != "4,8,26,26" {
		t.Errorf("batch 4: %v", err)
	}
	// The file's own shape is replaced; a different rank is an error.
	known := header + "l = InputLayer((None, 1, 28, 28), name='in')\nl = DenseLayer(l, 10)\n"
	r, g, err := decodeWith(t, known, Options{InputShapes: map[string][]int64{"in": {-1, 1, 14, 14}}})
	if err != nil || total(t, r) != 14*14*10+10 {
		t.Errorf("replaced: %v", err)
	} else if !strings.Contains(strings.Join(g.Notes, "\n"), "axis 2 set to 14 by the input shape given (the file says 28)") {
		t.Errorf("notes %q", g.Notes)
	}
	for _, c := range []struct {
		shapes map[string][]int64
		want   string
	}{
		{map[string][]int64{"": {1, 28, 28}}, "the input shape given has 3 axes (1x28x28) but the file's shape (None, 1, 28, 28) has 4: give the whole shape, batch axis first (N for None), e.g. Nx1x28x28"},
		{map[string][]int64{"inp": {-1, 1, 28, 28}}, "input shape given for inp: the model has no InputLayer named inp (did you mean in?)"},
	} {
		_, _, err := decodeWith(t, known, Options{InputShapes: c.shapes})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.shapes, err, c.want)
		}
	}
	// nolearn: input_shape missing or from data.
	nl := "from nolearn.lasagne import NeuralNet\nfrom lasagne import layers\nnet = NeuralNet(layers=[('input', layers.InputLayer), ('out', layers.DenseLayer)], out_num_units=3)\n"
	r, _, err = decodeWith(t, nl, Options{InputShapes: map[string][]int64{"input": {-1, 5}}})
	if err != nil || total(t, r) != 5*3+3 {
		t.Errorf("nolearn: %v", err)
	}
}

func TestSet(t *testing.T) {
	for _, c := range []struct {
		name string
		src  string
		set  map[string]string
		want int64
	}{
		// A name the file uses but never defines (a pasted snippet).
		{"free name", header + "l = InputLayer((None, n_in))\nl = DenseLayer(l, 4)\n", map[string]string{"n_in": "6"}, 6*4 + 4},
		// Unpacking: the other names keep their values.
		{"unpacking", header + "n_in, n_out = 3, load()\nl = InputLayer((None, n_in))\nl = DenseLayer(l, n_out)\n", map[string]string{"n_out": "5"}, 3*5 + 5},
		// Inside a module-level if, and a later augmented assignment applies.
		{"if and +=", header + "if True:\n    h = len(load())\nh += 1\nl = DenseLayer(InputLayer((None, 2)), h)\n", map[string]string{"h": "9"}, 2*10 + 10},
		// A parameter of the entry function.
		{"entry parameter", header + "def build_model(n_hidden=100):\n    return DenseLayer(InputLayer((None, 2)), n_hidden)\n", map[string]string{"n_hidden": "7"}, 2*7 + 7},
		// A NeuralNet keyword the file does not give.
		{"NeuralNet keyword added", "from nolearn.lasagne import NeuralNet\nfrom lasagne import layers\nnet = NeuralNet(layers=[('input', layers.InputLayer), ('out', layers.DenseLayer)], input_shape=(None, 4), out_num_units=3)\n",
			map[string]string{"out_num_units": "8", "input_shape": "(None, 2)"}, 2*8 + 8},
		// A tuple and a string.
		{"tuple and string", header + "shape = (None, 3, 8, 8)\npad = 'valid'\nl = Conv2DLayer(InputLayer(shape), 2, 3, pad=pad)\n", map[string]string{"shape": "(None, 1, 8, 8)", "pad": "'same'"}, (9*1 + 1) * 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, _, err := decodeWith(t, c.src, Options{Set: c.set})
			if err != nil {
				t.Fatal(err)
			}
			if got := total(t, r); got != c.want {
				t.Errorf("total %d, want %d", got, c.want)
			}
		})
	}
	_, _, err := decodeWith(t, recipes, Options{Set: map[string]string{"nope": "1"}})
	if err == nil || !strings.Contains(err.Error(), "value given for nope: the file assigns no nope, and no entry function parameter or NeuralNet keyword has that name") {
		t.Errorf("unused: %v", err)
	}
	_, _, err = decodeWith(t, recipes, Options{Set: map[string]string{"n": "relu"}})
	var oe *OptionError
	if !errors.As(err, &oe) || !strings.Contains(err.Error(), "option set: n: relu is a name, not a literal") {
		t.Errorf("bad literal: %v", err)
	}
	_, _, err = decodeWith(t, recipes, Options{Set: map[string]string{"2x": "1"}})
	if !errors.As(err, &oe) {
		t.Errorf("bad name: %v", err)
	}
}

// FuzzOptions: --entry and --set values never panic, and a literal that
// parses reads back the same from its Starlark spelling.
func FuzzOptions(f *testing.F) {
	for _, s := range []string{"59", "(None, 1, 28, 28)", "'same'", "None", "build_lenet5(None, 10)", "f(a=1, b=(2, 3))", "[1, {'a': -2.5}]", "b'x'", "1e400", "-(-1)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, opt := range []Options{{Entry: s}, {Set: map[string]string{"num_classes": s}}, {Entry: "build_lenet5", Set: map[string]string{"num_classes": s}}} {
			opt.MaxSteps = 100000
			if _, err := Decode("fuzz.py", []byte(recipes), opt); err != nil && strings.Contains(err.Error(), "internal error") {
				t.Fatalf("%+v: %v", opt, err)
			}
		}
		parseEntry(s)
		v, err := parseLiteral(s)
		if err != nil {
			return
		}
		if f, ok := v.(starlark.Float); ok && (math.IsInf(float64(f), 0) || math.IsNaN(float64(f))) {
			return
		}
		if strings.Contains(v.String(), "inf") || strings.Contains(v.String(), "nan") {
			return
		}
		w, err := parseLiteral(v.String())
		if err != nil {
			t.Fatalf("%q parses to %s, which does not parse: %v", s, v, err)
		}
		if eq, err := starlark.Equal(v, w); err != nil || !eq {
			t.Fatalf("%q parses to %s, which reads back as %s", s, v, w)
		}
	})
}

// TestEntryDataArgument: a name in an --entry call stands for data; a
// size computed from it says so, and --set of the NeuralNet keyword gives it.
func TestEntryDataArgument(t *testing.T) {
	src := `def generate_nnet(feats):
    from lasagne import layers
    from nolearn.lasagne import NeuralNet
    input_shape = (None, feats[0].shape[0], feats[0].shape[1], feats[0].shape[2])
    return NeuralNet(layers=[('input', layers.InputLayer), ('conv', layers.Conv2DLayer), ('output', layers.DenseLayer)],
                     input_shape=input_shape, conv_num_filters=4, conv_filter_size=(3, 3), output_num_units=2)
`
	_, _, err := decodeWith(t, src, Options{Entry: "generate_nnet(feats)"})
	if err == nil || !strings.Contains(err.Error(), "shape comes from data that layerinfo does not read: feats (an argument of the entry call)") {
		t.Errorf("error %v", err)
	}
	// conv (3*3*3+1)*4 = 112 → 4x49x49 = 9604; 9604*2 + 2 = 19210. 19322.
	r, _, err := decodeWith(t, src, Options{Entry: "generate_nnet(feats)", Set: map[string]string{"input_shape": "(None, 3, 51, 51)"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := total(t, r); got != 19322 {
		t.Errorf("total %d, want 19322", got)
	}
}

// TestSetKeywordEveryNet: a keyword --set adds goes to every NeuralNet
// of the file, not only the first.
func TestSetKeywordEveryNet(t *testing.T) {
	src := `from nolearn.lasagne import NeuralNet
from lasagne import layers
net1 = NeuralNet(layers=[('input', layers.InputLayer), ('out', layers.DenseLayer)], input_shape=(None, 4))
net2 = NeuralNet(layers=[('input', layers.InputLayer), ('hid', layers.DenseLayer), ('out', layers.DenseLayer)], input_shape=(None, 4), hid_num_units=6)
`
	// net1: 4*3 + 3 = 15; net2: 4*6 + 6 + 6*3 + 3 = 51.
	for entry, want := range map[string]int64{"": 15, "net1": 15, "net2": 51} {
		r, _, err := decodeWith(t, src, Options{Entry: entry, Set: map[string]string{"out_num_units": "3"}})
		if err != nil {
			t.Fatalf("--entry %q: %v", entry, err)
		}
		if got := total(t, r); got != want {
			t.Errorf("--entry %q: total %d, want %d", entry, got, want)
		}
	}
}

// TestAutoEntryPrefersBuilders: a data function that takes X is not
// called with None; a function that makes layers comes before one that
// does not.
func TestAutoEntryPrefersBuilders(t *testing.T) {
	src := header + `def get_data():
    return load('x.npy')

def get_batches(X_var, y_var):
    return [X_var, y_var]

def build_model(input_var):
    l = InputLayer((None, 5), input_var=input_var)
    return DenseLayer(l, 2)
`
	// 5*2 + 2 = 12.
	r, g, err := decodeWith(t, src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := total(t, r); got != 12 {
		t.Errorf("total %d, want 12", got)
	}
	if !strings.Contains(strings.Join(g.Notes, "\n"), "built by calling build_model(input_var=<a Theano variable>); the file also defines get_data") {
		t.Errorf("notes %q", g.Notes)
	}
	if a := g.Asks; len(a) != 1 || a[0].Option != "entry" {
		t.Errorf("asks %+v, want one for the entry point", a)
	}
	for _, name := range []string{"input_var", "target_var", "inputvar", "input_vars", "X_sym", "sym_x", "var"} {
		if !inputVarLike(name) {
			t.Errorf("%s is an input variable", name)
		}
	}
	for _, name := range []string{"X", "x", "input", "incoming", "num_classes", "input_shape", "layer"} {
		if inputVarLike(name) {
			t.Errorf("%s is not an input variable", name)
		}
	}
}

// TestInputShapeWithoutBatch: --input-shape is the whole shape; given
// without the batch axis for a shape from data, the error says so.
func TestInputShapeWithoutBatch(t *testing.T) {
	src := header + "X = load()\nl = InputLayer((None,) + X.shape[1:])\nl = Conv2DLayer(l, 8, 3)\n"
	_, _, err := decodeWith(t, src, Options{InputShapes: map[string][]int64{"": {1, 28, 28}}})
	if err == nil || !strings.Contains(err.Error(), "expected 4 input dimensions") ||
		!strings.Contains(err.Error(), "(the input shape given is the InputLayer's whole shape 1x28x28, batch axis first; if it leaves the batch out, write Nx1x28x28)") {
		t.Errorf("error %v", err)
	}
	// (3*3*1+1)*8 = 80.
	r, g, err := decodeWith(t, src, Options{InputShapes: map[string][]int64{"": {-1, 1, 28, 28}}})
	if err != nil || total(t, r) != 80 {
		t.Fatalf("Nx1x28x28: %v", err)
	}
	if !strings.Contains(strings.Join(g.Notes, "\n"), "the InputLayer: shape Nx1x28x28 from the input shape given (the whole shape, batch axis first)") {
		t.Errorf("notes %q", g.Notes)
	}
}

func TestSetMisspelt(t *testing.T) {
	// The model fails for want of the value: the error says the misspelt
	// one was not used.
	_, _, err := decodeWith(t, charRNN, Options{Set: map[string]string{"vocab_sise": "59"}})
	if err == nil || !strings.HasSuffix(err.Error(), "give the value of vocab_size (the value given for vocab_sise was not used: did you mean vocab_size?)") {
		t.Errorf("error %v", err)
	}
	// The model is whole: the unused value is an error of its own.
	_, _, err = decodeWith(t, charRNN, Options{Set: map[string]string{"vocab_size": "59", "N_HIDEN": "5"}})
	if err == nil || !strings.HasSuffix(err.Error(), "model.py: value given for N_HIDEN: the file assigns no N_HIDEN, and no entry function parameter or NeuralNet keyword has that name (did you mean N_HIDDEN?)") {
		t.Errorf("error %v", err)
	}
}

// TestSetInFunction: a size computed from data inside main() is named
// with its line, and --set replaces that assignment too.
func TestSetInFunction(t *testing.T) {
	src := header + `def main():
    text = open('input.txt').read()
    chars = sorted(set(text))
    vocab_size = len(chars)
    l = InputLayer((None, 10, vocab_size))
    l = DenseLayer(l, vocab_size)
    return l

if __name__ == '__main__':
    main()
`
	_, _, err := decodeWith(t, src, Options{})
	if err == nil || !strings.Contains(err.Error(), "vocab_size = len(chars) (line 6); give the value of vocab_size") {
		t.Errorf("error %v", err)
	}
	// 10*27*27 + 27 = 7317.
	r, _, err := decodeWith(t, src, Options{Set: map[string]string{"vocab_size": "27"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := total(t, r); got != 7317 {
		t.Errorf("total %d, want 7317", got)
	}
}

package keras

import (
	"errors"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/format"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/stats"
)

// crow is a layer as a test expects it: name, class, output shapes as
// the report writes them, params, non-trainable params.
type crow struct {
	name, class, shape string
	params, frozen     int64
}

func checkRows(t *testing.T, r *stats.Report, want []crow) {
	t.Helper()
	if len(r.Layers) != len(want) {
		var got []string
		for _, l := range r.Layers {
			got = append(got, l.Name+" ("+l.Type+")")
		}
		t.Fatalf("%d rows %v, want %d", len(r.Layers), got, len(want))
	}
	var total, frozen int64
	for i, w := range want {
		l := r.Layers[i]
		if l.Name != w.name || l.Type != w.class || reportShapeText(l) != w.shape || l.Params != w.params || l.NonTrainableParams != w.frozen {
			t.Errorf("crow %d: %s (%s) %s %d params (%d non-trainable), want %s (%s) %s %d (%d)", i,
				l.Name, l.Type, reportShapeText(l), l.Params, l.NonTrainableParams, w.name, w.class, w.shape, w.params, w.frozen)
		}
		total += w.params
		frozen += w.frozen
	}
	if r.Totals.Params != total || r.Totals.NonTrainableParams != frozen {
		t.Errorf("totals %d (%d non-trainable), want %d (%d)", r.Totals.Params, r.Totals.NonTrainableParams, total, frozen)
	}
}

// TestCodeKeras3Names: Keras 3's automatic names (the class in snake
// case, then _1, _2 per prefix: input_layer, conv2d, re_lu), a
// functional model's layers by depth, and counts worked by hand.
func TestCodeKeras3Names(t *testing.T) {
	src := `import keras
from keras import layers

inputs = keras.Input(shape=(8, 8, 3))
x = layers.Conv2D(4, 3, padding="same")(inputs)   # 3*3*3*4 + 4 = 112
x = layers.ReLU()(x)
y = layers.Conv2D(4, 1)(inputs)                    # 3*4 + 4 = 16
z = layers.Add()([x, y])
z = layers.BatchNormalization()(z)                 # 4*4 = 16, 8 non-trainable
z = layers.MaxPool2D()(z)
z = layers.Flatten()(z)                            # 4*4*4 = 64
out = layers.Dense(2, activation="softmax")(z)     # 64*2 + 2 = 130
model = keras.Model(inputs, out)
`
	r := analyseCode(t, "k3.py", []byte(src), CodeOptions{})
	// conv2d_1 (1x1, valid) keeps 8x8: the Add is of two 8x8x4 tensors.
	checkRows(t, r, []crow{
		{"input_layer", "InputLayer", "(None, 8, 8, 3)", 0, 0},
		{"conv2d", "Conv2D", "(None, 8, 8, 4)", 112, 0},
		{"re_lu", "ReLU", "(None, 8, 8, 4)", 0, 0},
		{"conv2d_1", "Conv2D", "(None, 8, 8, 4)", 16, 0},
		{"add", "Add", "(None, 8, 8, 4)", 0, 0},
		{"batch_normalization", "BatchNormalization", "(None, 8, 8, 4)", 16, 8},
		{"max_pooling2d", "MaxPooling2D", "(None, 4, 4, 4)", 0, 0},
		{"flatten", "Flatten", "(None, 64)", 0, 0},
		{"dense", "Dense", "(None, 2)", 130, 0},
	})
	if r.Model.Name != "functional" {
		t.Errorf("model name %q, Keras 3 names it functional", r.Model.Name)
	}
}

// TestCodeTFKeras: tf.keras spellings, Keras 2's names (input_1,
// model), a shared layer (one crow, its weights once, both calls'
// outputs), the merge functions, an operator (a TFOpLambda crow), two
// outputs, and a size read from a tensor's shape. The order is Keras's
// (worked by hand): depths from the outputs input_1, input_2 3, shared
// 2, concatenate and the add 1, half and dense 0; within a depth the
// order a walk from the outputs (out1 first) meets them.
func TestCodeTFKeras(t *testing.T) {
	src := `import tensorflow as tf
from tensorflow.keras.layers import Dense, Input
from tensorflow.keras import layers

a = Input(shape=(6,))
b = Input(shape=(6,))
shared = Dense(4, name="shared")      # 6*4 + 4 = 28, once
ha = shared(a)
hb = shared(b)
s = ha + hb
c = layers.concatenate([ha, hb])
n = c.shape[-1]                       # 8
out1 = Dense(n // 2, name="half")(c)  # 8*4 + 4 = 36
out2 = Dense(1)(s)                    # 4*1 + 1 = 5
model = tf.keras.Model(inputs=[a, b], outputs=[out1, out2])
`
	r := analyseCode(t, "tfk.py", []byte(src), CodeOptions{})
	checkRows(t, r, []crow{
		{"input_1", "InputLayer", "(None, 6)", 0, 0},
		{"input_2", "InputLayer", "(None, 6)", 0, 0},
		{"shared", "Dense", "(None, 4) (None, 4)", 28, 0},
		{"concatenate", "Concatenate", "(None, 8)", 0, 0},
		{"tf.__operators__.add", "TFOpLambda", "(None, 4)", 0, 0},
		{"half", "Dense", "(None, 4)", 36, 0},
		{"dense", "Dense", "(None, 1)", 5, 0},
	})
	if r.Model.Name != "model" {
		t.Errorf("model name %q, tf.keras names it model", r.Model.Name)
	}
}

// TestCodeSubclassed: a subclassed model (its call traced on the shape
// model.build gives), a file's own layer with sublayers (one crow with
// their weights, as model.summary() shows it), a frozen layer, and a
// list of layers run in a loop.
func TestCodeSubclassed(t *testing.T) {
	src := `import keras
from keras import layers


class Block(layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(units)          # in*units + units
        self.norm = layers.LayerNormalization()   # 2*units

    def call(self, x):
        return keras.ops.relu(self.norm(self.dense(x)))


class Net(keras.Model):
    def __init__(self):
        super().__init__(name="net")
        self.embed = layers.Dense(16)
        self.embed.trainable = False
        self.blocks = [Block(16) for _ in range(2)]
        self.head = layers.Dense(3)

    def call(self, inputs, training=False):
        x = self.embed(inputs)
        for b in self.blocks:
            x = b(x)
        return self.head(x)


model = Net()
model.build((None, 10))
`
	r := analyseCode(t, "sub.py", []byte(src), CodeOptions{})
	checkRows(t, r, []crow{
		{"dense", "Dense", "(None, 16)", 10*16 + 16, 10*16 + 16}, // frozen
		{"block", "Block", "(None, 16)", 16*16 + 16 + 2*16, 0},
		{"block_1", "Block", "(None, 16)", 16*16 + 16 + 2*16, 0},
		{"dense_3", "Dense", "(None, 3)", 16*3 + 3, 0},
	})
	if r.Model.Name != "net" {
		t.Errorf("model name %q, want net", r.Model.Name)
	}
	// The same model from --input-shape instead of build.
	src2 := strings.Replace(src, "model.build((None, 10))\n", "", 1)
	if _, err := DecodeCode("sub.py", []byte(src2), CodeOptions{}); err == nil {
		t.Error("a subclassed model never built and no input shape: no error")
	} else if me := (*format.MissingError)(nil); !errors.As(err, &me) || me.Option != "input-shape" {
		t.Errorf("error %v, want one asking for input-shape", err)
	}
	r2 := analyseCode(t, "sub.py", []byte(src2), CodeOptions{InputShapes: map[string][]int64{"": {-1, 10}}})
	if r2.Totals.Params != r.Totals.Params {
		t.Errorf("with --input-shape %d params, with build %d", r2.Totals.Params, r.Totals.Params)
	}
}

// TestCodeSequentialForms: Sequential(list), .add, input_shape= on the
// first layer, Keras 1's Convolution2D(32, 3, 3), a nested Sequential,
// Bidirectional around an LSTM, TimeDistributed.
func TestCodeSequentialForms(t *testing.T) {
	src := `from keras.models import Sequential
from keras.layers import Convolution2D, MaxPooling2D, Flatten, Dense, Reshape, LSTM, Bidirectional, TimeDistributed

inner = Sequential([Dense(8), Dense(8)])   # (12*8+8) + (8*8+8) = 104 + 72
model = Sequential()
model.add(Convolution2D(4, 3, 3, input_shape=(10, 10, 1)))  # 3*3*1*4 + 4 = 40 -> 8x8x4
model.add(MaxPooling2D())                                  # 4x4x4
model.add(Reshape((4, 16)))
model.add(Bidirectional(LSTM(5, return_sequences=True)))   # 2 * (4*5*(16+5) + 4*5) = 880
model.add(TimeDistributed(Dense(12)))                      # 10*12 + 12 = 132
model.add(Flatten())                                       # 48
model.add(Dense(12))                                       # 48*12 + 12 = 588
model.add(inner)
`
	r := analyseCode(t, "seq.py", []byte(src), CodeOptions{})
	checkRows(t, r, []crow{
		{"conv2d", "Conv2D", "(None, 8, 8, 4)", 40, 0},
		{"max_pooling2d", "MaxPooling2D", "(None, 4, 4, 4)", 0, 0},
		{"reshape", "Reshape", "(None, 4, 16)", 0, 0},
		{"bidirectional", "Bidirectional", "(None, 4, 10)", 880, 0},
		{"time_distributed", "TimeDistributed", "(None, 4, 12)", 132, 0},
		{"flatten", "Flatten", "(None, 48)", 0, 0},
		{"dense_3", "Dense", "(None, 12)", 588, 0},
		{"sequential", "Sequential", "(None, 8)", 176, 0},
	})
}

// TestCodeErrors: a shape that does not fit is an error at the script's
// line, naming the layer.
func TestCodeErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{"import keras\nfrom keras import layers\nx = keras.Input((4,))\ny = layers.Reshape((3, 3))(x)\nm = keras.Model(x, y)\n",
			"e.py:4:"},
		{"import keras\nm = keras.Sequential([\n    keras.Input((4, 4, 1)),\n    keras.layers.Conv2D(2, 5),\n])\n",
			"e.py:4:"},
		{"import keras\nfrom keras import layers\na = keras.Input((4,))\nb = keras.Input((5,))\nc = layers.add([a, b])\nm = keras.Model([a, b], c)\n",
			"e.py:5:"},
		{"import keras\nm = keras.Sequential([keras.layers.Dense(3, input_shape=(4,)), keras.layers.Conv2D(2)])\n",
			"kernel_size"},
	}
	for _, c := range cases {
		g, err := DecodeCode("e.py", []byte(c.src), CodeOptions{})
		if err == nil {
			r, aerr := analyseGraph(g)
			if aerr == nil {
				t.Errorf("%q: no error (%d params)", c.src, r.Totals.Params)
				continue
			}
			err = aerr
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want one at %s", c.src, err, c.want)
		}
	}
}

func analyseGraph(g *graph.Graph) (*stats.Report, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	if err := infer.Run(g, infer.Options{}); err != nil {
		return nil, err
	}
	return stats.Build(g)
}

// TestCodeSniff: Keras code is told from PyTorch's and Lasagne's.
func TestCodeSniff(t *testing.T) {
	for _, c := range []struct {
		name, head string
		want       format.Sure
	}{
		{"m.py", "import keras\n", format.Certain},
		{"m.py", "from tensorflow.keras import layers\n", format.Certain},
		{"m.py", "import tensorflow as tf\nm = tf.keras.Sequential()\n", format.Certain},
		{"m.py", "import torch.nn as nn\n", format.No},
		{"m.py", "import lasagne\nfrom nolearn.lasagne import NeuralNet\n", format.No},
		{"m.py", "import torch\nimport keras\n", format.Maybe},
		{"m.json", "import keras\n", format.No},
	} {
		if got := (Code{}).Sniff(c.name, []byte(c.head)); got != c.want {
			t.Errorf("Sniff(%s, %q) = %v, want %v", c.name, c.head, got, c.want)
		}
	}
}

// TestCodeStatesAndConstants: an RNN's initial_state comes from another
// LSTM (which is then part of the model), return_state's three outputs,
// positions from ops.arange through an Embedding inside a layer class
// (their weights counted), a Lambda's shape from its function.
func TestCodeStatesAndConstants(t *testing.T) {
	src := `import keras
from keras import layers, ops


class Embed(layers.Layer):
    def __init__(self, length, vocab, dim):
        super().__init__()
        self.tok = layers.Embedding(vocab, dim)      # vocab*dim
        self.pos = layers.Embedding(length, dim)     # length*dim

    def call(self, x):
        positions = ops.arange(start=0, stop=ops.shape(x)[-1], step=1)
        return self.tok(x) + self.pos(positions)


src_in = keras.Input(shape=(12,), dtype="int32")
tgt_in = keras.Input(shape=(7, 5))
e = Embed(12, 50, 6)(src_in)
_, h, c = layers.LSTM(4, return_state=True)(e)              # 4*4*(6+4) + 4*4 = 176
y = layers.LSTM(4, return_sequences=True)(tgt_in, initial_state=[h, c])  # 4*4*(5+4) + 16 = 160
y = layers.Lambda(lambda t: t * 0.5)(y)
out = layers.Dense(3)(y)                                     # 4*3 + 3 = 15
model = keras.Model([src_in, tgt_in], out)
`
	r := analyseCode(t, "st.py", []byte(src), CodeOptions{})
	checkRows(t, r, []crow{
		{"input_layer", "InputLayer", "(None, 12)", 0, 0},
		{"embed", "Embed", "(None, 12, 6)", 50*6 + 12*6, 0},
		{"input_layer_1", "InputLayer", "(None, 7, 5)", 0, 0},
		{"lstm", "LSTM", "(None, 4) (None, 4) (None, 4)", 176, 0},
		{"lstm_1", "LSTM", "(None, 7, 4)", 160, 0},
		{"lambda", "Lambda", "(None, 7, 4)", 0, 0},
		{"dense", "Dense", "(None, 7, 3)", 15, 0},
	})
}

// TestCodeTrainingScript: a whole training script runs past the model —
// data loading, fit, evaluate, a loop over model.layers — without
// stopping: (3*3*1+1)*8 = 80, 13*13*8 = 1352 flattened, (1352+1)*10.
func TestCodeTrainingScript(t *testing.T) {
	src := `import numpy as np
import keras
from keras import layers

(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
x_train = np.expand_dims(x_train.astype("float32") / 255, -1)
model = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    layers.Conv2D(8, 3, activation="relu"),
    layers.MaxPooling2D(),
    layers.Flatten(),
    layers.Dense(10, activation="softmax"),
])
model.summary()
model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=128, epochs=3, validation_split=0.1)
score = model.evaluate(x_test, y_test, verbose=0)
print("Test loss:", score[0], history.history["loss"][-1])
for layer in model.layers:
    print(layer.name, layer.output_shape, layer.count_params())
model.save("mnist.keras")
`
	r := analyseCode(t, "train.py", []byte(src), CodeOptions{})
	if r.Totals.Params != 80+(1352+1)*10 {
		t.Errorf("params %d, want %d", r.Totals.Params, 80+(1352+1)*10)
	}
	for _, n := range r.Notes {
		if strings.Contains(n, "stopped") {
			t.Errorf("note %q", n)
		}
	}
}

// TestCodeAddWeight: a layer class of the script's own that makes its
// weights with add_weight in build (Keras 3's shape first, Keras 2's
// name first), one called twice (its weights once), the matmul in its
// call giving the output's last axis; the operations inside a layer's
// call take no automatic names (Keras runs them on backend tensors), so
// the model's Add is "add".
func TestCodeAddWeight(t *testing.T) {
	src := `import keras
from keras import layers, ops


class Linear(keras.layers.Layer):
    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal")
        self.b = self.add_weight("bias", (self.units,), initializer="zeros")
        self.steps = self.add_weight(shape=(), initializer="zeros", trainable=False, name="steps")

    def call(self, inputs):
        return keras.activations.relu(ops.matmul(inputs, self.w) + self.b)


inputs = keras.Input((16,))
x = Linear(8)(inputs)          # 16*8 + 8 + 1 (non-trainable) = 137
shared = Linear(4)
y = shared(x)                  # 8*4 + 4 + 1 = 37, once
z = shared(x)
out = layers.Add()([y, z])
model = keras.Model(inputs, out)
`
	r := analyseCode(t, "aw.py", []byte(src), CodeOptions{})
	checkRows(t, r, []crow{
		{"input_layer", "InputLayer", "(None, 16)", 0, 0},
		{"linear", "Linear", "(None, 8)", 137, 1},
		{"linear_1", "Linear", "(None, 4) (None, 4)", 37, 1},
		{"add", "Add", "(None, 4)", 0, 0},
	})
	var names []string
	for _, w := range r.Layers[1].Weights {
		names = append(names, w.Name)
	}
	if got := strings.Join(names, " "); got != "linear/variable linear/bias linear/steps" {
		t.Errorf("weights %s", got)
	}
}

// TestCodeFindsModel: the model made by a function the file only
// defines (its parameters all defaulted), or only in its main block.
func TestCodeFindsModel(t *testing.T) {
	fn := `from tensorflow import keras
from tensorflow.keras import layers


def create_cnn(input_shape=(28, 28, 1), num_classes=10):
    inputs = keras.Input(shape=input_shape)
    x = layers.Conv2D(8, 3)(inputs)          # 3*3*1*8 + 8 = 80
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, layers.Dense(num_classes)(x))   # 8*10 + 10 = 90


def train(model, epochs):
    model.fit(epochs=epochs)
`
	if r := analyseCode(t, "fn.py", []byte(fn), CodeOptions{}); r.Totals.Params != 170 {
		t.Errorf("create_cnn(): %d params, want 170", r.Totals.Params)
	}
	main := `import keras


class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.d = keras.layers.Dense(3)

    def call(self, x):
        return self.d(x)


if __name__ == "__main__":
    model = Net()
    model.build((None, 5))      # 5*3 + 3 = 18
    model.summary()
`
	if r := analyseCode(t, "main.py", []byte(main), CodeOptions{}); r.Totals.Params != 18 {
		t.Errorf("main block: %d params, want 18", r.Totals.Params)
	}
}

// TestCodePreprocessing: TextVectorization's output_sequence_length
// and CategoryEncoding's num_tokens give the shapes after them (adapt
// runs on placeholders): Embedding 1000*16, Dense (16+1)*2; Dense (5+1)*3.
func TestCodePreprocessing(t *testing.T) {
	src := `import tensorflow as tf
from tensorflow.keras import layers, Input, Model

vec = layers.TextVectorization(max_tokens=1000, output_sequence_length=40)
vec.adapt(tf.data.Dataset.from_tensor_slices(["some text"]))
text = Input(shape=(1,), dtype="string")
x = layers.Embedding(1000, 16)(vec(text))
x = layers.GlobalAveragePooling1D()(x)
a = layers.Dense(2)(x)
cat = Input(shape=(1,), dtype="int32")
b = layers.Dense(3)(layers.CategoryEncoding(num_tokens=5, output_mode="one_hot")(cat))
model = Model([text, cat], [a, b])
`
	r := analyseCode(t, "pre.py", []byte(src), CodeOptions{})
	want := map[string]string{"text_vectorization": "(None, 40)", "embedding": "(None, 40, 16)", "category_encoding": "(None, 5)"}
	for _, l := range r.Layers {
		if w, ok := want[l.Name]; ok && reportShapeText(l) != w {
			t.Errorf("%s: %s, want %s", l.Name, reportShapeText(l), w)
		}
	}
	if r.Totals.Params != 1000*16+(16+1)*2+(5+1)*3 {
		t.Errorf("params %d, want %d", r.Totals.Params, 1000*16+(16+1)*2+(5+1)*3)
	}
}

// TestCodeEmbeddingInput: in tf.keras an Embedding declares its input
// ((input_length,), else (None,)), so a Sequential it starts is built;
// Keras 3's is not (its shapes and the LSTM's weights unknown until an
// Input is given). 1000*8; LSTM 4*4*(8+4) + 4*4 = 208; Dense 4+1.
func TestCodeEmbeddingInput(t *testing.T) {
	tfk := "from tensorflow.keras import layers, Sequential\nmodel = Sequential([layers.Embedding(1000, 8, input_length=20), layers.LSTM(4), layers.Dense(1)])\n"
	r := analyseCode(t, "e.py", []byte(tfk), CodeOptions{})
	if r.Totals.Params != 1000*8+208+5 || reportShapeText(r.Layers[0]) != "(None, 20, 8)" {
		t.Errorf("tf.keras: %d params, embedding %s", r.Totals.Params, reportShapeText(r.Layers[0]))
	}
	r = analyseCode(t, "e.py", []byte(strings.Replace(tfk, ", input_length=20", "", 1)), CodeOptions{})
	if r.Totals.Params != 1000*8+208+5 || reportShapeText(r.Layers[0]) != "(None, None, 8)" {
		t.Errorf("tf.keras without input_length: %d params, embedding %s", r.Totals.Params, reportShapeText(r.Layers[0]))
	}
	k3 := "import keras\nfrom keras import layers\nmodel = keras.Sequential([layers.Embedding(1000, 8), layers.LSTM(4), layers.Dense(1)])\n"
	if r := analyseCode(t, "e.py", []byte(k3), CodeOptions{}); !r.Totals.ParamsUnknown {
		t.Errorf("Keras 3, never built: %d params known", r.Totals.Params)
	}
}

// TestCodeOwnLayerInSequential: a layer class of the file's own in a
// Sequential is traced on the shape before it, as Keras builds it:
// Dense (4+1)*8 = 40, Scale's add_weight (8,), Dense (8+1)*2 = 18.
func TestCodeOwnLayerInSequential(t *testing.T) {
	src := `import keras
from keras import layers


class Scale(layers.Layer):
    def build(self, input_shape):
        self.s = self.add_weight(shape=(input_shape[-1],), initializer="ones")

    def call(self, x):
        return x * self.s


model = keras.Sequential([
    layers.Dense(8, input_shape=(4,)),
    Scale(),
    layers.Dense(2),
])
`
	r := analyseCode(t, "seq.py", []byte(src), CodeOptions{})
	checkRows(t, r, []crow{
		{"dense", "Dense", "(None, 8)", 40, 0},
		{"scale", "Scale", "(None, 8)", 8, 0},
		{"dense_1", "Dense", "(None, 2)", 18, 0},
	})
}

// TestCodeNotebook: a Jupyter notebook of Keras code (its code cells in
// order, magics left out): detected, read, errors at "cell N line L".
func TestCodeNotebook(t *testing.T) {
	nb := `{"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# A model"]},
 {"cell_type": "code", "metadata": {}, "outputs": [], "source": ["import keras\n", "from keras import layers\n"]},
 {"cell_type": "code", "metadata": {}, "outputs": [], "source": ["%matplotlib inline\n", "model = keras.Sequential([keras.Input((4,)), layers.Dense(UNITS), layers.Reshape((2, 2))])\n"]}],
 "metadata": {}, "nbformat": 4, "nbformat_minor": 5}`
	good := strings.Replace(nb, "UNITS", "4", 1)
	if s := (Code{}).Sniff("m.ipynb", []byte(good)); s != format.Certain {
		t.Errorf("Sniff: %v", s)
	}
	if r := analyseCode(t, "m.ipynb", []byte(good), CodeOptions{}); r.Totals.Params != (4+1)*4 {
		t.Errorf("params %d, want 20", r.Totals.Params)
	}
	g, err := DecodeCode("m.ipynb", []byte(strings.Replace(nb, "UNITS", "3", 1)), CodeOptions{})
	if err == nil {
		_, err = analyseGraph(g) // a Sequential's shapes are inferred with the graph
	}
	if err == nil || !strings.Contains(err.Error(), "m.ipynb: cell 2 line 2: layer reshape (Reshape)") {
		t.Errorf("error %v, want one at cell 2 line 2", err)
	}
}

// TestCodeIndexing: x[:, -1], x[:, 2:7:2, None], x[..., :4] give numpy's
// shapes, worked by hand: (None, 8), (None, 3, 1, 8) ((7-2)/2 rounded
// up), (None, 10, 4); indexing does no arithmetic (0 FLOPs).
func TestCodeIndexing(t *testing.T) {
	for _, flavour := range []string{"import keras\nfrom keras import layers\n", "from tensorflow import keras\nfrom tensorflow.keras import layers\n"} {
		src := flavour + `x = keras.Input((10, 8))
a = x[:, -1]
b = x[:, 2:7:2, None]
c = x[..., :4]
out = layers.Concatenate()([layers.Flatten()(b), a, layers.Flatten()(c)])
model = keras.Model(x, out)
`
		r := analyseCode(t, "sl.py", []byte(src), CodeOptions{})
		got := map[string]bool{}
		for _, l := range r.Layers {
			if l.Type == "GetItem" || l.Type == "SlicingOpLambda" {
				got[reportShapeText(l)] = true
				if l.FLOPs == nil || *l.FLOPs != 0 {
					t.Errorf("%s: FLOPs %v, want 0", l.Name, l.FLOPs)
				}
			}
		}
		for _, w := range []string{"(None, 8)", "(None, 3, 1, 8)", "(None, 10, 4)"} {
			if !got[w] {
				t.Errorf("%q: no indexing row of shape %s (rows %v)", flavour, w, got)
			}
		}
		if s := reportShapeText(r.Layers[len(r.Layers)-1]); s != "(None, 72)" {
			t.Errorf("concatenation %s, want (None, 24+8+40 = 72)", s)
		}
	}
}

// TestCodeCallTraining: a layer class whose call declares training (or
// mask) without a default, as keras.io's examples write it, gets None for
// it, as Keras's Layer.__call__ fills it in. keras.io's text-classification
// transformer: token embedding 20000*32 = 640,000, positions 200*32 =
// 6,400; the block's attention 3*(32*2*32+2*32) + 2*32*32+32 = 8,416, the
// feed-forward 2*(32*32+32) = 2,112, two LayerNormalizations 2*2*32 =
// 128; Dense 32*20+20 = 660 and Dense 20*2+2 = 42: 657,758.
func TestCodeCallTraining(t *testing.T) {
	src := `import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

class TransformerBlock(layers.Layer):
    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
        super().__init__()
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.ffn = keras.Sequential([layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim),])
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    def call(self, inputs, training):
        attn_output = self.att(inputs, inputs)
        attn_output = self.dropout1(attn_output, training=training)
        out1 = self.layernorm1(inputs + attn_output)
        ffn_output = self.ffn(out1)
        ffn_output = self.dropout2(ffn_output, training=training)
        return self.layernorm2(out1 + ffn_output)

class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, maxlen, vocab_size, embed_dim):
        super().__init__()
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, x):
        maxlen = tf.shape(x)[-1]
        positions = tf.range(start=0, limit=maxlen, delta=1)
        positions = self.pos_emb(positions)
        x = self.token_emb(x)
        return x + positions

inputs = layers.Input(shape=(200,))
x = TokenAndPositionEmbedding(200, 20000, 32)(inputs)
x = TransformerBlock(32, 2, 32)(x)
x = layers.GlobalAveragePooling1D()(x)
x = layers.Dropout(0.1)(x)
x = layers.Dense(20, activation="relu")(x)
x = layers.Dropout(0.1)(x)
outputs = layers.Dense(2, activation="softmax")(x)
model = keras.Model(inputs=inputs, outputs=outputs)
`
	r := analyseCode(t, "tr.py", []byte(src), CodeOptions{})
	if r.Totals.Params != 657758 {
		t.Errorf("params %d, want 657,758", r.Totals.Params)
	}
}

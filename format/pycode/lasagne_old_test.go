package pycode

import (
	"strings"
	"testing"
)

// Keywords of Lasagne before 0.1 (2014 to mid-2015, as nolearn's first
// kfkd tutorial used them), read with the meaning they had then. Every
// expected number is derived by hand in the comments from the old
// Lasagne sources (lasagne/layers/pool.py, conv.py, cuda_convnet.py,
// dnn.py, corrmm.py before 0.1).

// oldLayers checks a file's total and some layers' output shapes.
func oldLayers(t *testing.T, what, src string, total int64, shapes map[string]string) {
	t.Helper()
	r, err := decodeAsFound(t, "old.py", src, Options{})
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if r.Totals.Params != total {
		t.Errorf("%s: total %d, want %d", what, r.Totals.Params, total)
	}
	for name, want := range shapes {
		if s := shape(row(t, r, name).OutputShapes[0]); s != want {
			t.Errorf("%s: %s is %s, want %s", what, name, s, want)
		}
	}
}

func TestOldLasagneKfkd(t *testing.T) {
	// nolearn's kfkd net2 as first published: pool1_ds=(2, 2).
	// 96 → conv 3x3 → 94 → ds 2 → 47 → conv 2x2 → 46 → ds 2 → 23 →
	// conv 2x2 → 22 → ds 2 → 11 (even lengths: ceil = floor here).
	// conv1 (3*3*1+1)*32 = 320; conv2 (2*2*32+1)*64 = 8,256;
	// conv3 (2*2*64+1)*128 = 32,896; hidden4 (128*11*11+1)*500 = 7,744,500;
	// hidden5 (500+1)*500 = 250,500; output (500+1)*30 = 15,030;
	// total 8,051,502.
	for _, impl := range []string{"layers.Conv2DLayer, layers.MaxPool2DLayer", "layers.cuda_convnet.Conv2DCCLayer, layers.cuda_convnet.MaxPool2DCCLayer"} {
		src := `from lasagne import layers
from nolearn.lasagne import NeuralNet
Conv2DLayer, MaxPool2DLayer = ` + impl + `
net2 = NeuralNet(
    layers=[
        ('input', layers.InputLayer),
        ('conv1', Conv2DLayer), ('pool1', MaxPool2DLayer),
        ('conv2', Conv2DLayer), ('pool2', MaxPool2DLayer),
        ('conv3', Conv2DLayer), ('pool3', MaxPool2DLayer),
        ('hidden4', layers.DenseLayer), ('hidden5', layers.DenseLayer),
        ('output', layers.DenseLayer),
        ],
    input_shape=(None, 1, 96, 96),
    conv1_num_filters=32, conv1_filter_size=(3, 3), pool1_ds=(2, 2),
    conv2_num_filters=64, conv2_filter_size=(2, 2), pool2_ds=(2, 2),
    conv3_num_filters=128, conv3_filter_size=(2, 2), pool3_ds=(2, 2),
    hidden4_num_units=500, hidden5_num_units=500,
    output_num_units=30, output_nonlinearity=None,
    update_learning_rate=0.01, update_momentum=0.9,
    regression=True, max_epochs=1000, verbose=1,
    )
`
		oldLayers(t, impl, src, 8051502, map[string]string{
			"pool1": "None,32,47,47", "conv2": "None,64,46,46", "pool2": "None,64,23,23",
			"conv3": "None,128,22,22", "pool3": "None,128,11,11",
		})
	}
}

func TestOldLasagnePoolIgnoreBorder(t *testing.T) {
	net := func(pool string) string {
		return `from lasagne import layers
from nolearn.lasagne import NeuralNet
net = NeuralNet(
    layers=[('input', layers.InputLayer), ('conv1', layers.Conv2DLayer),
            ('pool1', layers.MaxPool2DLayer), ('output', layers.DenseLayer)],
    input_shape=(None, 1, 28, 28),
    conv1_num_filters=16, conv1_filter_size=(3, 3),
    ` + pool + `,
    output_num_units=10,
)
`
	}
	// 28 → conv 3x3 → 26; conv1 (3*3*1+1)*16 = 160.
	// ds=(3, 3) alone: ignore_border False (the old default):
	// ceil(26/3) = 9; output (16*9*9+1)*10 = 12,970; total 13,130.
	oldLayers(t, "ds", net("pool1_ds=(3, 3)"), 13130, map[string]string{"pool1": "None,16,9,9"})
	// ds with ignore_border=True: floor(26/3) = 8; output
	// (16*8*8+1)*10 = 10,250; total 10,410.
	oldLayers(t, "ds, ignore_border", net("pool1_ds=(3, 3), pool1_ignore_border=True"), 10410, map[string]string{"pool1": "None,16,8,8"})
	// Today's pool_size keeps today's default ignore_border=True: 8.
	oldLayers(t, "pool_size", net("pool1_pool_size=(3, 3)"), 10410, map[string]string{"pool1": "None,16,8,8"})
	// st (April 2015) with ds, partial region kept: stride 2 < pool 3:
	// ceil((26-3)/2)+1 = 13; output (16*13*13+1)*10 = 27,050; total
	// 27,210. (ignore_border=True would give floor(23/2)+1 = 12.)
	oldLayers(t, "ds, st", net("pool1_ds=3, pool1_st=2"), 27210, map[string]string{"pool1": "None,16,13,13"})

	// Direct calls, the note on the layer.
	r, err := decodeAsFound(t, "old.py", `import lasagne
l = lasagne.layers.InputLayer((None, 3, 7, 7))
l = lasagne.layers.MaxPool2DLayer(l, ds=(2, 2), name='pool')
`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// ceil(7/2) = 4.
	p := row(t, r, "pool")
	if s := shape(p.OutputShapes[0]); s != "None,3,4,4" {
		t.Errorf("pool %s, want None,3,4,4", s)
	}
	notes := strings.Join(p.Notes, "\n")
	for _, w := range []string{"ds=(2, 2) read as pool_size", "Lasagne before 0.1", "ignore_border not given: False"} {
		if !strings.Contains(notes, w) {
			t.Errorf("pool notes %q lack %q", notes, w)
		}
	}
}

func TestOldLasagneConv1D(t *testing.T) {
	// A temporal convnet after nolearn scripts of March 2015:
	// (4, 20) → conv filter_length 5 → 16, (4*5+1)*2 = 42;
	// ds 3, ignore_border False → ceil(16/3) = 6; dense (2*6+1)*3 = 39;
	// total 81.
	src := `from lasagne import layers
from nolearn.lasagne import NeuralNet
net = NeuralNet(
    layers=[('input', layers.InputLayer), ('conv1', layers.Conv1DLayer),
            ('pool1', layers.MaxPool1DLayer), ('output', layers.DenseLayer)],
    input_shape=(None, 4, 20),
    conv1_num_filters=2, conv1_filter_length=5, conv1_stride=1, pool1_ds=3,
    output_num_units=3,
)
`
	oldLayers(t, "conv1d", src, 81, map[string]string{"conv1": "None,2,16", "pool1": "None,2,6"})
	// Strided, with border_mode='full': 20+5-1 = 24 before the stride,
	// ceil(24/2) = 12 (pad 4 on both sides: floor((20+8-5)/2)+1 = 12).
	src = `import lasagne
l = lasagne.layers.InputLayer((None, 4, 20))
l = lasagne.layers.Conv1DLayer(l, num_filters=2, filter_length=5, stride=2, border_mode='full', name='c')
`
	oldLayers(t, "conv1d full", src, 42, map[string]string{"c": "None,2,12"})
}

func TestOldLasagneCudaConvnet(t *testing.T) {
	// The plankton net's start: Conv2DCCLayer strides=(2, 2):
	// floor((64-5)/2)+1 = 30, (5*5*1+1)*32 = 832;
	// MaxPool2DCCLayer ds=(3, 3), strides=(2, 2): partial region kept,
	// ceil((30-3)/2)+1 = 15; FeaturePoolLayer ds=2 after a dense of 8
	// units: 4; dense (32*15*15+1)*8 = 57,608; total 58,440.
	src := `from lasagne import layers
from lasagne.layers import cuda_convnet
from nolearn.lasagne import NeuralNet
net = NeuralNet(
    layers=[('input', layers.InputLayer), ('conv1', cuda_convnet.Conv2DCCLayer),
            ('pool1', cuda_convnet.MaxPool2DCCLayer), ('hidden', layers.DenseLayer),
            ('maxout', layers.pool.FeaturePoolLayer)],
    input_shape=(None, 1, 64, 64),
    conv1_num_filters=32, conv1_filter_size=(5, 5), conv1_strides=(2, 2),
    pool1_ds=(3, 3), pool1_strides=(2, 2),
    hidden_num_units=8, maxout_ds=2,
)
`
	oldLayers(t, "cuda-convnet", src, 58440, map[string]string{"conv1": "None,32,30,30", "pool1": "None,32,15,15", "maxout": "None,4"})
	// cuDNN pooling before 0.1 (ds, strides) always dropped a partial
	// region: floor((10-3)/2)+1 = 4.
	src = `import lasagne
from lasagne.layers import dnn
l = lasagne.layers.InputLayer((None, 2, 10, 10))
l = dnn.MaxPool2DDNNLayer(l, ds=(3, 3), strides=(2, 2), name='p')
`
	oldLayers(t, "dnn pool", src, 0, map[string]string{"p": "None,2,4,4"})
}

func TestOldLasagneBorderMode(t *testing.T) {
	conv := func(class, args string) string {
		return `import lasagne
from lasagne.layers import dnn
l = lasagne.layers.InputLayer((None, 1, 10, 10))
l = ` + class + `(l, num_filters=8, ` + args + `, name='c')
`
	}
	for _, c := range []struct {
		what, src string
		total     int64
		shape     string
	}{
		// Theano's Conv2DLayer emulated 'same' by cropping a full
		// convolution to the input's size, even filters too: 10.
		// (4*4*1+1)*8 = 136.
		{"same, even filter", conv("lasagne.layers.Conv2DLayer", "filter_size=(4, 4), border_mode='same'"), 136, "None,8,10,10"},
		// (3*3*1+1)*8 = 80.
		{"same", conv("lasagne.layers.Conv2DLayer", "filter_size=(3, 3), border_mode='same'"), 80, "None,8,10,10"},
		{"full", conv("lasagne.layers.Conv2DLayer", "filter_size=(3, 3), border_mode='full'"), 80, "None,8,12,12"},
		{"valid", conv("lasagne.layers.Conv2DLayer", "filter_size=(3, 3), border_mode='valid'"), 80, "None,8,8,8"},
		// Conv2DLayer strides=(2, 2): floor((10-3)/2)+1 = 4.
		{"strides", conv("lasagne.layers.Conv2DLayer", "filter_size=(3, 3), strides=(2, 2)"), 80, "None,8,4,4"},
		// cuDNN 'same' padded (k-1)//2 = 1 for k = 4: 10+2-4+1 = 9.
		{"dnn same, even filter", conv("dnn.Conv2DDNNLayer", "filter_size=(4, 4), border_mode='same'"), 136, "None,8,9,9"},
		// ... and with a stride: floor((10+2-3)/2)+1 = 5.
		{"dnn same, strided", conv("dnn.Conv2DDNNLayer", "filter_size=(3, 3), strides=(2, 2), border_mode='same'"), 80, "None,8,5,5"},
		// Caffe-style GpuCorrMM 'full': pad 2, 10+4-3+1 = 12.
		{"corrmm full", conv("lasagne.layers.corrmm.Conv2DMMLayer", "filter_size=(3, 3), border_mode='full'"), 80, "None,8,12,12"},
	} {
		oldLayers(t, c.what, c.src, c.total, map[string]string{"c": c.shape})
	}

	for _, c := range []struct{ what, src, want string }{
		{"strided same on Theano conv", conv("lasagne.layers.Conv2DLayer", "filter_size=(3, 3), strides=(2, 2), border_mode='same'"), "did not support a strided 'same'"},
		{"border_mode and pad", conv("dnn.Conv2DDNNLayer", "filter_size=(3, 3), border_mode='same', pad=1"), "both 'border_mode'"},
		{"bad border_mode", conv("lasagne.layers.Conv2DLayer", "filter_size=(3, 3), border_mode='half'"), "invalid border_mode"},
		{"old and new name", conv("lasagne.layers.Conv2DLayer", "filter_size=(3, 3), strides=2, stride=2"), "got both stride and strides"},
		{"old name where it never was", conv("lasagne.layers.Conv3DLayer", "filter_size=3, border_mode='same'"), "unexpected keyword argument"},
	} {
		_, err := decodeAsFound(t, "old.py", c.src, Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.what, err, c.want)
		}
	}
	// nolearn: an unknown keyword still names the nearest one.
	_, err := decodeAsFound(t, "old.py", `from lasagne import layers
from nolearn.lasagne import NeuralNet
net = NeuralNet(
    layers=[('input', layers.InputLayer), ('pool1', layers.MaxPool2DLayer)],
    input_shape=(None, 1, 8, 8), pool1_dss=(2, 2))
`, Options{})
	if err == nil || !strings.Contains(err.Error(), "MaxPool2DLayer takes no argument dss") {
		t.Errorf("got %v, want MaxPool2DLayer takes no argument dss", err)
	}
}

func TestOldLasagneInputLayer(t *testing.T) {
	// Until January 2015 the first parameter was input_layer
	// (input_layers for merge layers). Dense 10 → 4 twice: (10+1)*4 = 44
	// each; concat 8; dense 8 → 2: (8+1)*2 = 18; total 106.
	src := `import lasagne
l_in = lasagne.layers.InputLayer(shape=(None, 10))
l_a = lasagne.layers.DenseLayer(input_layer=l_in, num_units=4)
l_b = lasagne.layers.DenseLayer(input_layer=l_in, num_units=4)
l_c = lasagne.layers.ConcatLayer(input_layers=[l_a, l_b], name='c')
l_out = lasagne.layers.DenseLayer(input_layer=l_c, num_units=2)
`
	oldLayers(t, "input_layer", src, 106, map[string]string{"c": "None,8"})
	_, err := decodeAsFound(t, "old.py", `import lasagne
l_in = lasagne.layers.InputLayer(shape=(None, 10))
l = lasagne.layers.DenseLayer(l_in, input_layer=l_in, num_units=4)
`, Options{})
	if err == nil || !strings.Contains(err.Error(), "multiple values for argument incoming") {
		t.Errorf("got %v, want multiple values for incoming", err)
	}
}

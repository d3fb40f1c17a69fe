package caffe

import (
	"errors"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/format"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/infer"
)

func analyseText(t *testing.T, src string, opt Options) (*graph.Graph, error) {
	t.Helper()
	g, err := DecodeText("t.prototxt", []byte(src), opt, format.Input{})
	if err != nil {
		return nil, err
	}
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	return g, infer.Run(g, infer.Options{})
}

func node(g *graph.Graph, name string) *graph.Node {
	for _, n := range g.Nodes {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// TestRules: small nets with their figures worked out by hand from
// Caffe's layer sources (comments give the arithmetic).
func TestRules(t *testing.T) {
	src := `name: "rules"
input: "data"
input_dim: 2 input_dim: 8 input_dim: 15 input_dim: 15
layer { name: "g" type: "Convolution" bottom: "data" top: "g"
  convolution_param { num_output: 6 kernel_h: 3 kernel_w: 5 pad_h: 1 pad_w: 0 stride: 2 group: 2 dilation: 2 } }
layer { name: "d" type: "Deconvolution" bottom: "g" top: "d"
  convolution_param { num_output: 4 kernel_size: 4 stride: 2 pad: 1 bias_term: false } }
layer { name: "p" type: "Pooling" bottom: "d" top: "p" pooling_param { pool: AVE kernel_size: 3 stride: 2 pad: 1 } }
layer { name: "pf" type: "Pooling" bottom: "d" top: "pf" pooling_param { pool: MAX kernel_size: 3 stride: 2 ceil_mode: false } }
layer { name: "gp" type: "Pooling" bottom: "d" top: "gp" pooling_param { pool: AVE global_pooling: true } }
layer { name: "bn" type: "BatchNorm" bottom: "p" top: "p" }
layer { name: "sc" type: "Scale" bottom: "p" top: "p" scale_param { bias_term: true } }
layer { name: "pr" type: "PReLU" bottom: "p" top: "p" prelu_param { channel_shared: true } }
layer { name: "pr2" type: "PReLU" bottom: "p" top: "pr2" }
layer { name: "sl" type: "Slice" bottom: "pr2" top: "s1" top: "s2" slice_param { axis: 1 slice_point: 1 } }
layer { name: "cat" type: "Concat" bottom: "s2" bottom: "s1" top: "cat" }
layer { name: "ip" type: "InnerProduct" bottom: "cat" top: "ip" param { lr_mult: 0 } param { lr_mult: 0 } inner_product_param { num_output: 10 } }
layer { name: "ip2" type: "InnerProduct" bottom: "cat" top: "ip2" param { name: "shared_w" } inner_product_param { num_output: 10 bias_term: false axis: 2 } }
layer { name: "ip3" type: "InnerProduct" bottom: "cat" top: "ip3" param { name: "shared_w" } inner_product_param { num_output: 10 bias_term: false axis: 2 } }
layer { name: "drop" type: "Dropout" bottom: "ip" top: "ip" include { phase: TRAIN } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "data" top: "loss" include { phase: TRAIN } }
`
	g, err := analyseText(t, src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		layer, top string
		params     int64
	}{
		// g: effective kernel h 2*(3-1)+1 = 5, w 2*(5-1)+1 = 9;
		// h (15+2-5)/2+1 = 7, w (15+0-9)/2+1 = 4; weight 6x(8/2)x3x5 = 360, bias 6.
		{"g", "[2 6 7 4]", 366},
		// d: out 2*(7-1)+4-2 = 14, 2*(4-1)+4-2 = 8; weight 6x(4/1)x4x4 = 384, no bias.
		{"d", "[2 4 14 8]", 384},
		// p: ceil((14+2-3)/2)+1 = 8 (7*2=14 < 14+1: kept), ceil((8+2-3)/2)+1 = 5 (4*2=8 < 9: kept).
		{"p", "[2 4 8 5]", 0},
		// pf: floor((14-3)/2)+1 = 6, floor((8-3)/2)+1 = 3.
		{"pf", "[2 4 6 3]", 0},
		{"gp", "[2 4 1 1]", 0},
		// bn: mean 4 + variance 4 + factor 1.
		{"bn", "[2 4 8 5]", 9},
		// sc: gamma 4 + beta 4.
		{"sc", "[2 4 8 5]", 8},
		// pr: one shared slope; pr2: one per channel.
		{"pr", "[2 4 8 5]", 1},
		{"pr2", "[2 4 8 5]", 4},
		{"cat", "[2 4 8 5]", 0},
		// ip: K = 4*8*5 = 160; 160*10 + 10, lr_mult 0: not trained.
		{"ip", "[2 10]", 1610},
		// ip2: axis 2: K = 8*5 = 40, top [2 4 10]; weight 10x40 = 400.
		{"ip2", "[2 4 10]", 400},
		// ip3 shares ip2's weight by name: counted there.
		{"ip3", "[2 4 10]", 0},
	}
	for _, c := range cases {
		n := node(g, c.layer)
		if n == nil {
			t.Errorf("no layer %s", c.layer)
			continue
		}
		if got := dims(n.Outputs[0].Shape); got != c.top {
			t.Errorf("%s: top %s, want %s", c.layer, got, c.top)
		}
		if v, _ := n.Count.Value(); v != c.params {
			t.Errorf("%s: %d params, want %d", c.layer, v, c.params)
		}
	}
	if node(g, "drop") != nil || node(g, "loss") != nil {
		t.Errorf("TRAIN layers in the TEST net")
	}
	for _, p := range node(g, "ip").Params {
		if p.Trainable {
			t.Errorf("%s trainable with lr_mult 0", p.Name)
		}
	}
	for _, p := range node(g, "bn").Params {
		if p.Trainable {
			t.Errorf("%s trainable: BatchNorm's blobs never are", p.Name)
		}
	}

	// TRAIN: dropout in place (its own row, the shape of ip) and the loss, a 0-axis blob.
	g, err = analyseText(t, src, Options{Phase: "TRAIN"})
	if err != nil {
		t.Fatal(err)
	}
	if d := node(g, "drop"); d == nil || dims(d.Outputs[0].Shape) != "[2 10]" || d.Outputs[0].Name != "ip" {
		t.Errorf("drop: %v", d)
	}
	if l := node(g, "loss"); l == nil || dims(l.Outputs[0].Shape) != "[]" {
		t.Errorf("loss: %v", l)
	}
}

// TestDataLayers: shapes from batch_size and crop/resize sizes; a Data
// layer's channels are in its database, so the shape must be given.
func TestDataLayers(t *testing.T) {
	src := `layer { name: "d" type: "ImageData" top: "data" top: "label" image_data_param { batch_size: 16 new_height: 40 new_width: 30 }
  transform_param { crop_size: 24 } }
layer { name: "c" type: "Convolution" bottom: "data" top: "c" convolution_param { num_output: 2 kernel_size: 5 } }`
	g, err := analyseText(t, src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// 16 x 3 (is_color) x 24 x 24 (the crop); label: 16.
	if a, b := dims(g.Nodes[0].Outputs[0].Shape), dims(g.Nodes[0].Outputs[1].Shape); a != "[16 3 24 24]" || b != "[16]" {
		t.Errorf("ImageData tops %s %s", a, b)
	}
	lmdb := `layer { name: "mnist" type: "Data" top: "data" top: "label" include { phase: TRAIN }
  data_param { source: "x" batch_size: 64 backend: LMDB } }
layer { name: "mnist" type: "Data" top: "data" top: "label" include { phase: TEST }
  data_param { source: "y" batch_size: 100 backend: LMDB } }
layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 10 } }`
	_, err = analyseText(t, lmdb, Options{})
	var me *format.MissingError
	if !errors.As(err, &me) || me.Option != "input-shape" || !strings.Contains(err.Error(), "t.prototxt:3:1: layer mnist (Data)") || !strings.Contains(err.Error(), "batch_size 100") {
		t.Fatalf("error %v", err)
	}
	g, err = analyseText(t, lmdb, Options{Phase: "train", InputShapes: map[string][]int64{"": {64, 1, 28, 28}}})
	if err != nil {
		t.Fatal(err)
	}
	// ip: 784*10 + 10 = 7850.
	if v, _ := g.Nodes[1].Count.Value(); v != 7850 || dims(g.Nodes[0].Outputs[1].Shape) != "[64]" {
		t.Errorf("ip %d params, label %s", v, dims(g.Nodes[0].Outputs[1].Shape))
	}
}

// TestErrors: positions and suggestions.
func TestErrors(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"layer { name: \"c\" type: \"Convolution\" convolution_parm { num_output: 1 } }", "t.prototxt:1:39: LayerParameter has no field convolution_parm; did you mean convolution_param?"},
		{"input: \"x\"\ninput_dim: 1 input_dim: 1 input_dim: 1 input_dim: 1\nlayer { name: \"p\" type: \"Pooling\" bottom: \"x\" top: \"p\"\n pooling_param { pool: MAXX kernel_size: 1 } }", "t.prototxt:4:18: layer p (Pooling): field pool: MAXX is not one of MAX, AVE, STOCHASTIC; did you mean MAX?"},
		{"input: \"x\"\ninput_dim: 1 input_dim: 1 input_dim: 1 input_dim: 1\nlayer { name: \"r\" type: \"ReLU\" bottom: \"xx\" top: \"r\" }", "t.prototxt:3:1: layer r (ReLU): unknown bottom blob \"xx\""},
		{"layer { name: \"a\" \n type: \"Input\" top: \"a\" ", "t.prototxt:2:25: the file ends inside message LayerParameter (opened at line 1:1)"},
		{"layer { name: 'a' type: \"Input\" top: \"a\" }", "t.prototxt:1:1: layer a (Input): the shape of top a is not in the file"},
	} {
		_, err := analyseText(t, c.src, Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.src, err, c.want)
		}
	}
}

// TestSSD: the SSD fork's layers on a small net of this test's own.
func TestSSD(t *testing.T) {
	src := `name: "mini-ssd"
input: "data"
input_shape { dim: 1 dim: 3 dim: 20 dim: 20 }
layer { name: "conv" type: "Convolution" bottom: "data" top: "conv" convolution_param { num_output: 8 kernel_size: 3 stride: 4 pad: 1 } }
layer { name: "conv_norm" type: "Normalize" bottom: "conv" top: "conv_norm" norm_param { across_spatial: false channel_shared: false } }
layer { name: "loc" type: "Convolution" bottom: "conv_norm" top: "loc" convolution_param { num_output: 16 kernel_size: 3 pad: 1 } }
layer { name: "loc_perm" type: "Permute" bottom: "loc" top: "loc_perm" permute_param { order: 0 order: 2 order: 3 order: 1 } }
layer { name: "loc_flat" type: "Flatten" bottom: "loc_perm" top: "loc_flat" flatten_param { axis: 1 } }
layer { name: "conf" type: "Convolution" bottom: "conv_norm" top: "conf" convolution_param { num_output: 12 kernel_size: 3 pad: 1 } }
layer { name: "conf_perm" type: "Permute" bottom: "conf" top: "conf_perm" permute_param { order: 0 order: 2 order: 3 order: 1 } }
layer { name: "conf_flat" type: "Flatten" bottom: "conf_perm" top: "conf_flat" flatten_param { axis: 1 } }
layer { name: "prior" type: "PriorBox" bottom: "conv_norm" bottom: "data" top: "prior" prior_box_param { min_size: 30.0 max_size: 60.0 aspect_ratio: 2 flip: true variance: 0.1 variance: 0.1 variance: 0.2 variance: 0.2 } }
layer { name: "conf_reshape" type: "Reshape" bottom: "conf_flat" top: "conf_reshape" reshape_param { shape { dim: 0 dim: -1 dim: 3 } } }
layer { name: "conf_softmax" type: "Softmax" bottom: "conf_reshape" top: "conf_softmax" softmax_param { axis: 2 } }
layer { name: "conf_sflat" type: "Flatten" bottom: "conf_softmax" top: "conf_sflat" flatten_param { axis: 1 } }
layer { name: "detection_out" type: "DetectionOutput" bottom: "loc_flat" bottom: "conf_sflat" bottom: "prior" top: "detection_out"
  detection_output_param { num_classes: 3 nms_param { nms_threshold: 0.45 top_k: 400 } code_type: CENTER_SIZE keep_top_k: 200 } }
`
	g, err := analyseText(t, src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		layer, top string
		params     int64
	}{
		// conv: floor((20+2-3)/4)+1 = 5; (3*3*3+1)*8 = 224.
		{"conv", "[1 8 5 5]", 224},
		// Normalize: one scale per channel.
		{"conv_norm", "[1 8 5 5]", 8},
		// loc: (3*3*8+1)*16 = 1168; permuted to N H W C, flattened 5*5*16 = 400.
		{"loc", "[1 16 5 5]", 1168},
		{"loc_perm", "[1 5 5 16]", 0},
		{"loc_flat", "[1 400]", 0},
		// priors per place: ratios 1, 2, 1/2 for the one min_size, + 1 for
		// max_size = 4; 5*5*4*4 = 400 coordinates, and their variances.
		{"prior", "[1 2 400]", 0},
		// conf: 300 = 100 priors x 3 classes.
		{"conf_reshape", "[1 100 3]", 0},
		{"conf_sflat", "[1 300]", 0},
		{"detection_out", "[1 1 1 7]", 0},
	} {
		n := node(g, c.layer)
		if got := dims(n.Outputs[0].Shape); got != c.top {
			t.Errorf("%s: top %s, want %s", c.layer, got, c.top)
		}
		if v, _ := n.Count.Value(); v != c.params {
			t.Errorf("%s: %d params, want %d", c.layer, v, c.params)
		}
	}
	if notes := node(g, "prior").Notes(); len(notes) == 0 || !strings.Contains(strings.Join(notes, " "), "SSD fork") {
		t.Errorf("PriorBox notes %q: the SSD fork is not named", notes)
	}
}

// TestUnknownLayer: a Python layer's tops are unknown; the layers after
// it are rows with unknown tops (and unknown blobs), the rest is exact.
func TestUnknownLayer(t *testing.T) {
	src := `input: "data"
input_shape { dim: 1 dim: 3 dim: 8 dim: 8 }
layer { name: "c1" type: "Convolution" bottom: "data" top: "c1" convolution_param { num_output: 2 kernel_size: 3 } }
layer { name: "py" type: "Python" bottom: "c1" top: "py" python_param { module: "m" layer: "L" } }
layer { name: "c2" type: "Convolution" bottom: "py" top: "c2" convolution_param { num_output: 2 kernel_size: 3 } }
layer { name: "r" type: "ReLU" bottom: "c2" top: "c2" }`
	g, err := analyseText(t, src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// c1: (3*3*3+1)*2 = 56, top 8-3+1 = 6.
	if c1 := node(g, "c1"); dims(c1.Outputs[0].Shape) != "[1 2 6 6]" {
		t.Errorf("c1 %s", dims(c1.Outputs[0].Shape))
	}
	if py := node(g, "py"); py.Outputs[0].Shape != nil || !strings.Contains(strings.Join(py.Notes(), " "), "Python is not one layerinfo knows") {
		t.Errorf("py: %s %q", dims(py.Outputs[0].Shape), py.Notes())
	}
	if c2 := node(g, "c2"); c2.Outputs[0].Shape != nil || !c2.Uncounted {
		t.Errorf("c2: %s uncounted %v", dims(c2.Outputs[0].Shape), c2.Uncounted)
	}
	if r := node(g, "r"); r.Outputs[0].Shape != nil || r.Uncounted {
		t.Errorf("r: %s uncounted %v", dims(r.Outputs[0].Shape), r.Uncounted)
	}
}

func TestSolver(t *testing.T) {
	_, err := analyseText(t, "net: \"models/x/train_val.prototxt\"\nbase_lr: 0.01\nsolver_mode: GPU\n", Options{})
	if err == nil || err.Error() != "t.prototxt: a Caffe solver definition, not a net; its net is models/x/train_val.prototxt" {
		t.Errorf("error %v", err)
	}
}

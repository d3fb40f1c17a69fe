package keras

import (
	"errors"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/internal/budget"
	"github.com/layerinfo/layerinfo/stats"
)

type row struct {
	name, shape          string
	params, nonTrainable int64
}

func check(t *testing.T, r *stats.Report, total, trainable, nonTrainable int64, rows []row) {
	t.Helper()
	if r.Totals.Params != total || r.Totals.TrainableParams != trainable || r.Totals.NonTrainableParams != nonTrainable {
		t.Errorf("totals %d (%d trainable, %d not), want %d (%d, %d)", r.Totals.Params, r.Totals.TrainableParams, r.Totals.NonTrainableParams, total, trainable, nonTrainable)
	}
	if len(r.Layers) != len(rows) {
		var names []string
		for _, l := range r.Layers {
			names = append(names, l.Name)
		}
		t.Fatalf("rows %v, want %d", names, len(rows))
	}
	for i, w := range rows {
		l := r.Layers[i]
		if l.Name != w.name || reportShapeText(l) != w.shape || l.Params != w.params || l.NonTrainableParams != w.nonTrainable {
			t.Errorf("row %d: %s %s %d (%d non-trainable), want %s %s %d (%d)", i, l.Name, reportShapeText(l), l.Params, l.NonTrainableParams, w.name, w.shape, w.params, w.nonTrainable)
		}
	}
}

func analyseFile(t *testing.T, path string) *stats.Report {
	t.Helper()
	return analyse(t, path)
}

// A Keras 3 functional model with a nested Sequential called on two
// inputs and a shared Dense (each one row, as model.summary() shows a
// layer, with both calls' outputs and its weights once), and a frozen
// head. Worked by hand:
//
//	enc_dense1 8*16+16 = 144; enc_bn 4*16 = 64 (32 moving statistics);
//	enc_dense2 16*4+4 = 68: encoder 276, of which 32 non-trainable;
//	proj 4*3 = 12 (no bias); head (3+3)*2+2 = 14, frozen.
//	Total 302; trainable 244+12 = 256; non-trainable 32+14 = 46.
func TestKeras3NestedShared(t *testing.T) {
	r := analyseFile(t, "testdata/keras3_siamese.json")
	check(t, r, 302, 256, 46, []row{
		{"input_a", "(None, 8)", 0, 0},
		{"input_b", "(None, 8)", 0, 0},
		{"encoder", "(None, 4) (None, 4)", 276, 32},
		{"proj", "(None, 3) (None, 3)", 12, 0},
		{"concat", "(None, 6)", 0, 0},
		{"head", "(None, 2)", 14, 14},
	})
}

// A tf.keras 2.13 Sequential with an explicit InputLayer, a GRU whose
// config leaves reset_after out (True since TF 2), a Bidirectional
// LSTM merged by sum, and a frozen Dense. By hand:
//
//	embed 50*8 = 400; gru 3*6*(8+6) + 2*3*6 = 288;
//	bi 2*(4*4*(6+4) + 4*4) = 352; out 4*3+3 = 15, frozen.
//	Total 1055; non-trainable 15.
func TestKeras2Sequential(t *testing.T) {
	r := analyseFile(t, "testdata/keras2_text.json")
	check(t, r, 1055, 1040, 15, []row{
		{"embed", "(None, 10, 8)", 400, 0},
		{"gru", "(None, 10, 6)", 288, 0},
		{"bi", "(None, 4)", 352, 0},
		{"out", "(None, 3)", 15, 15},
	})
}

func decodeString(src string) (*graph.Graph, error) {
	return DecodeJSON("m.json", []byte(src), budget.New(64<<20))
}

func TestErrorsNameLineAndLayer(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"{\"class_name\": \"Sequential\",\n \"config\": {\"layers\": [\n  {\"class_name\": \"Dense\", \"config\": {\"name\": \"d1\", \"units\": \"ten\"}}]}}",
			`m.json:3:61: layer d1 (Dense): units: want a whole number, got a string`},
		{"{\"class_name\": \"Sequential\", \"config\": {\"layers\": [}",
			"m.json:1:52: JSON: unexpected '}', expecting a value"},
		{`{"class_name": "Conv2D", "config": {}}`,
			"m.json:1:1: not a Keras model"},
		{`{"class_name": "Functional", "config": {"layers": [{"class_name": "Dense", "name": "d", "config": {"units": 2}, "inbound_nodes": [[["nowhere", 0, 0, {}]]]}], "input_layers": [], "output_layers": [["d", 0, 0]]}}`,
			"m.json:1:132: layer d (Dense): input from layer nowhere, which the model does not have"},
	} {
		_, err := decodeString(c.src)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%q:\n got %v\nwant %s", c.src, err, c.want)
		}
	}
}

// An unknown class leaves its outputs unknown and the layers before it
// analysed; a layer after it whose weights depend on its output is
// noted, not guessed.
func TestUnknownClass(t *testing.T) {
	g, err := decodeString(`{"class_name": "Sequential", "config": {"layers": [
		{"class_name": "Dense", "config": {"name": "a", "units": 4, "batch_input_shape": [null, 3]}},
		{"class_name": "MyFancyLayer", "config": {"name": "x"}},
		{"class_name": "Dropout", "config": {"name": "drop", "rate": 0.5}},
		{"class_name": "Dense", "config": {"name": "b", "units": 2}}]}}`)
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
	if r.Layers[0].Params != 16 || r.Layers[1].OutputShapes[0] != nil {
		t.Errorf("a: %d params; x: %v", r.Layers[0].Params, r.Layers[1].OutputShapes)
	}
	notes := strings.Join(r.Layers[1].Notes, " ") + " | " + strings.Join(r.Layers[3].Notes, " ")
	if !strings.Contains(notes, "MyFancyLayer is not known") || !strings.Contains(notes, "not known") {
		t.Errorf("notes: %s", notes)
	}
	// Their parameters are unknown, not 0, and so are the totals; the
	// known rows stay as a lower bound.
	if !r.Layers[1].ParamsUnknown || r.Layers[2].ParamsUnknown || !r.Layers[3].ParamsUnknown {
		t.Errorf("params unknown: x %v, drop %v, b %v; want true, false, true", r.Layers[1].ParamsUnknown, r.Layers[2].ParamsUnknown, r.Layers[3].ParamsUnknown)
	}
	if !r.Totals.ParamsUnknown || r.Totals.ParamsLowerBound == nil || *r.Totals.ParamsLowerBound != 16 || r.Totals.ParamBytes != nil || r.Model.Prints != nil {
		t.Errorf("totals: unknown %v, lower bound %v, bytes %v, prints %v; want true, 16, nil, nil", r.Totals.ParamsUnknown, r.Totals.ParamsLowerBound, r.Totals.ParamBytes, r.Model.Prints)
	}
}

func TestBudget(t *testing.T) {
	src := `{"class_name": "Sequential", "config": {"layers": [` + strings.Repeat(`[0,0,0,0,0,0,0,0],`, 20000) + `0]}}`
	_, err := DecodeJSON("m.json", []byte(src), budget.New(1<<20))
	if !errors.Is(err, budget.ErrExceeded) {
		t.Errorf("a 1 MiB budget: %v", err)
	}
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	if _, err := DecodeJSON("m.json", []byte(deep), nil); err == nil || !strings.Contains(err.Error(), "nested more than") {
		t.Errorf("deep nesting: %v", err)
	}
}

func TestSniff(t *testing.T) {
	f := Format{}
	for _, c := range []struct {
		name, head string
		want       string
	}{
		{"m.json", `{"class_name": "Sequential", "config": {}}`, "likely"},
		{"model.json", `{"format": "layers-model", "modelTopology": {"class_name": "Model"`, "likely"},
		{"m.h5", "\x89HDF\r\n\x1a\n", "certain"},
		{"m.keras", "PK\x03\x04", "certain"},
		{"x.zip", "PK\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x0d\x00\x00\x00metadata.json", "likely"},
		{"x.pt", "PK\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x0c\x00\x00\x00archive/data", "no"},
		{"config.json", `{"model_type": "bert"}`, "no"},
		{"spec.json", `{"layers": [{"type": "dense"}]}`, "no"},
	} {
		if got := f.Sniff(c.name, []byte(c.head)).String(); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

func analyseString(t *testing.T, src string) *stats.Report {
	t.Helper()
	g, err := decodeString(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := infer.Run(g, infer.Options{}); err != nil {
		t.Fatal(err)
	}
	r, err := stats.Build(g)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// tf.keras's TFOpLambda layers (x * 2.0, x + y on Keras tensors) keep
// the dataflow: d 4*3+3 = 15, out 3*2+2 = 8.
func TestTFOpLambda(t *testing.T) {
	r := analyseString(t, `{"class_name": "Functional", "config": {"name": "m", "layers": [
	 {"class_name": "InputLayer", "name": "x", "config": {"batch_input_shape": [null, 4], "name": "x"}, "inbound_nodes": []},
	 {"class_name": "Dense", "name": "d", "config": {"name": "d", "units": 3}, "inbound_nodes": [[["x", 0, 0, {}]]]},
	 {"class_name": "TFOpLambda", "name": "tf.math.multiply", "config": {"name": "tf.math.multiply", "function": "math.multiply"}, "inbound_nodes": [["d", 0, 0, {"y": 2.0, "name": null}]]},
	 {"class_name": "TFOpLambda", "name": "tf.__operators__.add", "config": {"name": "tf.__operators__.add", "function": "__operators__.add"}, "inbound_nodes": [["tf.math.multiply", 0, 0, {"y": ["d", 0, 0], "name": null}]]},
	 {"class_name": "Dense", "name": "out", "config": {"name": "out", "units": 2}, "inbound_nodes": [[["tf.__operators__.add", 0, 0, {}]]]}],
	 "input_layers": [["x", 0, 0]], "output_layers": [["out", 0, 0]]}, "keras_version": "2.13.1"}`)
	check(t, r, 23, 23, 0, []row{
		{"x", "(None, 4)", 0, 0},
		{"d", "(None, 3)", 15, 0},
		{"tf.math.multiply", "(None, 3)", 0, 0},
		{"tf.__operators__.add", "(None, 3)", 0, 0},
		{"out", "(None, 2)", 8, 0},
	})
}

// A TF.js model.json: the weightsManifest gives the weights of a layer
// layerinfo does not know and of the layer after it, whose input is
// unknown: d 4*3+3 = 15; my 3*5 = 15 (the manifest's); out (5, 2) and
// (2,) from the manifest, 12. Total 42.
func TestTFJSManifest(t *testing.T) {
	r := analyseString(t, `{"format": "layers-model", "modelTopology": {"keras_version": "tfjs-layers 4.22.0",
	 "model_config": {"class_name": "Sequential", "config": {"name": "s", "layers": [
	  {"class_name": "Dense", "config": {"name": "d", "units": 3, "batch_input_shape": [null, 4]}},
	  {"class_name": "MyLayer", "config": {"name": "my"}},
	  {"class_name": "Dense", "config": {"name": "out", "units": 2}}]}}},
	 "weightsManifest": [{"paths": ["group1-shard1of1.bin"], "weights": [
	  {"name": "d/kernel", "shape": [4, 3], "dtype": "float32"}, {"name": "d/bias", "shape": [3], "dtype": "float32"},
	  {"name": "my/w", "shape": [3, 5], "dtype": "float32"},
	  {"name": "out/kernel", "shape": [5, 2], "dtype": "float32"}, {"name": "out/bias", "shape": [2], "dtype": "float32"}]}]}`)
	check(t, r, 42, 42, 0, []row{
		{"d", "(None, 3)", 15, 0},
		{"my", "?", 15, 0},
		{"out", "?", 12, 0},
	})
}

// Keras 3 records the shape of every tensor a layer is called on: after
// a custom layer (unknown here) the next layer's input is the file's
// record, so its weights are counted: (6+1)*2 = 14, with 4*3+3 = 15
// before the custom layer.
func TestKeras3RecordedShapes(t *testing.T) {
	kt := func(layer string, shape string) string {
		return `{"class_name": "__keras_tensor__", "config": {"shape": ` + shape + `, "dtype": "float32", "keras_history": ["` + layer + `", 0, 0]}}`
	}
	r := analyseString(t, `{"module": "keras.src.models.functional", "class_name": "Functional", "config": {"name": "m", "trainable": true, "layers": [
	 {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 4], "dtype": "float32", "name": "x"}, "registered_name": null, "name": "x", "inbound_nodes": []},
	 {"module": "keras.layers", "class_name": "Dense", "config": {"name": "d", "units": 3}, "registered_name": null, "name": "d", "inbound_nodes": [{"args": [`+kt("x", "[null, 4]")+`], "kwargs": {}}]},
	 {"module": "my_layers", "class_name": "Expand", "config": {"name": "e"}, "registered_name": "Custom>Expand", "name": "e", "inbound_nodes": [{"args": [`+kt("d", "[null, 3]")+`], "kwargs": {}}]},
	 {"module": "keras.layers", "class_name": "Dense", "config": {"name": "out", "units": 2}, "registered_name": null, "name": "out", "inbound_nodes": [{"args": [`+kt("e", "[null, 6]")+`], "kwargs": {}}]}],
	 "input_layers": [["x", 0, 0]], "output_layers": [["out", 0, 0]]}, "registered_name": "Functional"}`)
	check(t, r, 29, 29, 0, []row{
		{"x", "(None, 4)", 0, 0},
		{"d", "(None, 3)", 15, 0},
		{"e", "(None, 6)", 0, 0},
		{"out", "(None, 2)", 14, 0},
	})
}

// Keras 1's names (nb_filter, nb_row, border_mode, dim_ordering "th",
// output_dim) and its Sequential config as a bare list: channels first,
// (3*3*1+1)*32 = 320, 28-3+1 = 26 pooled to 13, 32*13*13 = 5,408 into
// (5408+1)*10 = 54,090. Total 54,410.
func TestKeras1Names(t *testing.T) {
	r := analyseString(t, `{"class_name": "Sequential", "keras_version": "1.2.2", "config": [
	 {"class_name": "Convolution2D", "config": {"name": "c1", "nb_filter": 32, "nb_row": 3, "nb_col": 3, "border_mode": "valid", "subsample": [1, 1], "dim_ordering": "th", "bias": true, "batch_input_shape": [null, 1, 28, 28]}},
	 {"class_name": "MaxPooling2D", "config": {"name": "p", "pool_size": [2, 2], "strides": [2, 2], "border_mode": "valid", "dim_ordering": "th"}},
	 {"class_name": "Flatten", "config": {"name": "f"}},
	 {"class_name": "Dense", "config": {"name": "d", "output_dim": 10}}]}`)
	check(t, r, 54410, 54410, 0, []row{
		{"c1", "(None, 32, 26, 26)", 320, 0},
		{"p", "(None, 32, 13, 13)", 0, 0},
		{"f", "(None, 5408)", 0, 0},
		{"d", "(None, 10)", 54090, 0},
	})
}

// tf.keras counts a nested model's own construction as its node 0 and
// skips it when saving: the outer model calls it as nodes 1 and 2,
// which are inbound_nodes 0 and 1. ed: 4*3+3 = 15, once.
func TestKeras2NestedNodeIndex(t *testing.T) {
	r := analyseString(t, `{"class_name": "Functional", "keras_version": "2.13.1", "config": {"name": "outer", "layers": [
	 {"class_name": "InputLayer", "name": "a", "config": {"batch_input_shape": [null, 4], "name": "a"}, "inbound_nodes": []},
	 {"class_name": "InputLayer", "name": "b", "config": {"batch_input_shape": [null, 4], "name": "b"}, "inbound_nodes": []},
	 {"class_name": "Functional", "name": "enc", "config": {"name": "enc", "layers": [
	   {"class_name": "InputLayer", "name": "ei", "config": {"batch_input_shape": [null, 4], "name": "ei"}, "inbound_nodes": []},
	   {"class_name": "Dense", "name": "ed", "config": {"name": "ed", "units": 3}, "inbound_nodes": [[["ei", 0, 0, {}]]]}],
	   "input_layers": [["ei", 0, 0]], "output_layers": [["ed", 0, 0]]},
	  "inbound_nodes": [[["a", 0, 0, {}]], [["b", 0, 0, {}]]]},
	 {"class_name": "Concatenate", "name": "cat", "config": {"name": "cat", "axis": -1}, "inbound_nodes": [[["enc", 1, 0, {}], ["enc", 2, 0, {}]]]}],
	 "input_layers": [["a", 0, 0], ["b", 0, 0]], "output_layers": [["cat", 0, 0]]}}`)
	check(t, r, 15, 15, 0, []row{
		{"a", "(None, 4)", 0, 0},
		{"b", "(None, 4)", 0, 0},
		{"enc", "(None, 3) (None, 3)", 15, 0},
		{"cat", "(None, 6)", 0, 0},
	})
	if in := r.Layers[3].Inputs; len(in) != 2 || in[0] == in[1] {
		t.Errorf("cat's inputs %v: want both calls of enc", in)
	}
}

// Attention layers by the formulas of Keras's docs, on a (None, 5, 8)
// sequence attending to itself:
//
//	MultiHeadAttention(num_heads=2, key_dim=3): query, key and value
//	(8*2*3 + 2*3) each, output 2*3*8 + 8: 3*54 + 56 = 218.
//	GroupedQueryAttention(head_dim=4, 4 query heads, 2 key/value heads):
//	query 8*4*4 + 4*4 = 144, key and value 8*2*4 + 2*4 = 72 each, output
//	4*4*8 + 8 = 136: 424.
//	Attention(use_scale=True): one scalar; AdditiveAttention: one scale
//	per feature, 8. RNN(LSTMCell(4)) on it: 4*4*(8+4) + 4*4 = 208.
func TestAttentionLayers(t *testing.T) {
	call2 := func(a, b string) string { return `[[["` + a + `", 0, 0, {}], ["` + b + `", 0, 0, {}]]]` }
	r := analyseString(t, `{"class_name": "Functional", "keras_version": "2.15.0", "config": {"name": "m", "layers": [
	 {"class_name": "InputLayer", "name": "x", "config": {"batch_input_shape": [null, 5, 8], "name": "x"}, "inbound_nodes": []},
	 {"class_name": "MultiHeadAttention", "name": "mha", "config": {"name": "mha", "num_heads": 2, "key_dim": 3, "value_dim": null, "use_bias": true, "output_shape": null}, "inbound_nodes": [["x", 0, 0, {"value": ["x", 0, 0]}]]},
	 {"class_name": "GroupedQueryAttention", "name": "gqa", "config": {"name": "gqa", "head_dim": 4, "num_query_heads": 4, "num_key_value_heads": 2}, "inbound_nodes": `+call2("mha", "mha")+`},
	 {"class_name": "Attention", "name": "att", "config": {"name": "att", "use_scale": true}, "inbound_nodes": `+call2("gqa", "x")+`},
	 {"class_name": "AdditiveAttention", "name": "add_att", "config": {"name": "add_att"}, "inbound_nodes": `+call2("att", "x")+`},
	 {"class_name": "RNN", "name": "rnn", "config": {"name": "rnn", "cell": {"class_name": "LSTMCell", "config": {"name": "c", "units": 4}}, "return_sequences": false}, "inbound_nodes": [[["add_att", 0, 0, {}]]]}],
	 "input_layers": [["x", 0, 0]], "output_layers": [["rnn", 0, 0]]}}`)
	check(t, r, 218+424+1+8+208, 218+424+1+8+208, 0, []row{
		{"x", "(None, 5, 8)", 0, 0},
		{"mha", "(None, 5, 8)", 218, 0},
		{"gqa", "(None, 5, 8)", 424, 0},
		{"att", "(None, 5, 8)", 1, 0},
		{"add_att", "(None, 5, 8)", 8, 0},
		{"rnn", "(None, 4)", 208, 0},
	})
}

// EinsumDense as Keras resolves its equation: "abc,cd->abd" with
// output_shape (None, 16) and a bias on d: kernel (8, 16), bias (16,):
// 144, the sequence axis None as given; "...b,bc->...c" (left elided)
// to 4 with a bias on c: (16, 4) and (4,): 68, FLOPs 2*5*16*4 = 640
// per example.
func TestEinsumDense(t *testing.T) {
	r := analyseString(t, `{"class_name": "Sequential", "config": {"name": "s", "layers": [
	 {"class_name": "EinsumDense", "config": {"name": "e1", "equation": "abc,cd->abd", "output_shape": [null, 16], "bias_axes": "d", "batch_input_shape": [null, 5, 8]}},
	 {"class_name": "Reshape", "config": {"name": "r", "target_shape": [5, 16]}},
	 {"class_name": "EinsumDense", "config": {"name": "e2", "equation": "...b,bc->...c", "output_shape": 4, "bias_axes": "c"}}]}}`)
	check(t, r, 212, 212, 0, []row{
		{"e1", "(None, None, 16)", 144, 0},
		{"r", "(None, 5, 16)", 0, 0},
		{"e2", "(None, 5, 4)", 68, 0},
	})
	if f := r.Layers[2].FLOPs; f == nil || *f != 640 {
		t.Errorf("e2 FLOPs %v, want 640", f)
	}
}

// tf.keras's SlicingOpLambda: x[:, 0] of (None, 5, 8) is (None, 8), and
// the Dense after it (8+1)*3 = 27; x[..., 2:6] keeps (None, 5) and gives 4.
func TestSlicingOpLambda(t *testing.T) {
	r := analyseString(t, `{"class_name": "Functional", "keras_version": "2.13.1", "config": {"name": "m", "layers": [
	 {"class_name": "InputLayer", "name": "x", "config": {"batch_input_shape": [null, 5, 8], "name": "x"}, "inbound_nodes": []},
	 {"class_name": "SlicingOpLambda", "name": "tf.__operators__.getitem", "config": {"name": "tf.__operators__.getitem", "function": "__operators__.getitem"},
	  "inbound_nodes": [["x", 0, 0, {"slice_spec": {"class_name": "__tuple__", "items": [{"start": null, "stop": null, "step": null}, 0]}}]]},
	 {"class_name": "Dense", "name": "d", "config": {"name": "d", "units": 3}, "inbound_nodes": [[["tf.__operators__.getitem", 0, 0, {}]]]},
	 {"class_name": "SlicingOpLambda", "name": "tf.__operators__.getitem_1", "config": {"name": "tf.__operators__.getitem_1", "function": "__operators__.getitem"},
	  "inbound_nodes": [["x", 0, 0, {"slice_spec": {"class_name": "__tuple__", "items": [{"class_name": "__ellipsis__"}, {"start": 2, "stop": 6, "step": null}]}}]]}],
	 "input_layers": [["x", 0, 0]], "output_layers": [["d", 0, 0], ["tf.__operators__.getitem_1", 0, 0]]}}`)
	check(t, r, 27, 27, 0, []row{
		{"x", "(None, 5, 8)", 0, 0},
		{"tf.__operators__.getitem", "(None, 8)", 0, 0},
		{"d", "(None, 3)", 27, 0},
		{"tf.__operators__.getitem_1", "(None, 5, 4)", 0, 0},
	})
}

// A layer applied to its own output (d(d(x))) cannot be one node: its
// calls stay rows of their own, the second sharing the first's weights:
// (4+1)*4 = 20 once.
func TestSharedLayerOnItsOwnOutput(t *testing.T) {
	r := analyseString(t, `{"class_name": "Functional", "keras_version": "2.13.1", "config": {"name": "m", "layers": [
	 {"class_name": "InputLayer", "name": "x", "config": {"batch_input_shape": [null, 4], "name": "x"}, "inbound_nodes": []},
	 {"class_name": "Dense", "name": "d", "config": {"name": "d", "units": 4}, "inbound_nodes": [[["x", 0, 0, {}]], [["d", 0, 0, {}]]]}],
	 "input_layers": [["x", 0, 0]], "output_layers": [["d", 1, 0]]}}`)
	check(t, r, 20, 20, 0, []row{
		{"x", "(None, 4)", 0, 0},
		{"d", "(None, 4)", 20, 0},
		{"d[1]", "(None, 4)", 0, 0},
	})
}

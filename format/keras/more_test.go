package keras

import "testing"

// More layers, each worked by hand from Keras's formulas (channels last):
//
//	sep1 SeparableConv1D(8, 3) on (None, 20, 4): depthwise 3*4*1 = 12,
//	  pointwise 4*8 = 32, bias 8: 52; length 20-3+1 = 18.
//	dw1 DepthwiseConv1D(3, depth_multiplier=2, padding same): 3*8*2 +
//	  16 = 64; (None, 18, 16).
//	ct1 Conv1DTranspose(4, 3, strides=2): (18-1)*2 + max(3, 2) = 37;
//	  3*4*16 + 4 = 196 (kernel (3, 4, 16)).
//	up1 UpSampling1D(2): 74. crop1 Cropping1D((1, 3)): 70.
//	zp1 ZeroPadding1D(2): 74. gmp GlobalMaxPooling1D(keepdims): (None, 1, 4).
func TestMoreLayers1D(t *testing.T) {
	r := analyseString(t, `{"class_name": "Sequential", "config": {"name": "s", "layers": [
	 {"class_name": "SeparableConv1D", "config": {"name": "sep1", "filters": 8, "kernel_size": 3, "batch_input_shape": [null, 20, 4]}},
	 {"class_name": "DepthwiseConv1D", "config": {"name": "dw1", "kernel_size": 3, "depth_multiplier": 2, "padding": "same"}},
	 {"class_name": "Conv1DTranspose", "config": {"name": "ct1", "filters": 4, "kernel_size": 3, "strides": 2}},
	 {"class_name": "UpSampling1D", "config": {"name": "up1", "size": 2}},
	 {"class_name": "Cropping1D", "config": {"name": "crop1", "cropping": [1, 3]}},
	 {"class_name": "ZeroPadding1D", "config": {"name": "zp1", "padding": 2}},
	 {"class_name": "GlobalMaxPooling1D", "config": {"name": "gmp", "keepdims": true}}]}}`)
	check(t, r, 52+64+196, 52+64+196, 0, []row{
		{"sep1", "(None, 18, 8)", 52, 0},
		{"dw1", "(None, 18, 16)", 64, 0},
		{"ct1", "(None, 37, 4)", 196, 0},
		{"up1", "(None, 74, 4)", 0, 0},
		{"crop1", "(None, 70, 4)", 0, 0},
		{"zp1", "(None, 74, 4)", 0, 0},
		{"gmp", "(None, 1, 4)", 0, 0},
	})
}

// 3D and channels first, by hand:
//
//	c3 Conv3D(4, (3, 3, 3), strides 2, same) on (None, 9, 9, 9, 2):
//	  ceil(9/2) = 5 each; 3*3*3*2*4 + 4 = 220.
//	p3 MaxPooling3D(2): floor((5-2)/2)+1 = 2. up3 UpSampling3D(2): 4.
//	zp3 ZeroPadding3D(1): 6. ct3 Conv3DTranspose(2, 2, strides 2, same):
//	  12; 2*2*2*4*2 + 2 = 66 (kernel (2, 2, 2, 2, 4)).
//	gap GlobalAveragePooling3D: (None, 2).
func TestMoreLayers3D(t *testing.T) {
	r := analyseString(t, `{"class_name": "Sequential", "config": {"name": "s", "layers": [
	 {"class_name": "Conv3D", "config": {"name": "c3", "filters": 4, "kernel_size": [3, 3, 3], "strides": [2, 2, 2], "padding": "same", "batch_input_shape": [null, 9, 9, 9, 2]}},
	 {"class_name": "MaxPooling3D", "config": {"name": "p3", "pool_size": [2, 2, 2]}},
	 {"class_name": "UpSampling3D", "config": {"name": "up3", "size": [2, 2, 2]}},
	 {"class_name": "ZeroPadding3D", "config": {"name": "zp3", "padding": [1, 1, 1]}},
	 {"class_name": "Conv3DTranspose", "config": {"name": "ct3", "filters": 2, "kernel_size": 2, "strides": 2, "padding": "same"}},
	 {"class_name": "GlobalAveragePooling3D", "config": {"name": "gap"}}]}}`)
	check(t, r, 220+66, 220+66, 0, []row{
		{"c3", "(None, 5, 5, 5, 4)", 220, 0},
		{"p3", "(None, 2, 2, 2, 4)", 0, 0},
		{"up3", "(None, 4, 4, 4, 4)", 0, 0},
		{"zp3", "(None, 6, 6, 6, 4)", 0, 0},
		{"ct3", "(None, 12, 12, 12, 2)", 66, 0},
		{"gap", "(None, 2)", 0, 0},
	})
	if w := r.Layers[4].Weights[0].Shape; len(w) != 5 || w[3].Size != 2 || w[4].Size != 4 {
		t.Errorf("ct3 kernel %v, want (2, 2, 2, 2, 4)", w)
	}
}

// Channels first and recurrent variants, by hand:
//
//	cf Conv2D(6, 3, data_format channels_first) on (None, 3, 10, 10):
//	  (None, 6, 8, 8), 3*3*3*6 + 6 = 168; bn BatchNormalization(axis=1,
//	  center=False): gamma 6 + moving 12 = 18, 12 non-trainable.
//	td TimeDistributed(Dense(5)) after Reshape((6, 64)): (None, 6, 5),
//	  (64+1)*5 = 325.
//	bi Bidirectional(GRU(4, return_sequences, reset_after), ave): one
//	  direction 3*4*(5+4) + 2*3*4 = 132, both 264; (None, 6, 4).
//	lstm LSTM(3, return_state): 4*3*(4+3) + 4*3 = 96; outputs (None, 3)
//	  three times.
func TestMoreLayersRecurrent(t *testing.T) {
	r := analyseString(t, `{"class_name": "Sequential", "config": {"name": "s", "layers": [
	 {"class_name": "Conv2D", "config": {"name": "cf", "filters": 6, "kernel_size": 3, "data_format": "channels_first", "batch_input_shape": [null, 3, 10, 10]}},
	 {"class_name": "BatchNormalization", "config": {"name": "bn", "axis": 1, "center": false}},
	 {"class_name": "Reshape", "config": {"name": "rs", "target_shape": [6, 64]}},
	 {"class_name": "TimeDistributed", "config": {"name": "td", "layer": {"class_name": "Dense", "config": {"name": "inner", "units": 5}}}},
	 {"class_name": "Bidirectional", "config": {"name": "bi", "merge_mode": "ave", "layer": {"class_name": "GRU", "config": {"name": "gru", "units": 4, "return_sequences": true, "reset_after": true}}}},
	 {"class_name": "LSTM", "config": {"name": "lstm", "units": 3, "return_state": true}}]}}`)
	check(t, r, 168+18+325+264+96, 168+6+325+264+96, 12, []row{
		{"cf", "(None, 6, 8, 8)", 168, 0},
		{"bn", "(None, 6, 8, 8)", 18, 12},
		{"rs", "(None, 6, 64)", 0, 0},
		{"td", "(None, 6, 5)", 325, 0},
		{"bi", "(None, 6, 4)", 264, 0},
		{"lstm", "(None, 3) (None, 3) (None, 3)", 96, 0},
	})
}

// Keras 2's LocallyConnected2D(4, 3) on (None, 6, 6, 2): 4x4 positions,
// kernel (16, 3*3*2, 4) = 1,152, bias (4, 4, 4) = 64: 1,216.
// LocallyConnected1D(3, 2, strides 2) on (None, 8, 5): 4 positions,
// kernel (4, 2*5, 3) = 120, bias (4, 3) = 12: 132.
func TestLocallyConnected(t *testing.T) {
	r := analyseString(t, `{"class_name": "Functional", "keras_version": "2.13.1", "config": {"name": "m", "layers": [
	 {"class_name": "InputLayer", "name": "x", "config": {"batch_input_shape": [null, 6, 6, 2], "name": "x"}, "inbound_nodes": []},
	 {"class_name": "LocallyConnected2D", "name": "lc2", "config": {"name": "lc2", "filters": 4, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid", "implementation": 1}, "inbound_nodes": [[["x", 0, 0, {}]]]},
	 {"class_name": "InputLayer", "name": "y", "config": {"batch_input_shape": [null, 8, 5], "name": "y"}, "inbound_nodes": []},
	 {"class_name": "LocallyConnected1D", "name": "lc1", "config": {"name": "lc1", "filters": 3, "kernel_size": [2], "strides": [2]}, "inbound_nodes": [[["y", 0, 0, {}]]]}],
	 "input_layers": [["x", 0, 0], ["y", 0, 0]], "output_layers": [["lc2", 0, 0], ["lc1", 0, 0]]}}`)
	check(t, r, 1216+132, 1216+132, 0, []row{
		{"x", "(None, 6, 6, 2)", 0, 0},
		{"lc2", "(None, 4, 4, 4)", 1216, 0},
		{"y", "(None, 8, 5)", 0, 0},
		{"lc1", "(None, 4, 3)", 132, 0},
	})
}

// TensorFlow shape functions on Keras tensors (TFOpLambda), from the
// call's keyword arguments: tf.reshape(x, [-1, 4, 6]) of (None, 24);
// tf.transpose(perm=[0, 2, 1]): (None, 6, 4); tf.expand_dims(axis=1):
// (None, 1, 6, 4); tf.reduce_mean(axis=[1, 2]): (None, 4); the Dense
// after it (4+1)*2 = 10.
func TestTFShapeFunctions(t *testing.T) {
	op := func(name, fn, from, kw string) string {
		return `{"class_name": "TFOpLambda", "name": "` + name + `", "config": {"name": "` + name + `", "function": "` + fn + `"}, "inbound_nodes": [["` + from + `", 0, 0, ` + kw + `]]}`
	}
	r := analyseString(t, `{"class_name": "Functional", "keras_version": "2.13.1", "config": {"name": "m", "layers": [
	 {"class_name": "InputLayer", "name": "x", "config": {"batch_input_shape": [null, 24], "name": "x"}, "inbound_nodes": []},
	 `+op("tf.reshape", "reshape", "x", `{"shape": [-1, 4, 6], "name": null}`)+`,
	 `+op("tf.compat.v1.transpose", "compat.v1.transpose", "tf.reshape", `{"perm": [0, 2, 1], "name": null}`)+`,
	 `+op("tf.expand_dims", "expand_dims", "tf.compat.v1.transpose", `{"axis": 1, "name": null}`)+`,
	 `+op("tf.math.reduce_mean", "math.reduce_mean", "tf.expand_dims", `{"axis": [1, 2], "keepdims": false, "name": null}`)+`,
	 {"class_name": "Dense", "name": "d", "config": {"name": "d", "units": 2}, "inbound_nodes": [[["tf.math.reduce_mean", 0, 0, {}]]]}],
	 "input_layers": [["x", 0, 0]], "output_layers": [["d", 0, 0]]}}`)
	check(t, r, 10, 10, 0, []row{
		{"x", "(None, 24)", 0, 0},
		{"tf.reshape", "(None, 4, 6)", 0, 0},
		{"tf.compat.v1.transpose", "(None, 6, 4)", 0, 0},
		{"tf.expand_dims", "(None, 1, 6, 4)", 0, 0},
		{"tf.math.reduce_mean", "(None, 4)", 0, 0},
		{"d", "(None, 2)", 10, 0},
	})
}

// A registered subclass of Functional (a class of the file's own whose
// config is a model's) is read as the model it is: (3+1)*2 = 8 inside,
// frozen by trainable: false.
func TestModelSubclassAsModel(t *testing.T) {
	r := analyseString(t, `{"module": "keras.src.models.functional", "class_name": "Functional", "config": {"name": "m", "layers": [
	 {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 3], "name": "x"}, "name": "x", "inbound_nodes": []},
	 {"module": "my_models", "class_name": "TinyNet", "registered_name": "Custom>TinyNet", "name": "tiny", "config": {"name": "tiny", "trainable": false, "layers": [
	   {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 3], "name": "ti"}, "name": "ti", "inbound_nodes": []},
	   {"module": "keras.layers", "class_name": "Dense", "config": {"name": "td", "units": 2}, "name": "td", "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"shape": [null, 3], "keras_history": ["ti", 0, 0]}}], "kwargs": {}}]}],
	   "input_layers": [["ti", 0, 0]], "output_layers": [["td", 0, 0]]},
	  "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"shape": [null, 3], "keras_history": ["x", 0, 0]}}], "kwargs": {}}]}],
	 "input_layers": [["x", 0, 0]], "output_layers": [["tiny", 1, 0]]}}`)
	check(t, r, 8, 0, 8, []row{
		{"x", "(None, 3)", 0, 0},
		{"tiny", "(None, 2)", 8, 8},
	})
}

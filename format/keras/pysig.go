package keras

import (
	"regexp"
	"strings"
	"sync"
)

// Keras code: the positional parameters of each layer class's
// constructor (Keras 3's signatures, which keep Keras 2's order for
// every parameter a shape or a count depends on). A call's positional
// arguments take these names, its keyword arguments their own, and the
// result is the config the layer's JSON would hold: the same reader
// (classes) then makes the layer, whichever way it was written.
var positional = map[string][]string{}

func initPositional() {
	set := func(names []string, classes ...string) {
		for _, c := range classes {
			positional[c] = names
		}
	}
	set([]string{"units", "activation", "use_bias"}, "Dense")
	set([]string{"filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups", "activation", "use_bias"},
		"Conv1D", "Conv2D", "Conv3D", "Convolution1D", "Convolution2D", "Convolution3D")
	set([]string{"filters", "kernel_size", "strides", "padding", "output_padding", "data_format", "dilation_rate", "activation", "use_bias"},
		"Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "Convolution2DTranspose", "Convolution3DTranspose")
	set([]string{"filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "depth_multiplier", "activation", "use_bias"},
		"SeparableConv1D", "SeparableConv2D", "SeparableConvolution1D", "SeparableConvolution2D")
	set([]string{"kernel_size", "strides", "padding", "depth_multiplier", "data_format", "dilation_rate", "activation", "use_bias"},
		"DepthwiseConv1D", "DepthwiseConv2D")
	set([]string{"filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation", "recurrent_activation", "use_bias"},
		"ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D")
	set([]string{"filters", "kernel_size", "strides", "padding", "data_format", "activation", "use_bias"},
		"LocallyConnected1D", "LocallyConnected2D")
	for _, p := range []string{"MaxPooling", "AveragePooling", "MaxPool", "AvgPool"} {
		for _, r := range []string{"1D", "2D", "3D"} {
			set([]string{"pool_size", "strides", "padding", "data_format"}, p+r)
		}
	}
	for _, p := range []string{"GlobalMaxPooling", "GlobalAveragePooling", "GlobalMaxPool", "GlobalAvgPool"} {
		for _, r := range []string{"1D", "2D", "3D"} {
			set([]string{"data_format", "keepdims"}, p+r)
		}
	}
	set([]string{"axis", "momentum", "epsilon", "center", "scale"}, "BatchNormalization", "SyncBatchNormalization")
	set([]string{"axis", "epsilon", "center", "scale"}, "LayerNormalization")
	set([]string{"groups", "axis", "epsilon", "center", "scale"}, "GroupNormalization")
	set([]string{"axis"}, "UnitNormalization", "Softmax")
	set([]string{"axis", "epsilon"}, "RMSNormalization")
	set([]string{"axis", "mean", "variance", "invert"}, "Normalization")
	set([]string{"input_dim", "output_dim"}, "Embedding")
	set([]string{"units", "activation", "use_bias"}, "SimpleRNN", "SimpleRNNCell")
	set([]string{"units", "activation", "recurrent_activation", "use_bias"}, "LSTM", "GRU", "LSTMCell", "GRUCell", "CuDNNLSTM", "CuDNNGRU")
	set([]string{"cell", "return_sequences", "return_state", "go_backwards", "stateful", "unroll"}, "RNN")
	set([]string{"cells"}, "StackedRNNCells")
	set([]string{"mode", "seed"}, "RandomFlip")
	set([]string{"factor", "fill_mode", "interpolation", "seed"}, "RandomRotation")
	set([]string{"height_factor", "width_factor", "fill_mode", "interpolation", "seed"}, "RandomZoom", "RandomTranslation")
	set([]string{"factor", "seed"}, "RandomContrast")
	set([]string{"factor", "value_range", "seed"}, "RandomBrightness")
	set([]string{"l1", "l2"}, "ActivityRegularization")
	set([]string{"function", "output_shape", "mask", "arguments"}, "Lambda")
	set([]string{"layer", "merge_mode", "weights", "backward_layer"}, "Bidirectional")
	set([]string{"layer"}, "TimeDistributed")
	set([]string{"num_heads", "key_dim", "value_dim", "dropout", "use_bias", "output_shape", "attention_axes"}, "MultiHeadAttention")
	set([]string{"head_dim", "num_query_heads", "num_key_value_heads", "dropout", "use_bias"}, "GroupedQueryAttention")
	set([]string{"use_scale", "score_mode", "dropout"}, "Attention")
	set([]string{"use_scale", "dropout"}, "AdditiveAttention")
	set([]string{"rate", "noise_shape", "seed"}, "Dropout", "AlphaDropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianDropout")
	set([]string{"stddev", "seed"}, "GaussianNoise")
	set([]string{"data_format"}, "Flatten")
	set([]string{"target_shape"}, "Reshape")
	set([]string{"dims"}, "Permute")
	set([]string{"n"}, "RepeatVector")
	set([]string{"activation"}, "Activation")
	set([]string{"max_value", "negative_slope", "threshold"}, "ReLU")
	set([]string{"negative_slope"}, "LeakyReLU")
	set([]string{"alpha"}, "ELU")
	set([]string{"theta"}, "ThresholdedReLU")
	set([]string{"alpha_initializer", "alpha_regularizer", "alpha_constraint", "shared_axes"}, "PReLU")
	set([]string{"axis"}, "Concatenate")
	set([]string{"axes", "normalize"}, "Dot")
	set([]string{"padding", "data_format"}, "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D")
	set([]string{"cropping", "data_format"}, "Cropping1D", "Cropping2D", "Cropping3D")
	set([]string{"size"}, "UpSampling1D")
	set([]string{"size", "data_format", "interpolation"}, "UpSampling2D", "UpSampling3D")
	set([]string{"scale", "offset"}, "Rescaling")
	set([]string{"height", "width", "interpolation"}, "Resizing")
	set([]string{"height", "width"}, "CenterCrop")
	set([]string{"height", "width", "seed"}, "RandomCrop")
	set([]string{"function", "output_shape", "mask", "arguments"}, "Lambda")
	set([]string{"mask_value"}, "Masking")
	set([]string{"l1", "l2"}, "ActivityRegularization")
	set([]string{"equation", "output_shape", "activation", "bias_axes"}, "EinsumDense")
	set([]string{"input_shape", "batch_size", "dtype"}, "InputLayer")
	set([]string{"max_tokens", "standardize", "split", "ngrams", "output_mode", "output_sequence_length"}, "TextVectorization")
	set([]string{"max_tokens", "num_oov_indices", "mask_token", "oov_token", "vocabulary"}, "StringLookup", "IntegerLookup")
	set([]string{"num_bins", "mask_value", "salt", "output_mode"}, "Hashing")
	set([]string{"num_tokens", "output_mode"}, "CategoryEncoding")
	set([]string{"bin_boundaries", "num_bins"}, "Discretization")
}

// sameClass are Keras's other names of a layer class (the same class
// object: Keras writes and names it by the class's own name).
var sameClass = map[string]string{
	"Convolution1D": "Conv1D", "Convolution2D": "Conv2D", "Convolution3D": "Conv3D",
	"Convolution2DTranspose": "Conv2DTranspose", "Convolution3DTranspose": "Conv3DTranspose",
	"Deconvolution2D": "Conv2DTranspose", "Deconvolution3D": "Conv3DTranspose",
	"SeparableConvolution1D": "SeparableConv1D", "SeparableConvolution2D": "SeparableConv2D",
	"MaxPool1D": "MaxPooling1D", "MaxPool2D": "MaxPooling2D", "MaxPool3D": "MaxPooling3D",
	"AvgPool1D": "AveragePooling1D", "AvgPool2D": "AveragePooling2D", "AvgPool3D": "AveragePooling3D",
	"GlobalMaxPool1D": "GlobalMaxPooling1D", "GlobalMaxPool2D": "GlobalMaxPooling2D", "GlobalMaxPool3D": "GlobalMaxPooling3D",
	"GlobalAvgPool1D": "GlobalAveragePooling1D", "GlobalAvgPool2D": "GlobalAveragePooling2D", "GlobalAvgPool3D": "GlobalAveragePooling3D",
}

// mergeFuncs are keras.layers' functional forms of the merge layers
// (layers.add([a, b]), layers.concatenate([a, b], axis=1)): the layer
// class each makes and calls on its first argument.
var mergeFuncs = map[string]string{
	"add": "Add", "subtract": "Subtract", "multiply": "Multiply", "average": "Average",
	"maximum": "Maximum", "minimum": "Minimum", "concatenate": "Concatenate", "dot": "Dot",
}

// cellClasses are the RNN cells: layers that are given to RNN, never
// called on a tensor in a model.
var cellClasses = []string{"SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells"}

var (
	snake3  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(.)([A-Z][a-z]+)`) })
	nonWord = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\W+`) })
)

// namePrefix is Keras's to_snake_case, the prefix of a layer's automatic
// name: Conv2D → conv2d, MaxPooling2D → max_pooling2d, ReLU → re_lu,
// SimpleRNN → simple_rnn, BatchNormalization → batch_normalization.
// Keras 2's differs for a capital before a digit: ConvLSTM2D is
// conv_lst_m2d there, conv_lstm2d in Keras 3.
func namePrefix(class string, keras2 bool) string {
	s := nonWord().ReplaceAllString(class, "")
	if keras2 {
		s = snake1().ReplaceAllString(s, "${1}_${2}") // h5.go's, Keras 2's
	} else {
		s = snake3().ReplaceAllString(s, "${1}_${2}")
	}
	return strings.ToLower(snake2().ReplaceAllString(s, "${1}_${2}"))
}

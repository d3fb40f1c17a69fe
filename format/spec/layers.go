package spec

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/op"
)

// arity is how many inputs a layer type takes.
type arity int

const (
	noInputs   arity = iota // input
	oneInput                // most layers
	twoInputs               // subtract
	manyInputs              // merges and concat: two or more
	anyInputs               // custom: one or more
)

// layerType is one layer type of the spec: its canonical name, the other
// names it answers to, its attributes (besides commonAttrs) and how it
// becomes an op. build returns the op and the roles of the parameters it
// makes, for weight sharing.
type layerType struct {
	name    string
	aliases []string
	attrs   []string
	inputs  arity
	build   func(a *attrs) (graph.Op, []string)
}

// commonAttrs are the attributes every layer type takes.
var commonAttrs = []string{"name", "type", "inputs", "share", "shares", "trainable"}

// attrHints answer attribute names other frameworks use (normalized: lower
// case, no '_' or '-').
var attrHints = map[string]string{
	"usebias":           "bias",
	"kernelsize":        "kernel",
	"filtersize":        "kernel",
	"ksize":             "kernel",
	"strides":           "stride",
	"subsample":         "stride",
	"poolsize":          "pool",
	"dilationrate":      "dilation",
	"outchannels":       "filters",
	"numfilters":        "filters",
	"numoutput":         "filters",
	"outfeatures":       "units",
	"numunits":          "units",
	"hiddensize":        "units",
	"inputdim":          "vocab",
	"numembeddings":     "vocab",
	"vocabsize":         "vocab",
	"outputdim":         "dim",
	"embeddingdim":      "dim",
	"depthmultiplier":   "multiplier",
	"pad":               "padding",
	"ceilmode":          "rounding",
	"incoming":          "inputs",
	"input":             "inputs",
	"from":              "inputs",
	"targetshape":       "shape",
	"dims":              "perm",
	"numgroups":         "groups",
	"numlayers":         "num_layers",
	"returnsequences":   "return_sequences",
	"batchfirst":        "batch_first",
	"resetafter":        "reset_after",
	"p":                 "rate",
	"dropoutrate":       "rate",
	"outputpadding":     "output_padding",
	"size":              "scale",
	"scalefactor":       "scale",
	"upscalefactor":     "scale",
	"dataformat":        "the top-level `layout: NCHW | NHWC`",
	"inchannels":        "nothing: the input channels come from the input shape",
	"infeatures":        "nothing: the input size comes from the input shape",
	"inputsize":         "nothing: the input size comes from the input shape",
	"inputshape":        "a top-level `input: [null, …]` or an input layer",
	"batchinputshape":   "a top-level `input: [null, …]` or an input layer",
	"normalizedshape":   "axes",
	"elementwiseaffine": "affine",
	"center":            "affine (gamma and beta together) or bias",
	"scale":             "affine",
	"trackrunningstats": "running_stats",
	"eps":               "epsilon",
}

// norm folds a name for lookup: lower case without '_', '-' and spaces.
func norm(s string) string {
	// A plain loop: this runs for every alias when the package loads, and
	// a strings.Replacer per call cost a millisecond of start-up.
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_' || c == '-' || c == ' ':
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return string(b)
}

// layerTypes lists every layer type; made on first use, not at start-up
// (a run that reads no spec does not pay for it).
var layerTypes = sync.OnceValue(buildTypes)

// typeByName maps normalized names and aliases to types.
var typeByName = sync.OnceValue(func() map[string]*layerType {
	m := map[string]*layerType{}
	for _, t := range layerTypes() {
		m[norm(t.name)] = t
		for _, a := range t.aliases {
			m[norm(a)] = t
		}
	}
	return m
})

// lookupType finds a layer type, or explains why there is none.
func lookupType(s string) (*layerType, string) {
	if t := typeByName()[norm(s)]; t != nil {
		return t, ""
	}
	var dims []string
	for _, d := range []string{"1d", "2d", "3d"} {
		if t := typeByName()[norm(s)+d]; t != nil {
			dims = append(dims, t.name)
		}
	}
	if len(dims) > 0 {
		return nil, fmt.Sprintf("unknown layer type %q: say the number of spatial axes: %s", clip(s, 60), strings.Join(dims, ", "))
	}
	var cands []string
	for _, t := range layerTypes() {
		cands = append(cands, t.name)
		cands = append(cands, t.aliases...)
	}
	msg := fmt.Sprintf("unknown layer type %q", clip(s, 60))
	if m := nearest(s, cands); m != "" {
		return nil, msg + fmt.Sprintf(" (did you mean %q?)", typeByName()[norm(m)].name)
	}
	return nil, msg + " (doc/spec.md lists the layer types)"
}

// dimAliases are the aliases of a type with 1d/2d/3d variants:
// "maxpooling%s" gives maxpooling1d, maxpooling2d, maxpooling3d.
func dimAliases(nsp int, patterns ...string) []string {
	var out []string
	for _, p := range patterns {
		out = append(out, fmt.Sprintf(p, fmt.Sprintf("%dd", nsp)))
	}
	return out
}

var (
	convAttrs      = []string{"filters", "kernel", "stride", "padding", "dilation", "groups", "bias", "activation"}
	depthwiseAttrs = []string{"kernel", "multiplier", "stride", "padding", "dilation", "bias", "activation"}
	separableAttrs = []string{"filters", "kernel", "multiplier", "stride", "padding", "dilation", "bias", "activation"}
	transAttrs     = []string{"filters", "kernel", "stride", "padding", "output_padding", "output_size", "dilation", "groups", "bias", "activation"}
	maxPoolAttrs   = []string{"pool", "stride", "padding", "dilation", "rounding"}
	avgPoolAttrs   = []string{"pool", "stride", "padding", "rounding", "count_include_pad"}
	rnnAttrs       = []string{"units", "bias", "bidirectional", "return_sequences", "batch_first", "num_layers", "activation", "recurrent_activation", "dropout", "recurrent_dropout"}
	normAttrs      = []string{"epsilon", "momentum"}
	actAttrs       = []string{"alpha", "axis"}
)

// activations are the activation functions that are also layer types.
var activations = []string{"relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "swish", "mish", "sigmoid",
	"hard_sigmoid", "hard_swish", "tanh", "softmax", "log_softmax", "softplus", "softsign", "exponential"}

func buildTypes() []*layerType {
	ts := []*layerType{
		{name: "input", aliases: []string{"input_layer"}, attrs: []string{"shape", "dtype"}, inputs: noInputs, build: buildInput},
		{name: "dense", aliases: []string{"linear", "fc", "fully_connected", "inner_product"}, attrs: []string{"units", "bias", "activation"}, inputs: oneInput, build: buildDense},
		{name: "flatten", attrs: []string{"start", "end"}, inputs: oneInput, build: buildFlatten},
		{name: "reshape", aliases: []string{"view"}, attrs: []string{"shape"}, inputs: oneInput, build: buildReshape},
		{name: "permute", aliases: []string{"transpose", "dimshuffle"}, attrs: []string{"perm"}, inputs: oneInput, build: buildPermute},
		{name: "pad", attrs: []string{"pads", "mode", "value"}, inputs: oneInput, build: buildPad},
		{name: "slice", attrs: []string{"axis", "start", "stop", "step", "index"}, inputs: oneInput, build: buildSlice},
		{name: "upsample", aliases: []string{"upsampling", "upscale"}, attrs: []string{"scale", "mode"}, inputs: oneInput, build: buildUpsample(0)},
		{name: "global_avgpool", aliases: []string{"global_average_pooling", "global_avg_pool", "global_average_pool",
			"global_avgpool1d", "global_avgpool2d", "global_avgpool3d", "global_average_pooling1d", "global_average_pooling2d", "global_average_pooling3d"},
			attrs: []string{"keepdims"}, inputs: oneInput, build: buildGlobalPool("average")},
		{name: "global_maxpool", aliases: []string{"global_max_pooling", "global_max_pool",
			"global_maxpool1d", "global_maxpool2d", "global_maxpool3d", "global_max_pooling1d", "global_max_pooling2d", "global_max_pooling3d"},
			attrs: []string{"keepdims"}, inputs: oneInput, build: buildGlobalPool("max")},
		{name: "batchnorm", aliases: []string{"batch_norm", "batch_normalization", "bn", "batchnorm1d", "batchnorm2d", "batchnorm3d"},
			attrs: append([]string{"axis", "affine", "running_stats"}, normAttrs...), inputs: oneInput, build: buildBatchNorm},
		{name: "layernorm", aliases: []string{"layer_norm", "layer_normalization", "ln"},
			attrs: append([]string{"axes", "affine", "bias"}, normAttrs...), inputs: oneInput, build: buildLayerNorm("layer normalization", true)},
		{name: "rmsnorm", aliases: []string{"rms_norm", "rms_normalization"},
			attrs: append([]string{"axes", "affine", "bias"}, normAttrs...), inputs: oneInput, build: buildLayerNorm("RMS normalization", false)},
		{name: "groupnorm", aliases: []string{"group_norm", "group_normalization"},
			attrs: append([]string{"groups", "affine"}, normAttrs...), inputs: oneInput, build: buildGroupNorm},
		{name: "instancenorm", aliases: []string{"instance_norm", "instance_normalization", "instancenorm1d", "instancenorm2d", "instancenorm3d"},
			attrs: append([]string{"affine", "running_stats"}, normAttrs...), inputs: oneInput, build: buildInstanceNorm},
		{name: "dropout", aliases: []string{"spatial_dropout", "spatial_dropout1d", "spatial_dropout2d", "spatial_dropout3d", "alpha_dropout", "gaussian_dropout", "gaussian_noise"},
			attrs: []string{"rate"}, inputs: oneInput, build: buildDropout},
		{name: "activation", attrs: append([]string{"fn"}, actAttrs...), inputs: oneInput, build: buildActivation},
		{name: "prelu", aliases: []string{"parametric_relu"}, attrs: []string{"slopes"}, inputs: oneInput, build: buildPReLU},
		{name: "identity", aliases: []string{"noop", "rescaling"}, inputs: oneInput, build: func(*attrs) (graph.Op, []string) { return op.Identity{}, nil }},
		{name: "add", aliases: []string{"sum"}, attrs: []string{"broadcast"}, inputs: manyInputs, build: buildMerge},
		{name: "subtract", aliases: []string{"sub"}, attrs: []string{"broadcast"}, inputs: twoInputs, build: buildMerge},
		{name: "multiply", aliases: []string{"mul"}, attrs: []string{"broadcast"}, inputs: manyInputs, build: buildMerge},
		{name: "average", aliases: []string{"avg"}, attrs: []string{"broadcast"}, inputs: manyInputs, build: buildMerge},
		{name: "maximum", aliases: []string{"max"}, attrs: []string{"broadcast"}, inputs: manyInputs, build: buildMerge},
		{name: "minimum", aliases: []string{"min"}, attrs: []string{"broadcast"}, inputs: manyInputs, build: buildMerge},
		{name: "concat", aliases: []string{"concatenate", "cat"}, attrs: []string{"axis"}, inputs: manyInputs, build: buildConcat},
		{name: "embedding", aliases: []string{"embed"}, attrs: []string{"vocab", "dim"}, inputs: oneInput, build: buildEmbedding},
		{name: "rnn", aliases: []string{"simple_rnn"}, attrs: rnnAttrs, inputs: oneInput, build: buildRecurrent("rnn")},
		{name: "lstm", attrs: rnnAttrs, inputs: oneInput, build: buildRecurrent("lstm")},
		{name: "gru", attrs: append(slices.Clone(rnnAttrs), "reset_after"), inputs: oneInput, build: buildRecurrent("gru")},
		{name: "custom", aliases: []string{"lambda", "opaque"}, attrs: []string{"shape", "params", "non_trainable_params", "flops"}, inputs: anyInputs, build: buildCustom},
	}
	for nsp := 1; nsp <= 3; nsp++ {
		d := fmt.Sprintf("%dd", nsp)
		ts = append(ts,
			&layerType{name: "conv" + d, aliases: dimAliases(nsp, "convolution%s", "conv_%s"), attrs: convAttrs, inputs: oneInput, build: buildConv(nsp)},
			&layerType{name: "conv_transpose" + d, aliases: dimAliases(nsp, "conv%s_transpose", "convolution%s_transpose", "deconv%s", "deconvolution%s", "transposed_conv%s", "transposed_convolution%s"),
				attrs: transAttrs, inputs: oneInput, build: buildConvTranspose(nsp)},
			&layerType{name: "depthwise_conv" + d, aliases: dimAliases(nsp, "depthwise_convolution%s", "depthwise_conv_%s"), attrs: depthwiseAttrs, inputs: oneInput, build: buildDepthwise(nsp)},
			&layerType{name: "maxpool" + d, aliases: dimAliases(nsp, "max_pool%s", "max_pooling%s", "maxpooling%s"), attrs: maxPoolAttrs, inputs: oneInput, build: buildPool(nsp, "max")},
			&layerType{name: "avgpool" + d, aliases: dimAliases(nsp, "avg_pool%s", "average_pooling%s", "averagepooling%s", "average_pool%s"), attrs: avgPoolAttrs, inputs: oneInput, build: buildPool(nsp, "average")},
			&layerType{name: "upsample" + d, aliases: dimAliases(nsp, "upsampling%s", "upscale%s"), attrs: []string{"scale", "mode"}, inputs: oneInput, build: buildUpsample(nsp)},
			&layerType{name: "zeropad" + d, aliases: dimAliases(nsp, "zero_padding%s", "zeropadding%s", "zero_pad%s"), attrs: []string{"padding"}, inputs: oneInput, build: buildZeroPad(nsp)},
		)
		if nsp <= 2 {
			ts = append(ts, &layerType{name: "separable_conv" + d, aliases: dimAliases(nsp, "separable_convolution%s", "separableconv%s"), attrs: separableAttrs, inputs: oneInput, build: buildSeparable(nsp)})
		}
	}
	for _, fn := range activations {
		ts = append(ts, &layerType{name: fn, attrs: actAttrs, inputs: oneInput, build: func(a *attrs) (graph.Op, []string) {
			a.number("alpha")
			a.optInt("axis")
			return op.Identity{}, nil
		}})
	}
	return ts
}

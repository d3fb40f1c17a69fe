package keras

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/spell"
	"github.com/layerinfo/layerinfo/op"
	"github.com/layerinfo/layerinfo/op/tensor"
)

// A layer class's reader: it reads the config (errors at the config's
// line:col) and returns the builder of the op, with the number of
// outputs the layer makes.
type classFn func(c *conf) (builder, int)

// fixed is a builder of an op that needs no input shape.
func fixed(o graph.Op) builder { return func(*graph.Node) (graph.Op, error) { return o, nil } }

var identity = fixed(op.Identity{})

// weightless are the classes that never have weights.
var weightless = map[string]bool{}

// classes maps Keras class names (and their aliases) to readers.
var classes map[string]classFn

// loadTables fills the package's tables (classes, weightless, the
// elementwise ops, positional) on the first decode rather than at
// start-up: a run that reads no Keras file does not pay for them. Every
// entry point (Format.Decode, DecodeJSON, DecodeH5, DecodeArchive,
// DecodeCode, and decodeJSON under them) calls it.
var loadTables = sync.OnceFunc(func() {
	initClasses()
	initOps()
	initPositional()
})

func initClasses() {
	classes = map[string]classFn{
		"InputLayer": inputLayer,
		"Dense":      dense,
		"Embedding":  embedding,
		"Flatten":    flatten,
		"Reshape":    reshape,
		"Permute":    permute,
		"RepeatVector": func(c *conf) (builder, int) {
			return fixed(&op.RepeatVector{N: c.pos("n", 1)}), 1
		},
		"Lambda":                 lambda,
		"BatchNormalization":     batchNorm,
		"LayerNormalization":     layerNorm,
		"GroupNormalization":     groupNorm,
		"RMSNormalization":       rmsNorm,
		"Normalization":          normalization,
		"Concatenate":            concatenate,
		"Dot":                    dot,
		"SimpleRNN":              rnn("SimpleRNN"),
		"LSTM":                   rnn("LSTM"),
		"GRU":                    rnn("GRU"),
		"CuDNNLSTM":              rnn("CuDNNLSTM"),
		"CuDNNGRU":               rnn("CuDNNGRU"),
		"Bidirectional":          bidirectional,
		"GroupedQueryAttention":  groupedQueryAttention,
		"RNN":                    rnnOfCell,
		"EinsumDense":            einsumDense,
		"LocallyConnected1D":     locallyConnected(1),
		"LocallyConnected2D":     locallyConnected(2),
		"ConvLSTM1D":             convLSTM(1),
		"ConvLSTM2D":             convLSTM(2),
		"ConvLSTM3D":             convLSTM(3),
		"TimeDistributed":        timeDistributed,
		"MultiHeadAttention":     multiHeadAttention,
		"Attention":              attention(false),
		"AdditiveAttention":      attention(true),
		"PReLU":                  prelu,
		"Resizing":               resizing,
		"CenterCrop":             resizing,
		"RandomCrop":             resizing,
		"Conv1D":                 conv(1, false),
		"Conv2D":                 conv(2, false),
		"Conv3D":                 conv(3, false),
		"Conv1DTranspose":        conv(1, true),
		"Conv2DTranspose":        conv(2, true),
		"Conv3DTranspose":        conv(3, true),
		"SeparableConv1D":        separable(1),
		"SeparableConv2D":        separable(2),
		"DepthwiseConv1D":        depthwise(1),
		"DepthwiseConv2D":        depthwise(2),
		"MaxPooling1D":           pool(1, "max"),
		"MaxPooling2D":           pool(2, "max"),
		"MaxPooling3D":           pool(3, "max"),
		"AveragePooling1D":       pool(1, "average"),
		"AveragePooling2D":       pool(2, "average"),
		"AveragePooling3D":       pool(3, "average"),
		"GlobalMaxPooling1D":     globalPool("max"),
		"GlobalMaxPooling2D":     globalPool("max"),
		"GlobalMaxPooling3D":     globalPool("max"),
		"GlobalAveragePooling1D": globalPool("average"),
		"GlobalAveragePooling2D": globalPool("average"),
		"GlobalAveragePooling3D": globalPool("average"),
		"UpSampling1D":           upsampling(1),
		"UpSampling2D":           upsampling(2),
		"UpSampling3D":           upsampling(3),
		"ZeroPadding1D":          zeroPadding(1),
		"ZeroPadding2D":          zeroPadding(2),
		"ZeroPadding3D":          zeroPadding(3),
		"Cropping1D":             cropping(1),
		"Cropping2D":             cropping(2),
		"Cropping3D":             cropping(3),
	}
	// Preprocessing layers that turn text or categories into indices.
	classes["TextVectorization"] = textVectorization
	classes["CategoryEncoding"] = categoryEncoding
	for _, name := range []string{"StringLookup", "IntegerLookup", "Hashing", "Discretization"} {
		classes[name] = lookup
	}
	for _, name := range []string{"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"} {
		classes[name] = func(*conf) (builder, int) { return fixed(&op.Merge{Broadcast: true}), 1 }
	}
	// Layers that keep the shape and have no weights.
	for _, name := range []string{"Activation", "ReLU", "LeakyReLU", "ELU", "Softmax", "ThresholdedReLU",
		"Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise",
		"GaussianDropout", "AlphaDropout", "ActivityRegularization", "Masking", "Rescaling",
		"UnitNormalization", "Identity", "RandomFlip", "RandomRotation", "RandomZoom",
		"RandomContrast", "RandomBrightness", "RandomTranslation"} {
		classes[name] = func(*conf) (builder, int) { return identity, 1 }
	}
	aliases := map[string]string{
		"Convolution1D": "Conv1D", "Convolution2D": "Conv2D", "Convolution3D": "Conv3D",
		"Convolution2DTranspose": "Conv2DTranspose", "Convolution3DTranspose": "Conv3DTranspose",
		"Deconvolution2D": "Conv2DTranspose", "Deconvolution3D": "Conv3DTranspose",
		"AtrousConvolution1D": "Conv1D", "AtrousConvolution2D": "Conv2D",
		"SeparableConvolution1D": "SeparableConv1D", "SeparableConvolution2D": "SeparableConv2D",
		"MaxPool1D": "MaxPooling1D", "MaxPool2D": "MaxPooling2D", "MaxPool3D": "MaxPooling3D",
		"AvgPool1D": "AveragePooling1D", "AvgPool2D": "AveragePooling2D", "AvgPool3D": "AveragePooling3D",
		"GlobalMaxPool1D": "GlobalMaxPooling1D", "GlobalMaxPool2D": "GlobalMaxPooling2D", "GlobalMaxPool3D": "GlobalMaxPooling3D",
		"GlobalAvgPool1D": "GlobalAveragePooling1D", "GlobalAvgPool2D": "GlobalAveragePooling2D", "GlobalAvgPool3D": "GlobalAveragePooling3D",
		"SimpleRNNCell": "", "BatchNormalizationV1": "BatchNormalization", "BatchNormalizationV2": "BatchNormalization",
		"SyncBatchNormalization": "BatchNormalization",
	}
	for a, c := range aliases {
		if c != "" {
			classes[a] = classes[c]
		}
	}
	for name := range classes {
		switch name {
		case "LocallyConnected1D", "LocallyConnected2D", "Dense", "Embedding", "BatchNormalization", "LayerNormalization", "GroupNormalization", "RMSNormalization",
			"Normalization", "Bidirectional", "TimeDistributed", "MultiHeadAttention", "Attention", "GroupedQueryAttention", "EinsumDense",
			"AdditiveAttention", "PReLU":
			continue
		}
		if strings.Contains(name, "Conv") || strings.Contains(name, "RNN") || strings.Contains(name, "LSTM") || strings.Contains(name, "GRU") {
			continue
		}
		weightless[name] = true
	}
	weightless["Lambda"] = true
	weightless["TFOpLambda"] = true
	weightless["TFOpLambda"] = true
	weightless["SlicingOpLambda"] = true
}

// builderFor reads layer l's config into its builder.
func (d *decoder) builderFor(l *layer) (builder, int, error) {
	if b := d.tracedShape(l); b != nil {
		return b, 1, nil
	}
	if m := l.entry.get("module"); m != nil && m.k == jStr && strings.HasPrefix(m.s, "keras.src.ops") {
		// Keras 3: an operation of keras.ops on Keras tensors (x + y,
		// ops.relu(x)) in a functional model; not a layer, no weights.
		l.isOp = true
		return opBuilder(l, strings.ToLower(l.class)), 1, nil
	}
	if l.class == "SlicingOpLambda" {
		// tf.keras: x[...] on a Keras tensor; the slice in the call's
		// keyword argument slice_spec.
		l.isOp = true
		return d.slicing(l), 1, nil
	}
	if l.class == "TFOpLambda" {
		// tf.keras 2.4+: a TensorFlow function called on Keras tensors.
		fn := ""
		if f := l.cfg.get("function"); f != nil && f.k == jStr {
			fn = f.s
		}
		l.isOp = true
		if b := d.tfShapeOp(l, fn); b != nil {
			return b, 1, nil
		}
		return opBuilder(l, fn), 1, nil
	}
	fn := classes[l.class]
	if fn == nil {
		return d.unknownClass(l), 1, nil
	}
	c := &conf{d: d, l: l, cfg: l.cfg}
	if l.cfg.k != jObj {
		return nil, 0, d.errAt(l.cfg, l, "config: want an object, got %s", kindOf(l.cfg))
	}
	b, outs := fn(c)
	if c.err != nil {
		return nil, 0, c.err
	}
	return b, outs, nil
}

// unknownClass: a class layerinfo does not know (a custom layer, a
// newer Keras's): its outputs are unknown, the rest is analysed.
func (d *decoder) unknownClass(l *layer) builder {
	why := fmt.Sprintf("Keras layer class %s is not known to layerinfo: its outputs are unknown", l.class)
	switch {
	case l.class == "TFOpLambda" || l.class == "SlicingOpLambda":
		why = fmt.Sprintf("%s (a TensorFlow function called on a Keras tensor) is not modelled: its outputs are unknown", l.class)
	default:
		names := make([]string, 0, len(classes))
		for k := range classes {
			names = append(names, k)
		}
		sort.Strings(names)
		if s := spell.Nearest(l.class, names); s != "" {
			why += fmt.Sprintf(" (did you mean %s?)", s)
		}
		if r := l.entry.get("registered_name"); r != nil && r.k == jStr && strings.Contains(r.s, ">") {
			why += " (registered as custom " + r.s + ")"
		}
	}
	return func(*graph.Node) (graph.Op, error) { return nil, graph.Unknownf("%s", why) }
}

// inputLayer: the declared shape, or (in a nested model) what the
// enclosing model feeds.
func inputLayer(c *conf) (builder, int) {
	s, dt, ok, err := c.d.declaredShape(c.l)
	if err != nil {
		c.err = err
		return nil, 1
	}
	return func(n *graph.Node) (graph.Op, error) {
		if len(n.Inputs) > 0 && n.In(0) != nil {
			return op.Identity{}, nil
		}
		if !ok {
			return nil, graph.Unknownf("the input layer declares no shape")
		}
		return &op.Input{Shape: s, DType: dt}, nil
	}, 1
}

func dense(c *conf) (builder, int) {
	units := c.pos("units", 0)
	bias := c.bool("use_bias", true)
	return fixed(&op.Linear{Units: units, From: -1, Bias: bias, WeightRole: "kernel", BiasRole: "bias"}), 1
}

func embedding(c *conf) (builder, int) {
	vocab, dim := c.pos("input_dim", 0), c.pos("output_dim", 0)
	return fixed(&op.Embedding{Vocab: vocab, Dim: dim, Role: "embeddings"}), 1
}

func flatten(c *conf) (builder, int) { return fixed(&op.Flatten{Start: 1, End: -1}), 1 }

func reshape(c *conf) (builder, int) {
	s, ok := c.shapeList("target_shape")
	if !ok {
		c.fail(c.v("target_shape"), "target_shape: want a list of sizes")
		return nil, 1
	}
	t := []op.ReshapeDim{op.RefAxis(0)}
	for _, d := range s {
		if !d.Known() && d.Size != -1 {
			d.Size = -1
		}
		t = append(t, op.Literal(d.Size))
	}
	return fixed(&op.Reshape{Target: t}), 1
}

func permute(c *conf) (builder, int) {
	v := c.v("dims")
	if v == nil || v.k != jArr {
		c.fail(v, "dims: want a list of axes")
		return nil, 1
	}
	p := []int{0}
	for _, e := range v.arr {
		n, ok := e.int()
		if !ok || n < 1 || n > 64 {
			c.fail(e, "dims: want axes from 1, got %s", kindOf(e))
			return nil, 1
		}
		p = append(p, int(n))
	}
	return fixed(&op.Permute{Pattern: p}), 1
}

// lambda: the output shape when the config gives it (without the batch
// axis), else unknown: the function is Python code.
func lambda(c *conf) (builder, int) {
	s, ok := c.shapeList("output_shape")
	if t := c.str("output_shape_type", "raw"); t != "raw" {
		ok = false
	}
	c.err = nil // a function's output_shape is not a list: unknown, not an error
	return func(n *graph.Node) (graph.Op, error) {
		if !ok {
			return nil, graph.Unknownf("Lambda: its function is Python code and the config gives no output_shape, so its output is unknown")
		}
		in := n.In(0)
		if len(in) == 0 {
			return nil, fmt.Errorf("a Lambda's output_shape needs a batched input, got %v", in)
		}
		out := append(graph.Shape{in[0]}, s...)
		return &op.Custom{Shape: out, Why: "the Lambda's output_shape"}, nil
	}, 1
}

func batchNorm(c *conf) (builder, int) {
	axes := c.axes("axis", -1)
	var ps []op.ParamSpec
	if c.bool("scale", true) {
		ps = append(ps, op.ParamSpec{Role: "gamma", Trainable: true})
	}
	if c.bool("center", true) {
		ps = append(ps, op.ParamSpec{Role: "beta", Trainable: true})
	}
	ps = append(ps, op.ParamSpec{Role: "moving_mean"}, op.ParamSpec{Role: "moving_variance"})
	if c.bool("renorm", false) {
		// tf.keras's batch renormalization keeps the moving standard
		// deviation and the renorm statistics too, all non-trainable.
		ps = append(ps, op.ParamSpec{Role: "moving_stddev"}, op.ParamSpec{Role: "renorm_mean"}, op.ParamSpec{Role: "renorm_stddev"})
	}
	return fixed(&op.Norm{Axes: axes, Params: ps, What: "batch normalization"}), 1
}

func layerNorm(c *conf) (builder, int) {
	axes := c.axes("axis", -1)
	var ps []op.ParamSpec
	rms := c.bool("rms_scaling", false)
	if c.bool("scale", true) || rms {
		ps = append(ps, op.ParamSpec{Role: "gamma", Trainable: true})
	}
	if c.bool("center", true) && !rms {
		ps = append(ps, op.ParamSpec{Role: "beta", Trainable: true})
	}
	return fixed(&op.Norm{Axes: axes, Params: ps, What: "layer normalization"}), 1
}

// rmsNorm is Keras 3's RMSNormalization: one scale per position of
// the axes.
func rmsNorm(c *conf) (builder, int) {
	axes := c.axes("axis", -1)
	return fixed(&op.Norm{Axes: axes, Params: []op.ParamSpec{{Role: "scale", Trainable: true}}, What: "RMS normalization"}), 1
}

func groupNorm(c *conf) (builder, int) {
	axes := c.axes("axis", -1)
	groups := c.pos("groups", 32)
	var ps []op.ParamSpec
	if c.bool("scale", true) {
		ps = append(ps, op.ParamSpec{Role: "gamma", Trainable: true})
	}
	if c.bool("center", true) {
		ps = append(ps, op.ParamSpec{Role: "beta", Trainable: true})
	}
	return fixed(&op.Norm{Axes: axes[:1], Groups: groups, Params: ps, What: "group normalization"}), 1
}

// normalization is the preprocessing layer: its mean and variance are
// non-trainable weights unless the config gives them as constants.
func normalization(c *conf) (builder, int) {
	axes := c.axes("axis", -1)
	if v := c.v("axis"); v != nil && v.k == jNull {
		axes = nil // axis=None: one mean and variance for everything
	}
	if !c.v("mean").isNull() && !c.v("variance").isNull() {
		return identity, 1
	}
	// Keras 2 and 3 alike: mean and variance over the kept axes and a
	// scalar count, none of them trainable.
	ps := []op.ParamSpec{{Role: "mean"}, {Role: "variance"}}
	return fixed(&op.Standardize{Axes: axes, Params: ps, Count: true}), 1
}

func concatenate(c *conf) (builder, int) {
	ax := c.int("axis", -1)
	return fixed(&op.Concat{Axis: int(ax)}), 1
}

func dot(c *conf) (builder, int) {
	v := c.v("axes")
	var axes [2]int
	switch {
	case v != nil && v.k == jNum:
		n, _ := v.int()
		axes = [2]int{int(n), int(n)}
	case v != nil && v.k == jArr && len(v.arr) == 2:
		a, _ := v.arr[0].int()
		b, _ := v.arr[1].int()
		axes = [2]int{int(a), int(b)}
	default:
		c.fail(v, "axes: want an axis or two")
	}
	return fixed(&op.Dot{Axes: axes}), 1
}

func prelu(c *conf) (builder, int) {
	var shared []int
	if v := c.v("shared_axes"); !v.isNull() {
		shared = c.axes("shared_axes", 1)
	}
	return fixed(&op.PReLU{SharedAxes: shared, Role: "alpha"}), 1
}

func resizing(c *conf) (builder, int) {
	h, w := c.pos("height", 0), c.pos("width", 0)
	return fixed(&op.Resize{Layout: c.layout(), Sizes: []int64{h, w}}), 1
}

func conv(rank int, transposed bool) classFn {
	return func(c *conf) (builder, int) {
		k := c.ints("kernel_size", rank, nil)
		if k == nil {
			c.fail(c.v("kernel_size"), "kernel_size is missing")
			return nil, 1
		}
		s := c.ints("strides", rank, nil)
		d := c.ints("dilation_rate", rank, nil)
		o := &op.Conv{
			Layout: c.layout(), Filters: c.pos("filters", 0), Kernel: k, Stride: s, Dilation: d,
			Pad: c.padding(k, d, rank == 1 && !transposed), Groups: c.pos("groups", 1), Bias: c.bool("use_bias", true),
			WeightOrder: op.KernelInOut, WeightRole: "kernel", BiasRole: "bias", Transposed: transposed,
		}
		if transposed {
			op := c.ints("output_padding", rank, nil)
			kernelTransposed(o, op)
		}
		return fixed(o), 1
	}
}

// kernelTransposed sets a transposed convolution's output length the
// way Keras computes it (deconv_output_length): without output_padding,
// 'valid' gives (in-1)*s + max(k', s) and 'same' in*s; with it, 'same'
// pads k'//2 on each side.
func kernelTransposed(o *op.Conv, outPad []int64) {
	n := len(o.Kernel)
	s, _ := op.PerAxis(o.Stride, n, 1)
	d, _ := op.PerAxis(o.Dilation, n, 1)
	if outPad == nil {
		if o.Pad.Mode == op.PadValid {
			extra := make([]int64, n)
			for i := range n {
				kd := d[i]*(o.Kernel[i]-1) + 1
				extra[i] = max(kd, s[i]) - kd
			}
			o.OutputPadding = extra
		}
		return
	}
	o.OutputPadding = outPad
	if o.Pad.Mode == op.PadSameEnd {
		p := make([]int64, n)
		for i := range n {
			p[i] = (d[i]*(o.Kernel[i]-1) + 1) / 2
		}
		o.Pad = op.Padding{Mode: op.PadExplicit, Begin: p, End: p}
	}
}

func separable(rank int) classFn {
	return func(c *conf) (builder, int) {
		k := c.ints("kernel_size", rank, nil)
		d := c.ints("dilation_rate", rank, nil)
		o := &op.SeparableConv{
			Layout: c.layout(), Filters: c.pos("filters", 0), Kernel: k, Stride: c.ints("strides", rank, nil),
			Dilation: d, Pad: c.padding(k, d, false), Multiplier: c.pos("depth_multiplier", 1),
			Bias: c.bool("use_bias", true), WeightOrder: op.KernelInOut,
		}
		return fixed(&kerasDepthwise{Op: o, rank: rank, layout: o.Layout, mult: o.Multiplier}), 1
	}
}

func depthwise(rank int) classFn {
	return func(c *conf) (builder, int) {
		k := c.ints("kernel_size", rank, nil)
		d := c.ints("dilation_rate", rank, nil)
		o := &op.DepthwiseConv{Multiplier: c.pos("depth_multiplier", 1), Conv: op.Conv{
			Layout: c.layout(), Kernel: k, Stride: c.ints("strides", rank, nil), Dilation: d,
			Pad: c.padding(k, d, false), Bias: c.bool("use_bias", true), WeightOrder: op.KernelInOut,
			WeightRole: "depthwise_kernel", BiasRole: "bias",
		}}
		return fixed(&kerasDepthwise{Op: o, rank: rank, layout: o.Conv.Layout, mult: o.Multiplier}), 1
	}
}

// kerasDepthwise gives a depthwise kernel Keras's shape (k…, C_in,
// multiplier) instead of a grouped convolution's (k…, 1, C_in*m): the
// same elements.
type kerasDepthwise struct {
	graph.Op
	rank   int
	layout op.Layout
	mult   int64
}

func (k *kerasDepthwise) Infer(n *graph.Node) error {
	if err := k.Op.Infer(n); err != nil {
		return err
	}
	for _, p := range n.Params {
		if p.Role == "depthwise_kernel" && len(p.Shape) == k.rank+2 {
			s := p.Shape.Clone()
			last := s[k.rank+1]
			m := max(k.mult, 1)
			s[k.rank] = graph.D(last.Size / m)
			s[k.rank+1] = graph.D(m)
			p.Shape = s
		}
	}
	return nil
}

func pool(rank int, mode string) classFn {
	return func(c *conf) (builder, int) {
		k := c.ints("pool_size", rank, []int64{2})
		s := c.ints("strides", rank, nil)
		if s == nil {
			s = k // Keras: strides default to pool_size
		}
		return fixed(&op.Pool{Layout: c.layout(), Mode: mode, Kernel: k, Stride: s,
			Pad: c.padding(k, nil, false), Rounding: op.Floor}), 1
	}
}

func globalPool(mode string) classFn {
	return func(c *conf) (builder, int) {
		return fixed(&op.GlobalPool{Layout: c.layout(), Mode: mode, KeepDims: c.bool("keepdims", false)}), 1
	}
}

func upsampling(rank int) classFn {
	return func(c *conf) (builder, int) {
		f := c.ints("size", rank, []int64{2})
		if len(f) == 1 && rank > 1 {
			f = []int64{f[0], f[0], f[0]}[:rank]
		}
		return fixed(&op.Upscale{Layout: c.layout(), Factors: f}), 1
	}
}

// spatialPads places per-spatial-axis amounts on the axes of a rank+2
// input in the layout.
func spatialPads(layout op.Layout, b, a []int64) ([]int64, []int64) {
	rank := len(b)
	before, after := make([]int64, rank+2), make([]int64, rank+2)
	first := 1
	if layout == op.ChannelsFirst {
		first = 2
	}
	for i := range rank {
		before[first+i], after[first+i] = b[i], a[i]
	}
	return before, after
}

func zeroPadding(rank int) classFn {
	return func(c *conf) (builder, int) {
		b, a := c.pairs("padding", rank, 1)
		layout := op.ChannelsLast
		if rank > 1 {
			layout = c.layout()
		}
		before, after := spatialPads(layout, b, a)
		return fixed(&op.ZeroPad{Before: before, After: after}), 1
	}
}

func cropping(rank int) classFn {
	return func(c *conf) (builder, int) {
		def := int64(0)
		if rank == 1 {
			def = 1
		}
		b, a := c.pairs("cropping", rank, def)
		layout := op.ChannelsLast
		if rank > 1 {
			layout = c.layout()
		}
		before, after := spatialPads(layout, b, a)
		return fixed(&op.Cropping{Before: before, After: after}), 1
	}
}

// Elementwise operations of functional models that are not layers:
// tf.keras's TFOpLambda functions ("math.multiply",
// "__operators__.add") and Keras 3's keras.ops classes (lower-cased).
var (
	unaryOps  = map[string]bool{}
	binaryOps = map[string]bool{}
)

func initOps() {
	for _, s := range []string{"relu", "relu6", "sigmoid", "tanh", "softmax", "log_softmax", "exp", "log",
		"sqrt", "rsqrt", "square", "abs", "negative", "silu", "swish", "gelu", "elu", "selu", "softplus",
		"softsign", "hard_sigmoid", "hard_silu", "leaky_relu", "sign", "floor", "ceil", "round", "erf",
		"identity", "clip_by_value", "clip", "cast", "stop_gradient", "l2_normalize", "reciprocal", "sin", "cos"} {
		unaryOps[s] = true
	}
	for _, s := range []string{"add", "subtract", "multiply", "truediv", "divide", "true_divide", "maximum",
		"minimum", "pow", "power", "floordiv", "floor_divide", "mod", "squared_difference", "truedivide",
		"floordivide", "squareddifference"} {
		binaryOps[s] = true
	}
}

// opBuilder models an elementwise operation by its function's last
// name part; others are unknown.
func opBuilder(l *layer, fn string) builder {
	name := fn
	if i := strings.LastIndexAny(name, "."); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSuffix(strings.TrimPrefix(name, "__"), "__")
	return func(n *graph.Node) (graph.Op, error) {
		switch {
		case unaryOps[name] && len(n.Inputs) == 1:
			return op.Identity{}, nil
		case unaryOps[name] || binaryOps[name]:
			return &op.Merge{Broadcast: true}, nil
		}
		return nil, graph.Unknownf("%s %q is not modelled: its output is unknown", l.class, fn)
	}
}

// slicing reads a SlicingOpLambda's slice_spec from its (first) call:
// {"class_name": "__tuple__", "items": [...]} of slices
// ({"start", "stop", "step"}), integers, null (a new axis) and the
// ellipsis, or one of them alone.
func (d *decoder) slicing(l *layer) builder {
	unknown := func(*graph.Node) (graph.Op, error) {
		return nil, graph.Unknownf("SlicingOpLambda: the slice is not in the call, so the output is unknown")
	}
	nodes := l.entry.get("inbound_nodes")
	if nodes == nil || nodes.k != jArr || len(nodes.arr) == 0 {
		return unknown
	}
	var spec *value
	var find func(v *value, depth int)
	find = func(v *value, depth int) {
		if v == nil || spec != nil || depth > 6 {
			return
		}
		switch v.k {
		case jObj:
			if s := v.get("slice_spec"); s != nil {
				spec = s
				return
			}
			for _, m := range v.obj {
				find(m.val, depth+1)
			}
		case jArr:
			for _, e := range v.arr {
				find(e, depth+1)
			}
		}
	}
	find(nodes.arr[0], 0)
	if spec == nil {
		return unknown
	}
	items := []*value{spec}
	if className(spec) == "__tuple__" || spec.k == jArr {
		if it := spec.get("items"); it != nil && it.k == jArr {
			items = it.arr
		} else if spec.k == jArr {
			items = spec.arr
		}
	}
	if len(items) > 64 {
		return unknown
	}
	var g op.GetItem
	for _, it := range items {
		var item op.Item
		num := func(v *value) (*int64, bool) {
			if v.isNull() {
				return nil, true
			}
			n, ok := v.int()
			return &n, ok
		}
		switch {
		case it.k == jNull:
			item.NewAxis = true
		case it.k == jNum:
			n, ok := it.int()
			if !ok {
				return unknown
			}
			item.Slice.Index = &n
		case className(it) == "__ellipsis__":
			item.Ellipsis = true
		case it.k == jObj && (it.get("start") != nil || it.get("stop") != nil || it.get("step") != nil):
			var ok1, ok2, ok3 bool
			item.Slice.Start, ok1 = num(it.get("start"))
			item.Slice.Stop, ok2 = num(it.get("stop"))
			var step *int64
			step, ok3 = num(it.get("step"))
			if !ok1 || !ok2 || !ok3 || step != nil && *step == 0 {
				return unknown
			}
			if step != nil {
				item.Slice.Step = *step
			}
		default:
			return unknown
		}
		g.Items = append(g.Items, item)
	}
	return fixed(&g)
}

// locallyConnected is Keras 2's LocallyConnected1D/2D with its default
// implementation 1; the others keep a masked or sparse kernel of another
// size and are left unknown.
func locallyConnected(rank int) classFn {
	return func(c *conf) (builder, int) {
		if impl := c.int("implementation", 1); impl != 1 {
			return func(*graph.Node) (graph.Op, error) {
				return nil, graph.Unknownf("LocallyConnected with implementation %d is not modelled: its output is unknown", impl)
			}, 1
		}
		k := c.ints("kernel_size", rank, nil)
		if k == nil {
			c.fail(c.v("kernel_size"), "kernel_size is missing")
			return nil, 1
		}
		return fixed(&op.Unshared{Conv: op.Conv{Layout: c.layout(), Filters: c.pos("filters", 0), Kernel: k,
			Stride: c.ints("strides", rank, nil), Pad: c.padding(k, nil, false), Bias: c.bool("use_bias", true)}}), 1
	}
}

// callKwargs is the keyword arguments of a layer's first call: the
// fourth entry of a Keras 2 reference, or a Keras 3 node's kwargs.
func callKwargs(l *layer) *value {
	nodes := l.entry.get("inbound_nodes")
	if nodes == nil || nodes.k != jArr || len(nodes.arr) == 0 {
		return nil
	}
	node := nodes.arr[0]
	if kw := node.get("kwargs"); kw != nil {
		return kw
	}
	refs := node.arr
	if len(refs) > 0 && refs[0].k == jStr {
		refs = []*value{node}
	}
	if len(refs) > 0 && len(refs[0].arr) > 3 && refs[0].arr[3].k == jObj {
		return refs[0].arr[3]
	}
	return nil
}

// tfShapeOp models TensorFlow's shape functions called on Keras tensors
// (tf.keras TFOpLambda): reductions, expand_dims, transpose and reshape,
// from the call's keyword arguments; nil when fn is none of them or its
// arguments are not literal.
func (d *decoder) tfShapeOp(l *layer, fn string) builder {
	kw := callKwargs(l)
	name := fn
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	ints := func(v *value) ([]int64, bool) {
		switch {
		case v == nil:
			return nil, false
		case v.k == jNum:
			n, ok := v.int()
			return []int64{n}, ok
		case v.k == jArr && len(v.arr) <= 32:
			var out []int64
			for _, e := range v.arr {
				if e.isNull() {
					out = append(out, -1)
					continue
				}
				n, ok := e.int()
				if !ok {
					return nil, false
				}
				out = append(out, n)
			}
			return out, true
		}
		return nil, false
	}
	reductions := map[string]tensor.Reduction{"reduce_sum": tensor.ReduceSum, "reduce_mean": tensor.ReduceMean,
		"reduce_max": tensor.ReduceMax, "reduce_min": tensor.ReduceMin, "reduce_prod": tensor.ReduceProd}
	if f, ok := reductions[name]; ok {
		var axes []int64
		if a := kw.get("axis"); !a.isNull() {
			if axes, ok = ints(a); !ok {
				return nil
			}
		}
		keep := false
		if k := kw.get("keepdims"); k != nil && k.k == jBool {
			keep = k.b
		}
		return fixed(&tensor.Reduce{Func: f, Axes: axes, KeepDims: keep})
	}
	switch name {
	case "expand_dims":
		if axes, ok := ints(kw.get("axis")); ok && len(axes) == 1 {
			return fixed(&tensor.Unsqueeze{Axes: axes})
		}
	case "transpose":
		if perm, ok := ints(kw.get("perm")); ok {
			return fixed(&tensor.Transpose{Perm: perm})
		}
	case "reshape":
		if shape, ok := ints(kw.get("shape")); ok {
			t := make([]op.ReshapeDim, len(shape))
			for i, v := range shape {
				t[i] = op.Literal(v)
			}
			return fixed(&op.Reshape{Target: t})
		}
	}
	return nil
}

// textVectorization: with output_mode "int" and output_sequence_length,
// (batch, length) token ids; a "multi_hot", "count" or "tf_idf" output
// has max_tokens entries; otherwise the length depends on the text.
func textVectorization(c *conf) (builder, int) {
	mode := c.str("output_mode", "int")
	length := c.int("output_sequence_length", 0)
	tokens := c.int("max_tokens", 0)
	return func(n *graph.Node) (graph.Op, error) {
		in := n.In(0)
		if len(in) == 0 {
			return nil, graph.Unknownf("TextVectorization: its input's shape is unknown")
		}
		switch {
		case mode == "int" && length > 0:
			return &op.Custom{Shape: graph.Shape{in[0], graph.D(length)}, Why: "output_sequence_length"}, nil
		case mode != "int" && tokens > 0:
			return &op.Custom{Shape: graph.Shape{in[0], graph.D(tokens)}, Why: "max_tokens (" + mode + ")"}, nil
		}
		return nil, graph.Unknownf("TextVectorization without output_sequence_length: the output's length depends on the text")
	}, 1
}

// categoryEncoding: num_tokens entries per example (one_hot keeps the
// input's other axes before them).
func categoryEncoding(c *conf) (builder, int) {
	tokens := c.pos("num_tokens", 1)
	mode := c.str("output_mode", "multi_hot")
	return func(n *graph.Node) (graph.Op, error) {
		in := n.In(0)
		if len(in) == 0 {
			return nil, graph.Unknownf("CategoryEncoding: its input's shape is unknown")
		}
		out := graph.Shape{in[0], graph.D(tokens)}
		if mode == "one_hot" && len(in) > 1 && !(len(in) == 2 && in[1].Known() && in[1].Size == 1) {
			out = append(in.Clone(), graph.D(tokens))
		}
		return &op.Custom{Shape: out, Why: "num_tokens"}, nil
	}, 1
}

// lookup: StringLookup, IntegerLookup, Hashing, Discretization give an
// index per input value (output_mode "int"); the other modes one entry
// per token of the vocabulary, which the config gives only as
// num_bins (Hashing, Discretization).
func lookup(c *conf) (builder, int) {
	mode := c.str("output_mode", "int")
	bins := c.int("num_bins", 0)
	return func(n *graph.Node) (graph.Op, error) {
		in := n.In(0)
		switch {
		case mode == "int":
			return op.Identity{}, nil
		case bins > 0 && len(in) > 0:
			return &op.Custom{Shape: graph.Shape{in[0], graph.D(bins)}, Why: "num_bins (" + mode + ")"}, nil
		}
		return nil, graph.Unknownf("%s with output_mode %q: the vocabulary's size is not in the config", c.l.class, mode)
	}, 1
}

// tracedShape: an operation a Keras script ran on a Keras tensor whose
// output shape the script's run computed (x[:, -1], ops.matmul by a
// layer's weight) carries it in its config, under a key no Keras file
// writes (Keras 3's operations have only a name in theirs); the
// operation keeps it.
func (d *decoder) tracedShape(l *layer) builder {
	if l.class != "SlicingOpLambda" && l.class != "TFOpLambda" {
		if m := l.entry.get("module"); m == nil || m.k != jStr || !strings.HasPrefix(m.s, "keras.src.ops") {
			return nil
		}
	}
	v := l.cfg.get("__output_shape__")
	if v == nil || v.k != jArr {
		return nil
	}
	s, err := d.shapeOf(v, l, "output shape")
	if err != nil {
		return nil
	}
	l.isOp = true
	o := &op.Custom{Shape: s, Why: "the operation's shape when the script ran it"}
	if l.class == "GetItem" || l.class == "SlicingOpLambda" {
		return fixed(noWork{o}) // indexing does no arithmetic
	}
	return fixed(o)
}

// noWork is an op that does no arithmetic: 0 FLOPs.
type noWork struct{ graph.Op }

func (o noWork) Infer(n *graph.Node) error {
	if err := o.Op.Infer(n); err != nil {
		return err
	}
	n.FLOPs = calc.N(0)
	return nil
}

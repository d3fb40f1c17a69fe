package pycode

import (
	"fmt"
	"strings"

	"go.starlark.net/starlark"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/pyhost"
	"github.com/layerinfo/layerinfo/op"
)

// class is a Lasagne layer class: its constructor's parameters (as Lasagne
// declares them) and how to turn a call into an op.
type class struct {
	sig   string
	extra []string // keywords accepted through **kwargs besides name
	// old are keywords of Lasagne before 0.1 (2014 to mid-2015, as in
	// nolearn's first tutorials) and today's name for each; "" for one
	// the builder reads itself (border_mode).
	old   map[string]string
	build func(b *builder, c *call) (*layer, error)

	// What every call reads of sig, extra and old, made once with the
	// table (lasagneClasses): nil in a class made elsewhere.
	ps      []param
	kws     []string
	renames map[string]string
}

// params is the class's parsed signature.
func (k class) params() []param {
	if k.ps != nil {
		return k.ps
	}
	return sig(k.sig)
}

// Keywords of Lasagne before 0.1 (lasagne/layers/*.py at Lasagne's git
// history): pooling took ds (pool_size) and, for a week in April 2015, st
// (stride); cuda-convnet and cuDNN layers took strides (stride); conv
// layers took strides (stride), border_mode ('valid', 'full', 'same')
// before pad, and Conv1DLayer filter_length (filter_size).
var (
	oldPool    = map[string]string{"ds": "pool_size", "st": "stride"}
	oldPoolGPU = map[string]string{"ds": "pool_size", "strides": "stride"}
	oldFeature = map[string]string{"ds": "pool_size"}
	oldConv1D  = map[string]string{"filter_length": "filter_size", "border_mode": ""}
	oldConv2D  = map[string]string{"strides": "stride", "border_mode": ""}
)

// Layer base keywords every Lasagne layer takes through **kwargs.
var layerKw = []string{"name"}

// lasagneClasses are the classes of lasagne.layers (and its dnn, corrmm,
// cuda_convnet variants), by name.
func lasagneClasses() map[string]class {
	conv := func(nsp int, dnn bool) class {
		sig := "incoming, num_filters, filter_size, stride=, pad=, untie_biases=, W=, b=, nonlinearity=, flip_filters=, convolution="
		if dnn {
			sig = "incoming, num_filters, filter_size, stride=, pad=, untie_biases=, W=, b=, nonlinearity=, flip_filters=, num_groups="
		}
		return class{sig: sig, extra: []string{"num_groups"}, build: func(b *builder, c *call) (*layer, error) { return b.conv(c, nsp) }}
	}
	oldConv := func(k class, old map[string]string) class { k.old = old; return k }
	pool := func(nsp int, max bool, ignoreBorder bool) class {
		sig := "incoming, pool_size, stride=, pad=, ignore_border=, mode="
		if max {
			sig = "incoming, pool_size, stride=, pad=, ignore_border="
		}
		return class{sig: sig, build: func(b *builder, c *call) (*layer, error) { return b.pool(c, nsp, max, ignoreBorder) }}
	}
	// Lasagne's MaxPool1DLayer and MaxPool2DLayer took ds and defaulted
	// to ignore_border=False (Theano's max_pool_2d) until 0.1.
	oldMaxPool := func(nsp int) class {
		k := pool(nsp, true, true)
		k.old = oldPool
		k.build = func(b *builder, c *call) (*layer, error) {
			ignore := true
			if _, given := c.a.vals.lookup("ignore_border"); !given && len(c.old) > 0 {
				ignore = false
				c.note("ignore_border not given: False, the default of Lasagne before 0.1, whose pooling took %s (a partial last pooling region is kept)", c.oldNames())
			}
			return b.pool(c, nsp, true, ignore)
		}
		return k
	}
	gpuPool := func(k class) class { k.old = oldPoolGPU; return k }
	upscale := func(nsp int) class {
		return class{sig: "incoming, scale_factor, mode=", build: func(b *builder, c *call) (*layer, error) { return b.upscale(c, nsp) }}
	}
	transposed := func(nsp int) class {
		return class{sig: "incoming, num_filters, filter_size, stride=, crop=, untie_biases=, W=, b=, nonlinearity=, flip_filters=, output_size=",
			build: func(b *builder, c *call) (*layer, error) { return b.transposed(c, nsp) }}
	}
	identity := func(sig string) class {
		return class{sig: sig, build: func(b *builder, c *call) (*layer, error) { return b.identity(c) }}
	}
	bn := class{sig: "incoming, axes=, epsilon=, alpha=, beta=, gamma=, mean=, inv_std=", build: (*builder).batchNorm}
	m := map[string]class{
		"InputLayer":     {sig: "shape, input_var=", build: (*builder).input},
		"DenseLayer":     {sig: "incoming, num_units, W=, b=, nonlinearity=, num_leading_axes=", build: (*builder).dense},
		"NINLayer":       {sig: "incoming, num_units, untie_biases=, W=, b=, nonlinearity=", build: (*builder).nin},
		"Conv1DLayer":    oldConv(conv(1, false), oldConv1D),
		"Conv2DLayer":    oldConv(conv(2, false), oldConv2D),
		"Conv3DLayer":    conv(3, false),
		"Conv2DDNNLayer": oldConv(conv(2, true), oldConv2D),
		"Conv3DDNNLayer": conv(3, true),
		"Conv2DMMLayer":  oldConv(conv(2, true), oldConv2D),
		"Conv2DCCLayer":  {sig: "incoming, num_filters, filter_size, stride=, pad=, untie_biases=, W=, b=, nonlinearity=, dimshuffle=, flip_filters=, partial_sum=", old: oldConv2D, build: func(b *builder, c *call) (*layer, error) { return b.conv(c, 2) }},
		"DilatedConv2DLayer": {sig: "incoming, num_filters, filter_size, dilation=, pad=, untie_biases=, W=, b=, nonlinearity=, flip_filters=",
			build: (*builder).dilated},
		"TransposedConv2DLayer":         transposed(2),
		"TransposedConv3DLayer":         transposed(3),
		"Deconv2DLayer":                 transposed(2),
		"Deconv3DLayer":                 transposed(3),
		"Pool1DLayer":                   pool(1, false, true),
		"Pool2DLayer":                   pool(2, false, true),
		"Pool3DLayer":                   pool(3, false, true),
		"MaxPool1DLayer":                oldMaxPool(1),
		"MaxPool2DLayer":                oldMaxPool(2),
		"MaxPool3DLayer":                pool(3, true, true),
		"Pool2DDNNLayer":                gpuPool(pool(2, false, true)),
		"Pool3DDNNLayer":                pool(3, false, true),
		"MaxPool2DDNNLayer":             gpuPool(pool(2, true, true)),
		"MaxPool3DDNNLayer":             pool(3, true, true),
		"MaxPool2DCCLayer":              {sig: "incoming, pool_size, stride=, ignore_border=, dimshuffle=", old: oldPoolGPU, build: func(b *builder, c *call) (*layer, error) { return b.pool(c, 2, true, false) }},
		"Upscale1DLayer":                upscale(1),
		"Upscale2DLayer":                upscale(2),
		"Upscale3DLayer":                upscale(3),
		"GlobalPoolLayer":               {sig: "incoming, pool_function=", build: (*builder).globalPool},
		"FeaturePoolLayer":              {sig: "incoming, pool_size, axis=, pool_function=", old: oldFeature, build: (*builder).featurePool},
		"FeatureWTALayer":               {sig: "incoming, pool_size, axis=", old: oldFeature, build: (*builder).featureWTA},
		"SpatialPyramidPoolingLayer":    {sig: "incoming, pool_dims=, mode=, implementation=", build: (*builder).spp},
		"SpatialPyramidPoolingDNNLayer": {sig: "incoming, pool_dims=, mode=", build: (*builder).spp},
		"DropoutLayer":                  identity("incoming, p=, rescale=, shared_axes="),
		"GaussianNoiseLayer":            identity("incoming, sigma="),
		"NonlinearityLayer": {sig: "incoming, nonlinearity=", build: func(b *builder, c *call) (*layer, error) {
			l, err := b.identity(c)
			if l != nil {
				l.nonlin = true
			}
			return l, err
		}},
		"RandomizedRectifierLayer":          identity("incoming, lower=, upper=, shared_axes="),
		"StandardizationLayer":              identity("incoming, axes=, epsilon="),
		"LocalResponseNormalization2DLayer": {sig: "incoming, alpha=, k=, beta=, n=", build: (*builder).lrn},
		"BatchNormLayer":                    bn,
		"BatchNormDNNLayer":                 bn,
		"BiasLayer":                         {sig: "incoming, b=, shared_axes=", build: func(b *builder, c *call) (*layer, error) { return b.perAxis(c, "b", true) }},
		"ScaleLayer":                        {sig: "incoming, scales=, shared_axes=", build: func(b *builder, c *call) (*layer, error) { return b.perAxis(c, "scales", true) }},
		"ParametricRectifierLayer":          {sig: "incoming, alpha=, shared_axes=", build: func(b *builder, c *call) (*layer, error) { return b.perAxis(c, "alpha", true) }},
		"FlattenLayer":                      {sig: "incoming, outdim=", build: (*builder).flatten},
		"ReshapeLayer":                      {sig: "incoming, shape", build: (*builder).reshape},
		"DimshuffleLayer":                   {sig: "incoming, pattern", build: (*builder).dimshuffle},
		"PadLayer":                          {sig: "incoming, width, val=, batch_ndim=", build: (*builder).padLayer},
		"SliceLayer":                        {sig: "incoming, indices, axis=", build: (*builder).slice},
		"ConcatLayer":                       {sig: "incomings, axis=, cropping=", build: (*builder).concat},
		"ElemwiseMergeLayer":                {sig: "incomings, merge_function, cropping=", build: (*builder).merge},
		"ElemwiseSumLayer":                  {sig: "incomings, coeffs=, cropping=", build: (*builder).merge},
		"EmbeddingLayer":                    {sig: "incoming, input_size, output_size, W=", build: (*builder).embedding},
		"RecurrentLayer": {sig: "incoming, num_units, W_in_to_hid=, W_hid_to_hid=, b=, nonlinearity=, hid_init=, backwards=, learn_init=, gradient_steps=, grad_clipping=, unroll_scan=, precompute_input=, mask_input=, only_return_final=",
			build: (*builder).rnn},
		"LSTMLayer": {sig: "incoming, num_units, ingate=, forgetgate=, cell=, outgate=, nonlinearity=, cell_init=, hid_init=, backwards=, learn_init=, peepholes=, gradient_steps=, grad_clipping=, unroll_scan=, precompute_input=, mask_input=, only_return_final=",
			build: (*builder).lstm},
		"GRULayer": {sig: "incoming, num_units, resetgate=, updategate=, hidden_update=, hid_init=, backwards=, learn_init=, gradient_steps=, grad_clipping=, unroll_scan=, precompute_input=, mask_input=, only_return_final=",
			build: (*builder).gru},
		"ExpressionLayer":     {sig: "incoming, function, output_shape=", build: (*builder).expression},
		"InverseLayer":        {sig: "incoming, layer", build: (*builder).inverse},
		"TransformerLayer":    {sig: "incoming, localization_network, downsample_factor=, border_mode=", build: (*builder).transformer},
		"TPSTransformerLayer": {sig: "incoming, localization_network, downsample_factor=, control_points=, precompute_grid=, border_mode=", build: (*builder).transformer},
		"LocallyConnected2DLayer": {sig: "incoming, num_filters, filter_size, stride=, pad=, untie_biases=, W=, b=, nonlinearity=, flip_filters=, channelwise=",
			build: (*builder).local},
	}
	for name, k := range m {
		k.ps, k.kws, k.renames = sig(k.sig), k.keywords(), k.oldNames()
		m[name] = k
	}
	return m
}

// unsupported are real Lasagne classes layerinfo does not model yet, with
// the reason given to the user.
var unsupported = map[string]string{
	"CustomRecurrentLayer": "its input-to-hidden and hidden-to-hidden sub-networks are not modelled yet",
	"NINLayer_c01b":        "the c01b layout of cuda_convnet is not modelled",
}

// layerClass is a Lasagne class as a callable Starlark value.
type layerClass struct {
	b    *builder
	name string
	cls  class
}

func (k *layerClass) String() string { return "<class 'lasagne.layers." + k.name + "'>" }
func (k *layerClass) Type() string   { return "type" }
func (k *layerClass) Freeze()        {}

// IsInstance is isinstance(l, k) (pyhost.Classifier).
func (k *layerClass) IsInstance(v starlark.Value) bool {
	l, ok := v.(*layer)
	return ok && l.class == k.name
}
func (k *layerClass) Truth() starlark.Bool  { return true }
func (k *layerClass) Hash() (uint32, error) { return pyhost.HashString(k.name), nil }
func (k *layerClass) Name() string          { return k.name }
func (k *layerClass) Attr(name string) (starlark.Value, error) {
	if name == "__name__" {
		return starlark.String(k.name), nil
	}
	return nil, nil
}
func (k *layerClass) AttrNames() []string { return []string{"__name__"} }

func (k *layerClass) CallInternal(th *starlark.Thread, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	pos := k.b.callerPos(th)
	c := k.b.newCall()
	*c = call{b: k.b, th: th, class: k.name, pos: pos}
	for _, kv := range kw {
		if string(kv[0].(starlark.String)) == "name" {
			if s, ok := kv[1].(starlark.String); ok {
				c.name = string(s)
			}
		}
	}
	kw, err := c.renameOld(k.cls, len(a), kw)
	if err != nil {
		return nil, &graph.Error{Pos: pos, Layer: c.what(), Err: err}
	}
	kws := k.cls.kws
	if kws == nil {
		kws = k.cls.keywords()
	}
	bound, err := bind(k.name, k.cls.params(), kws, a, kw)
	if err != nil {
		return nil, &graph.Error{Pos: pos, Layer: c.what(), Err: fmt.Errorf("%s", strings.TrimPrefix(err.Error(), k.name+" "))}
	}
	c.a = bound
	c.src = k.b.argSources(th, k.cls.params())
	for _, o := range c.old {
		if s, ok := c.src.get(o.old); ok && o.now != "" {
			c.src.set(o.now, s)
		}
	}
	l, err := k.cls.build(k.b, c)
	if err != nil {
		return nil, err
	}
	for _, o := range c.old {
		if o.now != "" {
			l.node.Remark("%s=%s read as %s: %s is its keyword in Lasagne before 0.1", o.old, o.v, o.now, o.old)
		}
	}
	for _, n := range c.notes {
		l.node.Remark("%s", n)
	}
	k.b.freeCall(c)
	return l, nil
}

// keywords are the keywords the class takes through **kwargs: name, its
// extras, and the old keywords its builder reads itself (border_mode).
func (k class) keywords() []string {
	kws := append(append([]string{}, layerKw...), k.extra...)
	for o, now := range k.old {
		if now == "" {
			kws = append(kws, o)
		}
	}
	return kws
}

// oldNames are the old keywords of the class and today's name of each:
// its own, and the first parameter's name until January 2015
// (input_layer, or input_layers for merge layers).
func (k class) oldNames() map[string]string {
	old := k.old
	if ps := k.params(); len(ps) > 0 && (ps[0].name == "incoming" || ps[0].name == "incomings") {
		old = map[string]string{"input_layer": "incoming"}
		if ps[0].name == "incomings" {
			old = map[string]string{"input_layers": "incomings"}
		}
		for o, now := range k.old {
			old[o] = now
		}
	}
	return old
}

// oldKw is a keyword of Lasagne before 0.1 a call used.
type oldKw struct {
	old, now string // now is "" for one the builder reads (border_mode)
	v        starlark.Value
}

// renameOld gives the keywords of Lasagne before 0.1 their names of
// today, remembering which were used; the old and the new name of one
// parameter together are refused as Python refuses a duplicate.
func (c *call) renameOld(k class, npos int, kw []starlark.Tuple) ([]starlark.Tuple, error) {
	old := k.renames
	if old == nil {
		old = k.oldNames()
	}
	if len(old) == 0 {
		return kw, nil
	}
	used := false
	for _, kv := range kw {
		if _, isOld := old[string(kv[0].(starlark.String))]; isOld {
			used = true
			break
		}
	}
	if !used {
		return kw, nil
	}
	var out []starlark.Tuple
	for _, kv := range kw {
		name := string(kv[0].(starlark.String))
		now, isOld := old[name]
		if !isOld {
			out = append(out, kv)
			continue
		}
		c.old = append(c.old, oldKw{old: name, now: now, v: kv[1]})
		if now == "" {
			out = append(out, kv)
			continue
		}
		for i, p := range k.params() {
			if p.name == now && i < npos {
				return nil, fmt.Errorf("got multiple values for argument %s (given by position and as %s, its name before Lasagne 0.1)", now, name)
			}
		}
		for _, x := range kw {
			if string(x[0].(starlark.String)) == now {
				return nil, fmt.Errorf("got both %s and %s, its name before Lasagne 0.1; give one", now, name)
			}
		}
		out = append(out, starlark.Tuple{starlark.String(now), kv[1]})
	}
	return out, nil
}

// oldNames lists the old keywords the call used, for notes.
func (c *call) oldNames() string {
	var xs []string
	for _, o := range c.old {
		xs = append(xs, o.old)
	}
	return strings.Join(xs, " and ")
}

// note is a remark the layer will carry.
func (c *call) note(format string, args ...any) {
	c.notes = append(c.notes, fmt.Sprintf(format, args...))
}

// ---- builders -------------------------------------------------------------

func (b *builder) input(c *call) (*layer, error) {
	s, fixed, err := b.inputShape(c.name, c.a.get("shape"), c.pos, true)
	if err != nil {
		return nil, err
	}
	if !fixed {
		if s, err = toShape(c.a.get("shape")); err != nil {
			asDataError(err, "shape")
			return nil, c.fail("shape: %v", err)
		}
	}
	return b.add(c, spec{op: &op.Input{Shape: s}})
}

func (b *builder) identity(c *call) (*layer, error) {
	in, err := b.incoming(c, "incoming")
	if err != nil {
		return nil, err
	}
	return b.add(c, spec{op: op.Identity{}, inputs: []*layer{in}})
}

func (b *builder) lrn(c *call) (*layer, error) {
	in, err := b.incoming(c, "incoming")
	if err != nil {
		return nil, err
	}
	if s := in.node.Outputs[0].Shape; len(s) != 4 {
		return nil, c.fail("expects a 4-dimensional (batch, channels, rows, columns) input, got %s", pyShape(s))
	}
	return b.add(c, spec{op: op.Identity{}, inputs: []*layer{in}})
}

// padArg reads Lasagne's conv pad: an int, a tuple, 'valid', 'full' or
// 'same' ('same' is k//2 on both sides and needs odd filter sizes).
func padArg(c *call, name string, k []int64, def op.Padding) (op.Padding, error) {
	v := c.a.get(name)
	if v == nil {
		return def, nil
	}
	if s, ok := v.(starlark.String); ok {
		switch string(s) {
		case "valid":
			return op.Padding{Mode: op.PadValid}, nil
		case "full":
			return op.Padding{Mode: op.PadFull}, nil
		case "same":
			p := make([]int64, len(k))
			for i, x := range k {
				if x%2 == 0 {
					return op.Padding{}, c.fail("`same` padding requires odd filter size, got %v", k)
				}
				p[i] = x / 2
			}
			return op.Pad(p...), nil
		}
		return op.Padding{}, c.fail("%s must be an int, a tuple, 'valid', 'full' or 'same', got %s", name, s)
	}
	p, err := toInts(v, len(k))
	if err != nil {
		return op.Padding{}, c.fail("%s %v", name, err)
	}
	for _, x := range p {
		if x < 0 {
			return op.Padding{}, c.fail("%s must not be negative, got %v", name, p)
		}
	}
	return op.Pad(p...), nil
}

func (b *builder) convCommon(c *call, nsp int) (*layer, int64, []int64, error) {
	in, err := b.incoming(c, "incoming")
	if err != nil {
		return nil, 0, nil, err
	}
	if s := in.node.Outputs[0].Shape; len(s) != nsp+2 {
		return nil, 0, nil, c.fail("tried to create a %dD convolution layer with input shape %s; expected %d input dimensions (batchsize, channels, %d spatial dimensions)",
			nsp, pyShape(s), nsp+2, nsp)
	}
	nf, err := c.a.int("num_filters", 0)
	if err != nil {
		return nil, 0, nil, c.fail("%v", err)
	}
	k, err := c.a.ints("filter_size", nsp, nil)
	if err != nil {
		return nil, 0, nil, c.fail("%v", err)
	}
	return in, nf, k, nil
}

func (b *builder) conv(c *call, nsp int) (*layer, error) {
	in, nf, k, err := b.convCommon(c, nsp)
	if err != nil {
		return nil, err
	}
	stride, err := c.a.ints("stride", nsp, nil)
	if err != nil {
		return nil, c.fail("%v", err)
	}
	pad, err := padArg(c, "pad", k, op.Pad(0))
	if err != nil {
		return nil, err
	}
	if bm := c.a.get("border_mode"); bm != nil && bm != starlark.None {
		if p := c.a.get("pad"); p != nil && p != starlark.None {
			return nil, c.fail("you cannot specify both 'border_mode' (Lasagne before 0.1) and 'pad'; give one")
		}
		if pad, err = borderMode(c, bm, k, stride); err != nil {
			return nil, err
		}
	}
	groups, err := c.a.int("num_groups", 1)
	if err != nil {
		return nil, c.fail("%v", err)
	}
	s := spec{inputs: []*layer{in}, nonlin: true}
	if _, err := shareArg(c, "W", &s); err != nil {
		return nil, err
	}
	bias, err := shareArg(c, "b", &s)
	if err != nil {
		return nil, err
	}
	s.op = &op.Conv{Filters: nf, Kernel: k, Stride: stride, Pad: pad, Groups: groups, Bias: bias, UntiedBias: c.a.bool("untie_biases", false)}
	return b.add(c, s)
}

// borderMode reads the border_mode of Lasagne's conv layers before 0.1
// (pad took its place in July 2015). 'valid' pads 0 and 'full' k-1. For
// 'same', Conv1DLayer and Conv2DLayer made a full convolution and cropped
// it to the input's length, (k-1)//2 from the start: k//2 before and
// (k-1)//2 after, for even k too, and only with stride 1 (else
// NotImplementedError); the cuDNN, Caffe-style and cuda-convnet layers
// padded (k-1)//2 on both sides.
func borderMode(c *call, v starlark.Value, k, stride []int64) (op.Padding, error) {
	s, ok := v.(starlark.String)
	if !ok {
		return op.Padding{}, c.fail("border_mode must be 'valid', 'full' or 'same', got %s", pyhost.Describe(v))
	}
	per := func(f func(k int64) int64) []int64 {
		p := make([]int64, len(k))
		for i, x := range k {
			p[i] = f(x)
		}
		return p
	}
	switch string(s) {
	case "valid":
		c.note("border_mode='valid' (Lasagne before 0.1): no padding")
		return op.Pad(per(func(int64) int64 { return 0 })...), nil
	case "full":
		p := per(func(k int64) int64 { return k - 1 })
		c.note("border_mode='full' (Lasagne before 0.1): padding filter size - 1 = %s on both sides", pyInts(p))
		return op.Pad(p...), nil
	case "same":
		if c.class == "Conv1DLayer" || c.class == "Conv2DLayer" {
			for _, x := range stride {
				if x != 1 {
					return op.Padding{}, c.fail("border_mode='same' with stride %s: Lasagne's %s before 0.1 did not support a strided 'same' convolution (NotImplementedError)", pyInts(stride), c.class)
				}
			}
			before, after := per(func(k int64) int64 { return k / 2 }), per(func(k int64) int64 { return (k - 1) / 2 })
			c.note("border_mode='same' (Lasagne before 0.1): a full convolution cropped to the input's length, i.e. padding %s before and %s after", pyInts(before), pyInts(after))
			return op.Padding{Mode: op.PadExplicit, Begin: before, End: after}, nil
		}
		p := per(func(k int64) int64 { return (k - 1) / 2 })
		c.note("border_mode='same' (Lasagne before 0.1): padding (filter size - 1) // 2 = %s on both sides", pyInts(p))
		return op.Pad(p...), nil
	}
	return op.Padding{}, c.fail("invalid border_mode %s: Lasagne before 0.1 took 'valid', 'full' or 'same'", s)
}

// pyInts prints ints as a Python tuple: (2, 2), (3,).
func pyInts(xs []int64) string {
	s := make(graph.Shape, len(xs))
	for i, x := range xs {
		s[i] = graph.D(x)
	}
	return pyShape(s)
}

func (b *builder) dilated(c *call) (*layer, error) {
	in, nf, k, err := b.convCommon(c, 2)
	if err != nil {
		return nil, err
	}
	d, err := c.a.ints("dilation", 2, nil)
	if err != nil {
		return nil, c.fail("%v", err)
	}
	pad, err := padArg(c, "pad", k, op.Pad(0))
	if err != nil {
		return nil, err
	}
	if !(pad.Mode == op.PadValid || (pad.Mode == op.PadExplicit && allZero(pad.Begin))) {
		return nil, c.fail("DilatedConv2DLayer requires pad=0 / (0,0) / 'valid'; for a padded dilated convolution, add a PadLayer")
	}
	s := spec{inputs: []*layer{in}, nonlin: true}
	if _, err := shareArg(c, "W", &s); err != nil {
		return nil, err
	}
	bias, err := shareArg(c, "b", &s)
	if err != nil {
		return nil, err
	}
	s.op = &op.Conv{Filters: nf, Kernel: k, Dilation: d, Pad: pad, Bias: bias, UntiedBias: c.a.bool("untie_biases", false), WeightOrder: op.InOutKernel}
	return b.add(c, s)
}

func (b *builder) transposed(c *call, nsp int) (*layer, error) {
	in, nf, k, err := b.convCommon(c, nsp)
	if err != nil {
		return nil, err
	}
	stride, err := c.a.ints("stride", nsp, nil)
	if err != nil {
		return nil, c.fail("%v", err)
	}
	crop, err := padArg(c, "crop", k, op.Pad(0))
	if err != nil {
		return nil, err
	}
	if crop.Mode == op.PadFull {
		// Lasagne's 'full' crop is k-1 on both sides.
		p := make([]int64, nsp)
		for i := range k {
			p[i] = k[i] - 1
		}
		crop = op.Pad(p...)
	}
	var outSize []int64
	if v := c.a.get("output_size"); v != nil && v != starlark.None {
		if outSize, err = toInts(v, nsp); err != nil {
			return nil, c.fail("output_size %v", err)
		}
	}
	s := spec{inputs: []*layer{in}, nonlin: true}
	if _, err := shareArg(c, "W", &s); err != nil {
		return nil, err
	}
	bias, err := shareArg(c, "b", &s)
	if err != nil {
		return nil, err
	}
	s.op = &op.Conv{Filters: nf, Kernel: k, Stride: stride, Pad: crop, Bias: bias, UntiedBias: c.a.bool("untie_biases", false),
		Transposed: true, OutputSize: outSize, WeightOrder: op.InOutKernel}
	return b.add(c, s)
}

func (b *builder) local(c *call) (*layer, error) {
	in, nf, k, err := b.convCommon(c, 2)
	if err != nil {
		return nil, err
	}
	stride, err := c.a.ints("stride", 2, []int64{1, 1})
	if err != nil {
		return nil, c.fail("%v", err)
	}
	if stride[0] != 1 || stride[1] != 1 {
		return nil, c.fail("LocallyConnected2DLayer requires stride=1 / (1, 1), but got %v", stride)
	}
	if p, _ := c.a.str("pad", "same"); p != "same" {
		return nil, c.fail("LocallyConnected2DLayer requires pad='same'")
	}
	s := spec{inputs: []*layer{in}, nonlin: true}
	if _, err := shareArg(c, "W", &s); err != nil {
		return nil, err
	}
	bias, err := shareArg(c, "b", &s)
	if err != nil {
		return nil, err
	}
	for _, x := range k {
		if x%2 == 0 {
			return nil, c.fail("`same` padding requires odd filter size, got %v", k)
		}
	}
	s.op = &op.LocallyConnected{Filters: nf, Kernel: k, Bias: bias, UntiedBias: c.a.bool("untie_biases", false), Channelwise: c.a.bool("channelwise", false)}
	return b.add(c, s)
}

func allZero(xs []int64) bool {
	for _, x := range xs {
		if x != 0 {
			return false
		}
	}
	return true
}

func (b *builder) pool(c *call, nsp int, max, ignoreBorderDefault bool) (*layer, error) {
	in, err := b.incoming(c, "incoming")
	if err != nil {
		return nil, err
	}
	if s := in.node.Outputs[0].Shape; len(s) != nsp+2 {
		return nil, c.fail("tried to create a %dD pooling layer with input shape %s; expected %d input dimensions (batchsize, channels, %d spatial dimensions)",
			nsp, pyShape(s), nsp+2, nsp)
	}
	k, err := c.a.ints("pool_size", nsp, nil)
	if err != nil {
		return nil, c.fail("%v", err)
	}
	stride, err := c.a.ints("stride", nsp, k)
	if err != nil {
		return nil, c.fail("%v", err)
	}
	pad, err := c.a.ints("pad", nsp, nil)
	if err != nil {
		return nil, c.fail("%v", err)
	}
	ignore := c.a.bool("ignore_border", ignoreBorderDefault)
	rounding := op.Floor
	if !ignore {
		if !allZero(pad) {
			return nil, c.fail("padding requires ignore_border=True (Theano pools a partial window only without padding)")
		}
		rounding = op.KeepPartial
	}
	mode := "max"
	if !max {
		if mode, err = c.a.str("mode", "max"); err != nil {
			return nil, c.fail("%v", err)
		}
	}
	return b.add(c, spec{op: &op.Pool{Mode: mode, Kernel: k, Stride: stride, Pad: op.Pad(pad...), Rounding: rounding}, inputs: []*layer{in}})
}

func (b *builder) upscale(c *call, nsp int) (*layer, error) {
	in, err := b.incoming(c, "incoming")
	if err != nil {
		return nil, err
	}
	f, err := c.a.ints("scale_factor", nsp, nil)
	if err != nil {
		return nil, c.fail("%v", err)
	}
	return b.add(c, spec{op: &op.Upscale{Factors: f}, inputs: []*layer{in}})
}

func (b *builder) globalPool(c *call) (*layer, error) {
	in, err := b.incoming(c, "incoming")
	if err != nil {
		return nil, err
	}
	return b.add(c, spec{op: &op.GlobalPool{Mode: "mean"}, inputs: []*layer{in}})
}

func (b *builder) featurePool(c *call) (*layer, error) {
	in, err := b.incoming(c, "incoming")
	if err != nil {
		return nil, err
	}
	k, err := c.a.int("pool_size", 0)
	if err != nil {
		return nil, c.fail("%v", err)
	}
	ax, err := c.a.int("axis", 1)
	if err != nil {
		return nil, c.fail("%v", err)
	}
	return b.add(c, spec{op: &op.FeaturePool{Axis: int(ax), Size: k}, inputs: []*layer{in}})
}

func (b *builder) featureWTA(c *call) (*layer, error) {
	in, err := b.incoming(c, "incoming")
	if err != nil {
		return nil, err
	}
	k, err := c.a.int("pool_size", 0)
	if err != nil {
		return nil, c.fail("%v", err)
	}
	ax, err := c.a.int("axis", 1)
	if err != nil {
		return nil, c.fail("%v", err)
	}
	s := in.node.Outputs[0].Shape
	if a, ok := graph.Axis(int(ax), len(s)); !ok {
		return nil, c.fail("axis %d is out of range for input %s", ax, pyShape(s))
	} else if s[a].Known() && (k <= 0 || s[a].Size%k != 0) {
		return nil, c.fail("number of input feature maps (%d) is not a multiple of the region size (pool_size=%d)", s[a].Size, k)
	}
	return b.add(c, spec{op: op.Identity{}, inputs: []*layer{in}})
}

func (b *builder) spp(c *call) (*layer, error) {
	in, err := b.incoming(c, "incoming")
	if err != nil {
		return nil, err
	}
	dims := []int64{4, 2, 1}
	if v := c.a.get("pool_dims"); v != nil {
		if dims, err = toInts(v, 0); err != nil {
			return nil, c.fail("pool_dims %v", err)
		}
	}
	return b.add(c, spec{op: &op.SpatialPyramidPool{Dims: dims}, inputs: []*layer{in}})
}

// sharedAxes reads Lasagne's shared_axes/axes: 'auto' (every axis but the
// second), 'all', an int or a tuple.
func sharedAxes(c *call, name string, rank int, extra map[string][]int) ([]int, error) {
	v := c.a.get(name)
	auto := func() []int {
		axes := []int{0}
		for i := 2; i < rank; i++ {
			axes = append(axes, i)
		}
		return axes
	}
	if v == nil {
		return auto(), nil
	}
	if s, ok := v.(starlark.String); ok {
		switch string(s) {
		case "auto":
			return auto(), nil
		case "all":
			var axes []int
			for i := 0; i < rank; i++ {
				axes = append(axes, i)
			}
			return axes, nil
		}
		if axes, ok := extra[string(s)]; ok {
			return axes, nil
		}
		return nil, c.fail("%s must be 'auto', 'all', an int or a tuple, got %s", name, s)
	}
	xs, err := toInts(v, 0)
	if err != nil {
		return nil, c.fail("%s %v", name, err)
	}
	axes := make([]int, len(xs))
	for i, x := range xs {
		axes[i] = int(x)
	}
	return axes, nil
}

func (b *builder) perAxis(c *call, role string, trainable bool) (*layer, error) {
	in, err := b.incoming(c, "incoming")
	if err != nil {
		return nil, err
	}
	shared, err := sharedAxes(c, "shared_axes", len(in.node.Outputs[0].Shape), nil)
	if err != nil {
		return nil, err
	}
	s := spec{inputs: []*layer{in}}
	present, err := shareArg(c, role, &s)
	if err != nil {
		return nil, err
	}
	a := &op.Affine{Shared: shared}
	if present {
		a.Params = []op.ParamSpec{{Role: role, Trainable: trainable}}
	}
	s.op = a
	return b.add(c, s)
}

func (b *builder) batchNorm(c *call) (*layer, error) {
	in, err := b.incoming(c, "incoming")
	if err != nil {
		return nil, err
	}
	axes, err := sharedAxes(c, "axes", len(in.node.Outputs[0].Shape), nil)
	if err != nil {
		return nil, err
	}
	s := spec{inputs: []*layer{in}}
	a := &op.Affine{Shared: axes, What: "batch normalization"}
	for _, p := range []op.ParamSpec{{Role: "beta", Trainable: true}, {Role: "gamma", Trainable: true}, {Role: "mean"}, {Role: "inv_std"}} {
		present, err := shareArg(c, p.Role, &s)
		if err != nil {
			return nil, err
		}
		if present {
			a.Params = append(a.Params, p)
		}
	}
	s.op = a
	return b.add(c, s)
}

func (b *builder) dense(c *call) (*layer, error) {
	in, err := b.incoming(c, "incoming")
	if err != nil {
		return nil, err
	}
	units, err := c.a.int("num_units", 0)
	if err != nil {
		return nil, c.fail("%v", err)
	}
	lead, err := c.a.int("num_leading_axes", 1)
	if err != nil {
		return nil, c.fail("%v", err)
	}
	rank := int64(len(in.node.Outputs[0].Shape))
	if lead >= rank {
		return nil, c.fail("got num_leading_axes=%d for a %d-dimensional input, leaving no trailing dimensions for the dot product", lead, rank)
	}
	if lead < -rank {
		return nil, c.fail("got num_leading_axes=%d for a %d-dimensional input, requesting more trailing dimensions than there are", lead, rank)
	}
	s := spec{inputs: []*layer{in}, nonlin: true}
	if _, err := shareArg(c, "W", &s); err != nil {
		return nil, err
	}
	bias, err := shareArg(c, "b", &s)
	if err != nil {
		return nil, err
	}
	s.op = &op.Linear{Units: units, From: int(lead), Bias: bias}
	return b.add(c, s)
}

func (b *builder) nin(c *call) (*layer, error) {
	in, err := b.incoming(c, "incoming")
	if err != nil {
		return nil, err
	}
	units, err := c.a.int("num_units", 0)
	if err != nil {
		return nil, c.fail("%v", err)
	}
	s := spec{inputs: []*layer{in}, nonlin: true}
	if _, err := shareArg(c, "W", &s); err != nil {
		return nil, err
	}
	bias, err := shareArg(c, "b", &s)
	if err != nil {
		return nil, err
	}
	s.op = &op.Linear{Units: units, From: 1, To: 2, Bias: bias, UntiedBias: c.a.bool("untie_biases", false)}
	return b.add(c, s)
}

func (b *builder) embedding(c *call) (*layer, error) {
	in, err := b.incoming(c, "incoming")
	if err != nil {
		return nil, err
	}
	v, err := c.a.int("input_size", 0)
	if err != nil {
		return nil, c.fail("%v", err)
	}
	d, err := c.a.int("output_size", 0)
	if err != nil {
		return nil, c.fail("%v", err)
	}
	s := spec{inputs: []*layer{in}}
	if _, err := shareArg(c, "W", &s); err != nil {
		return nil, err
	}
	s.op = &op.Embedding{Vocab: v, Dim: d}
	return b.add(c, s)
}

func (b *builder) flatten(c *call) (*layer, error) {
	in, err := b.incoming(c, "incoming")
	if err != nil {
		return nil, err
	}
	outdim, err := c.a.int("outdim", 2)
	if err != nil {
		return nil, c.fail("%v", err)
	}
	if outdim < 1 {
		return nil, c.fail("dim must be >0, was %d", outdim)
	}
	if r := int64(len(in.node.Outputs[0].Shape)); outdim > r {
		return nil, c.fail("outdim=%d exceeds the %d dimensions of the input", outdim, r)
	}
	return b.add(c, spec{op: &op.Flatten{Start: int(outdim) - 1, End: -1}, inputs: []*layer{in}})
}

func (b *builder) reshape(c *call) (*layer, error) {
	in, err := b.incoming(c, "incoming")
	if err != nil {
		return nil, err
	}
	v := c.a.get("shape")
	seq, ok := v.(starlark.Indexable)
	if !ok || !pyhost.IsSequence(v) {
		return nil, c.fail("shape must be a tuple, got %s", pyhost.Describe(v))
	}
	var target []op.ReshapeDim
	for i := 0; i < seq.Len(); i++ {
		x := seq.Index(i)
		if l, ok := x.(*starlark.List); ok {
			if l.Len() != 1 {
				return nil, c.fail("`shape` input references must be single-element lists of int >= 0, got %s", l)
			}
			r, err := toInt(l.Index(0))
			if err != nil || r < 0 {
				return nil, c.fail("`shape` input references must be single-element lists of int >= 0, got %s", l)
			}
			target = append(target, op.RefAxis(int(r)))
			continue
		}
		if o, ok := x.(*pyhost.Opaque); ok && o.Sym && o.From == nil && o.Missing == nil {
			// A Theano scalar (input_var.shape[0]): Lasagne makes the
			// axis None and infers no -1 against it.
			target = append(target, op.ReshapeDim{Ref: -1, Symbolic: true})
			continue
		}
		n, err := toInt(x)
		if err != nil {
			return nil, c.fail("shape entry %d %v", i, err)
		}
		if n < -1 {
			return nil, c.fail("`shape` integers must be >= -1, got %d", n)
		}
		target = append(target, op.Literal(n))
	}
	return b.add(c, spec{op: &op.Reshape{Target: target}, inputs: []*layer{in}})
}

func (b *builder) dimshuffle(c *call) (*layer, error) {
	in, err := b.incoming(c, "incoming")
	if err != nil {
		return nil, err
	}
	v := c.a.get("pattern")
	seq, ok := v.(starlark.Indexable)
	if !ok || !pyhost.IsSequence(v) {
		return nil, c.fail("pattern must be a tuple, got %s", pyhost.Describe(v))
	}
	var pattern []int
	for i := 0; i < seq.Len(); i++ {
		x := seq.Index(i)
		if s, ok := x.(starlark.String); ok && s == "x" {
			pattern = append(pattern, -1)
			continue
		}
		n, err := toInt(x)
		if err != nil || n < 0 {
			return nil, c.fail("pattern entries must be ints >= 0 or 'x', got %s", x)
		}
		pattern = append(pattern, int(n))
	}
	return b.add(c, spec{op: &op.Permute{Pattern: pattern}, inputs: []*layer{in}})
}

func (b *builder) padLayer(c *call) (*layer, error) {
	in, err := b.incoming(c, "incoming")
	if err != nil {
		return nil, err
	}
	rank := len(in.node.Outputs[0].Shape)
	bnd, err := c.a.int("batch_ndim", 2)
	if err != nil {
		return nil, c.fail("%v", err)
	}
	before, after := make([]int64, rank), make([]int64, rank)
	v := c.a.get("width")
	var widths []starlark.Value
	if seq, ok := v.(starlark.Indexable); ok && pyhost.IsSequence(v) {
		for i := 0; i < seq.Len(); i++ {
			widths = append(widths, seq.Index(i))
		}
	} else {
		for i := int(bnd); i < rank; i++ {
			widths = append(widths, v)
		}
	}
	if int(bnd)+len(widths) > rank {
		return nil, c.fail("width has %d entries, but the input %s has only %d axes after batch_ndim=%d", len(widths), pyShape(in.node.Outputs[0].Shape), rank-int(bnd), bnd)
	}
	for k, w := range widths {
		lr, err := toInts(w, 0)
		if err != nil {
			return nil, c.fail("width entry %d %v", k, err)
		}
		ax := int(bnd) + k
		if len(lr) == 1 {
			before[ax], after[ax] = lr[0], lr[0]
		} else if len(lr) == 2 {
			before[ax], after[ax] = lr[0], lr[1]
		} else {
			return nil, c.fail("width entry %d must be an int or a pair, got %s", k, w)
		}
	}
	return b.add(c, spec{op: &op.ZeroPad{Before: before, After: after}, inputs: []*layer{in}})
}

func (b *builder) slice(c *call) (*layer, error) {
	in, err := b.incoming(c, "incoming")
	if err != nil {
		return nil, err
	}
	ax, err := c.a.int("axis", -1)
	if err != nil {
		return nil, c.fail("%v", err)
	}
	sl := &op.Slice{Axis: int(ax)}
	switch x := c.a.get("indices").(type) {
	case *sliceVal:
		sl.Start, sl.Stop, sl.Step = x.start, x.stop, x.step
		if sl.Step == 0 {
			sl.Step = 1
		}
	default:
		i, err := toInt(x)
		if err != nil {
			return nil, c.fail("indices must be an int or a slice(...), got %s", pyhost.Describe(x))
		}
		sl.Index = &i
	}
	return b.add(c, spec{op: sl, inputs: []*layer{in}})
}

// cropping reads Lasagne's cropping argument: None or a list of None,
// 'lower', 'upper', 'center'.
func cropping(c *call) (op.Crop, error) {
	v := c.a.get("cropping")
	if v == nil || v == starlark.None {
		return nil, nil
	}
	seq, ok := v.(starlark.Indexable)
	if !ok || !pyhost.IsSequence(v) {
		return nil, c.fail("cropping must be None or a list, got %s", pyhost.Describe(v))
	}
	crop := make(op.Crop, seq.Len())
	for i := range crop {
		switch x := seq.Index(i).(type) {
		case starlark.NoneType:
		case starlark.String:
			switch string(x) {
			case "lower", "upper", "center":
				crop[i] = string(x)
			default:
				return nil, c.fail("unknown cropping mode %s", x)
			}
		default:
			return nil, c.fail("cropping entries must be None, 'lower', 'upper' or 'center', got %s", x)
		}
	}
	return crop, nil
}

func (b *builder) concat(c *call) (*layer, error) {
	ins, err := b.incomings(c, "incomings")
	if err != nil {
		return nil, err
	}
	ax, err := c.a.int("axis", 1)
	if err != nil {
		return nil, c.fail("%v", err)
	}
	crop, err := cropping(c)
	if err != nil {
		return nil, err
	}
	return b.add(c, spec{op: &op.Concat{Axis: int(ax), Crop: crop}, inputs: ins})
}

func (b *builder) merge(c *call) (*layer, error) {
	ins, err := b.incomings(c, "incomings")
	if err != nil {
		return nil, err
	}
	crop, err := cropping(c)
	if err != nil {
		return nil, err
	}
	return b.add(c, spec{op: &op.Merge{Crop: crop}, inputs: ins})
}

func (b *builder) expression(c *call) (*layer, error) {
	in, err := b.incoming(c, "incoming")
	if err != nil {
		return nil, err
	}
	return b.customShape(c, []*layer{in}, c.a.get("output_shape"), "output_shape")
}

// customShape makes a layer whose output shape is given: None (same as
// input), a tuple, or a function of the input shape; 'auto' would need
// Theano.
func (b *builder) customShape(c *call, ins []*layer, v starlark.Value, arg string) (*layer, error) {
	switch x := v.(type) {
	case nil, starlark.NoneType:
		return b.add(c, spec{op: &op.Custom{ShapeFn: func(in []graph.Shape) (graph.Shape, error) { return in[0], nil }, Why: "same as the input"}, inputs: ins})
	case starlark.String:
		return nil, c.fail("%s=%s needs Theano to run the expression; give the output shape as a tuple or a function of the input shape", arg, x)
	case starlark.Callable:
		th := c.th
		fn := func(in []graph.Shape) (graph.Shape, error) {
			arg := shapeTuple(in[0])
			if len(in) > 1 {
				var xs []starlark.Value
				for _, s := range in {
					xs = append(xs, shapeTuple(s))
				}
				arg = starlark.NewList(xs)
			}
			out, err := starlark.Call(th, x, starlark.Tuple{arg}, nil)
			if err != nil {
				return nil, fmt.Errorf("output_shape function: %w", err)
			}
			return toShape(out)
		}
		return b.add(c, spec{op: &op.Custom{ShapeFn: fn, Why: "computed by " + x.Name()}, inputs: ins})
	}
	s, err := toShape(v)
	if err != nil {
		return nil, c.fail("%s: %v", arg, err)
	}
	return b.add(c, spec{op: &op.Custom{Shape: s, Why: "given as " + arg}, inputs: ins})
}

func (b *builder) inverse(c *call) (*layer, error) {
	in, err := b.incoming(c, "incoming")
	if err != nil {
		return nil, err
	}
	target, ok := c.a.get("layer").(*layer)
	if !ok {
		return nil, c.fail("layer must be the layer to invert, got %s", pyhost.Describe(c.a.get("layer")))
	}
	ins := []*layer{in, target}
	if p := b.layerOf(target.node.Inputs[0]); p != nil {
		ins = append(ins, p)
	}
	fn := func(in []graph.Shape) (graph.Shape, error) {
		if len(in) < 3 {
			return nil, fmt.Errorf("the inverted layer %s has no input layer", target.node.Name)
		}
		return in[2], nil
	}
	return b.add(c, spec{op: &op.Custom{ShapeFn: fn, Why: "the input shape of " + target.node.Name}, inputs: ins})
}

func (b *builder) transformer(c *call) (*layer, error) {
	in, err := b.incoming(c, "incoming")
	if err != nil {
		return nil, err
	}
	loc, err := b.incoming(c, "localization_network")
	if err != nil {
		return nil, err
	}
	f, err := c.a.ints("downsample_factor", 2, []int64{1, 1})
	if err != nil {
		return nil, c.fail("%v", err)
	}
	fn := func(in []graph.Shape) (graph.Shape, error) {
		s := in[0]
		if len(s) != 4 {
			return nil, fmt.Errorf("expects a 4-dimensional input, got %s", pyShape(s))
		}
		out := s.Clone()
		for i := 0; i < 2; i++ {
			if s[2+i].Known() {
				out[2+i] = graph.D(s[2+i].Size / f[i])
			}
		}
		return out, nil
	}
	return b.add(c, spec{op: &op.Custom{ShapeFn: fn, Why: fmt.Sprintf("input rows and columns floor-divided by the downsample factor %v", f)}, inputs: []*layer{in, loc}})
}

// custom makes a layer of a class the script defined: only possible when
// the call says its output shape.
func (b *builder) custom(th *starlark.Thread, k *userClass, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	c := &call{th: th, class: k.name, pos: b.callerPos(th), a: &args{fn: k.name}}
	var shape starlark.Value
	for _, kv := range kw {
		key := string(kv[0].(starlark.String))
		c.a.vals.set(key, kv[1])
		switch key {
		case "name":
			if s, ok := kv[1].(starlark.String); ok {
				c.name = string(s)
			}
		case "output_shape":
			shape = kv[1]
		}
	}
	var ins []*layer
	for _, x := range a {
		if l, ok := x.(*layer); ok {
			ins = append(ins, l)
		}
	}
	for _, key := range []string{"incoming", "incomings"} {
		x, _ := c.a.vals.lookup(key)
		switch x := x.(type) {
		case *layer:
			ins = append(ins, x)
		case starlark.Indexable:
			for i := 0; i < x.Len(); i++ {
				if l, ok := x.Index(i).(*layer); ok {
					ins = append(ins, l)
				}
			}
		}
	}
	if len(ins) == 0 {
		if !strings.Contains(k.bases, "Layer") {
			// Not a layer: a training callback (AdjustVariable,
			// EarlyStopping) or a helper object.
			return &pyhost.Opaque{Desc: k.name + "(…)"}, nil
		}
		return nil, c.fail("%s has no input layer", k.name)
	}
	// A Layer subclass that does not override get_output_shape_for keeps
	// its input's shape (Lasagne's Layer.get_output_shape_for returns
	// input_shape); a MergeLayer's must be overridden.
	sameShape := shape == nil && !k.src.ShapeFn && !strings.Contains(k.bases, "MergeLayer") && len(ins) == 1
	if shape == nil && !sameShape {
		return nil, c.fail("%s is a Python class (line %d) with its own get_output_shape_for, which layerinfo cannot run; pass output_shape=(…) to this call to say what it produces", k.name, k.line)
	}
	l, err := b.customShape(c, ins, shape, "output_shape")
	if err != nil {
		return nil, err
	}
	if k.src.AddParam {
		l.node.Remark("custom layer %s (line %d) creates parameters with add_param: they are not counted", k.name, k.line)
	} else {
		l.node.Remark("custom layer %s (line %d): layerinfo cannot run its code; no parameters are counted", k.name, k.line)
	}
	return l, nil
}

// pyShape prints a shape as Python would.
func pyShape(s graph.Shape) string {
	if s == nil {
		return "(unknown)"
	}
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = d.String()
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

package torchcode

import (
	"fmt"
	"strings"

	"go.starlark.net/starlark"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/op"
)

// The forwards of the torch.nn classes, by class: each checks its input
// against the module's constructor arguments (a mismatch is a shape bug
// at the user's line, with the fix), then makes the call's node with the
// op of package op that other formats use, so that shapes and FLOPs
// follow the same rules (FLOPs: PyTorch FlopCounterMode's).

type fwdFunc func(c *fcall, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error)

// plainSigs are the constructor signatures of torch.nn classes without
// parameters whose forward needs their arguments.
var plainSigs = map[string][]string{
	"MaxPool1d":         {"kernel_size", "stride?", "padding?", "dilation?", "return_indices?", "ceil_mode?"},
	"MaxPool2d":         {"kernel_size", "stride?", "padding?", "dilation?", "return_indices?", "ceil_mode?"},
	"MaxPool3d":         {"kernel_size", "stride?", "padding?", "dilation?", "return_indices?", "ceil_mode?"},
	"AvgPool1d":         {"kernel_size", "stride?", "padding?", "ceil_mode?", "count_include_pad?"},
	"AvgPool2d":         {"kernel_size", "stride?", "padding?", "ceil_mode?", "count_include_pad?", "divisor_override?"},
	"AvgPool3d":         {"kernel_size", "stride?", "padding?", "ceil_mode?", "count_include_pad?", "divisor_override?"},
	"AdaptiveAvgPool1d": {"output_size"},
	"AdaptiveAvgPool2d": {"output_size"},
	"AdaptiveAvgPool3d": {"output_size"},
	"AdaptiveMaxPool1d": {"output_size", "return_indices?"},
	"AdaptiveMaxPool2d": {"output_size", "return_indices?"},
	"AdaptiveMaxPool3d": {"output_size", "return_indices?"},
	"Flatten":           {"start_dim?", "end_dim?"},
	"Unflatten":         {"dim", "unflattened_size"},
	"Upsample":          {"size?", "scale_factor?", "mode?", "align_corners?", "recompute_scale_factor?"},
	"PixelShuffle":      {"upscale_factor"},
	"PixelUnshuffle":    {"downscale_factor"},
	"Softmax":           {"dim?"},
	"LogSoftmax":        {"dim?"},
	"Softmin":           {"dim?"},
	"GLU":               {"dim?"},
	"CosineSimilarity":  {"dim?", "eps?"},
	"ZeroPad1d":         {"padding"},
	"ZeroPad2d":         {"padding"},
	"ZeroPad3d":         {"padding"},
	"ConstantPad1d":     {"padding", "value"},
	"ConstantPad2d":     {"padding", "value"},
	"ConstantPad3d":     {"padding", "value"},
	"ReflectionPad1d":   {"padding"},
	"ReflectionPad2d":   {"padding"},
	"ReflectionPad3d":   {"padding"},
	"ReplicationPad1d":  {"padding"},
	"ReplicationPad2d":  {"padding"},
	"ReplicationPad3d":  {"padding"},
	"CircularPad1d":     {"padding"},
	"CircularPad2d":     {"padding"},
	"CircularPad3d":     {"padding"},
}

// same are the torch.nn classes whose output has their input's shape.
var sameShapeModules = map[string]bool{
	"ReLU": true, "ReLU6": true, "LeakyReLU": true, "ELU": true, "SELU": true, "CELU": true, "GELU": true, "SiLU": true,
	"Mish": true, "Sigmoid": true, "Tanh": true, "Hardswish": true, "Hardsigmoid": true, "Hardtanh": true, "Hardshrink": true,
	"Softshrink": true, "Softplus": true, "Softsign": true, "Tanhshrink": true, "Threshold": true, "LogSigmoid": true,
	"Softmax": true, "Softmax2d": true, "LogSoftmax": true, "Softmin": true, "RReLU": true, "PReLU": true,
	"Dropout": true, "Dropout1d": true, "Dropout2d": true, "Dropout3d": true, "AlphaDropout": true, "FeatureAlphaDropout": true,
	"Identity": true, "LocalResponseNorm": true, "CrossMapLRN2d": true,
}

// forwards are the torch.nn classes' forwards; a class not here has an
// unknown output.
var forwards = map[string]fwdFunc{}

func init() {
	for name := range sameShapeModules {
		forwards[name] = sameFwd
	}
	for i, n := range []string{"1d", "2d", "3d"} {
		forwards["Conv"+n] = convFwd(i+1, false)
		forwards["ConvTranspose"+n] = convFwd(i+1, true)
		forwards["MaxPool"+n] = poolFwd(i+1, "max")
		forwards["AvgPool"+n] = poolFwd(i+1, "average")
		forwards["AdaptiveAvgPool"+n] = adaptiveFwd(i+1, "average")
		forwards["AdaptiveMaxPool"+n] = adaptiveFwd(i+1, "max")
		forwards["BatchNorm"+n] = normFwd("num_features", 1)
		forwards["InstanceNorm"+n] = normFwd("num_features", 1)
		for _, p := range []string{"Zero", "Constant", "Reflection", "Replication", "Circular"} {
			forwards[p+"Pad"+n] = padFwd(i + 1)
		}
	}
	forwards["SyncBatchNorm"] = normFwd("num_features", 1)
	forwards["GroupNorm"] = normFwd("num_channels", 1)
	forwards["LayerNorm"] = layerNormFwd
	forwards["RMSNorm"] = layerNormFwd
	forwards["Linear"] = linearFwd
	forwards["NonDynamicallyQuantizableLinear"] = linearFwd
	forwards["Embedding"] = embeddingFwd
	forwards["Flatten"] = flattenFwd
	forwards["Upsample"] = upsampleFwd
	forwards["UpsamplingNearest2d"] = upsampleFwd
	forwards["UpsamplingBilinear2d"] = upsampleFwd
	forwards["Sequential"] = sequentialFwd
	forwards["RNN"] = rnnFwd(1)
	forwards["GRU"] = rnnFwd(3)
	forwards["LSTM"] = rnnFwd(4)
	forwards["RNNCell"] = cellFwd(1)
	forwards["GRUCell"] = cellFwd(3)
	forwards["LSTMCell"] = cellFwd(4)
	forwards["MultiheadAttention"] = attentionFwd
	forwards["TransformerEncoderLayer"] = encoderLayerFwd
	forwards["TransformerDecoderLayer"] = decoderLayerFwd
	forwards["TransformerEncoder"] = stackFwd(false)
	forwards["TransformerDecoder"] = stackFwd(true)
	forwards["Transformer"] = transformerFwd
	forwards["PixelShuffle"] = pixelShuffleFwd(false)
	forwards["PixelUnshuffle"] = pixelShuffleFwd(true)
}

func one(outs []*Tensor, err error) (starlark.Value, error) {
	if err != nil {
		return nil, err
	}
	return outs[0], nil
}

// unknownIn is the row of a call whose input shape is unknown.
func (c *fcall) unknownIn(x *Tensor, n int) ([]*Tensor, error) {
	return c.row(unknownOp{"the input's shape is unknown (" + x.Desc + ")"}, []*Tensor{x}, n)
}

func sameFwd(c *fcall, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	x, err := c.input(a, kw, "input")
	if err != nil {
		return nil, err
	}
	if !x.Known {
		return one(c.unknownIn(x, 1))
	}
	if stateOf(c.o).kind == "PReLU" {
		n := int64(1)
		for _, s := range stateOf(c.o).params {
			if w, ok := s.val.(*Tensor); ok && s.name == "weight" && w.Known && len(w.Shape) == 1 {
				n = w.Shape[0]
			}
		}
		if n > 1 && (len(x.Shape) < 2 || x.Shape[1] != n) {
			ch := int64(-1)
			if len(x.Shape) >= 2 {
				ch = x.Shape[1]
			}
			return nil, c.fail("input has %d channels, num_parameters is %d — nn.PReLU(%d) would fit", ch, n, ch)
		}
	}
	return one(c.row(op.Identity{}, []*Tensor{x}, 1))
}

func sequentialFwd(c *fcall, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if len(a) != 1 || len(kw) > 0 {
		return nil, c.fail("the forward of a Sequential takes one input")
	}
	x := a[0]
	for _, s := range stateOf(c.o).children {
		if s.val == starlark.None {
			continue
		}
		var err error
		if x, err = starlark.Call(c.th, s.val, starlark.Tuple{x}, nil); err != nil {
			return nil, err
		}
	}
	return x, nil
}

// modName is the constructor a fix names: nn.Conv2d.
func modName(c *fcall) string { return "nn." + stateOf(c.o).kind }

func convFwd(nd int, transposed bool) fwdFunc {
	return func(c *fcall, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		kind := stateOf(c.o).kind
		x, ar, err := c.start(a, kw, kind)
		if err != nil {
			return nil, err
		}
		in, err1 := ar.int("in_channels", 0)
		out, err2 := ar.int("out_channels", 0)
		k, err3 := ar.ints("kernel_size", nd, 0)
		s, err4 := ar.ints("stride", nd, 1)
		d, err5 := ar.ints("dilation", nd, 1)
		g, err6 := ar.int("groups", 1)
		if err := first(err1, err2, err3, err4, err5, err6); err != nil {
			return nil, c.fail("%v", err)
		}
		if !x.Known {
			return one(c.unknownIn(x, 1))
		}
		if len(x.Shape) != nd+2 {
			return nil, c.fail("input has shape %s: %s takes (batch, channels, %s) input", shapeText(x.Shape), modName(c), spatialNames(nd))
		}
		if x.Shape[1] != in {
			return nil, c.fail("input has %d channels%s, in_channels is %d — %s(%d, %d, …) would fit", x.Shape[1], how(x), in, modName(c), x.Shape[1], out)
		}
		cv := &op.Conv{Filters: out, Kernel: k, Stride: s, Dilation: d, Groups: g, Bias: c.has("bias"),
			WeightRole: "weight", BiasRole: "bias", Transposed: transposed}
		if transposed {
			if cv.OutputPadding, err = ar.ints("output_padding", nd, 0); err != nil {
				return nil, c.fail("%v", err)
			}
		}
		if pv, ok := ar.v["padding"]; ok {
			if str, isStr := starlark.AsString(pv); isStr {
				switch str {
				case "same":
					cv.Pad = op.Padding{Mode: op.PadSameEnd}
				case "valid":
					cv.Pad = op.Padding{Mode: op.PadValid}
				default:
					return nil, c.fail("padding=%q: PyTorch takes 'same', 'valid' or sizes", str)
				}
			} else {
				p, err := ar.ints("padding", nd, 0)
				if err != nil {
					return nil, c.fail("%v", err)
				}
				cv.Pad = op.Pad(p...)
			}
		}
		return one(c.row(cv, []*Tensor{x}, 1))
	}
}

func spatialNames(nd int) string {
	return [...]string{"length", "height, width", "depth, height, width"}[nd-1]
}

// how is " (64*16*16 after flatten)" when x's last size was derived.
func how(x *Tensor) string {
	if x.how == "" {
		return ""
	}
	return " (" + x.how + ")"
}

func linearFwd(c *fcall, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	x, ar, err := c.start(a, kw, "Linear")
	if err != nil {
		return nil, err
	}
	in, err1 := ar.int("in_features", 0)
	out, err2 := ar.int("out_features", 0)
	if err := first(err1, err2); err != nil {
		return nil, c.fail("%v", err)
	}
	if !x.Known {
		return one(c.unknownIn(x, 1))
	}
	if len(x.Shape) == 0 {
		return nil, c.fail("input is a scalar: nn.Linear takes (…, %d) input", in)
	}
	if f := x.Shape[len(x.Shape)-1]; f != in {
		return nil, c.fail("input has %d features%s, in_features is %d — nn.Linear(%d, %d) would fit", f, how(x), in, f, out)
	}
	return one(c.row(&op.Linear{Units: out, From: -1, Bias: c.has("bias"), OutIn: true, WeightRole: "weight", BiasRole: "bias"}, []*Tensor{x}, 1))
}

func normFwd(chArg string, axis int) fwdFunc {
	return func(c *fcall, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		kind := stateOf(c.o).kind
		x, ar, err := c.start(a, kw, kind)
		if err != nil {
			return nil, err
		}
		ch, err := ar.int(chArg, 0)
		if err != nil {
			return nil, c.fail("%v", err)
		}
		if !x.Known {
			return one(c.unknownIn(x, 1))
		}
		want := map[string][]int{"BatchNorm1d": {2, 3}, "BatchNorm2d": {4}, "BatchNorm3d": {5}, "InstanceNorm1d": {2, 3}, "InstanceNorm2d": {3, 4}, "InstanceNorm3d": {4, 5}}[kind]
		if want != nil {
			ok := false
			for _, r := range want {
				ok = ok || len(x.Shape) == r
			}
			if !ok {
				return nil, c.fail("expected %s input, got shape %s", rankWords(want), shapeText(x.Shape))
			}
		}
		ax := axis
		if strings.HasPrefix(kind, "InstanceNorm") && len(x.Shape) == want[0] {
			ax = 0 // unbatched
		}
		checks := !strings.HasPrefix(kind, "InstanceNorm") || c.has("weight") || c.has("running_mean")
		if len(x.Shape) <= ax || checks && x.Shape[ax] != ch {
			got := int64(-1)
			if len(x.Shape) > ax {
				got = x.Shape[ax]
			}
			fix := fmt.Sprintf("%s(%d)", modName(c), got)
			if kind == "GroupNorm" {
				g, _ := ar.int("num_groups", 1)
				fix = fmt.Sprintf("nn.GroupNorm(%d, %d)", g, got)
			}
			return nil, c.fail("input has %d channels%s, %s is %d — %s would fit", got, how(x), chArg, ch, fix)
		}
		if kind == "GroupNorm" {
			g, _ := ar.int("num_groups", 1)
			return one(c.row(&op.Norm{Axes: []int{ax}, Groups: g, What: "group normalization"}, []*Tensor{x}, 1))
		}
		return one(c.row(&op.Norm{Axes: []int{ax}, What: "batch normalization"}, []*Tensor{x}, 1))
	}
}

func rankWords(rs []int) string {
	var s []string
	for _, r := range rs {
		s = append(s, fmt.Sprintf("%dD", r))
	}
	return strings.Join(s, " or ")
}

func layerNormFwd(c *fcall, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	kind := stateOf(c.o).kind
	x, ar, err := c.start(a, kw, kind)
	if err != nil {
		return nil, err
	}
	ns, err := ar.shape("normalized_shape")
	if err != nil {
		return nil, c.fail("%v", err)
	}
	if !x.Known {
		return one(c.unknownIn(x, 1))
	}
	n := len(ns)
	if len(x.Shape) < n || !equal(x.Shape[len(x.Shape)-n:], ns) {
		tail := x.Shape
		if len(tail) > n {
			tail = tail[len(tail)-n:]
		}
		return nil, c.fail("input has shape %s, normalized_shape is %s — nn.%s(%s) would fit", shapeText(x.Shape), shapeText(ns), kind, strings.Trim(shapeText(tail), "[]"))
	}
	axes := make([]int, n)
	for i := range axes {
		axes[i] = -n + i
	}
	return one(c.row(&op.Norm{Axes: axes, What: "layer normalization"}, []*Tensor{x}, 1))
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func embeddingFwd(c *fcall, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	x, ar, err := c.start(a, kw, "Embedding")
	if err != nil {
		return nil, err
	}
	v, err1 := ar.int("num_embeddings", 0)
	d, err2 := ar.int("embedding_dim", 0)
	if err := first(err1, err2); err != nil {
		return nil, c.fail("%v", err)
	}
	if dt := dtypeOf(x); dt.IsFloat() || dt == graph.Bool {
		return nil, c.fail("input is a %s tensor: an embedding takes integer indices (give the input type long)", dt)
	}
	if !x.Known {
		return one(c.unknownIn(x, 1))
	}
	return one(c.row(&op.Embedding{Vocab: v, Dim: d, Role: "weight"}, []*Tensor{x}, 1))
}

func poolFwd(nd int, mode string) fwdFunc {
	return func(c *fcall, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		kind := stateOf(c.o).kind
		x, ar, err := c.start(a, kw, kind)
		if err != nil {
			return nil, err
		}
		p, err := poolOp(nd, mode, ar)
		if err != nil {
			return nil, c.fail("%v", err)
		}
		if !x.Known {
			return one(c.unknownIn(x, 1))
		}
		if len(x.Shape) != nd+2 {
			return nil, c.fail("input has shape %s: %s takes (batch, channels, %s) input", shapeText(x.Shape), modName(c), spatialNames(nd))
		}
		outs, err := c.row(p, []*Tensor{x}, 1)
		if err != nil {
			return nil, err
		}
		if ar.bool("return_indices", false) {
			idx := *outs[0]
			idx.DType = graph.Int64
			return starlark.Tuple{outs[0], &idx}, nil
		}
		return outs[0], nil
	}
}

// poolOp is MaxPool/AvgPool's op: stride defaults to the kernel;
// ceil_mode keeps a last window that starts inside the input.
func poolOp(nd int, mode string, ar args) (*op.Pool, error) {
	k, err1 := ar.ints("kernel_size", nd, 0)
	s, err2 := ar.ints("stride", nd, 0)
	pd, err3 := ar.ints("padding", nd, 0)
	d, err4 := ar.ints("dilation", nd, 1)
	if err := first(err1, err2, err3, err4); err != nil {
		return nil, err
	}
	if !ar.has("stride") {
		s = k
	}
	for i := range pd {
		if pd[i]*2 > k[i] {
			return nil, fmt.Errorf("padding %d should be at most half of the kernel size %d", pd[i], k[i])
		}
	}
	p := &op.Pool{Mode: mode, Kernel: k, Stride: s, Dilation: d, Pad: op.Pad(pd...)}
	if ar.bool("ceil_mode", false) {
		p.Rounding = op.CeilClip
	}
	return p, nil
}

func adaptiveFwd(nd int, mode string) fwdFunc {
	return func(c *fcall, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		kind := stateOf(c.o).kind
		x, ar, err := c.start(a, kw, kind)
		if err != nil {
			return nil, err
		}
		outs, err := adaptive(c.tr, c.th, nd, mode, x, ar.v["output_size"], func(inner graph.Op) ([]*Tensor, error) {
			return c.row(inner, []*Tensor{x}, 1)
		}, c.fail)
		if err != nil {
			return nil, err
		}
		if ar.bool("return_indices", false) {
			idx := *outs[0]
			idx.DType = graph.Int64
			return starlark.Tuple{outs[0], &idx}, nil
		}
		return outs[0], nil
	}
}

// adaptive is adaptive pooling of x to size (an int, or one per axis,
// None keeping the input's): to 1 everywhere it is global pooling.
func adaptive(tr *tracer, th *starlark.Thread, nd int, mode string, x *Tensor, size starlark.Value, row func(graph.Op) ([]*Tensor, error), fail func(string, ...any) error) ([]*Tensor, error) {
	if !x.Known {
		return row(unknownOp{"the input's shape is unknown"})
	}
	if len(x.Shape) != nd+2 && len(x.Shape) != nd+1 {
		return nil, fail("input has shape %s: adaptive pooling takes (batch, channels, %s) input", shapeText(x.Shape), spatialNames(nd))
	}
	lead := len(x.Shape) - nd
	out := append([]int64{}, x.Shape...)
	var items []starlark.Value
	switch v := size.(type) {
	case starlark.Tuple:
		items = v
	case *starlark.List:
		for i := 0; i < v.Len(); i++ {
			items = append(items, v.Index(i))
		}
	default:
		for i := 0; i < nd; i++ {
			items = append(items, size)
		}
	}
	if len(items) != nd {
		return nil, fail("output_size has %d values for %d spatial axes", len(items), nd)
	}
	ones := true
	for i, it := range items {
		if it == starlark.None {
			ones = false
			continue
		}
		n, err := starlark.AsInt32(it)
		if err != nil || n < 0 {
			return nil, fail("output_size %v is not a size", it)
		}
		out[lead+i] = int64(n)
		ones = ones && n == 1
	}
	if ones && lead == 2 {
		return row(&op.GlobalPool{Mode: mode, KeepDims: true})
	}
	return row(&fixed{outs: []graph.Shape{gshape(out)}, why: fmt.Sprintf("adaptive %s pooling to %s", mode, shapeText(out[lead:]))})
}

func flattenFwd(c *fcall, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	x, ar, err := c.start(a, kw, "Flatten")
	if err != nil {
		return nil, err
	}
	if !x.Known {
		return one(c.unknownIn(x, 1))
	}
	start, end := int64(1), int64(-1)
	if v, ok := ar.v["start_dim"]; ok {
		s, _ := starlark.AsInt32(v)
		start = int64(s)
	}
	if v, ok := ar.v["end_dim"]; ok {
		e, _ := starlark.AsInt32(v)
		end = int64(e)
	}
	y, err := flatten(x, start, end)
	if err != nil {
		return nil, c.fail("%v", err)
	}
	outs, err := c.row(&fixed{outs: []graph.Shape{gshape(y.Shape)}, why: y.how}, []*Tensor{x}, 1)
	if err != nil {
		return nil, err
	}
	outs[0].how = y.how
	return outs[0], nil
}

func upsampleFwd(c *fcall, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	x, err := c.input(a, kw, "input")
	if err != nil {
		return nil, err
	}
	kind := stateOf(c.o).kind
	ar, err := c.ctor("Upsample")
	if err != nil {
		return nil, err
	}
	if !x.Known {
		return one(c.unknownIn(x, 1))
	}
	_ = kind
	out, why, err := resized(x, ar.v["size"], ar.v["scale_factor"])
	if err != nil {
		return nil, c.fail("%v", err)
	}
	return one(c.row(&fixed{outs: []graph.Shape{gshape(out)}, why: why}, []*Tensor{x}, 1))
}

// resized is the shape of interpolating x to size, or by scale.
func resized(x *Tensor, size, scale starlark.Value) ([]int64, string, error) {
	n := len(x.Shape) - 2
	if n < 1 {
		return nil, "", fmt.Errorf("input has shape %s: resizing takes (batch, channels, spatial…) input", shapeText(x.Shape))
	}
	out := append([]int64{}, x.Shape...)
	per := func(v starlark.Value) []starlark.Value {
		switch t := v.(type) {
		case starlark.Tuple:
			return t
		case *starlark.List:
			var r []starlark.Value
			for i := 0; i < t.Len(); i++ {
				r = append(r, t.Index(i))
			}
			return r
		}
		r := make([]starlark.Value, n)
		for i := range r {
			r[i] = v
		}
		return r
	}
	switch {
	case size != nil && size != starlark.None:
		vs := per(size)
		if len(vs) != n {
			return nil, "", fmt.Errorf("size has %d values for %d spatial axes", len(vs), n)
		}
		for i, v := range vs {
			d, err := starlark.AsInt32(v)
			if err != nil || d < 0 {
				return nil, "", fmt.Errorf("size %v is not a size", v)
			}
			out[2+i] = int64(d)
		}
		return out, "resized to " + shapeText(out[2:]), nil
	case scale != nil && scale != starlark.None:
		vs := per(scale)
		if len(vs) != n {
			return nil, "", fmt.Errorf("scale_factor has %d values for %d spatial axes", len(vs), n)
		}
		var parts []string
		for i, v := range vs {
			f, ok := starlark.AsFloat(v)
			if !ok || f <= 0 {
				return nil, "", fmt.Errorf("scale_factor %v is not a positive number", v)
			}
			if x.Shape[2+i] < 0 {
				continue
			}
			out[2+i] = int64(float64(x.Shape[2+i]) * f) // floor, as PyTorch
			parts = append(parts, fmt.Sprintf("floor(%d*%v) = %d", x.Shape[2+i], v, out[2+i]))
		}
		return out, strings.Join(parts, ", "), nil
	}
	return nil, "", fmt.Errorf("either size or scale_factor should be defined")
}

func padFwd(nd int) fwdFunc {
	return func(c *fcall, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		kind := stateOf(c.o).kind
		x, ar, err := c.start(a, kw, kind)
		if err != nil {
			return nil, err
		}
		p, err := ar.ints("padding", 2*nd, 0)
		if err != nil {
			return nil, c.fail("%v", err)
		}
		if !x.Known {
			return one(c.unknownIn(x, 1))
		}
		out, err := padded(x.Shape, p)
		if err != nil {
			return nil, c.fail("%v", err)
		}
		return one(c.row(&fixed{outs: []graph.Shape{gshape(out)}, why: "padded by " + shapeText(p) + " (last axis first)"}, []*Tensor{x}, 1))
	}
}

// padded is F.pad's shape: pads come in pairs from the last axis
// backwards (left, right, top, bottom, …).
func padded(s []int64, p []int64) ([]int64, error) {
	if len(p)%2 != 0 || len(p)/2 > len(s) {
		return nil, fmt.Errorf("padding %s: pairs for at most %d axes", shapeText(p), len(s))
	}
	out := append([]int64{}, s...)
	for i := 0; i < len(p)/2; i++ {
		ax := len(s) - 1 - i
		if out[ax] < 0 {
			continue
		}
		out[ax] += p[2*i] + p[2*i+1]
		if out[ax] < 0 {
			return nil, fmt.Errorf("padding %s makes axis %d negative", shapeText(p), ax)
		}
	}
	return out, nil
}

func pixelShuffleFwd(un bool) fwdFunc {
	return func(c *fcall, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		kind := stateOf(c.o).kind
		x, ar, err := c.start(a, kw, kind)
		if err != nil {
			return nil, err
		}
		arg := "upscale_factor"
		if un {
			arg = "downscale_factor"
		}
		r, err := ar.int(arg, 1)
		if err != nil || r < 1 {
			return nil, c.fail("%s must be a positive int", arg)
		}
		if !x.Known {
			return one(c.unknownIn(x, 1))
		}
		if len(x.Shape) < 3 {
			return nil, c.fail("input has shape %s: (…, C, H, W) expected", shapeText(x.Shape))
		}
		out := append([]int64{}, x.Shape...)
		n := len(out)
		if un {
			if out[n-1]%r != 0 || out[n-2]%r != 0 {
				return nil, c.fail("height %d and width %d must divide by %d", out[n-2], out[n-1], r)
			}
			out[n-3], out[n-2], out[n-1] = out[n-3]*r*r, out[n-2]/r, out[n-1]/r
		} else {
			if out[n-3]%(r*r) != 0 {
				return nil, c.fail("input has %d channels, which %d*%d does not divide", out[n-3], r, r)
			}
			out[n-3], out[n-2], out[n-1] = out[n-3]/(r*r), out[n-2]*r, out[n-1]*r
		}
		return one(c.row(&fixed{outs: []graph.Shape{gshape(out)}, why: fmt.Sprintf("pixel shuffle by %d", r)}, []*Tensor{x}, 1))
	}
}

// product is the FLOPs expression 2*xs…, with the batch when known.
func product(xs ...int64) calc.Expr {
	es := []calc.Expr{calc.N(2)}
	for _, x := range xs {
		if x < 0 {
			continue // the symbolic batch: per example
		}
		es = append(es, calc.N(x))
	}
	return calc.Mul(es...)
}

func init() {
	forwards["ChannelShuffle"] = sameFwd
	forwards["GLU"] = func(c *fcall, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		x, err := c.input(a, kw, "input")
		if err != nil {
			return nil, err
		}
		ar, err := c.ctor("GLU")
		if err != nil {
			return nil, err
		}
		d := ar.v["dim"]
		if d == nil {
			d = starlark.MakeInt(-1)
		}
		if !x.Known {
			return one(c.unknownIn(x, 1))
		}
		i, err := axis(d, len(x.Shape))
		if err != nil {
			return nil, c.fail("%v", err)
		}
		s := append([]int64{}, x.Shape...)
		if s[i] >= 0 && s[i]%2 != 0 {
			return nil, c.fail("halving dimension must be even, but dimension %d is size %d", i, s[i])
		}
		if s[i] > 0 {
			s[i] /= 2
		}
		return one(c.row(&fixed{outs: []graph.Shape{gshape(s)}, why: fmt.Sprintf("axis %d halved", i)}, []*Tensor{x}, 1))
	}
	forwards["Unflatten"] = func(c *fcall, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		x, err := c.input(a, kw, "input")
		if err != nil {
			return nil, err
		}
		ar, err := c.ctor("Unflatten")
		if err != nil {
			return nil, err
		}
		if !x.Known {
			return one(c.unknownIn(x, 1))
		}
		r, ok, err := shapeMethod(x, "unflatten", starlark.Tuple{ar.v["dim"], ar.v["unflattened_size"]}, nil)
		if err != nil {
			return nil, c.fail("%v", err)
		}
		if !ok {
			return one(c.unknownIn(x, 1))
		}
		return one(c.row(&fixed{outs: []graph.Shape{gshape(r.Shape)}, why: "unflattened to " + shapeText(r.Shape)}, []*Tensor{x}, 1))
	}
	forwards["CosineSimilarity"] = func(c *fcall, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		ar, err := c.ctor("CosineSimilarity")
		if err != nil {
			return nil, err
		}
		x, ok1 := argOf(a, kw, 0, "x1").(*Tensor)
		y, ok2 := argOf(a, kw, 1, "x2").(*Tensor)
		if !ok1 || !ok2 {
			return nil, c.fail("forward() takes two tensors")
		}
		if !x.Known || !y.Known {
			return one(c.row(unknownOp{"an input's shape is unknown"}, []*Tensor{x, y}, 1))
		}
		s, err := broadcast(x.Shape, y.Shape)
		if err != nil {
			return nil, c.fail("%v", broadcastError(x.Shape, y.Shape))
		}
		d := ar.v["dim"]
		if d == nil {
			d = starlark.MakeInt(1)
		}
		i, err := axis(d, len(s))
		if err != nil {
			return nil, c.fail("%v", err)
		}
		s = append(s[:i:i], s[i+1:]...)
		return one(c.row(&fixed{outs: []graph.Shape{gshape(s)}, why: fmt.Sprintf("similarity along axis %d", i)}, []*Tensor{x, y}, 1))
	}
	forwards["Bilinear"] = func(c *fcall, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		ar, err := c.ctor("Bilinear")
		if err != nil {
			return nil, err
		}
		in1, err1 := ar.int("in1_features", 0)
		in2, err2 := ar.int("in2_features", 0)
		out, err3 := ar.int("out_features", 0)
		if err := first(err1, err2, err3); err != nil {
			return nil, c.fail("%v", err)
		}
		x, ok1 := argOf(a, kw, 0, "input1").(*Tensor)
		y, ok2 := argOf(a, kw, 1, "input2").(*Tensor)
		if !ok1 || !ok2 {
			return nil, c.fail("forward() takes two tensors")
		}
		if !x.Known || !y.Known {
			return one(c.row(unknownOp{"an input's shape is unknown"}, []*Tensor{x, y}, 1))
		}
		if len(x.Shape) == 0 || len(y.Shape) == 0 || x.Shape[len(x.Shape)-1] != in1 || y.Shape[len(y.Shape)-1] != in2 {
			return nil, c.fail("inputs have shapes %s and %s, in1_features is %d and in2_features %d", shapeText(x.Shape), shapeText(y.Shape), in1, in2)
		}
		lead := x.Shape[:len(x.Shape)-1]
		s := append(append([]int64{}, lead...), out)
		return one(c.row(&fixed{outs: []graph.Shape{gshape(s)}, flops: product(append(append([]int64{}, lead...), in1, in2, out)...),
			why: fmt.Sprintf("%d×%d features to %d", in1, in2, out)}, []*Tensor{x, y}, 1))
	}
}

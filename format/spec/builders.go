package spec

import (
	"fmt"
	"slices"
	"strings"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/op"
)

// The builders turn a layer entry's attributes into an op of package op
// and list the roles of the parameters it makes.

// channelAxis is the channel axis under the spec's layout.
func (d *decoder) channelAxis() int {
	if d.layout == op.ChannelsLast {
		return -1
	}
	return 1
}

// weightOrder shows kernels as the layout's framework stores them:
// (C_out, C_in/g, k…) channels first (PyTorch), (k…, C_in/g, C_out)
// channels last (Keras). It changes only how shapes are displayed.
func (d *decoder) weightOrder(transposed bool) op.WeightOrder {
	switch {
	case d.layout == op.ChannelsLast:
		return op.KernelInOut
	case transposed:
		return op.InOutKernel
	}
	return op.OutInKernel
}

func buildInput(a *attrs) (graph.Op, []string) {
	v := a.get("shape")
	in := &op.Input{DType: a.dtype()}
	if v == nil {
		a.missing("shape", "[null, 3, 224, 224]")
		return in, nil
	}
	s, err := shapeOf(v)
	if err != nil {
		a.fail(v, "shape", "%v", err)
		return in, nil
	}
	in.Shape = s
	return in, nil
}

// dtype reads an element type name.
func (a *attrs) dtype() graph.DType {
	v := a.get("dtype")
	if v == nil {
		return ""
	}
	t, err := dtypeOf(v)
	if err != nil {
		a.fail(v, "dtype", "%v", err)
	}
	return t
}

var dtypeNames = []string{"float64", "float32", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool"}

func dtypeOf(v *value) (graph.DType, error) {
	s, err := v.asString()
	if err != nil {
		return "", err
	}
	t := graph.DType(strings.ToLower(s))
	if t.Bits() == 0 {
		return "", fmt.Errorf("unknown element type %q (e.g. %s)%s", clip(s, 60), strings.Join(dtypeNames, ", "), didYouMean(s, dtypeNames))
	}
	return t, nil
}

func buildDense(a *attrs) (graph.Op, []string) {
	units := a.int("units", 1, 1, true, "10")
	bias := a.bool("bias", true)
	a.str("activation")
	return &op.Linear{Units: units, From: -1, Bias: bias, WeightRole: "kernel", BiasRole: "bias"}, roles(bias, "kernel")
}

// roles lists the parameter roles of a kernel-and-bias layer. Lists of
// roles are only read: the common ones are shared.
func roles(bias bool, kernel ...string) []string {
	if len(kernel) == 1 && kernel[0] == "kernel" {
		if bias {
			return kernelBias
		}
		return kernelOnly
	}
	if bias {
		return append(kernel, "bias")
	}
	return kernel
}

var (
	kernelBias = []string{"kernel", "bias"}
	kernelOnly = []string{"kernel"}
)

func buildFlatten(a *attrs) (graph.Op, []string) {
	start := a.optInt("start")
	end := a.optInt("end")
	f := &op.Flatten{Start: 1, End: -1}
	if start != nil {
		f.Start = clampAxis(*start)
	}
	if end != nil {
		f.End = clampAxis(*end)
	}
	return f, nil
}

// clampAxis keeps an axis index in int range; out-of-range axes are then
// reported by the op against the real rank.
func clampAxis(x int64) int {
	if x > maxRank+1 {
		return maxRank + 1
	}
	if x < -maxRank-1 {
		return -maxRank - 1
	}
	return int(x)
}

func buildReshape(a *attrs) (graph.Op, []string) {
	v := a.get("shape")
	r := &op.Reshape{}
	if v == nil {
		a.missing("shape", "[0, -1] (0 keeps that input axis, -1 is inferred)")
		return r, nil
	}
	if v.kind != kList || len(v.list) == 0 || len(v.list) > maxRank {
		a.fail(v, "shape", "expected a list of 1 to %d sizes (including the batch axis; 0 keeps the input's size, -1 infers it), got %s", maxRank, v.describe())
		return r, nil
	}
	inferred := 0
	for i, x := range v.list {
		n, err := x.asInt()
		switch {
		case x.kind == kNull:
			err = fmt.Errorf("write 0 to keep the input's size on this axis, -1 to infer it")
		case err == nil && n < -1:
			err = fmt.Errorf("sizes must be at least -1, got %d", n)
		case err == nil && n == -1:
			inferred++
			if inferred > 1 {
				err = fmt.Errorf("only one size may be -1")
			}
		}
		if err != nil {
			a.fail(x, "shape", "entry %d: %v", i, err)
			continue
		}
		if n == 0 {
			r.Target = append(r.Target, op.RefAxis(i))
		} else {
			r.Target = append(r.Target, op.Literal(n))
		}
	}
	return r, nil
}

func buildPermute(a *attrs) (graph.Op, []string) {
	v := a.get("perm")
	p := &op.Permute{}
	if v == nil {
		a.missing("perm", "[0, 2, 3, 1]")
		return p, nil
	}
	xs, err := intList(v, 0, 0)
	if err == nil && v.kind != kList {
		err = fmt.Errorf("expected a list such as [0, 2, 3, 1], got %s", v.describe())
	}
	if err == nil && len(xs) > maxRank {
		err = fmt.Errorf("%d axes are more than %d", len(xs), maxRank)
	}
	if err == nil {
		seen := make([]bool, len(xs))
		for _, x := range xs {
			if x >= int64(len(xs)) || seen[x] {
				err = fmt.Errorf("%v is not a permutation of the axes 0..%d (the batch axis included)", xs, len(xs)-1)
				break
			}
			seen[x] = true
		}
	}
	if err != nil {
		a.fail(v, "perm", "%v", err)
		return p, nil
	}
	for _, x := range xs {
		p.Pattern = append(p.Pattern, int(x))
	}
	return p, nil
}

func buildPad(a *attrs) (graph.Op, []string) {
	p := &op.ZeroPad{}
	a.enum("mode", "constant", "constant", "reflect", "replicate", "circular", "edge", "symmetric")
	a.number("value")
	v := a.get("pads")
	if v == nil {
		a.missing("pads", "[0, 0, [1, 1], [1, 1]] (one entry per axis, the batch axis included)")
		return p, nil
	}
	if v.kind != kList || len(v.list) == 0 || len(v.list) > maxRank {
		a.fail(v, "pads", "expected one int or [begin, end] pair per axis, the batch axis included, got %s", v.describe())
		return p, nil
	}
	for i, x := range v.list {
		be, err := intList(x, 0, 0)
		if err == nil && len(be) > 2 {
			err = fmt.Errorf("expected an int or a [begin, end] pair, got %d values", len(be))
		}
		if err != nil {
			a.fail(x, "pads", "entry %d: %v", i, err)
			return p, nil
		}
		if len(be) == 1 {
			be = append(be, be[0])
		}
		p.Before = append(p.Before, be[0])
		p.After = append(p.After, be[1])
	}
	return p, nil
}

// buildZeroPad pads the spatial axes of an input of nsp spatial axes.
func buildZeroPad(nsp int) func(a *attrs) (graph.Op, []string) {
	return func(a *attrs) (graph.Op, []string) {
		rank := nsp + 2
		p := &op.ZeroPad{Before: make([]int64, rank), After: make([]int64, rank)}
		v := a.get("padding")
		if v == nil {
			a.missing("padding", "1")
			return p, nil
		}
		pad := a.padding("padding", nsp, nil, nil)
		if pad.Mode != op.PadExplicit {
			return p, nil // the error is recorded
		}
		begin, end := pad.Begin, pad.End
		for i := 0; i < nsp; i++ {
			ax := 2 + i
			if a.d.layout == op.ChannelsLast {
				ax = 1 + i
			}
			bi, ei := begin[0], end[0]
			if len(begin) == nsp {
				bi, ei = begin[i], end[i]
			}
			p.Before[ax], p.After[ax] = bi, ei
		}
		return p, nil
	}
}

func buildSlice(a *attrs) (graph.Op, []string) {
	s := &op.Slice{Axis: clampAxis(a.int("axis", 0, -maxRank, true, "1"))}
	s.Index = a.optInt("index")
	s.Start = a.optInt("start")
	s.Stop = a.optInt("stop")
	step := a.optInt("step")
	if step != nil {
		if *step == 0 {
			a.fail(a.get("step"), "step", "must not be 0")
		}
		s.Step = *step
	}
	if s.Index != nil && (s.Start != nil || s.Stop != nil || step != nil) {
		a.fail(a.get("index"), "index", "give either index (which removes the axis) or start/stop/step, not both")
	}
	return s, nil
}

func buildUpsample(nsp int) func(a *attrs) (graph.Op, []string) {
	return func(a *attrs) (graph.Op, []string) {
		a.enum("mode", "nearest", "nearest", "linear", "bilinear", "bicubic", "trilinear", "area")
		f := a.perAxis("scale", nsp, 1, false, "")
		if f == nil {
			f = []int64{2}
		}
		return &op.Upscale{Layout: a.d.layout, Factors: f}, nil
	}
}

func buildGlobalPool(mode string) func(a *attrs) (graph.Op, []string) {
	return func(a *attrs) (graph.Op, []string) {
		return &op.GlobalPool{Layout: a.d.layout, Mode: mode, KeepDims: a.bool("keepdims", false)}, nil
	}
}

func buildConv(nsp int) func(a *attrs) (graph.Op, []string) {
	return func(a *attrs) (graph.Op, []string) {
		filters := a.int("filters", 1, 1, true, "32")
		k := a.perAxis("kernel", nsp, 1, true, "3")
		s := a.perAxis("stride", nsp, 1, false, "")
		d := a.perAxis("dilation", nsp, 1, false, "")
		pad := a.padding("padding", nsp, k, d, "valid", "same", "same_lower", "full", "causal")
		groups := a.int("groups", 1, 1, false, "")
		bias := a.bool("bias", true)
		a.str("activation")
		c := &op.Conv{Layout: a.d.layout, Filters: filters, Kernel: k, Stride: s, Dilation: d, Pad: pad, Groups: groups, Bias: bias,
			WeightOrder: a.d.weightOrder(false), WeightRole: "kernel", BiasRole: "bias"}
		return c, roles(bias, "kernel")
	}
}

func buildConvTranspose(nsp int) func(a *attrs) (graph.Op, []string) {
	return func(a *attrs) (graph.Op, []string) {
		filters := a.int("filters", 1, 1, true, "32")
		k := a.perAxis("kernel", nsp, 1, true, "3")
		s := a.perAxis("stride", nsp, 1, false, "")
		d := a.perAxis("dilation", nsp, 1, false, "")
		pad := a.padding("padding", nsp, k, d, "valid", "same", "full")
		opad := a.perAxis("output_padding", nsp, 0, false, "")
		osize := a.perAxis("output_size", nsp, 1, false, "")
		if opad != nil && osize != nil {
			a.fail(a.get("output_size"), "output_size", "give either output_size or output_padding, not both")
		}
		if opad != nil && (pad.Mode == op.PadSameEnd) {
			a.fail(a.get("output_padding"), "output_padding", "does not apply with padding: same (the output is input*stride)")
		}
		for i := range opad {
			si := int64(1)
			if i < len(s) {
				si = s[i]
			}
			di := int64(1)
			if i < len(d) {
				di = d[i]
			}
			if opad[i] >= si && opad[i] >= di {
				a.fail(a.get("output_padding"), "output_padding", "%d must be smaller than the stride (%d) or the dilation (%d), as PyTorch requires", opad[i], si, di)
				break
			}
		}
		groups := a.int("groups", 1, 1, false, "")
		bias := a.bool("bias", true)
		a.str("activation")
		c := &op.Conv{Layout: a.d.layout, Filters: filters, Kernel: k, Stride: s, Dilation: d, Pad: pad, Groups: groups, Bias: bias,
			Transposed: true, OutputPadding: opad, OutputSize: osize,
			WeightOrder: a.d.weightOrder(true), WeightRole: "kernel", BiasRole: "bias"}
		return c, roles(bias, "kernel")
	}
}

func buildDepthwise(nsp int) func(a *attrs) (graph.Op, []string) {
	return func(a *attrs) (graph.Op, []string) {
		k := a.perAxis("kernel", nsp, 1, true, "3")
		m := a.int("multiplier", 1, 1, false, "")
		s := a.perAxis("stride", nsp, 1, false, "")
		d := a.perAxis("dilation", nsp, 1, false, "")
		pad := a.padding("padding", nsp, k, d, "valid", "same", "same_lower", "full", "causal")
		bias := a.bool("bias", true)
		a.str("activation")
		c := &op.DepthwiseConv{Multiplier: m, Conv: op.Conv{Layout: a.d.layout, Kernel: k, Stride: s, Dilation: d, Pad: pad, Bias: bias,
			WeightOrder: a.d.weightOrder(false), WeightRole: "depthwise_kernel", BiasRole: "bias"}}
		return c, roles(bias, "depthwise_kernel")
	}
}

func buildSeparable(nsp int) func(a *attrs) (graph.Op, []string) {
	return func(a *attrs) (graph.Op, []string) {
		filters := a.int("filters", 1, 1, true, "64")
		k := a.perAxis("kernel", nsp, 1, true, "3")
		m := a.int("multiplier", 1, 1, false, "")
		s := a.perAxis("stride", nsp, 1, false, "")
		d := a.perAxis("dilation", nsp, 1, false, "")
		pad := a.padding("padding", nsp, k, d, "valid", "same", "same_lower", "full", "causal")
		bias := a.bool("bias", true)
		a.str("activation")
		c := &op.SeparableConv{Layout: a.d.layout, Filters: filters, Kernel: k, Stride: s, Dilation: d, Pad: pad, Multiplier: m, Bias: bias,
			WeightOrder: a.d.weightOrder(false)}
		return c, roles(bias, "depthwise_kernel", "pointwise_kernel")
	}
}

func buildPool(nsp int, mode string) func(a *attrs) (graph.Op, []string) {
	return func(a *attrs) (graph.Op, []string) {
		k := a.perAxis("pool", nsp, 1, true, "2")
		s := a.perAxis("stride", nsp, 1, false, "")
		var d []int64
		if mode == "max" {
			d = a.perAxis("dilation", nsp, 1, false, "")
		} else {
			a.bool("count_include_pad", true)
		}
		pad := a.padding("padding", nsp, k, d, "valid", "same", "same_lower")
		r := op.Floor
		switch a.enum("rounding", "floor", "floor", "ceil", "caffe") {
		case "ceil":
			r = op.CeilClip
		case "caffe":
			r = op.CeilCaffe
		}
		return &op.Pool{Layout: a.d.layout, Mode: mode, Kernel: k, Stride: s, Dilation: d, Pad: pad, Rounding: r}, nil
	}
}

func buildMerge(a *attrs) (graph.Op, []string) {
	return &op.Merge{Broadcast: a.bool("broadcast", true)}, nil
}

func buildConcat(a *attrs) (graph.Op, []string) {
	ax := a.d.channelAxis()
	if x := a.optInt("axis"); x != nil {
		ax = clampAxis(*x)
	}
	return &op.Concat{Axis: ax}, nil
}

func buildEmbedding(a *attrs) (graph.Op, []string) {
	v := a.int("vocab", 1, 1, true, "10000")
	d := a.int("dim", 1, 1, true, "128")
	return &op.Embedding{Vocab: v, Dim: d, Role: "embeddings"}, []string{"embeddings"}
}

func buildDropout(a *attrs) (graph.Op, []string) {
	if v := a.get("rate"); v != nil {
		x := v.float()
		if v.kind == kInt {
			x = float64(v.i)
		}
		if (v.kind != kInt && v.kind != kFloat) || !(x >= 0 && x <= 1) {
			a.fail(v, "rate", "expected a number from 0 to 1, got %s", v.describe())
		}
	}
	return op.Identity{}, nil
}

func buildActivation(a *attrs) (graph.Op, []string) {
	v := a.get("fn")
	if v == nil {
		a.missing("fn", "relu")
	} else if _, err := v.asString(); err != nil {
		a.fail(v, "fn", "%v", err)
	}
	a.number("alpha")
	a.optInt("axis")
	return op.Identity{}, nil
}

// axes reads an int or a list of ints (axes, negative from the end).
func (a *attrs) axes(name string, def []int) []int {
	v := a.get(name)
	if v == nil {
		return def
	}
	xs, err := intList(v, 0, -maxRank)
	if err == nil && len(xs) > maxRank {
		err = fmt.Errorf("%d axes are more than %d", len(xs), maxRank)
	}
	if err != nil {
		a.fail(v, name, "%v", err)
		return def
	}
	out := make([]int, len(xs))
	for i, x := range xs {
		out[i] = clampAxis(x)
	}
	return out
}

var (
	gammaBeta   = []op.ParamSpec{{Role: "gamma", Trainable: true}, {Role: "beta", Trainable: true}}
	movingStats = []op.ParamSpec{{Role: "moving_mean"}, {Role: "moving_variance"}}
)

// normOp builds a Norm and the roles of its parameters.
func normOp(what string, axes []int, groups int64, params ...[]op.ParamSpec) (graph.Op, []string) {
	n := &op.Norm{Axes: axes, Groups: groups, What: what}
	var rs []string
	for _, ps := range params {
		for _, p := range ps {
			n.Params = append(n.Params, p)
			rs = append(rs, p.Role)
		}
	}
	return n, rs
}

func (a *attrs) normCommon() {
	a.number("epsilon")
	if slices.Contains(a.e.typ.attrs, "momentum") {
		a.number("momentum")
	}
}

func buildBatchNorm(a *attrs) (graph.Op, []string) {
	axes := a.axes("axis", []int{a.d.channelAxis()})
	a.normCommon()
	var ps [][]op.ParamSpec
	if a.bool("affine", true) {
		ps = append(ps, gammaBeta)
	}
	if a.bool("running_stats", true) {
		ps = append(ps, movingStats)
	}
	return normOp("batch normalization", axes, 0, ps...)
}

func buildLayerNorm(what string, defBias bool) func(a *attrs) (graph.Op, []string) {
	return func(a *attrs) (graph.Op, []string) {
		axes := a.axes("axes", []int{-1})
		a.normCommon()
		affine := a.bool("affine", true)
		bias := a.bool("bias", defBias)
		var ps []op.ParamSpec
		if affine {
			ps = append(ps, gammaBeta[0])
			if bias {
				ps = append(ps, gammaBeta[1])
			}
		} else if bias && a.get("bias") != nil {
			a.fail(a.get("bias"), "bias", "needs affine: true")
		}
		return normOp(what, axes, 0, ps)
	}
}

func buildGroupNorm(a *attrs) (graph.Op, []string) {
	g := a.int("groups", 1, 1, true, "32")
	a.normCommon()
	var ps [][]op.ParamSpec
	if a.bool("affine", true) {
		ps = append(ps, gammaBeta)
	}
	return normOp("group normalization", []int{a.d.channelAxis()}, g, ps...)
}

func buildInstanceNorm(a *attrs) (graph.Op, []string) {
	a.normCommon()
	var ps [][]op.ParamSpec
	if a.bool("affine", false) {
		ps = append(ps, gammaBeta)
	}
	if a.bool("running_stats", false) {
		ps = append(ps, movingStats)
	}
	return normOp("instance normalization", []int{a.d.channelAxis()}, 0, ps...)
}

func buildPReLU(a *attrs) (graph.Op, []string) {
	alpha := []op.ParamSpec{{Role: "alpha", Trainable: true}}
	switch a.enum("slopes", "channel", "channel", "one", "element") {
	case "one":
		return &op.Norm{Params: alpha, What: "PReLU slope"}, []string{"alpha"}
	case "element":
		return &op.Affine{Shared: []int{0}, Params: alpha, What: "PReLU slopes"}, []string{"alpha"}
	}
	return &op.Norm{Axes: []int{a.d.channelAxis()}, Params: alpha, What: "PReLU slopes"}, []string{"alpha"}
}

func buildCustom(a *attrs) (graph.Op, []string) {
	x := &extended{custom: true}
	c := &op.Custom{Why: "given as shape"}
	if v := a.get("shape"); v != nil {
		s, err := shapeOf(v)
		if err != nil {
			a.fail(v, "shape", "%v", err)
		}
		c.Shape = s
	} else {
		c.ShapeFn = func(in []graph.Shape) (graph.Shape, error) {
			if len(in) == 0 || in[0] == nil {
				return nil, fmt.Errorf("the input shape is unknown")
			}
			return in[0], nil
		}
		c.Why = "same as the first input (no shape given)"
	}
	x.op = c
	x.params = a.int("params", 0, 0, false, "")
	x.fixed = a.int("non_trainable_params", 0, 0, false, "")
	x.flops = a.optInt("flops")
	if x.flops != nil && *x.flops < 0 {
		a.fail(a.get("flops"), "flops", "must be at least 0, got %d", *x.flops)
		x.flops = nil
	}
	var rs []string
	if x.params > 0 {
		rs = append(rs, "params")
	}
	if x.fixed > 0 {
		rs = append(rs, "non_trainable_params")
	}
	return x, rs
}

package torchcode

import (
	"fmt"
	"strings"

	"go.starlark.net/starlark"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/op"
)

// The forwards of the less common torch.nn classes without parameters
// (power-average, fractional and unpooling, fold/unfold, channel
// shuffle) and of EmbeddingBag. Their shapes follow PyTorch's docs for
// each class; their FLOPs are 0, as FlopCounterMode counts none of the
// kernels they run.

func init() {
	for i, n := range []string{"1d", "2d", "3d"} {
		sig := []string{"norm_type", "kernel_size", "stride?", "ceil_mode?"}
		plainSigs["LPPool"+n] = sig
		forwards["LPPool"+n] = lpPoolFwd(i + 1)
		plainSigs["MaxUnpool"+n] = []string{"kernel_size", "stride?", "padding?"}
		forwards["MaxUnpool"+n] = maxUnpoolFwd(i + 1)
		if i > 0 {
			plainSigs["FractionalMaxPool"+n] = []string{"kernel_size", "output_size?", "output_ratio?", "return_indices?", "_random_samples?"}
			forwards["FractionalMaxPool"+n] = fractionalFwd(i + 1)
		}
	}
	plainSigs["Unfold"] = []string{"kernel_size", "dilation?", "padding?", "stride?"}
	plainSigs["Fold"] = []string{"output_size", "kernel_size", "dilation?", "padding?", "stride?"}
	plainSigs["ChannelShuffle"] = []string{"groups"}
	forwards["Unfold"] = unfoldFwd
	forwards["Fold"] = foldFwd
	forwards["ChannelShuffle"] = channelShuffleFwd
	forwards["EmbeddingBag"] = embeddingBagFwd
}

// spatial checks that x is (batch, channels, spatial…) or, unbatched,
// (channels, spatial…) for nd spatial axes.
func (c *fcall) spatial(x *Tensor, nd int) error {
	if len(x.Shape) != nd+2 && len(x.Shape) != nd+1 {
		return c.fail("input has shape %s: %s takes (batch, channels, %s) or (channels, %s) input", shapeText(x.Shape), modName(c), spatialNames(nd), spatialNames(nd))
	}
	return nil
}

// lpPoolFwd is LPPool: average pooling's windows without padding
// (stride defaults to the kernel), of the p-th power.
func lpPoolFwd(nd int) fwdFunc {
	return func(c *fcall, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		x, ar, err := c.start(a, kw, stateOf(c.o).kind)
		if err != nil {
			return nil, err
		}
		k, err1 := ar.ints("kernel_size", nd, 0)
		s, err2 := ar.ints("stride", nd, 0)
		if err := first(err1, err2); err != nil {
			return nil, c.fail("%v", err)
		}
		if !ar.has("stride") {
			s = k
		}
		if !x.Known {
			return one(c.unknownIn(x, 1))
		}
		if len(x.Shape) != nd+2 {
			return nil, c.fail("input has shape %s: %s takes (batch, channels, %s) input", shapeText(x.Shape), modName(c), spatialNames(nd))
		}
		p := &op.Pool{Mode: "power-average", Kernel: k, Stride: s}
		if ar.bool("ceil_mode", false) {
			p.Rounding = op.CeilClip
		}
		return one(c.row(p, []*Tensor{x}, 1))
	}
}

// maxUnpoolFwd is MaxUnpool: (in-1)*stride - 2*padding + kernel along
// each spatial axis, or the output_size the call gives.
func maxUnpoolFwd(nd int) fwdFunc {
	return func(c *fcall, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		x, ar, err := c.start(a, kw, stateOf(c.o).kind)
		if err != nil {
			return nil, err
		}
		k, err1 := ar.ints("kernel_size", nd, 0)
		s, err2 := ar.ints("stride", nd, 0)
		pd, err3 := ar.ints("padding", nd, 0)
		if err := first(err1, err2, err3); err != nil {
			return nil, c.fail("%v", err)
		}
		if !ar.has("stride") {
			s = k
		}
		if _, ok := argOf(a, kw, 1, "indices").(*Tensor); !ok {
			return nil, c.fail("forward() needs the indices tensor that max pooling with return_indices=True gave")
		}
		if !x.Known {
			return one(c.unknownIn(x, 1))
		}
		if err := c.spatial(x, nd); err != nil {
			return nil, err
		}
		out := append([]int64{}, x.Shape...)
		lead := len(out) - nd
		var why []string
		if v := argOf(a, kw, 2, "output_size"); v != nil && v != starlark.None {
			size, err := intsOf(v)
			if err != nil {
				return nil, c.fail("output_size: %v", err)
			}
			if len(size) == len(out) {
				size = size[lead:]
			}
			if len(size) != nd {
				return nil, c.fail("output_size %v should give the %d spatial sizes", v, nd)
			}
			copy(out[lead:], size)
			why = append(why, fmt.Sprintf("output_size %v", v))
		} else {
			for i := 0; i < nd; i++ {
				in := out[lead+i]
				out[lead+i] = (in-1)*s[i] - 2*pd[i] + k[i]
				why = append(why, fmt.Sprintf("(%d-1)*%d - 2*%d + %d = %d", in, s[i], pd[i], k[i], out[lead+i]))
				if out[lead+i] <= 0 {
					return nil, c.fail("unpooling gives a size of %d: %s", out[lead+i], why[i])
				}
			}
		}
		return one(c.row(&fixed{outs: []graph.Shape{gshape(out)}, why: "unpooled: " + strings.Join(why, ", ")}, []*Tensor{x}, 1))
	}
}

// fractionalFwd is FractionalMaxPool: the output_size given, else
// int(size * output_ratio) along each spatial axis.
func fractionalFwd(nd int) fwdFunc {
	return func(c *fcall, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		x, ar, err := c.start(a, kw, stateOf(c.o).kind)
		if err != nil {
			return nil, err
		}
		if !x.Known {
			return one(c.unknownIn(x, 1))
		}
		if err := c.spatial(x, nd); err != nil {
			return nil, err
		}
		out := append([]int64{}, x.Shape...)
		lead := len(out) - nd
		var why string
		switch {
		case ar.has("output_size"):
			size, err := ar.ints("output_size", nd, 0)
			if err != nil {
				return nil, c.fail("%v", err)
			}
			copy(out[lead:], size)
			why = fmt.Sprintf("output_size %v", ar.v["output_size"])
		case ar.has("output_ratio"):
			r, err := floats(ar.v["output_ratio"], nd)
			if err != nil {
				return nil, c.fail("output_ratio: %v", err)
			}
			var parts []string
			for i := range nd {
				if r[i] <= 0 || r[i] >= 1 {
					return nil, c.fail("output_ratio must be between 0 and 1, got %v", ar.v["output_ratio"])
				}
				in := out[lead+i]
				out[lead+i] = int64(float64(in) * r[i])
				parts = append(parts, fmt.Sprintf("int(%d*%g) = %d", in, r[i], out[lead+i]))
			}
			why = strings.Join(parts, ", ")
		default:
			return nil, c.fail("%s needs output_size or output_ratio", modName(c))
		}
		outs, err := c.row(&fixed{outs: []graph.Shape{gshape(out)}, why: why}, []*Tensor{x}, 1)
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

// blocks is the number of sliding positions along one axis:
// floor((in + 2*padding - dilation*(kernel-1) - 1) / stride) + 1.
func blocks(in, k, d, p, s int64) (int64, string) {
	n := (in+2*p-d*(k-1)-1)/s + 1
	return n, fmt.Sprintf("(%d+2*%d-%d*(%d-1)-1)/%d+1 = %d", in, p, d, k, s, n)
}

// window reads Fold/Unfold's kernel_size, dilation, padding and stride
// for the two spatial axes.
func window(ar args) (k, d, p, s []int64, err error) {
	k, err1 := ar.ints("kernel_size", 2, 0)
	d, err2 := ar.ints("dilation", 2, 1)
	p, err3 := ar.ints("padding", 2, 0)
	s, err4 := ar.ints("stride", 2, 1)
	err = first(err1, err2, err3, err4)
	for i := 0; err == nil && i < 2; i++ {
		if k[i] <= 0 || d[i] <= 0 || s[i] <= 0 {
			err = fmt.Errorf("kernel_size, dilation and stride must be positive")
		}
	}
	return k, d, p, s, err
}

// unfoldFwd is Unfold (im2col): (N, C, H, W) → (N, C*kh*kw, L), L the
// number of window positions.
func unfoldFwd(c *fcall, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	x, ar, err := c.start(a, kw, "Unfold")
	if err != nil {
		return nil, err
	}
	k, d, p, s, err := window(ar)
	if err != nil {
		return nil, c.fail("%v", err)
	}
	if !x.Known {
		return one(c.unknownIn(x, 1))
	}
	if len(x.Shape) != 4 && len(x.Shape) != 3 {
		return nil, c.fail("input has shape %s: nn.Unfold takes (batch, channels, height, width) or (channels, height, width)", shapeText(x.Shape))
	}
	lead := len(x.Shape) - 3
	l, whys := int64(1), []string{}
	for i := range 2 {
		n, why := blocks(x.Shape[lead+1+i], k[i], d[i], p[i], s[i])
		if n <= 0 {
			return nil, c.fail("the %dx%d window does not fit the input %s: %s", k[0], k[1], shapeText(x.Shape), why)
		}
		l *= n
		whys = append(whys, why)
	}
	ch := x.Shape[lead]
	out := append(append([]int64{}, x.Shape[:lead]...), ch*k[0]*k[1], l)
	why := fmt.Sprintf("%d*%d*%d values per block, %s blocks", ch, k[0], k[1], strings.Join(whys, " times "))
	return one(c.row(&fixed{outs: []graph.Shape{gshape(out)}, why: why}, []*Tensor{x}, 1))
}

// foldFwd is Fold (col2im): (N, C*kh*kw, L) → (N, C, output_size),
// where L must be the number of window positions in output_size.
func foldFwd(c *fcall, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	x, ar, err := c.start(a, kw, "Fold")
	if err != nil {
		return nil, err
	}
	k, d, p, s, err := window(ar)
	if err != nil {
		return nil, c.fail("%v", err)
	}
	size, err := ar.ints("output_size", 2, 0)
	if err != nil {
		return nil, c.fail("%v", err)
	}
	if !x.Known {
		return one(c.unknownIn(x, 1))
	}
	if len(x.Shape) != 3 && len(x.Shape) != 2 {
		return nil, c.fail("input has shape %s: nn.Fold takes (batch, channels*kernel, blocks) or (channels*kernel, blocks)", shapeText(x.Shape))
	}
	lead := len(x.Shape) - 2
	ck, l := x.Shape[lead], x.Shape[lead+1]
	if ck%(k[0]*k[1]) != 0 {
		return nil, c.fail("input has %d values per block, which the %dx%d kernel does not divide", ck, k[0], k[1])
	}
	want, whys := int64(1), []string{}
	for i := range 2 {
		n, why := blocks(size[i], k[i], d[i], p[i], s[i])
		want *= n
		whys = append(whys, why)
	}
	if l >= 0 && l != want {
		return nil, c.fail("input has %d blocks, output_size %dx%d makes %d (%s)", l, size[0], size[1], want, strings.Join(whys, " times "))
	}
	out := append(append([]int64{}, x.Shape[:lead]...), ck/(k[0]*k[1]), size[0], size[1])
	why := fmt.Sprintf("%d/(%d*%d) channels of %dx%d", ck, k[0], k[1], size[0], size[1])
	return one(c.row(&fixed{outs: []graph.Shape{gshape(out)}, why: why}, []*Tensor{x}, 1))
}

func channelShuffleFwd(c *fcall, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	x, ar, err := c.start(a, kw, "ChannelShuffle")
	if err != nil {
		return nil, err
	}
	g, err := ar.int("groups", 1)
	if err != nil || g < 1 {
		return nil, c.fail("groups must be a positive int")
	}
	if !x.Known {
		return one(c.unknownIn(x, 1))
	}
	if len(x.Shape) < 3 {
		return nil, c.fail("input has shape %s: (batch, channels, …) expected", shapeText(x.Shape))
	}
	if ch := x.Shape[1]; ch%g != 0 {
		return nil, c.fail("input has %d channels, which %d groups do not divide", ch, g)
	}
	return one(c.row(&fixed{outs: []graph.Shape{gshape(x.Shape)}, why: fmt.Sprintf("channels shuffled in %d groups", g)}, []*Tensor{x}, 1))
}

// embeddingBagFwd is EmbeddingBag: one embedding_dim vector per bag —
// a bag per row of a 2-D input, or per offset of a 1-D input (the last
// offset closing the last bag when include_last_offset).
func embeddingBagFwd(c *fcall, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	x, ar, err := c.start(a, kw, "EmbeddingBag")
	if err != nil {
		return nil, err
	}
	dim, err := ar.int("embedding_dim", 0)
	if err != nil {
		return nil, c.fail("%v", err)
	}
	if dt := dtypeOf(x); dt.IsFloat() || dt == graph.Bool {
		return nil, c.fail("input is a %s tensor: an embedding takes integer indices (give the input type long)", dt)
	}
	offsets, _ := argOf(a, kw, 1, "offsets").(*Tensor)
	if !x.Known || offsets != nil && !offsets.Known {
		return one(c.unknownIn(x, 1))
	}
	var bags int64
	var why string
	switch len(x.Shape) {
	case 2:
		if offsets != nil {
			return nil, c.fail("input has shape %s: with a 2-D input, each row is a bag and offsets must be None", shapeText(x.Shape))
		}
		bags, why = x.Shape[0], "a bag per row of the input"
	case 1:
		if offsets == nil || len(offsets.Shape) != 1 {
			return nil, c.fail("input has shape %s: a 1-D input needs 1-D offsets that start each bag", shapeText(x.Shape))
		}
		bags, why = offsets.Shape[0], "a bag per offset"
		if ar.bool("include_last_offset", false) {
			if bags < 1 {
				return one(c.unknownIn(x, 1))
			}
			bags, why = bags-1, "a bag per offset but the last (include_last_offset)"
		}
	default:
		return nil, c.fail("input has shape %s: nn.EmbeddingBag takes (bags, indices) or 1-D indices with offsets", shapeText(x.Shape))
	}
	ins := []*Tensor{x}
	if offsets != nil {
		ins = append(ins, offsets)
	}
	return one(c.row(&fixed{outs: []graph.Shape{gshape([]int64{bags, dim})}, why: why + fmt.Sprintf(", %d values each", dim)}, ins, 1))
}

// intsOf is a tuple or list of ints (a torch.Size included).
func intsOf(v starlark.Value) ([]int64, error) {
	it, ok := v.(starlark.Iterable)
	if !ok {
		return nil, fmt.Errorf("%s is not a sequence of ints", v.Type())
	}
	var out []int64
	iter := it.Iterate()
	defer iter.Done()
	var x starlark.Value
	for iter.Next(&x) {
		if _, ok := x.(batchN); ok {
			out = append(out, -1) // the symbolic batch
			continue
		}
		i, err := starlark.AsInt32(x)
		if err != nil || i < 0 {
			return nil, fmt.Errorf("%v is not a size", x)
		}
		out = append(out, int64(i))
		if len(out) > 8 {
			return nil, fmt.Errorf("too many sizes")
		}
	}
	return out, nil
}

// floats is one float repeated n times or a sequence of n floats.
func floats(v starlark.Value, n int) ([]float64, error) {
	if f, ok := starlark.AsFloat(v); ok {
		out := make([]float64, n)
		for i := range out {
			out[i] = f
		}
		return out, nil
	}
	seq, ok := v.(starlark.Indexable)
	if !ok || seq.Len() != n {
		return nil, fmt.Errorf("%v should be a number or %d numbers", v, n)
	}
	out := make([]float64, n)
	for i := range out {
		f, ok := starlark.AsFloat(seq.Index(i))
		if !ok {
			return nil, fmt.Errorf("%v is not a number", seq.Index(i))
		}
		out[i] = f
	}
	return out, nil
}

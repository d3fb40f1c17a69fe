package torchcode

import (
	"fmt"

	"go.starlark.net/starlark"

	"github.com/layerinfo/layerinfo/internal/pyhost"
)

// A torch.nn layer: its constructor's signature and what it registers,
// with the names and shapes PyTorch's own constructor gives them
// (torch/nn/modules/*.py), in the same order.
type layer struct {
	sig   []string // nil: any arguments, nothing registered
	build func(b *builder, a args) error
}

// builder registers a layer's tensors and children on its instance.
type builder struct {
	th  *starlark.Thread
	o   *pyhost.Instance
	t   *torch
	err error
}

func (b *builder) tensor(name string, param bool, shape ...int64) {
	if b.err != nil {
		return
	}
	n := int64(1)
	for _, d := range shape {
		if d > 0 && n > maxNumel/d {
			b.err = fmt.Errorf("%s.%s of shape %v has more than 2^50 elements", b.o.Class.Name(), name, shape)
			return
		}
		n *= max(d, 1)
	}
	x := &Tensor{Shape: append([]int64{}, shape...), Known: true, Param: param, Grad: param, Desc: b.o.Class.Name() + "." + name}
	if param {
		b.err = b.o.SetField(name, x)
		return
	}
	m := stateOf(b.o)
	m.set(&m.buffers, name, x)
	b.o.Store(name, x)
}

// param registers a parameter; buffer a buffer; none a name registered
// as None (bias=False: m.bias is None).
func (b *builder) param(name string, shape ...int64)  { b.tensor(name, true, shape...) }
func (b *builder) buffer(name string, shape ...int64) { b.tensor(name, false, shape...) }
func (b *builder) none(name string) {
	m := stateOf(b.o)
	m.set(&m.params, name, starlark.None)
	b.o.Store(name, starlark.None)
}

// child makes a torch.nn module and registers it.
func (b *builder) child(name, class string, a starlark.Tuple, kw ...starlark.Tuple) {
	if b.err != nil {
		return
	}
	c, ok := b.t.classes[class]
	if !ok {
		b.err = fmt.Errorf("internal error: no class %s", class)
		return
	}
	v, err := starlark.Call(b.th, c, a, kw)
	if err != nil {
		b.err = err
		return
	}
	b.err = b.o.SetField(name, v)
}

func kv(k string, v starlark.Value) starlark.Tuple { return starlark.Tuple{starlark.String(k), v} }
func num(n int64) starlark.Value                   { return starlark.MakeInt64(n) }

// layers are the torch.nn classes with parameters or children; every
// other known class takes any arguments and registers nothing.
var layers = map[string]layer{
	"Linear":                          {[]string{"in_features", "out_features", "bias?", "device?", "dtype?"}, linear},
	"NonDynamicallyQuantizableLinear": {[]string{"in_features", "out_features", "bias?", "device?", "dtype?"}, linear},
	"LazyLinear":                      {nil, lazy},
	"Bilinear": {[]string{"in1_features", "in2_features", "out_features", "bias?", "device?", "dtype?"}, func(b *builder, a args) error {
		in1, err1 := a.int("in1_features", 0)
		in2, err2 := a.int("in2_features", 0)
		out, err3 := a.int("out_features", 0)
		if err := first(err1, err2, err3); err != nil {
			return err
		}
		b.param("weight", out, in1, in2)
		bias(b, a, out)
		return b.err
	}},
	"Conv1d":          conv(1, false),
	"Conv2d":          conv(2, false),
	"Conv3d":          conv(3, false),
	"ConvTranspose1d": conv(1, true),
	"ConvTranspose2d": conv(2, true),
	"ConvTranspose3d": conv(3, true),
	"BatchNorm1d":     batchNorm(true, true),
	"BatchNorm2d":     batchNorm(true, true),
	"BatchNorm3d":     batchNorm(true, true),
	"SyncBatchNorm":   batchNorm(true, true),
	"InstanceNorm1d":  batchNorm(false, false),
	"InstanceNorm2d":  batchNorm(false, false),
	"InstanceNorm3d":  batchNorm(false, false),
	"LayerNorm": {[]string{"normalized_shape", "eps?", "elementwise_affine?", "bias?", "device?", "dtype?"}, func(b *builder, a args) error {
		s, err := a.shape("normalized_shape")
		if err != nil {
			return err
		}
		if a.bool("elementwise_affine", true) {
			b.param("weight", s...)
			if a.bool("bias", true) {
				b.param("bias", s...)
			} else {
				b.none("bias")
			}
		} else {
			b.none("weight")
			b.none("bias")
		}
		return b.err
	}},
	"RMSNorm": {[]string{"normalized_shape", "eps?", "elementwise_affine?", "device?", "dtype?"}, func(b *builder, a args) error {
		s, err := a.shape("normalized_shape")
		if err != nil {
			return err
		}
		if a.bool("elementwise_affine", true) {
			b.param("weight", s...)
		} else {
			b.none("weight")
		}
		return b.err
	}},
	"GroupNorm": {[]string{"num_groups", "num_channels", "eps?", "affine?", "device?", "dtype?"}, func(b *builder, a args) error {
		g, err1 := a.int("num_groups", 0)
		c, err2 := a.int("num_channels", 0)
		if err := first(err1, err2); err != nil {
			return err
		}
		if g == 0 || c%g != 0 {
			return fmt.Errorf("num_channels must be divisible by num_groups")
		}
		if a.bool("affine", true) {
			b.param("weight", c)
			b.param("bias", c)
		} else {
			b.none("weight")
			b.none("bias")
		}
		return b.err
	}},
	"Embedding":    {[]string{"num_embeddings", "embedding_dim", "padding_idx?", "max_norm?", "norm_type?", "scale_grad_by_freq?", "sparse?", "_weight?", "_freeze?", "device?", "dtype?"}, embedding},
	"EmbeddingBag": {[]string{"num_embeddings", "embedding_dim", "max_norm?", "norm_type?", "scale_grad_by_freq?", "mode?", "sparse?", "_weight?", "include_last_offset?", "padding_idx?", "device?", "dtype?"}, embedding},
	"PReLU": {[]string{"num_parameters?", "init?", "device?", "dtype?"}, func(b *builder, a args) error {
		n, err := a.int("num_parameters", 1)
		if err != nil {
			return err
		}
		b.param("weight", n)
		return b.err
	}},
	"RNN":                rnn("RNN", 1),
	"LSTM":               rnn("LSTM", 4),
	"GRU":                rnn("GRU", 3),
	"RNNCell":            cell(1),
	"LSTMCell":           cell(4),
	"GRUCell":            cell(3),
	"MultiheadAttention": {[]string{"embed_dim", "num_heads", "dropout?", "bias?", "add_bias_kv?", "add_zero_attn?", "kdim?", "vdim?", "batch_first?", "device?", "dtype?"}, attention},
	"TransformerEncoderLayer": {[]string{"d_model", "nhead", "dim_feedforward?", "dropout?", "activation?", "layer_norm_eps?", "batch_first?", "norm_first?", "bias?", "device?", "dtype?"}, func(b *builder, a args) error {
		return transformerLayer(b, a, false)
	}},
	"TransformerDecoderLayer": {[]string{"d_model", "nhead", "dim_feedforward?", "dropout?", "activation?", "layer_norm_eps?", "batch_first?", "norm_first?", "bias?", "device?", "dtype?"}, func(b *builder, a args) error {
		return transformerLayer(b, a, true)
	}},
	"TransformerEncoder": {[]string{"encoder_layer", "num_layers", "norm?", "enable_nested_tensor?", "mask_check?"}, func(b *builder, a args) error {
		return stack(b, a, "encoder_layer")
	}},
	"TransformerDecoder": {[]string{"decoder_layer", "num_layers", "norm?"}, func(b *builder, a args) error {
		return stack(b, a, "decoder_layer")
	}},
	"Transformer": {[]string{"d_model?", "nhead?", "num_encoder_layers?", "num_decoder_layers?", "dim_feedforward?", "dropout?", "activation?", "custom_encoder?", "custom_decoder?", "layer_norm_eps?", "batch_first?", "norm_first?", "bias?", "device?", "dtype?"}, transformer},
}

// plain are torch.nn classes without parameters: activations, dropout,
// pooling, resizing, padding, reshaping, distances and losses.
var plain = []string{
	"ReLU", "ReLU6", "LeakyReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish", "Sigmoid", "Tanh",
	"Hardswish", "Hardsigmoid", "Hardtanh", "Hardshrink", "Softshrink", "Softplus", "Softsign", "Tanhshrink",
	"Threshold", "LogSigmoid", "Softmax", "Softmax2d", "LogSoftmax", "Softmin", "GLU", "RReLU",
	"Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout",
	"MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
	"AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d",
	"LPPool1d", "LPPool2d", "LPPool3d", "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d", "FractionalMaxPool2d", "FractionalMaxPool3d",
	"Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d", "PixelShuffle", "PixelUnshuffle", "ChannelShuffle",
	"Flatten", "Unflatten", "Identity", "Fold", "Unfold",
	"ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
	"ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d",
	"CircularPad1d", "CircularPad2d", "CircularPad3d",
	"LocalResponseNorm", "CrossMapLRN2d", "CosineSimilarity", "PairwiseDistance",
	"CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss", "SmoothL1Loss", "HuberLoss", "KLDivLoss", "CTCLoss",
}

func first(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func bias(b *builder, a args, n int64) {
	if a.bool("bias", true) {
		b.param("bias", n)
	} else {
		b.none("bias")
	}
}

func lazy(b *builder, a args) error {
	return fmt.Errorf("%s: a lazy module's shapes are set by its first forward call, which is not traced yet", a.class)
}

func linear(b *builder, a args) error {
	in, err1 := a.int("in_features", 0)
	out, err2 := a.int("out_features", 0)
	if err := first(err1, err2); err != nil {
		return err
	}
	b.param("weight", out, in)
	bias(b, a, out)
	return b.err
}

// conv is Conv{n}d and ConvTranspose{n}d: weight (out, in/g, *k), or
// (in, out/g, *k) transposed; bias (out).
func conv(n int, transposed bool) layer {
	sig := []string{"in_channels", "out_channels", "kernel_size", "stride?", "padding?", "dilation?", "groups?", "bias?", "padding_mode?", "device?", "dtype?"}
	if transposed {
		sig = []string{"in_channels", "out_channels", "kernel_size", "stride?", "padding?", "output_padding?", "groups?", "bias?", "dilation?", "padding_mode?", "device?", "dtype?"}
	}
	return layer{sig, func(b *builder, a args) error {
		in, err1 := a.int("in_channels", 0)
		out, err2 := a.int("out_channels", 0)
		k, err3 := a.ints("kernel_size", n, 0)
		g, err4 := a.int("groups", 1)
		if err := first(err1, err2, err3, err4); err != nil {
			return err
		}
		if g == 0 {
			return fmt.Errorf("groups must be a positive integer")
		}
		if in%g != 0 {
			return fmt.Errorf("in_channels must be divisible by groups")
		}
		if out%g != 0 {
			return fmt.Errorf("out_channels must be divisible by groups")
		}
		w := []int64{out, in / g}
		if transposed {
			w = []int64{in, out / g}
		}
		b.param("weight", append(w, k...)...)
		bias(b, a, out)
		return b.err
	}}
}

// batchNorm is BatchNorm and InstanceNorm: weight and bias when affine,
// running_mean, running_var and num_batches_tracked when tracking.
func batchNorm(affine, track bool) layer {
	return layer{[]string{"num_features", "eps?", "momentum?", "affine?", "track_running_stats?", "process_group?", "device?", "dtype?"}, func(b *builder, a args) error {
		c, err := a.int("num_features", 0)
		if err != nil {
			return err
		}
		if a.bool("affine", affine) {
			b.param("weight", c)
			b.param("bias", c)
		} else {
			b.none("weight")
			b.none("bias")
		}
		if a.bool("track_running_stats", track) {
			b.buffer("running_mean", c)
			b.buffer("running_var", c)
			b.buffer("num_batches_tracked")
		}
		return b.err
	}}
}

func embedding(b *builder, a args) error {
	v, err1 := a.int("num_embeddings", 0)
	d, err2 := a.int("embedding_dim", 0)
	if err := first(err1, err2); err != nil {
		return err
	}
	b.param("weight", v, d)
	if b.err == nil && a.bool("_freeze", false) {
		w, _ := b.o.Own("weight")
		w.(*Tensor).Grad = false
	}
	return b.err
}

// rnn is RNN, LSTM and GRU: per layer and direction weight_ih_l{k}
// (gates*H, in), weight_hh_l{k} (gates*H, H or proj), bias_ih_l{k},
// bias_hh_l{k} (gates*H), LSTM's weight_hr_l{k} (proj, H); a reverse
// direction's names end in _reverse.
func rnn(class string, gates int64) layer {
	sig := []string{"input_size", "hidden_size", "num_layers?", "bias?", "batch_first?", "dropout?", "bidirectional?", "device?", "dtype?"}
	switch class {
	case "RNN":
		sig = []string{"input_size", "hidden_size", "num_layers?", "nonlinearity?", "bias?", "batch_first?", "dropout?", "bidirectional?", "device?", "dtype?"}
	case "LSTM":
		sig = []string{"input_size", "hidden_size", "num_layers?", "bias?", "batch_first?", "dropout?", "bidirectional?", "proj_size?", "device?", "dtype?"}
	}
	return layer{sig, func(b *builder, a args) error {
		in, err1 := a.int("input_size", 0)
		h, err2 := a.int("hidden_size", 0)
		layers, err3 := a.int("num_layers", 1)
		proj, err4 := a.int("proj_size", 0)
		if err := first(err1, err2, err3, err4); err != nil {
			return err
		}
		if layers < 1 || layers > 1000 {
			return fmt.Errorf("num_layers=%d: it must be between 1 and 1000 here", layers)
		}
		if proj >= h && proj > 0 {
			return fmt.Errorf("proj_size has to be smaller than hidden_size")
		}
		dirs := int64(1)
		if a.bool("bidirectional", false) {
			dirs = 2
		}
		real := h
		if proj > 0 {
			real = proj
		}
		hasBias := a.bool("bias", true)
		for l := int64(0); l < layers; l++ {
			li := in
			if l > 0 {
				li = real * dirs
			}
			for d := int64(0); d < dirs; d++ {
				sfx := fmt.Sprintf("_l%d", l)
				if d == 1 {
					sfx += "_reverse"
				}
				b.param("weight_ih"+sfx, gates*h, li)
				b.param("weight_hh"+sfx, gates*h, real)
				if hasBias {
					b.param("bias_ih"+sfx, gates*h)
					b.param("bias_hh"+sfx, gates*h)
				}
				if proj > 0 {
					b.param("weight_hr"+sfx, proj, h)
				}
			}
		}
		return b.err
	}}
}

func cell(gates int64) layer {
	return layer{[]string{"input_size", "hidden_size", "bias?", "nonlinearity?", "device?", "dtype?"}, func(b *builder, a args) error {
		in, err1 := a.int("input_size", 0)
		h, err2 := a.int("hidden_size", 0)
		if err := first(err1, err2); err != nil {
			return err
		}
		b.param("weight_ih", gates*h, in)
		b.param("weight_hh", gates*h, h)
		if a.bool("bias", true) {
			b.param("bias_ih", gates*h)
			b.param("bias_hh", gates*h)
		} else {
			b.none("bias_ih")
			b.none("bias_hh")
		}
		return b.err
	}}
}

// attention is nn.MultiheadAttention: in_proj_weight (3E, E), or
// q/k/v_proj_weight when kdim or vdim differ from E; in_proj_bias (3E);
// out_proj, a NonDynamicallyQuantizableLinear(E, E); bias_k and bias_v
// (1, 1, E) with add_bias_kv.
func attention(b *builder, a args) error {
	e, err1 := a.int("embed_dim", 0)
	h, err2 := a.int("num_heads", 0)
	kd, err3 := a.int("kdim", e)
	vd, err4 := a.int("vdim", e)
	if err := first(err1, err2, err3, err4); err != nil {
		return err
	}
	if h == 0 || e%h != 0 {
		return fmt.Errorf("embed_dim must be divisible by num_heads")
	}
	if kd == e && vd == e {
		b.param("in_proj_weight", 3*e, e)
		b.none("q_proj_weight")
		b.none("k_proj_weight")
		b.none("v_proj_weight")
	} else {
		b.param("q_proj_weight", e, e)
		b.param("k_proj_weight", e, kd)
		b.param("v_proj_weight", e, vd)
		b.none("in_proj_weight")
	}
	hasBias := a.bool("bias", true)
	if hasBias {
		b.param("in_proj_bias", 3*e)
	} else {
		b.none("in_proj_bias")
	}
	b.child("out_proj", "NonDynamicallyQuantizableLinear", starlark.Tuple{num(e), num(e)}, kv("bias", starlark.Bool(hasBias)))
	if a.bool("add_bias_kv", false) {
		b.param("bias_k", 1, 1, e)
		b.param("bias_v", 1, 1, e)
	} else {
		b.none("bias_k")
		b.none("bias_v")
	}
	return b.err
}

// transformerLayer is TransformerEncoderLayer (decoder: with
// multihead_attn, norm3 and dropout3), its children in PyTorch's order.
func transformerLayer(b *builder, a args, decoder bool) error {
	d, err1 := a.int("d_model", 0)
	h, err2 := a.int("nhead", 0)
	ff, err3 := a.int("dim_feedforward", 2048)
	if err := first(err1, err2, err3); err != nil {
		return err
	}
	hasBias := starlark.Bool(a.bool("bias", true))
	eps := kv("eps", starlark.Float(1e-5))
	if a.has("layer_norm_eps") {
		eps = kv("eps", a.v["layer_norm_eps"])
	}
	mha := starlark.Tuple{num(d), num(h)}
	b.child("self_attn", "MultiheadAttention", mha, kv("bias", hasBias))
	if decoder {
		b.child("multihead_attn", "MultiheadAttention", mha, kv("bias", hasBias))
	}
	b.child("linear1", "Linear", starlark.Tuple{num(d), num(ff)}, kv("bias", hasBias))
	b.child("dropout", "Dropout", nil)
	b.child("linear2", "Linear", starlark.Tuple{num(ff), num(d)}, kv("bias", hasBias))
	norms, drops := []string{"norm1", "norm2"}, []string{"dropout1", "dropout2"}
	if decoder {
		norms, drops = append(norms, "norm3"), append(drops, "dropout3")
	}
	for _, n := range norms {
		b.child(n, "LayerNorm", starlark.Tuple{num(d)}, eps, kv("bias", hasBias))
	}
	for _, n := range drops {
		b.child(n, "Dropout", nil)
	}
	if act, ok := b.t.isModule(a.v["activation"]); ok && b.err == nil {
		b.err = b.o.SetField("activation", act)
	}
	return b.err
}

// stack is TransformerEncoder/Decoder: layers, a ModuleList of
// num_layers deep copies of the layer given, and norm.
func stack(b *builder, a args, layerArg string) error {
	n, err := a.int("num_layers", 0)
	if err != nil {
		return err
	}
	if n > 10000 {
		return fmt.Errorf("num_layers=%d is more than the 10000 layers allowed here", n)
	}
	l, ok := b.t.isModule(a.v[layerArg])
	if !ok {
		return fmt.Errorf("%s: %s must be an nn.Module, not %s", a.class, layerArg, a.v[layerArg].Type())
	}
	copies := make([]starlark.Value, 0, n)
	for i := int64(0); i < n; i++ {
		c, err := b.t.deepcopy(b.th, l)
		if err != nil {
			return err
		}
		copies = append(copies, c)
	}
	b.child("layers", "ModuleList", starlark.Tuple{starlark.NewList(copies)})
	if norm, ok := b.t.isModule(a.v["norm"]); ok && b.err == nil {
		b.err = b.o.SetField("norm", norm)
	} else if b.err == nil {
		b.o.Store("norm", starlark.None)
	}
	return b.err
}

// transformer is nn.Transformer: an encoder and a decoder of the layers
// its arguments describe, each with a final LayerNorm.
func transformer(b *builder, a args) error {
	d, err1 := a.int("d_model", 512)
	h, err2 := a.int("nhead", 8)
	ne, err3 := a.int("num_encoder_layers", 6)
	nd, err4 := a.int("num_decoder_layers", 6)
	ff, err5 := a.int("dim_feedforward", 2048)
	if err := first(err1, err2, err3, err4, err5); err != nil {
		return err
	}
	hasBias := kv("bias", starlark.Bool(a.bool("bias", true)))
	mk := func(class string, args starlark.Tuple, kw ...starlark.Tuple) starlark.Value {
		if b.err != nil {
			return starlark.None
		}
		v, err := starlark.Call(b.th, b.t.classes[class], args, kw)
		b.err = err
		return v
	}
	for _, part := range []struct {
		name, custom, layer, stack string
		n                          int64
	}{
		{"encoder", "custom_encoder", "TransformerEncoderLayer", "TransformerEncoder", ne},
		{"decoder", "custom_decoder", "TransformerDecoderLayer", "TransformerDecoder", nd},
	} {
		if c, ok := b.t.isModule(a.v[part.custom]); ok {
			if b.err == nil {
				b.err = b.o.SetField(part.name, c)
			}
			continue
		}
		l := mk(part.layer, starlark.Tuple{num(d), num(h), num(ff)}, hasBias)
		norm := mk("LayerNorm", starlark.Tuple{num(d)}, hasBias)
		s := mk(part.stack, starlark.Tuple{l, num(part.n), norm})
		if b.err == nil {
			b.err = b.o.SetField(part.name, s)
		}
	}
	return b.err
}

package torchcode

import (
	"fmt"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
)

// The forwards of the recurrent layers, attention and the Transformer
// classes (torch/nn/modules/rnn.py, activation.py, transformer.py):
// shapes as PyTorch gives them; FLOPs 2 per multiply-add of their
// matrix products, biases excluded, as FlopCounterMode counts the mm and
// bmm calls they decompose into.

// argOf is forward's argument at position i or keyword name, nil when absent.
func argOf(a starlark.Tuple, kw []starlark.Tuple, i int, name string) starlark.Value {
	for _, x := range kw {
		if k, _ := starlark.AsString(x[0]); k == name {
			return x[1]
		}
	}
	if i >= 0 && i < len(a) {
		return a[i]
	}
	return nil
}

func rnnFwd(gates int64) fwdFunc {
	return func(c *fcall, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		kind := stateOf(c.o).kind
		x, ar, err := c.start(a, kw, kind)
		if err != nil {
			return nil, err
		}
		in, err1 := ar.int("input_size", 0)
		h, err2 := ar.int("hidden_size", 0)
		layers, err3 := ar.int("num_layers", 1)
		proj, err4 := ar.int("proj_size", 0)
		if err := first(err1, err2, err3, err4); err != nil {
			return nil, c.fail("%v", err)
		}
		dirs := int64(1)
		if ar.bool("bidirectional", false) {
			dirs = 2
		}
		hout := h
		if proj > 0 {
			hout = proj
		}
		lstm := gates == 4
		nOut := 2
		if lstm {
			nOut = 3
		}
		if !x.Known {
			outs, err := c.unknownIn(x, nOut)
			if err != nil {
				return nil, err
			}
			if lstm {
				return starlark.Tuple{outs[0], starlark.Tuple{outs[1], outs[2]}}, nil
			}
			return starlark.Tuple{outs[0], outs[1]}, nil
		}
		if len(x.Shape) != 2 && len(x.Shape) != 3 {
			return nil, c.fail("input has shape %s: %s takes (seq, batch, features), (batch, seq, features) with batch_first, or (seq, features)", shapeText(x.Shape), modName(c))
		}
		if f := x.Shape[len(x.Shape)-1]; f != in {
			return nil, c.fail("input has %d features%s, input_size is %d — %s(%d, %d) would fit", f, how(x), in, modName(c), f, h)
		}
		var t, n int64 = x.Shape[0], 1
		var out, hn, cn []int64
		switch {
		case len(x.Shape) == 2:
			out = []int64{t, dirs * hout}
			hn, cn = []int64{dirs * layers, hout}, []int64{dirs * layers, h}
		case ar.bool("batch_first", false):
			n, t = x.Shape[0], x.Shape[1]
			out = []int64{n, t, dirs * hout}
			hn, cn = []int64{dirs * layers, n, hout}, []int64{dirs * layers, n, h}
		default:
			n = x.Shape[1]
			out = []int64{t, n, dirs * hout}
			hn, cn = []int64{dirs * layers, n, hout}, []int64{dirs * layers, n, h}
		}
		var terms []calc.Expr
		for l := int64(0); l < layers; l++ {
			li := in
			if l > 0 {
				li = hout * dirs
			}
			per := calc.Add(calc.Mul(calc.N(li), calc.N(gates*h)), calc.Mul(calc.N(hout), calc.N(gates*h)))
			if proj > 0 {
				per = calc.Add(per, calc.Mul(calc.N(h), calc.N(proj)))
			}
			terms = append(terms, per)
		}
		fl := []calc.Expr{calc.N(2), calc.N(dirs), calc.Paren(calc.Add(terms...)), calc.N(t)}
		if n >= 0 {
			fl = append(fl, calc.N(n))
		}
		f := &fixed{outs: []graph.Shape{gshape(out), gshape(hn)}, flops: calc.Mul(fl...),
			why: fmt.Sprintf("%d steps of %d, %d directions of %d layers", t, hout, dirs, layers)}
		if lstm {
			f.outs = append(f.outs, gshape(cn))
		}
		outs, err := c.row(f, []*Tensor{x}, len(f.outs))
		if err != nil {
			return nil, err
		}
		if lstm {
			return starlark.Tuple{outs[0], starlark.Tuple{outs[1], outs[2]}}, nil
		}
		return starlark.Tuple{outs[0], outs[1]}, nil
	}
}

func cellFwd(gates int64) fwdFunc {
	return func(c *fcall, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		kind := stateOf(c.o).kind
		x, ar, err := c.start(a, kw, kind)
		if err != nil {
			return nil, err
		}
		in, err1 := ar.int("input_size", 0)
		h, err2 := ar.int("hidden_size", 0)
		if err := first(err1, err2); err != nil {
			return nil, c.fail("%v", err)
		}
		nOut := 1
		if gates == 4 {
			nOut = 2
		}
		if !x.Known {
			outs, err := c.unknownIn(x, nOut)
			if err != nil {
				return nil, err
			}
			if nOut == 2 {
				return starlark.Tuple{outs[0], outs[1]}, nil
			}
			return outs[0], nil
		}
		if len(x.Shape) != 1 && len(x.Shape) != 2 {
			return nil, c.fail("input has shape %s: %s takes (batch, features) or (features)", shapeText(x.Shape), modName(c))
		}
		if f := x.Shape[len(x.Shape)-1]; f != in {
			return nil, c.fail("input has %d features%s, input_size is %d — %s(%d, %d) would fit", f, how(x), in, modName(c), f, h)
		}
		out := []int64{h}
		fl := []calc.Expr{calc.N(2), calc.Paren(calc.Add(calc.N(in), calc.N(h))), calc.N(gates * h)}
		if len(x.Shape) == 2 {
			out = []int64{x.Shape[0], h}
			if x.Shape[0] >= 0 {
				fl = append(fl, calc.N(x.Shape[0]))
			}
		}
		f := &fixed{outs: []graph.Shape{gshape(out)}, flops: calc.Mul(fl...), why: fmt.Sprintf("%d hidden units", h)}
		if nOut == 2 {
			f.outs = append(f.outs, gshape(out))
		}
		outs, err := c.row(f, []*Tensor{x}, nOut)
		if err != nil {
			return nil, err
		}
		if nOut == 2 {
			return starlark.Tuple{outs[0], outs[1]}, nil
		}
		return outs[0], nil
	}
}

// child is the module's child name, nil when it has none.
func (c *fcall) child(name string) starlark.Value {
	for _, s := range stateOf(c.o).children {
		if s.name == name && s.val != starlark.None {
			return s.val
		}
	}
	return nil
}

func attentionFwd(c *fcall, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	ar, err := c.ctor("MultiheadAttention")
	if err != nil {
		return nil, err
	}
	e, err1 := ar.int("embed_dim", 0)
	heads, err2 := ar.int("num_heads", 1)
	kd, err3 := ar.int("kdim", e)
	vd, err4 := ar.int("vdim", e)
	if err := first(err1, err2, err3, err4); err != nil {
		return nil, c.fail("%v", err)
	}
	var qkv [3]*Tensor
	for i, name := range []string{"query", "key", "value"} {
		x, ok := argOf(a, kw, i, name).(*Tensor)
		if !ok {
			return nil, c.fail("forward() needs the %s tensor", name)
		}
		qkv[i] = x
	}
	q, k, v := qkv[0], qkv[1], qkv[2]
	need := true
	if w := argOf(a, kw, 4, "need_weights"); w != nil {
		need = bool(w.Truth())
	}
	avg := true
	if w := argOf(a, kw, 6, "average_attn_weights"); w != nil {
		avg = bool(w.Truth())
	}
	// out_proj is applied to its weights functionally (it is not called).
	owned := []*graph.Value{}
	if m, ok := c.tr.t.isModule(c.child("out_proj")); ok {
		c.tr.called[m] = true
		if owned, err = c.tr.owned(m, c.path+".out_proj"); err != nil {
			return nil, err
		}
	}
	if !q.Known || !k.Known || !v.Known {
		outs, err := c.rowWith(unknownOp{"an input's shape is unknown"}, []*Tensor{q, k, v}, owned, 1)
		if err != nil {
			return nil, err
		}
		return starlark.Tuple{outs[0], starlark.None}, nil
	}
	if len(q.Shape) != 2 && len(q.Shape) != 3 || len(k.Shape) != len(q.Shape) || len(v.Shape) != len(q.Shape) {
		return nil, c.fail("query, key and value have shapes %s, %s, %s: all (seq, batch, embed), (batch, seq, embed) with batch_first, or (seq, embed)", shapeText(q.Shape), shapeText(k.Shape), shapeText(v.Shape))
	}
	last := func(x *Tensor) int64 { return x.Shape[len(x.Shape)-1] }
	if last(q) != e {
		return nil, c.fail("query has %d features, embed_dim is %d — nn.MultiheadAttention(%d, %d) would fit", last(q), e, last(q), heads)
	}
	if last(k) != kd || last(v) != vd {
		return nil, c.fail("key and value have %d and %d features, kdim and vdim are %d and %d", last(k), last(v), kd, vd)
	}
	var n, l, s int64 = 1, q.Shape[0], k.Shape[0]
	bf := ar.bool("batch_first", false)
	if len(q.Shape) == 3 {
		if bf {
			n, l, s = q.Shape[0], q.Shape[1], k.Shape[1]
		} else {
			n, s = q.Shape[1], k.Shape[0]
		}
	}
	// q, k, v projections, Q·Kᵀ, weights·V, the output projection.
	per := calc.Add(calc.Mul(calc.N(l), calc.N(e), calc.N(e)), calc.Mul(calc.N(s), calc.N(kd), calc.N(e)), calc.Mul(calc.N(s), calc.N(vd), calc.N(e)),
		calc.Mul(calc.N(2), calc.N(l), calc.N(s), calc.N(e)), calc.Mul(calc.N(l), calc.N(e), calc.N(e)))
	fl := []calc.Expr{calc.N(2), calc.Paren(per)}
	if n >= 0 && len(q.Shape) == 3 {
		fl = append(fl, calc.N(n))
	}
	f := &fixed{outs: []graph.Shape{gshape(q.Shape)}, flops: calc.Mul(fl...), why: fmt.Sprintf("%d heads over %d queries and %d keys", heads, l, s)}
	if need {
		w := []int64{l, s}
		if !avg {
			w = []int64{heads, l, s}
		}
		if len(q.Shape) == 3 {
			w = append([]int64{n}, w...)
		}
		f.outs = append(f.outs, gshape(w))
	}
	outs, err := c.rowWith(f, []*Tensor{q, k, v}, owned, len(f.outs))
	if err != nil {
		return nil, err
	}
	if need {
		return starlark.Tuple{outs[0], outs[1]}, nil
	}
	return starlark.Tuple{outs[0], starlark.None}, nil
}

// rowWith is row with more tensors as parameters (a child's, applied
// functionally).
func (c *fcall) rowWith(inner graph.Op, ins []*Tensor, more []*graph.Value, nOut int) ([]*Tensor, error) {
	owned, err := c.tr.owned(c.o, c.path)
	if err != nil {
		return nil, err
	}
	owned = append(owned, more...)
	n, err := c.tr.node(c.name(), c.o.Class.Name(), c.pos, inner, ins, owned, nOut)
	if err != nil {
		if c.tr.fail != nil {
			return nil, c.tr.fail
		}
		return nil, c.fail("%v", err)
	}
	c.tr.calls = append(c.tr.calls, traceCall{c.path, c.o.Class.Name(), n})
	return c.tr.outputs(n), nil
}

// sub calls child name of the module on args; a missing child passes
// the first argument through.
func (c *fcall) sub(name string, a starlark.Tuple, kw ...starlark.Tuple) (starlark.Value, error) {
	m := c.child(name)
	if m == nil {
		return a[0], nil
	}
	return starlark.Call(c.th, m, a, kw)
}

// first0 is element 0 of an attention's (output, weights).
func first0(v starlark.Value) starlark.Value {
	if t, ok := v.(starlark.Tuple); ok && len(t) > 0 {
		return t[0]
	}
	return v
}

func add(x, y starlark.Value) (starlark.Value, error) {
	return starlark.Binary(syntax.PLUS, x, y)
}

// activation is a Transformer layer's activation: its module when it is
// one (a row), else a function (relu, gelu) that keeps the shape.
func (c *fcall) activation(x starlark.Value) (starlark.Value, error) {
	if m := c.child("activation"); m != nil {
		return starlark.Call(c.th, m, starlark.Tuple{x}, nil)
	}
	return x, nil
}

func noWeights() starlark.Tuple {
	return starlark.Tuple{starlark.String("need_weights"), starlark.False}
}

func mask(name string, v starlark.Value) []starlark.Tuple {
	if v == nil || v == starlark.None {
		return nil
	}
	return []starlark.Tuple{{starlark.String(name), v}}
}

func encoderLayerFwd(c *fcall, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	x := argOf(a, kw, 0, "src")
	if x == nil {
		return nil, c.fail("forward() needs src")
	}
	ar, err := c.ctor("TransformerEncoderLayer")
	if err != nil {
		return nil, err
	}
	m := argOf(a, kw, 1, "src_mask")
	kp := argOf(a, kw, 2, "src_key_padding_mask")
	sa := func(x starlark.Value) (starlark.Value, error) {
		akw := append(append(mask("attn_mask", m), mask("key_padding_mask", kp)...), noWeights())
		y, err := c.sub("self_attn", starlark.Tuple{x, x, x}, akw...)
		if err != nil {
			return nil, err
		}
		return c.sub("dropout1", starlark.Tuple{first0(y)})
	}
	ff := c.feedForward("dropout2")
	return residual(c, x, ar.bool("norm_first", false), []string{"norm1", "norm2"}, sa, ff)
}

// residual is a Transformer layer's blocks: x + block(norm(x)) each with
// norm_first, else norm(x + block(x)).
// feedForward is a Transformer layer's feed-forward block: linear1, the
// activation, dropout, linear2, then the dropout named last.
func (c *fcall) feedForward(last string) func(starlark.Value) (starlark.Value, error) {
	return func(x starlark.Value) (starlark.Value, error) {
		y, err := c.sub("linear1", starlark.Tuple{x})
		if err == nil {
			y, err = c.activation(y)
		}
		if err == nil {
			y, err = c.sub("dropout", starlark.Tuple{y})
		}
		if err == nil {
			y, err = c.sub("linear2", starlark.Tuple{y})
		}
		if err == nil {
			y, err = c.sub(last, starlark.Tuple{y})
		}
		return y, err
	}
}

func residual(c *fcall, x starlark.Value, normFirst bool, norms []string, blocks ...func(starlark.Value) (starlark.Value, error)) (starlark.Value, error) {
	for i, blk := range blocks {
		if normFirst {
			y, err := c.sub(norms[i], starlark.Tuple{x})
			if err != nil {
				return nil, err
			}
			if y, err = blk(y); err != nil {
				return nil, err
			}
			if x, err = add(x, y); err != nil {
				return nil, err
			}
			continue
		}
		y, err := blk(x)
		if err != nil {
			return nil, err
		}
		if y, err = add(x, y); err != nil {
			return nil, err
		}
		if x, err = c.sub(norms[i], starlark.Tuple{y}); err != nil {
			return nil, err
		}
	}
	return x, nil
}

func decoderLayerFwd(c *fcall, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	x := argOf(a, kw, 0, "tgt")
	mem := argOf(a, kw, 1, "memory")
	if x == nil || mem == nil {
		return nil, c.fail("forward() needs tgt and memory")
	}
	ar, err := c.ctor("TransformerDecoderLayer")
	if err != nil {
		return nil, err
	}
	tm := argOf(a, kw, 2, "tgt_mask")
	mm := argOf(a, kw, 3, "memory_mask")
	sa := func(x starlark.Value) (starlark.Value, error) {
		y, err := c.sub("self_attn", starlark.Tuple{x, x, x}, append(mask("attn_mask", tm), noWeights())...)
		if err != nil {
			return nil, err
		}
		return c.sub("dropout1", starlark.Tuple{first0(y)})
	}
	ca := func(x starlark.Value) (starlark.Value, error) {
		y, err := c.sub("multihead_attn", starlark.Tuple{x, mem, mem}, append(mask("attn_mask", mm), noWeights())...)
		if err != nil {
			return nil, err
		}
		return c.sub("dropout2", starlark.Tuple{first0(y)})
	}
	ff := c.feedForward("dropout3")
	return residual(c, x, ar.bool("norm_first", false), []string{"norm1", "norm2", "norm3"}, sa, ca, ff)
}

func stackFwd(decoder bool) fwdFunc {
	return func(c *fcall, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		x := argOf(a, kw, 0, "src")
		if decoder {
			x = argOf(a, kw, 0, "tgt")
		}
		if x == nil {
			return nil, c.fail("forward() needs its input")
		}
		var mem starlark.Value
		var more []starlark.Tuple
		if decoder {
			if mem = argOf(a, kw, 1, "memory"); mem == nil {
				return nil, c.fail("forward() needs memory")
			}
			more = append(mask("tgt_mask", argOf(a, kw, 2, "tgt_mask")), mask("memory_mask", argOf(a, kw, 3, "memory_mask"))...)
		} else {
			more = append(mask("src_mask", argOf(a, kw, 1, "mask")), mask("src_key_padding_mask", argOf(a, kw, 2, "src_key_padding_mask"))...)
		}
		if ls, ok := c.tr.t.isModule(c.child("layers")); ok {
			for _, s := range stateOf(ls).children {
				if s.val == starlark.None {
					continue
				}
				args := starlark.Tuple{x}
				if decoder {
					args = append(args, mem)
				}
				var err error
				if x, err = starlark.Call(c.th, s.val, args, more); err != nil {
					return nil, err
				}
			}
		}
		return c.sub("norm", starlark.Tuple{x})
	}
}

func transformerFwd(c *fcall, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	src, tgt := argOf(a, kw, 0, "src"), argOf(a, kw, 1, "tgt")
	if src == nil || tgt == nil {
		return nil, c.fail("forward() needs src and tgt")
	}
	mem, err := c.sub("encoder", starlark.Tuple{src}, mask("mask", argOf(a, kw, 2, "src_mask"))...)
	if err != nil {
		return nil, err
	}
	more := append(mask("tgt_mask", argOf(a, kw, 3, "tgt_mask")), mask("memory_mask", argOf(a, kw, 4, "memory_mask"))...)
	return c.sub("decoder", starlark.Tuple{tgt, mem}, more...)
}

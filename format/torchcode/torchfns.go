package torchcode

import (
	"fmt"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/internal/pyhost"
	"github.com/layerinfo/layerinfo/op"
	"github.com/layerinfo/layerinfo/op/tensor"
)

// torch.* and torch.nn.functional.* on tensors. A functional call that
// does work (an activation, pooling, a matrix product, F.linear) is a
// row of its own while forward is traced; shape-only functions (cat,
// stack, flatten, reshape) are not.

// fnCall applies inner to ins: a row named fn in the trace, or (outside
// one: a constructor's arithmetic) on a node of its own.
func fnCall(th *starlark.Thread, fn string, inner graph.Op, ins []*Tensor, nOut int) ([]*Tensor, error) {
	var tr *tracer
	for _, x := range ins {
		if x.tr != nil {
			tr = x.tr
		}
	}
	if tr == nil {
		tr = tracing(th)
	}
	if tr != nil && tr.g != nil {
		// Tensors that are a module's parameters count as parameters.
		var owned []*graph.Value
		for _, x := range ins {
			if x.Param {
				if v := tr.tensorParam(x); v != nil {
					owned = append(owned, v)
				}
			}
		}
		return tr.functional(th, fn, inner, ins, owned, nOut)
	}
	out, _, err := detached(fn, inner, ins, nOut)
	return out, err
}

// detached applies inner to ins on a node of no graph: the outputs and
// the FLOPs.
func detached(fn string, inner graph.Op, ins []*Tensor, nOut int) ([]*Tensor, calc.Expr, error) {
	n := &graph.Node{Name: fn, Type: fn, Op: &traced{inner: inner}}
	for _, x := range ins {
		n.Op.(*traced).ins = append(n.Op.(*traced).ins, value(x))
	}
	for i := 0; i < nOut; i++ {
		n.Outputs = append(n.Outputs, &graph.Value{Name: fn, Producer: n})
	}
	if err := infer.Node(n); err != nil {
		return nil, calc.Expr{}, fmt.Errorf("%s: %v", fn, err)
	}
	out := make([]*Tensor, nOut)
	for i, v := range n.Outputs {
		x := &Tensor{Desc: fn + "(…)", DType: v.DType}
		if v.Shape != nil {
			x.Shape, x.Known = dims(v.Shape), true
		}
		out[i] = x
	}
	return out, n.FLOPs, nil
}

func oneT(outs []*Tensor, err error) (starlark.Value, error) {
	if err != nil {
		return nil, err
	}
	return outs[0], nil
}

// tensorArg is argument i (or name) as a tensor.
func tensorArg(fn string, a starlark.Tuple, kw []starlark.Tuple, i int, name string) (*Tensor, error) {
	v := argOf(a, kw, i, name)
	x, ok := v.(*Tensor)
	if !ok {
		if v == nil {
			return nil, fmt.Errorf("%s() missing argument '%s'", fn, name)
		}
		return nil, fmt.Errorf("%s(): argument '%s' must be a Tensor, not %s", fn, name, v.Type())
	}
	return x, nil
}

// bindF binds a functional's arguments to its signature, the tensor
// first.
func bindF(fn string, sig []string, a starlark.Tuple, kw []starlark.Tuple) (args, error) {
	return bindArgs(fn, sig, a, kw)
}

type torchFn func(th *starlark.Thread, fn string, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error)

// activation is F.relu(x) and its kind: a row of the input's shape.
func activation(th *starlark.Thread, fn string, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	x, err := tensorArg(fn, a, kw, 0, "input")
	if err != nil {
		return nil, err
	}
	if !x.Known {
		return unknownFrom(fn+"(…)", x), nil
	}
	if strings.HasSuffix(fn, "glu") {
		d := argOf(a, kw, 1, "dim")
		if d == nil {
			d = starlark.MakeInt(-1)
		}
		i, err := axis(d, len(x.Shape))
		if err != nil {
			return nil, err
		}
		s := append([]int64{}, x.Shape...)
		if s[i]%2 != 0 {
			return nil, x.fail(th, fmt.Sprintf("%s: halving dimension must be even, but dimension %d is size %d", fn, i, s[i]))
		}
		s[i] /= 2
		return oneT(fnCall(th, fn, &fixed{outs: []graph.Shape{gshape(s)}, why: "halved"}, []*Tensor{x}, 1))
	}
	return oneT(fnCall(th, fn, op.Identity{}, []*Tensor{x}, 1))
}

var poolSigs = map[string][]string{
	"max": {"input", "kernel_size", "stride?", "padding?", "dilation?", "ceil_mode?", "return_indices?"},
	"avg": {"input", "kernel_size", "stride?", "padding?", "ceil_mode?", "count_include_pad?", "divisor_override?"},
}

func poolF(nd int, mode string) torchFn {
	return func(th *starlark.Thread, fn string, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		x, err := tensorArg(fn, a, kw, 0, "input")
		if err != nil {
			return nil, err
		}
		ar, err := bindF(fn, poolSigs[mode], a, kw)
		if err != nil {
			return nil, err
		}
		m := "max"
		if mode == "avg" {
			m = "average"
		}
		p, err := poolOp(nd, m, ar)
		if err != nil {
			return nil, x.fail(th, fn+": "+err.Error())
		}
		if !x.Known {
			return unknownFrom(fn+"(…)", x), nil
		}
		if len(x.Shape) != nd+2 {
			return nil, x.fail(th, fmt.Sprintf("%s: input has shape %s, (batch, channels, %s) expected", fn, shapeText(x.Shape), spatialNames(nd)))
		}
		outs, err := fnCall(th, fn, p, []*Tensor{x}, 1)
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

func adaptiveF(nd int, mode string) torchFn {
	return func(th *starlark.Thread, fn string, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		x, err := tensorArg(fn, a, kw, 0, "input")
		if err != nil {
			return nil, err
		}
		size := argOf(a, kw, 1, "output_size")
		if size == nil {
			return nil, fmt.Errorf("%s() missing argument 'output_size'", fn)
		}
		outs, err := adaptive(x.tr, th, nd, mode, x, size, func(inner graph.Op) ([]*Tensor, error) {
			return fnCall(th, fn, inner, []*Tensor{x}, 1)
		}, func(format string, args ...any) error { return x.fail(th, fn+": "+fmt.Sprintf(format, args...)) })
		if err != nil {
			return nil, err
		}
		if r := argOf(a, kw, 2, "return_indices"); r != nil && bool(r.Truth()) {
			idx := *outs[0]
			idx.DType = graph.Int64
			return starlark.Tuple{outs[0], &idx}, nil
		}
		return outs[0], nil
	}
}

func interpolateF(th *starlark.Thread, fn string, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	x, err := tensorArg(fn, a, kw, 0, "input")
	if err != nil {
		return nil, err
	}
	if !x.Known {
		return unknownFrom(fn+"(…)", x), nil
	}
	out, why, err := resized(x, argOf(a, kw, 1, "size"), argOf(a, kw, 2, "scale_factor"))
	if err != nil {
		return nil, x.fail(th, fn+": "+err.Error())
	}
	return oneT(fnCall(th, fn, &fixed{outs: []graph.Shape{gshape(out)}, why: why}, []*Tensor{x}, 1))
}

func padF(th *starlark.Thread, fn string, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	x, err := tensorArg(fn, a, kw, 0, "input")
	if err != nil {
		return nil, err
	}
	p, ok, err := sizeArgsSigned(starlark.Tuple{argOf(a, kw, 1, "pad")})
	if err != nil || !ok {
		p2, ok2 := intsSigned(argOf(a, kw, 1, "pad"))
		if !ok2 {
			return unknownFrom(fn+"(…)", x), nil
		}
		p = p2
	}
	if !x.Known {
		return unknownFrom(fn+"(…)", x), nil
	}
	out, err := padded(x.Shape, p)
	if err != nil {
		return nil, x.fail(th, fn+": "+err.Error())
	}
	return oneT(fnCall(th, fn, &fixed{outs: []graph.Shape{gshape(out)}, why: "padded by " + shapeText(p) + " (pairs from the last axis)"}, []*Tensor{x}, 1))
}

// intsSigned reads a tuple or list of ints that may be negative.
func intsSigned(v starlark.Value) ([]int64, bool) {
	var items []starlark.Value
	switch x := v.(type) {
	case starlark.Tuple:
		items = x
	case *starlark.List:
		for i := 0; i < x.Len(); i++ {
			items = append(items, x.Index(i))
		}
	default:
		return nil, false
	}
	var out []int64
	for _, it := range items {
		i, err := starlark.AsInt32(it)
		if err != nil {
			return nil, false
		}
		out = append(out, int64(i))
	}
	return out, true
}

// tensorPair reads the first two tensor arguments of fn, named first and
// second when given by keyword.
func tensorPair(fn string, a starlark.Tuple, kw []starlark.Tuple, first, second string) (*Tensor, *Tensor, error) {
	x, err := tensorArg(fn, a, kw, 0, first)
	if err != nil {
		return nil, nil, err
	}
	y, err := tensorArg(fn, a, kw, 1, second)
	if err != nil {
		return nil, nil, err
	}
	return x, y, nil
}

func linearF(th *starlark.Thread, fn string, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	x, w, err := tensorPair(fn, a, kw, "input", "weight")
	if err != nil {
		return nil, err
	}
	ins := []*Tensor{x, w}
	if b, ok := argOf(a, kw, 2, "bias").(*Tensor); ok {
		ins = append(ins, b)
	}
	if !x.Known || !w.Known || len(w.Shape) != 2 || len(x.Shape) == 0 {
		return unknownFrom(fn+"(…)", x), nil
	}
	in, out := w.Shape[1], w.Shape[0]
	if f := x.Shape[len(x.Shape)-1]; f != in {
		return nil, x.fail(th, fmt.Sprintf("%s: input has %d features%s, the weight takes %d (weight %s)", fn, f, how(x), in, shapeText(w.Shape)))
	}
	s := append(append([]int64{}, x.Shape[:len(x.Shape)-1]...), out)
	return oneT(fnCall(th, fn, &fixed{outs: []graph.Shape{gshape(s)}, flops: product(append(x.Shape[:len(x.Shape)-1:len(x.Shape)-1], in, out)...),
		why: fmt.Sprintf("%d features mapped to %d", in, out)}, ins, 1))
}

func convF(nd int) torchFn {
	return func(th *starlark.Thread, fn string, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		ar, err := bindF(fn, []string{"input", "weight", "bias?", "stride?", "padding?", "dilation?", "groups?"}, a, kw)
		if err != nil {
			return nil, err
		}
		x, ok1 := ar.v["input"].(*Tensor)
		w, ok2 := ar.v["weight"].(*Tensor)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("%s() takes tensors", fn)
		}
		ins := []*Tensor{x, w}
		b, hasB := ar.v["bias"].(*Tensor)
		if hasB {
			ins = append(ins, b)
		}
		if !x.Known || !w.Known || len(w.Shape) != nd+2 {
			return unknownFrom(fn+"(…)", x), nil
		}
		s, err1 := ar.ints("stride", nd, 1)
		d, err2 := ar.ints("dilation", nd, 1)
		g, err3 := ar.int("groups", 1)
		if err := first(err1, err2, err3); err != nil {
			return nil, err
		}
		cv := &op.Conv{Filters: w.Shape[0], Kernel: w.Shape[2:], Stride: s, Dilation: d, Groups: g, WeightsGiven: true, InChannels: w.Shape[1] * max(g, 1)}
		if pv, ok := ar.v["padding"]; ok {
			if str, isStr := starlark.AsString(pv); isStr {
				cv.Pad = op.Padding{Mode: map[string]op.PadMode{"same": op.PadSameEnd, "valid": op.PadValid}[str]}
			} else if p, err := ar.ints("padding", nd, 0); err == nil {
				cv.Pad = op.Pad(p...)
			}
		}
		if len(x.Shape) != nd+2 || x.Shape[1] != w.Shape[1]*max(g, 1) {
			return nil, x.fail(th, fmt.Sprintf("%s: input has shape %s, the weight %s expects %d input channels", fn, shapeText(x.Shape), shapeText(w.Shape), w.Shape[1]*max(g, 1)))
		}
		return oneT(fnCall(th, fn, cv, ins, 1))
	}
}

func matmulF(th *starlark.Thread, fn string, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	x, err := tensorArg(fn, a, kw, 0, "input")
	if err != nil {
		return nil, err
	}
	y, err := tensorArg(fn, a, kw, 1, "other")
	if err != nil {
		if y, err = tensorArg(fn, a, kw, 1, "mat2"); err != nil {
			return nil, err
		}
	}
	return matmul(th, fn, x, y)
}

// matmul is x @ y: a row whose FLOPs are 2*M*K*N per batch.
func matmul(th *starlark.Thread, fn string, x, y *Tensor) (starlark.Value, error) {
	if !x.Known || !y.Known {
		return unknownFrom(fn+"(…)", x, y), nil
	}
	if len(x.Shape) == 0 || len(y.Shape) == 0 {
		return nil, x.fail(th, fn+": both arguments need at least 1 dimension")
	}
	k1 := x.Shape[len(x.Shape)-1]
	k2 := y.Shape[0]
	if len(y.Shape) >= 2 {
		k2 = y.Shape[len(y.Shape)-2]
	}
	if k1 != k2 && k1 >= 0 && k2 >= 0 {
		return nil, x.fail(th, fmt.Sprintf("%s: shapes cannot be multiplied (%s and %s): %d columns against %d rows", fn, shapeText(x.Shape), shapeText(y.Shape), k1, k2))
	}
	return oneT(fnCall(th, fn, &tensor.MatMul{}, []*Tensor{x, y}, 1))
}

func einsumF(th *starlark.Thread, fn string, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if len(a) == 0 {
		return nil, fmt.Errorf("einsum() needs an equation")
	}
	eq, ok := starlark.AsString(a[0])
	if !ok {
		return nil, fmt.Errorf("einsum(): the equation must be a string")
	}
	ops := tensorsIn(a[1:]...)
	for _, x := range ops {
		if !x.Known {
			return unknownFrom(fn+"(…)", ops...), nil
		}
	}
	return oneT(fnCall(th, fn, &tensor.Einsum{Equation: strings.ReplaceAll(eq, " ", "")}, ops, 1))
}

func sdpaF(th *starlark.Thread, fn string, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var qkv []*Tensor
	for i, n := range []string{"query", "key", "value"} {
		x, err := tensorArg(fn, a, kw, i, n)
		if err != nil {
			return nil, err
		}
		qkv = append(qkv, x)
	}
	q, k, v := qkv[0], qkv[1], qkv[2]
	if !q.Known || !k.Known || !v.Known || len(q.Shape) < 2 || len(k.Shape) < 2 || len(v.Shape) < 2 {
		return unknownFrom(fn+"(…)", qkv...), nil
	}
	l, e := q.Shape[len(q.Shape)-2], q.Shape[len(q.Shape)-1]
	s, ev := k.Shape[len(k.Shape)-2], v.Shape[len(v.Shape)-1]
	if k.Shape[len(k.Shape)-1] != e {
		return nil, q.fail(th, fmt.Sprintf("%s: query has %d features per head, key %d", fn, e, k.Shape[len(k.Shape)-1]))
	}
	lead := q.Shape[:len(q.Shape)-2]
	out := append(append([]int64{}, lead...), l, ev)
	fl := product(append(append([]int64{}, lead...), l, s)...)
	fl = calc.Mul(fl, calc.Paren(calc.Add(calc.N(e), calc.N(ev))))
	return oneT(fnCall(th, fn, &fixed{outs: []graph.Shape{gshape(out)}, flops: fl, why: fmt.Sprintf("%d queries over %d keys", l, s)}, qkv, 1))
}

func embeddingF(th *starlark.Thread, fn string, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	x, w, err := tensorPair(fn, a, kw, "input", "weight")
	if err != nil {
		return nil, err
	}
	if !x.Known || !w.Known || len(w.Shape) != 2 {
		return unknownFrom(fn+"(…)", x), nil
	}
	s := append(append([]int64{}, x.Shape...), w.Shape[1])
	return oneT(fnCall(th, fn, &fixed{outs: []graph.Shape{gshape(s)}, types: []graph.DType{dtypeOf(w)}, why: "a row of the table per index"}, []*Tensor{x, w}, 1))
}

// normF is F.layer_norm, F.batch_norm, F.group_norm, F.normalize: the
// input's shape.
func normF(th *starlark.Thread, fn string, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	x, err := tensorArg(fn, a, kw, 0, "input")
	if err != nil {
		return nil, err
	}
	if !x.Known {
		return unknownFrom(fn+"(…)", x), nil
	}
	ins := []*Tensor{x}
	ins = append(ins, tensorsIn(a[min(1, len(a)):]...)...)
	for _, p := range kw {
		ins = append(ins, tensorsIn(p[1])...)
	}
	return oneT(fnCall(th, fn, &fixed{outs: []graph.Shape{gshape(x.Shape)}, why: "the input's shape"}, ins, 1))
}

func similarityF(th *starlark.Thread, fn string, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	x, y, err := tensorPair(fn, a, kw, "x1", "x2")
	if err != nil {
		return nil, err
	}
	b, err := binary(th, syntax.PLUS, x, y, false)
	if err != nil {
		return nil, err
	}
	r := b.(*Tensor)
	if !r.Known {
		return r, nil
	}
	d := argOf(a, kw, 2, "dim")
	if d == nil {
		d = starlark.MakeInt(1)
	}
	return reduce(r, "sum", starlark.Tuple{d}, nil)
}

// catF is torch.cat/concat and torch.stack.
func catF(th *starlark.Thread, fn string, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	seq := argOf(a, kw, 0, "tensors")
	if seq == nil {
		return nil, fmt.Errorf("%s() missing argument 'tensors'", fn)
	}
	var ts []*Tensor
	it := starlark.Iterate(seq)
	if it == nil {
		return nil, fmt.Errorf("%s(): tensors must be a sequence of tensors", fn)
	}
	var v starlark.Value
	for it.Next(&v) {
		x, ok := v.(*Tensor)
		if !ok {
			it.Done()
			return nil, fmt.Errorf("%s(): expected a sequence of tensors, got %s", fn, v.Type())
		}
		ts = append(ts, x)
	}
	it.Done()
	if len(ts) == 0 {
		return nil, fmt.Errorf("%s(): expected a non-empty list of tensors", fn)
	}
	r := unknownFrom(fn+"(…)", ts...)
	for _, x := range ts {
		if !x.Known {
			return r, nil
		}
	}
	d := argOf(a, kw, 1, "dim")
	if d == nil {
		d = argOf(nil, kw, -1, "axis")
	}
	if d == nil {
		d = starlark.MakeInt(0)
	}
	rank := len(ts[0].Shape)
	stack := fn == "torch.stack"
	if stack {
		rank++
	}
	i, err := axis(d, rank)
	if err != nil {
		return nil, ts[0].fail(th, fn+": "+err.Error())
	}
	s := append([]int64{}, ts[0].Shape...)
	if stack {
		for _, x := range ts[1:] {
			if !equal(x.Shape, ts[0].Shape) {
				return nil, ts[0].fail(th, fmt.Sprintf("%s expects each tensor to be equal size, but got %s and %s", fn, shapeText(ts[0].Shape), shapeText(x.Shape)))
			}
		}
		r.Shape, r.Known = append(s[:i:i], append([]int64{int64(len(ts))}, s[i:]...)...), true
		return r, nil
	}
	s[i] = 0
	for k, x := range ts {
		if len(x.Shape) == 1 && x.Shape[0] == 0 {
			continue // torch.cat skips empty 1-d tensors
		}
		if len(x.Shape) != len(s) {
			return nil, ts[0].fail(th, fmt.Sprintf("%s: tensors must have the same number of dimensions: got %d and %d", fn, len(s), len(x.Shape)))
		}
		for j := range s {
			if j != i && x.Shape[j] != ts[0].Shape[j] {
				return nil, ts[0].fail(th, fmt.Sprintf("%s: sizes of tensors must match except in dimension %d: tensor 0 is %s, tensor %d is %s (dimension %d: %d against %d)", fn, i, shapeText(ts[0].Shape), k, shapeText(x.Shape), j, ts[0].Shape[j], x.Shape[j]))
			}
		}
		if s[i] >= 0 && x.Shape[i] >= 0 {
			s[i] += x.Shape[i]
		} else {
			s[i] = -1
		}
	}
	r.Shape, r.Known = s, true
	return r, nil
}

// method0 is torch.f(x, …) as x.f(…).
func method0(th *starlark.Thread, fn string, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	name := fn[strings.LastIndexByte(fn, '.')+1:]
	x, err := tensorArg(fn, a, kw, 0, "input")
	if err != nil {
		return nil, err
	}
	return x.method(th, name, a[1:], kw)
}

func whereF(th *starlark.Thread, fn string, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	ts := tensorsIn(a...)
	if len(ts) == 0 {
		return nil, fmt.Errorf("%s() needs tensors", fn)
	}
	if len(a) == 1 {
		return unknownFrom(fn+"(…)", ts...), nil
	}
	r := ts[0]
	for _, x := range ts[1:] {
		v, err := binary(th, syntax.PLUS, r, x, false)
		if err != nil {
			return nil, err
		}
		r = v.(*Tensor)
	}
	if len(ts) > 1 {
		r.DType = ts[len(ts)-1].DType
	}
	return r, nil
}

func lossF(th *starlark.Thread, fn string, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	ts := tensorsIn(a...)
	r := unknownFrom(fn+"(…)", ts...)
	red := "mean"
	for _, v := range kwValues(kw, "reduction") {
		red, _ = starlark.AsString(v)
	}
	if red != "none" {
		r.Shape, r.Known = []int64{}, true
	}
	return r, nil
}

func oneHotF(th *starlark.Thread, fn string, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	x, err := tensorArg(fn, a, kw, 0, "tensor")
	if err != nil {
		return nil, err
	}
	c, err := starlark.AsInt32(argOf(a, kw, 1, "num_classes"))
	if err != nil || !x.Known {
		return unknownFrom(fn+"(…)", x), nil
	}
	r := derive(x, append(append([]int64{}, x.Shape...), int64(c)), fn)
	r.DType = graph.Int64
	return r, nil
}

func flattenF(th *starlark.Thread, fn string, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	x, err := tensorArg(fn, a, kw, 0, "input")
	if err != nil {
		return nil, err
	}
	if !x.Known {
		return unknownFrom(fn+"(…)", x), nil
	}
	start, end := int64(0), int64(-1)
	if v := argOf(a, kw, 1, "start_dim"); v != nil {
		d, err := starlark.AsInt32(v)
		if err != nil {
			return nil, err
		}
		start = int64(d)
	}
	if v := argOf(a, kw, 2, "end_dim"); v != nil {
		d, err := starlark.AsInt32(v)
		if err != nil {
			return nil, err
		}
		end = int64(d)
	}
	r, err := flatten(x, start, end)
	if err != nil {
		return nil, x.fail(th, fn+": "+err.Error())
	}
	return r, nil
}

func builtin(fn string, f torchFn) *starlark.Builtin {
	return starlark.NewBuiltin(fn, func(th *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		return f(th, fn, a, kw)
	})
}

// torchMembers are torch's functions on tensors.
func torchMembers(m starlark.StringDict) {
	for _, n := range []string{"flatten"} {
		m[n] = builtin("torch."+n, flattenF)
	}
	for _, n := range []string{"cat", "concat", "concatenate", "stack"} {
		f := "torch." + n
		if n != "stack" {
			f = "torch.cat"
		}
		m[n] = builtin(f, catF)
	}
	for _, n := range []string{"matmul", "mm", "bmm"} {
		m[n] = builtin("torch."+n, matmulF)
	}
	m["einsum"] = builtin("torch.einsum", einsumF)
	m["outer"] = builtin("torch.outer", outerF)
	m["ger"] = builtin("torch.ger", outerF)
	m["polar"] = builtin("torch.polar", method0Same)
	m["complex"] = builtin("torch.complex", method0Same)
	m["view_as_complex"] = builtin("torch.view_as_complex", complexF(true))
	m["view_as_real"] = builtin("torch.view_as_real", complexF(false))
	m["where"] = builtin("torch.where", whereF)
	for _, n := range []string{"relu", "sigmoid", "tanh", "softmax", "log_softmax"} {
		m[n] = builtin("torch."+n, activation)
	}
	for _, n := range []string{"transpose", "swapaxes", "permute", "reshape", "squeeze", "unsqueeze", "chunk", "split", "unbind",
		"mean", "sum", "amax", "amin", "max", "min", "prod", "std", "var", "norm", "argmax", "argmin", "logsumexp", "all", "any",
		"narrow", "select", "gather", "index_select", "topk", "sort", "movedim", "moveaxis", "unflatten", "tensor_split",
		"exp", "log", "sqrt", "rsqrt", "abs", "neg", "sin", "cos", "erf", "cumsum", "cumprod", "flip", "roll", "clamp", "clip",
		"masked_fill", "triu", "tril", "square", "reciprocal", "sign", "round", "floor", "ceil", "pow", "add", "sub", "mul",
		"div", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_not",
		"isnan", "isinf", "clone", "detach", "expand_copy", "broadcast_to", "repeat_interleave", "nan_to_num", "log1p", "expm1",
		"atan2", "remainder", "fmod", "floor_divide", "true_divide", "lerp", "t"} {
		m[n] = builtin("torch."+n, method0)
	}
	jit := &pyhost.Module{Name: "torch.jit", Open: true, Members: starlark.StringDict{}}
	ident := starlark.NewBuiltin("torch.jit.unused", func(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		if len(a) == 1 {
			return a[0], nil
		}
		return starlark.None, nil
	})
	no := starlark.NewBuiltin("torch.jit.is_scripting", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
		return starlark.False, nil
	})
	for _, n := range []string{"unused", "ignore", "export", "_overload_method", "_overload", "script_if_tracing", "script", "interface"} {
		jit.Members[n] = ident
	}
	for _, n := range []string{"is_scripting", "is_tracing"} {
		jit.Members[n] = no
	}
	jit.Members["annotate"] = starlark.NewBuiltin("torch.jit.annotate", func(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		if len(a) == 2 {
			return a[1], nil
		}
		return starlark.None, nil
	})
	m["jit"] = jit
	m["_assert"] = starlark.NewBuiltin("torch._assert", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
		return starlark.None, nil
	})
	m["is_tensor"] = starlark.NewBuiltin("torch.is_tensor", func(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		if len(a) == 1 {
			_, ok := a[0].(*Tensor)
			return starlark.Bool(ok), nil
		}
		return starlark.False, nil
	})
	for n, dt := range dtypes {
		if _, taken := m[n]; !taken && n != "int" && n != "float" && n != "bool" && n != "long" && n != "half" && n != "double" {
			m[n] = starlark.String("torch." + string(dt))
		}
	}
	for _, n := range []string{"float", "float32", "long", "int64", "int", "int32", "bool", "half", "float16", "double", "float64", "bfloat16", "uint8", "int8", "int16"} {
		if _, taken := m[n]; !taken {
			m[n] = starlark.String("torch." + n)
		}
	}
}

// functional is torch.nn.functional's members.
func functional() starlark.StringDict {
	m := starlark.StringDict{}
	for _, n := range []string{"relu", "relu6", "elu", "selu", "celu", "gelu", "silu", "mish", "sigmoid", "tanh", "hardswish",
		"hardsigmoid", "hardtanh", "leaky_relu", "softplus", "softsign", "logsigmoid", "tanhshrink", "softshrink", "hardshrink",
		"threshold", "prelu", "rrelu", "softmax", "log_softmax", "softmin", "glu", "dropout", "dropout1d", "dropout2d",
		"dropout3d", "alpha_dropout", "feature_alpha_dropout", "relu_", "elu_", "leaky_relu_", "hardtanh_", "local_response_norm"} {
		m[n] = builtin("F."+n, activation)
	}
	for i, d := range []string{"1d", "2d", "3d"} {
		m["max_pool"+d] = builtin("F.max_pool"+d, poolF(i+1, "max"))
		m["avg_pool"+d] = builtin("F.avg_pool"+d, poolF(i+1, "avg"))
		m["adaptive_avg_pool"+d] = builtin("F.adaptive_avg_pool"+d, adaptiveF(i+1, "average"))
		m["adaptive_max_pool"+d] = builtin("F.adaptive_max_pool"+d, adaptiveF(i+1, "max"))
		m["conv"+d] = builtin("F.conv"+d, convF(i+1))
	}
	m["interpolate"] = builtin("F.interpolate", interpolateF)
	m["upsample"] = builtin("F.upsample", interpolateF)
	m["pad"] = builtin("F.pad", padF)
	m["linear"] = builtin("F.linear", linearF)
	m["embedding"] = builtin("F.embedding", embeddingF)
	m["scaled_dot_product_attention"] = builtin("F.scaled_dot_product_attention", sdpaF)
	for _, n := range []string{"layer_norm", "batch_norm", "group_norm", "instance_norm", "normalize", "rms_norm"} {
		m[n] = builtin("F."+n, normF)
	}
	m["cosine_similarity"] = builtin("F.cosine_similarity", similarityF)
	m["one_hot"] = builtin("F.one_hot", oneHotF)
	for _, n := range []string{"cross_entropy", "nll_loss", "mse_loss", "l1_loss", "binary_cross_entropy",
		"binary_cross_entropy_with_logits", "smooth_l1_loss", "kl_div", "huber_loss"} {
		m[n] = builtin("F."+n, lossF)
	}
	return m
}

// outerF is torch.outer(a, b): (len(a), len(b)).
func outerF(th *starlark.Thread, fn string, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	x, y, err := tensorPair(fn, a, kw, "input", "vec2")
	if err != nil {
		return nil, err
	}
	if !x.Known || !y.Known || len(x.Shape) != 1 || len(y.Shape) != 1 {
		return unknownFrom(fn+"(…)", x, y), nil
	}
	r := unknownFrom(fn+"(…)", x, y)
	r.Shape, r.Known = []int64{x.Shape[0], y.Shape[0]}, true
	return r, nil
}

// method0Same is torch.polar(abs, angle) and its kind: the shape of the
// operands broadcast.
func method0Same(th *starlark.Thread, fn string, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	x, y, err := tensorPair(fn, a, kw, "abs", "angle")
	if err != nil {
		return nil, err
	}
	return binary(th, syntax.PLUS, x, y, false)
}

// complexF is view_as_complex (the last axis of 2 is the pair) and
// view_as_real (a last axis of 2 is added).
func complexF(toComplex bool) torchFn {
	return func(th *starlark.Thread, fn string, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		x, err := tensorArg(fn, a, kw, 0, "input")
		if err != nil {
			return nil, err
		}
		if !x.Known {
			return unknownFrom(fn+"(…)", x), nil
		}
		if toComplex {
			if len(x.Shape) == 0 || x.Shape[len(x.Shape)-1] != 2 {
				return nil, x.fail(th, fmt.Sprintf("%s: the last dimension must have size 2, the input is %s", fn, shapeText(x.Shape)))
			}
			return derive(x, append([]int64{}, x.Shape[:len(x.Shape)-1]...), fn), nil
		}
		return derive(x, append(append([]int64{}, x.Shape...), 2), fn), nil
	}
}

package torchcode

import (
	"fmt"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/pyhost"
)

// Tensor methods and operators: shapes as PyTorch computes them (the
// torch conventions that differ from ONNX's are here: squeeze of a dim
// that is not 1 keeps it, repeat with more counts than dims, expand's
// -1, unbind, F.pad's pairs from the last axis). Shape-only operations
// make no node; the result keeps the values its data comes from.

// derive is a tensor made from t with shape s (its data from t's).
func derive(t *Tensor, s []int64, desc string) *Tensor {
	return &Tensor{Shape: s, Known: true, DType: t.DType, src: t.src, tr: t.tr, Desc: clipDesc(desc)}
}

// clipDesc keeps a tensor's description short: a loop that adds to a
// tensor would otherwise grow it with every step.
func clipDesc(d string) string {
	if len(d) <= 80 {
		return d
	}
	return d[:77] + "…"
}

// unknownFrom is a tensor of unknown shape made from ts.
func unknownFrom(desc string, ts ...*Tensor) *Tensor {
	x := &Tensor{Desc: clipDesc(desc)}
	for _, t := range ts {
		x.src = mergeSrc(x.src, t.src)
		if x.tr == nil {
			x.tr = t.tr
		}
		if x.DType == "" {
			x.DType = t.DType
		}
	}
	return x
}

func mergeSrc(a, b []*graph.Value) []*graph.Value {
	out := a
	for _, v := range b {
		if !contains2(out, v) {
			if len(out) == len(a) {
				out = append([]*graph.Value{}, a...)
			}
			out = append(out, v)
		}
	}
	return out
}

// dimValue is one size as Python sees it: an int, or a symbolic
// placeholder for the batch N.
func dimValue(d int64) starlark.Value {
	if d < 0 {
		return batchN{}
	}
	return starlark.MakeInt64(d)
}

// batchN is the symbolic batch size N as forward reads it (x.size(0)):
// given back as a size (view(N, -1), torch.zeros(N, 10)) it is the
// batch axis again; arithmetic on it is a placeholder.
type batchN struct{}

func (batchN) String() string        { return "N" }
func (batchN) Type() string          { return "int" }
func (batchN) Freeze()               {}
func (batchN) Truth() starlark.Bool  { return true }
func (batchN) Hash() (uint32, error) { return pyhost.HashString("N"), nil }
func (batchN) Binary(op syntax.Token, y starlark.Value, side starlark.Side) (starlark.Value, error) {
	if _, ok := y.(batchN); ok && (op == syntax.EQL || op == syntax.NEQ) {
		return starlark.Bool(op == syntax.EQL), nil
	}
	return &pyhost.Opaque{Desc: "an expression of the batch size N", Sym: true}, nil
}

func sizeTuple(s []int64) starlark.Tuple {
	out := make(starlark.Tuple, len(s))
	for i, d := range s {
		out[i] = dimValue(d)
	}
	return out
}

func (t *Tensor) AttrNames() []string {
	return []string{"data", "dim", "numel", "requires_grad", "shape", "size"}
}

func (t *Tensor) Attr(name string) (starlark.Value, error) {
	switch name {
	case "requires_grad":
		return starlark.Bool(t.Grad), nil
	case "data":
		return t, nil
	case "is_cuda", "is_sparse", "is_quantized":
		return starlark.False, nil
	case "device":
		return starlark.String("cpu"), nil
	case "dtype":
		return starlark.String("torch." + string(dtypeOf(t))), nil
	case "shape":
		if !t.Known {
			return &pyhost.Opaque{Desc: t.Desc + ".shape"}, nil
		}
		return sizeTuple(t.Shape), nil
	case "ndim":
		if !t.Known {
			return &pyhost.Opaque{Desc: t.Desc + ".ndim"}, nil
		}
		return starlark.MakeInt(len(t.Shape)), nil
	case "T", "mT", "mH", "H":
		if !t.Known {
			return unknownFrom(t.Desc+"."+name, t), nil
		}
		s := append([]int64{}, t.Shape...)
		if name == "T" {
			for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
				s[i], s[j] = s[j], s[i]
			}
		} else if len(s) >= 2 {
			s[len(s)-1], s[len(s)-2] = s[len(s)-2], s[len(s)-1]
		}
		return derive(t, s, t.Desc+"."+name), nil
	case "grad":
		return starlark.None, nil
	}
	return starlark.NewBuiltin("Tensor."+name, func(th *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		v, err := t.method(th, name, a, kw)
		if err != nil {
			return nil, t.fail(th, fmt.Sprintf("%s.%s: %v", descOf(t), name, err))
		}
		return v, nil
	}), nil
}

// descOf is how a message names a tensor.
func descOf(t *Tensor) string {
	if t.Known {
		return "tensor of shape " + shapeText(t.Shape)
	}
	return t.Desc
}

// fail is a shape error of the trace at the user's line (outside a
// trace, a plain error the host places).
func (t *Tensor) fail(th *starlark.Thread, msg string) error {
	if t.tr == nil || th == nil {
		return fmt.Errorf("%s", msg)
	}
	layer := ""
	if h := t.tr.here(); h != "" {
		layer = "in layer " + h
	}
	if t.tr.fail != nil {
		return t.tr.fail
	}
	return t.tr.shapeError(th, layer, msg)
}

// dtypeArg reads a dtype given to .to()/.type() or as dtype=.
func dtypeArg(v starlark.Value) (graph.DType, bool) {
	var s string
	switch x := v.(type) {
	case starlark.String:
		s = string(x)
	case *pyhost.Opaque:
		s = x.Desc
	default:
		return "", false
	}
	s = strings.TrimPrefix(s, "torch.")
	switch s {
	case "long", "int64", "LongTensor", "torch.LongTensor":
		return graph.Int64, true
	case "int", "int32", "IntTensor":
		return graph.Int32, true
	case "bool", "BoolTensor":
		return graph.Bool, true
	case "float", "float32", "FloatTensor":
		return graph.Float32, true
	case "half", "float16", "HalfTensor":
		return graph.Float16, true
	case "double", "float64", "DoubleTensor":
		return graph.Float64, true
	case "bfloat16":
		return graph.BFloat16, true
	case "uint8":
		return graph.Uint8, true
	case "int8":
		return graph.Int8, true
	}
	return "", false
}

var castMethods = map[string]graph.DType{
	"float": graph.Float32, "double": graph.Float64, "half": graph.Float16, "bfloat16": graph.BFloat16,
	"long": graph.Int64, "int": graph.Int32, "bool": graph.Bool, "byte": graph.Uint8, "short": graph.Int16, "char": graph.Int8,
}

// reductions take dim (an int or ints) and keepdim.
var reductions = map[string]bool{
	"mean": true, "sum": true, "amax": true, "amin": true, "prod": true, "std": true, "var": true, "norm": true,
	"logsumexp": true, "all": true, "any": true, "nansum": true, "nanmean": true, "count_nonzero": true,
	"max": true, "min": true, "argmax": true, "argmin": true, "median": true,
}

// method is t.name(a…, kw…).
func (t *Tensor) method(th *starlark.Thread, name string, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	switch name {
	case "size", "dim", "numel", "ndimension", "nelement":
		if !t.Known {
			return &pyhost.Opaque{Desc: t.Desc + "." + name + "()"}, nil
		}
		switch name {
		case "dim", "ndimension":
			return starlark.MakeInt(len(t.Shape)), nil
		case "numel", "nelement":
			for _, d := range t.Shape {
				if d < 0 {
					return &pyhost.Opaque{Desc: t.Desc + ".numel()", Sym: true}, nil
				}
			}
			return starlark.MakeInt64(t.Numel()), nil
		}
		d := argOf(a, kw, 0, "dim")
		if d != nil && d != starlark.None {
			i, err := axis(d, len(t.Shape))
			if err != nil {
				return nil, err
			}
			return dimValue(t.Shape[i]), nil
		}
		return sizeTuple(t.Shape), nil
	case "requires_grad_":
		t.Grad = len(a) == 0 || bool(a[0].Truth())
		return t, nil
	case "type_as", "view_as", "reshape_as", "expand_as":
		o, ok := argOf(a, kw, 0, "other").(*Tensor)
		if !ok {
			return nil, fmt.Errorf("takes a tensor")
		}
		switch name {
		case "type_as":
			r := *t
			r.DType = o.DType
			return &r, nil
		case "expand_as":
			if !o.Known {
				return unknownFrom(t.Desc, t), nil
			}
			return t.method(th, "expand", starlark.Tuple{sizeTuple(o.Shape)}, nil)
		}
		if !o.Known {
			return unknownFrom(t.Desc, t), nil
		}
		return t.method(th, "view", starlark.Tuple{sizeTuple(o.Shape)}, nil)
	case "to", "type":
		r := *t
		for _, v := range append(append(starlark.Tuple{}, a...), kwValues(kw, "dtype")...) {
			if dt, ok := dtypeArg(v); ok {
				r.DType = dt
			} else if o, ok := v.(*Tensor); ok && name == "to" {
				r.DType = o.DType
			}
		}
		return &r, nil
	case "matmul", "mm", "bmm", "__matmul__":
		o, ok := argOf(a, kw, 0, "other").(*Tensor)
		if !ok {
			return nil, fmt.Errorf("takes a tensor")
		}
		return matmul(th, "matmul", t, o)
	}
	if dt, ok := castMethods[name]; ok {
		r := *t
		r.DType = dt
		return &r, nil
	}
	if strings.HasSuffix(name, "_") && name != "requires_grad_" {
		// in place (normal_, zero_, add_, relu_, masked_fill_): the shape stays.
		if len(a) > 0 {
			if o, ok := a[0].(*Tensor); ok && o.Known && t.Known {
				if _, err := broadcast(t.Shape, o.Shape); err != nil {
					return nil, err
				}
			}
		}
		return t, nil
	}
	if name == "detach" && t.Param {
		r := *t
		r.Param = false
		return &r, nil
	}
	if sameShape[name] || sameMethods[name] {
		if !t.Known {
			return unknownFrom(t.Desc+"."+name+"(…)", t), nil
		}
		r := derive(t, t.Shape, t.Desc)
		if o, ok := argOf(a, kw, 0, "other").(*Tensor); ok && binaryMethods[name] {
			return binary(th, syntax.PLUS, t, o, comparisons[name])
		}
		if comparisons[name] {
			r.DType = graph.Bool
		}
		return r, nil
	}
	if binaryMethods[name] {
		y := argOf(a, kw, 0, "other")
		if o, ok := y.(*Tensor); ok {
			return binary(th, syntax.PLUS, t, o, comparisons[name])
		}
		if !t.Known {
			return unknownFrom(t.Desc, t), nil
		}
		r := derive(t, t.Shape, t.Desc)
		if comparisons[name] {
			r.DType = graph.Bool
		}
		return r, nil
	}
	if !t.Known {
		return unknownFrom(t.Desc+"."+name+"(…)", t), nil
	}
	if reductions[name] {
		return reduce(t, name, a, kw)
	}
	switch name {
	case "chunk", "split", "unbind", "tensor_split":
		return splitOf(t, name, a, kw)
	case "narrow":
		return narrow(t, a, kw)
	case "select":
		d, err := axis(argOf(a, kw, 0, "dim"), len(t.Shape))
		if err != nil {
			return nil, err
		}
		return derive(t, append(append([]int64{}, t.Shape[:d]...), t.Shape[d+1:]...), t.Desc), nil
	case "new_zeros", "new_ones", "new_empty", "new_full", "new_tensor":
		s, ok, err := sizeArgs(a[:min(len(a), 1)])
		if err != nil || !ok {
			return unknownFrom(t.Desc, t), err
		}
		return &Tensor{Shape: s, Known: true, DType: t.DType, tr: t.tr, Desc: name}, nil
	case "gather":
		if idx, ok := argOf(a, kw, 1, "index").(*Tensor); ok && idx.Known {
			return derive(t, idx.Shape, t.Desc), nil
		}
		return unknownFrom(t.Desc, t), nil
	case "index_select":
		d, err := axis(argOf(a, kw, 0, "dim"), len(t.Shape))
		idx, ok := argOf(a, kw, 1, "index").(*Tensor)
		if err != nil || !ok || !idx.Known || len(idx.Shape) != 1 {
			return unknownFrom(t.Desc, t), err
		}
		s := append([]int64{}, t.Shape...)
		s[d] = idx.Shape[0]
		return derive(t, s, t.Desc), nil
	case "topk", "sort", "kthvalue":
		return topk(t, name, a, kw)
	case "repeat_interleave":
		return unknownFrom(t.Desc, t), nil
	}
	r, ok, err := shapeMethod(t, name, a, kw)
	if err != nil || ok {
		return r, err
	}
	return unknownFrom(t.Desc+"."+name+"(…)", t), nil
}

func kwValues(kw []starlark.Tuple, k string) []starlark.Value {
	var out []starlark.Value
	for _, x := range kw {
		if s, _ := starlark.AsString(x[0]); s == k {
			out = append(out, x[1])
		}
	}
	return out
}

// sameMethods keep the shape (beyond sameShape's).
var sameMethods = map[string]bool{
	"clone": true, "contiguous": true, "cpu": true, "cuda": true, "detach": true, "sigmoid": true, "tanh": true,
	"relu": true, "gelu": true, "silu": true, "softmax": true, "log_softmax": true, "exp": true, "log": true, "sqrt": true,
	"rsqrt": true, "abs": true, "neg": true, "sin": true, "cos": true, "erf": true, "cumsum": true, "cumprod": true,
	"flip": true, "roll": true, "clamp": true, "clip": true, "float_power": true, "masked_fill": true, "fill": true,
	"triu": true, "tril": true, "pin_memory": true, "square": true, "reciprocal": true, "sign": true, "round": true,
	"floor": true, "ceil": true, "trunc": true, "frac": true, "nan_to_num": true, "logical_not": true, "isnan": true,
	"isinf": true, "sigmoid_": true, "exp_": true, "scatter": true, "scatter_add": true, "index_fill": true,
	"masked_scatter": true, "normal": true, "bernoulli": true, "requires_grad": true, "share_memory": true,
	"log1p": true, "expm1": true, "pow": true, "lerp": true,
}

// binaryMethods combine with another tensor by broadcasting.
var binaryMethods = map[string]bool{
	"add": true, "sub": true, "mul": true, "div": true, "true_divide": true, "floor_divide": true, "remainder": true,
	"fmod": true, "maximum": true, "minimum": true, "eq": true, "ne": true, "lt": true, "le": true, "gt": true, "ge": true,
	"logical_and": true, "logical_or": true, "logical_xor": true, "atan2": true, "hypot": true, "where": true,
}

var comparisons = map[string]bool{"eq": true, "ne": true, "lt": true, "le": true, "gt": true, "ge": true,
	"logical_and": true, "logical_or": true, "logical_xor": true, "logical_not": true, "isnan": true, "isinf": true}

// axis is dim d of a tensor of rank n, negative counting from the end.
func axis(d starlark.Value, n int) (int, error) {
	if d == nil {
		return 0, fmt.Errorf("a dim is needed")
	}
	i, err := starlark.AsInt32(d)
	if err != nil {
		return 0, fmt.Errorf("dim %v: %v", d, err)
	}
	if i < 0 {
		i += n
	}
	if i < 0 || i >= max(n, 1) {
		return 0, fmt.Errorf("dimension %v out of range for a tensor of %d dimensions", d, n)
	}
	return i, nil
}

// dimsOf reads dim as an int, a tuple or list of ints, or None (all).
func dimsOf(d starlark.Value, n int) ([]int, error) {
	if d == nil || d == starlark.None {
		all := make([]int, n)
		for i := range all {
			all[i] = i
		}
		return all, nil
	}
	var items []starlark.Value
	switch x := d.(type) {
	case starlark.Tuple:
		items = x
	case *starlark.List:
		for i := 0; i < x.Len(); i++ {
			items = append(items, x.Index(i))
		}
	default:
		items = []starlark.Value{d}
	}
	var out []int
	for _, it := range items {
		i, err := axis(it, n)
		if err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, nil
}

// reduce is mean/sum/max/… over dims, keepdim or not; max and min along
// a dim give (values, indices).
func reduce(t *Tensor, name string, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	d := argOf(a, kw, 0, "dim")
	if name == "norm" {
		d = argOf(a, kw, 1, "dim")
	}
	if o, ok := d.(*Tensor); ok && (name == "max" || name == "min") {
		return binary(nil, syntax.PLUS, t, o, false)
	}
	keep := false
	for _, v := range append(kwValues(kw, "keepdim"), kwValues(kw, "keepdims")...) {
		keep = bool(v.Truth())
	}
	if k := 1; name != "norm" && len(a) > k {
		if b, ok := a[k].(starlark.Bool); ok {
			keep = bool(b)
		}
	}
	dims, err := dimsOf(d, len(t.Shape))
	if err != nil {
		return nil, err
	}
	var s []int64
	for i, x := range t.Shape {
		gone := false
		for _, j := range dims {
			gone = gone || i == j
		}
		switch {
		case !gone:
			s = append(s, x)
		case keep:
			s = append(s, 1)
		}
	}
	if s == nil {
		s = []int64{}
	}
	r := derive(t, s, t.Desc+"."+name+"(…)")
	switch name {
	case "argmax", "argmin", "count_nonzero":
		r.DType = graph.Int64
	case "all", "any":
		r.DType = graph.Bool
	case "max", "min", "median":
		if d != nil && d != starlark.None {
			idx := *r
			idx.DType = graph.Int64
			return starlark.Tuple{r, &idx}, nil
		}
	}
	return r, nil
}

func topk(t *Tensor, name string, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	s := append([]int64{}, t.Shape...)
	if name == "topk" {
		k, err := starlark.AsInt32(argOf(a, kw, 0, "k"))
		if err != nil {
			return nil, err
		}
		d := argOf(a, kw, 1, "dim")
		if d == nil {
			d = starlark.MakeInt(-1)
		}
		i, err := axis(d, len(s))
		if err != nil {
			return nil, err
		}
		s[i] = int64(k)
	}
	v := derive(t, s, t.Desc)
	idx := *v
	idx.DType = graph.Int64
	return starlark.Tuple{v, &idx}, nil
}

// splitOf is chunk, split, unbind: a tuple of tensors.
func splitOf(t *Tensor, name string, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	n := len(t.Shape)
	var d starlark.Value = starlark.MakeInt(0)
	switch name {
	case "unbind":
		if v := argOf(a, kw, 0, "dim"); v != nil {
			d = v
		}
	default:
		if v := argOf(a, kw, 1, "dim"); v != nil {
			d = v
		}
	}
	i, err := axis(d, n)
	if err != nil {
		return nil, err
	}
	size := t.Shape[i]
	piece := func(k int64) *Tensor {
		s := append([]int64{}, t.Shape...)
		s[i] = k
		return derive(t, s, t.Desc)
	}
	if size < 0 {
		return nil, fmt.Errorf("cannot split the symbolic batch axis")
	}
	var out starlark.Tuple
	switch name {
	case "unbind":
		for k := int64(0); k < size; k++ {
			s := append(append([]int64{}, t.Shape[:i]...), t.Shape[i+1:]...)
			out = append(out, derive(t, s, t.Desc))
		}
	case "chunk", "tensor_split":
		c, err := starlark.AsInt32(argOf(a, kw, 0, "chunks"))
		if err != nil || c <= 0 {
			return nil, fmt.Errorf("chunks must be a positive int")
		}
		per := (size + int64(c) - 1) / int64(c)
		if name == "tensor_split" {
			base, extra := size/int64(c), size%int64(c)
			for k := int64(0); k < int64(c); k++ {
				m := base
				if k < extra {
					m++
				}
				out = append(out, piece(m))
			}
			break
		}
		for left := size; left > 0; left -= per {
			out = append(out, piece(min(per, left)))
		}
		if size == 0 {
			out = append(out, piece(0))
		}
	case "split":
		v := argOf(a, kw, 0, "split_size_or_sections")
		if v == nil {
			v = argOf(a, kw, 0, "split_size")
		}
		if sizes, ok, _ := sizeArgs(starlark.Tuple{v}); ok && (isSeq(v)) {
			sum := int64(0)
			for _, k := range sizes {
				sum += k
				out = append(out, piece(k))
			}
			if sum != size {
				return nil, fmt.Errorf("split sizes %v add up to %d, the dimension has %d", sizes, sum, size)
			}
			break
		}
		per, err := starlark.AsInt32(v)
		if err != nil || per <= 0 {
			return nil, fmt.Errorf("split size must be a positive int")
		}
		for left := size; left > 0; left -= int64(per) {
			out = append(out, piece(min(int64(per), left)))
		}
	}
	return out, nil
}

func isSeq(v starlark.Value) bool {
	switch v.(type) {
	case starlark.Tuple, *starlark.List:
		return true
	}
	return false
}

func narrow(t *Tensor, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	i, err := axis(argOf(a, kw, 0, "dim"), len(t.Shape))
	if err != nil {
		return nil, err
	}
	l, err := starlark.AsInt32(argOf(a, kw, 2, "length"))
	if err != nil {
		return nil, err
	}
	s := append([]int64{}, t.Shape...)
	s[i] = int64(l)
	return derive(t, s, t.Desc), nil
}

// broadcastError is PyTorch's message for sizes that do not broadcast.
func broadcastError(a, b []int64) error {
	n := max(len(a), len(b))
	for i := n - 1; i >= 0; i-- {
		x, y := int64(1), int64(1)
		if j := i - (n - len(a)); j >= 0 {
			x = a[j]
		}
		if j := i - (n - len(b)); j >= 0 {
			y = b[j]
		}
		if x != y && x != 1 && y != 1 && x >= 0 && y >= 0 {
			return fmt.Errorf("the size of tensor a (%d) must match the size of tensor b (%d) at non-singleton dimension %d: shapes %s and %s do not broadcast", x, y, i, shapeText(a), shapeText(b))
		}
	}
	return fmt.Errorf("shapes %s and %s do not broadcast", shapeText(a), shapeText(b))
}

// binary is an elementwise operation of x and y (a tensor, or a number
// when y is nil): the broadcast shape, bool for a comparison.
func binary(th *starlark.Thread, _ syntax.Token, x, y *Tensor, compare bool) (starlark.Value, error) {
	r := unknownFrom(exprOf(x), x, y)
	if x.Known && y.Known {
		s, err := broadcast(x.Shape, y.Shape)
		if err != nil {
			err = broadcastError(x.Shape, y.Shape)
			if th == nil && x.tr != nil {
				th = x.tr.th
			}
			return nil, x.fail(th, err.Error())
		}
		r.Shape, r.Known = s, true
	}
	if y.DType.IsFloat() && !dtypeOf(x).IsFloat() {
		r.DType = y.DType
	}
	if compare {
		r.DType = graph.Bool
	}
	return r, nil
}

// Binary is t op y with numbers or tensors, Python's operators.
func (t *Tensor) Binary(op syntax.Token, y starlark.Value, side starlark.Side) (starlark.Value, error) {
	compare := op == syntax.EQL || op == syntax.NEQ || op == syntax.LT || op == syntax.GT || op == syntax.LE || op == syntax.GE
	switch x := y.(type) {
	case starlark.Int, starlark.Float, starlark.Bool:
		r := unknownFrom(exprOf(t), t)
		r.Shape, r.Known = t.Shape, t.Known
		if _, isF := x.(starlark.Float); isF && !dtypeOf(t).IsFloat() {
			r.DType = graph.Float32
		}
		if op == syntax.SLASH && !dtypeOf(t).IsFloat() {
			r.DType = graph.Float32
		}
		if compare {
			r.DType = graph.Bool
		}
		return r, nil
	case *Tensor:
		if side == starlark.Right {
			return binary(nil, op, x, t, compare)
		}
		return binary(nil, op, t, x, compare)
	case *pyhost.Opaque:
		return unknownFrom(exprOf(t), t), nil
	}
	return nil, nil
}

// Unary: -t, +t, ~t keep the shape.
func (t *Tensor) Unary(syntax.Token) (starlark.Value, error) {
	r := *t
	r.Param, r.Grad = false, false
	return &r, nil
}

// Len is len(t): the size of its first axis.
func (t *Tensor) Len() int {
	if !t.Known || len(t.Shape) == 0 || t.Shape[0] < 0 {
		return 0
	}
	return int(min(t.Shape[0], 1<<20))
}

// Get is t[…]: ints drop an axis, slices keep it (shortened), None adds
// one, ... stands for the axes not named, an index tensor selects.
func (t *Tensor) Get(k starlark.Value) (starlark.Value, bool, error) {
	if !t.Known {
		return unknownFrom(t.Desc+"[…]", t), true, nil
	}
	items := starlark.Tuple{k}
	if tu, ok := k.(starlark.Tuple); ok {
		items = tu
	}
	if ix, ok := k.(*pyhost.Index); ok {
		items = ix.Items
	}
	// How many axes the index names (ints, slices, tensors).
	named := 0
	for _, it := range items {
		switch x := it.(type) {
		case starlark.NoneType:
		case *pyhost.Opaque:
			if x.Desc != "Ellipsis" && x.Desc != "..." {
				named++
			}
		case *Tensor:
			if x.DType == graph.Bool && x.Known {
				named += len(x.Shape)
			} else {
				named++
			}
		default:
			if it.String() != "Ellipsis" {
				named++
			}
		}
	}
	var out []int64
	ax := 0
	for _, it := range items {
		switch x := it.(type) {
		case starlark.NoneType:
			out = append(out, 1)
			continue
		case starlark.Int:
			if ax >= len(t.Shape) {
				return nil, false, fmt.Errorf("too many indices for a tensor of %d dimensions", len(t.Shape))
			}
			i, _ := x.Int64()
			if n := t.Shape[ax]; n >= 0 && (i >= n || i < -n) {
				return nil, false, fmt.Errorf("index %d is out of bounds for dimension %d with size %d", i, ax, n)
			}
			ax++
			continue
		case *pyhost.Slice:
			if ax >= len(t.Shape) {
				return nil, false, fmt.Errorf("too many indices for a tensor of %d dimensions", len(t.Shape))
			}
			out = append(out, sliceLength(x, t.Shape[ax]))
			ax++
			continue
		case *starlark.List:
			// x[:, [-1], :]: the axis keeps as many entries as the list.
			if ax >= len(t.Shape) {
				return nil, false, fmt.Errorf("too many indices for a tensor of %d dimensions", len(t.Shape))
			}
			out = append(out, int64(x.Len()))
			ax++
			continue
		case *Tensor:
			if !x.Known {
				return unknownFrom(t.Desc+"[…]", t), true, nil
			}
			if x.DType == graph.Bool {
				return unknownFrom(t.Desc+"[mask]", t), true, nil
			}
			out = append(out, x.Shape...)
			ax++
			continue
		}
		if s := it.String(); s == "Ellipsis" || s == "..." {
			for left := len(t.Shape) - ax - (named - countBefore(items, it)); left > 0; left-- {
				out = append(out, t.Shape[ax])
				ax++
			}
			continue
		}
		return unknownFrom(t.Desc+"[…]", t), true, nil
	}
	out = append(out, t.Shape[min(ax, len(t.Shape)):]...)
	if out == nil {
		out = []int64{}
	}
	return derive(t, out, t.Desc+"[…]"), true, nil
}

// countBefore is how many axis-naming indices come before it in items.
func countBefore(items starlark.Tuple, it starlark.Value) int {
	n := 0
	for _, x := range items {
		if x == it {
			return n
		}
		switch x.(type) {
		case starlark.NoneType:
		default:
			n++
		}
	}
	return n
}

// Slice is t[lo:hi:step] on the first axis.
func (t *Tensor) Slice(start, end, step int) starlark.Value {
	if !t.Known || len(t.Shape) == 0 {
		return unknownFrom(t.Desc+"[…]", t)
	}
	s := append([]int64{}, t.Shape...)
	n := int64(0)
	for i := start; (step > 0 && i < end) || (step < 0 && i > end); i += step {
		n++
	}
	s[0] = n
	return derive(t, s, t.Desc+"[…]")
}

// sliceLength is how many elements slice s takes of n.
func sliceLength(s *pyhost.Slice, n int64) int64 {
	if n < 0 {
		return -1
	}
	get := func(v starlark.Value, def int64) int64 {
		if v == nil || v == starlark.None {
			return def
		}
		i, err := starlark.AsInt32(v)
		if err != nil {
			return def
		}
		return int64(i)
	}
	step := get(s.Step, 1)
	if step == 0 {
		step = 1
	}
	lo, hi := get(s.Lo, 0), get(s.Hi, n)
	if step < 0 {
		lo, hi = get(s.Lo, n-1), get(s.Hi, -n-1)
	}
	clamp := func(i int64) int64 {
		if i < 0 {
			i += n
		}
		return max(min(i, n), -1)
	}
	lo, hi = clamp(lo), clamp(hi)
	if step > 0 {
		lo = max(lo, 0)
		if hi <= lo {
			return 0
		}
		return (hi - lo + step - 1) / step
	}
	if lo <= hi {
		return 0
	}
	return (lo - hi - step - 1) / -step
}

// Index is t[i] on the first axis (a Sliceable's element).
func (t *Tensor) Index(i int) starlark.Value {
	v, _, err := t.Get(starlark.MakeInt(i))
	if err != nil {
		return unknownFrom(t.Desc+"[…]", t)
	}
	return v
}

// Iterate is for row in t: its first axis, at most 10,000 rows.
func (t *Tensor) Iterate() starlark.Iterator { return &rows{t: t, n: min(t.Len(), 10000)} }

type rows struct {
	t    *Tensor
	i, n int
}

func (r *rows) Next(p *starlark.Value) bool {
	if r.i >= r.n {
		return false
	}
	*p = r.t.Index(r.i)
	r.i++
	return true
}

func (r *rows) Done() {}

// exprOf describes arithmetic on t.
func exprOf(t *Tensor) string {
	if strings.HasPrefix(t.Desc, "an expression of ") {
		return t.Desc
	}
	return "an expression of " + t.Desc
}

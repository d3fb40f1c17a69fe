package torchcode

import (
	"fmt"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// Shapes of the tensor arithmetic a constructor does before it registers
// a buffer (a positional-encoding table: arange, unsqueeze, an
// elementwise product, sin, transpose). An operation on a tensor of
// unknown shape, or one not listed here, gives a tensor of unknown shape;
// a buffer of unknown shape is an error when counted, never a guess.

// sameShape are tensor methods and torch functions whose result has
// their (first) operand's shape.
var sameShape = map[string]bool{
	"float": true, "double": true, "half": true, "bfloat16": true, "long": true, "int": true, "bool": true,
	"to": true, "type": true, "cpu": true, "cuda": true, "clone": true, "detach": true, "contiguous": true,
	"abs": true, "neg": true, "exp": true, "log": true, "sqrt": true, "rsqrt": true, "sin": true, "cos": true,
	"tanh": true, "sigmoid": true, "relu": true, "sign": true, "reciprocal": true, "pow": true, "clamp": true,
	"triu": true, "tril": true, "masked_fill": true, "softmax": true, "log_softmax": true, "erf": true,
	"floor": true, "ceil": true, "round": true, "square": true,
}

// shapeMethod is t.name(a…) for the methods that change a shape; ok is
// false when name is not one of them or a size is not a known int.
func shapeMethod(t *Tensor, name string, a starlark.Tuple) (*Tensor, bool, error) {
	if !t.Known {
		return nil, false, nil
	}
	s := append([]int64{}, t.Shape...)
	n := len(s)
	dim := func(v starlark.Value, rank int) (int, error) {
		d, err := starlark.AsInt32(v)
		if err != nil {
			return 0, err
		}
		if d < 0 {
			d += rank
		}
		if d < 0 || d >= max(rank, 1) {
			return 0, fmt.Errorf("dimension %v is out of range for a tensor of %d dimensions", v, n)
		}
		return d, nil
	}
	out := func(s []int64) (*Tensor, bool, error) {
		return &Tensor{Shape: s, Known: true, Desc: t.Desc + "." + name + "(…)"}, true, nil
	}
	switch name {
	case "unsqueeze":
		if len(a) != 1 {
			return nil, false, nil
		}
		d, err := dim(a[0], n+1)
		if err != nil {
			return nil, false, err
		}
		return out(append(s[:d:d], append([]int64{1}, s[d:]...)...))
	case "squeeze":
		var r []int64
		for i, x := range s {
			keep := x != 1
			if len(a) == 1 {
				d, err := dim(a[0], n)
				if err != nil {
					return nil, false, err
				}
				keep = keep || i != d
			}
			if keep {
				r = append(r, x)
			}
		}
		return out(append([]int64{}, r...))
	case "transpose", "swapaxes":
		if len(a) != 2 {
			return nil, false, nil
		}
		i, err1 := dim(a[0], n)
		j, err2 := dim(a[1], n)
		if err := first(err1, err2); err != nil {
			return nil, false, err
		}
		s[i], s[j] = s[j], s[i]
		return out(s)
	case "t":
		if n == 2 {
			s[0], s[1] = s[1], s[0]
		}
		return out(s)
	case "permute":
		dims, ok, _ := sizeArgs(a)
		if !ok || len(dims) != n {
			return nil, false, nil
		}
		r := make([]int64, n)
		for i, d := range dims {
			if d >= int64(n) {
				return nil, false, fmt.Errorf("permute: dimension %d out of range", d)
			}
			r[i] = s[d]
		}
		return out(r)
	case "view", "reshape":
		return reshape(t, a, out)
	case "flatten":
		start, end := 0, n-1
		var err error
		if len(a) > 0 {
			if start, err = dim(a[0], n); err != nil {
				return nil, false, err
			}
		}
		if len(a) > 1 {
			if end, err = dim(a[1], n); err != nil {
				return nil, false, err
			}
		}
		if n == 0 {
			return out([]int64{1})
		}
		p := int64(1)
		for _, x := range s[start : end+1] {
			p *= x
		}
		return out(append(append(append([]int64{}, s[:start]...), p), s[end+1:]...))
	case "expand":
		sizes, ok, _ := sizeArgsSigned(a)
		if !ok || len(sizes) < n {
			return nil, false, nil
		}
		r := make([]int64, len(sizes))
		for i := range sizes {
			j := i - (len(sizes) - n)
			r[i] = sizes[i]
			if sizes[i] == -1 && j >= 0 {
				r[i] = s[j]
			}
		}
		return out(r)
	case "repeat":
		reps, ok, _ := sizeArgs(a)
		if !ok || len(reps) < n {
			return nil, false, nil
		}
		r := make([]int64, len(reps))
		for i := range reps {
			j := i - (len(reps) - n)
			r[i] = reps[i]
			if j >= 0 {
				r[i] *= s[j]
			}
		}
		return out(r)
	}
	return nil, false, nil
}

// sizeArgsSigned is sizeArgs allowing -1 (view's inferred size, expand's
// kept one).
func sizeArgsSigned(a starlark.Tuple) ([]int64, bool, error) {
	if len(a) == 1 {
		if x, ok := a[0].(starlark.Tuple); ok {
			a = x
		} else if l, ok := a[0].(*starlark.List); ok {
			a = nil
			for i := 0; i < l.Len(); i++ {
				a = append(a, l.Index(i))
			}
		}
	}
	var out []int64
	for _, v := range a {
		i, ok := v.(starlark.Int)
		if !ok {
			return nil, false, nil
		}
		d, exact := i.Int64()
		if !exact || d < -1 || d > maxNumel {
			return nil, false, nil
		}
		out = append(out, d)
	}
	return out, true, nil
}

func reshape(t *Tensor, a starlark.Tuple, out func([]int64) (*Tensor, bool, error)) (*Tensor, bool, error) {
	sizes, ok, _ := sizeArgsSigned(a)
	if !ok {
		return nil, false, nil
	}
	total, p, infer := t.Numel(), int64(1), -1
	for i, d := range sizes {
		if d == -1 {
			if infer >= 0 {
				return nil, false, fmt.Errorf("only one dimension can be inferred")
			}
			infer = i
			continue
		}
		p *= d
	}
	if infer >= 0 {
		if p == 0 || total%p != 0 {
			return nil, false, fmt.Errorf("shape %v is invalid for input of size %d", sizes, total)
		}
		sizes[infer] = total / p
	} else if p != total {
		return nil, false, fmt.Errorf("shape %v is invalid for input of size %d", sizes, total)
	}
	return out(sizes)
}

// broadcast is the shape of an elementwise operation of a and b.
func broadcast(a, b []int64) ([]int64, error) {
	n := max(len(a), len(b))
	r := make([]int64, n)
	for i := 0; i < n; i++ {
		x, y := int64(1), int64(1)
		if j := i - (n - len(a)); j >= 0 {
			x = a[j]
		}
		if j := i - (n - len(b)); j >= 0 {
			y = b[j]
		}
		switch {
		case x == y || y == 1:
			r[i] = x
		case x == 1:
			r[i] = y
		default:
			return nil, fmt.Errorf("the sizes %v and %v do not broadcast", a, b)
		}
	}
	return r, nil
}

// binary is t op y: a number keeps t's shape, a tensor broadcasts.
func (t *Tensor) binary(op syntax.Token, y starlark.Value) (starlark.Value, error) {
	unknown := &Tensor{Desc: "an expression of " + t.Desc}
	switch x := y.(type) {
	case starlark.Int, starlark.Float, starlark.Bool:
		if t.Known {
			return &Tensor{Shape: t.Shape, Known: true, Desc: unknown.Desc}, nil
		}
	case *Tensor:
		if t.Known && x.Known {
			s, err := broadcast(t.Shape, x.Shape)
			if err != nil {
				return nil, err
			}
			return &Tensor{Shape: s, Known: true, Desc: unknown.Desc}, nil
		}
	}
	return unknown, nil
}

// torchFunc is torch.name(x, …) for the functions whose result shape is
// known from their operands: elementwise ones, cat, stack, outer.
func torchFunc(name string) *starlark.Builtin {
	return starlark.NewBuiltin("torch."+name, func(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		unknown := &Tensor{Desc: "torch." + name + "(…)"}
		if len(a) == 0 {
			return unknown, nil
		}
		switch name {
		case "cat", "concat", "stack":
			return catStack(name, a, kw, unknown)
		case "outer":
			x, ok1 := a[0].(*Tensor)
			y, ok2 := a[len(a)-1].(*Tensor)
			if ok1 && ok2 && x.Known && y.Known && len(x.Shape) == 1 && len(y.Shape) == 1 {
				return &Tensor{Shape: []int64{x.Shape[0], y.Shape[0]}, Known: true, Desc: unknown.Desc}, nil
			}
			return unknown, nil
		}
		if x, ok := a[0].(*Tensor); ok && x.Known {
			return &Tensor{Shape: x.Shape, Known: true, Desc: unknown.Desc}, nil
		}
		return unknown, nil
	})
}

func catStack(name string, a starlark.Tuple, kw []starlark.Tuple, unknown *Tensor) (starlark.Value, error) {
	var ts []*Tensor
	it := starlark.Iterate(a[0])
	if it == nil {
		return unknown, nil
	}
	defer it.Done()
	var v starlark.Value
	for it.Next(&v) {
		x, ok := v.(*Tensor)
		if !ok || !x.Known {
			return unknown, nil
		}
		ts = append(ts, x)
	}
	if len(ts) == 0 {
		return unknown, nil
	}
	var d starlark.Value = starlark.MakeInt(0)
	if len(a) > 1 {
		d = a[1]
	}
	for _, x := range kw {
		if k, _ := starlark.AsString(x[0]); k == "dim" {
			d = x[1]
		}
	}
	rank := len(ts[0].Shape)
	if name == "stack" {
		rank++
	}
	i, err := starlark.AsInt32(d)
	if err != nil {
		return unknown, nil
	}
	if i < 0 {
		i += rank
	}
	if i < 0 || i >= rank {
		return nil, fmt.Errorf("torch.%s: dimension %v out of range", name, d)
	}
	s := append([]int64{}, ts[0].Shape...)
	if name == "stack" {
		s = append(s[:i:i], append([]int64{int64(len(ts))}, s[i:]...)...)
		return &Tensor{Shape: s, Known: true, Desc: unknown.Desc}, nil
	}
	s[i] = 0
	for _, x := range ts {
		if len(x.Shape) != len(s) {
			return unknown, nil
		}
		s[i] += x.Shape[i]
	}
	return &Tensor{Shape: s, Known: true, Desc: unknown.Desc}, nil
}

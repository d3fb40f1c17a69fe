package torchcode

import (
	"fmt"
	"strings"

	"go.starlark.net/starlark"

	"github.com/layerinfo/layerinfo/graph"

	"github.com/layerinfo/layerinfo/internal/pyhost"
)

// maxDims and maxNumel bound the tensors a file may declare: a shape is
// only recorded, never allocated, but counts must stay in int64.
const (
	maxDims  = 16
	maxNumel = 1 << 50
)

// Tensor is a tensor made while a model is built: its shape when known,
// and whether it is an nn.Parameter (and trains). Its identity is the
// tensor's: a module that takes another's weight shares this value, and
// it is counted once.
type Tensor struct {
	Shape []int64 // nil: unknown (Known false); -1: the symbolic batch N
	Known bool
	Param bool
	Grad  bool   // requires_grad
	Desc  string // what made it, for messages

	// Set while forward is traced.
	DType graph.DType    // "": float32
	src   []*graph.Value // the graph values its data comes from
	how   string         // how its last size was derived ("64*16*16 after flatten"), for messages
	tr    *tracer        // the trace it belongs to
}

var (
	_ starlark.HasAttrs    = (*Tensor)(nil)
	_ starlark.HasSetField = (*Tensor)(nil)
	_ starlark.HasSetKey   = (*Tensor)(nil)
	_ starlark.HasUnary    = (*Tensor)(nil)
)

func (t *Tensor) String() string {
	kind := "tensor"
	if t.Param {
		kind = "Parameter"
	}
	if !t.Known {
		return kind + "(?)"
	}
	return fmt.Sprintf("%s%v", kind, t.Shape)
}
func (t *Tensor) Type() string          { return "Tensor" }
func (t *Tensor) Freeze()               {}
func (t *Tensor) Truth() starlark.Bool  { return true }
func (t *Tensor) Hash() (uint32, error) { return pyhost.HashString(t.Desc), nil }

// SetKey is t[…] = v, which fills values and keeps the shape.
func (t *Tensor) SetKey(k, v starlark.Value) error { return nil }

// Numel is the element count of a known shape.
func (t *Tensor) Numel() int64 {
	n := int64(1)
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// SetField: p.requires_grad = False freezes a parameter; p.data = … keeps it.
func (t *Tensor) SetField(name string, v starlark.Value) error {
	switch name {
	case "requires_grad":
		t.Grad = bool(v.Truth())
		return nil
	case "data", "grad":
		return nil
	}
	return fmt.Errorf("cannot set Tensor.%s", name)
}

// sizeArgs reads a size given as torch.zeros does: sizes as arguments, or
// one tuple or list of them. ok is false when a size is not a known int.
func sizeArgs(a starlark.Tuple) (shape []int64, ok bool, err error) {
	if len(a) == 1 {
		switch x := a[0].(type) {
		case starlark.Tuple:
			a = x
		case *starlark.List:
			a = nil
			for i := 0; i < x.Len(); i++ {
				a = append(a, x.Index(i))
			}
		}
	}
	if len(a) > maxDims {
		return nil, false, fmt.Errorf("%d dimensions is more than the %d a tensor may have here", len(a), maxDims)
	}
	shape = []int64{}
	n := int64(1)
	for _, v := range a {
		if _, isN := v.(batchN); isN {
			shape = append(shape, -1) // the symbolic batch
			continue
		}
		i, isInt := v.(starlark.Int)
		if !isInt {
			return nil, false, nil
		}
		d, exact := i.Int64()
		if !exact || d < 0 {
			return nil, false, fmt.Errorf("size %v is not a valid tensor size", v)
		}
		if d > 0 && n > maxNumel/d {
			return nil, false, fmt.Errorf("a tensor of shape %v has more than 2^50 elements", a)
		}
		n *= max(d, 1)
		shape = append(shape, d)
	}
	return shape, true, nil
}

// kwBool is keyword k's truth, def when absent.
func kwBool(kw []starlark.Tuple, k string, def bool) bool {
	for _, x := range kw {
		if s, _ := starlark.AsString(x[0]); s == k {
			return bool(x[1].Truth())
		}
	}
	return def
}

// newTensor is torch.zeros and its kind: a tensor of the shape given.
func newTensor(name string) *starlark.Builtin {
	return starlark.NewBuiltin("torch."+name, func(th *starlark.Thread, b *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		v, err := makeTensor(name, a, kw)
		if x, ok := v.(*Tensor); ok && err == nil {
			x.tr = tracing(th)
			for _, d := range kwValues(kw, "dtype") {
				if dt, ok := dtypeArg(d); ok {
					x.DType = dt
				}
			}
			if len(a) > 0 && strings.HasSuffix(name, "_like") && x.DType == "" {
				if o, ok := a[0].(*Tensor); ok {
					x.DType = o.DType
				}
			}
		}
		return v, err
	})
}

func makeTensor(name string, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	{
		desc := "torch." + name + "(…)"
		switch name {
		case "full":
			if len(a) > 0 {
				a = a[:1]
			}
		case "eye":
			if len(a) == 1 {
				a = starlark.Tuple{a[0], a[0]}
			}
		case "zeros_like", "ones_like", "empty_like", "randn_like", "rand_like", "full_like":
			if len(a) > 0 {
				if t, ok := a[0].(*Tensor); ok {
					return &Tensor{Shape: t.Shape, Known: t.Known, Grad: kwBool(kw, "requires_grad", false), Desc: desc}, nil
				}
			}
			return &Tensor{Desc: desc}, nil
		case "arange":
			return arange(a, desc)
		case "tensor", "as_tensor":
			if len(a) == 0 {
				return nil, fmt.Errorf("torch.%s() needs data", name)
			}
			s, ok := dataShape(a[0])
			x := &Tensor{Shape: s, Known: ok, Grad: kwBool(kw, "requires_grad", false), Desc: desc}
			if isIntData(a[0]) {
				x.DType = graph.Int64
			}
			return x, nil
		case "Tensor", "FloatTensor", "LongTensor", "DoubleTensor", "HalfTensor", "IntTensor", "BoolTensor":
			if len(a) == 1 {
				switch a[0].(type) {
				case *starlark.List, starlark.Tuple:
					s, ok := dataShape(a[0])
					return &Tensor{Shape: s, Known: ok, Desc: desc}, nil
				}
			}
		}
		s, ok, err := sizeArgs(a)
		if err != nil {
			return nil, fmt.Errorf("torch.%s: %w", name, err)
		}
		return &Tensor{Shape: s, Known: ok, Grad: kwBool(kw, "requires_grad", false), Desc: desc}, nil
	}
}

// arange's length: arange(end), arange(start, end[, step]) of ints.
func arange(a starlark.Tuple, desc string) (starlark.Value, error) {
	var v [3]int64
	v[2] = 1
	for i, x := range a {
		n, ok := x.(starlark.Int)
		if !ok || i > 2 {
			return &Tensor{Desc: desc}, nil
		}
		v[i], _ = n.Int64()
	}
	start, end, step := int64(0), v[0], v[2]
	if len(a) >= 2 {
		start, end = v[0], v[1]
	}
	if step == 0 {
		return nil, fmt.Errorf("torch.arange: step must be nonzero")
	}
	n := (end - start + step - sign(step)) / step
	return &Tensor{Shape: []int64{max(n, 0)}, Known: true, Desc: desc, DType: graph.Int64}, nil
}

func sign(x int64) int64 {
	if x < 0 {
		return -1
	}
	return 1
}

// dataShape is the shape of nested lists of numbers (torch.tensor(data)).
func dataShape(v starlark.Value) ([]int64, bool) {
	var shape []int64
	for depth := 0; depth <= maxDims; depth++ {
		var n int
		var first starlark.Value
		switch x := v.(type) {
		case *starlark.List:
			n = x.Len()
			if n > 0 {
				first = x.Index(0)
			}
		case starlark.Tuple:
			n = len(x)
			if n > 0 {
				first = x[0]
			}
		case starlark.Int, starlark.Float, starlark.Bool:
			return append([]int64{}, shape...), true
		default:
			return nil, false
		}
		shape = append(shape, int64(n))
		if n == 0 {
			return shape, true
		}
		v = first
	}
	return nil, false
}

// isIntData reports whether nested lists hold ints only (torch.tensor's
// type is then long).
func isIntData(v starlark.Value) bool {
	for depth := 0; depth <= maxDims; depth++ {
		switch x := v.(type) {
		case *starlark.List:
			if x.Len() == 0 {
				return false
			}
			v = x.Index(0)
		case starlark.Tuple:
			if len(x) == 0 {
				return false
			}
			v = x[0]
		case starlark.Int:
			return true
		default:
			return false
		}
	}
	return false
}

package torchcode

import (
	"fmt"
	"slices"
	"strings"

	"go.starlark.net/starlark"

	"github.com/layerinfo/layerinfo/internal/pyhost"
)

func slicesContains(xs []int, x int) bool { return slices.Contains(xs, x) }

// flatten is torch.flatten(t, start, end): the axes start..end become one
// (a 0-d tensor becomes 1-d), the product kept for messages.
func flatten(t *Tensor, start, end int64) (*Tensor, error) {
	n := int64(len(t.Shape))
	if n == 0 {
		return derive(t, []int64{1}, t.Desc), nil
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	if start < 0 || start >= n || end < 0 || end >= n {
		return nil, fmt.Errorf("flatten: dimension out of range for a tensor of %d dimensions", n)
	}
	if start > end {
		return nil, fmt.Errorf("flatten() has invalid args: start_dim cannot come after end_dim")
	}
	p := int64(1)
	var parts []string
	for _, x := range t.Shape[start : end+1] {
		if x < 0 || p < 0 {
			p = -1
		} else {
			p *= x
		}
		parts = append(parts, dimText(x))
	}
	s := append(append(append([]int64{}, t.Shape[:start]...), p), t.Shape[end+1:]...)
	r := derive(t, s, t.Desc)
	if len(parts) > 1 {
		r.how = strings.Join(parts, "*") + " after flatten"
	}
	return r, nil
}

func dimText(d int64) string {
	if d < 0 {
		return "N"
	}
	return fmt.Sprint(d)
}

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
func shapeMethod(t *Tensor, name string, a starlark.Tuple, kw []starlark.Tuple) (*Tensor, bool, error) {
	if !t.Known {
		return nil, false, nil
	}
	if len(kw) > 0 {
		// dim=, start_dim=, end_dim=, dim0=, dim1=: as positions.
		order := map[string][]string{"unsqueeze": {"dim"}, "squeeze": {"dim"}, "transpose": {"dim0", "dim1"},
			"swapaxes": {"axis0", "axis1"}, "flatten": {"start_dim", "end_dim"}}[name]
		if order == nil {
			return nil, false, nil
		}
		b := append(starlark.Tuple{}, a...)
		for i, k := range order {
			if v := argOf(nil, kw, -1, k); v != nil {
				for len(b) <= i {
					b = append(b, nil)
				}
				b[i] = v
			}
		}
		if name == "flatten" && len(b) > 0 && b[0] == nil {
			b[0] = starlark.MakeInt(0)
		}
		for _, v := range b {
			if v == nil {
				return nil, false, nil
			}
		}
		a = b
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
		return derive(t, s, t.Desc+"."+name+"(…)"), true, nil
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
		// torch: squeezing a dim whose size is not 1 keeps it.
		var drop []int
		if len(a) >= 1 {
			ds, err := dimsOf(a[0], n)
			if err != nil {
				return nil, false, err
			}
			drop = ds
		} else {
			drop, _ = dimsOf(nil, n)
		}
		r := []int64{}
		for i, x := range s {
			if x == 1 && slicesContains(drop, i) {
				continue
			}
			r = append(r, x)
		}
		return out(r)
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
	case "movedim", "moveaxis":
		if len(a) != 2 {
			return nil, false, nil
		}
		i, err1 := dim(a[0], n)
		j, err2 := dim(a[1], n)
		if err := first(err1, err2); err != nil {
			return nil, false, err
		}
		x := s[i]
		r := append(append([]int64{}, s[:i]...), s[i+1:]...)
		r = append(r[:j], append([]int64{x}, r[j:]...)...)
		return out(r)
	case "unflatten":
		if len(a) != 2 {
			return nil, false, nil
		}
		i, err := dim(a[0], n)
		if err != nil {
			return nil, false, err
		}
		part := derive(t, []int64{s[i]}, t.Desc)
		sub, ok, err := reshape(part, starlark.Tuple{a[1]}, func(x []int64) (*Tensor, bool, error) { return derive(t, x, ""), true, nil })
		if err != nil || !ok {
			return nil, ok, err
		}
		return out(append(append(append([]int64{}, s[:i]...), sub.Shape...), s[i+1:]...))
	case "view", "reshape":
		if len(a) == 1 {
			if _, isStr := a[0].(starlark.String); isStr {
				return nil, false, nil // view(dtype)
			}
			if _, isOp := a[0].(*pyhost.Opaque); isOp {
				return nil, false, nil
			}
		}
		return reshape(t, a, out)
	case "flatten":
		start, end := int64(0), int64(-1)
		if len(a) > 0 {
			d, err := starlark.AsInt32(a[0])
			if err != nil {
				return nil, false, err
			}
			start = int64(d)
		}
		if len(a) > 1 {
			d, err := starlark.AsInt32(a[1])
			if err != nil {
				return nil, false, err
			}
			end = int64(d)
		}
		r, err := flatten(t, start, end)
		return r, err == nil, err
	case "expand", "broadcast_to":
		sizes, ok, _ := sizeArgsSigned(a)
		if !ok {
			return nil, false, nil
		}
		if len(sizes) < n {
			return nil, false, fmt.Errorf("the number of sizes provided (%d) must be greater or equal to the number of dimensions in the tensor (%d)", len(sizes), n)
		}
		r := make([]int64, len(sizes))
		for i := range sizes {
			j := i - (len(sizes) - n)
			r[i] = sizes[i]
			switch {
			case sizes[i] == -1 && j >= 0:
				r[i] = s[j]
			case sizes[i] == -1:
				return nil, false, fmt.Errorf("-1 is not allowed in a leading, non-existing dimension")
			case j >= 0 && s[j] != 1 && s[j] != sizes[i] && s[j] >= 0:
				return nil, false, fmt.Errorf("the expanded size of the tensor (%d) must match the existing size (%d) at non-singleton dimension %d; target sizes %v, tensor sizes %s", sizes[i], s[j], i, sizes, shapeText(s))
			}
		}
		return out(r)
	case "repeat":
		reps, ok, _ := sizeArgs(a)
		if !ok {
			return nil, false, nil
		}
		if len(reps) < n {
			return nil, false, fmt.Errorf("number of dimensions of repeat dims (%d) can not be smaller than number of dimensions of tensor (%d)", len(reps), n)
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
		if _, isN := v.(batchN); isN {
			out = append(out, symBatch)
			continue
		}
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

// symBatch marks the symbolic batch N among sizes that may hold -1
// (view's inferred size).
const symBatch = -2

func dimTexts(s []int64) []string {
	out := make([]string, len(s))
	for i, d := range s {
		out[i] = dimText(d)
	}
	return out
}

func reshape(t *Tensor, a starlark.Tuple, out func([]int64) (*Tensor, bool, error)) (*Tensor, bool, error) {
	sizes, ok, _ := sizeArgsSigned(a)
	if !ok {
		return nil, false, nil
	}
	// The symbolic batch N cancels: as many N in the sizes as in the
	// input, the rest of the arithmetic on the known sizes.
	total, p, infer := int64(1), int64(1), -1
	nIn, nOut := 0, 0
	for _, d := range t.Shape {
		if d < 0 {
			nIn++
		} else {
			total *= d
		}
	}
	for i, d := range sizes {
		switch d {
		case -1:
			if infer >= 0 {
				return nil, false, fmt.Errorf("only one dimension can be inferred")
			}
			infer = i
			continue
		case symBatch:
			nOut++
			continue
		}
		p *= d
	}
	if nIn != nOut {
		// view(-1, C*H*W) of an N-batch: the inferred size is N when
		// the rest hold one example; N*k otherwise, which is not a
		// size layerinfo writes, so the result is unknown.
		if nIn == 1 && nOut == 0 && infer >= 0 && p > 0 && total == p {
			sizes[infer] = -1
			r, ok, err := out(sizes)
			return r, ok, err
		}
		return nil, false, nil
	}
	restore := func() {
		for i := range sizes {
			if sizes[i] == symBatch {
				sizes[i] = -1
			}
		}
	}
	if infer >= 0 {
		if p == 0 || total%p != 0 {
			return nil, false, fmt.Errorf("shape %s is invalid for input of size %d (%s): %d does not divide by %d", sizesText(sizes), total, strings.Join(dimTexts(t.Shape), "*"), total, p)
		}
		sizes[infer] = total / p
		restore()
	} else if restore(); p != total {
		return nil, false, fmt.Errorf("shape %s is invalid for input of size %d (%s): it holds %d", sizesText(sizes), total, strings.Join(dimTexts(t.Shape), "*"), p)
	}
	r, ok, err := out(sizes)
	if r != nil && len(sizes) > 0 && len(sizes) < len(t.Shape) {
		r.how = fmt.Sprintf("%s after view", strings.Join(dimTexts(t.Shape[len(sizes)-1:]), "*"))
	}
	return r, ok, err
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
		case x < 0 || y < 0:
			r[i] = -1 // the symbolic batch against a size: N
		default:
			return nil, fmt.Errorf("the sizes %v and %v do not broadcast", a, b)
		}
	}
	return r, nil
}

// sizesText is sizes as given to view: [4, -1].
func sizesText(s []int64) string {
	return strings.ReplaceAll(fmt.Sprint(s), " ", ", ")
}

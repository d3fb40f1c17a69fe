package torchcode

import (
	"fmt"
	"strings"

	"go.starlark.net/starlark"

	"github.com/layerinfo/layerinfo/internal/spell"
)

// args are a torch.nn constructor's arguments bound to its signature's
// names; an absent optional argument is not in the map.
type args struct {
	class string
	v     map[string]starlark.Value
}

// bindArgs binds a and kw to sig, Python's way: names in order, a
// trailing "?" marks an optional one. An unknown keyword, a missing
// required argument or too many are errors, as PyTorch's TypeError.
func bindArgs(class string, sig []string, a starlark.Tuple, kw []starlark.Tuple) (args, error) {
	r := args{class: class, v: map[string]starlark.Value{}}
	names := make([]string, len(sig))
	for i, s := range sig {
		names[i] = strings.TrimSuffix(s, "?")
	}
	if len(a) > len(sig) {
		return r, fmt.Errorf("%s() takes at most %d arguments (%d given)", class, len(sig), len(a))
	}
	for i, v := range a {
		r.v[names[i]] = v
	}
	for _, x := range kw {
		k, _ := starlark.AsString(x[0])
		known := false
		for _, n := range names {
			known = known || n == k
		}
		if !known {
			msg := fmt.Sprintf("%s() got an unexpected keyword argument '%s'", class, k)
			if s := spell.Nearest(k, names); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			return r, fmt.Errorf("%s", msg)
		}
		if _, dup := r.v[k]; dup {
			return r, fmt.Errorf("%s() got multiple values for argument '%s'", class, k)
		}
		r.v[k] = x[1]
	}
	for i, s := range sig {
		if !strings.HasSuffix(s, "?") {
			if _, ok := r.v[names[i]]; !ok {
				return r, fmt.Errorf("%s() missing required argument '%s'", class, names[i])
			}
		}
	}
	return r, nil
}

func (a args) has(k string) bool {
	v, ok := a.v[k]
	return ok && v != starlark.None
}

// int is argument k as a non-negative int (def when absent).
func (a args) int(k string, def int64) (int64, error) {
	v, ok := a.v[k]
	if !ok || v == starlark.None {
		return def, nil
	}
	return a.asInt(k, v)
}

func (a args) asInt(k string, v starlark.Value) (int64, error) {
	switch x := v.(type) {
	case starlark.Int:
		n, ok := x.Int64()
		if !ok || n < 0 || n > maxNumel {
			return 0, fmt.Errorf("%s: %s=%v is out of range", a.class, k, v)
		}
		return n, nil
	case starlark.Bool:
		if x {
			return 1, nil
		}
		return 0, nil
	}
	if u := v.Type(); strings.HasPrefix(u, "undefined name ") {
		return 0, fmt.Errorf("name '%s' is not defined", strings.TrimPrefix(u, "undefined name "))
	}
	return 0, fmt.Errorf("%s: %s must be an int, not %s (%v): the parameter shapes depend on it", a.class, k, v.Type(), v)
}

// ints is argument k as n ints: one int repeated, or a tuple/list of n
// (def when absent).
func (a args) ints(k string, n int, def int64) ([]int64, error) {
	v, ok := a.v[k]
	out := make([]int64, n)
	if !ok || v == starlark.None {
		for i := range out {
			out[i] = def
		}
		return out, nil
	}
	var items []starlark.Value
	switch x := v.(type) {
	case starlark.Tuple:
		items = x
	case *starlark.List:
		for i := 0; i < x.Len(); i++ {
			items = append(items, x.Index(i))
		}
	default:
		d, err := a.asInt(k, v)
		if err != nil {
			return nil, err
		}
		for i := range out {
			out[i] = d
		}
		return out, nil
	}
	if len(items) != n {
		return nil, fmt.Errorf("%s: %s has %d values, want %d", a.class, k, len(items), n)
	}
	for i, x := range items {
		d, err := a.asInt(k, x)
		if err != nil {
			return nil, err
		}
		out[i] = d
	}
	return out, nil
}

// shape is argument k as a shape: an int or a tuple/list of ints
// (LayerNorm's normalized_shape).
func (a args) shape(k string) ([]int64, error) {
	v := a.v[k]
	switch x := v.(type) {
	case starlark.Tuple, *starlark.List:
		s, ok, err := sizeArgs(starlark.Tuple{x})
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", a.class, k, err)
		}
		if !ok {
			return nil, fmt.Errorf("%s: %s=%v is not a shape of ints", a.class, k, v)
		}
		return s, nil
	}
	d, err := a.asInt(k, v)
	if err != nil {
		return nil, err
	}
	return []int64{d}, nil
}

func (a args) bool(k string, def bool) bool {
	v, ok := a.v[k]
	if !ok {
		return def
	}
	return bool(v.Truth())
}

package pycode

import (
	"fmt"
	"strings"

	"go.starlark.net/starlark"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/pyhost"
	"github.com/layerinfo/layerinfo/internal/spell"
)

// param is one parameter of a Python signature. Required parameters have
// no default; a default is only documentation here (the builder applies
// the framework's default when the argument is absent).
type param struct {
	name     string
	required bool
}

// sig parses "incoming, num_units, W=, b=, nonlinearity=, num_leading_axes=":
// a name ending in "=" has a default.
func sig(s string) []param {
	var ps []param
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if strings.HasSuffix(f, "=") {
			ps = append(ps, param{name: strings.TrimSuffix(f, "=")})
		} else {
			ps = append(ps, param{name: f, required: true})
		}
	}
	return ps
}

// args are bound call arguments by parameter name.
type args struct {
	fn   string // the callee, for messages
	vals argVals
}

// argVals are arguments by name: a call's few, kept in a list (a map per
// call cost more than the lookups it saves).
type argVals []argVal

type argVal struct {
	name string
	v    starlark.Value
}

// lookup returns the argument named name.
func (vs argVals) lookup(name string) (starlark.Value, bool) {
	for i := range vs {
		if vs[i].name == name {
			return vs[i].v, true
		}
	}
	return nil, false
}

// set gives the argument named name the value v.
func (vs *argVals) set(name string, v starlark.Value) {
	for i := range *vs {
		if (*vs)[i].name == name {
			(*vs)[i].v = v
			return
		}
	}
	*vs = append(*vs, argVal{name, v})
}

// bind matches positional and keyword arguments to a signature as Python
// does, allowing the extra keywords given (Lasagne's Layer takes name=).
func bind(fn string, ps []param, extra []string, a starlark.Tuple, kw []starlark.Tuple) (*args, error) {
	out := &args{fn: fn, vals: make(argVals, 0, len(a)+len(kw))}
	if len(a) > len(ps) {
		return nil, fmt.Errorf("%s takes at most %d positional arguments (%d given)", fn, len(ps), len(a))
	}
	for i, v := range a {
		out.vals.set(ps[i].name, v)
	}
	for _, kv := range kw {
		k := string(kv[0].(starlark.String))
		known := false
		for _, p := range ps {
			if p.name == k {
				known = true
			}
		}
		for _, e := range extra {
			if e == k {
				known = true
			}
		}
		if !known {
			names := append([]string{}, extra...)
			for _, p := range ps {
				names = append(names, p.name)
			}
			msg := fmt.Sprintf("%s got an unexpected keyword argument %q", fn, k)
			if s := spell.Nearest(k, names); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			return nil, fmt.Errorf("%s", msg)
		}
		if _, dup := out.vals.lookup(k); dup {
			return nil, fmt.Errorf("%s got multiple values for argument %q", fn, k)
		}
		out.vals.set(k, kv[1])
	}
	for _, p := range ps {
		if _, ok := out.vals.lookup(p.name); p.required && !ok {
			return nil, fmt.Errorf("%s is missing the required argument %q", fn, p.name)
		}
	}
	return out, nil
}

// get returns the argument or nil.
func (a *args) get(name string) starlark.Value {
	v, _ := a.vals.lookup(name)
	return v
}

// isNone reports whether the argument was given as None.
func (a *args) isNone(name string) bool {
	v, ok := a.vals.lookup(name)
	return ok && v == starlark.None
}

// str returns a string argument, or def.
func (a *args) str(name, def string) (string, error) {
	v, ok := a.vals.lookup(name)
	if !ok || v == starlark.None {
		return def, nil
	}
	s, ok := v.(starlark.String)
	if !ok {
		return "", fmt.Errorf("%s: %s must be a string, got %s", a.fn, name, pyhost.Describe(v))
	}
	return string(s), nil
}

// int returns an integer argument, or def when absent.
func (a *args) int(name string, def int64) (int64, error) {
	v, ok := a.vals.lookup(name)
	if !ok {
		return def, nil
	}
	n, err := toInt(v)
	if err != nil {
		if _, ok := asDataError(err, name); ok {
			return 0, err
		}
		return 0, fmt.Errorf("%s: %s %w", a.fn, name, err)
	}
	return n, nil
}

// bool returns a boolean argument, or def.
func (a *args) bool(name string, def bool) bool {
	v, ok := a.vals.lookup(name)
	if !ok {
		return def
	}
	if _, isOpaque := v.(*pyhost.Opaque); isOpaque {
		return def
	}
	return bool(v.Truth())
}

// ints returns an int or a tuple of n ints (one int means all n), or def.
func (a *args) ints(name string, n int, def []int64) ([]int64, error) {
	v, ok := a.vals.lookup(name)
	if !ok || v == starlark.None {
		return def, nil
	}
	xs, err := toInts(v, n)
	if err != nil {
		if _, ok := asDataError(err, name); ok {
			return nil, err
		}
		return nil, fmt.Errorf("%s: %s %w", a.fn, name, err)
	}
	return xs, nil
}

// toInt converts an integer (or an integral float, as Python 2 division
// made them) to int64; a value from data says so.
func toInt(v starlark.Value) (int64, error) {
	if x, ok := v.(*pyhost.Opaque); ok {
		return 0, &dataError{o: x.From, data: x.From != nil}
	}
	return pyhost.ToInt(v)
}

// toInts converts an int (repeated n times) or a sequence of n ints.
func toInts(v starlark.Value, n int) ([]int64, error) {
	if seq, ok := v.(starlark.Indexable); ok && pyhost.IsSequence(v) {
		if n > 0 && seq.Len() != n {
			return nil, fmt.Errorf("must have %d entries, got %s", n, v)
		}
		out := make([]int64, seq.Len())
		for i := range out {
			x, err := toInt(seq.Index(i))
			if err != nil {
				if de, ok := asDataError(err, ""); ok {
					de.elem = i + 1
					return nil, err
				}
				return nil, fmt.Errorf("entry %d %w", i, err)
			}
			out[i] = x
		}
		return out, nil
	}
	x, err := toInt(v)
	if err != nil {
		return nil, err
	}
	out := make([]int64, max(n, 1))
	for i := range out {
		out[i] = x
	}
	return out, nil
}

// toShape converts a shape tuple such as (None, 1, 28, 28).
func toShape(v starlark.Value) (graph.Shape, error) {
	seq, ok := v.(starlark.Indexable)
	if !ok || !pyhost.IsSequence(v) {
		if _, err := toInt(v); err == nil {
			return toShape(starlark.Tuple{v})
		} else if _, ok := asDataError(err, ""); ok {
			return nil, err
		}
		return nil, fmt.Errorf("a shape must be a tuple of sizes such as (None, 1, 28, 28), got %s", pyhost.Describe(v))
	}
	s := make(graph.Shape, seq.Len())
	for i := range s {
		x := seq.Index(i)
		if x == starlark.None {
			s[i] = graph.Unknown()
			continue
		}
		n, err := toInt(x)
		if err != nil {
			if de, ok := asDataError(err, ""); ok {
				de.elem = i + 1
				return nil, err
			}
			return nil, fmt.Errorf("shape entry %d %w", i, err)
		}
		if n < 0 {
			return nil, fmt.Errorf("shape entry %d is negative (%d)", i, n)
		}
		s[i] = graph.D(n)
	}
	return s, nil
}

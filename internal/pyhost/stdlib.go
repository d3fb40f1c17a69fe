package pyhost

import (
	"fmt"

	"go.starlark.net/starlark"
)

// StdModules are the parts of Python's standard library that model code
// uses to build models, by import path: math, functools (partial,
// reduce, wraps), typing (cast, and Sequence, List, Tuple, Mapping and
// Dict for isinstance; TYPE_CHECKING is false), collections (OrderedDict
// as a dict, which keeps order, namedtuple). Other standard modules are
// placeholders. Exec offers them
// after the front-end's import hook.
func StdModules() map[string]starlark.Value {
	return map[string]starlark.Value{
		"math": Math(),
		// Not the standard library, but model code sizes layers with it
		// (nn.Linear(int(np.prod(img_shape)), 512)).
		"numpy": Numpy(),
		"functools": &Module{Name: "functools", Open: true, Members: starlark.StringDict{
			"partial": starlark.NewBuiltin("partial", newPartial),
			"reduce":  starlark.NewBuiltin("reduce", reduce),
			// @functools.wraps(f) on a wrapper: the wrapper as it is.
			"wraps": starlark.NewBuiltin("wraps", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
				return starlark.NewBuiltin("wraps(…)", func(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
					if len(a) != 1 {
						return nil, fmt.Errorf("wraps(…) takes the wrapper")
					}
					return a[0], nil
				}), nil
			}),
		}},
		"typing": &Module{Name: "typing", Open: true, Members: starlark.StringDict{
			"TYPE_CHECKING": starlark.False,
			"Sequence":      newAbstract("Sequence", isSeq),
			"List":          newAbstract("List", isSeq),
			"Tuple":         newAbstract("Tuple", isSeq),
			"Mapping":       newAbstract("Mapping", isMap),
			"Dict":          newAbstract("Dict", isMap),
			// cast(T, v) is v.
			"cast": starlark.NewBuiltin("cast", func(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
				if len(a) != 2 {
					return nil, fmt.Errorf("cast takes a type and a value")
				}
				return a[1], nil
			}),
		}},
		"collections": &Module{Name: "collections", Open: true, Members: starlark.StringDict{
			"OrderedDict": starlark.Universe["dict"],
			"namedtuple":  starlark.NewBuiltin("namedtuple", namedTuple),
		}},
	}
}

// abstractType is a typing ABC that isinstance understands
// (isinstance(setting, Sequence)); T[…] is T again.
type abstractType struct {
	name string
	is   func(starlark.Value) bool
}

func newAbstract(name string, is func(starlark.Value) bool) *abstractType {
	return &abstractType{name: "typing." + name, is: is}
}

func isSeq(v starlark.Value) bool { return IsSequence(v) }
func isMap(v starlark.Value) bool { _, ok := v.(*starlark.Dict); return ok }

func (t *abstractType) String() string                   { return t.name }
func (t *abstractType) Type() string                     { return "type" }
func (t *abstractType) Freeze()                          {}
func (t *abstractType) Truth() starlark.Bool             { return true }
func (t *abstractType) Hash() (uint32, error)            { return HashString(t.name), nil }
func (t *abstractType) IsInstance(v starlark.Value) bool { return t.is(v) }
func (t *abstractType) Get(starlark.Value) (starlark.Value, bool, error) {
	return t, true, nil
}

// lookupPath finds a dotted path in a tree of modules: nil if absent.
func lookupPath(roots map[string]starlark.Value, path string) starlark.Value {
	var v starlark.Value
	start := 0
	for i := 0; i <= len(path); i++ {
		if i < len(path) && path[i] != '.' {
			continue
		}
		part := path[start:i]
		start = i + 1
		if v == nil {
			if v = roots[part]; v == nil {
				return nil
			}
			continue
		}
		m, ok := v.(*Module)
		if !ok {
			return nil
		}
		if v = m.Members[part]; v == nil {
			return nil
		}
	}
	return v
}

// partial is functools.partial(fn, *args, **kw).
type partial struct {
	fn   starlark.Value
	args starlark.Tuple
	kw   []starlark.Tuple
}

func newPartial(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if len(a) < 1 {
		return nil, fmt.Errorf("partial needs a function")
	}
	return &partial{fn: a[0], args: append(starlark.Tuple(nil), a[1:]...), kw: append([]starlark.Tuple(nil), kw...)}, nil
}

func (p *partial) String() string        { return "functools.partial(" + p.fn.String() + ", …)" }
func (p *partial) Type() string          { return "functools.partial" }
func (p *partial) Freeze()               {}
func (p *partial) Truth() starlark.Bool  { return true }
func (p *partial) Hash() (uint32, error) { return HashString(p.String()), nil }
func (p *partial) Name() string          { return "partial" }

// CallInternal calls the function with the stored arguments first; a
// keyword given again replaces the stored one, as in Python.
func (p *partial) CallInternal(th *starlark.Thread, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	given := map[string]bool{}
	for _, x := range kw {
		given[string(x[0].(starlark.String))] = true
	}
	var all []starlark.Tuple
	for _, x := range p.kw {
		if !given[string(x[0].(starlark.String))] {
			all = append(all, x)
		}
	}
	return starlark.Call(th, p.fn, append(append(starlark.Tuple(nil), p.args...), a...), append(all, kw...))
}

// Attr gives func, args and keywords, as Python's partial does.
func (p *partial) Attr(name string) (starlark.Value, error) {
	switch name {
	case "func":
		return p.fn, nil
	case "args":
		return p.args, nil
	case "keywords":
		d := starlark.NewDict(len(p.kw))
		for _, x := range p.kw {
			d.SetKey(x[0], x[1])
		}
		return d, nil
	}
	return nil, nil
}

func (p *partial) AttrNames() []string { return []string{"args", "func", "keywords"} }

func reduce(th *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	if len(a) < 2 || len(a) > 3 {
		return nil, fmt.Errorf("reduce takes a function, an iterable and an initial value")
	}
	it := starlark.Iterate(a[1])
	if it == nil {
		return nil, fmt.Errorf("reduce: %s is not iterable", a[1].Type())
	}
	defer it.Done()
	var acc, x starlark.Value
	if len(a) == 3 {
		acc = a[2]
	} else if !it.Next(&acc) {
		return nil, fmt.Errorf("reduce of an empty sequence with no initial value")
	}
	for it.Next(&x) {
		var err error
		if acc, err = starlark.Call(th, a[0], starlark.Tuple{acc, x}, nil); err != nil {
			return nil, err
		}
	}
	return acc, nil
}

// namedTuple is collections.namedtuple(name, fields): a class whose
// instances have the fields as attributes.
func namedTuple(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if len(a) < 2 {
		return nil, fmt.Errorf("namedtuple takes a name and the fields")
	}
	name, _ := starlark.AsString(a[0])
	var fields []string
	switch f := a[1].(type) {
	case starlark.String:
		fields = splitFields(string(f))
	case starlark.Indexable:
		for i := 0; i < f.Len(); i++ {
			s, _ := starlark.AsString(f.Index(i))
			fields = append(fields, s)
		}
	}
	return NewNative(name, &Native{
		Init: func(_ *starlark.Thread, o *Instance, a starlark.Tuple, kw []starlark.Tuple) error {
			if len(a) > len(fields) {
				return fmt.Errorf("%s takes %d arguments, got %d", name, len(fields), len(a))
			}
			for i, v := range a {
				o.Store(fields[i], v)
			}
			for _, x := range kw {
				o.Store(string(x[0].(starlark.String)), x[1])
			}
			return nil
		},
	}), nil
}

func splitFields(s string) []string {
	var out []string
	start := -1
	for i := 0; i <= len(s); i++ {
		if i < len(s) && IsIdent(s[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, s[start:i])
			start = -1
		}
	}
	return out
}

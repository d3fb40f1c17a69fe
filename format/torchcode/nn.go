package torchcode

import (
	"fmt"
	"strings"

	"go.starlark.net/starlark"

	"github.com/layerinfo/layerinfo/internal/pyhost"
	"github.com/layerinfo/layerinfo/internal/spell"
)

// newTorch makes one run's torch: nn.Module, the containers and the
// torch.nn layers, and the torch module that holds them.
func newTorch() (*torch, *pyhost.Module) {
	t := &torch{classes: map[string]*pyhost.Class{}}
	nn := &pyhost.Module{Name: "torch.nn", Members: starlark.StringDict{
		"Module":     t.newBase(),
		"init":       &pyhost.Module{Name: "torch.nn.init", Open: true},
		"functional": &pyhost.Module{Name: "torch.nn.functional", Open: true, Members: functional()},
		"utils":      t.utils(),
		"Parameter":  starlark.NewBuiltin("Parameter", parameter),
	}}
	nn.Members["parameter"] = &pyhost.Module{Name: "torch.nn.parameter", Members: starlark.StringDict{"Parameter": nn.Members["Parameter"]}}
	t.classes["Module"] = t.base
	for name, l := range layers {
		if name == "NonDynamicallyQuantizableLinear" {
			continue
		}
		t.classes[name] = t.leaf(name, l, t.base)
	}
	t.classes["NonDynamicallyQuantizableLinear"] = t.leaf("NonDynamicallyQuantizableLinear", layers["NonDynamicallyQuantizableLinear"], t.classes["Linear"])
	for _, name := range plain {
		t.classes[name] = t.leaf(name, layer{}, t.base)
	}
	// nn.Transformer.generate_square_subsequent_mask(sz): a static
	// method that model code calls for its causal mask, (sz, sz) floats.
	t.classes["Transformer"].Set("generate_square_subsequent_mask", starlark.NewBuiltin("generate_square_subsequent_mask", func(th *starlark.Thread, b *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		sz := argOf(a, kw, 0, "sz")
		if sz == nil {
			return nil, fmt.Errorf("generate_square_subsequent_mask() needs sz")
		}
		return newTensor("eye").CallInternal(th, starlark.Tuple{sz, sz}, nil)
	}))
	for _, name := range []string{"Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"} {
		t.classes[name] = t.container(name)
	}
	known := make([]string, 0, len(t.classes))
	for name, c := range t.classes {
		nn.Members[name] = c
		known = append(known, name)
	}
	// A torch.nn class layerinfo does not model is an error where it is
	// made, not a module silently left out of the count.
	unknown := func(name string) starlark.Value {
		return starlark.NewBuiltin("torch.nn."+name, func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
			msg := fmt.Sprintf("torch.nn.%s is not supported yet: its parameters cannot be counted", name)
			if s := spell.Nearest(name, known); s != "" {
				msg += fmt.Sprintf(" (did you mean nn.%s?)", s)
			}
			return nil, fmt.Errorf("%s", msg)
		})
	}
	nnMod := &lazyModule{Module: nn, missing: unknown}
	tm := &pyhost.Module{Name: "torch", Open: true, Members: starlark.StringDict{"nn": nnMod}}
	for _, f := range []string{"zeros", "ones", "empty", "randn", "rand", "randint", "full", "eye", "arange", "tensor", "as_tensor",
		"zeros_like", "ones_like", "empty_like", "randn_like", "rand_like", "full_like",
		"Tensor", "FloatTensor", "LongTensor", "DoubleTensor", "HalfTensor", "IntTensor", "BoolTensor"} {
		tm.Members[f] = newTensor(f)
	}
	torchMembers(tm.Members)
	return t, tm
}

// lazyModule is torch.nn: its members, and for a capitalised name it does
// not have (a class), a constructor that fails; other names (functions,
// submodules) are placeholders.
type lazyModule struct {
	*pyhost.Module
	missing func(name string) starlark.Value
}

func (m *lazyModule) Attr(name string) (starlark.Value, error) {
	if v, ok := m.Members[name]; ok {
		return v, nil
	}
	if name != "" && name[0] >= 'A' && name[0] <= 'Z' {
		return m.missing(name), nil
	}
	return &pyhost.Opaque{Desc: "torch.nn." + name}, nil
}

func (m *lazyModule) AttrNames() []string { return m.Module.AttrNames() }

// parameter is nn.Parameter(data, requires_grad=True): a new parameter
// tensor of data's shape.
func parameter(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var data starlark.Value = starlark.None
	var grad starlark.Value = starlark.True
	if err := starlark.UnpackArgs("Parameter", a, kw, "data?", &data, "requires_grad?", &grad); err != nil {
		return nil, err
	}
	p := &Tensor{Param: true, Grad: bool(grad.Truth()), Desc: "nn.Parameter(…)"}
	switch x := data.(type) {
	case *Tensor:
		p.Shape, p.Known, p.Desc = x.Shape, x.Known, "nn.Parameter("+x.Desc+")"
	case starlark.NoneType:
		p.Shape, p.Known = []int64{0}, true
	}
	return p, nil
}

// leaf is a torch.nn class: its constructor binds the arguments to the
// signature and registers what l builds.
func (t *torch) leaf(name string, l layer, base *pyhost.Class) *pyhost.Class {
	return pyhost.NewNative(name, &pyhost.Native{
		// super().forward(x) in a file's subclass (class MyConv(nn.Conv2d)).
		Methods: map[string]pyhost.Method{"forward": superForward},
		Init: func(th *starlark.Thread, o *pyhost.Instance, a starlark.Tuple, kw []starlark.Tuple) error {
			m := stateOf(o)
			m.args, m.kw, m.pos, m.leaf, m.kind = a, kw, where(th), true, name
			if l.build == nil {
				return nil
			}
			var bound args
			if l.sig != nil {
				var err error
				if bound, err = bindArgs(name, l.sig, a, kw); err != nil {
					return err
				}
			}
			bound.class = name
			b := &builder{th: th, o: o, t: t}
			if err := l.build(b, bound); err != nil {
				if !strings.HasPrefix(err.Error(), name) {
					err = fmt.Errorf("%s: %w", name, err)
				}
				return err
			}
			return nil
		},
	}, base)
}

// container is Sequential, ModuleList, ModuleDict, ParameterList or
// ParameterDict: entries named "0", "1", … or by their keys.
func (t *torch) container(name string) *pyhost.Class {
	params := strings.HasPrefix(name, "Parameter")
	add := func(o *pyhost.Instance, key string, v starlark.Value) error {
		if params {
			x, ok := v.(*Tensor)
			if !ok {
				x = &Tensor{Desc: name + "[" + key + "]"}
			}
			if !x.Param {
				x = &Tensor{Shape: x.Shape, Known: x.Known, Param: true, Grad: true, Desc: x.Desc}
			}
			return o.SetField(key, x)
		}
		if _, ok := t.isModule(v); !ok && v != starlark.None {
			return fmt.Errorf("%s: %s is not a Module subclass", name, v.Type())
		}
		return o.SetField(key, v)
	}
	entries := func(o *pyhost.Instance) []slot {
		if params {
			return stateOf(o).params
		}
		return stateOf(o).children
	}
	addAll := func(o *pyhost.Instance, v starlark.Value) error {
		switch x := v.(type) {
		case *starlark.Dict:
			for _, kv := range x.Items() {
				k, ok := starlark.AsString(kv[0])
				if !ok {
					return fmt.Errorf("%s: a key must be a string, not %s", name, kv[0].Type())
				}
				if err := add(o, k, kv[1]); err != nil {
					return err
				}
			}
			return nil
		case starlark.Iterable:
			it := starlark.Iterate(x)
			if it == nil {
				return fmt.Errorf("%s: %s is not iterable", name, v.Type())
			}
			defer it.Done()
			var e starlark.Value
			for it.Next(&e) {
				if pair, ok := e.(starlark.Tuple); ok && len(pair) == 2 && strings.HasSuffix(name, "Dict") {
					k, _ := starlark.AsString(pair[0])
					if err := add(o, k, pair[1]); err != nil {
						return err
					}
					continue
				}
				if err := add(o, fmt.Sprint(len(entries(o))), e); err != nil {
					return err
				}
			}
			return nil
		}
		return fmt.Errorf("%s: %s is not iterable", name, v.Type())
	}
	method := func(f func(o *pyhost.Instance, a starlark.Tuple) (starlark.Value, error)) pyhost.Method {
		return func(_ *starlark.Thread, o *pyhost.Instance, a starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
			return f(o, a)
		}
	}
	pairs := func(part int) pyhost.Method {
		return method(func(o *pyhost.Instance, _ starlark.Tuple) (starlark.Value, error) {
			var out []starlark.Value
			for _, s := range entries(o) {
				switch part {
				case 0:
					out = append(out, starlark.String(s.name))
				case 1:
					out = append(out, s.val)
				default:
					out = append(out, starlark.Tuple{starlark.String(s.name), s.val})
				}
			}
			return list(out), nil
		})
	}
	// A subclass of a container may define forward (densenet's
	// _DenseBlock is a ModuleDict); a plain one has none but Sequential.
	call := func(th *starlark.Thread, o *pyhost.Instance, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		if name == "Sequential" || pyForward(o) != nil {
			return t.call(th, o, a, kw)
		}
		return nil, fmt.Errorf("%s is not callable (it has no forward)", name)
	}
	getItem := func(o *pyhost.Instance, k starlark.Value) (starlark.Value, error) {
		es := entries(o)
		if key, ok := starlark.AsString(k); ok {
			for _, s := range es {
				if s.name == key {
					return s.val, nil
				}
			}
			return nil, nil // a missing key: k in d is False, d[k] a KeyError
		}
		i, err := starlark.AsInt32(k)
		if err != nil || strings.HasSuffix(name, "Dict") {
			return nil, fmt.Errorf("%s indices must be %s, not %s", name, map[bool]string{true: "strings", false: "integers"}[strings.HasSuffix(name, "Dict")], k.Type())
		}
		if i < 0 {
			i += len(es)
		}
		if i < 0 || i >= len(es) {
			return nil, fmt.Errorf("index %v is out of range for %s of %d entries", k, name, len(es))
		}
		return es[i].val, nil
	}
	return pyhost.NewNative(name, &pyhost.Native{
		Call:    call,
		GetItem: getItem,
		Len:     func(o *pyhost.Instance) int { return len(entries(o)) },
		// Sequential, ModuleList, ParameterList iterate their entries;
		// ModuleDict and ParameterDict their keys, as Python's do.
		Items: func(o *pyhost.Instance) []starlark.Value {
			var out []starlark.Value
			for _, s := range entries(o) {
				if strings.HasSuffix(name, "Dict") {
					out = append(out, starlark.String(s.name))
				} else {
					out = append(out, s.val)
				}
			}
			return out
		},
		Init: func(th *starlark.Thread, o *pyhost.Instance, a starlark.Tuple, kw []starlark.Tuple) error {
			stateOf(o).pos = where(th)
			stateOf(o).kind = name
			if len(kw) > 0 {
				return fmt.Errorf("%s() takes no keyword arguments", name)
			}
			if name == "Sequential" {
				if len(a) == 1 {
					if d, ok := a[0].(*starlark.Dict); ok {
						return addAll(o, d)
					}
				}
				for _, m := range a {
					if err := add(o, fmt.Sprint(len(entries(o))), m); err != nil {
						return err
					}
				}
				return nil
			}
			if len(a) > 1 {
				return fmt.Errorf("%s() takes at most one argument (%d given)", name, len(a))
			}
			if len(a) == 1 && a[0] != starlark.None {
				return addAll(o, a[0])
			}
			return nil
		},
		Methods: map[string]pyhost.Method{
			"append": method(func(o *pyhost.Instance, a starlark.Tuple) (starlark.Value, error) {
				if len(a) != 1 {
					return nil, fmt.Errorf("%s.append takes one argument", name)
				}
				return o, add(o, fmt.Sprint(len(entries(o))), a[0])
			}),
			"extend": method(func(o *pyhost.Instance, a starlark.Tuple) (starlark.Value, error) {
				if len(a) != 1 {
					return nil, fmt.Errorf("%s.extend takes one argument", name)
				}
				return o, addAll(o, a[0])
			}),
			"update": method(func(o *pyhost.Instance, a starlark.Tuple) (starlark.Value, error) {
				if len(a) != 1 {
					return nil, fmt.Errorf("%s.update takes one argument", name)
				}
				return starlark.None, addAll(o, a[0])
			}),
			"keys":   pairs(0),
			"values": pairs(1),
			"items":  pairs(2),
		},
	}, t.base)
}

// deepcopy is copy.deepcopy of a module (what TransformerEncoder does
// with its layer, and a file's clones(layer, N)): a blank instance of
// each class filled with copies of the attributes; tensors are new (a
// tensor tied inside the copy stays tied in it), other values shared.
func (t *torch) deepcopy(th *starlark.Thread, o *pyhost.Instance) (*pyhost.Instance, error) {
	v, err := copyValue(th, o, map[starlark.Value]starlark.Value{}, 0)
	if err != nil {
		return nil, err
	}
	return v.(*pyhost.Instance), nil
}

func copyValue(th *starlark.Thread, v starlark.Value, memo map[starlark.Value]starlark.Value, depth int) (starlark.Value, error) {
	if depth > 1000 {
		return nil, fmt.Errorf("deepcopy: the value is more than 1000 deep")
	}
	switch v.(type) {
	case *pyhost.Instance, *Tensor, *starlark.List, *starlark.Dict:
		if c, ok := memo[v]; ok {
			return c, nil
		}
	}
	rec := func(v starlark.Value) (starlark.Value, error) { return copyValue(th, v, memo, depth+1) }
	switch x := v.(type) {
	case *Tensor:
		c := *x
		memo[v] = &c
		return &c, nil
	case starlark.Tuple:
		out := make(starlark.Tuple, len(x))
		for i, e := range x {
			var err error
			if out[i], err = rec(e); err != nil {
				return nil, err
			}
		}
		return out, nil
	case *starlark.List:
		out := starlark.NewList(nil)
		memo[v] = out
		for i := 0; i < x.Len(); i++ {
			e, err := rec(x.Index(i))
			if err != nil {
				return nil, err
			}
			out.Append(e)
		}
		return out, nil
	case *starlark.Dict:
		out := starlark.NewDict(x.Len())
		memo[v] = out
		for _, kv := range x.Items() {
			e, err := rec(kv[1])
			if err != nil {
				return nil, err
			}
			out.SetKey(kv[0], e)
		}
		return out, nil
	case *pyhost.Instance:
		n := x.Class.Blank(th)
		memo[v] = n
		if m := stateOf(x); m != nil {
			c := &module{args: m.args, kw: m.kw, pos: m.pos, leaf: m.leaf, kind: m.kind}
			for _, part := range []struct{ from, to *[]slot }{{&m.params, &c.params}, {&m.buffers, &c.buffers}, {&m.children, &c.children}} {
				for _, s := range *part.from {
					e, err := rec(s.val)
					if err != nil {
						return nil, err
					}
					*part.to = append(*part.to, slot{s.name, e})
				}
			}
			n.State = c
		}
		for _, name := range x.Names() {
			a, _ := x.Own(name)
			e, err := rec(a)
			if err != nil {
				return nil, err
			}
			n.Store(name, e)
		}
		return n, nil
	}
	return v, nil
}

// copyModule is Python's copy module: deepcopy copies modules and
// tensors (copyValue); copy is shallow, which for a module is a deep
// copy of nothing but itself — modelled as deepcopy, the only use model
// code has for it being clones of a layer.
func copyModule() *pyhost.Module {
	deep := starlark.NewBuiltin("deepcopy", func(th *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		var x, memo starlark.Value
		if err := starlark.UnpackPositionalArgs("deepcopy", a, kw, 1, &x, &memo); err != nil {
			return nil, err
		}
		return copyValue(th, x, map[starlark.Value]starlark.Value{}, 0)
	})
	return &pyhost.Module{Name: "copy", Members: starlark.StringDict{"deepcopy": deep, "copy": deep}}
}

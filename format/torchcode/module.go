package torchcode

import (
	"fmt"
	"slices"
	"strings"

	"go.starlark.net/starlark"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/pyhost"
)

// slot is a name a module registered: a parameter, a buffer or a child
// module, in the order PyTorch keeps (_parameters, _buffers, _modules).
type slot struct {
	name string
	val  starlark.Value // *Tensor, *pyhost.Instance, or None
}

// module is the state of an nn.Module instance.
type module struct {
	params, buffers, children []slot
	args                      starlark.Tuple // a torch.nn class's constructor arguments (to copy it)
	kw                        []starlark.Tuple
	pos                       graph.Pos                  // where it was made
	leaf                      bool                       // a torch.nn layer, made again from args to copy it
	kind                      string                     // the torch.nn class whose forward it has ("Conv2d"), "" for nn.Module
	at                        map[*[]slot]map[string]int // the lists' name indexes (index)
	wrapped                   string                     // set when a call layerinfo does not model was given it (setAttr)
}

// A module's lists are searched by name; past a few entries (a
// Sequential of thousands of layers) through an index, so that building
// one stays linear.
const indexFrom = 8

// index is where each name stands in one of m's lists, rebuilt when the
// list changed behind it (drop, or a copy appending directly).
func (m *module) index(list *[]slot) map[string]int {
	if m.at == nil {
		m.at = map[*[]slot]map[string]int{}
	}
	ix := m.at[list]
	if ix == nil || len(ix) != len(*list) {
		ix = make(map[string]int, len(*list))
		for i, s := range *list {
			ix[s.name] = i
		}
		m.at[list] = ix
	}
	return ix
}

// find is the position of name in one of m's lists, -1 if absent.
func (m *module) find(list *[]slot, name string) int {
	if len(*list) < indexFrom {
		return slices.IndexFunc(*list, func(s slot) bool { return s.name == name })
	}
	if i, ok := m.index(list)[name]; ok && (*list)[i].name == name {
		return i
	}
	return -1
}

// set gives name the value v in one of m's lists, appending it if new.
func (m *module) set(list *[]slot, name string, v starlark.Value) {
	if i := m.find(list, name); i >= 0 {
		(*list)[i].val = v
		return
	}
	*list = append(*list, slot{name, v})
	if ix := m.at[list]; ix != nil && len(ix) == len(*list)-1 {
		ix[name] = len(*list) - 1
	}
}

// drop removes name from one of m's lists.
func (m *module) drop(list *[]slot, name string) {
	if m.find(list, name) >= 0 {
		*list = slices.DeleteFunc(*list, func(s slot) bool { return s.name == name })
	}
}

// torch is one run's torch.nn: the classes and what they made.
type torch struct {
	classes map[string]*pyhost.Class
	base    *pyhost.Class // nn.Module
	fed     []fedCall     // module calls the file makes outside a trace, with tensors of known shape
	wrapped []string      // notes on modules kept from calls layerinfo does not model (setAttr)
	// opaque are module attributes holding values layerinfo cannot
	// read (self.backbone = torchvision.models.resnet18()), by value:
	// their names, for the rows of their calls and the notes.
	opaque map[*pyhost.Opaque]string
	// opaqueAt are those attributes in assignment order, with their
	// modules.
	opaqueAt []opaqueAttr
}

type opaqueAttr struct {
	owner *pyhost.Instance
	attr  string
	v     *pyhost.Opaque
}

func stateOf(o *pyhost.Instance) *module {
	m, _ := o.State.(*module)
	return m
}

// isModule reports whether v is an nn.Module.
func (t *torch) isModule(v starlark.Value) (*pyhost.Instance, bool) {
	o, ok := v.(*pyhost.Instance)
	if !ok || stateOf(o) == nil {
		return nil, false
	}
	return o, true
}

// where is the innermost position of the file (or its modules) on the
// thread's stack: where a module is made.
func where(th *starlark.Thread) graph.Pos {
	for depth := range th.CallStackDepth() { // innermost first, without copying the stack
		p := th.CallFrame(depth).Pos
		if p.Filename() != "<builtin>" && p.Line > 0 {
			return graph.Pos{File: p.Filename(), Line: int(p.Line), Col: int(p.Col)}
		}
	}
	return graph.Pos{}
}

// setAttr is nn.Module.__setattr__: a Parameter registers as a parameter,
// a module as a child, a tensor assigned to a buffer's name replaces it,
// None clears what the name held.
func (t *torch) setAttr(o *pyhost.Instance, name string, v starlark.Value) error {
	m := stateOf(o)
	if x, ok := v.(*Tensor); ok && x.Param {
		m.drop(&m.buffers, name)
		m.drop(&m.children, name)
		m.set(&m.params, name, v)
		return nil
	}
	if _, ok := t.isModule(v); ok {
		m.drop(&m.params, name)
		m.drop(&m.buffers, name)
		m.set(&m.children, name, v)
		return nil
	}
	if op, ok := v.(*pyhost.Opaque); ok {
		for _, x := range op.Took {
			if c, ok := t.isModule(x); ok {
				// self.c1 = wrap(nn.Conv2d(…)) with wrap a function
				// layerinfo does not model: the module it was given is
				// counted in its place, and what wrap adds is unknown.
				m.drop(&m.params, name)
				m.drop(&m.buffers, name)
				m.set(&m.children, name, c)
				o.Store(name, c)
				_ = walk(c, func(sub *pyhost.Instance, _ string) error {
					stateOf(sub).wrapped = op.Desc
					return nil
				})
				t.wrapped = append(t.wrapped, fmt.Sprintf("%s.%s = %s: layerinfo does not model this call; the %s given to it is traced in its place, with its parameters unknown (the call may add or change some)", o.Class.Name(), name, op.Desc, c.Class.Name()))
				return pyhost.ErrStored
			}
		}
		if strings.HasSuffix(op.Desc, "(…)") && op.From == nil && !op.Sym {
			if t.opaque == nil {
				t.opaque = map[*pyhost.Opaque]string{}
			}
			if _, ok := t.opaque[op]; !ok && len(t.opaque) < 1000 {
				t.opaque[op] = name
				t.opaqueAt = append(t.opaqueAt, opaqueAttr{o, name, op})
			}
		}
	}
	switch {
	case m.find(&m.params, name) >= 0:
		if v != starlark.None {
			return fmt.Errorf("cannot assign %s as parameter '%s' (torch.nn.Parameter or None expected)", v.Type(), name)
		}
		m.set(&m.params, name, v)
	case m.find(&m.buffers, name) >= 0:
		if _, ok := v.(*Tensor); ok || v == starlark.None {
			m.set(&m.buffers, name, v)
		} else if _, ok := v.(*pyhost.Opaque); ok {
			m.set(&m.buffers, name, &Tensor{Desc: "self." + name})
		} else {
			return fmt.Errorf("cannot assign %s as buffer '%s' (torch.Tensor or None expected)", v.Type(), name)
		}
	case m.find(&m.children, name) >= 0:
		if v != starlark.None {
			return fmt.Errorf("cannot assign %s as child module '%s' (torch.nn.Module or None expected)", v.Type(), name)
		}
		m.set(&m.children, name, v)
	}
	return nil
}

// walk visits the module tree as named_modules() does: depth first,
// children in registration order, each module once (at its first path).
func walk(root *pyhost.Instance, visit func(o *pyhost.Instance, path string) error) error {
	seen := map[*pyhost.Instance]bool{}
	var rec func(o *pyhost.Instance, path string, depth int) error
	rec = func(o *pyhost.Instance, path string, depth int) error {
		if seen[o] {
			return nil
		}
		if depth > 1000 {
			return fmt.Errorf("the module tree is more than 1000 deep")
		}
		seen[o] = true
		if err := visit(o, path); err != nil {
			return err
		}
		for _, c := range stateOf(o).children {
			x, ok := c.val.(*pyhost.Instance)
			if !ok {
				continue
			}
			p := c.name
			if path != "" {
				p = path + "." + c.name
			}
			if err := rec(x, p, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return rec(root, "", 0)
}

// tensors are the parameters (and buffers) of the tree, each once, as
// named_parameters() (named_buffers()) lists them.
func tensors(root *pyhost.Instance, buffers bool) []slot {
	var out []slot
	seen := map[*Tensor]bool{}
	walk(root, func(o *pyhost.Instance, path string) error {
		list := stateOf(o).params
		if buffers {
			list = stateOf(o).buffers
		}
		for _, s := range list {
			x, ok := s.val.(*Tensor)
			if !ok || seen[x] {
				continue
			}
			seen[x] = true
			n := s.name
			if path != "" {
				n = path + "." + n
			}
			out = append(out, slot{n, x})
		}
		return nil
	})
	return out
}

func list(vs []starlark.Value) *starlark.List { return starlark.NewList(vs) }

// newBase is nn.Module.
func (t *torch) newBase() *pyhost.Class {
	modules := func(named bool) pyhost.Method {
		return func(_ *starlark.Thread, o *pyhost.Instance, _ starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
			var out []starlark.Value
			err := walk(o, func(m *pyhost.Instance, p string) error {
				if named {
					out = append(out, starlark.Tuple{starlark.String(p), m})
				} else {
					out = append(out, m)
				}
				return nil
			})
			return list(out), err
		}
	}
	children := func(named bool) pyhost.Method {
		return func(_ *starlark.Thread, o *pyhost.Instance, _ starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
			var out []starlark.Value
			seen := map[starlark.Value]bool{}
			for _, c := range stateOf(o).children {
				if c.val == starlark.None || seen[c.val] {
					continue
				}
				seen[c.val] = true
				if named {
					out = append(out, starlark.Tuple{starlark.String(c.name), c.val})
				} else {
					out = append(out, c.val)
				}
			}
			return list(out), nil
		}
	}
	tensorList := func(buffers, named bool) pyhost.Method {
		return func(_ *starlark.Thread, o *pyhost.Instance, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			var out []starlark.Value
			for _, s := range tensors(o, buffers) {
				if named {
					out = append(out, starlark.Tuple{starlark.String(s.name), s.val})
				} else {
					out = append(out, s.val)
				}
			}
			return list(out), nil
		}
	}
	self := func(_ *starlark.Thread, o *pyhost.Instance, _ starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		return o, nil
	}
	none := func(*starlark.Thread, *pyhost.Instance, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
		return starlark.None, nil
	}
	register := func(kind string) pyhost.Method {
		return func(_ *starlark.Thread, o *pyhost.Instance, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			var name string
			var v starlark.Value = starlark.None
			var persistent starlark.Value = starlark.True
			params := []any{"name", &name, "tensor?", &v}
			if kind == "parameter" {
				params = []any{"name", &name, "param?", &v}
			} else if kind == "module" {
				params = []any{"name", &name, "module?", &v}
			} else {
				params = append(params, "persistent?", &persistent)
			}
			if err := starlark.UnpackArgs("register_"+kind, a, kw, params...); err != nil {
				return nil, err
			}
			m := stateOf(o)
			switch kind {
			case "buffer":
				if _, ok := v.(*Tensor); !ok && v != starlark.None {
					v = &Tensor{Desc: "buffer " + name}
				}
				m.set(&m.buffers, name, v)
				o.Store(name, v)
				return starlark.None, nil
			case "parameter":
				if x, ok := v.(*Tensor); ok && !x.Param {
					return nil, fmt.Errorf("cannot assign %s object to parameter '%s' (torch.nn.Parameter or None required)", v.Type(), name)
				}
			}
			return starlark.None, o.SetField(name, v)
		}
	}
	n := &pyhost.Native{
		New: func(o *pyhost.Instance) { o.State = &module{} },
		Init: func(th *starlark.Thread, o *pyhost.Instance, _ starlark.Tuple, _ []starlark.Tuple) error {
			stateOf(o).pos = where(th)
			return nil
		},
		SetAttr: func(o *pyhost.Instance, name string, v starlark.Value) error { return t.setAttr(o, name, v) },
		// module(x) runs forward (trace.go).
		Call: t.call,
		GetAttr: func(o *pyhost.Instance, name string) (starlark.Value, error) {
			if name == "training" {
				return starlark.False, nil
			}
			return nil, nil
		},
		Methods: map[string]pyhost.Method{
			"modules":            modules(false),
			"named_modules":      modules(true),
			"children":           children(false),
			"named_children":     children(true),
			"parameters":         tensorList(false, false),
			"named_parameters":   tensorList(false, true),
			"buffers":            tensorList(true, false),
			"named_buffers":      tensorList(true, true),
			"register_buffer":    register("buffer"),
			"register_parameter": register("parameter"),
			"add_module":         register("module"),
			"register_module":    register("module"),
			"__setattr__": func(_ *starlark.Thread, o *pyhost.Instance, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
				var name string
				var v starlark.Value
				if err := starlark.UnpackPositionalArgs("__setattr__", a, kw, 2, &name, &v); err != nil {
					return nil, err
				}
				return starlark.None, o.SetField(name, v)
			},
			// self.__getattr__('level_%d' % i): nn.Module's lookup of its
			// parameters, buffers and children.
			"__getattr__": func(_ *starlark.Thread, o *pyhost.Instance, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
				var name string
				if err := starlark.UnpackPositionalArgs("__getattr__", a, kw, 1, &name); err != nil {
					return nil, err
				}
				return o.Attr(name)
			},
			"get_submodule": func(_ *starlark.Thread, o *pyhost.Instance, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
				var target string
				if err := starlark.UnpackPositionalArgs("get_submodule", a, kw, 1, &target); err != nil {
					return nil, err
				}
				var found starlark.Value
				walk(o, func(m *pyhost.Instance, p string) error {
					if p == target && found == nil {
						found = m
					}
					return nil
				})
				if found == nil {
					return nil, fmt.Errorf("%s has no submodule %q", o.Class.Name(), target)
				}
				return found, nil
			},
			"to":                self,
			"cuda":              self,
			"cpu":               self,
			"float":             self,
			"double":            self,
			"half":              self,
			"train":             self,
			"eval":              self,
			"requires_grad_":    self,
			"zero_grad":         none,
			"load_state_dict":   none,
			"share_memory":      self,
			"reset_parameters":  none,
			"_reset_parameters": none,
			"_init_weights":     none,
			"extra_repr": func(*starlark.Thread, *pyhost.Instance, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
				return starlark.String(""), nil
			},
			"apply": func(th *starlark.Thread, o *pyhost.Instance, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
				var fn starlark.Value
				if err := starlark.UnpackPositionalArgs("apply", a, kw, 1, &fn); err != nil {
					return nil, err
				}
				// Module.apply: children first, then the module itself.
				var order []*pyhost.Instance
				var rec func(m *pyhost.Instance, depth int) error
				rec = func(m *pyhost.Instance, depth int) error {
					if depth > 1000 {
						return fmt.Errorf("the module tree is more than 1000 deep")
					}
					for _, c := range stateOf(m).children {
						if x, ok := c.val.(*pyhost.Instance); ok {
							if err := rec(x, depth+1); err != nil {
								return err
							}
						}
					}
					order = append(order, m)
					return nil
				}
				if err := rec(o, 0); err != nil {
					return nil, err
				}
				for _, m := range order {
					if _, err := starlark.Call(th, fn, starlark.Tuple{m}, nil); err != nil {
						return nil, err
					}
				}
				return o, nil
			},
		},
	}
	t.base = pyhost.NewNative("Module", n)
	return t.base
}

package pyhost

import (
	"fmt"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// A stub framework for the host's tests: torch.nn and keras base classes
// whose Go behaviour records what the file makes and calls. It computes
// nothing; the tests compare what it recorded with reference data.

// stubModule is the State of an instance of a stub framework class.
type stubModule struct {
	kind     string // the stub class it is an instance of ("Conv2d"); "" for a class of the file
	args     starlark.Tuple
	kw       map[string]starlark.Value
	children []string // attributes holding sub-modules, in assignment order
	path     string   // named_modules path, set by paths()
}

// stubTensor is what flows through forward: it records nothing, and
// arithmetic on it is a tensor again.
type stubTensor struct{}

func (stubTensor) String() string        { return "tensor" }
func (stubTensor) Type() string          { return "Tensor" }
func (stubTensor) Freeze()               {}
func (stubTensor) Truth() starlark.Bool  { return true }
func (stubTensor) Hash() (uint32, error) { return 0, nil }
func (t stubTensor) Binary(syntax.Token, starlark.Value, starlark.Side) (starlark.Value, error) {
	return t, nil
}

// stubFramework is one framework's classes and the log of their use.
type stubFramework struct {
	base    *Class // nn.Module or keras.layers.Layer
	isSub   func(v starlark.Value) bool
	made    []*Instance    // every instance of a stub leaf class, in construction order
	calls   []*Instance    // every leaf call, in call order
	forward string         // the method a call of a file's module runs: forward or call
	tensor  starlark.Value // what a leaf returns; nil: stubTensor{}
}

func state(o *Instance) *stubModule { return o.State.(*stubModule) }

// newBase is nn.Module / keras.layers.Layer: it tracks sub-modules
// assigned to attributes (and, for Keras, lists of them), and calling an
// instance runs its forward (call).
func (fw *stubFramework) newBase(name string, keywords bool) *Class {
	n := &Native{
		New: func(o *Instance) { o.State = &stubModule{kw: map[string]starlark.Value{}} },
		Init: func(th *starlark.Thread, o *Instance, a starlark.Tuple, kw []starlark.Tuple) error {
			if len(a) > 0 || len(kw) > 0 && !keywords {
				return fmt.Errorf("%s.__init__ takes no arguments", name)
			}
			for _, x := range kw {
				state(o).kw[string(x[0].(starlark.String))] = x[1]
			}
			return nil
		},
		SetAttr: func(o *Instance, attr string, v starlark.Value) error {
			if fw.isSub(v) {
				s := state(o)
				if _, seen := o.Own(attr); !seen {
					s.children = append(s.children, attr)
				}
			}
			return nil
		},
		GetAttr: func(o *Instance, attr string) (starlark.Value, error) {
			if attr == "training" {
				return starlark.False, nil // eval mode, as the reference ran
			}
			return nil, nil
		},
		Call: func(th *starlark.Thread, o *Instance, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			f, err := o.Attr(fw.forward)
			if err != nil {
				return nil, err
			}
			return starlark.Call(th, f, a, kw)
		},
		Methods: map[string]Method{
			"modules": func(th *starlark.Thread, o *Instance, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
				var out []starlark.Value
				fw.walk(o, "", func(m *Instance, _ string) { out = append(out, m) })
				return starlark.NewList(out), nil
			},
			"load_state_dict": func(*starlark.Thread, *Instance, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
				return starlark.None, nil
			},
			"register_buffer": func(*starlark.Thread, *Instance, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
				return starlark.None, nil
			},
			"add_module": func(th *starlark.Thread, o *Instance, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
				if len(a) != 2 {
					return nil, fmt.Errorf("add_module takes a name and a module")
				}
				name, _ := starlark.AsString(a[0])
				return starlark.None, o.SetField(name, a[1])
			},
			"items": func(th *starlark.Thread, o *Instance, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
				var out []starlark.Value
				for _, c := range state(o).children {
					v, _ := o.Own(c)
					out = append(out, starlark.Tuple{starlark.String(c), v})
				}
				return starlark.NewList(out), nil
			},
		},
	}
	fw.base = NewNative(name, n)
	return fw.base
}

// leaf is a stub layer class: it records its arguments, and a call
// records the call and returns a tensor.
func (fw *stubFramework) leaf(name string) *Class {
	return NewNative(name, &Native{
		Init: func(th *starlark.Thread, o *Instance, a starlark.Tuple, kw []starlark.Tuple) error {
			s := state(o)
			s.kind, s.args = name, a
			for _, x := range kw {
				s.kw[string(x[0].(starlark.String))] = x[1]
			}
			fw.made = append(fw.made, o)
			return nil
		},
		Call: func(th *starlark.Thread, o *Instance, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			fw.calls = append(fw.calls, o)
			if fw.tensor != nil {
				return fw.tensor, nil
			}
			return stubTensor{}, nil
		},
		GetAttr: func(o *Instance, attr string) (starlark.Value, error) {
			if attr == "weight" || attr == "bias" {
				return &Opaque{Desc: name + "." + attr}, nil
			}
			return nil, nil
		},
	}, fw.base)
}

// container is nn.Sequential: its positional arguments are its children
// "0", "1", …; calling it calls them in turn.
func (fw *stubFramework) container(name string) *Class {
	return NewNative(name, &Native{
		Init: func(th *starlark.Thread, o *Instance, a starlark.Tuple, kw []starlark.Tuple) error {
			state(o).kind = name
			if len(a) == 1 {
				switch x := a[0].(type) {
				case *starlark.Dict: // Sequential(OrderedDict(…)), ModuleDict({…})
					for _, kv := range x.Items() {
						k, _ := starlark.AsString(kv[0])
						if err := o.SetField(k, kv[1]); err != nil {
							return err
						}
					}
					return nil
				case *starlark.List: // ModuleList([…])
					a = nil
					for i := 0; i < x.Len(); i++ {
						a = append(a, x.Index(i))
					}
				}
			}
			for i, m := range a {
				if err := o.SetField(fmt.Sprint(i), m); err != nil {
					return err
				}
			}
			return nil
		},
		Call: func(th *starlark.Thread, o *Instance, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			x := a[0]
			for _, c := range state(o).children {
				v, _ := o.Own(c)
				var err error
				if x, err = starlark.Call(th, v, starlark.Tuple{x}, nil); err != nil {
					return nil, err
				}
			}
			return x, nil
		},
	}, fw.base)
}

// walk visits o and its sub-modules depth first, each once, with its
// named_modules path (a list attribute's entries as attr.i).
func (fw *stubFramework) walk(o *Instance, path string, visit func(*Instance, string)) {
	seen := map[*Instance]bool{}
	var rec func(o *Instance, path string)
	rec = func(o *Instance, path string) {
		if seen[o] {
			return
		}
		seen[o] = true
		visit(o, path)
		for _, c := range state(o).children {
			v, _ := o.Own(c)
			p := c
			if path != "" {
				p = path + "." + c
			}
			switch x := v.(type) {
			case *Instance:
				rec(x, p)
			case *starlark.List:
				for i := 0; i < x.Len(); i++ {
					if m, ok := x.Index(i).(*Instance); ok {
						rec(m, fmt.Sprintf("%s.%d", p, i))
					}
				}
			}
		}
	}
	rec(o, path)
}

// paths names every module of the tree under root.
func (fw *stubFramework) paths(root *Instance) {
	fw.walk(root, "", func(m *Instance, p string) { state(m).path = p })
}

// kind is the class of a module as PyTorch's and Keras's reports name it.
func kind(o *Instance) string { return o.Class.Name() }

// intArg is argument i (or keyword k) of a stub layer, def if absent.
func intArg(o *Instance, i int, k string, def int64) int64 {
	s := state(o)
	var v starlark.Value
	if i < len(s.args) {
		v = s.args[i]
	} else if x, ok := s.kw[k]; ok {
		v = x
	}
	switch x := v.(type) {
	case starlark.Int:
		n, _ := x.Int64()
		return n
	case starlark.Tuple:
		if len(x) > 0 {
			n, _ := x[0].(starlark.Int).Int64()
			return n
		}
	case starlark.Bool:
		if x {
			return 1
		}
		return 0
	}
	return def
}

// importer resolves dotted import paths in a tree of stub modules.
func importer(roots map[string]starlark.Value) func(b Binding) (starlark.Value, error) {
	return func(b Binding) (starlark.Value, error) {
		parts := strings.Split(b.Path, ".")
		v, ok := roots[parts[0]]
		if !ok || parts[0] == "" {
			return nil, nil
		}
		for _, p := range parts[1:] {
			m, ok := v.(*Module)
			if !ok {
				return nil, nil
			}
			if v, ok = m.Members[p]; !ok {
				return nil, nil
			}
		}
		return v, nil
	}
}

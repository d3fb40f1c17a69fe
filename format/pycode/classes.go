package pycode

import (
	"fmt"
	"sort"
	"strings"

	"go.starlark.net/starlark"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/pyhost"
)

// Classes of the script that are not layers (a Model whose method builds
// the network): prepare keeps their methods as functions named
// pyhost.MethodVar(C, m); calling the class makes an instance, running its
// __init__; self.attr reads what the methods set, else a placeholder.

// instance is an object of a compiled class.
type instance struct {
	cls   *userClass
	attrs starlark.StringDict
	inert bool // made for --entry C.method: its __init__ did not run
}

var (
	_ starlark.HasSetField = (*instance)(nil)
	_ starlark.HasAttrs    = (*userClass)(nil)
)

func (o *instance) String() string        { return "<" + o.cls.name + " object>" }
func (o *instance) Type() string          { return o.cls.name }
func (o *instance) Freeze()               {}
func (o *instance) Truth() starlark.Bool  { return true }
func (o *instance) Hash() (uint32, error) { return pyhost.HashString(o.cls.name), nil }

func (o *instance) Attr(name string) (starlark.Value, error) {
	if v, ok := o.attrs[name]; ok {
		return v, nil
	}
	if v, m := o.cls.method(name); v != nil {
		switch m.Kind {
		case "static":
			return v, nil
		case "class":
			return bindMethod(v, o.cls, o.cls.name+"."+name), nil
		case "property":
			return starlark.Call(o.cls.b.th, v, starlark.Tuple{o}, nil)
		}
		return bindMethod(v, o, o.cls.name+"."+name), nil
	}
	// An attribute no method has set (yet): a placeholder, as data is.
	return &pyhost.Opaque{Desc: o.cls.name + "." + name}, nil
}

func (o *instance) AttrNames() []string {
	var names []string
	for k := range o.attrs {
		names = append(names, k)
	}
	for _, m := range o.cls.src.Methods {
		names = append(names, m.Name)
	}
	sort.Strings(names)
	return names
}

// CallInternal calls the instance's __call__ (a training callback);
// without one, a placeholder.
func (o *instance) CallInternal(th *starlark.Thread, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if fn, _ := o.cls.method("__call__"); fn != nil {
		return starlark.Call(th, fn, append(starlark.Tuple{o}, a...), kw)
	}
	return &pyhost.Opaque{Desc: o.cls.name + "(…)(…)"}, nil
}

func (o *instance) Name() string { return o.cls.name }

func (o *instance) SetField(name string, v starlark.Value) error {
	o.attrs[name] = v
	return nil
}

// bindMethod is fn with its first argument given.
func bindMethod(fn starlark.Value, self starlark.Value, name string) starlark.Value {
	return starlark.NewBuiltin(name, func(th *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		return starlark.Call(th, fn, append(starlark.Tuple{self}, a...), kw)
	})
}

// Attr on a class: a method as a function (Model.build(self, …)), a
// placeholder for anything else.
func (c *userClass) Attr(name string) (starlark.Value, error) {
	if name == "__name__" {
		return starlark.String(c.name), nil
	}
	if c.src.Compiled {
		if v, m := c.method(name); v != nil {
			if m.Kind == "class" {
				return bindMethod(v, c, c.name+"."+name), nil
			}
			return v, nil
		}
	}
	return &pyhost.Opaque{Desc: c.name + "." + name}, nil
}

func (c *userClass) AttrNames() []string {
	var names []string
	for _, m := range c.src.Methods {
		names = append(names, m.Name)
	}
	return names
}

// method finds a method of the class or of a base class of the same
// file: the function, nil when there is none (or it is not defined
// yet). A method left out because Starlark cannot parse it is an error
// when called if it makes layers, else a placeholder.
func (c *userClass) method(name string) (starlark.Value, *pyhost.MethodStmt) {
	for k := 0; k < 8 && c != nil; k++ {
		var m *pyhost.MethodStmt
		for i := range c.src.Methods {
			if c.src.Methods[i].Name == name {
				m = &c.src.Methods[i] // the last definition wins, as in Python
			}
		}
		if m != nil {
			if m.Skipped != "" {
				if !m.Builds {
					return &pyhost.Opaque{Desc: c.name + "." + name}, m
				}
				note := m.Skipped
				b := c.b
				return starlark.NewBuiltin(c.name+"."+name, func(th *starlark.Thread, _ *starlark.Builtin, _ starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
					return nil, &graph.Error{Pos: b.callerPos(th), Err: fmt.Errorf("cannot call %s.%s: %s", c.name, name, note)}
				}), m
			}
			if fn := c.function(name); fn != nil {
				return fn, m
			}
			return nil, nil
		}
		// A base class of the file's own.
		var next *userClass
		for _, base := range strings.Split(c.bases, ",") {
			if bc := c.b.classByName[c.src.File+"\x00"+strings.TrimSpace(base)]; bc != nil {
				next = bc
				break
			}
		}
		c = next
	}
	return nil, nil
}

// function is the Starlark function of method name: a global of the
// file that defines the class, found from a frame of that file on the
// stack (while the file runs) or from its globals (once it has run).
func (c *userClass) function(name string) *starlark.Function {
	if fn := c.fns[name]; fn != nil {
		return fn
	}
	v := pyhost.MethodVar(c.name, name)
	var fn *starlark.Function
	if th := c.b.th; th != nil {
		for d := 0; d < th.CallStackDepth() && fn == nil; d++ {
			if f, ok := th.DebugFrame(d).Callable().(*starlark.Function); ok && f.Position().Filename() == c.src.File {
				fn, _ = f.Globals()[v].(*starlark.Function)
				break
			}
		}
	}
	if fn == nil {
		fn, _ = c.b.globalsOf[c.src.File][v].(*starlark.Function)
	}
	if fn != nil {
		if c.fns == nil {
			c.fns = map[string]*starlark.Function{}
		}
		c.fns[name] = fn
	}
	return fn
}

// instantiate calls a compiled class: an instance whose __init__ runs
// with the call's arguments.
func (b *builder) instantiate(th *starlark.Thread, c *userClass, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	o := &instance{cls: c, attrs: starlark.StringDict{}}
	if init, _ := c.method("__init__"); init != nil {
		if _, err := starlark.Call(th, init, append(starlark.Tuple{o}, a...), kw); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// setGlobals remembers a file's globals once it has run, where its
// classes' methods are found.
func (b *builder) setGlobals(file string, g starlark.StringDict) {
	if b.globalsOf == nil {
		b.globalsOf = map[string]starlark.StringDict{}
	}
	b.globalsOf[file] = g
}

// registerClasses makes a file's compiled classes findable as bases.
func (b *builder) registerClasses(predeclared starlark.StringDict) {
	if b.classByName == nil {
		b.classByName = map[string]*userClass{}
	}
	for _, v := range predeclared {
		if c, ok := v.(*userClass); ok && c.src != nil {
			b.classByName[c.src.File+"\x00"+c.name] = c
		}
	}
}

// callClass is --entry Model (an instance: its __init__ runs, with the
// call's arguments) or --entry Model.method (the method, self an inert
// instance whose __init__ did not run, with the call's arguments and
// input variables as for a function).
func (b *builder) callClass(th *starlark.Thread, c *userClass, e *entryCall) error {
	u := b.given
	if !c.src.Compiled {
		return &OptionError{Option: "entry", Err: fmt.Errorf("%s is a layer class of the file, not what builds the model", c.name)}
	}
	u.from, u.called = len(b.layers), true
	nets := len(b.nets)
	var v starlark.Value
	var err error
	if e.method == "" {
		args := append(starlark.Tuple{}, e.args...)
		for i, a := range args {
			args[i] = u.entryValue(a)
		}
		v, err = starlark.Call(th, c, args, e.kwargs)
	} else {
		fn, m := c.method(e.method)
		if fn == nil {
			var names []string
			for _, m := range c.src.Methods {
				names = append(names, m.Name)
			}
			return &OptionError{Option: "entry", Err: fmt.Errorf("class %s has no method %s (it has %s)", c.name, e.method, strings.Join(names, ", "))}
		}
		f, ok := fn.(*starlark.Function)
		if !ok {
			_, err = starlark.Call(th, fn, nil, nil)
			return err
		}
		self := starlark.Value(&instance{cls: c, attrs: starlark.StringDict{}, inert: true})
		if m.Kind == "class" {
			self = c
		}
		// The method as a function of the instance: self is given.
		sub := &entryCall{name: e.method, call: e.call, args: e.args, kwargs: e.kwargs}
		if m.Kind != "static" {
			sub.args = append(starlark.Tuple{self}, e.args...)
		}
		return b.callBuilder(th, f, sub)
	}
	b.nameFrom(v)
	if len(b.nets) > nets {
		u.pick = b.nets[nets]
	}
	return err
}

// autoClass builds the model from a class of the file when nothing else
// does: an instance of the first class whose __init__ builds it (and
// needs no data), else the first method that builds and needs nothing
// but input variables, called on an inert instance.
func (b *builder) autoClass(th *starlark.Thread) error {
	if b.ext == nil {
		return nil
	}
	var classes []*userClass
	for _, c := range b.classByName {
		if c.src.Compiled && c.src.File == b.file {
			classes = append(classes, c)
		}
	}
	sort.Slice(classes, func(i, j int) bool { return classes[i].line < classes[j].line })
	for _, c := range classes {
		if !b.ext.builders[pyhost.MethodVar(c.name, "__init__")] {
			continue
		}
		if f := c.function("__init__"); f != nil && b.methodAutoCallable(f, "") {
			b.g.Notes = append(b.g.Notes, fmt.Sprintf("built by calling %s() (its __init__ builds the network)", c.name))
			return b.callClass(th, c, &entryCall{name: c.name})
		}
	}
	for _, c := range classes {
		for _, m := range c.src.Methods {
			if m.Name == "__init__" || m.Skipped != "" || !b.ext.builders[pyhost.MethodVar(c.name, m.Name)] {
				continue
			}
			f := c.function(m.Name)
			if f == nil || !b.methodAutoCallable(f, m.Kind) {
				continue
			}
			b.g.Notes = append(b.g.Notes, fmt.Sprintf("built by calling %s.%s with self an instance whose __init__ did not run", c.name, m.Name))
			b.g.AddAsk(entryAsk)
			return b.callClass(th, c, &entryCall{name: c.name, method: m.Name})
		}
	}
	return nil
}

// methodAutoCallable is autoCallable for a method: self (or cls) is given.
func (b *builder) methodAutoCallable(f *starlark.Function, kind string) bool {
	ps := params(f)
	if kind != "static" {
		if len(ps) == 0 {
			return false
		}
		ps = ps[1:]
	}
	for _, p := range ps {
		if _, set := b.given.sets[p.name]; p.required && !set && !inputVarLike(p.name) {
			return false
		}
	}
	return true
}

// uncalled lists the functions and methods of the file that build layers
// (by its syntax) but were not called — their arguments are data the
// file does not give — as they would be written with --entry.
func (b *builder) uncalled() []string {
	if b.ext == nil || b.given == nil {
		return nil
	}
	type cand struct {
		call string
		line int
	}
	var cs []cand
	sig := func(f *starlark.Function, skip int) string {
		var ps []string
		for i, p := range params(f) {
			if i >= skip && p.required {
				ps = append(ps, p.name)
			}
		}
		return "(" + strings.Join(ps, ", ") + ")"
	}
	for _, k := range pyhost.SortedNames(b.given.globals) {
		f, ok := b.given.globals[k].(*starlark.Function)
		if ok && b.ext.builders[k] && f.Position().Filename() == b.file {
			if c, m := pyhost.MethodOf(k); c != "" {
				cs = append(cs, cand{c + "." + m + sig(f, 1), int(f.Position().Line)})
				continue
			}
			cs = append(cs, cand{k + sig(f, 0), int(f.Position().Line)})
		}
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].line < cs[j].line })
	var out []string
	for _, c := range cs {
		out = append(out, fmt.Sprintf("%s (line %d)", c.call, c.line))
	}
	return out
}

package pyhost

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync/atomic"

	"go.starlark.net/starlark"

	"github.com/layerinfo/layerinfo/internal/textlimit"
)

// The object model of classes (PrepareOptions.Classes). A class
// statement runs as Python runs it: its body is a function (classprep.go,
// classast.go) whose result, the class namespace, becomes a *Class; calling
// the class makes an *Instance and runs __init__. Attribute lookup follows
// the method resolution order (C3, as Python computes it); functions of
// the class are bound to the instance; staticmethod, classmethod and
// property work as in Python; super() (with or without arguments) finds
// the next class in the order. A framework gives Go behaviour to its base
// classes (nn.Module, keras.Model, keras.layers.Layer) with NewNative:
// hooks for construction, attribute assignment (a sub-module assigned to
// self.conv1), attribute reads the class does not define, calls
// (module(x) → forward) and methods every instance has (self.modules()).

// Class is a class: one of the file's, or a framework's (Native set).
type Class struct {
	name   string
	Bases  []*Class
	Native *Native
	dict   starlark.StringDict
	order  []string // the namespace's names in definition order
	mro    []*Class
	// open: a base is a value the host does not model (a class of a
	// library it has no Go class for): an attribute no class defines is
	// a placeholder, not an error.
	open bool
}

// Native is the Go behaviour a framework gives a base class. Every field
// is optional; a hook of the first class in the method resolution order
// that has one applies.
type Native struct {
	// New prepares an instance before any __init__ runs.
	New func(o *Instance)
	// Init is the class's __init__ (reached through super().__init__()
	// or Base.__init__(self)); nil accepts no arguments, as object's.
	Init func(th *starlark.Thread, o *Instance, args starlark.Tuple, kw []starlark.Tuple) error
	// SetAttr sees every attribute assignment (self.conv1 = …) before it
	// is stored.
	SetAttr func(o *Instance, name string, v starlark.Value) error
	// GetAttr answers a read the instance and its classes do not: nil
	// and no error means there is no such attribute.
	GetAttr func(o *Instance, name string) (starlark.Value, error)
	// Call is o(…) when no class of the file defines __call__.
	Call func(th *starlark.Thread, o *Instance, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error)
	// Methods are methods of every instance: self.modules(), m.add(…).
	Methods map[string]Method
	// GetItem is o[k] (a container's entry), Len len(o), Items what
	// for x in o visits; nil: the instance is not subscriptable, has no
	// len, is not iterable, unless a class of the file defines
	// __getitem__, __len__, __iter__. GetItem's nil value with no error
	// is a missing key (k in o is False).
	GetItem func(o *Instance, k starlark.Value) (starlark.Value, error)
	Len     func(o *Instance) int
	Items   func(o *Instance) []starlark.Value
}

// Method is a Go method of a native class, called with its instance.
type Method func(th *starlark.Thread, o *Instance, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error)

// NewNative is a framework's class with Go behaviour n, deriving from
// bases (none: object).
func NewNative(name string, n *Native, bases ...*Class) *Class {
	c := &Class{name: name, Bases: bases, Native: n, dict: starlark.StringDict{}}
	c.mro, _ = linearize(c)
	return c
}

// Object is Python's object, the root of every class.
var Object = func() *Class {
	o := &Class{name: "object", dict: starlark.StringDict{}}
	o.mro = []*Class{o}
	return o
}()

var (
	_ starlark.HasAttrs    = (*Class)(nil)
	_ starlark.Callable    = (*Class)(nil)
	_ Classifier           = (*Class)(nil)
	_ starlark.HasSetField = (*Instance)(nil)
	_ starlark.Callable    = (*Instance)(nil)
	_ starlark.HasAttrs    = (*Super)(nil)
)

func (c *Class) String() string        { return "<class '" + c.name + "'>" }
func (c *Class) Name() string          { return c.name }
func (c *Class) Type() string          { return "type" }
func (c *Class) Freeze()               {}
func (c *Class) Truth() starlark.Bool  { return true }
func (c *Class) Hash() (uint32, error) { return HashString(c.name), nil }

// MRO is the method resolution order, the class first.
func (c *Class) MRO() []*Class { return c.mro }

// IsSubclass reports whether c is base or derives from it.
func (c *Class) IsSubclass(base *Class) bool {
	for _, k := range c.mro {
		if k == base {
			return true
		}
	}
	return base == Object
}

// IsInstance is isinstance(v, c).
func (c *Class) IsInstance(v starlark.Value) bool {
	o, ok := v.(*Instance)
	return ok && o.Class.IsSubclass(c)
}

// Lookup finds name in the namespaces of the classes in order: the value
// and the class that holds it.
func (c *Class) Lookup(name string) (starlark.Value, *Class) {
	for _, k := range c.mro {
		if v, ok := k.dict[name]; ok {
			return v, k
		}
		if k.Native != nil {
			if m, ok := k.Native.Methods[name]; ok {
				return nativeMethod{name: k.name + "." + name, fn: m}, k
			}
		}
	}
	return nil, nil
}

// Names are the names of the class's own namespace, in definition order.
func (c *Class) Names() []string { return c.order }

// Set binds a name in the class's namespace (Class.attr = v).
func (c *Class) Set(name string, v starlark.Value) {
	if _, ok := c.dict[name]; !ok {
		c.order = append(c.order, name)
	}
	c.dict[name] = v
}

func (c *Class) SetField(name string, v starlark.Value) error {
	c.Set(name, v)
	return nil
}

func (c *Class) isOpen() bool {
	for _, k := range c.mro {
		if k.open {
			return true
		}
	}
	return false
}

// Attr reads a class attribute: functions unbound (Base.__init__(self)),
// class methods bound to the class.
func (c *Class) Attr(name string) (starlark.Value, error) {
	switch name {
	case "__name__", "__qualname__":
		return starlark.String(c.name), nil
	case "__mro__":
		t := make(starlark.Tuple, len(c.mro))
		for i, k := range c.mro {
			t[i] = k
		}
		return t, nil
	case "__init__":
		if v, _ := c.Lookup(name); v == nil {
			return starlark.NewBuiltin(c.name+".__init__", func(th *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
				o, ok := firstInstance(a)
				if !ok {
					return nil, fmt.Errorf("%s.__init__ needs an instance", c.name)
				}
				return starlark.None, c.nativeInit(th, o, a[1:], kw)
			}), nil
		}
	}
	v, _ := c.Lookup(name)
	switch x := v.(type) {
	case nil:
		if c.isOpen() {
			return &Opaque{Desc: c.name + "." + name}, nil
		}
		return nil, starlark.NoSuchAttrError(fmt.Sprintf("type object '%s' has no attribute '%s'", c.name, name))
	case *decorated:
		switch x.kind {
		case "class":
			return &BoundMethod{Self: c, Fn: x.fn, name: c.name + "." + name}, nil
		case "static":
			return x.fn, nil
		}
		return x, nil
	case nativeMethod:
		return starlark.NewBuiltin(x.name, func(th *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			o, ok := firstInstance(a)
			if !ok {
				return nil, fmt.Errorf("%s needs an instance", x.name)
			}
			return x.fn(th, o, a[1:], kw)
		}), nil
	}
	return v, nil
}

func (c *Class) AttrNames() []string {
	seen := map[string]bool{}
	var names []string
	for _, k := range c.mro {
		for _, n := range k.order {
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	sort.Strings(names)
	return names
}

// Blank is an instance of c made without __init__ (the native New hooks
// run): what copy.deepcopy fills with copies of another's attributes.
func (c *Class) Blank(th *starlark.Thread) *Instance {
	o := &Instance{Class: c, attrs: map[string]starlark.Value{}, th: th, id: nextID.Add(1)}
	for i := len(c.mro) - 1; i >= 0; i-- {
		if n := c.mro[i].Native; n != nil && n.New != nil {
			n.New(o)
		}
	}
	return o
}

// CallInternal makes an instance and runs __init__ with the arguments.
// instanceBytes is what making an instance is charged (CallInternal).
const instanceBytes = 1 << 10

// MaxInstances caps the objects a script makes from classes: a real
// model has hundreds to a few tens of thousands (torchvision's ResNet-50
// 161 modules); analysing costs about 10 µs and 2 KB an object, so the cap
// keeps a run to about a second and 200 MB.
const MaxInstances = 100_000

func (c *Class) CallInternal(th *starlark.Thread, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if th.CallStackDepth() > maxDepth {
		// Python stops at 1000 frames; an __init__ that makes its own
		// class would otherwise run the step limit out on a deep stack.
		return nil, fmt.Errorf("maximum recursion depth exceeded while making %s", c.name)
	}
	// An instance with its attributes and a front-end's state costs
	// about a kilobyte: charged first, so that a million modules made in
	// a loop are refused before they are made, not after.
	if err := charge(th, instanceBytes, func() string { return "making " + c.name + " instances" }); err != nil {
		return nil, err
	}
	if m := MemoryOf(th); m != nil {
		if m.made++; m.made > MaxInstances {
			return nil, fmt.Errorf("making %s: the script makes more than %s objects (modules, layers, configurations); a model may have at most %s", c.name, textlimit.Count(MaxInstances), textlimit.Count(MaxInstances))
		}
	}
	o := c.Blank(th)
	init, _ := c.Lookup("__init__")
	if init == nil {
		return o, c.nativeInit(th, o, args, kw)
	}
	if _, err := starlark.Call(th, bind(o, init, c.name+".__init__"), args, kw); err != nil {
		return nil, err
	}
	return o, nil
}

// nativeInit runs the __init__ of the first native class after c in
// its order (object's, which takes no arguments, if none has one).
func (c *Class) nativeInit(th *starlark.Thread, o *Instance, args starlark.Tuple, kw []starlark.Tuple) error {
	for _, k := range c.mro {
		if k.Native != nil && k.Native.Init != nil {
			return k.Native.Init(th, o, args, kw)
		}
	}
	if len(args) > 0 || len(kw) > 0 {
		if c.isOpen() {
			return nil // a library base the host does not model takes anything
		}
		if fields := c.dataFields(); len(fields) > 0 {
			return initFields(c, o, fields, args, kw)
		}
		return fmt.Errorf("%s() takes no arguments", c.name)
	}
	return nil
}

// dataFields are the class attributes of the file's classes in c's
// order that are data, not functions (bases' first): the fields of a
// @dataclass, whose decorator the preparation drops with the
// annotations, leaving name = default.
func (c *Class) dataFields() []string {
	var out []string
	seen := map[string]bool{}
	for i := len(c.mro) - 1; i >= 0; i-- {
		k := c.mro[i]
		if k.Native != nil {
			continue
		}
		for _, n := range k.order {
			switch k.dict[n].(type) {
			case *starlark.Function, *decorated, *Class, *starlark.Builtin:
				continue
			}
			if strings.HasPrefix(n, "__") || seen[n] {
				continue
			}
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// initFields is a @dataclass's generated __init__: arguments bound to the
// fields in order, or by name.
func initFields(c *Class, o *Instance, fields []string, args starlark.Tuple, kw []starlark.Tuple) error {
	if len(args) > len(fields) {
		return fmt.Errorf("%s() takes %d positional arguments but %d were given", c.name, len(fields), len(args))
	}
	for i, v := range args {
		if err := o.SetField(fields[i], v); err != nil {
			return err
		}
	}
	for _, x := range kw {
		k, _ := starlark.AsString(x[0])
		i := slices.Index(fields, k)
		if i < 0 {
			return fmt.Errorf("%s() got an unexpected keyword argument '%s'", c.name, k)
		}
		if i < len(args) {
			return fmt.Errorf("%s() got multiple values for argument '%s'", c.name, k)
		}
		if err := o.SetField(k, x[1]); err != nil {
			return err
		}
	}
	return nil
}

func firstInstance(a starlark.Tuple) (*Instance, bool) {
	if len(a) == 0 {
		return nil, false
	}
	o, ok := a[0].(*Instance)
	return o, ok
}

var nextID atomic.Uint32

// maxDepth bounds the call stack at a class's construction.
const maxDepth = 3000

// Instance is an object of a Class: attributes in assignment order, and
// State for the framework that made its class.
type Instance struct {
	Class *Class
	State any
	attrs map[string]starlark.Value
	names []string
	th    *starlark.Thread
	id    uint32
}

func (o *Instance) String() string {
	return fmt.Sprintf("<%s object>", o.Class.name)
}
func (o *Instance) Type() string          { return o.Class.name }
func (o *Instance) Freeze()               {} // models are built after the file's top level has run
func (o *Instance) Truth() starlark.Bool  { return true }
func (o *Instance) Hash() (uint32, error) { return o.id, nil }
func (o *Instance) Name() string          { return o.Class.name }

// Thread is the thread that made the instance, for hooks that call back
// into the file.
func (o *Instance) Thread() *starlark.Thread { return o.th }

// Own is an attribute set on the instance itself.
func (o *Instance) Own(name string) (starlark.Value, bool) {
	v, ok := o.attrs[name]
	return v, ok
}

// Names are the instance's own attributes in the order first assigned.
func (o *Instance) Names() []string { return o.names }

// SetField is self.name = v: the native hooks see it first.
func (o *Instance) SetField(name string, v starlark.Value) error {
	if _, _, p := o.lookupProperty(name); p != nil {
		return fmt.Errorf("cannot set %s.%s: it is a property", o.Class.name, name)
	}
	for _, k := range o.Class.mro {
		if k.Native != nil && k.Native.SetAttr != nil {
			if err := k.Native.SetAttr(o, name, v); err == ErrStored {
				return nil
			} else if err != nil {
				return err
			}
			break
		}
	}
	o.Store(name, v)
	return nil
}

// ErrStored is what a SetAttr hook returns when it stored a value of its
// own in place of the one assigned.
var ErrStored = errors.New("stored by the hook")

// Store sets an attribute without the hooks.
func (o *Instance) Store(name string, v starlark.Value) {
	if _, ok := o.attrs[name]; !ok {
		o.names = append(o.names, name)
	}
	o.attrs[name] = v
}

func (o *Instance) lookupProperty(name string) (starlark.Value, *Class, *decorated) {
	v, k := o.Class.Lookup(name)
	if d, ok := v.(*decorated); ok && d.kind == "property" {
		return v, k, d
	}
	return v, k, nil
}

// Attr reads o.name: the instance's own attribute, else the classes'
// (functions bound to o), else a native hook's answer.
func (o *Instance) Attr(name string) (starlark.Value, error) {
	if v, ok := o.attrs[name]; ok {
		return v, nil
	}
	switch name {
	case "__class__":
		return o.Class, nil
	case "__dict__":
		return &instanceDict{o}, nil
	}
	v, _, p := o.lookupProperty(name)
	if p != nil {
		return starlark.Call(o.th, p.fn, starlark.Tuple{o}, nil)
	}
	if v != nil {
		return bind(o, v, o.Class.name+"."+name), nil
	}
	for _, k := range o.Class.mro {
		if k.Native != nil && k.Native.GetAttr != nil {
			v, err := k.Native.GetAttr(o, name)
			if v != nil || err != nil {
				return v, err
			}
			break
		}
	}
	if o.Class.isOpen() {
		return &Opaque{Desc: o.Class.name + "." + name}, nil
	}
	return nil, starlark.NoSuchAttrError(fmt.Sprintf("'%s' object has no attribute '%s'", o.Class.name, name))
}

func (o *Instance) AttrNames() []string {
	names := append([]string(nil), o.names...)
	names = append(names, o.Class.AttrNames()...)
	sort.Strings(names)
	return names
}

// An instance is a Mapping (o[k]) and a Sequence (len, for). Starlark's
// builtins (list, sorted, …) call Iterate without checking for nil, so
// iterating an instance that is not iterable cancels the thread with
// Python's TypeError (see Iterate); len() of it is -1, len's error.
var (
	_ starlark.Mapping  = (*Instance)(nil)
	_ starlark.Sequence = (*Instance)(nil)
)

// native is the first class in o's order with a Native that has the
// hook has reports.
func (o *Instance) native(has func(*Native) bool) *Native {
	for _, k := range o.Class.mro {
		if k.Native != nil && has(k.Native) {
			return k.Native
		}
	}
	return nil
}

// fileMethod is a method the file's classes define (not a native one),
// bound to o.
func (o *Instance) fileMethod(name string) starlark.Value {
	if v, k := o.Class.Lookup(name); v != nil && k.Native == nil {
		return bind(o, v, o.Class.name+"."+name)
	}
	return nil
}

// Get is o[k]: the file's __getitem__, else the native GetItem hook.
func (o *Instance) Get(k starlark.Value) (starlark.Value, bool, error) {
	if f := o.fileMethod("__getitem__"); f != nil {
		v, err := starlark.Call(o.th, f, starlark.Tuple{k}, nil)
		return v, err == nil, err
	}
	if n := o.native(func(n *Native) bool { return n.GetItem != nil }); n != nil {
		v, err := n.GetItem(o, k)
		return v, v != nil && err == nil, err
	}
	if o.Class.isOpen() {
		return &Opaque{Desc: o.Class.name + "[…]"}, true, nil
	}
	return nil, false, fmt.Errorf("'%s' object is not subscriptable", o.Class.name)
}

// Len is len(o): the file's __len__, else the native Len hook; -1 (no
// len, which len() reports) otherwise.
func (o *Instance) Len() int {
	if f := o.fileMethod("__len__"); f != nil {
		v, err := starlark.Call(o.th, f, nil, nil)
		if n, ok := v.(starlark.Int); err == nil && ok {
			if i, ok := n.Int64(); ok && i >= 0 && i < 1<<31 {
				return int(i)
			}
		}
		return -1
	}
	if n := o.native(func(n *Native) bool { return n.Len != nil }); n != nil {
		return n.Len(o)
	}
	return -1
}

// Iterate is for x in o: the file's __iter__ (its result iterated), else
// the native Items; an instance with neither iterates over nothing.
func (o *Instance) Iterate() starlark.Iterator {
	if f := o.fileMethod("__iter__"); f != nil {
		v, err := starlark.Call(o.th, f, nil, nil)
		if it := starlark.Iterate(v); err == nil && v != o && it != nil {
			return it
		}
	} else if n := o.native(func(n *Native) bool { return n.Items != nil }); n != nil {
		return starlark.NewList(n.Items(o)).Iterate()
	}
	// Not iterable: Python's TypeError, raised by cancelling the thread
	// (the Iterator interface has no error), at the next step.
	if o.th != nil {
		o.th.Cancel(fmt.Sprintf("'%s' object is not iterable", o.Class.name))
	}
	return starlark.NewList(nil).Iterate()
}

// CallInternal is o(…): the file's __call__, else the native Call hook.
func (o *Instance) CallInternal(th *starlark.Thread, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if v, k := o.Class.Lookup("__call__"); v != nil && k.Native == nil {
		return starlark.Call(th, bind(o, v, o.Class.name+".__call__"), args, kw)
	}
	for _, k := range o.Class.mro {
		if k.Native != nil && k.Native.Call != nil {
			return k.Native.Call(th, o, args, kw)
		}
	}
	if v, _ := o.Class.Lookup("__call__"); v != nil {
		return starlark.Call(th, bind(o, v, o.Class.name+".__call__"), args, kw)
	}
	if o.Class.isOpen() {
		return &Opaque{Desc: o.Class.name + "(…)(…)"}, nil
	}
	return nil, fmt.Errorf("'%s' object is not callable", o.Class.name)
}

// bind is a class attribute as read from instance o: a function or a
// native method bound to it, a class method bound to its class, a static
// method as is.
func bind(o *Instance, v starlark.Value, name string) starlark.Value {
	switch x := v.(type) {
	case *starlark.Function:
		return &BoundMethod{Self: o, Fn: x, name: name}
	case nativeMethod:
		return starlark.NewBuiltin(x.name, func(th *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			return x.fn(th, o, a, kw)
		})
	case *decorated:
		switch x.kind {
		case "static":
			return x.fn
		case "class":
			return &BoundMethod{Self: o.Class, Fn: x.fn, name: name}
		}
	}
	return v
}

// BoundMethod is a function with its first argument given: a method read
// from an instance, or a class method from its class.
type BoundMethod struct {
	Self starlark.Value
	Fn   starlark.Value
	name string
}

func (m *BoundMethod) String() string        { return "<bound method " + m.name + ">" }
func (m *BoundMethod) Type() string          { return "method" }
func (m *BoundMethod) Freeze()               {}
func (m *BoundMethod) Truth() starlark.Bool  { return true }
func (m *BoundMethod) Hash() (uint32, error) { return HashString(m.name), nil }
func (m *BoundMethod) Name() string          { return m.name }
func (m *BoundMethod) CallInternal(th *starlark.Thread, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	return starlark.Call(th, m.Fn, append(starlark.Tuple{m.Self}, args...), kw)
}

// nativeMethod is a Method found in a native class.
type nativeMethod struct {
	name string
	fn   Method
}

func (m nativeMethod) String() string        { return "<method " + m.name + ">" }
func (m nativeMethod) Type() string          { return "builtin_function_or_method" }
func (m nativeMethod) Freeze()               {}
func (m nativeMethod) Truth() starlark.Bool  { return true }
func (m nativeMethod) Hash() (uint32, error) { return HashString(m.name), nil }

// decorated is a function under @staticmethod, @classmethod or @property.
type decorated struct {
	kind string // "static", "class", "property"
	fn   starlark.Value
}

func (d *decorated) String() string        { return "<" + d.kind + "method>" }
func (d *decorated) Type() string          { return d.kind + "method" }
func (d *decorated) Freeze()               {}
func (d *decorated) Truth() starlark.Bool  { return true }
func (d *decorated) Hash() (uint32, error) { return HashString(d.kind), nil }

// Super is super(C, obj): attributes from the classes after C in the
// order of obj's class, bound to obj.
type Super struct {
	after *Class
	obj   *Instance
}

func (s *Super) String() string        { return "<super: " + s.after.name + ">" }
func (s *Super) Type() string          { return "super" }
func (s *Super) Freeze()               {}
func (s *Super) Truth() starlark.Bool  { return true }
func (s *Super) Hash() (uint32, error) { return HashString(s.after.name), nil }
func (s *Super) AttrNames() []string   { return nil }

func (s *Super) Attr(name string) (starlark.Value, error) {
	mro := s.obj.Class.mro
	i := 0
	for i < len(mro) && mro[i] != s.after {
		i++
	}
	for _, k := range mro[min(i+1, len(mro)):] {
		if v, ok := k.dict[name]; ok {
			if d, ok := v.(*decorated); ok && d.kind == "property" {
				return starlark.Call(s.obj.th, d.fn, starlark.Tuple{s.obj}, nil)
			}
			return bind(s.obj, v, k.name+"."+name), nil
		}
		if k.Native != nil {
			if m, ok := k.Native.Methods[name]; ok {
				return bind(s.obj, nativeMethod{name: k.name + "." + name, fn: m}, ""), nil
			}
			if name == "__init__" && k.Native.Init != nil {
				init := k.Native.Init
				return starlark.NewBuiltin(k.name+".__init__", func(th *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
					return starlark.None, init(th, s.obj, a, kw)
				}), nil
			}
		}
	}
	if name == "__init__" {
		// object.__init__, or that of a library base the host does not model.
		open := s.obj.Class.isOpen()
		return starlark.NewBuiltin("object.__init__", func(th *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			if (len(a) > 0 || len(kw) > 0) && !open {
				return nil, fmt.Errorf("object.__init__() takes no arguments")
			}
			return starlark.None, nil
		}), nil
	}
	if s.obj.Class.isOpen() {
		return &Opaque{Desc: "super()." + name}, nil
	}
	return nil, starlark.NoSuchAttrError(fmt.Sprintf("'super' object has no attribute '%s'", name))
}

// linearize is C3, Python's method resolution order.
func linearize(c *Class) ([]*Class, error) {
	bases := c.Bases
	if len(bases) == 0 && c != Object {
		bases = []*Class{Object}
	}
	var seqs [][]*Class
	for _, b := range bases {
		seqs = append(seqs, append([]*Class(nil), b.mro...))
	}
	seqs = append(seqs, append([]*Class(nil), bases...))
	out := []*Class{c}
	for {
		var live [][]*Class
		for _, s := range seqs {
			if len(s) > 0 {
				live = append(live, s)
			}
		}
		if len(live) == 0 {
			return out, nil
		}
		var next *Class
		for _, s := range live {
			cand := s[0]
			inTail := false
			for _, t := range live {
				for _, x := range t[1:] {
					if x == cand {
						inTail = true
					}
				}
			}
			if !inTail {
				next = cand
				break
			}
		}
		if next == nil {
			return nil, fmt.Errorf("cannot create a consistent method resolution order (MRO) for bases of %s", c.name)
		}
		out = append(out, next)
		for i, s := range live {
			if s[0] == next {
				live[i] = s[1:]
			}
		}
		seqs = live
	}
}

// newClass is __newclass__(name, bases, body): the class statement.
func newClass(th *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	if len(a) != 3 {
		return nil, fmt.Errorf("internal error: __newclass__ takes 3 arguments")
	}
	name, _ := starlark.AsString(a[0])
	bases, _ := a[1].(starlark.Tuple)
	c := &Class{name: name, dict: starlark.StringDict{}}
	for _, b := range bases {
		switch x := b.(type) {
		case *Class:
			if x != Object {
				c.Bases = append(c.Bases, x)
			}
		default:
			c.open = true // a library class the host does not model
		}
	}
	mro, err := linearize(c)
	if err != nil {
		return nil, err
	}
	c.mro = mro
	ns, err := starlark.Call(th, a[2], nil, nil)
	if err != nil {
		return nil, err
	}
	if d, ok := ns.(*starlark.Dict); ok {
		for _, kv := range d.Items() {
			if k, ok := kv[0].(starlark.String); ok {
				c.Set(string(k), kv[1])
			}
		}
	}
	return c, nil
}

// ClassBuiltins add what class statements and object code need: the
// helpers the rewritten source calls (__newclass__, __classbases__,
// __decorated__), and super, object, issubclass, setattr, staticmethod,
// classmethod, property.
func ClassBuiltins(d starlark.StringDict) {
	d["__newclass__"] = starlark.NewBuiltin("__newclass__", newClass)
	d["__dictmerge__"] = starlark.NewBuiltin("__dictmerge__", dictMerge)
	d["__classbases__"] = starlark.NewBuiltin("__classbases__", func(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		return a, nil // metaclass= and other keywords are dropped
	})
	for _, kind := range []string{"static", "class", "property"} {
		kind := kind
		name := map[string]string{"static": "staticmethod", "class": "classmethod", "property": "property"}[kind]
		fn := starlark.NewBuiltin(name, func(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
			if len(a) < 1 {
				return nil, fmt.Errorf("%s takes a function", name)
			}
			return &decorated{kind: kind, fn: a[0]}, nil
		})
		d[name] = fn
	}
	d["__decorated__"] = starlark.NewBuiltin("__decorated__", func(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		kind, _ := starlark.AsString(a[0])
		return &decorated{kind: kind, fn: a[1]}, nil
	})
	d["object"] = Object
	d["super"] = starlark.NewBuiltin("super", func(th *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		if len(a) != 2 {
			return nil, fmt.Errorf("super() outside a method: give super(Class, self)")
		}
		c, ok1 := a[0].(*Class)
		o, ok2 := a[1].(*Instance)
		if !ok1 || !ok2 {
			return &Opaque{Desc: "super(…)"}, nil
		}
		return &Super{after: c, obj: o}, nil
	})
	d["issubclass"] = starlark.NewBuiltin("issubclass", func(_ *starlark.Thread, fn *starlark.Builtin, a starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		if len(a) != 2 {
			return nil, fmt.Errorf("issubclass takes two arguments")
		}
		c, ok := a[0].(*Class)
		if !ok {
			return starlark.False, nil
		}
		bases := starlark.Tuple{a[1]}
		if t, ok := a[1].(starlark.Tuple); ok {
			bases = t
		}
		for _, b := range bases {
			if bc, ok := b.(*Class); ok && c.IsSubclass(bc) {
				return starlark.True, nil
			}
		}
		return starlark.False, nil
	})
	d["setattr"] = starlark.NewBuiltin("setattr", func(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		if len(a) != 3 {
			return nil, fmt.Errorf("setattr takes three arguments")
		}
		name, ok := starlark.AsString(a[1])
		if !ok {
			return nil, fmt.Errorf("setattr: attribute name must be a string")
		}
		if s, ok := a[0].(starlark.HasSetField); ok {
			return starlark.None, s.SetField(name, a[2])
		}
		return nil, fmt.Errorf("setattr: %s has no settable attributes", a[0].Type())
	})
}

// dictMerge is __dictmerge__(a, b, …): a new dict with the items of each
// in turn, {**a, **b} (classprep.go).
func dictMerge(th *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	d := starlark.NewDict(0)
	for _, x := range a {
		m, ok := x.(starlark.IterableMapping)
		if !ok {
			return nil, fmt.Errorf("'**' needs a mapping, got %s", x.Type())
		}
		for _, kv := range m.Items() {
			if err := d.SetKey(kv[0], kv[1]); err != nil {
				return nil, err
			}
		}
	}
	return d, nil
}

// instanceDict is o.__dict__: a live view, so that o.__dict__[k] = v and
// o.__dict__.update(d) set o's attributes (through the native hooks, as
// Python's __dict__ does not; the hooks only register what is set).
type instanceDict struct{ o *Instance }

var (
	_ starlark.HasSetKey       = (*instanceDict)(nil)
	_ starlark.IterableMapping = (*instanceDict)(nil)
	_ starlark.HasAttrs        = (*instanceDict)(nil)
)

func (d *instanceDict) snapshot() *starlark.Dict {
	x := starlark.NewDict(len(d.o.names))
	for _, n := range d.o.names {
		x.SetKey(starlark.String(n), d.o.attrs[n])
	}
	return x
}
func (d *instanceDict) String() string        { return d.snapshot().String() }
func (d *instanceDict) Type() string          { return "dict" }
func (d *instanceDict) Freeze()               {}
func (d *instanceDict) Truth() starlark.Bool  { return len(d.o.names) > 0 }
func (d *instanceDict) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: dict") }
func (d *instanceDict) Len() int              { return len(d.o.names) }
func (d *instanceDict) Iterate() starlark.Iterator {
	return d.snapshot().Iterate()
}
func (d *instanceDict) Items() []starlark.Tuple { return d.snapshot().Items() }
func (d *instanceDict) Get(k starlark.Value) (starlark.Value, bool, error) {
	s, ok := starlark.AsString(k)
	if !ok {
		return nil, false, nil
	}
	v, found := d.o.attrs[s]
	return v, found, nil
}
func (d *instanceDict) SetKey(k, v starlark.Value) error {
	s, ok := starlark.AsString(k)
	if !ok {
		return fmt.Errorf("attribute name must be a string, not %s", k.Type())
	}
	return d.o.SetField(s, v)
}
func (d *instanceDict) AttrNames() []string {
	return []string{"get", "items", "keys", "update", "values"}
}
func (d *instanceDict) Attr(name string) (starlark.Value, error) {
	if name != "update" {
		return d.snapshot().Attr(name)
	}
	return starlark.NewBuiltin("update", func(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		if len(a) > 1 {
			return nil, fmt.Errorf("update expected at most 1 argument, got %d", len(a))
		}
		var pairs []starlark.Tuple
		if len(a) == 1 {
			m, ok := a[0].(starlark.IterableMapping)
			if !ok {
				return nil, fmt.Errorf("__dict__.update needs a dict, not %s", a[0].Type())
			}
			pairs = m.Items()
		}
		for _, kv := range append(pairs, kw...) {
			if err := d.SetKey(kv[0], kv[1]); err != nil {
				return nil, err
			}
		}
		return starlark.None, nil
	}), nil
}

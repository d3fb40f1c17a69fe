package pyhost

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/spell"
)

// Part is implemented by the values a front-end's model is made of (a
// Lasagne layer, a torch module). The host needs to know them in one
// place: a placeholder from a module that could not be imported is
// harmless until a part of the model is given to it.
type Part interface {
	starlark.Value
	ModelPart()
}

// Origin is where a value computed from data the host does not read was
// made: len(chars) of a file's characters, int(X.shape[1]). Such a value
// is an Opaque that remembers its origin, so that a size made from it is
// reported as unknown — never as the 0 an empty placeholder would give.
type Origin struct {
	Expr  string    // the source text: len(chars)
	Pos   graph.Pos // where it is
	Name  string    // the module-level variable it was assigned to (or the keyword that gave it), "" if none
	IsVar bool      // Name is a module-level variable: Binding it fixes every use
	// EntryArg marks a name written in an entry call: the module-level
	// value of that name if the file has one, else data.
	EntryArg bool
}

func (o *Origin) String() string {
	s := o.Expr
	if s == "" {
		s = "a value"
	}
	switch {
	case o.Name != "" && o.Expr == "":
		s = o.Name
	case o.Name != "":
		s = o.Name + " = " + s
	}
	if o.Pos.Line > 0 {
		s += fmt.Sprintf(" (line %d)", o.Pos.Line)
	}
	return s
}

// Missing is where a value from a module that is neither beside the
// script nor a known library came from: harmless until the model needs
// it, then Err.
type Missing struct {
	Pos  graph.Pos
	Name string // what was imported: "RMSPoolLayer", or the module for "import x"
	Mod  string
	Err  error // the error when the model uses it
}

// Opaque stands for any Python object the host does not model: numpy,
// theano, initializers, nonlinearities, update rules, data. It can be
// passed around, called, indexed and combined, and only fails where a
// number is needed from it.
type Opaque struct {
	Desc string  // what it is, as source text: "np.random.rand(…)"
	From *Origin // set when the value comes from data: a size made from it is unknown
	// Missing is set when the value comes from a module the host could
	// not find: a Part given to it is an import error.
	Missing *Missing
	// Sym marks a symbolic value (T.tensor4('x'), an input variable,
	// input_var.shape[0]): a size known only when the graph runs.
	Sym bool
	// Class is set on a class imported from a missing module (from
	// layers import RMSPoolLayer): calling it is the import's error,
	// whatever it is given; unused, it is harmless.
	Class bool
	// Took are the class instances a call of a placeholder was given
	// (spectral_norm_x(nn.Conv2d(…))): a front-end can keep what they
	// hold instead of losing it in a value it cannot read.
	Took []*Instance
}

var (
	_ starlark.HasSetField     = (*Opaque)(nil)
	_ starlark.HasSetKey       = (*Opaque)(nil)
	_ starlark.Callable        = (*Opaque)(nil)
	_ starlark.HasBinary       = (*Opaque)(nil)
	_ starlark.HasUnary        = (*Opaque)(nil)
	_ starlark.Sliceable       = (*Opaque)(nil)
	_ starlark.Iterable        = (*Opaque)(nil)
	_ starlark.IterableMapping = (*Opaque)(nil)
)

// derive is a placeholder made from o, keeping where it came from.
func (o *Opaque) derive(desc string) *Opaque {
	return &Opaque{Desc: Clip(desc), From: o.From, Missing: o.Missing, Sym: o.Sym}
}

// passesPart reports whether a call gets a part of the model.
func passesPart(args starlark.Tuple, kwargs []starlark.Tuple) bool {
	for _, a := range args {
		if _, ok := a.(Part); ok {
			return true
		}
	}
	for _, kv := range kwargs {
		if _, ok := kv[1].(Part); ok {
			return true
		}
	}
	return false
}

// Items is empty: f(**vars(args)) passes no keywords, as data code's
// placeholders give nothing to iterate.
func (o *Opaque) Items() []starlark.Tuple { return nil }

// SetField ignores assignments (theano.config.floatX = 'float32').
func (o *Opaque) SetField(name string, v starlark.Value) error { return nil }

// SetKey ignores item assignments (os.environ['THEANO_FLAGS'] = …, X[i] = …).
func (o *Opaque) SetKey(k, v starlark.Value) error { return nil }

func (o *Opaque) String() string        { return o.Desc }
func (o *Opaque) Type() string          { return "value of " + o.Desc + " (not evaluated by layerinfo)" }
func (o *Opaque) Freeze()               {}
func (o *Opaque) Truth() starlark.Bool  { return true }
func (o *Opaque) Hash() (uint32, error) { return HashString(o.Desc), nil }
func (o *Opaque) Name() string          { return o.Desc }
func (o *Opaque) Attr(name string) (starlark.Value, error) {
	return o.derive(o.Desc + "." + name), nil
}
func (o *Opaque) AttrNames() []string { return nil }

// OpaqueCallKey is the thread-local key of a front-end's hook for calls
// of placeholders, a func(th, o, args, kwargs) (starlark.Value, error):
// a nil value and no error leaves the call to the default (another
// placeholder). A trace uses it to give a row to a model part it cannot
// read (self.backbone = torchvision.models.resnet18(); self.backbone(x)).
const OpaqueCallKey = "pyhost.opaque-call"

func (o *Opaque) CallInternal(th *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if o.Missing != nil && (o.Class || passesPart(args, kwargs)) {
		return nil, o.Missing.Err // a part of the model made by a module the host could not read
	}
	if th != nil {
		if h, ok := th.Local(OpaqueCallKey).(func(*starlark.Thread, *Opaque, starlark.Tuple, []starlark.Tuple) (starlark.Value, error)); ok {
			if v, err := h(th, o, args, kwargs); v != nil || err != nil {
				return v, err
			}
		}
	}
	d := o.derive(o.Desc + "(…)")
	for _, a := range args {
		if x, ok := a.(*Instance); ok {
			d.Took = append(d.Took, x)
		}
	}
	for _, kv := range kwargs {
		if x, ok := kv[1].(*Instance); ok {
			d.Took = append(d.Took, x)
		}
	}
	return d, nil
}
func (o *Opaque) Binary(op syntax.Token, y starlark.Value, side starlark.Side) (starlark.Value, error) {
	from, sym := o.From, o.Sym
	if p, ok := y.(*Opaque); ok {
		if from == nil {
			from = p.From
		}
		sym = sym || p.Sym
	}
	return &Opaque{Desc: Clip("(" + o.Desc + " " + op.String() + " …)"), From: from, Missing: o.Missing, Sym: sym}, nil
}
func (o *Opaque) Unary(op syntax.Token) (starlark.Value, error) {
	return o.derive(op.String() + o.Desc), nil
}
func (o *Opaque) Index(i int) starlark.Value {
	return o.derive(fmt.Sprintf("%s[%d]", o.Desc, i))
}
func (o *Opaque) Slice(start, end, step int) starlark.Value {
	return o.derive(o.Desc + "[…]")
}

// Iterate yields nothing: loops over data (batches, epochs of arrays)
// are skipped, which is what a static reading of model code wants.
func (o *Opaque) Iterate() starlark.Iterator { return emptyIter{} }

type emptyIter struct{}

func (emptyIter) Next(*starlark.Value) bool { return false }
func (emptyIter) Done()                     {}
func (o *Opaque) Len() int                  { return 0 }
func (o *Opaque) Get(k starlark.Value) (starlark.Value, bool, error) {
	return o.derive(o.Desc + "[" + k.String() + "]"), true, nil
}

// Module is a namespace: lasagne, torch.nn, math. An open module answers
// unknown attributes with placeholders (lasagne.init.X); a closed one
// (lasagne.layers) says the name does not exist, with the nearest name.
type Module struct {
	Name    string
	Members starlark.StringDict
	Open    bool
}

func (m *Module) String() string        { return "<module " + m.Name + ">" }
func (m *Module) Type() string          { return "module" }
func (m *Module) Freeze()               {}
func (m *Module) Truth() starlark.Bool  { return true }
func (m *Module) Hash() (uint32, error) { return HashString(m.Name), nil }
func (m *Module) Attr(name string) (starlark.Value, error) {
	if v, ok := m.Members[name]; ok {
		return v, nil
	}
	if m.Open {
		return &Opaque{Desc: m.Name + "." + name}, nil
	}
	msg := fmt.Sprintf("%s has no %s", m.Name, name)
	if s := spell.Nearest(name, m.AttrNames()); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return nil, errors.New(msg) // not NoSuchAttrError: Starlark would add its own suggestion
}
func (m *Module) AttrNames() []string {
	names := make([]string, 0, len(m.Members))
	for k := range m.Members {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// HashString is FNV-1a, the hash of the host's named values.
func HashString(s string) uint32 {
	var h uint32 = 2166136261
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	return h
}

// Clip keeps a placeholder's name short: a loop or a recursion that
// combines placeholders would otherwise grow it at every step.
func Clip(name string) string {
	const max = 120
	if len(name) <= max {
		return name
	}
	r := []rune(name)
	if len(r) <= max {
		return name
	}
	return string(r[:max/2]) + "…" + string(r[len(r)-max/2:])
}

// IsSequence reports whether v is a list or a tuple.
func IsSequence(v starlark.Value) bool {
	switch v.(type) {
	case starlark.Tuple, *starlark.List:
		return true
	}
	return false
}

// Describe names a value for a message: "the string 'a'", "a value
// computed by np.prod(…), which layerinfo cannot evaluate".
func Describe(v starlark.Value) string {
	switch x := v.(type) {
	case *Opaque:
		if x.From != nil {
			return fmt.Sprintf("a value computed from data by %s, which layerinfo does not read", x.From)
		}
		return fmt.Sprintf("a value computed by %s, which layerinfo cannot evaluate", x.Desc)
	case starlark.String:
		return fmt.Sprintf("the string %s", x)
	case starlark.NoneType:
		return "None"
	}
	return fmt.Sprintf("%s %s", v.Type(), v)
}

// ToInt is a whole number of v (an int, a whole float, a bool): what a
// size or an index may be.
func ToInt(v starlark.Value) (int64, error) {
	switch x := v.(type) {
	case starlark.Int:
		n, ok := x.Int64()
		if !ok {
			return 0, fmt.Errorf("is too large: %s", x)
		}
		return n, nil
	case starlark.Float:
		f := float64(x)
		if f == math.Trunc(f) && math.Abs(f) < 1<<62 {
			return int64(f), nil
		}
		return 0, fmt.Errorf("must be a whole number, got %v", f)
	case starlark.Bool:
		if x {
			return 1, nil
		}
		return 0, nil
	}
	return 0, fmt.Errorf("must be an integer, got %s", Describe(v))
}

// StripBOM removes a UTF-8 byte order mark.
func StripBOM(src []byte) []byte {
	return []byte(strings.TrimPrefix(string(src), "\ufeff"))
}

// Index is a multi-axis index, x[a, b:c, None, ...]: its items, a slice
// as a *Slice and ... as the Opaque "Ellipsis". It prints as the
// placeholder it replaced, so data code indexed with it reads the same.
type Index struct{ Items starlark.Tuple }

func (x *Index) String() string        { return "a multi-axis index" }
func (x *Index) Type() string          { return "tuple" }
func (x *Index) Freeze()               {}
func (x *Index) Truth() starlark.Bool  { return true }
func (x *Index) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable: a multi-axis index") }

// Slice is lo:hi:step inside a multi-axis index.
type Slice struct{ Lo, Hi, Step starlark.Value }

func (s *Slice) String() string        { return "slice" }
func (s *Slice) Type() string          { return "slice" }
func (s *Slice) Freeze()               {}
func (s *Slice) Truth() starlark.Bool  { return true }
func (s *Slice) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable: slice") }

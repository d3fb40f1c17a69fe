package pycode

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/spell"
)

// layer is a Lasagne layer object in the running script.
type layer struct {
	b      *builder
	node   *graph.Node
	class  string              // Lasagne class name
	nonlin bool                // has a nonlinearity attribute (Conv, Dense, …)
	attrs  starlark.StringDict // constructor arguments visible as attributes
	named  bool                // the script gave the name (helpers derive names only from given ones)
}

var (
	_ starlark.HasAttrs = (*layer)(nil)
	_ starlark.HasAttrs = (*module)(nil)
	_ starlark.Callable = (*opaque)(nil)
)

func (l *layer) String() string       { return fmt.Sprintf("<%s %s>", l.class, l.node.Name) }
func (l *layer) Type() string         { return l.class }
func (l *layer) Freeze()              {}
func (l *layer) Truth() starlark.Bool { return true }
func (l *layer) Hash() (uint32, error) {
	return hashString(l.node.Name), nil
}

func (l *layer) Attr(name string) (starlark.Value, error) {
	switch name {
	case "name":
		return starlark.String(l.node.Name), nil
	case "output_shape":
		return shapeTuple(l.node.Outputs[0].Shape), nil
	case "input_shape":
		return shapeTuple(l.node.In(0)), nil
	case "input_shapes":
		var xs []starlark.Value
		for i := range l.node.Inputs {
			xs = append(xs, shapeTuple(l.node.In(i)))
		}
		return starlark.NewList(xs), nil
	case "input_layer":
		if len(l.node.Inputs) > 0 {
			if in := l.b.layerOf(l.node.Inputs[0]); in != nil {
				return in, nil
			}
		}
		return starlark.None, nil
	case "input_layers":
		var xs []starlark.Value
		for _, v := range l.node.Inputs {
			if in := l.b.layerOf(v); in != nil {
				xs = append(xs, in)
			}
		}
		return starlark.NewList(xs), nil
	case "params":
		return &opaque{name: l.node.Name + ".params"}, nil
	}
	if p := l.node.ParamByRole(name); p != nil {
		return &paramRef{layer: l, role: name}, nil
	}
	if v, ok := l.attrs[name]; ok {
		return v, nil
	}
	// Lasagne layers have many more attributes (nonlinearity, input_var,
	// get_params, …); they are opaque here.
	return &opaque{name: l.node.Name + "." + name}, nil
}

// SetField is an assignment to a layer's attribute, as Lasagne's
// batch_norm and scripts' own versions of it make (layer.nonlinearity =
// identity; layer.b = None): b = None drops the bias; every value is
// read back by later accesses.
func (l *layer) SetField(name string, v starlark.Value) error {
	switch name {
	case "b":
		if v == starlark.None {
			if err := l.b.removeBias(l); err != nil {
				return err
			}
		}
	case "nonlinearity":
		o, ok := v.(*opaque)
		l.nonlin = v != starlark.None && !(ok && (strings.HasSuffix(o.name, "identity") || strings.HasSuffix(o.name, "linear")))
	}
	if l.attrs == nil {
		l.attrs = starlark.StringDict{}
	}
	l.attrs[name] = v
	return nil
}

func (l *layer) AttrNames() []string {
	names := []string{"name", "output_shape", "input_shape", "input_layer", "params"}
	for _, p := range l.node.Params {
		names = append(names, p.Role)
	}
	for k := range l.attrs {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// shapeTuple is a shape as Lasagne returns it: a tuple of ints and None.
func shapeTuple(s graph.Shape) starlark.Value {
	if s == nil {
		return starlark.None
	}
	t := make(starlark.Tuple, len(s))
	for i, d := range s {
		if d.Known() {
			t[i] = starlark.MakeInt64(d.Size)
		} else {
			t[i] = starlark.None
		}
	}
	return t
}

// paramRef is a layer's parameter (l.W), used to share it: W=l.W.
type paramRef struct {
	layer      *layer
	role       string
	transposed bool
}

func (p *paramRef) String() string {
	s := p.layer.node.Name + "." + p.role
	if p.transposed {
		s += ".T"
	}
	return s
}
func (p *paramRef) Type() string          { return "TensorSharedVariable" }
func (p *paramRef) Freeze()               {}
func (p *paramRef) Truth() starlark.Bool  { return true }
func (p *paramRef) Hash() (uint32, error) { return hashString(p.String()), nil }
func (p *paramRef) Attr(name string) (starlark.Value, error) {
	switch name {
	case "T":
		return &paramRef{layer: p.layer, role: p.role, transposed: !p.transposed}, nil
	case "name":
		return starlark.String(p.role), nil
	}
	return &opaque{name: p.String() + "." + name}, nil
}
func (p *paramRef) AttrNames() []string { return []string{"T", "name"} }

// module is a namespace: lasagne, lasagne.layers, nolearn.lasagne. An open
// module answers unknown attributes with opaque values (lasagne.init.X);
// a closed one (lasagne.layers) says the name does not exist.
type module struct {
	name    string
	members starlark.StringDict
	open    bool
}

func (m *module) String() string        { return "<module " + m.name + ">" }
func (m *module) Type() string          { return "module" }
func (m *module) Freeze()               {}
func (m *module) Truth() starlark.Bool  { return true }
func (m *module) Hash() (uint32, error) { return hashString(m.name), nil }
func (m *module) Attr(name string) (starlark.Value, error) {
	if v, ok := m.members[name]; ok {
		return v, nil
	}
	if m.open {
		return &opaque{name: m.name + "." + name}, nil
	}
	msg := fmt.Sprintf("%s has no %s", m.name, name)
	if s := spell.Nearest(name, m.AttrNames()); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return nil, errors.New(msg) // not NoSuchAttrError: Starlark would add its own suggestion
}
func (m *module) AttrNames() []string {
	names := make([]string, 0, len(m.members))
	for k := range m.members {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// opaque stands for any Python object layerinfo does not model: numpy,
// theano, initializers, nonlinearities, update rules. It can be passed
// around, called, indexed and combined, and only fails where a number is
// needed from it.
type opaque struct {
	name string
	from *origin // set when the value comes from data (len(chars)): a size made from it is unknown
	// missing is set when the value comes from a module layerinfo could
	// not find: a layer that gets it is an import error.
	missing *missingImport
	// sym marks a Theano symbolic value (T.tensor4('x'), an input
	// variable, input_var.shape[0]): Lasagne takes one as a size known
	// only when the graph runs (a ReshapeLayer axis of None).
	sym bool
	// class is set on a layer class imported from a missing module
	// (from layers import RMSPoolLayer): calling it is the import's
	// error, whatever it is given; unused, it is harmless.
	class bool
}

// passesLayer reports whether a call gets a layer.
func passesLayer(args starlark.Tuple, kwargs []starlark.Tuple) bool {
	for _, a := range args {
		if _, ok := a.(*layer); ok {
			return true
		}
	}
	for _, kv := range kwargs {
		if _, ok := kv[1].(*layer); ok {
			return true
		}
	}
	return false
}

// Items is empty: f(**vars(args)) passes no keywords, as data code's
// placeholders give nothing to iterate.
func (o *opaque) Items() []starlark.Tuple { return nil }

// SetField ignores assignments (theano.config.floatX = 'float32').
func (o *opaque) SetField(name string, v starlark.Value) error { return nil }

// SetKey ignores item assignments (os.environ['THEANO_FLAGS'] = …, X[i] = …).
func (o *opaque) SetKey(k, v starlark.Value) error { return nil }

func (o *opaque) String() string        { return o.name }
func (o *opaque) Type() string          { return "value of " + o.name + " (not evaluated by layerinfo)" }
func (o *opaque) Freeze()               {}
func (o *opaque) Truth() starlark.Bool  { return true }
func (o *opaque) Hash() (uint32, error) { return hashString(o.name), nil }
func (o *opaque) Name() string          { return o.name }
func (o *opaque) Attr(name string) (starlark.Value, error) {
	return &opaque{name: clip(o.name + "." + name), from: o.from, missing: o.missing, sym: o.sym}, nil
}
func (o *opaque) AttrNames() []string { return nil }
func (o *opaque) CallInternal(_ *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if o.missing != nil && (o.class || passesLayer(args, kwargs)) {
		return nil, o.missing.e // a layer made by a module layerinfo could not read
	}
	return &opaque{name: clip(o.name + "(…)"), from: o.from, missing: o.missing, sym: o.sym}, nil
}
func (o *opaque) Binary(op syntax.Token, y starlark.Value, side starlark.Side) (starlark.Value, error) {
	from, sym := o.from, o.sym
	if p, ok := y.(*opaque); ok {
		if from == nil {
			from = p.from
		}
		sym = sym || p.sym
	}
	return &opaque{name: clip("(" + o.name + " " + op.String() + " …)"), from: from, missing: o.missing, sym: sym}, nil
}
func (o *opaque) Unary(op syntax.Token) (starlark.Value, error) {
	return &opaque{name: clip(op.String() + o.name), from: o.from, missing: o.missing, sym: o.sym}, nil
}
func (o *opaque) Index(i int) starlark.Value {
	return &opaque{name: clip(fmt.Sprintf("%s[%d]", o.name, i)), from: o.from, missing: o.missing, sym: o.sym}
}
func (o *opaque) Slice(start, end, step int) starlark.Value {
	return &opaque{name: clip(o.name + "[…]"), from: o.from, missing: o.missing, sym: o.sym}
}

// Iterate yields nothing: loops over data (batches, epochs of arrays)
// are skipped, which is what a static reading of model code wants.
func (o *opaque) Iterate() starlark.Iterator { return emptyIter{} }

type emptyIter struct{}

func (emptyIter) Next(*starlark.Value) bool { return false }
func (emptyIter) Done()                     {}
func (o *opaque) Len() int                  { return 0 }
func (o *opaque) Get(k starlark.Value) (starlark.Value, bool, error) {
	return &opaque{name: clip(o.name + "[" + k.String() + "]"), from: o.from, missing: o.missing, sym: o.sym}, true, nil
}

// userClass is a class the script defined; Starlark cannot run classes,
// so such a layer works only when its output shape is given.
type userClass struct {
	b     *builder
	name  string
	bases string
	line  int
	src   *pyClass
	fns   map[string]*starlark.Function // its methods, once found (classes.go)
}

func (c *userClass) String() string        { return "<class " + c.name + ">" }
func (c *userClass) Type() string          { return "class" }
func (c *userClass) Freeze()               {}
func (c *userClass) Truth() starlark.Bool  { return true }
func (c *userClass) Hash() (uint32, error) { return hashString(c.name), nil }
func (c *userClass) Name() string          { return c.name }
func (c *userClass) CallInternal(th *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if c.src.Compiled {
		return c.b.instantiate(th, c, args, kwargs)
	}
	return c.b.custom(th, c, args, kwargs)
}

// net is a nolearn NeuralNet; its methods (fit, predict, …) do nothing.
type net struct {
	layers []*layer
	byName starlark.StringDict
}

func (n *net) String() string        { return "<NeuralNet>" }
func (n *net) Type() string          { return "NeuralNet" }
func (n *net) Freeze()               {}
func (n *net) Truth() starlark.Bool  { return true }
func (n *net) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable: NeuralNet") }
func (n *net) Attr(name string) (starlark.Value, error) {
	if name == "layers_" {
		d := starlark.NewDict(len(n.byName))
		for _, l := range n.layers {
			_ = d.SetKey(starlark.String(l.node.Name), l)
		}
		return d, nil
	}
	return &opaque{name: "net." + name}, nil
}
func (n *net) AttrNames() []string { return []string{"layers_"} }

// SetField ignores settings made after the NeuralNet is built (net.max_epochs = 10).
func (n *net) SetField(name string, v starlark.Value) error { return nil }

// gate is lasagne.layers.Gate: which parameters one LSTM/GRU gate has.
type gate struct {
	cell bool // has a peephole weight W_cell
	bias bool
}

func (g *gate) String() string        { return "<Gate>" }
func (g *gate) Type() string          { return "Gate" }
func (g *gate) Freeze()               {}
func (g *gate) Truth() starlark.Bool  { return true }
func (g *gate) Hash() (uint32, error) { return 0, nil }

func hashString(s string) uint32 {
	var h uint32 = 2166136261
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	return h
}

// clip keeps a placeholder's name short: a loop or a recursion that
// combines placeholders would otherwise grow it at every step.
func clip(name string) string {
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

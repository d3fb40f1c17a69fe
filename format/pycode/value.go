package pycode

import (
	"fmt"
	"sort"
	"strings"

	"go.starlark.net/starlark"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/pyhost"
)

// layer is a Lasagne layer object in the running script.
type layer struct {
	b      *builder
	node   *graph.Node
	class  string              // Lasagne class name
	nonlin bool                // has a nonlinearity attribute (Conv, Dense, …)
	attrs  starlark.StringDict // constructor arguments visible as attributes (see attrsOf)
	args   *args               // the arguments attrs is made of when first asked
	named  bool                // the script gave the name (helpers derive names only from given ones)
	mark   uint32              // builder.ancestors has visited it in the walk marked so
}

var (
	_ starlark.HasAttrs = (*layer)(nil)
	_ starlark.HasAttrs = (*pyhost.Module)(nil)
	_ starlark.Callable = (*pyhost.Opaque)(nil)
)

func (l *layer) String() string { return fmt.Sprintf("<%s %s>", l.class, l.node.Name) }
func (l *layer) Type() string   { return l.class }
func (l *layer) Freeze()        {}

// ModelPart marks a layer as a part of the model (pyhost.Part).
func (l *layer) ModelPart()           {}
func (l *layer) Truth() starlark.Bool { return true }
func (l *layer) Hash() (uint32, error) {
	return pyhost.HashString(l.node.Name), nil
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
		return &pyhost.Opaque{Desc: l.node.Name + ".params"}, nil
	}
	if p := l.node.ParamByRole(name); p != nil {
		return &paramRef{layer: l, role: name}, nil
	}
	l.makeAttrs()
	if v, ok := l.attrs[name]; ok {
		return v, nil
	}
	// Lasagne layers have many more attributes (nonlinearity, input_var,
	// get_params, …); they are opaque here.
	return &pyhost.Opaque{Desc: l.node.Name + "." + name}, nil
}

// makeAttrs makes the layer's attributes of its constructor's arguments
// (call.attrs) when first asked: most layers are never asked.
func (l *layer) makeAttrs() {
	if l.args != nil {
		l.attrs = attrsOf(l.args)
		l.args = nil
	}
}

// SetField is an assignment to a layer's attribute, as Lasagne's
// batch_norm and scripts' own versions of it make (layer.nonlinearity =
// identity; layer.b = None): b = None drops the bias; every value is
// read back by later accesses.
func (l *layer) SetField(name string, v starlark.Value) error {
	l.makeAttrs()
	switch name {
	case "b":
		if v == starlark.None {
			if err := l.b.removeBias(l); err != nil {
				return err
			}
		}
	case "nonlinearity":
		o, ok := v.(*pyhost.Opaque)
		l.nonlin = v != starlark.None && !(ok && (strings.HasSuffix(o.Desc, "identity") || strings.HasSuffix(o.Desc, "linear")))
	}
	if l.attrs == nil {
		l.attrs = starlark.StringDict{}
	}
	l.attrs[name] = v
	return nil
}

func (l *layer) AttrNames() []string {
	l.makeAttrs()
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
func (p *paramRef) Hash() (uint32, error) { return pyhost.HashString(p.String()), nil }
func (p *paramRef) Attr(name string) (starlark.Value, error) {
	switch name {
	case "T":
		return &paramRef{layer: p.layer, role: p.role, transposed: !p.transposed}, nil
	case "name":
		return starlark.String(p.role), nil
	}
	return &pyhost.Opaque{Desc: p.String() + "." + name}, nil
}
func (p *paramRef) AttrNames() []string { return []string{"T", "name"} }

// userClass is a class the script defined; Starlark cannot run classes,
// so such a layer works only when its output shape is given.
type userClass struct {
	b     *builder
	name  string
	bases string
	line  int
	src   *pyhost.ClassStmt
	fns   map[string]*starlark.Function // its methods, once found (classes.go)
}

func (c *userClass) String() string        { return "<class " + c.name + ">" }
func (c *userClass) Type() string          { return "class" }
func (c *userClass) Freeze()               {}
func (c *userClass) Truth() starlark.Bool  { return true }
func (c *userClass) Hash() (uint32, error) { return pyhost.HashString(c.name), nil }
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
	return &pyhost.Opaque{Desc: "net." + name}, nil
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

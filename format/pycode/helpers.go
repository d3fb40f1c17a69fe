package pycode

import (
	"fmt"

	"go.starlark.net/starlark"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/pyhost"
	"github.com/layerinfo/layerinfo/op"
)

// make calls a Lasagne class from Go (for the helper functions), with the
// position of the helper's call.
func (b *builder) make(th *starlark.Thread, class string, a starlark.Tuple, kw []starlark.Tuple) (*layer, error) {
	k := &layerClass{b: b, name: class, cls: b.classes[class]}
	v, err := k.CallInternal(th, a, kw)
	if err != nil {
		return nil, err
	}
	return v.(*layer), nil
}

// kwargs is a small helper to build keyword lists.
type kwargs []starlark.Tuple

func (k kwargs) with(name string, v starlark.Value) kwargs {
	out := kwargs{}
	for _, kv := range k {
		if string(kv[0].(starlark.String)) != name {
			out = append(out, kv)
		}
	}
	if v != nil {
		out = append(out, starlark.Tuple{starlark.String(name), v})
	}
	return out
}

func (k kwargs) pop(name string) (starlark.Value, kwargs) {
	var v starlark.Value
	out := kwargs{}
	for _, kv := range k {
		if string(kv[0].(starlark.String)) == name {
			v = kv[1]
		} else {
			out = append(out, kv)
		}
	}
	return v, out
}

// removeBias drops a layer's bias, as batch_norm, instance_norm and
// layer_norm do to the layer they wrap, and re-infers it.
func (b *builder) removeBias(l *layer) error {
	switch o := l.node.Op.(type) {
	case *op.Conv:
		o.Bias = false
	case *op.Linear:
		o.Bias = false
	case *op.LocallyConnected:
		o.Bias = false
	case *op.Affine:
		var keep []op.ParamSpec
		for _, p := range o.Params {
			if p.Role != "b" {
				keep = append(keep, p)
			}
		}
		o.Params = keep
	case *op.Recurrent:
		var keep []op.RecParam
		for _, p := range o.Params {
			if p.Role != "b" {
				keep = append(keep, p)
			}
		}
		o.Params = keep
	default:
		return nil
	}
	return b.infer(l)
}

// wrapName is the name a helper gives the layers it adds: the given name,
// else the wrapped layer's name with a suffix, else none.
func wrapName(l *layer, given starlark.Value, suffix string) starlark.Value {
	if s, ok := given.(starlark.String); ok && s != "" {
		return s
	}
	if l.named {
		return starlark.String(l.node.Name + suffix)
	}
	return nil
}

// normHelper implements batch_norm, instance_norm and layer_norm: remove
// the wrapped layer's bias, add the normalization (and learned scale and
// bias), then a NonlinearityLayer with the wrapped layer's nonlinearity.
func (b *builder) normHelper(kind string) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(th *starlark.Thread, fn *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		pos := b.callerPos(th)
		if len(a) != 1 {
			return nil, &graph.Error{Pos: pos, Layer: fn.Name(), Err: fmt.Errorf("takes the layer to wrap as its one positional argument")}
		}
		l, ok := a[0].(*layer)
		if !ok {
			return nil, &graph.Error{Pos: pos, Layer: fn.Name(), Err: fmt.Errorf("expects a layer, got %s", pyhost.Describe(a[0]))}
		}
		k := kwargs(kw)
		nonlin := l.nonlin
		if err := b.removeBias(l); err != nil {
			return nil, err
		}
		given, k := k.pop("name")
		var out *layer
		var err error
		switch kind {
		case "bn":
			name := wrapName(l, given, "_bn")
			if out, err = b.make(th, "BatchNormLayer", starlark.Tuple{l}, k.with("name", name)); err != nil {
				return nil, err
			}
			if nonlin {
				return b.nonlin(th, out, name, "_nonlin")
			}
			return out, nil
		case "in", "ln":
			learnScale, learnBias := true, true
			if kind == "in" {
				var v starlark.Value
				if v, k = k.pop("learn_scale"); v != nil {
					learnScale = bool(v.Truth())
				}
				if v, k = k.pop("learn_bias"); v != nil {
					learnBias = bool(v.Truth())
				}
			}
			axes := starlark.String("spatial")
			if kind == "ln" {
				axes = "features"
			}
			name := wrapName(l, given, "_"+kind)
			if out, err = b.make(th, "StandardizationLayer", starlark.Tuple{l}, k.with("axes", axes).with("name", name)); err != nil {
				return nil, err
			}
			if learnScale {
				if out, err = b.make(th, "ScaleLayer", starlark.Tuple{out}, kwargs{}.with("name", suffixed(name, "_scale"))); err != nil {
					return nil, err
				}
			}
			if learnBias {
				if out, err = b.make(th, "BiasLayer", starlark.Tuple{out}, kwargs{}.with("name", suffixed(name, "_bias"))); err != nil {
					return nil, err
				}
			}
			if nonlin {
				return b.nonlin(th, out, name, "_nonlin")
			}
			return out, nil
		}
		return nil, fmt.Errorf("unknown helper %s", kind)
	}
}

func suffixed(name starlark.Value, suffix string) starlark.Value {
	if s, ok := name.(starlark.String); ok {
		return s + starlark.String(suffix)
	}
	return nil
}

func (b *builder) nonlin(th *starlark.Thread, in *layer, name starlark.Value, suffix string) (starlark.Value, error) {
	return b.make(th, "NonlinearityLayer", starlark.Tuple{in}, kwargs{}.with("name", suffixed(name, suffix)))
}

// prelu(layer) and rrelu(layer) replace the layer's nonlinearity with a
// learned (or randomized) rectifier placed after it.
func (b *builder) rectifier(class, suffix string) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(th *starlark.Thread, fn *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		if len(a) != 1 {
			return nil, &graph.Error{Pos: b.callerPos(th), Layer: fn.Name(), Err: fmt.Errorf("takes the layer to wrap as its one positional argument")}
		}
		l, ok := a[0].(*layer)
		if !ok {
			return nil, &graph.Error{Pos: b.callerPos(th), Layer: fn.Name(), Err: fmt.Errorf("expects a layer, got %s", pyhost.Describe(a[0]))}
		}
		given, k := kwargs(kw).pop("name")
		return b.make(th, class, starlark.Tuple{l}, k.with("name", wrapName(l, given, suffix)))
	}
}

// standardize(layer, offset, scale, shared_axes='auto'): a BiasLayer and a
// ScaleLayer whose parameters are not trained.
func (b *builder) standardize(th *starlark.Thread, fn *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	bound, err := bind("standardize", sig("layer, offset, scale, shared_axes="), nil, a, kw)
	if err != nil {
		return nil, &graph.Error{Pos: b.callerPos(th), Err: err}
	}
	k := kwargs{}
	if v := bound.get("shared_axes"); v != nil {
		k = k.with("shared_axes", v)
	}
	bl, err := b.make(th, "BiasLayer", starlark.Tuple{bound.get("layer")}, k)
	if err != nil {
		return nil, err
	}
	if aff, ok := bl.node.Op.(*op.Affine); ok {
		for i := range aff.Params {
			aff.Params[i].Trainable = false
		}
		if err := b.infer(bl); err != nil {
			return nil, err
		}
	}
	sl, err := b.make(th, "ScaleLayer", starlark.Tuple{bl}, k)
	if err != nil {
		return nil, err
	}
	if aff, ok := sl.node.Op.(*op.Affine); ok {
		for i := range aff.Params {
			aff.Params[i].Trainable = false
		}
		if err := b.infer(sl); err != nil {
			return nil, err
		}
	}
	return sl, nil
}

// dropoutVariant is dropout_channels / spatial_dropout / dropout_locations:
// a DropoutLayer with shared axes.
func (b *builder) dropoutVariant(th *starlark.Thread, fn *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	return b.make(th, "DropoutLayer", a, kwargs(kw).with("shared_axes", nil))
}

// newMark is a layer mark no layer has yet.
func (b *builder) newMark() uint32 {
	b.mark++
	if b.mark == 0 { // wrapped: clear the old marks
		for _, l := range b.layers {
			l.mark = 0
		}
		b.mark = 1
	}
	return b.mark
}

// ancestors lists a layer and every layer it depends on, inputs first:
// a depth-first walk, each layer after its inputs and then the layers it
// shares parameters with. The walk keeps its own stack (a chain of
// 100,000 layers is as deep), 16 bytes a frame, kept by the builder for
// the next walk and grown by doubling, and marks the layers it has seen.
func (b *builder) ancestors(outs []*layer) []*layer {
	mark := b.newMark()
	var order []*layer
	stack := b.walk[:0]
	shares := b.walkShares[:0] // the lists of the frames whose layer shares
	push := func(l *layer) {
		l.mark = mark
		f := ancestorFrame{l: l, shares: -1}
		for _, r := range l.node.Shares() {
			if s := b.byNode(r.Node); s != nil {
				if f.shares < 0 {
					f.shares = int32(len(shares))
					shares = append(shares, nil)
				}
				shares[f.shares] = append(shares[f.shares], s)
			}
		}
		if len(stack) == cap(stack) {
			stack = append(make([]ancestorFrame, 0, max(2*cap(stack), 64)), stack...)
		}
		stack = append(stack, f)
	}
	for _, out := range outs {
		if out.mark == mark {
			continue
		}
		stack = stack[:0]
		push(out)
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			var next *layer
			switch {
			case int(top.in) < len(top.l.node.Inputs):
				next = b.layerOf(top.l.node.Inputs[top.in])
				top.in++
			case top.shares >= 0 && len(shares[top.shares]) > 0:
				next, shares[top.shares] = shares[top.shares][0], shares[top.shares][1:]
			default:
				if len(order) == cap(order) {
					// Doubling: append's quarter steps would copy a
					// long list some five times over.
					order = append(make([]*layer, 0, max(2*cap(order), 16)), order...)
				}
				order = append(order, top.l)
				stack = stack[:len(stack)-1]
				continue
			}
			if next != nil && next.mark != mark {
				push(next)
			}
		}
	}
	clear(shares)
	b.walk, b.walkShares = stack[:0], shares[:0]
	return order
}

// ancestorFrame is a layer on ancestors' stack: the next of its inputs to
// visit, then the layers it shares parameters with (an index into the
// walk's lists, -1 when it shares none).
type ancestorFrame struct {
	l      *layer
	in     int32
	shares int32
}

// layerList reads a layer or a list of layers.
func layerList(v starlark.Value) ([]*layer, error) {
	if l, ok := v.(*layer); ok {
		return []*layer{l}, nil
	}
	seq, ok := v.(starlark.Indexable)
	if !ok || !pyhost.IsSequence(v) {
		return nil, fmt.Errorf("expects a layer or a list of layers, got %s", pyhost.Describe(v))
	}
	var out []*layer
	for i := 0; i < seq.Len(); i++ {
		l, ok := seq.Index(i).(*layer)
		if !ok {
			return nil, fmt.Errorf("entry %d is not a layer but %s", i, pyhost.Describe(seq.Index(i)))
		}
		out = append(out, l)
	}
	return out, nil
}

// getOutputShape is lasagne.layers.get_output_shape(layer_or_layers).
func (b *builder) getOutputShape(th *starlark.Thread, fn *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if len(a) < 1 {
		return nil, fmt.Errorf("get_output_shape needs a layer")
	}
	if l, ok := a[0].(*layer); ok {
		return shapeTuple(l.node.Outputs[0].Shape), nil
	}
	ls, err := layerList(a[0])
	if err != nil {
		return nil, fmt.Errorf("get_output_shape %w", err)
	}
	var xs []starlark.Value
	for _, l := range ls {
		xs = append(xs, shapeTuple(l.node.Outputs[0].Shape))
	}
	return starlark.NewList(xs), nil
}

// countParams is lasagne.layers.count_params(layer, **tags): every
// parameter below the layer(s) once; trainable=True counts trainable ones.
func (b *builder) countParams(th *starlark.Thread, fn *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if len(a) != 1 {
		return nil, fmt.Errorf("count_params needs a layer")
	}
	ls, err := layerList(a[0])
	if err != nil {
		return nil, fmt.Errorf("count_params %w", err)
	}
	tags := map[string]bool{}
	for _, kv := range kw {
		tags[string(kv[0].(starlark.String))] = bool(kv[1].Truth())
	}
	seen := map[*graph.Param]bool{}
	var total int64
	for _, l := range b.ancestors(ls) {
		for _, p := range l.node.Params {
			if seen[p] {
				continue
			}
			seen[p] = true
			if want, ok := tags["trainable"]; ok && want != p.Trainable {
				continue
			}
			n, _ := p.Numel().Value()
			total += n
		}
	}
	return starlark.MakeInt64(total), nil
}

// getAllLayers is lasagne.layers.get_all_layers(layer).
func (b *builder) getAllLayers(th *starlark.Thread, fn *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if len(a) < 1 {
		return nil, fmt.Errorf("get_all_layers needs a layer")
	}
	ls, err := layerList(a[0])
	if err != nil {
		return nil, fmt.Errorf("get_all_layers %w", err)
	}
	var xs []starlark.Value
	for _, l := range b.ancestors(ls) {
		xs = append(xs, l)
	}
	return starlark.NewList(xs), nil
}

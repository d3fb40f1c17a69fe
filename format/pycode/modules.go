package pycode

import (
	"fmt"
	"sort"
	"strings"

	"go.starlark.net/starlark"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/pyhost"
	"github.com/layerinfo/layerinfo/internal/spell"
)

// modules builds the importable module tree: lasagne (with layers and
// its open submodules), nolearn.lasagne, and the builtins scripts use.
func (b *builder) modules() map[string]starlark.Value {
	layers := &pyhost.Module{Name: "lasagne.layers", Members: starlark.StringDict{}}
	for name, cls := range b.classes {
		layers.Members[name] = &layerClass{b: b, name: name, cls: cls}
	}
	for name, why := range unsupported {
		name, why := name, why
		layers.Members[name] = starlark.NewBuiltin(name, func(th *starlark.Thread, fn *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			return nil, &graph.Error{Pos: b.callerPos(th), Layer: name, Err: fmt.Errorf("not supported: %s", why)}
		})
	}
	alias := map[string]string{"dropout": "DropoutLayer", "flatten": "FlattenLayer", "reshape": "ReshapeLayer",
		"dimshuffle": "DimshuffleLayer", "pad": "PadLayer", "concat": "ConcatLayer"}
	for a, cls := range alias {
		layers.Members[a] = layers.Members[cls]
	}
	fns := map[string]func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error){
		"batch_norm":        b.normHelper("bn"),
		"batch_norm_dnn":    b.normHelper("bn"),
		"instance_norm":     b.normHelper("in"),
		"layer_norm":        b.normHelper("ln"),
		"prelu":             b.rectifier("ParametricRectifierLayer", "_prelu"),
		"rrelu":             b.rectifier("RandomizedRectifierLayer", "_rrelu"),
		"standardize":       b.standardize,
		"dropout_channels":  b.dropoutVariant,
		"spatial_dropout":   b.dropoutVariant,
		"dropout_locations": b.dropoutVariant,
		"get_output_shape":  b.getOutputShape,
		"count_params":      b.countParams,
		"get_all_layers":    b.getAllLayers,
		"Gate":              newGate,
	}
	for name, fn := range fns {
		layers.Members[name] = starlark.NewBuiltin(name, fn)
	}
	for _, name := range []string{"get_output", "get_all_params", "get_all_param_values", "set_all_param_values", "Layer", "MergeLayer"} {
		layers.Members[name] = &pyhost.Opaque{Desc: "lasagne.layers." + name}
	}
	for _, sub := range []string{"dnn", "corrmm", "cuda_convnet", "conv", "pool", "dense", "shape", "merge", "noise", "special",
		"normalization", "embedding", "recurrent", "local", "input", "helper", "base"} {
		layers.Members[sub] = layers
	}
	lasagne := &pyhost.Module{Name: "lasagne", Members: starlark.StringDict{"layers": layers}}
	for _, sub := range []string{"updates", "objectives", "regularization", "utils", "random", "theano_extensions"} {
		lasagne.Members[sub] = &pyhost.Module{Name: "lasagne." + sub, Members: starlark.StringDict{}, Open: true}
	}
	// The nonlinearities and initializers layers are given, closed: a
	// misspelt one is Python's AttributeError (with a suggestion), not a
	// placeholder. Every name Lasagne's modules define (0.1 to 0.2.dev).
	for sub, names := range map[string]string{
		"nonlinearities": "sigmoid softmax tanh ScaledTanH ScaledTanh rectify LeakyRectify leaky_rectify very_leaky_rectify elu SELU selu softplus linear identity theano",
		"init":           "Initializer Normal Uniform Glorot GlorotNormal GlorotUniform He HeNormal HeUniform Constant Sparse Orthogonal np floatX get_rng",
	} {
		m := &pyhost.Module{Name: "lasagne." + sub, Members: starlark.StringDict{}}
		for _, n := range strings.Fields(names) {
			m.Members[n] = &pyhost.Opaque{Desc: m.Name + "." + n}
		}
		lasagne.Members[sub] = m
	}
	nolearnLasagne := &pyhost.Module{Name: "nolearn.lasagne", Open: true, Members: starlark.StringDict{
		"NeuralNet": starlark.NewBuiltin("NeuralNet", b.neuralNet),
	}}
	nolearnLasagne.Members["base"] = nolearnLasagne
	nolearn := &pyhost.Module{Name: "nolearn", Open: true, Members: starlark.StringDict{"lasagne": nolearnLasagne}}
	return map[string]starlark.Value{"lasagne": lasagne, "nolearn": nolearn}
}

// resolve finds the value a dotted import path names. Paths under a
// known closed module must exist; unknown libraries (numpy, theano, …)
// are opaque.
func lookup(roots map[string]starlark.Value, path string) (starlark.Value, error) {
	parts := strings.Split(path, ".")
	v, ok := roots[parts[0]]
	if !ok {
		return &pyhost.Opaque{Desc: path}, nil
	}
	for i, p := range parts[1:] {
		m, ok := v.(*pyhost.Module)
		if !ok {
			return &pyhost.Opaque{Desc: path}, nil
		}
		x, err := m.Attr(p)
		if err != nil {
			return nil, fmt.Errorf("cannot import %s: %w", strings.Join(parts[:i+2], "."), err)
		}
		v = x
	}
	return v, nil
}

// guessFree binds a name the script uses without importing it (a pasted
// snippet): Lasagne classes and helpers by their own names, the usual
// module aliases, and anything else as an opaque object — except names
// that look like a misspelt layer class, which are an error.
func guessFree(roots map[string]starlark.Value, name string) (starlark.Value, error) {
	layers := roots["lasagne"].(*pyhost.Module).Members["layers"].(*pyhost.Module)
	if v, ok := layers.Members[name]; ok {
		return v, nil
	}
	switch name {
	case "layers", "L":
		return layers, nil
	case "lasagne", "nolearn":
		return roots[name], nil
	case "NeuralNet":
		return roots["nolearn"].(*pyhost.Module).Members["lasagne"].(*pyhost.Module).Members["NeuralNet"], nil
	case "nonlinearities", "init", "updates", "objectives":
		return roots["lasagne"].(*pyhost.Module).Members[name], nil
	}
	if strings.HasSuffix(name, "Layer") || strings.HasSuffix(name, "Layr") || strings.HasSuffix(name, "Lyaer") {
		var names []string
		for k := range layers.Members {
			names = append(names, k)
		}
		sort.Strings(names)
		msg := fmt.Sprintf("unknown layer %s", name)
		if s := spell.Nearest(name, names); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		return nil, fmt.Errorf("%s", msg)
	}
	return &pyhost.Opaque{Desc: name}, nil
}

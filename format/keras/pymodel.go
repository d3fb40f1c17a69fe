package keras

import (
	"fmt"
	"sort"
	"strings"

	"go.starlark.net/starlark"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/pyhost"
)

// newKctx makes the Keras classes and modules of one run.
func newKctx(file string, src []byte, d *decoder) *kctx {
	k := &kctx{file: file, src: src, uids: map[string]int{}, d: d, cls: map[string]*pyhost.Class{}}
	k.lines = []int{0}
	for i, c := range src {
		if c == '\n' {
			k.lines = append(k.lines, i+1)
		}
	}
	k.keras2 = keras2Marks().Match(src)
	methods := map[string]pyhost.Method{
		"count_params": func(_ *starlark.Thread, o *pyhost.Instance, _ starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
			return &pyhost.Opaque{Desc: "count_params()"}, nil
		},
	}
	for _, m := range []string{"adapt", "set_weights", "reset_states", "reset_state", "add_loss", "add_metric"} {
		methods[m] = func(*starlark.Thread, *pyhost.Instance, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
			return starlark.None, nil
		}
	}
	for _, m := range []string{"get_weights", "get_config", "compute_output_shape", "get_vocabulary", "vocabulary_size"} {
		name := m
		methods[m] = func(_ *starlark.Thread, o *pyhost.Instance, _ starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
			return &pyhost.Opaque{Desc: o.Class.Name() + "." + name + "(…)"}, nil
		}
	}
	methods["add_weight"] = k.addWeight
	methods["add_variable"] = k.addWeight
	k.base = pyhost.NewNative("Layer", &pyhost.Native{
		New:     func(o *pyhost.Instance) { o.State = &kLayer{o: o} },
		Init:    k.initFileLayer,
		Call:    k.callLayer,
		SetAttr: k.setAttr,
		GetAttr: k.getAttr,
		Methods: methods,
	})
	modelMethods := map[string]pyhost.Method{}
	for _, m := range []string{"summary", "compile", "save", "save_weights", "load_weights", "reset_states"} {
		modelMethods[m] = func(*starlark.Thread, *pyhost.Instance, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
			return starlark.None, nil
		}
	}
	// Training and prediction give results the host does not compute
	// (history.history["loss"], score[0]): placeholders.
	for _, m := range []string{"fit", "evaluate", "predict", "train_on_batch", "test_on_batch", "predict_on_batch",
		"fit_generator", "evaluate_generator", "predict_generator", "get_weights", "to_json", "get_config"} {
		name := m
		modelMethods[m] = func(*starlark.Thread, *pyhost.Instance, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
			return &pyhost.Opaque{Desc: "model." + name + "(…)"}, nil
		}
	}
	modelMethods["build"] = k.buildModel
	modelMethods["get_layer"] = k.getLayer
	k.model = pyhost.NewNative("Model", &pyhost.Native{Init: k.initModel, Methods: modelMethods}, k.base)
	k.seqCls = pyhost.NewNative("Sequential", &pyhost.Native{Init: k.initSequential, Methods: map[string]pyhost.Method{
		"add": k.seqAdd,
		"pop": func(_ *starlark.Thread, o *pyhost.Instance, _ starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
			m := stateOf(o).model
			if len(m.layers) == 0 {
				return nil, fmt.Errorf("pop(): the Sequential model has no layers")
			}
			m.layers = m.layers[:len(m.layers)-1]
			return starlark.None, nil
		},
	}}, k.model)
	k.cls["Layer"] = k.base
	for name := range classes {
		k.layerClass(name)
	}
	for _, name := range cellClasses {
		k.layerClass(name)
	}
	k.layerClass("InputLayer")
	return k
}

// modules are keras, its submodules and tensorflow's, as imports find
// them.
func (k *kctx) modules() map[string]starlark.Value {
	layers := &module{k: k, name: "keras.layers", members: map[string]starlark.Value{}, classes: true}
	for name, c := range k.cls {
		if name != "Layer" || true {
			layers.members[name] = c
		}
	}
	layers.members["Input"] = starlark.NewBuiltin("Input", k.input)
	for fn, class := range mergeFuncs {
		layers.members[fn] = k.mergeFunc(class)
	}
	for _, sub := range []string{"core", "convolutional", "recurrent", "pooling", "normalization", "merge",
		"embeddings", "wrappers", "advanced_activations", "noise", "preprocessing", "local", "attention", "reshaping", "regularization", "activation"} {
		layers.members[sub] = layers
	}
	layers.members["experimental"] = &module{k: k, name: "keras.layers.experimental", members: map[string]starlark.Value{"preprocessing": layers}}
	models := &module{k: k, name: "keras.models", members: map[string]starlark.Value{
		"Sequential": k.seqCls, "Model": k.model, "Functional": k.model,
	}}
	ops := &module{k: k, name: "keras.ops", members: map[string]starlark.Value{}, functions: true}
	backend := &module{k: k, name: "keras.backend", members: map[string]starlark.Value{}, functions: true}
	activations := &module{k: k, name: "keras.activations", members: map[string]starlark.Value{}, functions: true}
	keras := &module{k: k, name: "keras", members: map[string]starlark.Value{
		"layers": layers, "models": models, "ops": ops, "backend": backend, "activations": activations,
		"Sequential": k.seqCls, "Model": k.model, "Input": layers.members["Input"], "Layer": k.base,
		"__version__": starlark.String("3"),
	}}
	if k.keras2 {
		keras.members["__version__"] = starlark.String("2")
	}
	engine := &module{k: k, name: "keras.engine", members: map[string]starlark.Value{"Model": k.model, "Sequential": k.seqCls, "Layer": k.base, "Input": layers.members["Input"]}}
	keras.members["engine"] = engine
	tf := &module{k: k, name: "tensorflow", members: map[string]starlark.Value{"keras": keras}, functions: true}
	for _, sub := range []string{"nn", "math", "image", "linalg", "signal"} {
		tf.members[sub] = &module{k: k, name: "tensorflow." + sub, members: map[string]starlark.Value{}, functions: true}
	}
	tf.members["random"] = &module{k: k, name: "tensorflow.random", members: map[string]starlark.Value{}, functions: true}
	for _, sub := range []string{"data", "io", "config", "compat", "test", "summary", "distribute", "train", "saved_model", "lite", "debugging"} {
		tf.members[sub] = &module{k: k, name: "tensorflow." + sub, members: map[string]starlark.Value{}}
	}
	tf.members["float32"], tf.members["int32"], tf.members["int64"] = starlark.String("float32"), starlark.String("int32"), starlark.String("int64")
	return map[string]starlark.Value{"keras": keras, "tensorflow": tf, "tf_keras": keras}
}

// importer binds keras, tensorflow and their members.
func (k *kctx) importer(roots map[string]starlark.Value) func(b pyhost.Binding) (starlark.Value, error) {
	return func(b pyhost.Binding) (starlark.Value, error) {
		parts := strings.Split(b.Path, ".")
		v, ok := roots[parts[0]]
		if !ok {
			return nil, nil
		}
		for _, p := range parts[1:] {
			h, ok := v.(starlark.HasAttrs)
			if !ok {
				return nil, nil
			}
			x, err := h.Attr(p)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: cannot import %s: %v", k.file, b.Line, b.Path, err)
			}
			if x == nil {
				return nil, nil
			}
			v = x
		}
		if m, ok := v.(*module); ok && b.Star {
			// from keras.layers import *: every member it has.
			members := starlark.StringDict{}
			for n, x := range m.members {
				members[n] = x
			}
			return &pyhost.Module{Name: m.name, Members: members}, nil
		}
		return v, nil
	}
}

// mergeFunc is layers.add([a, b]) and its kind: the layer made and
// called on the first argument.
func (k *kctx) mergeFunc(class string) *starlark.Builtin {
	return starlark.NewBuiltin(strings.ToLower(class), func(th *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		if len(args) == 0 {
			return nil, fmt.Errorf("%s() needs the list of tensors", strings.ToLower(class))
		}
		o := k.cls[class].Blank(th)
		if err := k.initLayer(class)(th, o, args[1:], kw); err != nil {
			return nil, err
		}
		return k.callLayer(th, o, args[:1], nil)
	})
}

// initFileLayer is a file's own layer class (a subclass of Layer or
// Model): named after its class, traced through its call.
func (k *kctx) initFileLayer(th *starlark.Thread, o *pyhost.Instance, args starlark.Tuple, kw []starlark.Tuple) error {
	kl := k.newLayer(o, th)
	kl.class = o.Class.Name()
	kl.file = true
	for _, p := range kw {
		key := string(p[0].(starlark.String))
		switch key {
		case "name":
			if s, ok := p[1].(starlark.String); ok {
				kl.name = string(s)
			}
		case "trainable":
			kl.cfg.set(key, k.toValue(p[1], kl.off, 0))
		}
	}
	if kl.name == "" {
		kl.name = k.autoName(namePrefix(kl.class, k.keras2))
	}
	return nil
}

func (k *kctx) setAttr(o *pyhost.Instance, name string, v starlark.Value) error {
	kl := stateOf(o)
	if kl == nil || kl.cfg == nil {
		return nil
	}
	if name == "trainable" {
		kl.cfg.set("trainable", k.toValue(v, kl.off, 0))
	}
	return nil
}

// getAttr answers a layer's attributes: its name, its config's values
// (units, filters), the tensors of its calls; a model's layers.
func (k *kctx) getAttr(o *pyhost.Instance, name string) (starlark.Value, error) {
	kl := stateOf(o)
	if kl == nil || kl.cfg == nil {
		return nil, nil
	}
	last := func() *kCall {
		if len(kl.calls) == 0 {
			return nil
		}
		return kl.calls[len(kl.calls)-1]
	}
	switch name {
	case "name":
		return starlark.String(kl.name), nil
	case "trainable":
		if t := kl.cfg.get("trainable"); t != nil && t.k == jBool {
			return starlark.Bool(t.b), nil
		}
		return starlark.True, nil
	case "output", "outputs":
		if m := kl.model; m != nil && len(m.outs) > 0 && len(kl.calls) == 0 {
			return tensorList(m.outs, name == "output"), nil
		}
		if c := last(); c != nil {
			return tensorList(c.outs, name == "output"), nil
		}
	case "input", "inputs":
		if m := kl.model; m != nil && len(m.ins) > 0 {
			return tensorList(m.ins, name == "input"), nil
		}
		if m := kl.model; m != nil && m.input != nil {
			return m.input, nil
		}
		if c := last(); c != nil {
			return tensorList(c.ins, name == "input"), nil
		}
	case "output_shape":
		if m := kl.model; m != nil && len(m.outs) > 0 {
			return shapeTuple(m.outs[0].shape), nil
		}
		if c := last(); c != nil && len(c.outs) > 0 {
			return shapeTuple(c.outs[0].shape), nil
		}
	case "layers":
		if m := kl.model; m != nil {
			var out []starlark.Value
			for _, l := range k.modelLayers(kl) {
				if l.o != nil {
					out = append(out, l.o)
				}
			}
			return starlark.NewList(out), nil
		}
	}
	if v := kl.cfg.get(name); v != nil {
		return fromValue(v), nil
	}
	switch name {
	case "output", "outputs", "input", "inputs", "output_shape", "input_shape", "weights", "trainable_weights",
		"non_trainable_weights", "variables", "dtype", "built", "losses", "metrics", "optimizer", "history",
		"submodules", "input_spec", "supports_masking", "stateful", "kernel", "bias", "embeddings", "layers":
		// Keras has it; layerinfo does not know it here (a layer of a
		// Sequential is never called on a tensor in the file).
		return &pyhost.Opaque{Desc: kl.name + "." + name}, nil
	}
	return nil, nil
}

func tensorList(ts []*kTensor, one bool) starlark.Value {
	if one && len(ts) == 1 {
		return ts[0]
	}
	out := make([]starlark.Value, len(ts))
	for i, t := range ts {
		out[i] = t
	}
	return starlark.NewList(out)
}

// fromValue is a config value back in Python.
func fromValue(v *value) starlark.Value {
	switch v.k {
	case jNull:
		return starlark.None
	case jBool:
		return starlark.Bool(v.b)
	case jNum:
		if n, ok := v.int(); ok && !strings.ContainsAny(v.s, ".eE") {
			return starlark.MakeInt64(n)
		}
		var f float64
		fmt.Sscan(v.s, &f)
		return starlark.Float(f)
	case jStr:
		return starlark.String(v.s)
	case jArr:
		t := make(starlark.Tuple, len(v.arr))
		for i, e := range v.arr {
			t[i] = fromValue(e)
		}
		return t
	}
	return &pyhost.Opaque{Desc: "a config value"}
}

// initModel is keras.Model(inputs, outputs, name=…), or a subclass's
// super().__init__().
func (k *kctx) initModel(th *starlark.Thread, o *pyhost.Instance, args starlark.Tuple, kw []starlark.Tuple) error {
	kl := k.newLayer(o, th)
	kl.isModel = true
	var inputs, outputs starlark.Value
	if len(args) > 0 {
		inputs = args[0]
	}
	if len(args) > 1 {
		outputs = args[1]
	}
	for _, p := range kw {
		key := string(p[0].(starlark.String))
		switch key {
		case "inputs":
			inputs = p[1]
		case "outputs":
			outputs = p[1]
		case "name":
			if s, ok := p[1].(starlark.String); ok {
				kl.name = string(s)
			}
		case "trainable":
			kl.cfg.set(key, k.toValue(p[1], kl.off, 0))
		}
	}
	native := o.Class == k.model
	kl.class = o.Class.Name()
	if native {
		kl.class = "Functional"
	}
	if inputs == nil && outputs == nil && !native {
		kl.model = &kModel{kind: mSubclass}
		if kl.name == "" {
			kl.name = k.autoName(namePrefix(kl.class, k.keras2))
		}
		return nil
	}
	ins, outs := tensors(inputs, nil, 0), tensors(outputs, nil, 0)
	for _, v := range []starlark.Value{outputs, inputs} {
		if op, ok := v.(*pyhost.Opaque); ok && len(outs) == 0 {
			return fmt.Errorf("Model(): its inputs or outputs are %s, which layerinfo does not model (keras.applications, TensorFlow Hub and other prebuilt models are not read)", op.Desc)
		}
	}
	if len(ins) == 0 || len(outs) == 0 {
		return fmt.Errorf("Model() needs its inputs and outputs (Keras tensors: keras.Input(…) and what the layers give)")
	}
	kl.model = &kModel{kind: mFunctional, ins: ins, outs: outs}
	if kl.name == "" {
		prefix := "functional"
		if k.keras2 {
			prefix = "model"
		}
		if !native {
			prefix = namePrefix(kl.class, k.keras2)
		}
		kl.name = k.autoName(prefix)
	}
	return nil
}

// initSequential is keras.Sequential(layers, name=…).
func (k *kctx) initSequential(th *starlark.Thread, o *pyhost.Instance, args starlark.Tuple, kw []starlark.Tuple) error {
	kl := k.newLayer(o, th)
	kl.isModel = true
	kl.class = "Sequential"
	kl.model = &kModel{kind: mSequential}
	var list starlark.Value
	if len(args) > 0 {
		list = args[0]
	}
	if len(args) > 1 {
		if s, ok := args[1].(starlark.String); ok {
			kl.name = string(s)
		}
	}
	for _, p := range kw {
		switch key := string(p[0].(starlark.String)); key {
		case "layers":
			list = p[1]
		case "name":
			if s, ok := p[1].(starlark.String); ok {
				kl.name = string(s)
			}
		case "trainable":
			kl.cfg.set(key, k.toValue(p[1], kl.off, 0))
		}
	}
	if kl.name == "" {
		kl.name = k.autoName("sequential")
	}
	if list == nil || list == starlark.None {
		return nil
	}
	it := starlark.Iterate(list)
	if it == nil {
		return fmt.Errorf("Sequential() takes a list of layers, not %s", list.Type())
	}
	defer it.Done()
	var x starlark.Value
	for it.Next(&x) {
		if _, err := k.seqAdd(th, o, starlark.Tuple{x}, nil); err != nil {
			return err
		}
	}
	return nil
}

// seqAdd is Sequential.add: a layer, or keras.Input first.
func (k *kctx) seqAdd(th *starlark.Thread, o *pyhost.Instance, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	m := stateOf(o).model
	if len(args) != 1 {
		return nil, fmt.Errorf("add() takes one layer, got %d arguments", len(args))
	}
	if t, ok := args[0].(*kTensor); ok {
		if len(m.layers) > 0 || m.input != nil {
			return nil, fmt.Errorf("add(): a Keras tensor (keras.Input) can only start a Sequential model")
		}
		if t.call.layer.class != "InputLayer" {
			return nil, fmt.Errorf("add() takes a layer; a tensor only when it is keras.Input(…)")
		}
		m.input = t
		return starlark.None, nil
	}
	kl := stateOf(args[0])
	if kl == nil || kl.class == "" {
		return nil, fmt.Errorf("add() takes a layer, not %s", args[0].Type())
	}
	if kl.class == "InputLayer" && len(m.layers) == 0 && m.input == nil {
		t, err := k.inputOf(kl)
		if err != nil {
			return nil, err
		}
		m.input = t
		return starlark.None, nil
	}
	m.layers = append(m.layers, kl)
	return starlark.None, nil
}

// buildModel is model.build(input_shape): the batch axis included.
func (k *kctx) buildModel(_ *starlark.Thread, o *pyhost.Instance, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	kl := stateOf(o)
	var s starlark.Value
	if len(args) > 0 {
		s = args[0]
	}
	for _, p := range kw {
		if string(p[0].(starlark.String)) == "input_shape" {
			s = p[1]
		}
	}
	if s == nil || kl.model == nil {
		return starlark.None, nil
	}
	v := k.toValue(s, kl.off, 0)
	shape, err := k.d.shapeOf(v, nil, "build's input_shape")
	if err != nil {
		return nil, err
	}
	kl.model.build, kl.model.built = shape, true
	return starlark.None, nil
}

func (k *kctx) getLayer(_ *starlark.Thread, o *pyhost.Instance, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var name string
	if len(args) > 0 {
		if s, ok := args[0].(starlark.String); ok {
			name = string(s)
		}
	}
	for _, p := range kw {
		if s, ok := p[1].(starlark.String); ok && string(p[0].(starlark.String)) == "name" {
			name = string(s)
		}
	}
	for _, l := range k.modelLayers(stateOf(o)) {
		if l.name == name && l.o != nil {
			return l.o, nil
		}
	}
	return nil, fmt.Errorf("get_layer: no layer named %q", name)
}

// traceCall runs a file's layer (or subclassed model) on Keras tensors:
// its call runs on fresh inputs of the same shapes, and what it calls
// makes the layer's inside, a model of its own (the first call's).
func (k *kctx) traceCall(th *starlark.Thread, o *pyhost.Instance, kl *kLayer, ins []*kTensor, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if kl.model == nil {
		kl.model = &kModel{kind: mSubclass}
	}
	m := kl.model
	if !m.traced {
		inner := map[*kTensor]*kTensor{}
		var fresh []*kTensor
		for _, t := range ins {
			if inner[t] != nil {
				continue
			}
			f, err := k.freshInput(t.shape, t.dtype, kl)
			if err != nil {
				return nil, err
			}
			inner[t] = f
			fresh = append(fresh, f)
		}
		sub := func(v starlark.Value) starlark.Value { return substitute(v, inner, 0) }
		a2 := make(starlark.Tuple, len(args))
		for i, a := range args {
			a2[i] = sub(a)
		}
		var kw2 []starlark.Tuple
		for _, p := range kw {
			kw2 = append(kw2, starlark.Tuple{p[0], sub(p[1])})
		}
		if b, cls := o.Class.Lookup("build"); b != nil && cls != nil && cls.Native == nil && len(fresh) > 0 {
			bm, err := o.Attr("build")
			if err != nil {
				return nil, err
			}
			if _, err := starlark.Call(th, bm, starlark.Tuple{shapeTuple(fresh[0].shape)}, nil); err != nil {
				return nil, err
			}
		}
		fn, cls := o.Class.Lookup("call")
		if fn == nil || cls == nil || cls.Native != nil {
			return nil, fmt.Errorf("%s has no call method: layerinfo cannot trace it", kl.class)
		}
		call, err := o.Attr("call")
		if err != nil {
			return nil, err
		}
		kw2 = fillCallArgs(fn, len(a2), kw2)
		k.tracing++
		res, err := starlark.Call(th, call, a2, kw2)
		k.tracing--
		if err != nil {
			return nil, err
		}
		outs := tensors(res, nil, 0)
		if len(outs) == 0 {
			return nil, fmt.Errorf("%s.call returned no Keras tensor (%s)", kl.class, res.Type())
		}
		m.ins, m.outs, m.traced = fresh, outs, true
		kl.l = nil
	}
	outs, err := k.record(kl, ins, where(th))
	if err != nil {
		return nil, err
	}
	return results(outs), nil
}

// freshInput is an input of a traced layer's inside.
func (k *kctx) freshInput(s graph.Shape, dt graph.DType, owner *kLayer) (*kTensor, error) {
	kl := &kLayer{class: "InputLayer", pos: owner.pos, off: owner.off}
	k.seq++
	kl.seq = k.seq
	kl.cfg = &value{k: jObj, off: kl.off}
	shape := &value{k: jArr, off: kl.off}
	for _, d := range s {
		if d.Known() {
			shape.arr = append(shape.arr, &value{k: jNum, s: fmt.Sprint(d.Size), off: kl.off})
		} else {
			shape.arr = append(shape.arr, &value{k: jNull, off: kl.off})
		}
	}
	if s == nil {
		return nil, &graph.Error{Pos: owner.pos, Layer: fmt.Sprintf("layer %s (%s)", owner.name, owner.class), Msg: "called on a tensor of unknown shape: its call cannot be traced"}
	}
	kl.cfg.set("batch_input_shape", shape)
	kl.cfg.set("dtype", &value{k: jStr, s: string(dt), off: kl.off})
	kl.name = fmt.Sprintf("%s_input_%d", owner.name, k.seq)
	k.layers = append(k.layers, kl)
	return k.inputOf(kl)
}

func substitute(v starlark.Value, m map[*kTensor]*kTensor, depth int) starlark.Value {
	if depth > 8 {
		return v
	}
	switch x := v.(type) {
	case *kTensor:
		if f := m[x]; f != nil {
			return f
		}
	case starlark.Tuple:
		out := make(starlark.Tuple, len(x))
		for i, e := range x {
			out[i] = substitute(e, m, depth+1)
		}
		return out
	case *starlark.List:
		out := make([]starlark.Value, x.Len())
		for i := range out {
			out[i] = substitute(x.Index(i), m, depth+1)
		}
		return starlark.NewList(out)
	}
	return v
}

// network is the layers of a functional model between its inputs and
// outputs in Keras's order (model.layers: by depth from the outputs,
// deepest first; within a depth, in the order a depth-first walk from
// the outputs first meets them), and each layer's calls in it.
func network(ins, outs []*kTensor) ([]*kLayer, map[*kLayer][]*kCall, error) {
	isInput := map[*kCall]bool{}
	for _, t := range ins {
		isInput[t.call] = true
	}
	finished, busy := map[*kCall]bool{}, map[*kCall]bool{}
	index := map[*kLayer]int{}
	var post []*kCall
	var visit func(t *kTensor, depth int) error
	visit = func(t *kTensor, depth int) error {
		c := t.call
		if finished[c] {
			return nil
		}
		if busy[c] || depth > 100000 {
			return fmt.Errorf("the model's graph has a cycle at layer %s", c.layer.name)
		}
		if _, ok := index[c.layer]; !ok {
			index[c.layer] = len(index)
		}
		busy[c] = true
		if !isInput[c] {
			if len(c.ins) == 0 && c.layer.class == "InputLayer" && !c.layer.constant {
				return fmt.Errorf("the output depends on input %s, which is not among the model's inputs", c.layer.name)
			}
			for _, in := range c.ins {
				if err := visit(in, depth+1); err != nil {
					return err
				}
			}
		}
		delete(busy, c)
		finished[c] = true
		post = append(post, c)
		return nil
	}
	for _, t := range outs {
		if err := visit(t, 0); err != nil {
			return nil, nil, err
		}
	}
	nodeDepth := map[*kCall]int{}
	layerDepth := map[*kLayer]int{}
	for i := len(post) - 1; i >= 0; i-- {
		c := post[i]
		d := max(nodeDepth[c], layerDepth[c.layer])
		layerDepth[c.layer], nodeDepth[c] = d, d
		if !isInput[c] {
			for _, in := range c.ins {
				nodeDepth[in.call] = max(nodeDepth[in.call], d+1)
			}
		}
	}
	for _, t := range ins {
		if _, ok := layerDepth[t.call.layer]; !ok {
			layerDepth[t.call.layer], index[t.call.layer] = 0, -1
			finished[t.call] = true
		}
	}
	order := make([]*kLayer, 0, len(layerDepth))
	for l := range layerDepth {
		order = append(order, l)
	}
	sort.Slice(order, func(i, j int) bool {
		a, b := order[i], order[j]
		if layerDepth[a] != layerDepth[b] {
			return layerDepth[a] > layerDepth[b]
		}
		return index[a] < index[b]
	})
	calls := map[*kLayer][]*kCall{}
	for _, l := range order {
		for _, c := range l.calls {
			if finished[c] {
				calls[l] = append(calls[l], c)
			}
		}
	}
	return order, calls, nil
}

// modelLayers is model.layers.
func (k *kctx) modelLayers(kl *kLayer) []*kLayer {
	m := kl.model
	if m == nil {
		return nil
	}
	if m.kind == mSequential {
		return m.layers
	}
	order, _, err := network(m.ins, m.outs)
	if err != nil {
		return nil
	}
	return order
}

func str(s string, off int) *value { return &value{k: jStr, s: s, off: off} }
func num(n int, off int) *value    { return &value{k: jNum, s: fmt.Sprint(n), off: off} }

// entryValue is a layer as an entry of a model's layers: class_name,
// name, config (a model's: its layers), and the inbound nodes given.
func (k *kctx) entryValue(kl *kLayer, inbound *value) *value {
	e := &value{k: jObj, off: kl.off}
	if kl.module != "" {
		e.set("module", str(kl.module, kl.off))
	}
	if len(kl.own) > 0 {
		k.d.own[e] = kl.own
	}
	e.set("class_name", str(kl.class, kl.off))
	e.set("name", str(kl.name, kl.off))
	if kl.model != nil {
		cfg, err := k.modelConfig(kl)
		if err != nil {
			if k.err == nil {
				k.err = &graph.Error{Pos: kl.pos, Layer: fmt.Sprintf("model %s (%s)", kl.name, kl.class), Msg: err.Error()}
			}
			cfg = &value{k: jStr, s: err.Error(), off: kl.off}
		}
		e.set("config", cfg)
	} else {
		cfg := &value{k: jObj, off: kl.cfg.off, obj: append([]member{{key: "name", val: str(kl.name, kl.off)}}, kl.cfg.obj...)}
		e.set("config", cfg)
	}
	if inbound != nil {
		e.set("inbound_nodes", inbound)
	}
	return e
}

// modelConfig is a model's config as model.to_json() writes it
// (Keras 2's layout: a Sequential's layers, a functional model's layers
// with inbound_nodes, input_layers and output_layers).
func (k *kctx) modelConfig(kl *kLayer) (*value, error) {
	k.depth++
	defer func() { k.depth-- }()
	if k.depth > 64 {
		return nil, fmt.Errorf("models nested more than 64 deep (a model that holds itself?)")
	}
	m := kl.model
	off := kl.off
	cfg := &value{k: jObj, off: off}
	cfg.set("name", str(kl.name, off))
	if t := kl.cfg.get("trainable"); t != nil {
		cfg.set("trainable", t)
	}
	list := &value{k: jArr, off: off}
	switch {
	case m.kind == mSequential:
		if m.input != nil {
			list.arr = append(list.arr, k.entryValue(m.input.call.layer, nil))
		}
		for _, l := range m.layers {
			if l == kl {
				return nil, fmt.Errorf("a Sequential model cannot hold itself")
			}
			list.arr = append(list.arr, k.entryValue(l, nil))
		}
		if m.built {
			cfg.set("build_input_shape", shapeValue(m.build, off))
		}
	case m.kind == mFunctional || m.traced:
		order, calls, err := network(m.ins, m.outs)
		if err != nil {
			return nil, err
		}
		ref := func(t *kTensor, off int) *value {
			idx := 0
			for i, c := range calls[t.call.layer] {
				if c == t.call {
					idx = i
				}
			}
			return &value{k: jArr, off: off, arr: []*value{str(t.call.layer.name, off), num(idx, off), num(t.index, off)}}
		}
		for _, l := range order {
			inbound := &value{k: jArr, off: l.off}
			if l.class != "InputLayer" {
				for _, c := range calls[l] {
					node := &value{k: jArr, off: l.off}
					for _, t := range c.ins {
						r := ref(t, l.off)
						r.arr = append(r.arr, &value{k: jObj, off: l.off})
						node.arr = append(node.arr, r)
					}
					inbound.arr = append(inbound.arr, node)
				}
			}
			list.arr = append(list.arr, k.entryValue(l, inbound))
		}
		ins, outs := &value{k: jArr, off: off}, &value{k: jArr, off: off}
		for _, t := range m.ins {
			ins.arr = append(ins.arr, ref(t, off))
		}
		for _, t := range m.outs {
			outs.arr = append(outs.arr, ref(t, off))
		}
		cfg.set("input_layers", ins)
		cfg.set("output_layers", outs)
	default:
		return nil, fmt.Errorf("model %s (%s) is subclassed and was never called: give the shape of its input", kl.name, kl.class)
	}
	cfg.set("layers", list)
	return cfg, nil
}

func shapeValue(s graph.Shape, off int) *value {
	v := &value{k: jArr, off: off}
	for _, d := range s {
		if d.Known() {
			v.arr = append(v.arr, &value{k: jNum, s: fmt.Sprint(d.Size), off: off})
		} else {
			v.arr = append(v.arr, &value{k: jNull, off: off})
		}
	}
	return v
}

// traceSequential runs a Sequential model whose layers include a layer
// class of the file's own on its input, as Keras does when it builds
// it: each own layer's call is traced (its inside and weights known),
// a layer's error comes at its line. Nested Sequentials likewise.
func (k *kctx) traceSequential(th *starlark.Thread, kl *kLayer, depth int) error {
	m := kl.model
	if m == nil || m.kind != mSequential || depth > 64 {
		return nil
	}
	own := false
	for _, l := range m.layers {
		if err := k.traceSequential(th, l, depth+1); err != nil {
			return err
		}
		own = own || l.file && (l.model == nil || !l.model.traced)
	}
	if !own || len(m.layers) == 0 {
		return nil
	}
	var x *kTensor
	switch {
	case m.input != nil:
		x = m.input
	case m.built:
		t, err := k.freshInput(m.build, graph.Float32, kl)
		if err != nil {
			return err
		}
		x = t
	default:
		first := m.layers[0]
		if first.file || first.model != nil {
			return nil
		}
		l, err := k.d.parseLayer(k.entryValue(first, nil), 0, true, &model{})
		if err != nil {
			return err
		}
		s, dt, ok, err := k.d.declaredShape(l)
		if err != nil || !ok {
			return err
		}
		if x, err = k.freshInput(s, dt, kl); err != nil {
			return err
		}
	}
	for _, l := range m.layers {
		var outs []*kTensor
		if l.file || l.model != nil && l.model.kind == mSubclass {
			v, err := k.traceCall(th, l.o, l, []*kTensor{x}, starlark.Tuple{x}, nil)
			if err != nil {
				return err
			}
			outs = tensors(v, nil, 0)
		} else {
			var err error
			if outs, err = k.record(l, []*kTensor{x}, l.pos); err != nil {
				return err
			}
		}
		if len(outs) == 0 {
			return nil
		}
		x = outs[0]
	}
	return nil
}

// fillCallArgs passes None for call()'s training and mask when it
// declares them without a default and the caller did not give them:
// Keras's Layer.__call__ fills them in (def call(self, inputs, training)
// in keras.io's examples). npos is the positional arguments after self.
func fillCallArgs(fn starlark.Value, npos int, kw []starlark.Tuple) []starlark.Tuple {
	f, ok := fn.(*starlark.Function)
	if !ok {
		return kw
	}
	n := f.NumParams()
	if f.HasKwargs() {
		n--
	}
	if f.HasVarargs() {
		n--
	}
	for i := 1 + npos; i < n; i++ {
		name, _ := f.Param(i)
		if (name != "training" && name != "mask") || f.ParamDefault(i) != nil {
			continue
		}
		given := false
		for _, p := range kw {
			if k, _ := starlark.AsString(p[0]); k == name {
				given = true
			}
		}
		if !given {
			kw = append(kw, starlark.Tuple{starlark.String(name), starlark.None})
		}
	}
	return kw
}

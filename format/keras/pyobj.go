package keras

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/pyhost"
	"github.com/layerinfo/layerinfo/internal/spell"
)

// Keras code runs on the Python host (internal/pyhost) with Go classes
// for keras.layers and keras.Model. A layer made in the file becomes the
// config its JSON would hold (the constructor's positional arguments
// named as Keras names them, the keyword arguments as given), read by the
// same class table as a model file's (classes). Calling a layer on a
// Keras tensor records the call, as Keras's functional API does, and
// infers it at once with the layer's own op, so that the file can read
// x.shape; a model is then written out as the model JSON Keras would
// write (model.to_json()), and decoded as a file is.

// kctx is one run's Keras state.
type kctx struct {
	file    string
	src     []byte
	lines   []int // the byte offset of each line's start
	keras2  bool  // tf.keras: Keras 2's automatic names (input_1, model, conv_lst_m2d)
	uids    map[string]int
	seq     int
	layers  []*kLayer // every layer and model made, in order
	d       *decoder  // for the eager inference of calls
	base    *pyhost.Class
	model   *pyhost.Class
	seqCls  *pyhost.Class
	cls     map[string]*pyhost.Class
	thread  *starlark.Thread // the run's, for operations written as operators (x + y)
	depth   int              // models being written out, nested
	err     error            // the first error writing a model out
	tracing int              // layers' calls being traced, nested
	calls   int              // layer calls recorded, capped (maxCalls)
}

// kLayer is a layer (or a model) the file made.
type kLayer struct {
	o      *pyhost.Instance
	class  string
	name   string
	cfg    *value
	pos    graph.Pos
	off    int
	module string // an operation of keras.ops on tensors: "keras.src.ops"
	calls  []*kCall
	model  *kModel // a model, or a file's layer traced as one
	l      *layer  // the decoder's layer, for eager inference
	seq    int
	file   bool           // a class of the file's (traced through its call)
	fn     starlark.Value // a Lambda's function
	// constant: an InputLayer standing for a tensor the model makes
	// from nothing (ops.arange), not one of its inputs.
	constant bool
	isModel  bool         // keras.Model, Sequential or a subclass of them
	own      []fileWeight // what add_weight made (a file's layer class)
}

// kCall is one call of a layer on Keras tensors.
type kCall struct {
	layer *kLayer
	ins   []*kTensor
	outs  []*kTensor
	seq   int
}

const (
	mSequential = iota + 1
	mFunctional
	mSubclass
)

// kModel is a Sequential, a functional model, or a subclassed model (or
// a file's layer) once traced.
type kModel struct {
	kind   int
	layers []*kLayer // Sequential
	input  *kTensor  // Sequential: the keras.Input it starts with
	build  graph.Shape
	built  bool
	ins    []*kTensor
	outs   []*kTensor
	traced bool
}

// kTensor is a Keras tensor: an output of a layer call, with the shape
// inference gave it (nil when unknown).
type kTensor struct {
	k     *kctx
	call  *kCall
	index int
	shape graph.Shape
	dtype graph.DType
}

var (
	_ starlark.HasAttrs  = (*kTensor)(nil)
	_ starlark.HasBinary = (*kTensor)(nil)
)

func (t *kTensor) String() string {
	return fmt.Sprintf("<KerasTensor shape=%s, name=%s>", pyShapeText(t.shape), t.call.layer.name)
}
func (t *kTensor) Type() string          { return "KerasTensor" }
func (t *kTensor) Freeze()               {}
func (t *kTensor) Truth() starlark.Bool  { return true }
func (t *kTensor) Hash() (uint32, error) { return uint32(t.call.seq*31 + t.index), nil }
func (t *kTensor) AttrNames() []string   { return []string{"dtype", "name", "ndim", "shape"} }

func (t *kTensor) Attr(name string) (starlark.Value, error) {
	switch name {
	case "shape":
		return shapeTuple(t.shape), nil
	case "ndim":
		if t.shape == nil {
			return &pyhost.Opaque{Desc: "ndim of a tensor of unknown shape"}, nil
		}
		return starlark.MakeInt(len(t.shape)), nil
	case "dtype":
		return starlark.String(string(t.dtype)), nil
	case "name":
		return starlark.String(t.call.layer.name), nil
	case "get_shape":
		return starlark.NewBuiltin("get_shape", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
			return shapeTuple(t.shape), nil
		}), nil
	}
	return nil, nil
}

// Binary: arithmetic on Keras tensors is an operation of keras.ops (Keras
// 3 makes it a node of the functional graph, as tf.keras a TFOpLambda).
func (t *kTensor) Binary(op syntax.Token, y starlark.Value, side starlark.Side) (starlark.Value, error) {
	names := map[syntax.Token]string{syntax.PLUS: "Add", syntax.MINUS: "Subtract", syntax.STAR: "Multiply",
		syntax.SLASH: "TrueDivide", syntax.SLASHSLASH: "FloorDivide", syntax.PERCENT: "Mod"}
	apis := map[syntax.Token]string{syntax.PLUS: "__operators__.add", syntax.MINUS: "math.subtract", syntax.STAR: "math.multiply",
		syntax.SLASH: "math.truediv", syntax.SLASHSLASH: "math.floordiv", syntax.PERCENT: "math.floormod"}
	class, ok := names[op]
	if !ok {
		return nil, nil
	}
	ins := []*kTensor{t}
	if u, ok := y.(*kTensor); ok {
		if side == starlark.Left {
			ins = append(ins, u)
		} else {
			ins = []*kTensor{u, t}
		}
	}
	return t.k.opCall(t.k.th(), class, apis[op], ins)
}

func (k *kctx) th() *starlark.Thread { return k.thread }

// shapeTuple is a shape as Keras gives it: a tuple of sizes, None for
// the unknown ones.
func shapeTuple(s graph.Shape) starlark.Value {
	if s == nil {
		return &pyhost.Opaque{Desc: "the shape of a tensor layerinfo cannot infer"}
	}
	out := make(starlark.Tuple, len(s))
	for i, d := range s {
		if d.Known() {
			out[i] = starlark.MakeInt64(d.Size)
		} else {
			out[i] = starlark.None
		}
	}
	return out
}

func pyShapeText(s graph.Shape) string {
	if s == nil {
		return "?"
	}
	parts := make([]string, len(s))
	for i, d := range s {
		if d.Known() {
			parts[i] = strconv.FormatInt(d.Size, 10)
		} else {
			parts[i] = "None"
		}
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func stateOf(v starlark.Value) *kLayer {
	o, ok := v.(*pyhost.Instance)
	if !ok {
		return nil
	}
	kl, _ := o.State.(*kLayer)
	return kl
}

// where is the innermost position of the file on the thread's stack.
func where(th *starlark.Thread) graph.Pos {
	for depth := range th.CallStackDepth() {
		p := th.CallFrame(depth).Pos
		if p.Filename() != "<builtin>" && p.Line > 0 {
			return graph.Pos{File: p.Filename(), Line: int(p.Line), Col: int(p.Col)}
		}
	}
	return graph.Pos{}
}

// offset is the byte offset in the script of a position in it: the
// decoder's positions (line:col from an offset) then name the script's
// line.
func (k *kctx) offset(p graph.Pos) int {
	if p.File != k.file || p.Line < 1 || p.Line > len(k.lines) {
		return 0
	}
	return k.lines[p.Line-1] + max(p.Col-1, 0)
}

// opName names an operation on tensors: Keras's automatic name at the
// model's level; inside a layer's call, which Keras runs on backend
// tensors (no operation made, no name taken), a name of its own.
func (k *kctx) opName(prefix string) string {
	if k.tracing > 0 {
		k.seq++
		return fmt.Sprintf("%s_op%d", prefix, k.seq)
	}
	return k.autoName(prefix)
}

// autoName is Keras's automatic name: the class in snake case, then
// _1, _2, … for the next ones of the same prefix in the run.
func (k *kctx) autoName(prefix string) string {
	n := k.uids[prefix]
	k.uids[prefix] = n + 1
	if n == 0 {
		return prefix
	}
	return prefix + "_" + strconv.Itoa(n)
}

func (k *kctx) newLayer(o *pyhost.Instance, th *starlark.Thread) *kLayer {
	kl, _ := o.State.(*kLayer)
	if kl == nil {
		kl = &kLayer{o: o}
		o.State = kl
	}
	k.seq++
	kl.seq = k.seq
	kl.pos = where(th)
	kl.off = k.offset(kl.pos)
	kl.cfg = &value{k: jObj, off: kl.off}
	k.layers = append(k.layers, kl)
	return kl
}

// initLayer is the constructor of Keras layer class: the arguments
// become the config.
func (k *kctx) initLayer(class string) func(th *starlark.Thread, o *pyhost.Instance, args starlark.Tuple, kw []starlark.Tuple) error {
	return func(th *starlark.Thread, o *pyhost.Instance, args starlark.Tuple, kw []starlark.Tuple) error {
		kl := k.newLayer(o, th)
		if c, ok := sameClass[class]; ok {
			class = c
		}
		kl.class = class
		names := positional[class]
		if legacyConv(class, args) {
			// Keras 1's Convolution2D(32, 3, 3) (nb_filter, nb_row,
			// nb_col), which Keras 2 still took: the kernel's sizes.
			n := 2
			if strings.Contains(class, "3D") {
				n = 3
			}
			kernel := append(starlark.Tuple(nil), args[1:1+n]...)
			args = append(starlark.Tuple{args[0], kernel}, args[1+n:]...)
		}
		if _, known := positional[class]; !known {
			// A class whose signature layerinfo does not list (no
			// shape depends on its arguments, or an unknown class):
			// its positional arguments kept under their places.
			for i := len(names); i < len(args); i++ {
				names = append(names, fmt.Sprintf("arg%d", i))
			}
		}
		if len(args) > len(names) {
			return fmt.Errorf("%s() takes %d positional arguments (%s), got %d", class, len(names), strings.Join(names, ", "), len(args))
		}
		for i, a := range args {
			kl.cfg.set(names[i], k.toValue(a, kl.off, 0))
		}
		if class == "Lambda" {
			if len(args) > 0 {
				kl.fn = args[0]
			}
			for _, p := range kw {
				if string(p[0].(starlark.String)) == "function" {
					kl.fn = p[1]
				}
			}
		}
		for _, p := range kw {
			key := string(p[0].(starlark.String))
			if key == "name" {
				if s, ok := p[1].(starlark.String); ok {
					kl.name = string(s)
					continue
				}
			}
			if class == "InputLayer" && key == "shape" {
				key = "input_shape"
			}
			if kl.cfg.get(key) != nil && slicesIndex(names, key) < len(args) {
				return fmt.Errorf("%s() got multiple values for argument '%s'", class, key)
			}
			kl.cfg.set(key, k.toValue(p[1], kl.off, 0))
		}
		if class == "Embedding" && k.keras2 && kl.cfg.get("input_shape") == nil && kl.cfg.get("batch_input_shape") == nil {
			// tf.keras: an Embedding declares its input, (input_length,)
			// or (None,), so a Sequential it starts is built.
			shape := &value{k: jArr, off: kl.off, arr: []*value{{k: jNull, off: kl.off}}}
			if n := kl.cfg.get("input_length"); n != nil && n.k == jNum {
				shape.arr[0] = n
			}
			kl.cfg.set("input_shape", shape)
		}
		if kl.name == "" {
			if class == "InputLayer" && k.keras2 {
				// tf.keras: input_1, input_2, … (backend.get_uid, from 1).
				k.uids["input"]++
				kl.name = "input_" + strconv.Itoa(k.uids["input"])
			} else {
				kl.name = k.autoName(namePrefix(class, k.keras2))
			}
		}
		return nil
	}
}

// legacyConv: Conv2D(32, 3, 3) and Conv3D(32, 3, 3, 3), Keras 1's
// separate kernel sizes.
func legacyConv(class string, args starlark.Tuple) bool {
	n := 0
	switch {
	case strings.HasPrefix(class, "Conv2D") || strings.HasPrefix(class, "Convolution2D"):
		n = 2
	case strings.HasPrefix(class, "Conv3D") || strings.HasPrefix(class, "Convolution3D"):
		n = 3
	}
	if n == 0 || strings.Contains(class, "Transpose") || len(args) < 1+n {
		return false
	}
	for _, a := range args[1 : 1+n] {
		if _, ok := a.(starlark.Int); !ok {
			return false
		}
	}
	return true
}

func slicesIndex(names []string, key string) int {
	for i, n := range names {
		if n == key {
			return i
		}
	}
	return len(names) + 1
}

// set puts key first-time at the end, or replaces it.
func (v *value) set(key string, x *value) {
	for i := range v.obj {
		if v.obj[i].key == key {
			v.obj[i].val = x
			return
		}
	}
	v.obj = append(v.obj, member{key: key, val: x})
}

// toValue is a Python value as the config's JSON value: numbers,
// strings, booleans, None, lists and tuples, dicts, a layer as its
// {class_name, config}; anything else (a function, an initializer
// object) as its text, which no shape or count reads.
func (k *kctx) toValue(x starlark.Value, off, depth int) *value {
	if depth > 32 {
		return &value{k: jNull, off: off}
	}
	switch x := x.(type) {
	case starlark.NoneType:
		return &value{k: jNull, off: off}
	case starlark.Bool:
		return &value{k: jBool, b: bool(x), off: off}
	case starlark.Int:
		return &value{k: jNum, s: x.String(), off: off}
	case starlark.Float:
		return &value{k: jNum, s: strconv.FormatFloat(float64(x), 'g', -1, 64), off: off}
	case starlark.String:
		return &value{k: jStr, s: string(x), off: off}
	case starlark.Tuple:
		return k.listValue(x, off, depth)
	case *starlark.List:
		elems := make([]starlark.Value, x.Len())
		for i := range elems {
			elems[i] = x.Index(i)
		}
		return k.listValue(elems, off, depth)
	case *starlark.Dict:
		v := &value{k: jObj, off: off}
		for _, it := range x.Items() {
			key, ok := it[0].(starlark.String)
			if !ok {
				continue
			}
			v.set(string(key), k.toValue(it[1], off, depth+1))
		}
		return v
	}
	if kl := stateOf(x); kl != nil && kl.class != "" {
		e := k.entryValue(kl, nil)
		if e != nil {
			return e
		}
	}
	return &value{k: jStr, s: x.String(), off: off}
}

func (k *kctx) listValue(xs []starlark.Value, off, depth int) *value {
	v := &value{k: jArr, off: off}
	for _, e := range xs {
		v.arr = append(v.arr, k.toValue(e, off, depth+1))
	}
	return v
}

// tensors collects the Keras tensors of a call's arguments, in order.
func tensors(x starlark.Value, out []*kTensor, depth int) []*kTensor {
	if depth > 8 {
		return out
	}
	switch x := x.(type) {
	case *kTensor:
		return append(out, x)
	case starlark.Tuple:
		for _, e := range x {
			out = tensors(e, out, depth+1)
		}
	case *starlark.List:
		for i := range x.Len() {
			out = tensors(x.Index(i), out, depth+1)
		}
	case *starlark.Dict:
		for _, it := range x.Items() {
			out = tensors(it[1], out, depth+1)
		}
	}
	return out
}

// callLayer is layer(x): with Keras tensors, a call of the layer (a
// model's or a file's layer traced through its call); on anything else
// (data: model(x_train)) a placeholder.
func (k *kctx) callLayer(th *starlark.Thread, o *pyhost.Instance, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	k.thread = th
	kl := stateOf(o)
	if kl == nil || kl.class == "" {
		return nil, fmt.Errorf("%s is called before its __init__ ran (super().__init__() missing?)", o.Class.Name())
	}
	var ins []*kTensor
	for _, a := range args {
		ins = tensors(a, ins, 0)
	}
	for _, p := range kw {
		// initial_state and constants are inputs of the call (Keras
		// lists them in its node), a mask is not.
		if key := string(p[0].(starlark.String)); skipKwarg(key) && key != "initial_state" && key != "constants" {
			continue
		}
		ins = tensors(p[1], ins, 0)
	}
	if len(ins) == 0 && len(args) > 0 && kl.model != nil && kl.model.kind == mSubclass && !kl.model.traced {
		if d, ok := args[0].(*dataTensor); ok && len(d.shape) > 0 {
			// model(tf.zeros((1, 28, 28, 1))) builds a subclassed
			// model: traced on that shape, the batch left open.
			s := append(graph.Shape{graph.Unknown()}, d.shape[1:]...)
			t, err := k.freshInput(s, graph.Float32, kl)
			if err != nil {
				return nil, err
			}
			return k.traceCall(th, o, kl, []*kTensor{t}, starlark.Tuple{t}, nil)
		}
	}
	if len(ins) == 0 {
		return &pyhost.Opaque{Desc: kl.name + "(…)"}, nil
	}
	if kl.file {
		return k.traceCall(th, o, kl, ins, args, kw)
	}
	if kl.model != nil && kl.model.kind == mSubclass {
		return k.traceCall(th, o, kl, ins, args, kw)
	}
	if kl.class == "Lambda" && kl.fn != nil && kl.cfg.get("output_shape").isNull() && len(kl.calls) == 0 {
		k.lambdaShape(th, kl, args)
	}
	outs, err := k.record(kl, ins, where(th))
	if err != nil {
		return nil, err
	}
	return results(outs), nil
}

// lambdaShape gives a Lambda without output_shape the shape its
// function makes, run on the call's tensors as Keras runs it to infer
// the shape (the operations it runs are not layers of the model, and
// take no names); when the function cannot be run, the output stays
// unknown.
func (k *kctx) lambdaShape(th *starlark.Thread, kl *kLayer, args starlark.Tuple) {
	uids := make(map[string]int, len(k.uids))
	for n, c := range k.uids {
		uids[n] = c
	}
	nl := len(k.layers)
	defer func() { k.uids, k.layers = uids, k.layers[:nl] }()
	if _, ok := kl.fn.(starlark.Callable); !ok || len(args) == 0 {
		return
	}
	res, err := starlark.Call(th, kl.fn, args[:1], nil)
	if err != nil {
		return
	}
	outs := tensors(res, nil, 0)
	if len(outs) != 1 || len(outs[0].shape) == 0 {
		return
	}
	kl.cfg.set("output_shape", shapeValue(outs[0].shape[1:], kl.off))
	kl.l = nil
}

func results(outs []*kTensor) starlark.Value {
	if len(outs) == 1 {
		return outs[0]
	}
	t := make(starlark.Tuple, len(outs))
	for i, o := range outs {
		t[i] = o
	}
	return starlark.NewList(t)
}

// record makes call of kl on ins, inferred at once with the layer's own
// op (a model's with its graph): the outputs' shapes for what the file
// reads next, and a shape error at the script's line.
func (k *kctx) record(kl *kLayer, ins []*kTensor, pos graph.Pos) ([]*kTensor, error) {
	// Every call is charged, and counted against the cap: a layer
	// called in a loop without end makes calls without end.
	k.calls++
	if k.calls > maxCalls {
		return nil, &graph.Error{Pos: pos, Layer: fmt.Sprintf("layer %s (%s)", kl.name, kl.class), Msg: fmt.Sprintf("the script makes more than %d layer calls", maxCalls)}
	}
	if err := k.d.b.Charge(layerCost, "a Keras layer call"); err != nil {
		return nil, err
	}
	if kl.l == nil {
		k.err = nil
		e := k.entryValue(kl, nil)
		if k.err != nil {
			return nil, k.err
		}
		l, err := k.d.parseLayer(e, 0, true, &model{})
		if err != nil {
			return nil, err
		}
		kl.l = l
	}
	l := kl.l
	g := &graph.Graph{}
	vals := make([]*graph.Value, len(ins))
	for i, t := range ins {
		vals[i] = &graph.Value{Name: t.call.layer.name, Shape: t.shape.Clone(), DType: t.dtype}
		if t.shape == nil {
			vals[i].Shape = nil
		}
	}
	var o graph.Op = &layerOp{l: l}
	outs := max(l.outs, 1)
	if l.model != nil {
		sub, err := k.d.graphOf(l.model, true)
		if err != nil {
			return nil, err
		}
		o = &nestedOp{l: l, g: sub}
		outs = max(outs, len(sub.Outputs))
	}
	n := g.NewNode(kl.name, kl.class, o, vals, outs, pos)
	err := o.Infer(n)
	var u *graph.UnknownError
	if err != nil && !errors.As(err, &u) {
		var ge *graph.Error
		if errors.As(err, &ge) && ge.Pos.Line > 0 {
			return nil, err
		}
		return nil, &graph.Error{Pos: pos, Layer: l.what(), Msg: err.Error()}
	}
	k.seq++
	c := &kCall{layer: kl, ins: ins, seq: k.seq}
	for i, v := range n.Outputs {
		dt := v.DType
		if dt == "" {
			dt = graph.Float32
		}
		c.outs = append(c.outs, &kTensor{k: k, call: c, index: i, shape: v.Shape, dtype: dt})
	}
	kl.calls = append(kl.calls, c)
	return c.outs, nil
}

// input is keras.Input(shape=…): an InputLayer and its one output.
func (k *kctx) input(th *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if len(args) > 3 {
		return nil, fmt.Errorf("Input() takes at most 3 positional arguments (shape, batch_size, dtype), got %d", len(args))
	}
	k.thread = th
	o := k.cls["InputLayer"].Blank(th)
	if err := k.initLayer("InputLayer")(th, o, args, kw); err != nil {
		return nil, err
	}
	return k.inputOf(stateOf(o))
}

// inputOf is the tensor of an InputLayer: its declared shape.
func (k *kctx) inputOf(kl *kLayer) (*kTensor, error) {
	if len(kl.calls) > 0 {
		return kl.calls[0].outs[0], nil
	}
	l, err := k.d.parseLayer(k.entryValue(kl, nil), 0, true, &model{})
	if err != nil {
		return nil, err
	}
	s, dt, ok, err := k.d.declaredShape(l)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &graph.Error{Pos: kl.pos, Layer: l.what(), Msg: "Input() needs a shape (shape=(28, 28, 1), without the batch axis)"}
	}
	k.seq++
	c := &kCall{layer: kl, seq: k.seq}
	c.outs = []*kTensor{{k: k, call: c, shape: s, dtype: dt}}
	kl.calls = append(kl.calls, c)
	kl.l = l
	return c.outs[0], nil
}

// opCall is an operation on Keras tensors (x + y, keras.ops.relu(x),
// tf.nn.relu(x)): a layer of module keras.src.ops, as Keras 3 writes it.
func (k *kctx) opCall(th *starlark.Thread, class, api string, ins []*kTensor) (starlark.Value, error) {
	kl := &kLayer{class: class, module: "keras.src.ops"}
	k.seq++
	kl.seq = k.seq
	if th != nil {
		kl.pos = where(th)
	}
	kl.off = k.offset(kl.pos)
	kl.cfg = &value{k: jObj, off: kl.off}
	if k.keras2 {
		// tf.keras: a TFOpLambda named after the TensorFlow function
		// (tf.__operators__.add, tf.nn.relu).
		fn := api
		kl.class, kl.module = "TFOpLambda", ""
		kl.cfg.set("function", str(fn, kl.off))
		kl.name = k.opName("tf." + fn)
	} else {
		kl.name = k.opName(namePrefix(class, k.keras2))
	}
	k.layers = append(k.layers, kl)
	outs, err := k.record(kl, ins, kl.pos)
	if err != nil {
		return nil, err
	}
	return results(outs), nil
}

// camel is a function's name as an operation's class: relu → Relu,
// log_softmax → LogSoftmax.
func camel(fn string) string {
	var b strings.Builder
	for _, p := range strings.Split(fn, "_") {
		if p != "" {
			b.WriteString(strings.ToUpper(p[:1]) + p[1:])
		}
	}
	return b.String()
}

// opFunc is a function of keras.ops, keras.backend, tf, tf.nn, tf.math:
// called on Keras tensors it is an operation of the model; otherwise (on
// data, or an attribute of it read) a placeholder.
type opFunc struct {
	k    *kctx
	path string
}

func (f *opFunc) String() string        { return "<function " + f.path + ">" }
func (f *opFunc) Type() string          { return "function" }
func (f *opFunc) Freeze()               {}
func (f *opFunc) Truth() starlark.Bool  { return true }
func (f *opFunc) Hash() (uint32, error) { return pyhost.HashString(f.path), nil }
func (f *opFunc) Name() string          { return f.path }
func (f *opFunc) AttrNames() []string   { return nil }
func (f *opFunc) Attr(name string) (starlark.Value, error) {
	return &opFunc{k: f.k, path: f.path + "." + name}, nil
}

func (f *opFunc) CallInternal(th *starlark.Thread, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var ins []*kTensor
	for _, a := range args {
		ins = tensors(a, ins, 0)
	}
	for _, p := range kw {
		ins = tensors(p[1], ins, 0)
	}
	f.k.thread = th
	fn := f.path[strings.LastIndexByte(f.path, '.')+1:]
	switch fn {
	case "matmul", "dot":
		if v, ok, err := f.k.matmul(th, fn, args); ok || err != nil {
			return v, err
		}
	}
	switch fn {
	case "int_shape", "shape":
		if len(ins) == 1 {
			return shapeTuple(ins[0].shape), nil
		}
	case "image_data_format":
		return starlark.String("channels_last"), nil
	}
	switch fn {
	case "arange", "range":
		// Positions (ops.arange(0, maxlen)): a constant the model
		// holds, of known length.
		if len(ins) == 0 {
			if n, ok := rangeLength(args, kw); ok {
				return f.k.constant(graph.Shape{graph.D(n)}, graph.Int32)
			}
		}
	case "zeros", "ones", "normal", "uniform", "truncated_normal":
		// Data of a given shape (tf.zeros((1, 28, 28, 1))): what a
		// subclassed model is often first called on to build it.
		if len(ins) == 0 && len(args) > 0 {
			if s, err := f.k.d.shapeOf(f.k.toValue(args[0], 0, 0), nil, "shape"); err == nil {
				return &dataTensor{shape: s}, nil
			}
		}
	}
	if len(ins) == 0 {
		return &pyhost.Opaque{Desc: f.path + "(…)"}, nil
	}
	api := strings.TrimPrefix(strings.TrimPrefix(f.path, "tensorflow."), "keras.")
	return f.k.opCall(th, camel(fn), api, ins)
}

// module is a module of Keras's (or TensorFlow's) whose members are
// known; another attribute is a function (opFunc) when functions is
// set, a layer class when classes is set (a layer layerinfo does not
// model: named, its outputs unknown), else a placeholder.
type module struct {
	k         *kctx
	name      string
	members   map[string]starlark.Value
	functions bool
	classes   bool
}

func (m *module) String() string        { return "<module " + m.name + ">" }
func (m *module) Type() string          { return "module" }
func (m *module) Freeze()               {}
func (m *module) Truth() starlark.Bool  { return true }
func (m *module) Hash() (uint32, error) { return pyhost.HashString(m.name), nil }
func (m *module) AttrNames() []string {
	names := make([]string, 0, len(m.members))
	for n := range m.members {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (m *module) Attr(name string) (starlark.Value, error) {
	if v, ok := m.members[name]; ok {
		return v, nil
	}
	switch {
	case m.classes && name != "" && name[0] >= 'A' && name[0] <= 'Z':
		c := m.k.layerClass(name)
		m.members[name] = c
		return c, nil
	case m.classes:
		msg := fmt.Sprintf("module %s has no attribute %s", m.name, name)
		if s := spell.Nearest(name, m.AttrNames()); s != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", s)
		}
		return nil, errors.New(msg)
	case m.functions:
		return &opFunc{k: m.k, path: m.name + "." + name}, nil
	}
	return &pyhost.Opaque{Desc: m.name + "." + name}, nil
}

// layerClass is the Go class of a Keras layer class.
func (k *kctx) layerClass(name string) *pyhost.Class {
	if c := k.cls[name]; c != nil {
		return c
	}
	c := pyhost.NewNative(name, &pyhost.Native{Init: k.initLayer(name)}, k.base)
	k.cls[name] = c
	return c
}

var keras2Marks = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`tensorflow\.keras|\btf\.keras|from\s+tensorflow\s+import\s+[^\n]*\bkeras\b|\btf_keras\b`)
})

// dataTensor is a tensor of data with a known shape (tf.zeros(shape)):
// calling a model that is not built yet on it builds the model.
type dataTensor struct{ shape graph.Shape }

func (t *dataTensor) String() string        { return "<tf.Tensor shape=" + pyShapeText(t.shape) + ">" }
func (t *dataTensor) Type() string          { return "Tensor" }
func (t *dataTensor) Freeze()               {}
func (t *dataTensor) Truth() starlark.Bool  { return true }
func (t *dataTensor) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable: Tensor") }
func (t *dataTensor) AttrNames() []string   { return []string{"shape"} }
func (t *dataTensor) Attr(name string) (starlark.Value, error) {
	if name == "shape" {
		return shapeTuple(t.shape), nil
	}
	return &pyhost.Opaque{Desc: "a tensor's " + name}, nil
}

// rangeLength is the length of arange(start, stop, step) (or
// range(start, limit, delta), or of one argument, stop).
func rangeLength(args starlark.Tuple, kw []starlark.Tuple) (int64, bool) {
	vals := map[string]int64{"start": 0, "step": 1}
	names := []string{"start", "stop", "step"}
	if len(args) == 1 {
		names = []string{"stop"}
	}
	for i, a := range args {
		if i >= len(names) {
			return 0, false
		}
		n, err := starlark.AsInt32(a)
		if err != nil {
			return 0, false
		}
		vals[names[i]] = int64(n)
	}
	for _, p := range kw {
		key := string(p[0].(starlark.String))
		switch key {
		case "limit":
			key = "stop"
		case "delta":
			key = "step"
		}
		n, err := starlark.AsInt32(p[1])
		if err != nil {
			if key == "dtype" {
				continue
			}
			return 0, false
		}
		vals[key] = int64(n)
	}
	stop, ok := vals["stop"]
	if !ok || vals["step"] <= 0 {
		return 0, false
	}
	n := (stop - vals["start"] + vals["step"] - 1) / vals["step"]
	return max(n, 0), n >= 0 && n < 1<<40
}

// constant is a tensor the model holds (positions made by arange): an
// InputLayer of its own that no caller feeds, whose declared shape it
// keeps (no batch axis).
func (k *kctx) constant(s graph.Shape, dt graph.DType) (starlark.Value, error) {
	kl := &kLayer{class: "InputLayer", constant: true}
	k.seq++
	kl.seq = k.seq
	if k.thread != nil {
		kl.pos = where(k.thread)
	}
	kl.off = k.offset(kl.pos)
	kl.cfg = &value{k: jObj, off: kl.off}
	kl.cfg.set("batch_input_shape", shapeValue(s, kl.off))
	kl.cfg.set("dtype", str(string(dt), kl.off))
	kl.name = fmt.Sprintf("constant_%d", k.seq)
	k.layers = append(k.layers, kl)
	return k.inputOf(kl)
}

// variable is a weight a file's layer class made with add_weight: its
// shape, for the operations that read it (ops.matmul(x, self.w)).
type variable struct {
	name  string
	shape graph.Shape
}

func (v *variable) String() string {
	return "<Variable " + v.name + " shape=" + pyShapeText(v.shape) + ">"
}
func (v *variable) Type() string          { return "Variable" }
func (v *variable) Freeze()               {}
func (v *variable) Truth() starlark.Bool  { return true }
func (v *variable) Hash() (uint32, error) { return pyhost.HashString(v.name), nil }
func (v *variable) AttrNames() []string   { return []string{"name", "shape"} }
func (v *variable) Attr(name string) (starlark.Value, error) {
	switch name {
	case "shape":
		return shapeTuple(v.shape), nil
	case "name":
		return starlark.String(v.name), nil
	}
	return &pyhost.Opaque{Desc: v.name + "." + name}, nil
}

// addWeight is Layer.add_weight (Keras 3: shape first; Keras 2: name
// first): a weight of the layer, trainable unless said otherwise.
func (k *kctx) addWeight(_ *starlark.Thread, o *pyhost.Instance, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	kl := stateOf(o)
	if kl == nil || kl.cfg == nil {
		return nil, fmt.Errorf("add_weight before the layer's __init__ ran")
	}
	var name string
	var shape starlark.Value
	trainable := true
	for i, a := range args {
		if s, ok := a.(starlark.String); ok && i == 0 {
			name = string(s)
			continue
		}
		if shape == nil {
			shape = a
		}
	}
	for _, p := range kw {
		switch string(p[0].(starlark.String)) {
		case "name":
			if s, ok := p[1].(starlark.String); ok {
				name = string(s)
			}
		case "shape":
			shape = p[1]
		case "trainable":
			if b, ok := p[1].(starlark.Bool); ok {
				trainable = bool(b)
			}
		}
	}
	var s graph.Shape
	if shape != nil && shape != starlark.None {
		v, err := k.d.shapeOf(k.toValue(shape, kl.off, 0), nil, "add_weight's shape")
		if err != nil {
			return nil, err
		}
		s = v
	}
	for _, d := range s {
		if !d.Known() {
			return nil, fmt.Errorf("add_weight: the shape %s has an unknown size", pyShapeText(s))
		}
	}
	if name == "" {
		name = "variable"
		if n := len(kl.own); n > 0 {
			name = fmt.Sprintf("variable_%d", n)
		}
	}
	kl.own = append(kl.own, fileWeight{name: kl.name + "/" + name, role: name, shape: s, dtype: graph.Float32, trainable: trainable})
	return &variable{name: name, shape: s}, nil
}

// matmul is ops.matmul(x, w) (tf.matmul, K.dot) of a Keras tensor by a
// layer's weight: the output's last axis is the weight's, a Lambda of
// that output shape inside the layer.
func (k *kctx) matmul(th *starlark.Thread, fn string, args starlark.Tuple) (starlark.Value, bool, error) {
	if len(args) != 2 {
		return nil, false, nil
	}
	x, ok1 := args[0].(*kTensor)
	w, ok2 := args[1].(*variable)
	if !ok1 || !ok2 || len(w.shape) != 2 || len(x.shape) < 2 {
		return nil, false, nil
	}
	out := append(x.shape[:len(x.shape)-1:len(x.shape)-1], w.shape[1])
	v, err := k.shapedOp(th, camel(fn), "linalg.matmul", x, out)
	return v, true, err
}

// shapedOp is an operation on one Keras tensor whose output shape the
// run computed: an operation of keras.ops (tf.keras's TFOpLambda or
// SlicingOpLambda) carrying that shape.
func (k *kctx) shapedOp(th *starlark.Thread, class, api string, x *kTensor, out graph.Shape) (starlark.Value, error) {
	kl := &kLayer{class: class, module: "keras.src.ops"}
	k.seq++
	kl.seq = k.seq
	kl.pos = where(th)
	kl.off = k.offset(kl.pos)
	kl.cfg = &value{k: jObj, off: kl.off}
	if k.keras2 {
		kl.class, kl.module = "TFOpLambda", ""
		if api == "__operators__.getitem" {
			kl.class = "SlicingOpLambda"
		}
		kl.cfg.set("function", str(api, kl.off))
		kl.name = k.opName("tf." + api)
	} else {
		kl.name = k.opName(namePrefix(class, false))
	}
	kl.cfg.set("__output_shape__", shapeValue(out, kl.off))
	k.layers = append(k.layers, kl)
	outs, err := k.record(kl, []*kTensor{x}, kl.pos)
	if err != nil {
		return nil, err
	}
	return results(outs), nil
}

var (
	_ starlark.Mapping    = (*kTensor)(nil)
	_ pyhost.RawSliceable = (*kTensor)(nil)
)

// Get is x[i], x[:, -1], x[..., None]: Keras 3's GetItem (tf.keras's
// SlicingOpLambda), its shape numpy's basic indexing.
func (t *kTensor) Get(key starlark.Value) (starlark.Value, bool, error) {
	items := []starlark.Value{key}
	if ix, ok := key.(*pyhost.Index); ok {
		items = ix.Items
	}
	if tu, ok := key.(starlark.Tuple); ok {
		items = tu
	}
	out, err := indexShape(t.shape, items)
	if err != nil {
		return nil, false, err
	}
	v, err := t.k.shapedOp(t.k.th(), "GetItem", "__operators__.getitem", t, out)
	return v, err == nil, err
}

// SliceRaw is x[a:b:c], on the first axis.
func (t *kTensor) SliceRaw(lo, hi, step starlark.Value) (starlark.Value, error) {
	v, _, err := t.Get(&pyhost.Slice{Lo: lo, Hi: hi, Step: step})
	return v, err
}

// indexShape is the shape numpy's basic indexing gives: an integer
// drops its axis, a slice keeps it (its length from the bounds), None
// adds an axis of 1, the ellipsis stands for the axes not named.
func indexShape(s graph.Shape, items []starlark.Value) (graph.Shape, error) {
	if s == nil {
		return nil, nil
	}
	named := 0
	for _, it := range items {
		if it != starlark.None && !isEllipsis(it) {
			named++
		}
	}
	if named > len(s) {
		return nil, fmt.Errorf("too many indices for a tensor of shape %s", pyShapeText(s))
	}
	var out graph.Shape
	axis := 0
	for _, it := range items {
		switch x := it.(type) {
		case starlark.NoneType:
			out = append(out, graph.D(1))
		case starlark.Int:
			i, ok := x.Int64()
			if d := s[axis]; ok && d.Known() && (i >= d.Size || i < -d.Size) {
				return nil, fmt.Errorf("index %d is out of bounds for axis %d of size %d", i, axis, d.Size)
			}
			axis++
		case *pyhost.Slice:
			out = append(out, sliceLen(s[axis], x))
			axis++
		default:
			if isEllipsis(it) {
				n := len(s) - named
				out = append(out, s[axis:axis+n]...)
				axis += n
				continue
			}
			return nil, fmt.Errorf("indexing a Keras tensor with %s is not modelled", it.Type())
		}
	}
	return append(out, s[axis:]...), nil
}

func isEllipsis(v starlark.Value) bool {
	o, ok := v.(*pyhost.Opaque)
	return ok && o.Desc == "Ellipsis"
}

// sliceLen is the length of d[lo:hi:step], as Python computes it.
func sliceLen(d graph.Dim, sl *pyhost.Slice) graph.Dim {
	num := func(v starlark.Value) (int64, bool, bool) { // value, given, ok
		if v == nil || v == starlark.None {
			return 0, false, true
		}
		i, err := starlark.AsInt32(v)
		return int64(i), true, err == nil
	}
	step, hasStep, ok1 := num(sl.Step)
	lo, hasLo, ok2 := num(sl.Lo)
	hi, hasHi, ok3 := num(sl.Hi)
	if !ok1 || !ok2 || !ok3 || hasStep && step == 0 {
		return graph.Unknown()
	}
	if !hasStep {
		step = 1
	}
	if !d.Known() {
		if !hasLo && !hasHi && step == 1 {
			return d
		}
		return graph.Unknown()
	}
	n := d.Size
	clamp := func(v int64, given bool, def int64) int64 {
		if !given {
			return def
		}
		if v < 0 {
			v += n
		}
		if step > 0 {
			return min(max(v, 0), n)
		}
		return min(max(v, -1), n-1)
	}
	var start, stop int64
	if step > 0 {
		start, stop = clamp(lo, hasLo, 0), clamp(hi, hasHi, n)
		if stop <= start {
			return graph.D(0)
		}
		return graph.D((stop - start + step - 1) / step)
	}
	start, stop = clamp(lo, hasLo, n-1), clamp(hi, hasHi, -1)
	if start <= stop {
		return graph.D(0)
	}
	return graph.D((start - stop - step - 1) / -step)
}

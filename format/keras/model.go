package keras

import (
	"fmt"
	"slices"
	"strings"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/budget"
)

// source is one JSON text of a model: a .json file, the model_config
// attribute of an .h5, the config.json of a .keras archive.
type source struct {
	file string // how positions name it: "model.json", "model.h5: model_config"
	src  []byte
}

func (s *source) pos(v *value) graph.Pos {
	if v == nil {
		return graph.Pos{File: s.file}
	}
	line, col := lineCol(s.src, v.off)
	return graph.Pos{File: s.file, Line: line, Col: col}
}

// decoder turns a parsed Keras model into graphs.
type decoder struct {
	src     *source
	b       *budget.Budget
	weights weightSource // the file's weights, by layer; nil for a JSON file
	notes   []string
	layers  int // layers made, capped
	nodes   int // layer calls made, capped
	// keras2 is a Keras 1/2, tf.keras or TF.js file (not Keras 3's
	// layout); resetAfter is GRU's reset_after when the config omits
	// it: True since Keras 2.3/TF 2, False in TF.js and before.
	keras2     bool
	resetAfter bool
	// own are the weights a Keras script's own layer class made with
	// add_weight, by the layer's entry (keras-code).
	own map[*value][]fileWeight
}

// maxLayers caps the layers of one model (nested models included).
const maxLayers = 1 << 20

// layerCost is what one layer costs, graph node and report row included,
// charged before it is made.
const layerCost = 2 << 10

func (d *decoder) errAt(v *value, layer *layer, format string, args ...any) error {
	e := &graph.Error{Pos: d.src.pos(v), Msg: fmt.Sprintf(format, args...)}
	if layer != nil {
		e.Layer = layer.what()
	}
	return e
}

// layer is one entry of a model's layers: its class, its config and,
// for a model used as a layer, the nested model.
type layer struct {
	class  string
	name   string
	entry  *value // the list entry (class_name, config, inbound_nodes, …)
	cfg    *value // its config object
	train  bool   // trainable, with every enclosing model's flag
	model  *model // a nested model
	build  builder
	outs   int // outputs the layer makes by itself (RNN return_state: 1 + states)
	params []*graph.Param
	// fileWeights are the file's weights for this layer (nil: none read).
	fileWeights []fileWeight
	hasWeights  bool
	isOp        bool           // an operation on tensors, not a layer: no weights
	own         []*graph.Param // the weights a script's layer class made (ownWeightsOp), once made
	parent      string         // the enclosing model's name, for messages ("" at the top)
}

func (l *layer) what() string { return fmt.Sprintf("layer %s (%s)", l.name, l.class) }

// model is a Sequential or functional model's layers and connections.
type model struct {
	name       string
	class      string
	sequential bool
	entry      *value
	layers     []*layer
	inputShape graph.Shape // a Sequential's, when the config gives it
	inputDType graph.DType
	hasInput   bool     // the Sequential's input shape is given
	inputs     []*value // functional: input_layers entries
	outputs    []*value // functional: output_layers entries
}

// modelClasses are the classes of a model used as a model or a layer.
var modelClasses = []string{"Sequential", "Model", "Functional"}

func isModelClass(c string) bool { return slices.Contains(modelClasses, c) }

// className is an entry's class_name, without a Keras 3 package prefix
// ("keras.layers>Dense" in some registered names).
func className(v *value) string {
	c := v.get("class_name")
	if c == nil || c.k != jStr {
		return ""
	}
	s := c.s
	if i := strings.LastIndexAny(s, ">."); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// isModel says whether an entry is a model: a model class, or a class
// of the file's own (a registered subclass of Sequential or Functional)
// whose config has a model's layers and outputs.
func isModel(v *value) bool {
	if isModelClass(className(v)) {
		return v.get("config") != nil
	}
	cfg := v.get("config")
	l := cfg.get("layers")
	return l != nil && l.k == jArr && (cfg.get("output_layers") != nil || cfg.get("build_input_shape") != nil) && classes[className(v)] == nil
}

// parseModel reads a model object ({"class_name": "Sequential", "config": …}).
func (d *decoder) parseModel(v *value, train bool, parent string) (*model, error) {
	if v == nil || v.k != jObj {
		return nil, d.errAt(v, nil, "a Keras model is a JSON object with class_name and config, not %s", kindOf(v))
	}
	m := &model{class: className(v), entry: v}
	cfg := v.get("config")
	if m.class == "" {
		return nil, d.errAt(v, nil, "the model has no class_name")
	}
	if !isModel(v) {
		return nil, d.errAt(v.get("class_name"), nil, "the model's class %s is not Sequential or a functional Model", m.class)
	}
	m.sequential = m.class == "Sequential" || !isModelClass(m.class) && v.get("config").get("output_layers") == nil
	var list *value
	switch {
	case cfg != nil && cfg.k == jArr: // Keras 1 and 2.0–2.1: a Sequential's config is its layer list
		list = cfg
	case cfg != nil && cfg.k == jObj:
		list = cfg.get("layers")
		if n := cfg.get("name"); n != nil && n.k == jStr {
			m.name = n.s
		}
		if t := cfg.get("trainable"); t != nil && t.k == jBool && !t.b {
			train = false
		}
	default:
		return nil, d.errAt(v, nil, "model %s has no config", m.class)
	}
	if list == nil || list.k != jArr {
		return nil, d.errAt(cfg, nil, "the model's config has no layers list")
	}
	if m.name == "" {
		m.name = strings.ToLower(m.class)
	}
	for i, e := range list.arr {
		l, err := d.parseLayer(e, i, train, m)
		if err != nil {
			return nil, err
		}
		m.layers = append(m.layers, l)
	}
	if m.sequential {
		if err := d.sequentialInput(m, cfg); err != nil {
			return nil, err
		}
		return m, nil
	}
	ins, outs := cfg.get("input_layers"), cfg.get("output_layers")
	var err error
	if m.inputs, err = d.refList(ins, "input_layers"); err != nil {
		return nil, err
	}
	if m.outputs, err = d.refList(outs, "output_layers"); err != nil {
		return nil, err
	}
	if len(m.outputs) == 0 {
		return nil, d.errAt(cfg, nil, "functional model %s has no output_layers", m.name)
	}
	return m, nil
}

// refList reads input_layers/output_layers: one [name, node, tensor] or a
// list of them (Keras 3 writes a single one bare).
func (d *decoder) refList(v *value, what string) ([]*value, error) {
	if v.isNull() {
		return nil, nil
	}
	if v.k == jObj { // Keras 3 models built on a dict of inputs
		var out []*value
		for _, m := range v.obj {
			out = append(out, m.val)
		}
		v = &value{k: jArr, off: v.off, arr: out}
		if len(out) == 1 && out[0].k == jArr && len(out[0].arr) > 0 && out[0].arr[0].k == jStr {
			return out, nil
		}
	}
	if v.k != jArr {
		return nil, d.errAt(v, nil, "%s: want a list of [layer, node, tensor], got %s", what, kindOf(v))
	}
	if len(v.arr) > 0 && v.arr[0].k == jStr {
		return []*value{v}, nil
	}
	for _, r := range v.arr {
		if r.k != jArr || len(r.arr) == 0 || r.arr[0].k != jStr {
			return nil, d.errAt(r, nil, "%s: want [layer, node, tensor], got %s", what, kindOf(r))
		}
	}
	return v.arr, nil
}

// sequentialInput finds a Sequential's input shape: a leading InputLayer
// (Keras 3, and real Keras 2 files), batch_input_shape or input_shape on
// the first layer (Keras 2, TF.js), or build_input_shape.
func (d *decoder) sequentialInput(m *model, cfg *value) error {
	if len(m.layers) > 0 && m.layers[0].class == "InputLayer" {
		l := m.layers[0]
		m.layers = m.layers[1:] // model.layers leaves it out
		s, dt, ok, err := d.declaredShape(l)
		if err != nil {
			return err
		}
		m.inputShape, m.inputDType, m.hasInput = s, dt, ok
		return nil
	}
	if len(m.layers) > 0 {
		first := m.layers[0]
		if sub := first.model; sub != nil {
			// A model first: its own input.
			if s, ok := sub.declaredInput(d); ok {
				m.inputShape, m.inputDType, m.hasInput = s, graph.Float32, true
				return nil
			}
		} else {
			s, dt, ok, err := d.declaredShape(first)
			if err != nil {
				return err
			}
			if ok {
				m.inputShape, m.inputDType, m.hasInput = s, dt, true
				return nil
			}
		}
	}
	if cfg != nil && cfg.k == jObj {
		if b := cfg.get("build_input_shape"); !b.isNull() {
			s, err := d.shapeOf(b, nil, "build_input_shape")
			if err != nil {
				return err
			}
			m.inputShape, m.hasInput = s, true
		}
	}
	return nil
}

// declaredShape reads an input shape a layer's config declares:
// batch_shape (Keras 3), batch_input_shape (Keras 2), or input_shape
// (+ batch_size), or input_dim (Keras 1 Dense), with the dtype.
func (d *decoder) declaredShape(l *layer) (graph.Shape, graph.DType, bool, error) {
	c := l.cfg
	dt := graph.Float32
	if v := c.get("dtype"); v != nil {
		dt = dtypeOf(v)
	}
	for _, key := range []string{"batch_shape", "batch_input_shape"} {
		if v := c.get(key); !v.isNull() {
			s, err := d.shapeOf(v, l, key)
			return s, dt, err == nil, err
		}
	}
	if v := c.get("input_shape"); !v.isNull() {
		s, err := d.shapeOf(v, l, "input_shape")
		if err != nil {
			return nil, dt, false, err
		}
		batch := graph.Unknown()
		if b, ok := c.get("batch_size").int(); ok && b > 0 {
			batch = graph.D(b)
		}
		return append(graph.Shape{batch}, s...), dt, true, nil
	}
	if inner := c.get("layer"); inner != nil && inner.k == jObj && inner.get("config") != nil {
		// A wrapper (Bidirectional, TimeDistributed) around a layer
		// given the input shape.
		il := &layer{class: className(inner), name: l.name, entry: inner, cfg: inner.get("config")}
		if s, dt, ok, err := d.declaredShape(il); ok || err != nil {
			return s, dt, ok, err
		}
	}
	if v := c.get("input_dim"); !v.isNull() && l.class != "Embedding" {
		n, ok := v.int()
		if !ok || n <= 0 {
			return nil, dt, false, d.errAt(v, l, "input_dim: want a positive integer, got %s", kindOf(v))
		}
		return graph.Shape{graph.Unknown(), graph.D(n)}, dt, true, nil
	}
	return nil, dt, false, nil
}

// dtypeOf reads a dtype: "float32", or a Keras 3 DTypePolicy object.
func dtypeOf(v *value) graph.DType {
	if v.k == jObj {
		if c := v.get("config"); c != nil {
			v = c.get("name")
		} else {
			v = v.get("name")
		}
	}
	if v == nil || v.k != jStr {
		return graph.Float32
	}
	s := v.s
	if strings.HasPrefix(s, "mixed_") {
		return graph.Float32 // the variables of a mixed policy are float32
	}
	switch s {
	case "float16", "half":
		return graph.Float16
	case "bfloat16":
		return graph.BFloat16
	case "float64", "double":
		return graph.Float64
	case "int32":
		return graph.Int32
	case "int64":
		return graph.Int64
	}
	return graph.Float32
}

// shapeOf reads a shape list; null entries are unknown sizes.
func (d *decoder) shapeOf(v *value, l *layer, what string) (graph.Shape, error) {
	if v.k != jArr {
		return nil, d.errAt(v, l, "%s: want a list of sizes, got %s", what, kindOf(v))
	}
	if len(v.arr) > 32 {
		return nil, d.errAt(v, l, "%s: %d axes is more than 32", what, len(v.arr))
	}
	s := make(graph.Shape, len(v.arr))
	for i, e := range v.arr {
		if e.isNull() {
			s[i] = graph.Unknown()
			continue
		}
		n, ok := e.int()
		if !ok || n < 0 {
			return nil, d.errAt(e, l, "%s: axis %d: want a size or null, got %s", what, i, kindOf(e))
		}
		s[i] = graph.D(n)
	}
	return s, nil
}

// parseLayer reads one entry of a layers list.
func (d *decoder) parseLayer(e *value, i int, train bool, m *model) (*layer, error) {
	if e.k != jObj {
		return nil, d.errAt(e, nil, "layers[%d]: want a layer object, got %s", i, kindOf(e))
	}
	d.layers++
	if d.layers > maxLayers {
		return nil, d.errAt(e, nil, "more than %d layers", maxLayers)
	}
	if err := d.b.Charge(layerCost, "a Keras layer"); err != nil {
		return nil, err
	}
	l := &layer{class: className(e), entry: e, cfg: e.get("config"), train: train, parent: m.name}
	if l.class == "" {
		return nil, d.errAt(e, nil, "layers[%d] has no class_name", i)
	}
	if l.cfg == nil {
		l.cfg = &value{k: jObj, off: e.off}
	}
	if n := e.get("name"); n != nil && n.k == jStr {
		l.name = n.s
	} else if n := l.cfg.get("name"); n != nil && n.k == jStr {
		l.name = n.s
	} else {
		l.name = fmt.Sprintf("%s_%d", strings.ToLower(l.class), i)
	}
	if t := l.cfg.get("trainable"); t != nil && t.k == jBool && !t.b {
		l.train = false
	}
	if isModel(e) && l.cfg.k != jStr {
		sub, err := d.parseModel(e, l.train, l.name)
		if err != nil {
			return nil, err
		}
		l.model = sub
		l.outs = max(1, len(sub.outputs))
		return l, nil
	}
	b, outs, err := d.builderFor(l)
	if err != nil {
		return nil, err
	}
	l.build, l.outs = b, max(outs, 1)
	return l, nil
}

func kindOf(v *value) string {
	if v == nil {
		return "nothing"
	}
	return v.k.String()
}

// tensorRef is one input of a layer call: layer, node, tensor.
type tensorRef struct {
	layer  string
	node   int
	tensor int
	at     *value
	shape  graph.Shape // the tensor's shape as Keras 3 records it (nil: not recorded)
}

// call is one inbound node of a layer: the tensors it was called on.
type call struct {
	ins []tensorRef
	at  *value
}

// calls reads a layer's inbound_nodes, in Keras 2's nested lists
// ([[name, node, tensor, kwargs], …]) or Keras 3's {"args", "kwargs"}.
func (d *decoder) calls(l *layer) ([]call, error) {
	v := l.entry.get("inbound_nodes")
	if v.isNull() {
		return nil, nil
	}
	if v.k != jArr {
		return nil, d.errAt(v, l, "inbound_nodes: want a list, got %s", kindOf(v))
	}
	var out []call
	for _, node := range v.arr {
		c := call{at: node}
		switch node.k {
		case jObj: // Keras 3
			if err := d.keras3Tensors(node.get("args"), l, &c.ins, 0); err != nil {
				return nil, err
			}
			if kw := node.get("kwargs"); kw != nil && kw.k == jObj {
				for _, m := range kw.obj {
					if skipKwarg(m.key) {
						continue
					}
					if err := d.keras3Tensors(m.val, l, &c.ins, 0); err != nil {
						return nil, err
					}
				}
			}
		case jArr: // Keras 2: a list of [name, node, tensor, kwargs]
			refs := node.arr
			if len(refs) > 0 && refs[0].k == jStr {
				// tf.keras 2.4+ writes a call on one tensor with
				// keyword arguments (TFOpLambda's) as that one entry.
				refs = []*value{node}
			}
			for _, r := range refs {
				ref, err := d.keras2Ref(r, l)
				if err != nil {
					return nil, err
				}
				c.ins = append(c.ins, ref)
				if len(r.arr) > 3 && r.arr[3].k == jObj {
					// Tensors passed by keyword (MultiHeadAttention's
					// value, key) are [name, node, tensor] lists there.
					for _, m := range r.arr[3].obj {
						if skipKwarg(m.key) || !isRef(m.val) {
							continue
						}
						kref, err := d.keras2Ref(m.val, l)
						if err != nil {
							return nil, err
						}
						c.ins = append(c.ins, kref)
					}
				}
			}
		default:
			return nil, d.errAt(node, l, "inbound_nodes: want a node (a list or an object), got %s", kindOf(node))
		}
		out = append(out, c)
	}
	return out, nil
}

// skipKwarg: keyword arguments that are not data inputs.
func skipKwarg(k string) bool {
	return k == "mask" || strings.HasSuffix(k, "_mask") || k == "training" || k == "initial_state" ||
		k == "constants" || k == "return_attention_scores" || k == "use_causal_mask"
}

func isRef(v *value) bool {
	return v != nil && v.k == jArr && len(v.arr) >= 3 && v.arr[0].k == jStr && v.arr[1].k == jNum && v.arr[2].k == jNum
}

func (d *decoder) keras2Ref(r *value, l *layer) (tensorRef, error) {
	if !isRef(r) {
		return tensorRef{}, d.errAt(r, l, "inbound_nodes: want [layer, node_index, tensor_index], got %s", kindOf(r))
	}
	node, ok1 := r.arr[1].int()
	tensor, ok2 := r.arr[2].int()
	if !ok1 || !ok2 || node < 0 || tensor < 0 || node > maxLayers || tensor > 1<<16 {
		return tensorRef{}, d.errAt(r, l, "inbound_nodes: node and tensor indices must be small whole numbers")
	}
	return tensorRef{layer: r.arr[0].s, node: int(node), tensor: int(tensor), at: r}, nil
}

// keras3Tensors collects the __keras_tensor__ objects of a call's
// arguments, depth first (Add's [[t1, t2]]).
func (d *decoder) keras3Tensors(v *value, l *layer, out *[]tensorRef, depth int) error {
	if v == nil || depth > 16 {
		return nil
	}
	switch v.k {
	case jArr:
		for _, e := range v.arr {
			if err := d.keras3Tensors(e, l, out, depth+1); err != nil {
				return err
			}
		}
	case jObj:
		if className(v) != "__keras_tensor__" {
			return nil
		}
		h := v.get("config").get("keras_history")
		ref, err := d.keras2Ref(h, l)
		if err != nil {
			return err
		}
		if sv := v.get("config").get("shape"); sv != nil && sv.k == jArr {
			if s, err := d.shapeOf(sv, l, "shape"); err == nil {
				ref.shape = s
			}
		}
		*out = append(*out, ref)
	}
	return nil
}

// declaredInput is the input shape a model declares: a Sequential's, or
// a functional model's first InputLayer's.
func (m *model) declaredInput(d *decoder) (graph.Shape, bool) {
	if m.sequential {
		return m.inputShape, m.hasInput
	}
	for _, l := range m.layers {
		if l.class == "InputLayer" {
			s, _, ok, err := d.declaredShape(l)
			return s, ok && err == nil
		}
	}
	return nil, false
}

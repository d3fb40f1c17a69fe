package spec

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/op"
)

// topKeys are the keys of a spec's top-level mapping.
var topKeys = []string{"name", "description", "layout", "input", "inputs", "layers", "outputs"}

// Decode reads a spec (YAML or JSON) into a graph for package infer. name
// is used in positions and to name the model when the spec does not.
func Decode(name string, data []byte) (g *graph.Graph, err error) { return decode(name, data, false) }

// decode is Decode; owned says that nothing writes to data again, so that
// the graph's names may be cut from it (parseText).
func decode(name string, data []byte, owned bool) (g *graph.Graph, err error) {
	defer func() {
		if r := recover(); r != nil {
			g, err = nil, &Error{Pos: graph.Pos{File: name}, Msg: fmt.Sprintf("internal error (please report): %v", r)}
		}
	}()
	root, err := parseText(name, data, owned)
	if err != nil {
		return nil, err
	}
	d := &decoder{file: name, byName: map[string]*entry{}}
	return d.decode(root)
}

// decoder holds the state of one Decode.
type decoder struct {
	file    string
	layout  op.Layout
	errs    errList
	entries []*entry // graph inputs, then layers, in source order
	srcList []*entry // the entries' sources (entry.srcAt, entry.nsrc)
	byName  map[string]*entry
	attrs   attrs  // buildLayer's, reused
	text    []byte // where str cuts strings from
	scratch []byte
}

// str returns b as a string cut from a block of text shared with other
// strings: the many short strings of layer paths and made names cost
// no allocation each. Nothing writes to a block's bytes once cut.
func (d *decoder) str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if cap(d.text)-len(d.text) < len(b) {
		d.text = make([]byte, 0, max(4096, len(b)))
	}
	start := len(d.text)
	d.text = append(d.text, b...)
	return unsafe.String(&d.text[start], len(b))
}

// entry is a node to be: a graph input declared at the top, or a layer.
//
// A spec of 100,000 layers has as many entries, so the struct is kept
// small (128 bytes): the type's name comes from typ, the path from index,
// a layer's mapping is at, its sources are a range of decoder.srcList.
type entry struct {
	name       string
	typ        *layerType // nil for a top-level input
	at         *value     // where the entry is written: a layer's mapping, an input's key
	op         graph.Op
	roles      []string
	inputs     []ref
	node       *graph.Node
	srcAt      int32 // the entries whose outputs node.Inputs are, in order:
	nsrc       int32 // decoder.srcList[srcAt:srcAt+nsrc]
	index      int32 // in layers; -1 for a top-level input
	ord        int32 // in decoder.entries
	given      bool  // inputs were given explicitly
	namedInput bool  // an input of the inputs: mapping (path "inputs.name")
}

// path names where the entry is written: "layers[3]", "input",
// "inputs.image".
func (e *entry) path() string {
	switch {
	case e.typ != nil:
		return layerPath(int(e.index))
	case e.namedInput:
		return "inputs." + e.name
	}
	return "input"
}

// layerPath is "layers[i]".
func layerPath(i int) string { return "layers[" + strconv.Itoa(i) + "]" }

// srcs are the entries whose outputs e's node takes, in order (wire).
func (d *decoder) srcs(e *entry) []*entry {
	return d.srcList[e.srcAt : e.srcAt+e.nsrc : e.srcAt+e.nsrc]
}

// typeName is the entry's type as a node's type: the layer type's name,
// or "input".
func (e *entry) typeName() string {
	if e.typ == nil {
		return "input"
	}
	return e.typ.name
}

// ref is a layer name written in the spec, with where it is written.
type ref struct {
	name string
	at   *value
}

func (d *decoder) pos(v *value, path string) graph.Pos {
	p := graph.Pos{File: d.file, Path: path}
	if v != nil {
		p.Line, p.Col = v.line, int(v.col)
	}
	return p
}

// errAt is an error outside any layer.
func (d *decoder) errAt(v *value, format string, args ...any) error {
	return &Error{Pos: d.pos(v, ""), Msg: fmt.Sprintf(format, args...)}
}

// layerErr is an error about a layer, at v or else at the layer's entry.
func (d *decoder) layerErr(e *entry, v *value, format string, args ...any) error {
	if v == nil {
		v = e.at
	}
	return &Error{Pos: d.pos(v, ""), Layer: e.label(), Msg: fmt.Sprintf(format, args...)}
}

// label names an entry in messages: "layer conv2 (conv2d)".
func (e *entry) label() string {
	switch {
	case e.typ == nil:
		return fmt.Sprintf("input %s", e.name)
	case e.name == "":
		return fmt.Sprintf("%s (%s)", e.path(), e.typeName())
	}
	return fmt.Sprintf("layer %s (%s)", e.name, e.typeName())
}

func (d *decoder) decode(root *value) (*graph.Graph, error) {
	if root.kind != kMap {
		return nil, d.errAt(root, "a spec is a mapping with a `layers:` list (see doc/spec.md), got %s", root.describe())
	}
	for k := range root.pairs() {
		if slices.Contains(topKeys, k.s) || extension(k.s) {
			continue
		}
		switch k.s {
		case "class_name", "keras_version":
			return nil, d.errAt(k, "this is a Keras model file, not a layerinfo spec")
		case "model_type", "architectures":
			return nil, d.errAt(k, "this is a Hugging Face config, not a layerinfo spec")
		}
		d.errs.add(d.errAt(k, "unknown top-level key %q (a spec has %s)%s", clip(k.s, 60), strings.Join(topKeys, ", "), didYouMean(k.s, topKeys)))
	}
	g := &graph.Graph{Format: "spec", Path: d.file} // no framework prints a spec's total
	g.Name = strings.TrimSuffix(filepath.Base(d.file), filepath.Ext(d.file))
	if _, v := root.lookup("name"); v != nil && v.kind != kNull {
		if s, err := v.asString(); err != nil {
			d.errs.add(d.errAt(v, "name: %v", err))
		} else {
			g.Name = s
		}
	}
	if _, v := root.lookup("description"); v != nil && v.kind != kNull && v.kind != kString {
		d.errs.add(d.errAt(v, "description: expected a string, got %s", v.describe()))
	}
	d.readLayout(root)
	d.readInputs(root)
	d.readLayers(root)
	if err := d.errs.err(); err != nil {
		return nil, err
	}

	g.Nodes = make([]*graph.Node, 0, len(d.entries))
	for i, e := range d.entries {
		e.ord = int32(i)
		path := ""
		if e.typ != nil {
			// From the block the other short strings are cut from.
			d.scratch = append(strconv.AppendInt(append(d.scratch[:0], "layers["...), int64(e.index), 10), ']')
			path = d.str(d.scratch)
		} else {
			path = e.path()
		}
		e.node = g.NewNode(e.name, e.typeName(), e.op, nil, 1, d.pos(e.at, path))
	}
	d.wire()
	d.share()
	if err := d.errs.err(); err != nil {
		return nil, err
	}
	if err := d.cycles(); err != nil {
		return nil, err
	}
	d.outputs(root, g)
	if err := d.errs.err(); err != nil {
		return nil, err
	}
	// layerinfo.Load validates the graph (graph.Validate); the tests
	// and the fuzz test validate what Decode returns.
	return g, nil
}

// extension reports whether a key is an extension field, which a spec
// ignores: "x-" keys hold YAML anchors for reuse, notes, tool settings.
func extension(key string) bool { return strings.HasPrefix(key, "x-") }

var layouts = map[string]op.Layout{
	"nchw": op.ChannelsFirst, "channelsfirst": op.ChannelsFirst, "ncw": op.ChannelsFirst, "ncl": op.ChannelsFirst, "ncdhw": op.ChannelsFirst,
	"nhwc": op.ChannelsLast, "channelslast": op.ChannelsLast, "nwc": op.ChannelsLast, "nlc": op.ChannelsLast, "ndhwc": op.ChannelsLast,
}

func (d *decoder) readLayout(root *value) {
	_, v := root.lookup("layout")
	if v == nil || v.kind == kNull {
		return
	}
	s, err := v.asString()
	if err == nil {
		l, ok := layouts[norm(s)]
		if ok {
			d.layout = l
			return
		}
		err = fmt.Errorf("%q is not a layout%s", clip(s, 60), didYouMean(s, []string{"NCHW", "NHWC", "channels_first", "channels_last"}))
	}
	d.errs.add(d.errAt(v, "layout: %v (use NCHW, channels first as PyTorch, or NHWC, channels last as Keras)", err))
}

// readInputs reads `input: shape` or `inputs: {name: shape, …}`, where a
// shape may also be {shape: […], dtype: int64}.
func (d *decoder) readInputs(root *value) {
	k1, one := root.lookup("input")
	k2, many := root.lookup("inputs")
	if one != nil && many != nil {
		d.errs.add(d.errAt(k2, "give either input (one input) or inputs (named inputs), not both"))
		return
	}
	switch {
	case one != nil && one.kind != kNull:
		d.addInput("input", k1, one, false)
	case many != nil && many.kind != kNull:
		if many.kind != kMap {
			d.errs.add(d.errAt(many, "inputs: expected a mapping of input names to shapes, such as {image: [null, 3, 224, 224]}, got %s", many.describe()))
			return
		}
		for k, v := range many.pairs() {
			d.addInput(k.s, k, v, true)
		}
	}
}

func (d *decoder) addInput(name string, key, v *value, named bool) {
	e := &entry{name: name, at: key, index: -1, namedInput: named}
	in := &op.Input{}
	e.op = in
	shape := v
	if v.kind == kMap {
		shape = nil
		for k, kv := range v.pairs() {
			switch k.s {
			case "shape":
				shape = kv
			case "dtype":
				t, err := dtypeOf(kv)
				if err != nil {
					d.errs.add(d.layerErr(e, kv, "dtype: %v", err))
				}
				in.DType = t
			default:
				d.errs.add(d.layerErr(e, k, "unknown key %q (an input has shape and dtype)%s", clip(k.s, 60), didYouMean(k.s, []string{"shape", "dtype"})))
			}
		}
		if shape == nil {
			d.errs.add(d.layerErr(e, v, "missing shape (e.g. shape: [null, 3, 224, 224])"))
			return
		}
	}
	s, err := shapeOf(shape)
	if err != nil {
		d.errs.add(d.layerErr(e, shape, "%v", err))
		return
	}
	in.Shape = s
	if err := d.claim(e); err == nil {
		d.entries = append(d.entries, e)
	}
}

// claim registers an entry's name, refusing duplicates.
func (d *decoder) claim(e *entry) error {
	old, ok := d.byName[e.name]
	if !ok {
		d.byName[e.name] = e
		return nil
	}
	what := "layer"
	if old.typ == nil {
		what = "input"
	}
	err := d.layerErr(e, nil, "the name %q is already used by the %s at %d:%d", clip(e.name, 60), what, old.at.line, old.at.col)
	d.errs.add(err)
	return err
}

func (d *decoder) readLayers(root *value) {
	k, list := root.lookup("layers")
	if list == nil || list.kind == kNull {
		d.errs.add(d.errAt(k, "the spec has no layers (add `layers:` with a list of {type: …} entries)"))
		return
	}
	if list.kind != kList {
		d.errs.add(d.errAt(list, "layers: expected a list of layers, got %s", list.describe()))
		return
	}
	if len(list.list) == 0 {
		d.errs.add(d.errAt(list, "layers: the list is empty"))
		return
	}
	if len(list.list) > maxLayers {
		d.errs.add(d.errAt(list.list[maxLayers], "layers: more than %s layers (a spec may have at most %s)", thousands(maxLayers), thousands(maxLayers)))
		return
	}
	// First pass: types and explicit names.
	layers := make([]*entry, 0, len(list.list))
	d.entries = slices.Grow(d.entries, len(list.list))
	byName := make(map[string]*entry, len(d.byName)+len(list.list))
	for k, e := range d.byName {
		byName[k] = e
	}
	d.byName = byName
	all := make([]entry, len(list.list)) // one allocation for the entries
	for i, v := range list.list {
		if d.errs.full() {
			return
		}
		e := &all[i]
		*e = entry{at: v, index: int32(i)}
		if v.kind != kMap {
			d.errs.add(d.errAt(v, "%s: a layer is a mapping such as {type: dense, units: 10}, got %s", layerPath(i), v.describe()))
			continue
		}
		tk, tv := v.lookup("type")
		if tv == nil || tv.kind == kNull {
			at := tk
			if at == nil {
				at = v
			}
			d.errs.add(d.errAt(at, "%s: missing type (e.g. type: conv2d)", layerPath(i)))
			continue
		}
		ts, err := tv.asString()
		if err != nil {
			d.errs.add(d.errAt(tv, "%s: type: %v", layerPath(i), err))
			continue
		}
		t, why := lookupType(ts)
		if t == nil {
			if _, nv := v.lookup("name"); nv != nil && nv.kind == kString {
				d.errs.add(&Error{Pos: d.pos(tv, ""), Layer: "layer " + clip(nv.s, 60), Msg: why})
			} else {
				d.errs.add(d.errAt(tv, "%s: %s", layerPath(i), why))
			}
			continue
		}
		e.typ = t
		if _, nv := v.lookup("name"); nv != nil && nv.kind != kNull {
			s, err := nv.asString()
			switch {
			case err != nil:
				d.errs.add(d.layerErr(e, nv, "name: %v", err))
				continue
			case s == "":
				d.errs.add(d.layerErr(e, nv, "name: the name is empty"))
				continue
			}
			e.name = s
			if d.claim(e) != nil {
				continue
			}
		}
		layers = append(layers, e)
	}
	// Unnamed layers are named after their type: conv2d_1, conv2d_2, ….
	next := map[*layerType]int{}
	for _, e := range layers {
		if e.name != "" {
			continue
		}
		for {
			next[e.typ]++
			d.scratch = strconv.AppendInt(append(append(d.scratch[:0], e.typ.name...), '_'), int64(next[e.typ]), 10)
			if _, taken := d.byName[string(d.scratch)]; !taken {
				name := d.str(d.scratch)
				e.name = name
				d.byName[name] = e
				break
			}
		}
	}
	for _, e := range layers {
		if d.errs.full() {
			return
		}
		d.buildLayer(e)
		d.entries = append(d.entries, e)
	}
}

// buildLayer checks an entry's attributes and makes its op.
func (d *decoder) buildLayer(e *entry) {
	t := e.typ
	var meant []string // attributes an unknown one was probably meant as
	for k := range e.at.pairs() {
		if slices.Contains(commonAttrs, k.s) || slices.Contains(t.attrs, k.s) || extension(k.s) {
			continue
		}
		if d.errs.full() {
			break
		}
		valid := append(slices.Clone(t.attrs), commonAttrs...)
		msg := fmt.Sprintf("unknown attribute %q", clip(k.s, 60))
		if h, ok := attrHints[norm(k.s)]; ok && (strings.Contains(h, " ") || slices.Contains(valid, h)) {
			if strings.Contains(h, " ") {
				msg += " (use " + h + ")"
			} else {
				msg += fmt.Sprintf(" (did you mean %q?)", h)
				meant = append(meant, h)
			}
		} else if m := nearest(k.s, valid); m != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", m)
			meant = append(meant, m)
		} else {
			msg += fmt.Sprintf(" (%s takes %s)", t.name, attrList(t))
		}
		d.errs.add(d.layerErr(e, k, "%s", msg))
	}
	// One attrs serves every layer: builders keep nothing of it.
	a := &d.attrs
	*a = attrs{d: d, e: e, meant: meant, errs: a.errs[:0]}
	o, rs := t.build(a)
	if !a.bool("trainable", true) {
		if x, ok := o.(*extended); ok {
			x.frozen = true
		} else {
			o = &extended{op: o, frozen: true}
		}
	}
	e.op, e.roles = o, rs
	e.inputs, e.given = d.refs(a, e)
	for _, err := range a.errs {
		d.errs.add(err)
	}
	if e.op == nil {
		e.op = op.Identity{}
	}
}

// attrList lists a type's attributes for a message.
func attrList(t *layerType) string {
	if len(t.attrs) == 0 {
		return "no attributes besides name and inputs"
	}
	return strings.Join(t.attrs, ", ")
}

// refs reads `inputs:`: a name or a list of names.
func (d *decoder) refs(a *attrs, e *entry) ([]ref, bool) {
	v := a.get("inputs")
	if v == nil {
		return nil, false
	}
	if e.typ.inputs == noInputs {
		a.fail(v, "inputs", "an input layer takes no inputs")
		return nil, true
	}
	items := []*value{v}
	if v.kind == kList {
		items = v.list
	}
	var rs []ref
	for _, it := range items {
		s, err := it.asString()
		if err != nil {
			a.fail(it, "inputs", "expected a layer name, got %s", it.describe())
			continue
		}
		rs = append(rs, ref{name: s, at: it})
	}
	return rs, true
}

package caffe

import (
	"errors"
	"fmt"
	"strings"

	"github.com/layerinfo/layerinfo/format"
	"github.com/layerinfo/layerinfo/graph"
)

// Options tune the caffe format. The zero value builds the TEST net with
// the input shapes the file states.
type Options struct {
	// Phase is the NetState phase the net is built in, "TRAIN" or
	// "TEST" ("" is TEST, as pycaffe and deploy nets use).
	Phase string
	// InputShapes gives the shapes of input and data tops by top name;
	// "" names the first. A shape is the whole blob shape, batch first.
	InputShapes map[string][]int64
}

// build makes the graph of the layers the phase includes.
func build(file string, n *net, opt Options, isModel bool) (*graph.Graph, error) {
	phase, err := phaseOf(opt.Phase)
	if err != nil {
		return nil, &format.UsageError{Option: "phase", Err: err}
	}
	st := state{phase: phase}
	if n.state != nil {
		if st.level, err = n.state.int("level", 0); err != nil {
			return nil, posErr(file, "", err)
		}
		if st.stages, err = n.state.strs("stage"); err != nil {
			return nil, posErr(file, "", err)
		}
	}
	g := &graph.Graph{Name: n.name, Format: "caffe", Path: file}
	b := &builder{file: file, g: g, opt: opt, blobs: map[string]*graph.Value{}, shared: map[string]sharedBlob{},
		names: map[string]int{}, usedInputs: map[string]bool{}, consumed: map[*graph.Value]bool{}, isModel: isModel}
	excluded := 0
	for _, l := range n.layers {
		ok, err := st.included(l)
		if err != nil {
			return nil, posErr(file, layerName(l), err)
		}
		if !ok {
			excluded++
			continue
		}
		if err := b.add(l); err != nil {
			return nil, err
		}
	}
	for name := range opt.InputShapes {
		if name != "" && !b.usedInputs[name] {
			var tops []string
			for _, v := range g.Inputs {
				tops = append(tops, v.Name)
			}
			return nil, &format.UsageError{Option: "input-shape", Err: fmt.Errorf("no input or data top named %q (inputs: %s)", name, strings.Join(tops, ", "))}
		}
	}
	if len(g.Nodes) == 0 {
		return nil, graph.Errorf(graph.Pos{File: file}, "no layer of the net is in the %s phase (%d layers excluded)", phase, excluded)
	}
	for _, name := range b.order {
		v := b.blobs[name]
		if !b.consumed[v] && v.Producer != nil {
			g.Outputs = append(g.Outputs, v)
		}
	}
	g.Notes = append(g.Notes, fmt.Sprintf("the %s net (the phase, TRAIN or TEST, is an option)", phase))
	if excluded > 0 {
		g.Notes = append(g.Notes, fmt.Sprintf("%d layers of the file are not in the %s phase and are left out", excluded, phase))
	}
	g.Notes = append(g.Notes, n.notes...)
	if last := g.Nodes[len(g.Nodes)-1]; len(last.Outputs) > 0 {
		g.Notes = append(g.Notes, "Caffe prints no parameter total: its log prints each top's shape (\"Top shape: N C H W (count)\"), the output column here")
	}
	if b.names["BatchNorm"] >= 0 {
		for _, nd := range g.Nodes {
			if nd.Type == "BatchNorm" {
				g.Notes = append(g.Notes, "BatchNorm's 3 blobs (mean C, variance C, moving-average factor 1) are counted as Caffe allocates them, non-trainable (Caffe forces their lr_mult to 0); the learned scale and shift are the Scale layer's")
				break
			}
		}
	}
	return g, nil
}

type sharedBlob struct {
	node *graph.Node
	role string
}

type builder struct {
	file       string
	g          *graph.Graph
	opt        Options
	blobs      map[string]*graph.Value // the current value of each blob name
	order      []string                // blob names in order of first production
	shared     map[string]sharedBlob   // ParamSpec names seen
	names      map[string]int
	consumed   map[*graph.Value]bool
	inputs     int // input tops seen (for the "" input shape)
	usedInputs map[string]bool
	isModel    bool
}

func layerName(l *layer) string {
	if l == nil {
		return ""
	}
	return fmt.Sprintf("layer %s (%s)", l.name, l.typ)
}

// posErr positions err (a fieldError carries its own place).
func posErr(file, layer string, err error) error {
	var fe *fieldError
	if errors.As(err, &fe) {
		p := fe.pos
		p.File = file
		return &graph.Error{Pos: p, Layer: layer, Msg: fe.msg}
	}
	var ge *graph.Error
	var me *format.MissingError
	if errors.As(err, &ge) || errors.As(err, &me) {
		return err
	}
	return &graph.Error{Pos: graph.Pos{File: file}, Layer: layer, Err: err}
}

func (b *builder) add(l *layer) error {
	pos := l.pos
	pos.File = b.file
	lname := layerName(l)
	inputs := make([]*graph.Value, len(l.bottom))
	for i, name := range l.bottom {
		v := b.blobs[name]
		if v == nil {
			msg := fmt.Sprintf("unknown bottom blob %q (no earlier layer in this phase has it as a top)", name)
			if s := nearest(name, b.order); s != "" {
				msg += "; did you mean " + s + "?"
			}
			return &graph.Error{Pos: pos, Layer: lname, Msg: msg}
		}
		inputs[i] = v
		b.consumed[v] = true
	}
	o, err := b.makeOp(l)
	if err != nil {
		return posErr(b.file, lname, err)
	}
	name := l.name
	if name == "" {
		name = fmt.Sprintf("%s%d", strings.ToLower(l.typ), len(b.g.Nodes))
	}
	if k := b.names[name]; k > 0 {
		b.names[name] = k + 1
		name = fmt.Sprintf("%s#%d", name, k+1)
	} else {
		b.names[name] = 1
	}
	n := b.g.NewNode(name, l.typ, o, inputs, len(l.top), pos)
	if name != l.name {
		n.Remark("a second layer named %q in this net: shown as %s", l.name, name)
	}
	for i, top := range l.top {
		v := n.Outputs[i]
		v.Name = top
		if len(l.bottom) > 0 && contains(l.bottom, top) {
			n.Remark("in place: top %s is its bottom", top)
		}
		if _, seen := b.blobs[top]; !seen {
			b.order = append(b.order, top)
		}
		b.blobs[top] = v
	}
	if o.input {
		b.g.Inputs = append(b.g.Inputs, n.Outputs...)
	}
	for i, ps := range l.params {
		if ps.name == "" || i >= len(o.roles) {
			continue
		}
		if s, ok := b.shared[ps.name]; ok {
			n.Share(o.roles[i], graph.Ref{Node: s.node, Role: s.role})
		} else {
			b.shared[ps.name] = sharedBlob{n, o.roles[i]}
		}
	}
	return nil
}

// inputShape is the shape --input-shape gives top (the first input top
// also by ""), or nil.
func (b *builder) inputShape(top string) graph.Shape {
	first := b.inputs == 0
	b.inputs++
	s, ok := b.opt.InputShapes[top]
	b.usedInputs[top] = true
	if !ok && first {
		s, ok = b.opt.InputShapes[""]
	}
	if !ok {
		return nil
	}
	return shapeOf(s)
}

func shapeOf(dims []int64) graph.Shape {
	s := make(graph.Shape, len(dims))
	for i, d := range dims {
		if d < 0 {
			s[i] = graph.Symbol("N")
		} else {
			s[i] = graph.D(d)
		}
	}
	return s
}

// missingShape is the error of an input or data top whose shape the file
// does not state.
func (b *builder) missingShape(l *layer, top, known string) error {
	return b.missingShapeHint(l, top, known, "NxCxHxW")
}

// missingShapeHint is missingShape with what to write after the top's
// name: the sizes the file states, letters for the others (32xCx28x28).
func (b *builder) missingShapeHint(l *layer, top, known, hint string) error {
	pos := l.pos
	pos.File = b.file
	msg := fmt.Sprintf("the shape of top %s is not in the file", top)
	if known != "" {
		msg += " (" + known + ")"
	}
	msg += "; give the whole shape, batch first"
	e := &graph.Error{Pos: pos, Layer: layerName(l), Msg: msg}
	return &format.MissingError{What: "the shape of " + top + ", batch first", Option: "input-shape", Value: top + "=" + hint, Err: e}
}

package keras

import (
	"errors"
	"fmt"
	"strings"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/infer"
)

// maxCalls caps the layer calls of a model, nested models' included
// (a model called twice in a model called twice… grows exponentially).
const maxCalls = 1 << 18

// builder makes a layer's op when its node is inferred, from the config
// read at decode time and the input shapes then known (a depthwise
// convolution's channels, a TimeDistributed layer's inner shape).
type builder func(n *graph.Node) (graph.Op, error)

// graphOf builds the graph of a model: one node per layer call, in the
// order of model.layers (a shared layer's later calls follow its first).
// A nested model's graph gets its inputs from the enclosing node
// (nestedOp); a top-level one from its declared input shapes.
func (d *decoder) graphOf(m *model, nested bool) (*graph.Graph, error) {
	g := &graph.Graph{Name: m.name}
	names := map[string]*layer{}
	for _, l := range m.layers {
		if names[l.name] != nil {
			return nil, d.errAt(l.entry, l, "two layers of model %s are named %s", m.name, l.name)
		}
		names[l.name] = l
	}
	if m.sequential {
		in := &graph.Value{Name: m.name + "_input", DType: m.inputDType}
		if m.hasInput {
			in.Shape = m.inputShape
		}
		if in.DType == "" {
			in.DType = graph.Float32
		}
		g.Inputs = []*graph.Value{in}
		prev := in
		for _, l := range m.layers {
			n, err := d.node(g, l, 0, []*graph.Value{prev}, l.outs)
			if err != nil {
				return nil, err
			}
			if lo, ok := n.Op.(*layerOp); ok {
				lo.recorded = []graph.Shape{d.builtShape(l)}
			}
			prev = n.Outputs[0]
		}
		if !m.hasInput && len(m.layers) > 0 {
			g.Notes = append(g.Notes, fmt.Sprintf("model %s: the file gives no input shape (the model was never built), so shapes and the counts that need them are unknown", m.name))
		}
		g.Outputs = []*graph.Value{prev}
		return g, nil
	}

	// Functional: a node per (layer, inbound node); inputs connected
	// once every node exists (Keras 3 lists layers by depth, and a
	// reference may name a later entry).
	type key struct {
		name string
		node int
	}
	nodes := map[key]*graph.Node{}
	allCalls := map[*layer][]call{}
	maxTensor := map[string]int{}
	minNode, maxNode := map[string]int{}, map[string]int{}
	note := func(r tensorRef) {
		maxTensor[r.layer] = max(maxTensor[r.layer], r.tensor+1)
		if m, ok := minNode[r.layer]; !ok || r.node < m {
			minNode[r.layer] = r.node
		}
		maxNode[r.layer] = max(maxNode[r.layer], r.node)
	}
	for _, l := range m.layers {
		cs, err := d.calls(l)
		if err != nil {
			return nil, err
		}
		allCalls[l] = cs
		for _, c := range cs {
			for _, r := range c.ins {
				note(r)
			}
		}
	}
	outRefs := make([]tensorRef, len(m.outputs))
	for i, o := range m.outputs {
		r, err := d.keras2Ref(o, nil)
		if err != nil {
			return nil, err
		}
		outRefs[i] = r
		note(r)
	}
	inputOrder := map[string]int{}
	for i, o := range m.inputs {
		r, err := d.keras2Ref(o, nil)
		if err != nil {
			return nil, err
		}
		inputOrder[r.layer] = i
	}
	if nested {
		for range m.inputs {
			g.Inputs = append(g.Inputs, &graph.Value{Name: fmt.Sprintf("%s_input_%d", m.name, len(g.Inputs)), DType: graph.Float32})
		}
	}
	type pending struct {
		n *graph.Node
		l *layer
		c call
	}
	var todo []pending
	for _, l := range m.layers {
		outs := max(l.outs, maxTensor[l.name])
		if l.class == "InputLayer" {
			var ins []*graph.Value
			if i, ok := inputOrder[l.name]; ok && nested && i < len(g.Inputs) {
				ins = []*graph.Value{g.Inputs[i]}
			}
			n, err := d.node(g, l, 0, ins, 1)
			if err != nil {
				return nil, err
			}
			nodes[key{l.name, 0}] = n
			if !nested {
				g.Inputs = append(g.Inputs, n.Outputs[0])
			}
			continue
		}
		cs := allCalls[l]
		if len(cs) == 0 {
			g.Notes = append(g.Notes, fmt.Sprintf("layer %s (%s) is in the model's layers but is never called: not shown", l.name, l.class))
			continue
		}
		for k, c := range cs {
			n, err := d.node(g, l, k, nil, outs)
			if err != nil {
				return nil, err
			}
			nodes[key{l.name, k}] = n
			todo = append(todo, pending{n, l, c})
		}
	}
	// A model used as a layer was built on its own inputs first: tf.keras
	// (and Keras 3) skip that node when saving, but count it in the
	// indices, so its calls are 1, 2, … against inbound_nodes 0, 1, ….
	shift := map[string]int{}
	for _, l := range m.layers {
		if n := len(allCalls[l]); l.model != nil && n > 0 && minNode[l.name] >= 1 && maxNode[l.name] == n {
			shift[l.name] = 1
		}
	}
	resolve := func(r tensorRef, l *layer) (*graph.Value, error) {
		r.node -= shift[r.layer]
		n := nodes[key{r.layer, r.node}]
		if n == nil && r.node > 0 && nodes[key{r.layer, 0}] != nil && nodes[key{r.layer, 1}] == nil {
			// A model nested in another counts its own inner call as
			// node 0 in some versions: one call, whatever its index.
			n = nodes[key{r.layer, 0}]
		}
		if n == nil {
			if names[r.layer] == nil {
				return nil, d.errAt(r.at, l, "input from layer %s, which the model does not have", r.layer)
			}
			return nil, d.errAt(r.at, l, "input from call %d of layer %s, which has %d", r.node, r.layer, len(allCalls[names[r.layer]]))
		}
		if r.tensor >= len(n.Outputs) {
			return nil, d.errAt(r.at, l, "input from output %d of layer %s, which has %d", r.tensor, r.layer, len(n.Outputs))
		}
		return n.Outputs[r.tensor], nil
	}
	for _, p := range todo {
		lo, _ := p.n.Op.(*layerOp)
		for _, r := range p.c.ins {
			v, err := resolve(r, p.l)
			if err != nil {
				return nil, err
			}
			p.n.Inputs = append(p.n.Inputs, v)
			if lo != nil {
				lo.recorded = append(lo.recorded, r.shape)
			}
		}
		if len(p.n.Inputs) == 0 {
			return nil, d.errAt(p.c.at, p.l, "the layer is called on no tensor")
		}
	}
	for _, r := range outRefs {
		v, err := resolve(r, nil)
		if err != nil {
			return nil, err
		}
		g.Outputs = append(g.Outputs, v)
	}
	var groups [][]*graph.Node
	for _, l := range m.layers {
		if n := len(allCalls[l]); n > 1 && l.class != "InputLayer" {
			calls := make([]*graph.Node, n)
			for k := range calls {
				calls[k] = nodes[key{l.name, k}]
			}
			groups = append(groups, calls)
		}
	}
	mergeCalls(g, groups)
	return g, nil
}

// mergeCalls makes the calls of each shared layer one node, as
// model.summary() shows a layer once whatever its calls: the node takes
// every call's inputs and gives every call's outputs, and its op infers
// each call in turn. When one call feeds another (a layer applied to its
// own output) one node cannot be ordered, and the calls stay apart.
func mergeCalls(g *graph.Graph, groups [][]*graph.Node) {
	if len(groups) == 0 {
		return
	}
	orig := append([]*graph.Node(nil), g.Nodes...)
	drop := map[*graph.Node]bool{}
	merged := map[*graph.Node]*graph.Node{}
	for _, calls := range groups {
		first := calls[0]
		m := &graph.Node{Name: first.Name, Type: first.Type, Pos: first.Pos}
		op := &callsOp{}
		for k, c := range calls {
			m.Inputs = append(m.Inputs, c.Inputs...)
			m.Outputs = append(m.Outputs, c.Outputs...)
			op.ops = append(op.ops, c.Op)
			op.ins = append(op.ins, len(c.Inputs))
			op.outs = append(op.outs, len(c.Outputs))
			for _, r := range c.Remarks() {
				if !strings.HasPrefix(r, "call ") {
					m.Remark("%s", r)
				}
			}
			if k > 0 {
				drop[c] = true
			}
		}
		m.Op = op
		m.Remark("called %d times: one layer, its weights counted once", len(calls))
		merged[first] = m
	}
	var out []*graph.Node
	for _, n := range g.Nodes {
		if drop[n] {
			continue
		}
		if m := merged[n]; m != nil {
			n = m
		}
		out = append(out, n)
	}
	for _, m := range merged {
		for _, v := range m.Outputs {
			v.Producer = m
		}
	}
	g.Nodes = out
	selfFed := false
	for _, m := range merged {
		for _, v := range m.Inputs {
			selfFed = selfFed || v != nil && v.Producer == m
		}
	}
	if _, err := infer.Order(g); err == nil && !selfFed {
		return
	}
	// A call feeds another: back to one node per call.
	g.Nodes = orig
	for _, n := range orig {
		for _, v := range n.Outputs {
			v.Producer = n
		}
	}
}

// callsOp infers each call of a shared layer on its own inputs: the
// weights (the same for every call) once, the FLOPs of all calls.
type callsOp struct {
	ops       []graph.Op
	ins, outs []int
}

func (c *callsOp) Infer(n *graph.Node) error {
	in, out := 0, 0
	var unknown error
	var flops []calc.Expr
	flopsKnown := true
	seen := map[*graph.Param]bool{}
	notes := map[string]bool{}
	for k, o := range c.ops {
		sc := &graph.Node{Name: n.Name, Type: n.Type, Pos: n.Pos, Inputs: n.Inputs[in : in+c.ins[k]]}
		for j := 0; j < c.outs[k]; j++ {
			sc.Outputs = append(sc.Outputs, &graph.Value{Name: n.Outputs[out+j].Name, Producer: sc})
		}
		err := o.Infer(sc)
		var u *graph.UnknownError
		switch {
		case err == nil:
		case errors.As(err, &u):
			unknown = err
		default:
			return fmt.Errorf("call %d: %w", k+1, err)
		}
		for j, v := range sc.Outputs {
			n.Outputs[out+j].Shape, n.Outputs[out+j].DType = v.Shape, v.DType
		}
		if n.Count.IsZero() && len(sc.Params) > 0 {
			n.Count = sc.Count
		}
		for _, p := range sc.Params {
			if !seen[p] {
				seen[p] = true
				n.Params = append(n.Params, p)
			}
		}
		if sc.FLOPs.Known() {
			flops = append(flops, sc.FLOPs)
		} else {
			flopsKnown = false
		}
		for _, w := range sc.ShapeWhy() {
			n.Why("call %d: %s", k+1, w)
		}
		for _, t := range sc.Notes() {
			if !notes[t] {
				notes[t] = true
				n.AddNotes(t)
			}
		}
		in += c.ins[k]
		out += c.outs[k]
	}
	if flopsKnown && len(flops) > 0 {
		n.FLOPs = calc.Add(flops...)
	}
	return unknown
}

// node makes the graph node of call k of layer l.
func (d *decoder) node(g *graph.Graph, l *layer, k int, ins []*graph.Value, outs int) (*graph.Node, error) {
	// Every node is charged, and counted against the cap: a model
	// nested in a model, each called twice, makes nodes without end.
	d.nodes++
	if d.nodes > maxCalls {
		return nil, d.errAt(l.entry, l, "more than %d layer calls (nested models called many times over)", maxCalls)
	}
	if err := d.b.Charge(layerCost, "a Keras layer call"); err != nil {
		return nil, err
	}
	name := l.name
	if k > 0 {
		name = fmt.Sprintf("%s[%d]", l.name, k) // Keras's own notation for node k
	}
	var op graph.Op = &layerOp{l: l}
	if l.model != nil {
		sub, err := d.graphOf(l.model, true)
		if err != nil {
			return nil, err
		}
		op = &nestedOp{l: l, g: sub}
		outs = max(outs, len(sub.Outputs))
	}
	if ws := d.own[l.entry]; len(ws) > 0 {
		op = &ownWeightsOp{Op: op, l: l, ws: ws}
	}
	n := g.NewNode(name, l.class, op, ins, outs, d.src.pos(l.entry))
	if k > 0 {
		n.Remark("call %d of layer %s: its weights are %s's", k+1, l.name, l.name)
	}
	if !l.train && l.parent == "" {
		n.Remark("trainable: false — its weights are non-trainable")
	}
	return n, nil
}

// layerOp is one Keras layer: its op, made by the builder at inference,
// then Keras's conventions on the parameters: names "<layer>/<weight>",
// trainable: false making every weight non-trainable, a shared layer's
// weights once, and the file's weights when there is a file.
type layerOp struct {
	l *layer
	// recorded are the input shapes Keras 3 wrote for this call (a
	// __keras_tensor__'s shape, a layer's build_config): used when an
	// input's shape is unknown, after a layer layerinfo does not model.
	recorded []graph.Shape
}

func (o *layerOp) Infer(n *graph.Node) error {
	l := o.l
	for i, v := range n.Inputs {
		if v != nil && v.Shape == nil && i < len(o.recorded) && o.recorded[i] != nil {
			v.Shape = o.recorded[i].Clone()
			n.Note("input %d: its shape %s is the one the file records for this call", i, shapeText(v.Shape))
		}
	}
	var err error
	for i := range n.Inputs {
		if n.In(i) == nil {
			err = graph.Unknownf("input %d is unknown (from %s)", i, producerName(n.Inputs[i]))
			break
		}
	}
	if err == nil {
		var op graph.Op
		if op, err = l.build(n); err == nil {
			err = op.Infer(n)
		}
	}
	var u *graph.UnknownError
	if err != nil && !errors.As(err, &u) {
		return err
	}
	if err != nil {
		// Outputs unknown: the parameters are the file's, when there is
		// a file; otherwise they cannot be counted.
		n.Params, n.Count = nil, calc.Expr{}
		if l.params != nil {
			n.Params = append(n.Params, l.params...)
			return err
		}
		if l.hasWeights {
			if perr := o.fileParams(n); perr != nil {
				return perr
			}
			l.params = n.Params
			return err
		}
		if !weightless[l.class] && !l.isOp {
			n.Note("its parameters, if any, depend on what is unknown: they are not known")
			n.Uncounted = true
		}
		return err
	}
	for _, p := range n.Params {
		if p.Owner == nil || p.Owner == n {
			p.Name = l.name + "/" + p.Role
			if !l.train {
				p.Trainable = false
			}
		}
	}
	if l.params != nil {
		// A later call of a shared layer (or inference run again): the
		// weights made the first time, which must fit this call too.
		if err := sameShapes(n.Params, l.params); err != nil {
			return fmt.Errorf("the layer is called again on inputs that need other weights: %w", err)
		}
		n.Params = append(n.Params[:0], l.params...)
		return nil
	}
	if l.hasWeights {
		if err := sameShapes(n.Params, asParams(l.fileWeights)); err != nil {
			n.Note("the file's weights differ from those the config makes (%v): the file's are counted", err)
			n.Params, n.Count = nil, calc.Expr{}
			if err := o.fileParams(n); err != nil {
				return err
			}
		} else {
			for i, p := range n.Params {
				if w := l.fileWeights[i]; w.name != "" {
					p.Name = w.name
				}
			}
		}
	}
	l.params = n.Params
	return nil
}

// fileParams makes the node's parameters from the file's weights.
func (o *layerOp) fileParams(n *graph.Node) error {
	for _, w := range o.l.fileWeights {
		p, err := n.Param(w.role, w.shape, w.trainable && o.l.train)
		if err != nil {
			return err
		}
		if w.name != "" {
			p.Name = w.name
		}
		if w.dtype != "" {
			p.DType = w.dtype
		}
	}
	return nil
}

func producerName(v *graph.Value) string {
	if v == nil || v.Producer == nil {
		return "the model's input"
	}
	return "layer " + v.Producer.Name
}

// sameShapes compares two parameter lists: as many, and the same
// shapes in some order (Keras 2 lists a nested model's weights trainable
// first across its layers, so order alone may differ).
func sameShapes(a, b []*graph.Param) error {
	if len(a) != len(b) {
		return fmt.Errorf("%d weights %s, the file %d %s", len(a), shapeList(a), len(b), shapeList(b))
	}
	used := make([]bool, len(b))
outer:
	for _, p := range a {
		for j, q := range b {
			if !used[j] && p.Shape.Equal(q.Shape) {
				used[j] = true
				continue outer
			}
		}
		return fmt.Errorf("weights %s, the file %s", shapeList(a), shapeList(b))
	}
	return nil
}

func shapeList(ps []*graph.Param) string {
	s := ""
	for i, p := range ps {
		if i > 0 {
			s += " "
		}
		s += "(" + p.Shape.Join(", ") + ")"
	}
	return s
}

func asParams(ws []fileWeight) []*graph.Param {
	ps := make([]*graph.Param, len(ws))
	for i, w := range ws {
		ps[i] = &graph.Param{Name: w.name, Shape: w.shape}
	}
	return ps
}

// fileWeight is one weight a model file holds for a layer.
type fileWeight struct {
	name      string // "conv/kernel" ("" when the file has no names)
	role      string // "kernel"
	shape     graph.Shape
	dtype     graph.DType
	trainable bool
}

// weightSource gives a layer's weights in a model file.
type weightSource interface {
	// layerWeights is the weights of the last layer of chain (the
	// enclosing models' layers, then the layer), and whether the file
	// has the layer.
	layerWeights(chain []pathElem) ([]fileWeight, bool)
}

// pathElem is a layer and the model whose layers list holds it.
type pathElem struct {
	l *layer
	m *model
}

// nestedOp is a model used as a layer: its graph is inferred on the
// node's inputs, and the node holds every weight of it.
type nestedOp struct {
	l *layer
	g *graph.Graph
}

func (o *nestedOp) Infer(n *graph.Node) error {
	for i, v := range o.g.Inputs {
		if i < len(n.Inputs) && n.Inputs[i] != nil {
			if s := n.In(i); s != nil {
				v.Shape = s.Clone()
			}
			v.DType = n.Inputs[i].DType
		}
	}
	if err := infer.Run(o.g, infer.Options{}); err != nil {
		return fmt.Errorf("in model %s: %w", o.l.name, err)
	}
	inner := make(map[*graph.Node]bool, len(o.g.Nodes))
	for _, in := range o.g.Nodes {
		inner[in] = true
	}
	seen := map[*graph.Param]bool{}
	var counts, flops []calc.Expr
	flopsKnown := true
	for _, in := range o.g.Nodes {
		for _, p := range in.Params {
			if seen[p] {
				continue
			}
			seen[p] = true
			if p.Owner != nil && inner[p.Owner] {
				p.Owner = nil // counted at this node, not inside
			}
			n.Params = append(n.Params, p)
		}
		if v, ok := in.Count.Value(); ok && v > 0 {
			counts = append(counts, calc.N(v))
		}
		if in.FLOPs.Known() {
			flops = append(flops, in.FLOPs)
		} else {
			flopsKnown = false
		}
	}
	if len(counts) > 0 {
		n.Count = calc.Add(counts...)
	}
	unknown := ""
	for i, v := range o.g.Outputs {
		if v.Shape == nil {
			unknown = producerName(v)
			continue
		}
		n.SetOut(i, v.Shape.Clone())
		n.Outputs[i].DType = v.DType
	}
	if unknown != "" {
		return graph.Unknownf("model %s: the output of %s is unknown", o.l.name, unknown)
	}
	if flopsKnown && len(flops) > 0 {
		n.FLOPs = calc.Add(flops...)
	} else if flopsKnown {
		n.FLOPs = calc.N(0)
	}
	n.Why("model %s: %d layers", o.l.name, len(o.g.Nodes))
	return nil
}

func shapeText(s graph.Shape) string { return "(" + s.Join(", ") + ")" }

// builtShape is the input shape of a Keras 3 layer's build_config, when
// it is one shape.
func (d *decoder) builtShape(l *layer) graph.Shape {
	v := l.entry.get("build_config").get("input_shape")
	if v == nil || v.k != jArr || len(v.arr) == 0 || v.arr[0].k == jArr {
		return nil
	}
	s, err := d.shapeOf(v, l, "build_config.input_shape")
	if err != nil {
		return nil
	}
	return s
}

// ownWeightsOp is a layer class of a Keras script's own whose build or
// __init__ made weights with add_weight: its inside (traced from call)
// inferred, then its own weights, made once whatever its calls.
type ownWeightsOp struct {
	graph.Op
	l  *layer
	ws []fileWeight
}

func (o *ownWeightsOp) Infer(n *graph.Node) error {
	err := o.Op.Infer(n)
	var u *graph.UnknownError
	if err != nil && !errors.As(err, &u) {
		return err
	}
	if o.l.own != nil {
		// A later call (a shared layer), or inference run again.
		for _, p := range o.l.own {
			n.AddParam(p)
		}
		return err
	}
	for _, w := range o.ws {
		p, perr := n.Param(w.role, w.shape, w.trainable && o.l.train)
		if perr != nil {
			return perr
		}
		p.Name = o.l.name + "/" + w.role
		o.l.own = append(o.l.own, p)
	}
	return err
}

package torchcode

import (
	"fmt"
	"slices"
	"strings"

	"go.starlark.net/starlark"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/internal/budget"
	"github.com/layerinfo/layerinfo/internal/pyhost"
)

// The forward trace: the model's forward runs on the host with tensors
// that carry a shape and an element type and no data. A call of a row
// module (or of a functional that does work) becomes a graph node, made
// and inferred at once by its op so that the Python code after it reads
// the shapes the op computed (x.size(0), view(b, -1), if x.dim() == 4).
// Shape-only operations (view, flatten, indexing, cat, arithmetic) make
// no node: their result keeps the graph values its data comes from
// (Tensor.src), which become the edges of the next node. A node's op
// therefore wraps the layer op with the input shapes the trace knew
// (traced), so that inference run again on the graph gives the same
// figures.

const traceKey = "torchcode.trace"

// maxTraceNodes bounds the nodes of one trace (a forward loop without end).
const maxTraceNodes = 100000

// tracer is one forward pass.
type tracer struct {
	t      *torch
	th     *starlark.Thread
	g      *graph.Graph
	paths  map[*pyhost.Instance]string
	params map[*Tensor]*graph.Param
	names  map[string]int
	calls  []traceCall
	called map[*pyhost.Instance]bool
	stack  []string // the paths of the modules whose forward runs
	// rowWork, beside stack, is the FLOPs of the functional calls made
	// directly in a row module's Python forward (a LayerNorm of the
	// file calling F.layer_norm): the row's, not rows of their own;
	// nil for other modules.
	rowWork []*[]calc.Expr
	// opaqueWork marks the row work lists of row modules whose forward
	// called a value layerinfo cannot read (opaqueCall): their FLOPs are
	// unknown, and their parameters too when the value is an attribute.
	opaqueWork map[*[]calc.Expr]bool
	fail       error // the first shape error, as the user sees it
	bud        *budget.Budget
	root       *pyhost.Instance // the model (nil for a trace while the file builds)
}

// traceCall is one row module call, in call order (for tests and notes).
type traceCall struct {
	path, class string
	node        *graph.Node
}

func tracing(th *starlark.Thread) *tracer {
	tr, _ := th.Local(traceKey).(*tracer)
	return tr
}

// dims is a graph shape as the trace keeps it: -1 for an unknown dim.
func dims(s graph.Shape) []int64 {
	out := make([]int64, len(s))
	for i, d := range s {
		out[i] = d.Size
		if !d.Known() {
			out[i] = -1
		}
	}
	return out
}

// gshape is a trace shape as a graph shape: -1 is the symbolic batch N.
func gshape(s []int64) graph.Shape {
	out := make(graph.Shape, len(s))
	for i, d := range s {
		if d < 0 {
			out[i] = graph.Symbol("N")
		} else {
			out[i] = graph.D(d)
		}
	}
	return out
}

func dtypeOf(x *Tensor) graph.DType {
	if x.DType == "" {
		return graph.Float32
	}
	return x.DType
}

// traced is a node's op: inner applied to the input shapes the trace
// knew (ins), with the module's own tensors (owned) as its parameters.
// The node's inputs are its edges: the values its inputs' data came
// from, then owned.
type traced struct {
	inner graph.Op
	ins   []*graph.Value
	owned []*graph.Value
}

func (o *traced) Infer(n *graph.Node) error {
	edges := n.Inputs
	n.Inputs = append(append(make([]*graph.Value, 0, len(o.ins)+len(o.owned)), o.ins...), o.owned...)
	err := o.inner.Infer(n)
	n.Inputs = edges
	// A layer op makes its parameters from its attributes: they are the
	// module's own tensors, which come as owned values (counted by
	// infer, tied ones once). Their shapes must agree.
	made := n.Params
	n.Params = nil
	if o.owned == nil {
		return err // a shape computed apart (detached): its parameters are counted at its row
	}
	for _, p := range made {
		mine := ownedParam(o.owned, p.Role)
		if mine == nil {
			return fmt.Errorf("the module has no %s", p.Role)
		}
		if !mine.Shape.Equal(p.Shape) {
			return fmt.Errorf("%s has shape %s, the input needs %s", mine.Name, mine.Shape, p.Shape)
		}
	}
	return err
}

// ownedParam is the module's tensor that holds the layer's parameter
// role: the parameter itself, or the one a reparametrization keeps in
// its place with the same shape (reparam.go: spectral_norm's
// weight_orig, weight_norm's weight_v beside weight_g, the
// parametrizations' original and original1).
func ownedParam(owned []*graph.Value, role string) *graph.Param {
	find := func(r string) *graph.Param {
		var mine *graph.Param
		for _, v := range owned {
			if v.Param != nil && v.Param.Role == r {
				mine = v.Param
			}
		}
		return mine
	}
	pre := "parametrizations." + role + "."
	for _, r := range []string{role, role + "_orig", pre + "original", pre + "original1"} {
		if p := find(r); p != nil {
			return p
		}
	}
	if find(role+"_g") != nil {
		return find(role + "_v")
	}
	return nil
}

// uncounted is an op whose node's parameters are not known whole (a
// module given to a call layerinfo does not model).
type uncounted struct{ graph.Op }

func (u uncounted) Infer(n *graph.Node) error {
	err := u.Op.Infer(n)
	n.Uncounted = true
	return err
}

// fixed is an op whose outputs the front-end computed (a layer the op
// package has no rule for: adaptive pooling to a size, attention,
// recurrent layers), with their arithmetic and FLOPs.
type fixed struct {
	outs  []graph.Shape
	types []graph.DType
	flops calc.Expr // the zero Expr: 0
	why   string
	// unknownWork leaves the FLOPs unknown (a forward that called
	// something layerinfo cannot read).
	unknownWork bool
}

func (f *fixed) Infer(n *graph.Node) error {
	for i, s := range f.outs {
		if s == nil {
			return graph.Unknownf("an output's shape is unknown")
		}
		n.SetOut(i, s.Clone())
		if i < len(f.types) && f.types[i] != "" {
			n.Outputs[i].DType = f.types[i]
		}
	}
	if f.why != "" {
		n.Why("%s", f.why)
	}
	if f.unknownWork {
		return nil
	}
	n.FLOPs = f.flops
	if n.FLOPs.IsZero() {
		n.FLOPs = calc.N(0)
	}
	return nil
}

// unknownOp leaves a node's outputs unknown, with the reason.
type unknownOp struct{ why string }

func (u unknownOp) Infer(*graph.Node) error { return graph.Unknownf("%s", u.why) }

// value is a temporary value of x's trace shape, for an op's input.
func value(x *Tensor) *graph.Value {
	v := &graph.Value{Name: x.Desc, DType: dtypeOf(x)}
	if x.Known {
		v.Shape = gshape(x.Shape)
	}
	return v
}

// unique is name, or name#k for its k-th use.
func (tr *tracer) unique(name string) string {
	tr.names[name]++
	if k := tr.names[name]; k > 1 {
		return fmt.Sprintf("%s#%d", name, k)
	}
	return name
}

// owned are module o's own parameters and buffers as parameter values.
func (tr *tracer) owned(o *pyhost.Instance, path string) ([]*graph.Value, error) {
	m := stateOf(o)
	var out []*graph.Value
	for i, list := range [][]slot{m.params, m.buffers} {
		for _, s := range list {
			x, ok := s.val.(*Tensor)
			if !ok {
				continue
			}
			full := s.name
			if path != "" {
				full = path + "." + s.name
			}
			v, err := tr.paramValue(x, full, s.name, i == 1, m.pos, path, o)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
	}
	return out, nil
}

// paramValue is tensor x of a module as a parameter value; one
// graph.Param per tensor, so that a tied tensor counts once.
func (tr *tracer) paramValue(x *Tensor, full, role string, buffer bool, pos graph.Pos, path string, o *pyhost.Instance) (*graph.Value, error) {
	if !x.Known {
		return nil, &graph.Error{Pos: pos, Layer: path, Msg: fmt.Sprintf("%s %s (%s): its shape is unknown (made from %s), so it cannot be counted", kindOf(map[bool]int{false: 0, true: 1}[buffer]), full, o.Class.Name(), x.Desc)}
	}
	dt := graph.Float32
	if role == "num_batches_tracked" && buffer {
		dt = graph.Int64
	}
	p := tr.params[x]
	if p == nil {
		p = &graph.Param{Name: full, Role: role, Shape: graph.S(x.Shape...), DType: dt, Trainable: !buffer && x.Grad, Buffer: buffer}
		tr.params[x] = p
	}
	return &graph.Value{Name: full, Shape: p.Shape, DType: dt, Param: p}, nil
}

// tensorParam is a tensor forward uses directly (F.linear(x,
// self.weight)): the parameter value of the module that owns it, or nil
// when it is not a module's.
func (tr *tracer) tensorParam(x *Tensor) *graph.Value {
	if p := tr.params[x]; p != nil {
		return &graph.Value{Name: p.Name, Shape: p.Shape, DType: p.DType, Param: p}
	}
	var found *graph.Value
	if tr.root == nil {
		return nil
	}
	// In named_modules() order, so that a tied tensor is always named
	// by its first module.
	walk(tr.root, func(o *pyhost.Instance, path string) error {
		if found != nil {
			return nil
		}
		m := stateOf(o)
		for i, list := range [][]slot{m.params, m.buffers} {
			for _, s := range list {
				if s.val == x && found == nil {
					full := s.name
					if path != "" {
						full = path + "." + s.name
					}
					found, _ = tr.paramValue(x, full, s.name, i == 1, m.pos, path, o)
				}
			}
		}
		return nil
	})
	return found
}

// node adds a node the trace made and infers it at once. inner computes
// the outputs from ins; the node's edges are the values ins came from,
// then owned.
func (tr *tracer) node(name, typ string, pos graph.Pos, inner graph.Op, ins []*Tensor, owned []*graph.Value, nOut int) (*graph.Node, error) {
	if len(tr.g.Nodes) >= maxTraceNodes {
		return nil, fmt.Errorf("forward makes more than %d layers", maxTraceNodes)
	}
	if err := tr.bud.Charge(2048, "the traced graph"); err != nil {
		return nil, err
	}
	op := &traced{inner: inner, owned: owned}
	var edges []*graph.Value
	for _, x := range ins {
		op.ins = append(op.ins, value(x))
		for _, v := range x.src {
			if !slices.Contains(edges, v) {
				edges = append(edges, v)
			}
		}
	}
	edges = append(edges, owned...)
	n := tr.g.NewNode(tr.unique(name), typ, op, edges, nOut, pos)
	// The trace reads shapes only, and layerinfo.Analyze infers every
	// node again: no arithmetic text now (an error is worded as with it).
	n.NoArithmetic = true
	err := infer.Node(n)
	n.NoArithmetic = false
	if err != nil {
		tr.drop(n)
		return nil, err
	}
	return n, nil
}

// drop removes node n (a call that failed) from the graph.
func (tr *tracer) drop(n *graph.Node) {
	if i := slices.Index(tr.g.Nodes, n); i >= 0 {
		tr.g.Nodes = slices.Delete(tr.g.Nodes, i, i+1)
	}
}

// outputs are node n's outputs as tensors.
func (tr *tracer) outputs(n *graph.Node) []*Tensor {
	out := make([]*Tensor, len(n.Outputs))
	for i, v := range n.Outputs {
		x := &Tensor{Desc: n.Name, DType: v.DType, src: []*graph.Value{v}, tr: tr}
		if v.Shape != nil {
			x.Shape, x.Known = dims(v.Shape), true
		}
		out[i] = x
	}
	return out
}

// here is the innermost module whose forward runs, for messages.
func (tr *tracer) here() string {
	if len(tr.stack) == 0 {
		return ""
	}
	return tr.stack[len(tr.stack)-1]
}

// shapeError is a shape bug found at the user's line th is at: the
// first one is kept as the trace's error.
func (tr *tracer) shapeError(th *starlark.Thread, layer, msg string) error {
	e := &graph.Error{Pos: where(th), Layer: layer, Msg: msg}
	if tr.fail == nil {
		tr.fail = e
	}
	return e
}

// opaqueCall is the row of a call, during a trace, of a value layerinfo
// cannot read given tensors (pyhost.OpaqueCallKey): a module attribute
// (self.backbone = torchvision.models.resnet18(); self.backbone(x)) is a
// model part whose output, work and parameters are unknown; a function
// of a library layerinfo does not model (einops.rearrange(x, …)) has an
// unknown output and work and no parameters. Inside a row module's own
// forward the call is left to the default (a placeholder).
func opaqueCall(th *starlark.Thread, o *pyhost.Opaque, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	tr := tracing(th)
	if tr == nil {
		return nil, nil
	}
	all := append(starlark.Tuple{}, a...)
	for _, x := range kw {
		all = append(all, x[1])
	}
	ins := tensorsIn(all...)
	if len(ins) == 0 {
		return nil, nil
	}
	if k := len(tr.rowWork); k > 0 && tr.rowWork[k-1] != nil {
		// Inside a row module's own forward: the row's work becomes
		// unknown, and its parameters too when a module attribute is
		// called.
		if tr.opaqueWork == nil {
			tr.opaqueWork = map[*[]calc.Expr]bool{}
		}
		name, attr := tr.t.opaque[o]
		tr.opaqueWork[tr.rowWork[k-1]] = tr.opaqueWork[tr.rowWork[k-1]] || attr
		if attr {
			tr.noteOpaque(tr.here(), name, o)
		}
		return &Tensor{Desc: o.Desc, tr: tr}, nil
	}
	var inner graph.Op = unknownOp{o.Desc + " is not read by layerinfo: its output and work are unknown"}
	name, typ := strings.TrimSuffix(o.Desc, "(…)"), o.Desc
	if attr, ok := tr.t.opaque[o]; ok {
		tr.noteOpaque(tr.here(), attr, o)
		name = attr
		inner = uncounted{unknownOp{attr + " = " + o.Desc + " is not read by layerinfo: its output, work and parameters are unknown"}}
		if h := tr.here(); h != "" {
			name = h + "." + attr
		}
	} else if h := tr.here(); h != "" {
		name = h + "/" + name
	}
	n, err := tr.node(name, typ, where(th), inner, ins, nil, 1)
	if err != nil {
		return nil, err
	}
	if _, ok := inner.(uncounted); ok {
		n.Uncounted = true
	}
	return tr.outputs(n)[0], nil
}

// noteOpaque says once that module attribute attr (of the module at
// path) holds a value layerinfo cannot read, which forward calls.
func (tr *tracer) noteOpaque(path, attr string, o *pyhost.Opaque) {
	if path != "" {
		attr = path + "." + attr
	}
	note := fmt.Sprintf("%s = %s is not read by layerinfo (a library it does not model): forward calls it, so its output, work and parameters are unknown", attr, o.Desc)
	if !slices.Contains(tr.g.Notes, note) && len(tr.g.Notes) < 100 {
		tr.g.Notes = append(tr.g.Notes, note)
	}
}

// functional adds a row for a functional call that does work (F.relu,
// F.max_pool2d, torch.matmul) inside the current module.
func (tr *tracer) functional(th *starlark.Thread, fn string, inner graph.Op, ins []*Tensor, owned []*graph.Value, nOut int) ([]*Tensor, error) {
	if k := len(tr.rowWork); k > 0 && tr.rowWork[k-1] != nil {
		// Inside a row module's own forward: its work is the row's.
		outs, flops, err := detached(fn, inner, ins, nOut)
		if err != nil {
			layer := "layer " + tr.here() + ": " + fn
			return nil, tr.shapeError(th, layer, err.Error())
		}
		if !flops.IsZero() {
			*tr.rowWork[k-1] = append(*tr.rowWork[k-1], flops)
		}
		for _, x := range outs {
			for _, y := range ins {
				x.src = mergeSrc(x.src, y.src)
			}
			x.tr = tr
		}
		return outs, nil
	}
	name := fn
	if h := tr.here(); h != "" {
		name = h + "/" + fn
	}
	n, err := tr.node(name, fn, where(th), inner, ins, owned, nOut)
	if err != nil {
		layer := "in " + fn
		if h := tr.here(); h != "" {
			layer = "layer " + h + ": " + fn
		}
		return nil, tr.shapeError(th, layer, err.Error())
	}
	return tr.outputs(n), nil
}

// tensorsIn are the tensors of a call's arguments (in tuples and lists
// too), in order.
func tensorsIn(vs ...starlark.Value) []*Tensor {
	var out []*Tensor
	var rec func(v starlark.Value, depth int)
	rec = func(v starlark.Value, depth int) {
		if depth > 4 {
			return
		}
		switch x := v.(type) {
		case *Tensor:
			out = append(out, x)
		case starlark.Tuple:
			for _, e := range x {
				rec(e, depth+1)
			}
		case *starlark.List:
			for i := 0; i < x.Len(); i++ {
				rec(x.Index(i), depth+1)
			}
		}
	}
	for _, v := range vs {
		rec(v, 0)
	}
	return out
}

// rebase is v with every tensor in it coming from the values of outs,
// in order (a row module whose forward is Python: its outputs are the
// row's).
func rebase(v starlark.Value, outs []*Tensor, i *int, depth int) starlark.Value {
	if depth > 4 {
		return v
	}
	switch x := v.(type) {
	case *Tensor:
		if *i < len(outs) {
			c := *x
			c.src = outs[*i].src
			*i++
			return &c
		}
	case starlark.Tuple:
		r := make(starlark.Tuple, len(x))
		for k, e := range x {
			r[k] = rebase(e, outs, i, depth+1)
		}
		return r
	case *starlark.List:
		var r []starlark.Value
		for k := 0; k < x.Len(); k++ {
			r = append(r, rebase(x.Index(k), outs, i, depth+1))
		}
		return starlark.NewList(r)
	}
	return v
}

// isRow reports whether module o is a row: it owns tensors directly or
// has no child modules (the rows of PyTorch's forward hooks).
func isRow(o *pyhost.Instance) bool {
	m := stateOf(o)
	for _, s := range append(append([]slot{}, m.params...), m.buffers...) {
		if s.val != starlark.None {
			return true
		}
	}
	for _, c := range m.children {
		if c.val != starlark.None {
			return false
		}
	}
	return true
}

// pyForward is the forward the file's class defines for o, nil when
// its forward is a torch.nn class's.
func pyForward(o *pyhost.Instance) starlark.Value {
	v, k := o.Class.Lookup("forward")
	if v == nil || k.Native != nil {
		return nil
	}
	f, err := o.Attr("forward")
	if err != nil {
		return nil
	}
	return f
}

// layerName is how an error names a module: "layer fc1 (Linear)".
func layerName(path string, o *pyhost.Instance) string {
	if path == "" {
		return fmt.Sprintf("layer %s (the model)", o.Class.Name())
	}
	return fmt.Sprintf("layer %s (%s)", path, o.Class.Name())
}

// call is a module call during the trace: a torch.nn module's forward
// in Go (forward.go), a file's forward in Python; a row module's call is
// a node.
func (tr *tracer) call(th *starlark.Thread, o *pyhost.Instance, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if tr.fail != nil {
		return nil, tr.fail
	}
	if len(tr.stack) > 500 {
		return nil, fmt.Errorf("modules call each other more than 500 deep")
	}
	path, ok := tr.paths[o]
	if !ok {
		path = strings.ToLower(o.Class.Name())
		if h := tr.here(); h != "" {
			path = h + "/" + path
		}
		tr.paths[o] = path
	}
	tr.called[o] = true
	tr.stack = append(tr.stack, path)
	tr.rowWork = append(tr.rowWork, nil)
	defer func() {
		tr.stack = tr.stack[:len(tr.stack)-1]
		tr.rowWork = tr.rowWork[:len(tr.rowWork)-1]
	}()
	c := &fcall{tr: tr, th: th, o: o, path: path, pos: where(th)}
	fwd := pyForward(o)
	if fwd == nil {
		kind := stateOf(o).kind
		if f := forwards[kind]; f != nil {
			return f(c, a, kw)
		}
		if kind == "" {
			kind = "Module"
		}
		// A torch.nn class whose forward is not modelled: its
		// outputs are unknown, its tensors still counted.
		outs, err := c.row(unknownOp{fmt.Sprintf("the forward of nn.%s is not modelled: its output shape is unknown", kind)}, tensorsIn(a...), 1)
		if err != nil {
			return nil, err
		}
		return outs[0], nil
	}
	if !isRow(o) {
		return starlark.Call(th, fwd, a, kw)
	}
	// A row module whose forward is Python: its node comes first (as
	// the hooks enter it), its outputs are what forward returns.
	owned, err := tr.owned(o, path)
	if err != nil {
		return nil, err
	}
	n := tr.g.NewNode(tr.unique(c.name()), o.Class.Name(), nil, nil, 0, c.pos)
	at := len(tr.calls)
	tr.calls = append(tr.calls, traceCall{path, o.Class.Name(), n})
	work := &[]calc.Expr{}
	tr.rowWork[len(tr.rowWork)-1] = work
	out, err := starlark.Call(th, fwd, a, kw)
	if err != nil {
		tr.drop(n)
		tr.calls = slices.Delete(tr.calls, at, at+1)
		return nil, err
	}
	ins, res := tensorsIn(a...), tensorsIn(out)
	for _, x := range kw {
		ins = append(ins, tensorsIn(x[1])...)
	}
	op := &traced{inner: &fixed{why: "what its forward returns"}, owned: owned}
	f := op.inner.(*fixed)
	if len(*work) > 0 {
		f.flops = calc.Add(*work...)
	}
	for _, x := range res {
		if x.Known {
			f.outs = append(f.outs, gshape(x.Shape))
		} else {
			f.outs = append(f.outs, nil)
		}
		f.types = append(f.types, dtypeOf(x))
	}
	for _, x := range ins {
		op.ins = append(op.ins, value(x))
		for _, v := range x.src {
			if !slices.Contains(n.Inputs, v) {
				n.Inputs = append(n.Inputs, v)
			}
		}
	}
	n.Inputs = append(n.Inputs, owned...)
	n.Op = op
	if attr, ok := tr.opaqueWork[work]; ok {
		f.unknownWork = true
		if attr {
			n.Op = uncounted{op}
		}
	}
	for i := range res {
		vn := n.Name
		if i > 0 {
			vn = fmt.Sprintf("%s:%d", n.Name, i)
		}
		n.Outputs = append(n.Outputs, &graph.Value{Name: vn, Producer: n})
	}
	if err := infer.Node(n); err != nil {
		return nil, tr.shapeError(th, layerName(path, o), err.Error())
	}
	i := 0
	return rebase(out, tr.outputs(n), &i, 0), nil
}

// fcall is one call of a torch.nn module whose forward is Go's.
type fcall struct {
	tr   *tracer
	th   *starlark.Thread
	o    *pyhost.Instance
	path string
	pos  graph.Pos
	// absorb: the torch.nn forward runs inside the module's own row (a
	// subclass's forward calling super().forward(x)): its work is that
	// row's, no node of its own.
	absorb bool
}

// superForward is a torch.nn class's forward called as a method
// (super().forward(x) in a file's subclass), during the trace.
func superForward(th *starlark.Thread, o *pyhost.Instance, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	tr := tracing(th)
	kind := stateOf(o).kind
	f := forwards[kind]
	if tr == nil || f == nil {
		return &Tensor{Desc: o.Class.Name() + ".forward(…)"}, nil
	}
	path := tr.paths[o]
	c := &fcall{tr: tr, th: th, o: o, path: path, pos: where(th)}
	k := len(tr.rowWork)
	c.absorb = k > 0 && tr.rowWork[k-1] != nil && tr.here() == path
	return f(c, a, kw)
}

func (c *fcall) name() string {
	if c.path == "" {
		return c.o.Class.Name()
	}
	return c.path
}

// fail is a shape bug of this call, at the user's line.
func (c *fcall) fail(format string, args ...any) error {
	return c.tr.shapeError(c.th, layerName(c.path, c.o), fmt.Sprintf(format, args...))
}

// row makes this call's node: inner applied to ins, the module's
// tensors its parameters.
func (c *fcall) row(inner graph.Op, ins []*Tensor, nOut int) ([]*Tensor, error) {
	if c.absorb {
		outs, flops, err := detached(c.o.Class.Name(), inner, ins, nOut)
		if err != nil {
			return nil, c.fail("%v", err)
		}
		w := c.tr.rowWork[len(c.tr.rowWork)-1]
		if !flops.IsZero() {
			*w = append(*w, flops)
		}
		for _, x := range outs {
			for _, y := range ins {
				x.src = mergeSrc(x.src, y.src)
			}
			x.tr = c.tr
		}
		return outs, nil
	}
	owned, err := c.tr.owned(c.o, c.path)
	if err != nil {
		return nil, err
	}
	n, err := c.tr.node(c.name(), c.o.Class.Name(), c.pos, inner, ins, owned, nOut)
	if err != nil {
		if c.tr.fail != nil {
			return nil, c.tr.fail
		}
		return nil, c.fail("%v", err)
	}
	if stateOf(c.o).wrapped != "" {
		// A call layerinfo does not model was given this module.
		n.Op = uncounted{n.Op}
		n.Uncounted = true
	}
	c.tr.calls = append(c.tr.calls, traceCall{c.path, c.o.Class.Name(), n})
	return c.tr.outputs(n), nil
}

// has reports whether the module holds a tensor named name (a bias that
// is not None).
func (c *fcall) has(name string) bool {
	m := stateOf(c.o)
	for _, s := range append(append([]slot{}, m.params...), m.buffers...) {
		if s.name == name {
			_, ok := s.val.(*Tensor)
			return ok
		}
	}
	return false
}

// ctor is the module's constructor arguments bound to its signature.
// start reads a module call's input (the argument named input) and the
// constructor arguments of its kind, as most forwards begin.
func (c *fcall) start(a starlark.Tuple, kw []starlark.Tuple, kind string) (*Tensor, args, error) {
	x, err := c.input(a, kw, "input")
	if err != nil {
		return nil, args{}, err
	}
	ar, err := c.ctor(kind)
	return x, ar, err
}

func (c *fcall) ctor(kind string) (args, error) {
	m := stateOf(c.o)
	sig := layers[kind].sig
	if sig == nil {
		sig = plainSigs[kind]
	}
	if sig == nil {
		return args{class: kind, v: map[string]starlark.Value{}}, nil
	}
	return bindArgs(kind, sig, m.args, m.kw)
}

// input is forward's first argument, which must be a tensor.
func (c *fcall) input(a starlark.Tuple, kw []starlark.Tuple, name string) (*Tensor, error) {
	var v starlark.Value
	if len(a) > 0 {
		v = a[0]
	}
	for _, x := range kw {
		if k, _ := starlark.AsString(x[0]); k == name || k == "input" {
			v = x[1]
		}
	}
	x, ok := v.(*Tensor)
	if !ok {
		if v == nil {
			return nil, c.fail("forward() missing its input")
		}
		return nil, c.fail("forward() takes a tensor, not %s", v.Type())
	}
	return x, nil
}

// shapeText is a shape as PyTorch prints it: [1, 64, 16, 16].
func shapeText(s []int64) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, d := range s {
		if i > 0 {
			b.WriteString(", ")
		}
		if d < 0 {
			b.WriteString("N")
		} else {
			fmt.Fprint(&b, d)
		}
	}
	b.WriteByte(']')
	return b.String()
}
